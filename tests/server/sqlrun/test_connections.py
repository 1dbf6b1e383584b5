"""The connection registry: one engine per URL, read-only SQLite, clear unreachable errors."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from askdb_server.errors import DatabaseUnreachableError, InvalidDatabaseURLError
from askdb_server.sqlrun.connections import ConnectionRegistry


@pytest.fixture
def registry() -> ConnectionRegistry:
    registry = ConnectionRegistry()
    yield registry
    registry.dispose()


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Path:
    path = tmp_path / "db.sqlite"
    with sqlite3.connect(path) as c:
        c.execute("CREATE TABLE t (a INTEGER)")
        c.execute("INSERT INTO t VALUES (1)")
    return path


def test_one_engine_per_url_even_across_threads(
    registry: ConnectionRegistry, sqlite_file: Path
) -> None:
    url = f"sqlite:///{sqlite_file}"
    engines: list[sa.Engine] = []
    threads = [
        threading.Thread(target=lambda: engines.append(registry.engine_for(url))) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(e) for e in engines}) == 1
    assert registry.engine_for(url) is engines[0]


def test_sqlite_files_open_read_only(registry: ConnectionRegistry, sqlite_file: Path) -> None:
    engine = registry.engine_for(f"sqlite:///{sqlite_file}")
    with engine.connect() as c:
        assert c.execute(sa.text("SELECT a FROM t")).scalar_one() == 1
        with pytest.raises(sa.exc.OperationalError, match="readonly"):
            c.execute(sa.text("INSERT INTO t VALUES (2)"))


def test_a_missing_sqlite_file_is_not_created(registry: ConnectionRegistry, tmp_path: Path) -> None:
    missing = tmp_path / "nope.sqlite"
    with pytest.raises(DatabaseUnreachableError, match="no such SQLite file"):
        registry.engine_for(f"sqlite:///{missing}")
    assert not missing.exists()


def test_a_bad_url_is_invalid(registry: ConnectionRegistry) -> None:
    with pytest.raises(InvalidDatabaseURLError):
        registry.engine_for("oracle://scott:tiger@db/orcl")


def test_dispose_forgets_engines(registry: ConnectionRegistry, sqlite_file: Path) -> None:
    url = f"sqlite:///{sqlite_file}"
    first = registry.engine_for(url)
    registry.dispose()
    assert registry.engine_for(url) is not first
