"""The metadata store migrates idempotently and keeps secrets encrypted (SQLite and PostgreSQL)."""

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from cryptography.fernet import Fernet

from askdb_server.store.db import MIGRATIONS_DIR, Store
from askdb_server.store.vault import SecretVault


def test_migrate_creates_tables_and_is_idempotent(store_url):
    store = Store(store_url)
    store.migrate()
    store.migrate()  # a second start-up changes nothing and does not fail
    names = set(sa.inspect(store.engine).get_table_names())
    assert {
        "users",
        "projects",
        "schema_versions",
        "conversations",
        "messages",
        "alembic_version",
    } <= names
    with store.engine.connect() as c:
        head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
        assert c.scalar(sa.text("select version_num from alembic_version")) == head
    store.dispose()


def test_session_rolls_back_on_error(store_url):
    from askdb_server.store.models import User

    store = Store(store_url)
    store.migrate()
    try:
        with store.session() as s:
            s.add(User(username="half"))
            s.flush()
            raise RuntimeError("crash mid-request")
    except RuntimeError:
        pass
    with store.session() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(User)) == 0
    store.dispose()


def test_vault_round_trip_and_rotation(tmp_path):
    vault = SecretVault.from_key_file(tmp_path / "key")
    assert (tmp_path / "key").stat().st_mode & 0o777 == 0o600
    token = vault.encrypt("postgresql://u:sekret@h/db")
    assert "sekret" not in token
    assert vault.decrypt(token) == "postgresql://u:sekret@h/db"
    # Same key file: the same vault again.
    assert SecretVault.from_key_file(tmp_path / "key").decrypt(token).endswith("/db")
    old = (tmp_path / "key").read_text()
    new = Fernet.generate_key().decode()
    rotated = SecretVault([new, old]).rotate(token)
    assert SecretVault([new]).decrypt(rotated) == "postgresql://u:sekret@h/db"
