"""Which process runs a "running" message, and whether that process is still alive.

A message is written as "running" when its question or SQL is admitted and completed when the
work ends. A process that dies in between (kill -9, out of memory, power) cannot complete it,
so a later start-up marks it "interrupted". Several processes may share one store (replicas of
the hub service on PostgreSQL; a lab server and an in-process kernel client on one SQLite
file), and one starting up must not mark what another, alive, is still running.

So each process takes a boot id and, for as long as it lives, holds a lock named after it that
the operating system or the database server releases when the process ends, however it ends.
A running message carries its boot id; start-up marks the running messages whose boot id's
lock is free. Nothing here depends on clocks or on guessing how long work may take:

- PostgreSQL: a session advisory lock, held on a connection of its own. The server releases it
  when that connection ends; a killed process's socket is closed by its kernel at once, and
  TCP keepalives (set on the connection) bound the wait when a whole host disappears. The
  lock table (``pg_locks``) is read, never taken, to ask about other processes. A transaction-
  pooling proxy (PgBouncer in transaction mode) between AskDB and PostgreSQL would break
  session locks: the store needs a direct or session-pooled connection.
- SQLite: ``flock`` on a file named after the boot id, in a folder beside the store file
  (``<store>-boots``). SQLite itself requires its processes to share one machine, which is
  where such locks work.

Why not a rule of time ("running rows older than this process, untouched for longer than the
statement timeout")? A supervisor restarts a crashed service within seconds, when its rows are
too young to judge, so they would stay "running" until some later start-up; and a streamed
model answer is not bounded by the statement timeout, so a slow but live answer could be
marked. A lock says what is true now. Should a lock be lost while its process lives (its
PostgreSQL connection dropped), another start-up may mark that process's running messages
"interrupted"; completing one then writes its true outcome over the mark.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
import uuid
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from ..store.db import Store

# The advisory-lock namespace (the first of the two int4 keys): "AskD".
PG_LOCK_CLASS = 0x41736B44
# How often a PostgreSQL lease checks that its connection (and so its lock) is still there.
PG_CHECK_SECONDS = 30.0
PG_SESSION_SETTINGS = (
    "SET idle_session_timeout = 0",  # a server-wide idle timeout must not drop the lock
    "SET tcp_keepalives_idle = 60",
    "SET tcp_keepalives_interval = 10",
    "SET tcp_keepalives_count = 6",
)


class BootLease:
    """This process's claim on the messages it runs: ``boot_id`` and a lock held for it."""

    boot_id: str

    @staticmethod
    def take(store: Store) -> BootLease:
        """A new boot id for this process, its lock already held."""
        if store.engine.dialect.name == "postgresql":
            return PgBootLease(store)
        database = make_url(store.url).database
        if not database or database == ":memory:" or database.startswith("file:"):
            return MemoryBootLease()
        return FileBootLease(Path(database))

    def alive(self, boot_ids: set[str]) -> set[str]:
        """Those of ``boot_ids`` whose process still holds its lock (this one's included)."""
        raise NotImplementedError

    def ensure(self) -> None:
        """Take the lock again if it was lost (before new work is admitted under it)."""

    def close(self) -> None:
        """Release the lock: this process runs nothing more."""


class MemoryBootLease(BootLease):
    """An in-memory store: no other process can see it, so every other boot id is gone."""

    def __init__(self) -> None:
        self.boot_id = uuid.uuid4().hex

    def alive(self, boot_ids: set[str]) -> set[str]:
        return boot_ids & {self.boot_id}


class FileBootLease(BootLease):
    """An ``flock`` on ``<store>-boots/<boot id>``, released by the OS when the process ends."""

    def __init__(self, store_file: Path) -> None:
        self.boot_id = uuid.uuid4().hex
        self.folder = store_file.with_name(store_file.name + "-boots")
        self.folder.mkdir(mode=0o700, exist_ok=True)
        self._file = self.folder / self.boot_id
        self._fd: int | None = os.open(self._file, os.O_CREAT | os.O_RDWR, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def alive(self, boot_ids: set[str]) -> set[str]:
        return {b for b in boot_ids if b == self.boot_id or self._held(b)}

    def _held(self, boot_id: str) -> bool:
        if not _is_hex_id(boot_id):
            return False
        path = self.folder / boot_id
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            return False  # its process is gone and a start-up has already tidied up
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)  # also releases the lock just taken, if it was free
        path.unlink(missing_ok=True)  # free: its process has ended
        return False

    def close(self) -> None:
        if self._fd is None:
            return
        self._file.unlink(missing_ok=True)
        os.close(self._fd)
        self._fd = None


class PgBootLease(BootLease):
    """A session advisory lock (``PG_LOCK_CLASS``, key of the boot id) on its own connection."""

    def __init__(self, store: Store) -> None:
        self.boot_id = uuid.uuid4().hex
        url = store.engine.url.set(drivername="postgresql")
        self._cargs, self._cparams = store.engine.dialect.create_connect_args(url)
        self._lock = threading.Lock()
        self._conn: psycopg.Connection | None = None
        self._checked = 0.0
        self._connect()

    def _connect(self) -> None:
        conn = psycopg.connect(*self._cargs, **self._cparams, autocommit=True)
        for setting in PG_SESSION_SETTINGS:
            try:
                conn.execute(setting)
            except psycopg.Error:
                pass  # an older server without the setting: its default applies
        conn.execute("SELECT pg_advisory_lock(%s, %s)", (PG_LOCK_CLASS, _lock_key(self.boot_id)))
        self._conn, self._checked = conn, time.monotonic()

    def alive(self, boot_ids: set[str]) -> set[str]:
        keys = {_lock_key(b): b for b in boot_ids if _is_hex_id(b)}
        if not keys:
            return set()
        with self._lock:
            self._ensure_locked()
            held = self._conn.execute(
                "SELECT objid::bigint FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                " AND classid::bigint = %s AND objsubid = 2 AND objid::bigint = ANY(%s::bigint[])",
                (PG_LOCK_CLASS, list(keys)),
            ).fetchall()
        return {keys[k] for (k,) in held} | (boot_ids & {self.boot_id})

    def ensure(self) -> None:
        with self._lock:
            self._ensure_locked()

    def _ensure_locked(self) -> None:
        conn = self._conn
        if conn is not None and not conn.closed and not conn.broken:
            if time.monotonic() - self._checked < PG_CHECK_SECONDS:
                return
            try:
                conn.execute("SELECT 1")
                self._checked = time.monotonic()
                return
            except psycopg.Error:
                pass
        if conn is not None:
            conn.close()
        self._connect()  # the lock went with the old connection: take it again

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()  # the server releases the lock with the session
                self._conn = None


def _lock_key(boot_id: str) -> int:
    """The advisory lock's second key: 31 bits of the boot id (non-negative, so that it reads
    back unchanged from ``pg_locks.objid``). Two boot ids sharing a key can only make a gone
    process look alive, which leaves its messages "running" a while longer, never the reverse."""
    return int(boot_id[:8], 16) & 0x7FFFFFFF


def _is_hex_id(boot_id: str) -> bool:
    return len(boot_id) == 32 and all(c in "0123456789abcdef" for c in boot_id)
