"""Guarded, read-only execution of one query against a user database.

Every query goes through ``check_sql`` first, then runs inside a read-only transaction (or on a
read-only connection) with a statement timeout and a row cap, and is always rolled back. The
guard and the read-only transaction are independent: either alone refuses a write.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..errors import (
    QueryCancelledError,
    QueryFailedError,
    QueryTimeoutError,
)
from ..schemas.model import Schema
from .connections import ConnectionRegistry, driver_message, unreachable
from .guard import check_sql, normalize_dialect
from .serialize import json_safe
from .urls import parse_database_url, sqlglot_dialect

log = logging.getLogger(__name__)

# How often the watcher thread looks at the cancel event and the clock.
_POLL_S = 0.05
# Server-side timeouts should fire first; the watcher is the backstop this much later.
_SERVER_TIMEOUT_GRACE_S = 1.0


@dataclass
class QueryResult:
    """Rows of one query, JSON-safe, at most the row cap of them."""

    columns: list[str]
    rows: list[list]
    row_count: int
    truncated: bool
    elapsed_ms: float

    def to_dict(self) -> dict:
        return {
            "columns": self.columns,
            "rows": self.rows,
            "row_count": self.row_count,
            "truncated": self.truncated,
            "elapsed_ms": self.elapsed_ms,
        }


class QueryRunner:
    """Runs checked queries read-only, with a timeout, a row cap and cancellation."""

    def __init__(
        self, connections: ConnectionRegistry, timeout_s: float = 30.0, row_cap: int = 10_000
    ) -> None:
        self.connections = connections
        self.timeout_s = timeout_s
        self.row_cap = row_cap

    def run(
        self,
        url: str,
        sql: str,
        *,
        dialect: str | None = None,
        schema: Schema | None = None,
        cancel: threading.Event | None = None,
        row_cap: int | None = None,
        timeout_s: float | None = None,
    ) -> QueryResult:
        """Check ``sql`` with the guard, then run it read-only on the database at ``url``.

        The guard always reads the SQL in the database's own dialect, because that is how the
        database will read it (comments, quoting); a different ``dialect`` must pass as well.
        Raises the guard's errors (nothing ran), or ``DatabaseUnreachableError``,
        ``QueryTimeoutError``, ``QueryCancelledError`` or ``QueryFailedError``.
        """
        native = sqlglot_dialect(parse_database_url(url))
        checked = check_sql(sql, native, schema)
        if dialect is not None and normalize_dialect(dialect) != native:
            check_sql(sql, dialect, schema)
        return self._execute(url, checked.sql, cancel=cancel, row_cap=row_cap, timeout_s=timeout_s)

    def _execute(
        self,
        url: str,
        sql: str,
        *,
        cancel: threading.Event | None = None,
        row_cap: int | None = None,
        timeout_s: float | None = None,
    ) -> QueryResult:
        """Run ``sql`` read-only without the guard; only ``run`` and tests call this."""
        cap = self.row_cap if row_cap is None else row_cap
        timeout = self.timeout_s if timeout_s is None else timeout_s
        engine = self.connections.engine_for(url)
        stop = _Stop(cancel, timeout)
        if stop.due() == "cancelled":
            raise QueryCancelledError("Query cancelled before it started.")
        try:
            conn = engine.connect()
        except sa.exc.DBAPIError as e:
            raise unreachable(engine.url, e) from e
        backend = _backend_for(engine, conn.connection.dbapi_connection)
        started = time.monotonic()
        try:
            columns, rows = backend.fetch(sql, cap + 1, stop)
        except backend.errors as e:
            raise _classify(e, backend, stop) from e
        finally:
            _release(conn, backend)
        elapsed_ms = (time.monotonic() - started) * 1000
        return QueryResult(
            columns=columns,
            rows=[[json_safe(v) for v in row] for row in rows[:cap]],
            row_count=min(len(rows), cap),
            truncated=len(rows) > cap,
            elapsed_ms=round(elapsed_ms, 3),
        )


class _Stop:
    """Why a running statement must stop: a cancel request or the deadline."""

    def __init__(self, cancel: threading.Event | None, timeout_s: float) -> None:
        self.cancel = cancel
        self.timeout_s = timeout_s
        self.deadline = time.monotonic() + timeout_s
        self.reason: str | None = None

    def due(self, grace_s: float = 0.0) -> str | None:
        if self.cancel is not None and self.cancel.is_set():
            return "cancelled"
        if time.monotonic() > self.deadline + grace_s:
            return "timeout"
        return None


class _Watcher:
    """A thread that cancels the statement when ``stop`` falls due; used as a context manager."""

    def __init__(self, stop: _Stop, cancel_statement: Callable[[], None], grace_s: float) -> None:
        self._stop = stop
        self._cancel_statement = cancel_statement
        self._grace_s = grace_s
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="askdb-query-watcher", daemon=True)

    def __enter__(self) -> _Watcher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()

    def _watch(self) -> None:
        while not self._done.wait(_POLL_S):
            reason = self._stop.due(self._grace_s)
            if reason:
                self._stop.reason = reason
                try:
                    self._cancel_statement()
                except Exception:  # the query may have ended meanwhile; nothing left to stop
                    log.warning("Could not cancel a running query", exc_info=True)
                return


class _Backend:
    """How one kind of database runs a statement read-only, and how it is stopped."""

    def __init__(self, engine: Engine, dbapi: Any) -> None:
        self.engine = engine
        self.dbapi = dbapi
        self.errors: type[Exception] = engine.dialect.loaded_dbapi.Error

    def fetch(self, sql: str, limit: int, stop: _Stop) -> tuple[list[str], list]:
        raise NotImplementedError

    def is_timeout(self, error: Exception) -> bool:
        """Whether ``error`` is the server's own statement timeout."""
        return False

    def end(self) -> None:
        """Roll back whatever the statement did and restore session settings."""
        self.dbapi.rollback()


class _SQLiteBackend(_Backend):
    # SQLite calls the progress handler every this many virtual-machine instructions.
    PROGRESS_STEPS = 1000

    def fetch(self, sql: str, limit: int, stop: _Stop) -> tuple[list[str], list]:
        def progress() -> int:
            stop.reason = stop.due()
            return 1 if stop.reason else 0  # non-zero interrupts the statement

        cursor = self.dbapi.cursor()
        cursor.execute("PRAGMA query_only = ON")
        self.dbapi.set_progress_handler(progress, self.PROGRESS_STEPS)
        try:
            cursor.execute(sql)
            rows = cursor.fetchmany(limit)
            return _column_names(cursor.description), rows
        finally:
            self.dbapi.set_progress_handler(None, 0)
            cursor.close()


class _PostgresBackend(_Backend):
    def fetch(self, sql: str, limit: int, stop: _Stop) -> tuple[list[str], list]:
        self.dbapi.rollback()  # a pool ping may have left a transaction open
        cursor = self.dbapi.cursor()
        # psycopg opens the transaction implicitly before the first statement.
        cursor.execute("SET TRANSACTION READ ONLY")
        cursor.execute(f"SET LOCAL statement_timeout = {max(1, int(stop.timeout_s * 1000))}")
        rows: list = []
        description = None
        cancel = getattr(self.dbapi, "cancel_safe", None) or self.dbapi.cancel
        with _Watcher(stop, cancel, _SERVER_TIMEOUT_GRACE_S):
            # stream() reads rows as the server sends them; closing it early cancels the rest,
            # so the row cap also caps what crosses the network.
            stream = cursor.stream(sql)
            try:
                for row in stream:
                    description = description or cursor.description
                    rows.append(row)
                    if len(rows) >= limit:
                        break
            finally:
                stream.close()
        return _column_names(description or cursor.description), rows

    def is_timeout(self, error: Exception) -> bool:
        return getattr(error, "sqlstate", None) == "57014"  # query_canceled


class _MySQLBackend(_Backend):
    # Server error codes: MariaDB max_statement_time, MySQL max_execution_time.
    TIMEOUT_CODES = (1969, 3024)

    def fetch(self, sql: str, limit: int, stop: _Stop) -> tuple[list[str], list]:
        cursor = self.dbapi.cursor()
        # The session setting matters: DDL commits implicitly, and the transaction it starts
        # next is read-only only if the session is. end() sets the session back.
        cursor.execute("SET SESSION TRANSACTION READ ONLY")
        cursor.execute("START TRANSACTION READ ONLY")
        thread_id = self.dbapi.thread_id()
        with _Watcher(stop, lambda: self._kill_query(thread_id), _SERVER_TIMEOUT_GRACE_S):
            if self.engine.dialect.is_mariadb:
                # Per-statement settings: nothing leaks into the pooled session.
                cursor.execute(
                    f"SET STATEMENT max_statement_time = {stop.timeout_s:.3f}, "
                    f"sql_select_limit = {limit} FOR {sql}"
                )
            else:
                ms = max(1, int(stop.timeout_s * 1000))
                cursor.execute(f"SET SESSION max_execution_time = {ms}, sql_select_limit = {limit}")
                cursor.execute(sql)
            rows = list(cursor.fetchmany(limit))
        return _column_names(cursor.description), rows

    def _kill_query(self, thread_id: int) -> None:
        killer = self.engine.raw_connection()
        try:
            killer.cursor().execute(f"KILL QUERY {int(thread_id)}")
        finally:
            killer.close()

    def is_timeout(self, error: Exception) -> bool:
        return bool(error.args) and error.args[0] in self.TIMEOUT_CODES

    def end(self) -> None:
        self.dbapi.rollback()
        reset = "SET SESSION TRANSACTION READ WRITE"
        if not self.engine.dialect.is_mariadb:
            reset += ", max_execution_time = DEFAULT, sql_select_limit = DEFAULT"
        self.dbapi.cursor().execute(reset)


class _DuckDBBackend(_Backend):
    """DuckDB connections are opened read-only (see connections.py); no server-side timeout."""

    def fetch(self, sql: str, limit: int, stop: _Stop) -> tuple[list[str], list]:
        cursor = self.dbapi.cursor()
        with _Watcher(stop, self.dbapi.interrupt, 0.0):
            cursor.execute(sql)
            rows = list(cursor.fetchmany(limit))
        return _column_names(cursor.description), rows


_BACKENDS: dict[str, type[_Backend]] = {
    "sqlite": _SQLiteBackend,
    "postgresql": _PostgresBackend,
    "mysql": _MySQLBackend,
    "mariadb": _MySQLBackend,
    "duckdb": _DuckDBBackend,
}


def _backend_for(engine: Engine, dbapi: Any) -> _Backend:
    return _BACKENDS[engine.url.get_backend_name()](engine, dbapi)


def _column_names(description: Any) -> list[str]:
    return [str(d[0]) for d in description] if description else []


def _classify(error: Exception, backend: _Backend, stop: _Stop) -> Exception:
    """The user-facing error for a driver error raised while the statement ran."""
    if stop.reason == "cancelled":
        return QueryCancelledError("Query cancelled.")
    if stop.reason == "timeout" or backend.is_timeout(error):
        return QueryTimeoutError(
            f"Query exceeded the {stop.timeout_s:g} s statement timeout.",
            timeout_s=stop.timeout_s,
        )
    return QueryFailedError(f"The database rejected the query: {driver_message(error)}")


def _release(conn: sa.Connection, backend: _Backend) -> None:
    """Roll back and return the connection; a connection that cannot roll back is discarded."""
    try:
        backend.end()
    except Exception:  # a broken connection must not go back to the pool
        log.warning("Discarding a connection that failed to roll back", exc_info=True)
        conn.invalidate()
    finally:
        conn.close()
