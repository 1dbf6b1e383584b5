"""One SQLAlchemy engine per user database, created on first use and shared by every caller."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import NoSuchModuleError
from sqlalchemy.pool import NullPool

from ..errors import DatabaseUnreachableError
from .urls import parse_database_url, redact, render, scrub

# Seconds a driver may spend opening a connection before the database counts as unreachable.
CONNECT_TIMEOUT_S = 10


class ConnectionRegistry:
    """Caches one engine per database URL; safe to share between threads."""

    def __init__(self, check_target: Callable[[URL], URL | None] | None = None) -> None:
        """``check_target`` (the deployment's connection-target policy, sqlrun/targets.py)
        is called with the parsed URL before every use of an engine, and raises to refuse."""
        self._engines: dict[str, Engine] = {}
        self._lock = threading.Lock()
        self._check_target = check_target

    def engine_for(self, url: str) -> Engine:
        """The engine for ``url``, created on first use.

        Raises ``InvalidDatabaseURLError`` for a malformed or unsupported URL and
        ``DatabaseUnreachableError`` for a missing SQLite file or a driver that is not installed.
        """
        parsed = parse_database_url(url)
        if self._check_target is not None:
            # The URL comes back pinned to what was checked (the resolved address or file), so
            # a name that resolves elsewhere by connect time (DNS rebinding) cannot move it.
            parsed = self._check_target(parsed) or parsed
        key = render(parsed)
        with self._lock:
            engine = self._engines.get(key)
            if engine is None:
                engine = _create_engine(parsed)
                self._engines[key] = engine
            return engine

    def dispose(self) -> None:
        """Close every pooled connection and forget all engines."""
        with self._lock:
            engines, self._engines = list(self._engines.values()), {}
        for engine in engines:
            engine.dispose()


def unreachable(url: URL | str, reason: object) -> DatabaseUnreachableError:
    """A ``DatabaseUnreachableError`` naming the redacted URL and the driver's first line."""
    message = scrub(driver_message(getattr(reason, "orig", None) or reason), url)
    return DatabaseUnreachableError(
        f"Cannot reach the database {redact(url)}: {message}", url=redact(url)
    )


def driver_message(error: object) -> str:
    """A driver error's own first line, without codes, tracebacks or SQL echoes."""
    args: tuple[object, ...] = getattr(error, "args", ())
    if len(args) >= 2 and isinstance(args[0], int):  # PyMySQL: (code, message)
        text = str(args[1])
    else:
        text = str(error)
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def _create_engine(url: URL) -> Engine:
    backend = url.get_backend_name()
    try:
        if backend == "sqlite":
            return _sqlite_engine(url)
        if backend == "postgresql":
            # No server-side prepared statements: the runner's DISCARD ALL drops them.
            connect_args: dict = {"connect_timeout": CONNECT_TIMEOUT_S, "prepare_threshold": None}
        elif backend in ("mysql", "mariadb"):
            connect_args = {"connect_timeout": CONNECT_TIMEOUT_S}
        elif backend == "duckdb":
            # Read-only, and no replacement scans or table functions that read files or URLs.
            connect_args = {"read_only": True, "config": {"enable_external_access": False}}
        else:
            connect_args = {}
        return sa.create_engine(url, pool_pre_ping=True, connect_args=connect_args)
    except NoSuchModuleError as e:
        raise unreachable(url, f"the driver for {backend} is not installed ({e})") from e


def _sqlite_engine(url: URL) -> Engine:
    """A SQLite engine whose connections open the file read-only and never create it."""
    database = url.database or ""
    if database in ("", ":memory:"):
        return sa.create_engine("sqlite://", pool_pre_ping=True)  # nothing to open read-only
    path = Path(database).expanduser().resolve()
    if not path.is_file():
        raise unreachable(url, f"no such SQLite file: {path}")
    uri = f"{path.as_uri()}?mode=ro"

    def connect() -> sqlite3.Connection:
        # check_same_thread=False: the pool hands connections to worker threads.
        return sqlite3.connect(uri, uri=True, check_same_thread=False)

    # A fresh connection per query: nothing a query set (functions, limits, pragmas, temp
    # state) reaches the next one, and opening a file read-only costs microseconds.
    return sa.create_engine(f"sqlite:///{path}", creator=connect, poolclass=NullPool)
