"""The embedded store's files are its owner's only: the data directory 0700, the SQLite file
and its WAL companions 0600 (like the key file beside them), the LanceDB and boot-lock folders
0700, under the usual umask (022) that would make them world-readable."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from askdb_server.services import Services, Settings
from askdb_server.store.db import Store


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_embedded_store_is_private(tmp_path):
    data = tmp_path / "askdb"
    services = Services.build(Settings.defaults(data, use_embeddings=False))
    try:
        services.users.ensure("ana")  # a write: WAL and shared-memory files exist now
        services.knowledge.index.project("p")  # opens the LanceDB folder
        store = data / "askdb.sqlite"
        files = {
            data: 0o700,
            store: 0o600,
            data / "askdb.sqlite-wal": 0o600,
            data / "askdb.sqlite-shm": 0o600,
            data / "askdb_secret.key": 0o600,
            data / "askdb.sqlite-boots": 0o700,
            data / "lancedb": 0o700,
        }
        assert {p.name: _mode(p) for p in files} == {p.name: m for p, m in files.items()}
        [lock] = (data / "askdb.sqlite-boots").iterdir()
        assert _mode(lock) == 0o600
    finally:
        services.close()
    assert list((data / "askdb.sqlite-boots").iterdir()) == []  # a clean stop tidies up


def test_a_store_file_made_world_readable_before_is_made_private(tmp_path):
    path = tmp_path / "old.sqlite"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as c:
        c.exec_driver_sql("PRAGMA journal_mode=WAL")
        c.exec_driver_sql("CREATE TABLE t (x)")
    engine.dispose()
    path.chmod(0o644)
    store = Store(f"sqlite:///{path}")
    try:
        assert _mode(path) == 0o600
    finally:
        store.dispose()


def test_an_existing_data_directory_keeps_its_mode(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o750)
    shared.chmod(0o750)
    services = Services.build(Settings.defaults(shared, use_embeddings=False))
    services.close()
    assert _mode(shared) == 0o750  # a deployment may share it with a group on purpose
    assert _mode(shared / "askdb.sqlite") == 0o600
