"""The email outbox: emails are rows in the store, written in the same transaction as what
they announce, and delivered later with retries, so a dead SMTP server loses nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..store.db import Store
from ..store.models import OutboxEmail, utcnow

MAX_DELAY_S = 6 * 3600
# Bodies hold single-use links; once an email is sent or given up, the store keeps no copy.
SPENT_BODY = "(removed after delivery: it held a single-use link)"


class Sender(Protocol):
    def send(self, to: str, subject: str, body: str) -> None: ...


@dataclass(frozen=True)
class Delivery:
    """What one ``deliver_due`` pass did."""

    sent: int = 0
    failed: int = 0
    given_up: int = 0


class EmailOutbox:
    """Queue emails in a caller's transaction; ``deliver_due`` sends those whose time has come.

    A failed send stays ``pending`` with ``last_error`` and is retried after ``retry_delay``
    seconds, doubling each time (at most six hours); after ``max_attempts`` it is ``failed``.
    """

    def __init__(
        self,
        store: Store,
        sender: Sender,
        *,
        max_attempts: int = 8,
        retry_delay_s: float = 30.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.store = store
        self.sender = sender
        self.max_attempts = max_attempts
        self.retry_delay_s = retry_delay_s
        self.clock = clock

    def enqueue(self, s: Session, to: str, subject: str, body: str) -> OutboxEmail:
        """Add an email to session ``s``: it is queued only if the caller's change commits."""
        email = OutboxEmail(
            to_addr=to, subject=subject, body=body, status="pending", next_attempt_at=self.clock()
        )
        s.add(email)
        return email

    def deliver_due(self, now: datetime | None = None, limit: int = 100) -> Delivery:
        """Send up to ``limit`` pending emails that are due at ``now`` (default: the clock).

        Each email is claimed in its own transaction (``FOR UPDATE SKIP LOCKED`` on
        PostgreSQL), so two servers sharing a store never send the same email twice.
        """
        if not getattr(self.sender, "configured", True):
            return Delivery()  # no SMTP server configured: emails wait, no attempt is spent
        now = now or self.clock()
        sent = failed = given_up = 0
        skip: set[str] = set()
        for _ in range(limit):
            with self.store.session() as s:
                email = self._claim(s, now, skip)
                if email is None:
                    break
                skip.add(email.id)
                outcome = self._attempt(email, now)
            sent += outcome == "sent"
            failed += outcome == "pending"
            given_up += outcome == "failed"
        return Delivery(sent, failed, given_up)

    def pending(self) -> list[OutboxEmail]:
        """Emails not yet sent (oldest first), for operators and tests."""
        with self.store.session() as s:
            q = select(OutboxEmail).where(OutboxEmail.status == "pending")
            return list(s.scalars(q.order_by(OutboxEmail.created_at)))

    # -- internals -------------------------------------------------------------------------
    def _claim(self, s: Session, now: datetime, skip: set[str]) -> OutboxEmail | None:
        q = (
            select(OutboxEmail)
            .where(OutboxEmail.status == "pending", OutboxEmail.next_attempt_at <= now)
            .order_by(OutboxEmail.next_attempt_at, OutboxEmail.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if skip:
            q = q.where(OutboxEmail.id.not_in(skip))
        return s.scalar(q)

    def _attempt(self, email: OutboxEmail, now: datetime) -> str:
        email.attempts += 1
        try:
            self.sender.send(email.to_addr, email.subject, email.body)
        except Exception as e:  # any failure (refused, unreachable, TLS) is retried later
            email.last_error = f"{type(e).__name__}: {e}"[:2000]
            if email.attempts >= self.max_attempts:
                email.status = "failed"
                email.body = SPENT_BODY
            else:
                delay = min(self.retry_delay_s * 2 ** (email.attempts - 1), MAX_DELAY_S)
                email.next_attempt_at = now + timedelta(seconds=delay)
            return email.status
        email.status = "sent"
        email.sent_at = now
        email.body = SPENT_BODY
        email.last_error = None
        return "sent"
