"""The metadata store: one SQLAlchemy engine, sessions, and migrations at start-up."""

from __future__ import annotations

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
            self.raw_async.close()
        self.engine.dispose()


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.close()
