"""psycopg connections for the few hot-path statements that skip the ORM (PostgreSQL only).

The API-key guard runs on every request a program makes. Through a SQLAlchemy session it paid
a pool check-out with a ping, a unit of work per insert and one round trip per statement: about
5 ms on the development machine. These connections are plain psycopg ones, one per worker
thread (tornado's default executor has a handful), held open and re-made when the server
drops them, in autocommit mode; psycopg prepares a statement after its first few runs.
Everything else in AskDB keeps using the ORM.

Two session settings: generic plans for the (fixed, key-lookup) prepared statements, so that
PostgreSQL does not plan them again on every call; and, unless the deployment asks for
``synchronous_commit`` (``AskDBApp.guard_synchronous_commit``), asynchronous commit: the
guard's small writes do not wait for the WAL flush (about 0.4 ms each here), at the price of
losing the last fraction of a second of them if the PostgreSQL server itself crashes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg.rows import namedtuple_row
from sqlalchemy import Engine


class RawConnections:
    """Thread-local psycopg connections to the store's PostgreSQL database."""

    def __init__(self, engine: Engine, *, synchronous_commit: bool = True) -> None:
        url = engine.url.set(drivername="postgresql")
        # The dialect knows how to turn the store URL (host, port, query options such as
        # sslmode) into psycopg's connect() arguments.
        cargs, cparams = engine.dialect.create_connect_args(url)
        self._cargs, self._cparams = cargs, cparams
        self._settings = ["SET plan_cache_mode = force_generic_plan"]
        if not synchronous_commit:
            self._settings.append("SET synchronous_commit = off")
        self._local = threading.local()
        self._all: list[psycopg.Connection] = []
        self._lock = threading.Lock()

    def _connection(self) -> psycopg.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed or conn.broken:
            conn = psycopg.connect(*self._cargs, **self._cparams, autocommit=True)
            for setting in self._settings:
                conn.execute(setting)
            conn.row_factory = namedtuple_row
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def autocommit(self) -> Iterator[psycopg.Cursor]:
        """A cursor on this thread's connection in autocommit mode: each statement is its own
        transaction (``cursor.connection.transaction()`` groups several). Rows are named
        tuples. A connection the server dropped is closed, and replaced on the next call."""
        conn = self._connection()
        try:
            with conn.cursor() as cur:
                yield cur
        except psycopg.OperationalError:
            if conn.broken:
                self._discard(conn)
            raise

    def _discard(self, conn: psycopg.Connection) -> None:
        self._local.conn = None
        with self._lock:
            if conn in self._all:
                self._all.remove(conn)
        conn.close()

    def close(self) -> None:
        with self._lock:
            conns, self._all = self._all, []
        for conn in conns:
            conn.close()
