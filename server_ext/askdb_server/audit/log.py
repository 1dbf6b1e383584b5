"""The audit log: append-only records of who did what, where, when, and how it ended.

Managers append an event in the same session (so the same transaction) as the change it
describes; ``record`` opens its own session for events with no change to ride along with
(a refused request). Nothing in the API updates or deletes an event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from psycopg.types.json import Json
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..identity.who import Identity
from ..store.db import Store
from ..store.models import AuditEvent, Project, new_id, utcnow
from .buffer import AuditBuffer

OUTCOMES = ("ok", "error", "denied", "cancelled")
MAX_EXPORT = 100_000
RECORD = """
INSERT INTO audit_events
    (id, at, org_id, actor_id, actor, action, project_id, target, outcome, details)
VALUES (%(id)s, %(at)s,
        COALESCE(%(org_id)s, (SELECT org_id FROM projects WHERE id = %(project_id)s)),
        %(actor_id)s, %(actor)s, %(action)s, %(project_id)s, %(target)s, %(outcome)s,
        %(details)s)
"""


@dataclass(frozen=True)
class AuditFilter:
    """Which events to read: all given conditions must hold; ``until`` is exclusive."""

    org_id: str
    actor: str | None = None
    project_id: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = MAX_EXPORT


@dataclass(frozen=True)
class AuditEntry:
    id: str
    at: datetime
    org_id: str | None
    actor_id: str | None
    actor: str | None
    action: str
    project_id: str | None
    target: str | None
    outcome: str
    details: dict

    def to_dict(self) -> dict:
        d = dict(self.__dict__)
        d["at"] = _aware(self.at).isoformat()
        return d


class AuditLog:
    def __init__(self, store: Store, *, buffered: bool = False) -> None:
        """``buffered`` (PostgreSQL only): ``record`` queues its events for a background
        writer (``AuditBuffer``) instead of writing each on the caller's thread."""
        self.store = store
        self.buffer = AuditBuffer(store.raw, RECORD) if buffered and store.raw is not None else None

    def append(
        self,
        s: Session,
        actor: Identity | None,
        action: str,
        *,
        org_id: str | None = None,
        project_id: str | None = None,
        target: str | None = None,
        outcome: str = "ok",
        details: dict[str, Any] | None = None,
    ) -> None:
        """Add an event to session ``s``: it commits or rolls back with the change.

        ``org_id`` defaults to the project's organization.
        """
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown audit outcome {outcome!r}")
        if org_id is None and project_id is not None:
            org_id = s.scalar(select(Project.org_id).where(Project.id == project_id))
        s.add(
            AuditEvent(
                org_id=org_id,
                actor_id=actor.user_id if actor else None,
                actor=actor.username if actor else None,
                action=action,
                project_id=project_id,
                target=target,
                outcome=outcome,
                details=details or {},
            )
        )

    def record(
        self,
        actor: Identity | None,
        action: str,
        *,
        org_id: str | None = None,
        project_id: str | None = None,
        target: str | None = None,
        outcome: str = "ok",
        details: dict[str, Any] | None = None,
    ) -> None:
        """Append an event in its own transaction (see ``append`` for the arguments).

        On PostgreSQL one INSERT on the store's plain psycopg connection (it also looks up
        the project's organization), queued for the background writer when the log is
        ``buffered``: API-key requests record events on their hot path."""
        fields = {
            "org_id": org_id,
            "project_id": project_id,
            "target": target,
            "outcome": outcome,
            "details": details,
        }
        if self.store.raw is None:
            with self.store.session() as s:
                self.append(s, actor, action, **fields)
            return
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown audit outcome {outcome!r}")
        params = {
            **fields,
            "id": new_id(),
            "at": utcnow(),
            "actor_id": actor.user_id if actor else None,
            "actor": actor.username if actor else None,
            "action": action,
            "details": Json(details or {}),
        }
        if self.buffer is not None:
            self.buffer.add(params, self._insert)
        else:
            self._insert(params)

    @property
    def records_in_background(self) -> bool:
        """Whether ``record`` only queues its event (it does not wait for the store)."""
        return self.buffer is not None

    def _insert(self, params: dict) -> None:
        with self.store.raw.autocommit() as cur:
            cur.execute(RECORD, params)

    def flush(self) -> None:
        """Write the events ``record`` queued (a no-op unless ``buffered``)."""
        if self.buffer is not None:
            self.buffer.flush()

    def close(self) -> None:
        if self.buffer is not None:
            self.buffer.close()

    def query(self, f: AuditFilter) -> list[AuditEntry]:
        """Events of one organization matching ``f``, oldest first."""
        q = select(AuditEvent).where(AuditEvent.org_id == f.org_id)
        if f.actor:
            q = q.where((AuditEvent.actor == f.actor) | (AuditEvent.actor_id == f.actor))
        if f.project_id:
            q = q.where(AuditEvent.project_id == f.project_id)
        if f.action:
            # "project" matches project.created, project.shared, ...; "project.created" itself.
            q = q.where(
                (AuditEvent.action == f.action) | AuditEvent.action.startswith(f.action + ".")
            )
        if f.since:
            q = q.where(AuditEvent.at >= f.since)
        if f.until:
            q = q.where(AuditEvent.at < f.until)
        q = q.order_by(AuditEvent.at, AuditEvent.id).limit(f.limit)
        self.flush()  # what this process recorded a moment ago is part of the answer
        with self.store.session() as s:
            return [_entry(e) for e in s.scalars(q)]


def _entry(e: AuditEvent) -> AuditEntry:
    return AuditEntry(
        id=e.id,
        at=_aware(e.at),
        org_id=e.org_id,
        actor_id=e.actor_id,
        actor=e.actor,
        action=e.action,
        project_id=e.project_id,
        target=e.target,
        outcome=e.outcome,
        details=e.details or {},
    )


def _aware(dt: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything is stored in UTC.
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)
