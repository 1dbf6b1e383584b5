"""The metadata store: one SQLAlchemy engine, sessions, and migrations at start-up.

An embedded store holds password hashes, API-key hashes, encrypted connection URLs and
conversations, so its file (and SQLite's ``-wal``/``-shm`` files, which take the database
file's mode) is readable by its owner only, like the key file beside it; and the data
directory AskDB creates is the owner's only (``private_dir``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from .raw import AsyncRawPool, RawConnections

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700
# SQLite's companions of a database file in WAL mode (and its rollback journal).
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def private_dir(path: Path) -> Path:
    """Create ``path`` (and its parents) if missing, the last one for its owner only (0700).
    An existing folder keeps its mode: a deployment may share it on purpose."""
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    return path


def normalise_store_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs that name no driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


class Store:
    """The metadata store at ``url`` (SQLite file or PostgreSQL).

    ``session()`` yields a session that commits on success and rolls back on any error, so a
    failed request leaves nothing half-written.
    """

    def __init__(
        self, url: str, *, echo: bool = False, raw_synchronous_commit: bool = True
    ) -> None:
        self.url = normalise_store_url(url)
        kwargs: dict = {"echo": echo, "future": True}
        if self.url.startswith("sqlite"):
            _private_sqlite_file(make_url(self.url).database)
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            kwargs["pool_pre_ping"] = True
        self.engine: Engine = create_engine(self.url, **kwargs)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # Plain psycopg connections for the API-key guard's hot path (PostgreSQL only).
        pg = self.engine.dialect.name == "postgresql"
        self.raw = (
            RawConnections(self.engine, synchronous_commit=raw_synchronous_commit) if pg else None
        )
        self.raw_async = (
            AsyncRawPool(self.engine, synchronous_commit=raw_synchronous_commit) if pg else None
        )

    def migrate(self) -> None:
        """Upgrade the store to the newest migration; a no-op when it is already there."""
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        with self.engine.connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            if sqlite:
                # SQLite migrations rebuild tables (copy, drop, rename); with foreign keys on,
                # dropping a referenced table fails or cascades. Alembic's advice: switch them
                # off meanwhile (outside a transaction, where the pragma takes effect) and check
                # the keys afterwards.
                conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
                conn.commit()
            try:
                with conn.begin():
                    cfg.attributes["connection"] = conn
                    command.upgrade(cfg, "head")
                    if sqlite and conn.exec_driver_sql("PRAGMA foreign_key_check").first():
                        raise RuntimeError("The store's migration broke a foreign key.")
            finally:
                if sqlite:
                    conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                    conn.commit()

    @contextmanager
    def session(self) -> Iterator[Session]:
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        if self.raw is not None:
            self.raw.close()
        if self.raw_async is not None:
            self.raw_async.close()
        self.engine.dispose()


def _private_sqlite_file(database: str | None) -> None:
    """Create the store's SQLite file for its owner only (0600), before SQLite creates it
    with the umask's mode (0644 usually), and take group and other access away from a store
    file (and its companions) made before. In-memory databases have no file."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if not path.parent.is_dir():
        return  # SQLite says so itself, on the first connection
    os.close(os.open(path, os.O_CREAT | os.O_RDWR, PRIVATE_FILE))
    for file in (path, *(path.with_name(path.name + c) for c in SQLITE_COMPANIONS)):
        try:
            st = file.stat()
            if st.st_uid == os.geteuid() and st.st_mode & 0o077:
                file.chmod(st.st_mode & 0o700)
        except FileNotFoundError:
            pass


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.close()
