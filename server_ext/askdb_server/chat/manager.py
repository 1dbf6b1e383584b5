"""Conversations: each ask or SQL run is a message in a conversation, kept for history.

A message is written when its question or SQL is admitted, as "running", and completed with
its outcome when the work ends; a process that dies in between leaves it "running" until a
later start-up marks it "interrupted" (``mark_interrupted``, ``boots.py``). So every admitted
question has a record, however its process ended.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, update

from ..errors import ConversationNotFoundError, InvalidInputError, NotFoundError
from ..identity.who import Identity
from ..store.db import Store
from ..store.models import Conversation, Message, Project, User, utcnow
from .boots import BootLease

if TYPE_CHECKING:
    from ..audit.log import AuditLog
    from ..authz.authorizer import Authorizer
    from ..quotas.storage import StorageQuota

TITLE_LENGTH = 80
PREVIEW_ROWS = 20
INTERRUPTED = (
    "interrupted",
    "The AskDB service stopped before this finished (it was restarted or crashed); ask again.",
)


@dataclass
class MessageRecord:
    """What to remember of one ask or run (successful or not)."""

    kind: str  # "ask" | "run"
    status: str  # "ok" | "error" | "cancelled" (what ``complete`` and ``record`` write)
    question: str | None = None
    sql: str | None = None
    explanation: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    columns: list[str] | None = None
    rows: list[list] | None = None
    row_count: int | None = None
    truncated: bool = False
    schema_version: int | None = None
    model: str | None = None
    tokens: int | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)
    attempts: list[dict[str, Any]] = field(default_factory=list)


class ConversationManager:
    def __init__(
        self,
        store: Store,
        audit: AuditLog,
        authz: Authorizer,
        storage: StorageQuota,
        *,
        preview_bytes: int,
    ) -> None:
        """``storage``: the plan's conversation_messages per project; ``preview_bytes``: most
        bytes (as JSON) of result rows kept with a message, whole rows only (0: none;
        ``AskDBApp.preview_bytes``)."""
        self.store = store
        self.audit = audit
        self.authz = authz
        self.storage = storage
        self.preview_bytes = preview_bytes
        self._lease: BootLease | None = None
        self._lease_lock = threading.Lock()

    def open(self, who: Identity, project_id: str, conversation_id: str | None, title: str) -> str:
        """The id of ``conversation_id`` (checked to be the caller's, on this project) or of a
        new, empty conversation titled ``title``.

        ProjectNotFoundError (404) unless the caller may read the project; PlanLimitError
        (403) when the project's history is full."""
        with self.store.session() as s:
            self._require_project(s, who, project_id)
            return self._open(s, who, project_id, conversation_id, title).id

    def _open(
        self, s, who: Identity, project_id: str, conversation_id: str | None, title: str
    ) -> Conversation:
        self.storage.require_room(s, project_id, "conversation_messages")
        if conversation_id:
            conv = s.get(Conversation, conversation_id)
            if conv is None or conv.user_id != who.user_id or conv.project_id != project_id:
                raise ConversationNotFoundError(f"No conversation with id {conversation_id!r}.")
            return conv
        conv = Conversation(project_id=project_id, user_id=who.user_id, title=_title(title))
        s.add(conv)
        s.flush()
        return conv

    def admit(
        self, who: Identity, project_id: str, conversation_id: str | None, rec: MessageRecord
    ) -> tuple[str, str]:
        """Admit an ask or run: ``(conversation id, message id)``, the message written now as
        "running" in ``conversation_id`` (checked to be the caller's, on this project) or in a
        new conversation titled after the question, in one transaction.

        PlanLimitError (403) when the project's history is full, before anything is written or
        run. The message is completed by ``complete``; if this process dies first, a later
        start-up marks it "interrupted"."""
        lease = self.lease()
        lease.ensure()
        with self.store.session() as s:
            conv = self._open(s, who, project_id, conversation_id, rec.question or rec.sql or "")
            msg = Message(
                conversation_id=conv.id,
                kind=rec.kind,
                question=rec.question,
                sql=rec.sql,
                status="running",
                schema_version=rec.schema_version,
                model=rec.model,
                boot_id=lease.boot_id,
            )
            s.add(msg)
            conv.updated_at = utcnow()
            s.flush()
            # alerts only: _open made room for it
            self.storage.note_stored(s, conv.project_id, "conversation_messages")
            return conv.id, msg.id

    def complete(self, message_id: str, rec: MessageRecord) -> str:
        """Write the outcome of the admitted message ``message_id`` (over an "interrupted" mark
        too: the truth wins); returns its id. A message deleted meanwhile, with its
        conversation, stays deleted."""
        with self.store.session() as s:
            msg = s.get(Message, message_id)
            if msg is None:
                return message_id
            self._fill(msg, rec, self._keeps_rows(s, msg.conversation.project_id))
            msg.conversation.updated_at = utcnow()
            s.flush()
            self._audit(s, msg.conversation, msg)
            return msg.id

    def record(self, conversation_id: str, rec: MessageRecord) -> str:
        """Append a finished message in one step; returns its id."""
        with self.store.session() as s:
            conv = s.get(Conversation, conversation_id)
            if conv is None:
                raise ConversationNotFoundError(f"No conversation with id {conversation_id!r}.")
            msg = Message(conversation_id=conversation_id, kind=rec.kind)
            self._fill(msg, rec, self._keeps_rows(s, conv.project_id))
            s.add(msg)
            conv.updated_at = utcnow()
            s.flush()
            self.storage.note_stored(s, conv.project_id, "conversation_messages")
            self._audit(s, conv, msg)
            return msg.id

    def _keeps_rows(self, s, project_id: str) -> bool:
        """Whether the project stores result previews (``Project.store_results``)."""
        return bool(s.scalar(select(Project.store_results).where(Project.id == project_id)))

    def _fill(self, msg: Message, rec: MessageRecord, keep_rows: bool) -> None:
        """``rec``'s outcome into ``msg``, its rows as the project allows (``_preview``)."""
        msg.question, msg.sql, msg.explanation = rec.question, rec.sql, rec.explanation
        msg.status = rec.status
        msg.error_code, msg.error_message = rec.error_code, rec.error_message
        msg.row_count, msg.truncated, msg.columns = rec.row_count, rec.truncated, rec.columns
        msg.preview_rows, msg.preview_truncated = _preview(
            rec.rows, self.preview_bytes if keep_rows and self.preview_bytes > 0 else None
        )
        msg.schema_version, msg.model, msg.tokens = rec.schema_version, rec.model, rec.tokens
        msg.timings_ms = {**rec.timings_ms, **({"attempts": rec.attempts} if rec.attempts else {})}

    def lease(self) -> BootLease:
        """This process's boot lease on the store, taken on first use."""
        with self._lease_lock:
            if self._lease is None:
                self._lease = BootLease.take(self.store)
            return self._lease

    def mark_interrupted(self) -> int:
        """At start-up: mark "interrupted" every running message whose process has ended (its
        boot lease is free), each with an audit event; returns how many. Messages another live
        process is running are left alone, so any number of processes may share the store."""
        lease = self.lease()
        with self.store.session() as s:
            boots = set(
                s.scalars(select(Message.boot_id).where(Message.status == "running").distinct())
            )
        gone = {b for b in boots if b is not None} - lease.alive({b for b in boots if b})
        if None in boots:
            gone.add(None)  # written by no process that could finish it
        marked = 0
        for boot_id in gone:
            with self.store.session() as s:
                owner = Message.boot_id.is_(None) if boot_id is None else Message.boot_id == boot_id
                ids = s.scalars(select(Message.id).where(Message.status == "running", owner)).all()
                for message_id in ids:
                    marked += self._interrupt(s, message_id)
        return marked

    def _interrupt(self, s, message_id: str) -> int:
        # Only if still running: two processes starting together mark (and audit) it once.
        done = s.execute(
            update(Message)
            .where(Message.id == message_id, Message.status == "running")
            .values(status="interrupted", error_code=INTERRUPTED[0], error_message=INTERRUPTED[1])
        ).rowcount
        if done:
            msg = s.get(Message, message_id)
            s.refresh(msg)
            self._audit(s, msg.conversation, msg)
        return done

    def close(self) -> None:
        """Give up this process's boot lease (at a clean stop: nothing of it is running)."""
        with self._lease_lock:
            if self._lease is not None:
                self._lease.close()
                self._lease = None

    def _audit(self, s, conv: Conversation, msg: Message) -> None:
        """A question asked or SQL run goes to the audit log with the message, in one
        transaction: who, which project, when, and how it ended."""
        user = s.get(User, conv.user_id)
        who = Identity(user_id=conv.user_id, username=user.username if user else "")
        self.audit.append(
            s,
            who,
            "query.asked" if msg.kind == "ask" else "query.run",
            project_id=conv.project_id,
            target=msg.id,
            outcome=msg.status if msg.status in ("ok", "cancelled") else "error",
            details={"sql": msg.sql, "error_code": msg.error_code, "rows": msg.row_count},
        )

    def history(self, conversation_id: str, limit: int = 5) -> list[tuple[str, str]]:
        """The last successful (question, sql) turns, oldest first: context for follow-ups."""
        with self.store.session() as s:
            rows = s.execute(
                select(Message.question, Message.sql)
                .where(
                    Message.conversation_id == conversation_id,
                    Message.status == "ok",
                    Message.sql.is_not(None),
                )
                .order_by(Message.created_at.desc())
                .limit(limit)
            ).all()
        return [(q or "", sql) for q, sql in reversed(rows)]

    def list(self, who: Identity, project_id: str) -> list[dict]:
        """The caller's conversations on a project, most recent first; ProjectNotFoundError
        (404) unless the caller may read the project."""
        with self.store.session() as s:
            self._require_project(s, who, project_id)
            counts = (
                select(Message.conversation_id, func.count().label("n"))
                .group_by(Message.conversation_id)
                .subquery()
            )
            q = (
                select(Conversation, func.coalesce(counts.c.n, 0))
                .outerjoin(counts, counts.c.conversation_id == Conversation.id)
                .where(Conversation.user_id == who.user_id, Conversation.project_id == project_id)
                .order_by(Conversation.updated_at.desc())
            )
            return [_conversation_dict(c, n) for c, n in s.execute(q)]

    def get(self, who: Identity, conversation_id: str) -> dict:
        with self.store.session() as s:
            conv = self._load(s, who, conversation_id)
            out = _conversation_dict(conv, len(conv.messages))
            out["messages"] = [_message_dict(m) for m in conv.messages]
            return out

    def rename(self, who: Identity, conversation_id: str, title: str) -> dict:
        title = (title or "").strip()
        if not title:
            raise InvalidInputError("A conversation title cannot be empty.")
        with self.store.session() as s:
            conv = self._load(s, who, conversation_id)
            conv.title = _title(title)
            s.flush()
            return _conversation_dict(conv, len(conv.messages))

    def delete(self, who: Identity, conversation_id: str) -> None:
        with self.store.session() as s:
            s.delete(self._load(s, who, conversation_id))

    def _load(self, s, who: Identity, conversation_id: str) -> Conversation:
        conv = s.get(Conversation, conversation_id)
        if conv is None or conv.user_id != who.user_id or not self._may_read(s, who, conv):
            raise ConversationNotFoundError(f"No conversation with id {conversation_id!r}.")
        return conv

    def _require_project(self, s, who: Identity, project_id: str) -> None:
        """ProjectNotFoundError (404) unless the caller may read the project (ForbiddenError
        for a deactivated account), as ``ProjectManager.get`` decides."""
        if self.authz is not None:
            self.authz.check(s, who, "project:read", project_id)

    def _may_read(self, s, who: Identity, conv: Conversation) -> bool:
        """Whether the caller still sees the conversation's project: one's own history goes
        out of reach with the project (unshared, or another organization's now)."""
        if self.authz is None:
            return True
        try:
            self.authz.check(s, who, "project:read", conv.project_id)
        except NotFoundError:
            return False
        return True


def _title(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= TITLE_LENGTH else text[: TITLE_LENGTH - 1] + "…"


def _conversation_dict(c: Conversation, message_count: int) -> dict:
    return {
        "id": c.id,
        "project_id": c.project_id,
        "title": c.title,
        "created_at": c.created_at.isoformat(),
        "updated_at": c.updated_at.isoformat(),
        "message_count": int(message_count),
    }


def _message_dict(m: Message) -> dict:
    return {
        "id": m.id,
        "kind": m.kind,
        "question": m.question,
        "sql": m.sql,
        "explanation": m.explanation,
        "status": m.status,
        "error": {"code": m.error_code, "message": m.error_message} if m.error_code else None,
        "columns": m.columns,
        "rows": m.preview_rows,
        "preview_truncated": m.preview_truncated,
        "row_count": m.row_count,
        "truncated": m.truncated,
        "schema_version": m.schema_version,
        "model": m.model,
        "tokens": m.tokens,
        "timings_ms": m.timings_ms,
        "created_at": m.created_at.isoformat(),
    }


def _preview(rows: list[list] | None, cap: int | None) -> tuple[list[list] | None, bool]:
    """The first rows of ``rows`` to keep with a message, whole, at most ``PREVIEW_ROWS`` of
    them and ``cap`` bytes as JSON (None: keep none), and whether that is fewer than all."""
    if rows is None:
        return None, False
    if cap is None:
        return None, bool(rows)
    kept: list[list] = []
    size = 2  # the brackets; rows are measured as the store's JSON column writes them
    for row in rows[:PREVIEW_ROWS]:
        size += len(json.dumps(row, default=str).encode()) + (2 if kept else 0)  # ", "
        if size > cap:
            break
        kept.append(row)
    return kept, len(kept) < len(rows)
