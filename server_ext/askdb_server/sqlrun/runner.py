"""Guarded, read-only execution of one query against a user database.

Every query goes through ``check_sql`` first, in the database's own dialect and with the
connection's own schema or database as the only namespace, and what runs is the SQL the guard
generated, with an outer row cap. It runs inside a read-only transaction (or on a read-only
connection) whose lexing-relevant settings are pinned, with a statement timeout, a row cap and
a byte cap applied while rows stream in; the connection is reset before it is reused. The guard
and the read-only transaction are independent: either alone refuses a write.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.mysql.base import MySQLDialect
from sqlalchemy.engine import Engine

from ..errors import (
    PrivilegedConnectionError,
    QueryCancelledError,
    QueryFailedError,
    QueryTimeoutError,
)
from ..schemas.model import Schema
from .connections import ConnectionRegistry, driver_message, unreachable
from .guard import CheckedQuery, QueryPolicy, check_sql, normalize_dialect
from .serialize import json_safe
from .urls import parse_database_url, redact, sqlglot_dialect

log = logging.getLogger(__name__)

# How often the watcher thread looks at the cancel event and the clock.
_POLL_S = 0.05
# Server-side timeouts should fire first; the watcher is the backstop this much later.
_SERVER_TIMEOUT_GRACE_S = 0.25
# A statement the cancel did not stop this much later is cut off with its connection.
_ABORT_AFTER_S = 0.5
# Default most bytes of row data one answer holds (the row cap counts rows, this counts size).
DEFAULT_BYTE_CAP = 16 * 1024 * 1024

# The sql_mode every MySQL/MariaDB query runs under: the one sqlglot's MySQL dialect reads
# (backslash escapes in strings, double quotes as strings, || as OR, no IGNORE_SPACE).
MYSQL_SQL_MODE = "STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION"
# SQLite evaluates one function call in one virtual-machine step, which no interrupt stops:
# these limits bound the work of one step (a value's size, a LIKE/GLOB pattern's length).
SQLITE_MAX_LENGTH = 4 * 1024 * 1024
SQLITE_MAX_LIKE_PATTERN = 100

READ_ONLY_ROLE_HELP = (
    "Connect with a role that may only read the project's tables (see the README, "
    "'A read-only database role')"
)


@dataclass
class QueryResult:
    """Rows of one query, JSON-safe, at most the row cap and byte cap of them."""

    columns: list[str]
    rows: list[list]
    row_count: int
    truncated: bool
    elapsed_ms: float
    # Why rows were cut: "rows" (the row cap) or "bytes" (the byte cap); None when whole.
    truncated_reason: str | None = None
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        out = {
            "columns": self.columns,
            "rows": self.rows,
            "row_count": self.row_count,
            "truncated": self.truncated,
            "truncated_reason": self.truncated_reason,
            "elapsed_ms": self.elapsed_ms,
        }
        if self.warnings:
            out["warnings"] = list(self.warnings)
        return out


@dataclass(frozen=True)
class SessionFacts:
    """What a connection is: its namespaces for the guard and why its role is privileged."""

    namespaces: frozenset[str] | None = None
    catalogs: frozenset[str] = frozenset()
    privileges: tuple[str, ...] = ()


class QueryRunner:
    """Runs checked queries read-only, with a timeout, a row cap, a byte cap and cancellation.

    ``refuse_privileged``: a shared deployment (hub, standalone) refuses a connection whose
    role is privileged unless the project's policy carries the explicit override; a local,
    single-user one warns once per database instead.
    """

    def __init__(
        self,
        connections: ConnectionRegistry,
        timeout_s: float = 30.0,
        row_cap: int = 10_000,
        byte_cap: int = DEFAULT_BYTE_CAP,
        refuse_privileged: bool = False,
    ) -> None:
        self.connections = connections
        self.timeout_s = timeout_s
        self.row_cap = row_cap
        self.byte_cap = byte_cap
        self.refuse_privileged = refuse_privileged
        self._warned: set[str] = set()
        self._warned_lock = threading.Lock()

    def run(
        self,
        url: str,
        sql: str,
        *,
        dialect: str | None = None,
        schema: Schema | None = None,
        policy: QueryPolicy | None = None,
        cancel: threading.Event | None = None,
        row_cap: int | None = None,
        timeout_s: float | None = None,
    ) -> QueryResult:
        """Check ``sql`` with the guard, then run what it generated read-only at ``url``.

        The guard always reads the SQL in the database's own dialect, because that is how the
        database will read it; a different ``dialect`` must pass as well. Raises the guard's
        errors (nothing ran), or ``PrivilegedConnectionError``, ``DatabaseUnreachableError``,
        ``QueryTimeoutError``, ``QueryCancelledError`` or ``QueryFailedError``.
        """
        policy = policy or QueryPolicy()
        parsed = parse_database_url(url)
        native = sqlglot_dialect(parsed)
        # Refuse what the guard refuses without a connection first: nothing is opened for it.
        check_sql(sql, native, schema, policy, namespaces=_url_namespaces(parsed, native))
        if dialect is not None and normalize_dialect(dialect) != native:
            check_sql(sql, dialect, schema, policy)
        return self._run(
            url,
            lambda facts: check_sql(
                sql, native, schema, policy, namespaces=facts.namespaces, catalogs=facts.catalogs
            ),
            policy=policy,
            cancel=cancel,
            row_cap=row_cap,
            timeout_s=timeout_s,
        )

    def _execute(
        self,
        url: str,
        sql: str,
        *,
        cancel: threading.Event | None = None,
        row_cap: int | None = None,
        timeout_s: float | None = None,
    ) -> QueryResult:
        """Run ``sql`` as written, without the guard; only tests call this (to show that the
        read-only transaction refuses a write by itself)."""
        unchecked = CheckedQuery(sql=sql, dialect="", tables=(), has_order_by=False)
        return self._run(
            url,
            lambda _facts: unchecked,
            policy=QueryPolicy(allow_privileged=True),
            cancel=cancel,
            row_cap=row_cap,
            timeout_s=timeout_s,
        )

    def _run(
        self,
        url: str,
        check: Callable[[SessionFacts], CheckedQuery],
        *,
        policy: QueryPolicy,
        cancel: threading.Event | None,
        row_cap: int | None,
        timeout_s: float | None,
    ) -> QueryResult:
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
        backend = _backend_for(engine, conn.connection.dbapi_connection, self.byte_cap)
        try:
            facts = backend.session = self._facts(conn, backend)
            warnings = self._privilege_decision(engine, facts, policy)
            checked = check(facts)
            started = time.monotonic()
            try:
                columns, rows, reason = backend.fetch(checked, cap + 1, stop)
            except backend.errors as e:
                raise _classify(e, backend, stop) from e
        finally:
            _release(conn, backend)
        elapsed_ms = (time.monotonic() - started) * 1000
        if reason is None and len(rows) > cap:
            reason = "rows"
        return QueryResult(
            columns=columns,
            rows=[[json_safe(v) for v in row] for row in rows[:cap]],
            row_count=min(len(rows), cap),
            truncated=reason is not None,
            truncated_reason=reason,
            elapsed_ms=round(elapsed_ms, 3),
            warnings=warnings,
        )

    def _facts(self, conn: sa.Connection, backend: _Backend) -> SessionFacts:
        """The connection's facts, read once per physical connection."""
        info = conn.connection.info
        facts = info.get("askdb_facts")
        if facts is None:
            try:
                facts = backend.facts()
            except backend.errors as e:
                raise QueryFailedError(
                    f"Could not read the connection's role: {driver_message(e)}"
                ) from e
            info["askdb_facts"] = facts
        return facts

    def _privilege_decision(
        self, engine: Engine, facts: SessionFacts, policy: QueryPolicy
    ) -> list[str]:
        if not facts.privileges or policy.allow_privileged:
            return []
        what = ", ".join(facts.privileges)
        if self.refuse_privileged:
            raise PrivilegedConnectionError(
                f"The database role of {redact(engine.url)} is privileged ({what}): it could "
                f"read server files, run programs or end other sessions. {READ_ONLY_ROLE_HELP}; "
                "or a project admin sets the unsafe override allow_privileged.",
                privileges=list(facts.privileges),
            )
        key = redact(engine.url)
        with self._warned_lock:
            if key in self._warned:
                return []
            self._warned.add(key)
        return [
            f"This project connects as a privileged database role ({what}). AskDB's guard "
            f"holds, but a SELECT-only role is safer. {READ_ONLY_ROLE_HELP}."
        ]


def _url_namespaces(url: sa.engine.URL, dialect: str) -> frozenset[str] | None:
    """The namespaces known from the URL alone (MySQL's database); None: the guard's default."""
    if dialect == "mysql":
        return frozenset({url.database}) if url.database else frozenset()
    return None


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
    """A thread that stops the statement when ``stop`` falls due; used as a context manager.

    ``cancel_statement`` runs ``grace_s`` after the deadline (at once on a cancel request);
    ``abort`` (optional) runs ``abort_after_s`` later still, for a statement that the cancel
    did not stop: one that is sending a huge value, or a server that does not answer. It cuts
    the connection, so the caller returns on time; the connection is then discarded.
    """

    def __init__(
        self,
        stop: _Stop,
        cancel_statement: Callable[[], None],
        grace_s: float,
        abort: Callable[[], None] | None = None,
        abort_after_s: float = _ABORT_AFTER_S,
    ) -> None:
        self._stop = stop
        self._steps = [(grace_s, cancel_statement)]
        if abort is not None:
            self._steps.append((grace_s + abort_after_s, abort))
        self._done = threading.Event()
        self.aborted = False
        self._thread = threading.Thread(target=self._watch, name="askdb-query-watcher", daemon=True)

    def __enter__(self) -> _Watcher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()

    def _watch(self) -> None:
        steps = list(self._steps)
        while steps and not self._done.wait(_POLL_S):
            grace, action = steps[0]
            reason = self._stop.due(grace)
            if reason is None:
                continue
            self._stop.reason = self._stop.reason or reason
            steps.pop(0)
            self.aborted = self.aborted or action is not self._steps[0][1]
            try:
                action()
            except Exception:  # the query may have ended meanwhile; nothing left to stop
                log.warning("Could not stop a running query", exc_info=True)


def _shutdown_socket(fd: int) -> None:
    """Cut a driver's connection from another thread: its blocked read fails at once."""
    if fd < 0:
        return
    dup = socket.socket(fileno=os.dup(fd))
    try:
        dup.shutdown(socket.SHUT_RDWR)
    finally:
        dup.close()


def _value_bytes(value: Any) -> int:
    if isinstance(value, (str, bytes, bytearray, memoryview)):
        return len(value)
    return 8


def _collect(rows: Iterable, limit: int, byte_cap: int) -> tuple[list, str | None]:
    """Up to ``limit`` rows from a stream, stopping before the rows' size passes ``byte_cap``."""
    kept: list = []
    size = 0
    for row in rows:
        size += 8 + sum(_value_bytes(v) for v in row)
        if size > byte_cap:
            return kept, "bytes"
        kept.append(row)
        if len(kept) >= limit:
            break
    return kept, None


class _Backend:
    """How one kind of database runs a statement read-only, and how it is stopped."""

    def __init__(self, engine: Engine, dbapi: Any, byte_cap: int) -> None:
        self.engine = engine
        self.dbapi = dbapi
        self.byte_cap = byte_cap
        self.errors: type[Exception] = engine.dialect.loaded_dbapi.Error
        # Set when the connection holds unread results and must not go back to the pool.
        self.discard = False
        # The connection's facts (the runner sets them before fetch).
        self.session = SessionFacts()

    def facts(self) -> SessionFacts:
        return SessionFacts()

    def fetch(
        self, checked: CheckedQuery, limit: int, stop: _Stop
    ) -> tuple[list[str], list, str | None]:
        raise NotImplementedError

    def is_timeout(self, error: Exception) -> bool:
        """Whether ``error`` is the server's own statement timeout."""
        return False

    def end(self) -> None:
        """Roll back whatever the statement did and reset the session for the next user."""
        self.dbapi.rollback()


def _py_instr(haystack: Any, needle: Any) -> Any:
    if haystack is None or needle is None:
        return None
    if isinstance(haystack, bytes) != isinstance(needle, bytes):
        haystack, needle = str(haystack), str(needle)
    return haystack.find(needle) + 1


def _py_replace(text: Any, old: Any, new: Any) -> Any:
    if text is None or old is None or new is None:
        return None
    text, old, new = str(text), str(old), str(new)
    if not old:
        return text
    grown = len(text) + text.count(old) * (len(new) - len(old)) if len(new) > len(old) else 0
    if grown > SQLITE_MAX_LENGTH:
        raise ValueError("string or blob too big")
    return text.replace(old, new)


_PRINTF_SPEC = re.compile(r"%([-+ 0#!,]*)(\*|\d+)?(?:\.(\*|\d+))?(?:ll|l)?(.)", re.DOTALL)


class _BoundedPrintf:
    """SQLite's printf()/format() with every width and precision checked first.

    SQLite 3.40 pads ``%.*c`` one character at a time even past its length limit (one step,
    seconds per gigabyte, no interrupt). This checks each conversion's width and precision
    against the limit, then lets SQLite's own printf, on a private in-memory connection,
    format the call: the answer is SQLite's to the byte.
    """

    def __init__(self) -> None:
        self._formatter: sqlite3.Connection | None = None

    def __call__(self, fmt: Any, *args: Any) -> Any:
        if fmt is None:
            return None
        position = 0
        for match in _PRINTF_SPEC.finditer(str(fmt)):
            if match.group(4) == "%":
                continue
            for part in (match.group(2), match.group(3)):
                if part == "*":
                    value = args[position] if position < len(args) else 0
                    position += 1
                    try:
                        size = abs(int(value or 0))
                    except (TypeError, ValueError):
                        size = 0
                elif part:
                    size = int(part)
                else:
                    size = 0
                if size > SQLITE_MAX_LENGTH:
                    raise ValueError("string or blob too big")
            position += 1
        if self._formatter is None:
            self._formatter = sqlite3.connect(":memory:", check_same_thread=False)
            _limit_sqlite(self._formatter)
        marks = ", ".join("?" for _ in range(len(args) + 1))
        return self._formatter.execute(f"SELECT printf({marks})", (fmt, *args)).fetchone()[0]

    def close(self) -> None:
        if self._formatter is not None:
            self._formatter.close()


class _BoundedJSONPatch:
    """SQLite's json_patch() with its inputs' sizes checked first: it merges keys x keys in one
    step (12.8 s at 40,000 keys here), so two inputs whose lengths multiply past the budget are
    refused; smaller ones are patched by SQLite's own json_patch on a private connection."""

    BUDGET = 200_000_000  # len(target) x len(patch), in characters

    def __init__(self) -> None:
        self._db: sqlite3.Connection | None = None

    def __call__(self, target: Any, patch: Any) -> Any:
        if target is None or patch is None:
            return None
        if len(str(target)) * len(str(patch)) > self.BUDGET:
            raise ValueError("json_patch inputs too large")
        if self._db is None:
            self._db = sqlite3.connect(":memory:", check_same_thread=False)
        return self._db.execute("SELECT json_patch(?, ?)", (target, patch)).fetchone()[0]

    def close(self) -> None:
        if self._db is not None:
            self._db.close()


def _limit_sqlite(db: sqlite3.Connection, *, like_pattern: int | None = None) -> None:
    """Cap the strings and blobs ``db`` makes at ``SQLITE_MAX_LENGTH`` and, if given, its LIKE
    patterns at ``like_pattern`` characters."""
    if sys.version_info < (3, 11):  # no Connection.setlimit: refuse rather than run uncapped
        raise RuntimeError("SQLite queries need Python 3.11 or later (sqlite3 setlimit)")
    db.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, SQLITE_MAX_LENGTH)
    if like_pattern is not None:
        db.setlimit(sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH, like_pattern)


class _SQLiteBackend(_Backend):
    """A fresh read-only connection per query (see connections.py), ``query_only`` on, the
    limits above, and a watcher that calls ``interrupt()`` at the deadline."""

    def fetch(
        self, checked: CheckedQuery, limit: int, stop: _Stop
    ) -> tuple[list[str], list, str | None]:
        db: sqlite3.Connection = self.dbapi
        _limit_sqlite(db, like_pattern=SQLITE_MAX_LIKE_PATTERN)
        # SQLite's instr() and replace() search naively (length x length in one step);
        # Python's searches are linear. Same names and arities override the built-ins.
        db.create_function("instr", 2, _py_instr, deterministic=True)
        db.create_function("replace", 3, _py_replace, deterministic=True)
        printf = _BoundedPrintf()
        for name in ("printf", "format"):
            db.create_function(name, -1, printf, deterministic=True)
        json_patch = _BoundedJSONPatch()
        db.create_function("json_patch", 2, json_patch, deterministic=True)
        cursor = db.cursor()
        cursor.execute("PRAGMA query_only = ON")
        try:
            with _Watcher(stop, db.interrupt, 0.0):
                cursor.execute(checked.capped(limit))
                rows, reason = _collect(cursor, limit, self.byte_cap)
            return _column_names(cursor.description), rows, reason
        finally:
            cursor.close()
            printf.close()
            json_patch.close()

    def is_timeout(self, error: Exception) -> bool:
        return "interrupted" in str(error)


_PG_PRIVILEGED_ROLES = (
    "pg_read_server_files",
    "pg_write_server_files",
    "pg_execute_server_program",
    "pg_signal_backend",
)
_PG_FACTS = f"""
SELECT (SELECT s FROM unnest(current_schemas(false)) AS s WHERE s NOT LIKE 'pg\\_%' LIMIT 1),
       current_database(), r.rolsuper, r.rolcreaterole, r.rolreplication,
       ARRAY(SELECT b.rolname::text FROM pg_roles b
             WHERE b.rolname IN ({", ".join(f"'{n}'" for n in _PG_PRIVILEGED_ROLES)})
               AND pg_has_role(current_user, b.oid, 'MEMBER') ORDER BY 1)
FROM pg_roles r WHERE r.rolname = current_user
"""


def _pg_quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class _PostgresBackend(_Backend):
    def facts(self) -> SessionFacts:
        cursor = self.dbapi.cursor()
        try:
            cursor.execute(_PG_FACTS)
            row = cursor.fetchone()
        finally:
            self.dbapi.rollback()
        if row is None:
            return SessionFacts(namespaces=frozenset({"public"}))
        current_schema, database, superuser, createrole, replication, roles = row
        privileges = [
            n
            for n, flag in (
                ("superuser", superuser),
                ("CREATEROLE", createrole),
                ("REPLICATION", replication),
            )
            if flag
        ]
        privileges += list(roles or [])
        return SessionFacts(
            namespaces=frozenset({current_schema or "public"}),
            catalogs=frozenset({database}),
            privileges=tuple(privileges),
        )

    def fetch(
        self, checked: CheckedQuery, limit: int, stop: _Stop
    ) -> tuple[list[str], list, str | None]:
        self.dbapi.rollback()  # a pool ping may have left a transaction open
        search_path = ", ".join(_pg_quote(n) for n in sorted(self.session.namespaces or {"public"}))
        cursor = self.dbapi.cursor()
        # psycopg opens the transaction implicitly before the first statement; one round
        # trip pins read-only, the timeout and every setting the lexer depends on.
        cursor.execute(
            "SET TRANSACTION READ ONLY; "
            f"SET LOCAL statement_timeout = {max(1, int(stop.timeout_s * 1000))}; "
            "SET LOCAL standard_conforming_strings = on; "
            "SET LOCAL backslash_quote = safe_encoding; "
            "SET LOCAL client_encoding = 'UTF8'; "
            f"SET LOCAL search_path = {search_path}"
        )
        rows: list = []
        reason = None
        description = None
        cancel = getattr(self.dbapi, "cancel_safe", None) or self.dbapi.cancel
        abort = lambda: _shutdown_socket(self.dbapi.pgconn.socket)  # noqa: E731
        with _Watcher(stop, cancel, _SERVER_TIMEOUT_GRACE_S, abort) as watcher:
            # stream() reads rows as the server sends them; closing it early cancels the rest,
            # so the caps also cap what crosses the network.
            stream = cursor.stream(checked.capped(limit))
            try:
                rows, reason = _collect(stream, limit, self.byte_cap)
                description = cursor.description
            finally:
                if watcher.aborted:
                    self.discard = True
                else:
                    stream.close()
        return _column_names(description or cursor.description), rows, reason

    def is_timeout(self, error: Exception) -> bool:
        return getattr(error, "sqlstate", None) == "57014"  # query_canceled

    def end(self) -> None:
        self.dbapi.rollback()
        # Nothing a query did outlives it: locks, prepared statements, settings, temp state.
        self.dbapi.autocommit = True
        try:
            self.dbapi.execute("DISCARD ALL")
        finally:
            self.dbapi.autocommit = False


# Global privileges that reach past the database: files, other sessions, the server itself.
_MYSQL_PRIVILEGED = (
    "ALL PRIVILEGES",
    "FILE",
    "SUPER",
    "PROCESS",
    "SHUTDOWN",
    "RELOAD",
    "CONNECTION ADMIN",
    "CREATE USER",
    "GRANT OPTION",
    "REPLICATION SLAVE ADMIN",
    "REPLICATION MASTER ADMIN",
    "BINLOG ADMIN",
    "READ_ONLY ADMIN",
    "FEDERATED ADMIN",
    "SYSTEM_VARIABLES_ADMIN",
    "SYSTEM_USER",
)
_COM_RESET_CONNECTION = 0x1F


class _MySQLBackend(_Backend):
    # Server error codes: MariaDB max_statement_time, MySQL max_execution_time.
    TIMEOUT_CODES = (1969, 3024)

    @property
    def _mariadb(self) -> bool:
        dialect = self.engine.dialect
        return isinstance(dialect, MySQLDialect) and dialect.is_mariadb

    def facts(self) -> SessionFacts:
        cursor = self.dbapi.cursor()
        cursor.execute("SELECT DATABASE()")
        database = cursor.fetchone()[0]
        cursor.execute("SHOW GRANTS")
        grants = [str(r[0]) for r in cursor.fetchall()]
        self.dbapi.rollback()
        found: list[str] = []
        for grant in grants:
            head = grant.upper().split(" TO ", 1)[0]
            if " ON *.*" not in head:
                continue
            privileges = head.removeprefix("GRANT ").split(" ON *.*", 1)[0]
            listed = {p.strip() for p in privileges.split(",")}
            if "WITH GRANT OPTION" in grant.upper():
                listed.add("GRANT OPTION")
            found += [p for p in _MYSQL_PRIVILEGED if p in listed and p not in found]
        return SessionFacts(
            namespaces=frozenset({database}) if database else frozenset(),
            privileges=tuple(found),
        )

    def fetch(
        self, checked: CheckedQuery, limit: int, stop: _Stop
    ) -> tuple[list[str], list, str | None]:
        import pymysql.cursors

        cursor = self.dbapi.cursor()
        read_only = "tx_read_only" if self._mariadb else "transaction_read_only"
        # One statement pins the character set and sql_mode the lexer depends on and makes the
        # session read-only (DDL commits implicitly; the transaction after it is read-only
        # only if the session is). end() resets the whole session.
        cursor.execute(
            f"SET NAMES utf8mb4, SESSION sql_mode = '{MYSQL_SQL_MODE}', SESSION {read_only} = 1"
        )
        cursor.execute("START TRANSACTION READ ONLY")
        thread_id = self.dbapi.thread_id()
        # An unbuffered cursor: rows are read as the server sends them, so the caps apply
        # while reading, not after the driver has held every row in memory.
        stream = self.dbapi.cursor(pymysql.cursors.SSCursor)
        sql = checked.capped(limit)
        abort = lambda: _shutdown_socket(self.dbapi._sock.fileno())  # noqa: E731
        kill = lambda: self._kill_query(thread_id)  # noqa: E731
        with _Watcher(stop, kill, _SERVER_TIMEOUT_GRACE_S, abort) as watcher:
            if self._mariadb:
                stream.execute(f"SET STATEMENT max_statement_time = {stop.timeout_s:.3f} FOR {sql}")
            else:
                ms = max(1, int(stop.timeout_s * 1000))
                cursor.execute(f"SET SESSION max_execution_time = {ms}")
                stream.execute(sql)
            rows, reason = _collect(iter(stream.fetchone, None), limit, self.byte_cap)
        if reason is not None or watcher.aborted:
            self.discard = True  # rows left unread: closing would read them all
        else:
            stream.close()
        return _column_names(stream.description), rows, reason

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
        # COM_RESET_CONNECTION: user variables, named locks, LAST_INSERT_ID, session settings
        # and temporary tables are gone before the next query.
        self.dbapi._execute_command(_COM_RESET_CONNECTION, b"")
        self.dbapi._read_ok_packet()
        self.dbapi.autocommit(False)


class _DuckDBBackend(_Backend):
    """DuckDB connections are opened read-only (see connections.py); no server-side timeout."""

    def fetch(
        self, checked: CheckedQuery, limit: int, stop: _Stop
    ) -> tuple[list[str], list, str | None]:
        cursor = self.dbapi.cursor()
        with _Watcher(stop, self.dbapi.interrupt, 0.0):
            cursor.execute(checked.capped(limit))
            rows, reason = _collect(iter(cursor.fetchone, None), limit, self.byte_cap)
        return _column_names(cursor.description), rows, reason


_BACKENDS: dict[str, type[_Backend]] = {
    "sqlite": _SQLiteBackend,
    "postgresql": _PostgresBackend,
    "mysql": _MySQLBackend,
    "mariadb": _MySQLBackend,
    "duckdb": _DuckDBBackend,
}


def _backend_for(engine: Engine, dbapi: Any, byte_cap: int) -> _Backend:
    return _BACKENDS[engine.url.get_backend_name()](engine, dbapi, byte_cap)


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
    """Roll back, reset and return the connection; one that cannot be reset is discarded."""
    try:
        if backend.discard:  # cut off, or holding unread rows
            conn.invalidate()
        else:
            backend.end()
    except Exception:  # a broken or dirty connection must not go back to the pool
        log.warning("Discarding a connection that failed to reset", exc_info=True)
        conn.invalidate()
    finally:
        conn.close()
