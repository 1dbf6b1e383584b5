"""A background writer for audit events that ride along with no change (PostgreSQL store).

``AuditLog.record`` writes an event that has no transaction of its own to join: a request
made with an API key, a refused request, a failed sign-in. On the API-key hot path that was
one more round trip and commit per request, on one more worker-thread hop. Here such events
are queued and written by one thread in batches: every ``interval`` seconds, or at once when
``batch`` events wait, in one transaction of one pipelined round trip.

What it costs: an event reaches the table up to ``interval`` (20 ms) after ``record``
returns, and a crash of the AskDB process (not a clean stop: ``close`` writes what is
queued) loses the events of that last interval. A reader in the same process calls
``flush`` first and sees every event recorded before. While the store cannot be written the
events stay queued and are tried again; past ``max_pending`` a ``record`` writes its event
itself (and fails as the store does), so nothing is dropped without an error.
``AskDBApp.guard_synchronous_commit`` turns this writer off.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psycopg

from ..store.raw import RawConnections

log = logging.getLogger(__name__)


class AuditBuffer:
    def __init__(
        self,
        raw: RawConnections,
        statement: str,
        *,
        interval: float = 0.02,
        batch: int = 200,
        max_pending: int = 50_000,
    ) -> None:
        self.raw = raw
        self.statement = statement
        self.interval, self.batch, self.max_pending = interval, batch, max_pending
        self._pending: list[dict] = []
        self._cond = threading.Condition()
        self._write_lock = threading.Lock()  # one batch in flight at a time
        self._thread: threading.Thread | None = None
        self._closed = False

    def add(self, params: dict, write_now: Callable[[dict], None]) -> None:
        """Queue one event (the statement's parameters); ``write_now`` writes it on the
        caller's thread when the queue is full or the writer is closed."""
        with self._cond:
            if self._closed or len(self._pending) >= self.max_pending:
                full = True
            else:
                full = False
                self._pending.append(params)
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._run, name="askdb-audit-writer", daemon=True
                    )
                    self._thread.start()
                if len(self._pending) >= self.batch:
                    self._cond.notify()
        if full:
            write_now(params)

    def flush(self) -> None:
        """Write every queued event now (raises if the store cannot be written)."""
        with self._write_lock:
            with self._cond:
                rows, self._pending = self._pending, []
            try:
                self._write(rows)
            except BaseException:
                with self._cond:  # keep them, in order, for the next try
                    self._pending[:0] = rows
                raise

    def close(self) -> None:
        """Stop the writer after writing what is queued."""
        with self._cond:
            self._closed = True
            self._cond.notify()
        if self._thread is not None:
            self._thread.join(timeout=10)
        try:
            self.flush()
        except Exception:
            log.exception("AskDB: %d audit events could not be written", len(self._pending))

    def _run(self) -> None:
        delay = self.interval
        while True:
            with self._cond:
                if not self._closed and len(self._pending) < self.batch:
                    self._cond.wait(delay)
                if self._closed:
                    return
            try:
                self.flush()
                delay = self.interval
            except (psycopg.Error, OSError):
                log.warning("AskDB: audit events kept queued; the store is not writable now")
                delay = min(5.0, delay * 2 + 0.1)

    def _write(self, rows: list[dict]) -> None:
        if not rows:
            return
        with self.raw.autocommit() as cur, cur.connection.transaction():
            cur.executemany(self.statement, rows)
