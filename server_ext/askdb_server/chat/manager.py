"""Conversations: each ask or SQL run is a message in a conversation, kept for history."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from ..errors import ConversationNotFoundError, InvalidInputError, NotFoundError
from ..identity.manager import Identity
from ..store.db import Store
from ..store.models import Conversation, Message, User, utcnow

if TYPE_CHECKING:
    from ..audit.log import AuditLog
    from ..authz.authorizer import Authorizer
    from ..quotas.storage import StorageQuota

TITLE_LENGTH = 80
PREVIEW_ROWS = 20


@dataclass
class MessageRecord:
    """What to remember of one ask or run (successful or not)."""

    kind: str  # "ask" | "run"
    status: str  # "ok" | "error" | "cancelled"
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
    # The plan's conversation_messages per project, when quotas are enforced (set by Services).
    storage: StorageQuota | None = None

    def __init__(
        self, store: Store, audit: AuditLog | None = None, authz: Authorizer | None = None
    ) -> None:
        self.store = store
        self.audit = audit
        self.authz = authz

    def open(self, who: Identity, project_id: str, conversation_id: str | None, title: str) -> str:
        """The id of ``conversation_id`` (checked to be the caller's, on this project) or of a
        new conversation titled after the first question.

        This admits the question: PlanLimitError (403) when the project's history is full, before
        anything is written or run. An admitted question is always recorded (``record``)."""
        with self.store.session() as s:
            if self.storage is not None:
                self.storage.require_room(s, project_id, "conversation_messages")
            if conversation_id:
                conv = s.get(Conversation, conversation_id)
                if conv is None or conv.user_id != who.user_id or conv.project_id != project_id:
                    raise ConversationNotFoundError(f"No conversation with id {conversation_id!r}.")
                return conv.id
            conv = Conversation(project_id=project_id, user_id=who.user_id, title=_title(title))
            s.add(conv)
            s.flush()
            return conv.id

    def record(self, conversation_id: str, rec: MessageRecord) -> str:
        """Append a message; returns its id."""
        with self.store.session() as s:
            conv = s.get(Conversation, conversation_id)
            if conv is None:
                raise ConversationNotFoundError(f"No conversation with id {conversation_id!r}.")
            msg = Message(
                conversation_id=conversation_id,
                kind=rec.kind,
                question=rec.question,
                sql=rec.sql,
                explanation=rec.explanation,
                status=rec.status,
                error_code=rec.error_code,
                error_message=rec.error_message,
                row_count=rec.row_count,
                truncated=rec.truncated,
                columns=rec.columns,
                preview_rows=(rec.rows or [])[:PREVIEW_ROWS] if rec.rows is not None else None,
                schema_version=rec.schema_version,
                model=rec.model,
                tokens=rec.tokens,
                timings_ms={
                    **rec.timings_ms,
                    **({"attempts": rec.attempts} if rec.attempts else {}),
                },
            )
            s.add(msg)
            conv.updated_at = utcnow()
            s.flush()
            if self.storage is not None:  # alerts only: the question was admitted by open()
                self.storage.note_stored(s, conv.project_id, "conversation_messages")
            self._audit(s, conv, msg)
            return msg.id

    def _audit(self, s, conv: Conversation, msg: Message) -> None:
        """A question asked or SQL run goes to the audit log with the message, in one
        transaction: who, which project, when, and how it ended."""
        if self.audit is None:
            return
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
        with self.store.session() as s:
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
        "row_count": m.row_count,
        "truncated": m.truncated,
        "schema_version": m.schema_version,
        "model": m.model,
        "tokens": m.tokens,
        "timings_ms": m.timings_ms,
        "created_at": m.created_at.isoformat(),
    }
