"""SQLAlchemy models of the metadata store: the one place the store's tables are declared.

Alembic migrations in ``migrations/versions`` are generated from these models; the store is
upgraded to the newest revision at start-up.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def new_id() -> str:
    return uuid.uuid4().hex


class UTCDateTime(TypeDecorator):
    """``DateTime(timezone=True)`` that stores UTC and always reads back aware: SQLite keeps
    no offset, so its datetimes would come back naive and serialize without one."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):  # noqa: ANN001, ANN201
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.astimezone(timezone.utc)
        return value

    def process_result_value(self, value, dialect):  # noqa: ANN001, ANN201
        if isinstance(value, datetime) and value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value


class Base(DeclarativeBase):
    pass


class User(Base):
    """A person known to AskDB. In local mode, the Jupyter server's user."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(255), unique=True, nullable=False)
    name: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(320))
    avatar_url: Mapped[str | None] = mapped_column(String(2048))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    last_login: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The organization the user works in now: where new projects go, what `orgs/current` is.
    # Roles live in OrgMembership; a user may belong to several organizations.
    org_id: Mapped[str | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL"), index=True
    )


class Organization(Base):
    """A team: its members (with roles) and its projects. ``plan`` decides quotas."""

    __tablename__ = "organizations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    domain: Mapped[str | None] = mapped_column(String(255), unique=True)
    plan: Mapped[str] = mapped_column(String(16), default="FREE", nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class OrgMembership(Base):
    """A user's role in an organization: ADMIN, MANAGER, DEVELOPER or VIEWER."""

    __tablename__ = "org_memberships"
    __table_args__ = (UniqueConstraint("org_id", "user_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship()


class Project(Base):
    """A database a team asks questions of, with its schema versions and conversations."""

    __tablename__ = "projects"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), nullable=False, index=True)
    # The connection URL, encrypted at rest (Fernet); never returned with its password.
    connection_encrypted: Mapped[str | None] = mapped_column(Text)
    dialect: Mapped[str | None] = mapped_column(String(32))
    # Whether the engine may read sample values from the database to link question words.
    allow_value_lookup: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    # The query policy (sqlrun/policy.py): functions the admin allows beyond the dialect's
    # allow-list (user-defined ones), queries of system catalogs, and the explicit, unsafe
    # override that lets a privileged database role connect in a shared deployment.
    sql_functions: Mapped[list | None] = mapped_column(JSON)
    allow_introspection: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    allow_privileged: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    # Whether answers' first rows are kept with the message (previews); off keeps none.
    store_results: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    owner: Mapped[User] = relationship()


class SchemaVersion(Base):
    """One upload of a project's schema (v1, v2, ...), in the normalised schema model."""

    __tablename__ = "schema_versions"
    __table_args__ = (UniqueConstraint("project_id", "version"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), nullable=False, index=True
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    source: Mapped[str] = mapped_column(
        String(32), nullable=False
    )  # ddl_file|ddl_text|introspection
    filename: Mapped[str | None] = mapped_column(String(255))
    schema_json: Mapped[dict] = mapped_column(JSON, nullable=False)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Conversation(Base):
    """A thread of questions on one project by one user."""

    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), nullable=False, index=True
    )
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    title: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    messages: Mapped[list[Message]] = relationship(
        back_populates="conversation", order_by="Message.created_at", cascade="all, delete-orphan"
    )


class Message(Base):
    """One ask (question → SQL → rows) or one run of user SQL, with its outcome.

    This is the record history, analytics, quotas and audit read from.
    """

    __tablename__ = "messages"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # ask | run
    question: Mapped[str | None] = mapped_column(Text)
    sql: Mapped[str | None] = mapped_column(Text)
    explanation: Mapped[str | None] = mapped_column(Text)
    # running (admitted, not finished) | ok | error | cancelled | interrupted (its process
    # ended first: marked at a later start-up, see chat/boots.py)
    status: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    row_count: Mapped[int | None] = mapped_column(Integer)
    truncated: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    columns: Mapped[list | None] = mapped_column(JSON)
    preview_rows: Mapped[list | None] = mapped_column(JSON)
    # Whether preview_rows holds fewer rows than were returned (the preview's byte cap).
    preview_truncated: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    schema_version: Mapped[int | None] = mapped_column(Integer)
    model: Mapped[str | None] = mapped_column(String(64))
    tokens: Mapped[int | None] = mapped_column(Integer)
    timings_ms: Mapped[dict | None] = mapped_column(JSON)
    # The process (its boot id) running a "running" message: start-up marks those of ended
    # processes "interrupted".
    boot_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    conversation: Mapped[Conversation] = relationship(back_populates="messages")


class KnowledgeDoc(Base):
    """A documentation snippet a team adds to a project: a business term, a column's meaning.

    The store is the source of truth; the project's LanceDB index is derived from it.
    """

    __tablename__ = "knowledge_docs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), nullable=False, index=True
    )
    title: Mapped[str] = mapped_column(String(255), default="", nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class GoldenPair(Base):
    """A question and its SQL that a user approved ("golden SQL"); never added automatically."""

    __tablename__ = "golden_pairs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), nullable=False, index=True
    )
    question: Mapped[str] = mapped_column(Text, nullable=False)
    sql: Mapped[str] = mapped_column(Text, nullable=False)
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The answered message it was approved from; kept as a plain id so that deleting the
    # conversation does not delete the approval.
    source_message_id: Mapped[str | None] = mapped_column(String(32))


class ProjectMember(Base):
    """A user's permission on a project: OWNER (one per project), EDITOR or VIEWER."""

    __tablename__ = "project_members"
    __table_args__ = (UniqueConstraint("project_id", "user_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), nullable=False, index=True
    )
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    permission: Mapped[str] = mapped_column(String(16), nullable=False, default="VIEWER")
    invited_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship()


class AuditEvent(Base):
    """One entry of the append-only audit log.

    Actor, project and organization are plain ids (no foreign keys), so that the history
    outlives what it talks about.
    """

    __tablename__ = "audit_events"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    org_id: Mapped[str | None] = mapped_column(String(32), index=True)
    actor_id: Mapped[str | None] = mapped_column(String(32), index=True)
    actor: Mapped[str | None] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    project_id: Mapped[str | None] = mapped_column(String(32), index=True)
    target: Mapped[str | None] = mapped_column(String(255))
    outcome: Mapped[str] = mapped_column(String(16), nullable=False)  # ok|error|denied|cancelled
    details: Mapped[dict | None] = mapped_column(JSON)


class Invitation(Base):
    """An invitation to join an organization with a role: sent by email (``email``), or to a
    user by name (``username``), who sees it in ``users/me/invitations``.

    Only the SHA-256 hash of the link's token is stored: the token itself lives in the email
    (a username invitation's token is never sent: it is accepted by id, by that user only).
    An invitation is used once (``accepted_at``), can be revoked or declined, and expires.
    """

    __tablename__ = "invitations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    email: Mapped[str | None] = mapped_column(String(320))
    username: Mapped[str | None] = mapped_column(String(255), index=True)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    # Plain ids, like the audit log: the record outlives the users it names.
    invited_by: Mapped[str | None] = mapped_column(String(32))
    accepted_by: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    declined_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class OutboxEmail(Base):
    """An email waiting to be sent (or sent): written in the same transaction as what it
    announces, delivered later by ``EmailOutbox.deliver_due`` with retries."""

    __tablename__ = "email_outbox"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    to_addr: Mapped[str] = mapped_column(String(320), nullable=False)
    subject: Mapped[str] = mapped_column(String(255), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False, index=True
    )
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Account(Base):
    """A standalone account's password (argon2id hash) and whether its email is verified."""

    __tablename__ = "accounts"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    email: Mapped[str] = mapped_column(String(320), unique=True, nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AccountToken(Base):
    """A single-use or session token of an account, stored as its SHA-256 hash.

    ``purpose``: verify (email verification), reset (password reset) or session (log-in).
    """

    __tablename__ = "account_tokens"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    purpose: Mapped[str] = mapped_column(String(16), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuthAttempt(Base):
    """One attempt at a rate-limited account action, keyed by action, email and IP; kept in
    the store so that the limit holds across processes."""

    __tablename__ = "auth_attempts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    key: Mapped[str] = mapped_column(String(400), nullable=False, index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class ApiKey(Base):
    """A project's API key: ``askdb_<id>_<secret>``; only the secret's SHA-256 is stored.

    The key acts as its creator (``created_by``), on its project only, within its scopes. A
    rotated key points at its successor (``replaced_by``) and stays valid until
    ``overlap_until``.
    """

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    project_id: Mapped[str] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), nullable=False, index=True
    )
    created_by: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    notes: Mapped[str] = mapped_column(Text, default="", nullable=False)
    secret_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    scopes: Mapped[list] = mapped_column(JSON, nullable=False)
    endpoints: Mapped[list | None] = mapped_column(JSON)
    ip_allow: Mapped[list | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    replaced_by: Mapped[str | None] = mapped_column(String(32))
    overlap_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The key's own quotas: calls a day and model tokens a month (None: only the project's
    # plan limits it).
    calls_per_day: Mapped[int | None] = mapped_column(Integer)
    tokens_per_month: Mapped[int | None] = mapped_column(BigInteger)
    # Bumped by every change a request's check depends on (rules, revocation, rotation): the
    # guard's cached copy of the key is used only while its version is the stored one.
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0", nullable=False)


class ApiKeyActivity(Base):
    """One request made with an API key: endpoint, address, user agent, outcome and time."""

    __tablename__ = "api_key_activity"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    key_id: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    endpoint: Mapped[str] = mapped_column(String(64), nullable=False)
    method: Mapped[str] = mapped_column(String(8), nullable=False)
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(512))
    success: Mapped[bool] = mapped_column(Boolean, nullable=False)
    reason: Mapped[str | None] = mapped_column(String(64))


class OrgPlanLimits(Base):
    """An organization's custom plan: limits that override its plan's, one by one."""

    __tablename__ = "org_plan_limits"

    org_id: Mapped[str] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    limits: Mapped[dict] = mapped_column(JSON, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class QuotaCounter(Base):
    """How much of a quota a subject (``project:<id>``, ``key:<id>``) used in one period
    (``2026-03-01`` for a day, ``2026-03`` for a month). Charged in one upsert that checks and
    charges, so concurrent processes never admit more than the limit."""

    __tablename__ = "quota_counters"

    subject: Mapped[str] = mapped_column(String(64), primary_key=True)
    metric: Mapped[str] = mapped_column(String(16), primary_key=True)
    period: Mapped[str] = mapped_column(String(10), primary_key=True)
    used: Mapped[int] = mapped_column(BigInteger, nullable=False)


class Notification(Base):
    """An in-app notification for an organization (e.g. a quota at 80, 90 or 100%)."""

    __tablename__ = "notifications"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    project_id: Mapped[str | None] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False)
    data: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DomainEvent(Base):
    """A domain event written in the transaction that caused it, for a later webhooks issue to
    deliver (``delivered_at``)."""

    __tablename__ = "domain_events"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    type: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    org_id: Mapped[str | None] = mapped_column(String(32), index=True)
    payload: Mapped[dict] = mapped_column(JSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RateLimitState(Base):
    """GCRA state of one rate limit (``key:<id>``, ``ip:<address>``): its theoretical arrival
    time in epoch seconds. Short-lived: UNLOGGED on PostgreSQL (lost on a crash, by design)."""

    __tablename__ = "rate_limits"

    bucket: Mapped[str] = mapped_column(String(80), primary_key=True)
    tat: Mapped[float] = mapped_column(Float, nullable=False)


# Every DateTime column above is a UTCDateTime, so no backend returns a naive datetime.
for _column in (c for t in Base.metadata.tables.values() for c in t.columns):
    if isinstance(_column.type, DateTime):
        _column.type = UTCDateTime()
