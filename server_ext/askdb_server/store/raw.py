"""psycopg connections for the few hot-path statements that skip the ORM (PostgreSQL only).

The API-key guard runs on every request a program makes. Through a SQLAlchemy session it paid
a pool check-out with a ping, a unit of work per insert and one round trip per statement: about
5 ms on the development machine. These connections are plain psycopg ones in autocommit mode,
held open and re-made when the server drops them; psycopg prepares a statement after its
first few runs. Two kinds: ``RawConnections`` (one per thread, for code on worker threads:
the audit writer) and ``AsyncRawPool`` (a few asyncio connections the guard awaits on the
event loop: handing each sub-millisecond statement to a worker thread and back cost more
than the statement, in GIL hand-offs and wake-ups, once requests run side by side).
Everything else in AskDB keeps using the ORM.

Two session settings: generic plans for the (fixed, key-lookup) prepared statements, so that
PostgreSQL does not plan them again on every call; and, unless the deployment asks for
``synchronous_commit`` (``AskDBApp.guard_synchronous_commit``), asynchronous commit: the
guard's small writes do not wait for the WAL flush (about 0.4 ms each here), at the price of
losing the last fraction of a second of them if the PostgreSQL server itself crashes.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

import psycopg
from psycopg.rows import namedtuple_row
from sqlalchemy import Engine


class RawConnections:
    """Thread-local psycopg connections to the store's PostgreSQL database."""

    def __init__(self, engine: Engine, *, synchronous_commit: bool = True) -> None:
        self._cargs, self._cparams, self._settings = _connect_args(engine, synchronous_commit)
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


class AsyncRawPool:
    """At most ``size`` asyncio psycopg connections, made on demand and kept open.

    Bound to the event loop that first uses it (a server has one); used from another loop
    (a test's), it lets the old connections go and starts again there.
    """

    def __init__(self, engine: Engine, *, synchronous_commit: bool = True, size: int = 8) -> None:
        self._cargs, self._cparams, self._settings = _connect_args(engine, synchronous_commit)
        self.size = size
        self._loop: asyncio.AbstractEventLoop | None = None
        self._idle: list[psycopg.AsyncConnection] = []
        self._mine: set[int] = set()  # ids of the connections made on the current loop
        self._open = 0
        self._freed: asyncio.Condition | None = None

    @asynccontextmanager
    async def cursor(self) -> AsyncIterator[psycopg.AsyncCursor]:
        """A cursor (rows as named tuples) on a connection of the pool, which goes back to
        the pool afterwards, or is closed if the server dropped it."""
        conn = await self._acquire()
        try:
            async with conn.cursor() as cur:
                yield cur
        finally:
            await self._release(conn)

    async def _acquire(self) -> psycopg.AsyncConnection:
        loop = asyncio.get_running_loop()
        if self._loop is not loop or self._freed is None:
            self.close()
            self._loop, self._freed = loop, asyncio.Condition()
        freed = self._freed
        async with freed:
            while not self._idle and self._open >= self.size:
                await freed.wait()
            if self._idle:
                return self._idle.pop()
            self._open += 1
        try:
            conn = await psycopg.AsyncConnection.connect(
                *self._cargs, **self._cparams, autocommit=True, row_factory=namedtuple_row
            )
            for setting in self._settings:
                await conn.execute(setting)
            self._mine.add(id(conn))
        except BaseException:
            async with freed:
                self._open -= 1
                freed.notify()
            raise
        return conn

    async def _release(self, conn: psycopg.AsyncConnection) -> None:
        if id(conn) not in self._mine:  # made on a loop this pool has left
            conn.pgconn.finish()
            return
        freed = self._freed
        assert freed is not None  # set by the _acquire that made conn on this loop
        async with freed:
            if conn.closed or conn.broken:
                self._open -= 1
                self._mine.discard(id(conn))
                conn.pgconn.finish()
            else:
                self._idle.append(conn)
            freed.notify()

    def close(self) -> None:
        """Close the idle connections (a sync close: it needs no running loop)."""
        idle, self._idle = self._idle, []
        for conn in idle:
            conn.pgconn.finish()
        self._mine.clear()
        self._open = 0


def _connect_args(engine: Engine, synchronous_commit: bool) -> tuple[tuple, dict, list[str]]:
    url = engine.url.set(drivername="postgresql")
    # The dialect knows how to turn the store URL (host, port, query options such as sslmode)
    # into psycopg's connect() arguments.
    cargs, cparams = engine.dialect.create_connect_args(url)
    settings = ["SET plan_cache_mode = force_generic_plan"]
    if not synchronous_commit:
        settings.append("SET synchronous_commit = off")
    return tuple(cargs), dict(cparams), settings
