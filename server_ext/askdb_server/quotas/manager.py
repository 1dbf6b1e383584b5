"""Quotas: calls per day and model tokens per month per project (and per API key), counts of
projects, keys and members per organization, alerts at 80/90/100%.

A charge is ONE statement that both checks and charges::

    INSERT INTO quota_counters ... VALUES (..., n)
    ON CONFLICT (subject, metric, period) DO UPDATE SET used = used + n
    WHERE quota_counters.used + n <= :limit RETURNING used

No row back means refused. PostgreSQL locks the counter row for the upsert, so concurrent
processes serialize on it and never admit more than the limit; SQLite (3.35+ for RETURNING)
has one writer at a time. A period is part of the counter's key, so a new day or month starts
from zero without any reset job.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..authz.authorizer import Authorizer
from ..errors import InvalidInputError, NotFoundError, PlanLimitError, QuotaExceededError
from ..identity.who import Identity
from ..store.db import Store
from ..store.locks import lock_row
from ..store.models import (
    ApiKey,
    DomainEvent,
    Message,
    Notification,
    Organization,
    OrgMembership,
    OrgPlanLimits,
    Project,
    QuotaCounter,
    User,
    utcnow,
)
from .plans import PLANS, UNLIMITED, check_custom_limits, limits_of
from .stored import STORED, count_stored

THRESHOLDS = (80, 90, 100)
COUNTED = {"projects", "api_keys", "team_members"}


class QuotaManager:
    def __init__(
        self,
        store: Store,
        authz: Authorizer,
        *,
        enabled: bool,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        """``enabled``: whether plans are enforced (``AskDBApp.enforce_quotas``); a disabled
        manager charges nothing and refuses nothing, and still reports usage."""
        self.store = store
        self.authz = authz
        self.enabled = enabled
        self.clock = clock
        dialect = store.engine.dialect.name
        self._insert = postgresql.insert if dialect == "postgresql" else sqlite.insert

    # -- the hot path ----------------------------------------------------------------------
    def charge_call(
        self,
        project_id: str,
        key_id: str | None = None,
        key_limit: int | None = None,
        s: Session | None = None,
        key_tokens: int | None = None,
    ) -> None:
        """Charge one call to the key (when it has its own quota, ``key_limit`` a day) and to
        the project, or raise QuotaExceededError (429) and charge nothing. Also refused while
        the month's tokens are used up, the project's or (``key_tokens``) the key's own: the
        project or key is suspended for that quota. In session ``s`` when given (inside a
        savepoint, so that a refusal undoes the key's charge and nothing else)."""
        if not self.enabled:
            return
        if s is None:
            with self.store.session() as own:
                return self._charge_call(own, project_id, key_id, key_limit, key_tokens)
        if key_limit is None:  # one counter: a refused upsert changes nothing, no savepoint
            return self._charge_call(s, project_id, key_id, None, key_tokens)
        with s.begin_nested():
            self._charge_call(s, project_id, key_id, key_limit, key_tokens)

    def _charge_call(
        self,
        s: Session,
        project_id: str,
        key_id: str | None,
        key_limit: int | None,
        key_tokens: int | None,
    ) -> None:
        now = self.clock()
        day = now.strftime("%Y-%m-%d")
        org_id, limits, tokens_used = self._call_state(s, project_id, now)
        key_used = 0
        if key_id is not None and key_tokens is not None:
            key_used = self._used(s, f"key:{key_id}", "tokens", now)
        suspended = token_suspension(limits, tokens_used, key_tokens, key_used, now)
        if suspended is not None:
            raise suspended
        if key_id is not None and key_limit is not None:
            self._charge_or_raise(s, f"key:{key_id}", "calls", day, key_limit, now, org_id)
        limit = limits["api_calls_per_day"]
        self._charge_or_raise(s, f"project:{project_id}", "calls", day, limit, now, org_id)

    def charge_tokens(
        self, project_id: str, n: int, key_id: str | None = None, key_tokens: int | None = None
    ) -> None:
        """Add ``n`` model tokens to the project's month, and to the key's when the request
        came with key ``key_id`` (whose own limit is ``key_tokens``). The answer is already
        given, so this is never refused; the next call is, once the month's tokens are used."""
        if not self.enabled or not n:
            return
        now = self.clock()
        month = now.strftime("%Y-%m")
        with self.store.session() as s:
            org_id, limits = self.project_limits(s, project_id)
            subject = f"project:{project_id}"
            used = self._charge(s, subject, "tokens", month, n, UNLIMITED)
            self.add_alerts(
                s, org_id, subject, "tokens_per_month", limits["tokens_per_month"], used, n
            )
            if key_id is not None:
                subject = f"key:{key_id}"
                used = self._charge(s, subject, "tokens", month, n, UNLIMITED)
                if key_tokens is not None:
                    self.add_alerts(s, org_id, subject, "key_tokens_per_month", key_tokens, used, n)

    def charge_message_tokens(
        self,
        project_id: str,
        message_id: str,
        key_id: str | None = None,
        key_tokens: int | None = None,
    ) -> None:
        """Charge the tokens the engine reported for one answered message (to the key too,
        when the question came with one)."""
        if not self.enabled:
            return
        with self.store.session() as s:
            tokens = s.scalar(select(Message.tokens).where(Message.id == message_id))
        self.charge_tokens(project_id, int(tokens or 0), key_id, key_tokens)

    # -- counts ----------------------------------------------------------------------------
    def require_room(self, s: Session, org_id: str, resource: str) -> None:
        """PlanLimitError (403) when ``org_id`` already has as many ``resource`` (projects,
        api_keys, team_members) as its plan allows. A count, not a counter, made atomic by
        locking the organization's row first (``lock_row``): concurrent creations in one
        organization count one after the other, until the caller's transaction ends, so
        exactly the plan's count gets created."""
        if not self.enabled:
            return
        lock_row(s, Organization, org_id)
        limit = self._org_limits(s, org_id)[resource]
        if limit == UNLIMITED:
            return
        have = s.scalar(_count_query(resource, org_id))
        if have >= limit:
            raise PlanLimitError(
                f"Your plan allows {limit} {resource.replace('_', ' ')}; you have {have}. "
                "Raise the plan or remove one first.",
                resource=resource,
                limit=limit,
            )

    # -- plans, usage, notifications -------------------------------------------------------
    def set_plan(
        self, who: Identity, plan: object, custom: object = None, org_id: str | None = None
    ) -> dict:
        """Set organization ``org_id``'s plan and custom limits (None: the caller's current
        organization). Only the deployment's operators may (``Authorizer.is_operator``): a
        plan is what the deployment grants an organization, so its own admins cannot."""
        if not isinstance(plan, str) or plan not in PLANS:
            raise InvalidInputError(f"Unknown plan {plan!r}; plans: {', '.join(PLANS)}.")
        custom = check_custom_limits({} if custom is None else custom)
        with self.store.session() as s:
            self.authz.check_operator(s, who, "plan:set")
            if org_id is None:
                org_id = s.scalar(select(User.org_id).where(User.id == who.user_id))
            org = s.get(Organization, org_id) if org_id else None
            if org is None:
                raise NotFoundError(f"No organization with id {org_id!r}.")
            org.plan = plan
            row = s.get(OrgPlanLimits, org.id)
            if row is None:
                s.add(OrgPlanLimits(org_id=org.id, limits=custom))
            else:
                row.limits = custom
            self.authz.audit.append(
                s, who, "plan.changed", org_id=org.id, target=plan, details={"limits": custom}
            )
            return plan_view(org.id, plan, custom)

    def usage(self, who: Identity, project_id: str) -> dict:
        """The project's plan limits, what it used this day and month, and what it stores."""
        now = self.clock()
        with self.store.session() as s:
            self.authz.check(s, who, "project:read", project_id)
            _org, limits = self.project_limits(s, project_id)
            return {
                "limits": limits,
                "calls_today": self._used(s, f"project:{project_id}", "calls", now),
                "tokens_this_month": self._used(s, f"project:{project_id}", "tokens", now),
                **{r: count_stored(s, project_id, r) for r in STORED},
                "enforced": self.enabled,
            }

    def notifications(self, who: Identity, limit: int = 100) -> list[dict]:
        """The caller's organization's notifications, newest first."""
        with self.store.session() as s:
            grant = self.authz.check_current(s, who, "org:read")
            rows = s.scalars(
                select(Notification)
                .where(Notification.org_id == grant.org_id)
                .order_by(Notification.created_at.desc(), Notification.id)
                .limit(max(1, min(limit, 500)))
            )
            return [_notification(n) for n in rows]

    # -- internals -------------------------------------------------------------------------
    def _charge(
        self, s: Session, subject: str, metric: str, period: str, n: int, limit: int
    ) -> int | None:
        """The counter after charging ``n``, or None when that would pass ``limit``."""
        if limit != UNLIMITED and n > limit:
            return None
        table = QuotaCounter.__table__
        stmt = self._insert(table).values(subject=subject, metric=metric, period=period, used=n)
        stmt = stmt.on_conflict_do_update(
            index_elements=["subject", "metric", "period"],
            set_={"used": table.c.used + n},
            where=(table.c.used + n <= limit) if limit != UNLIMITED else None,
        ).returning(table.c.used)
        return s.execute(stmt).scalar()

    def _charge_or_raise(
        self, s: Session, subject: str, metric: str, day: str, limit: int, now: datetime, org: str
    ) -> None:
        used = self._charge(s, subject, metric, day, 1, limit)
        if used is None:
            name = "key_calls_per_day" if subject.startswith("key:") else "api_calls_per_day"
            raise quota_exceeded(name, limit, now)
        self.add_alerts(s, org, subject, "api_calls_per_day", limit, used, 1)

    def add_alerts(
        self, s: Session, org_id: str, subject: str, quota: str, limit: int, used: int, n: int
    ) -> None:
        """Add to ``s`` the notifications and events of the thresholds (80, 90, 100% of
        ``limit``) that ``subject``'s count crossed when ``n`` took it to ``used``."""
        for alert in threshold_alerts(org_id, subject, quota, limit, used, n):
            s.add(Notification(**alert.notification()))
            s.add(DomainEvent(**alert.event()))

    def _used(self, s: Session, subject: str, metric: str, now: datetime) -> int:
        period = now.strftime("%Y-%m-%d" if metric == "calls" else "%Y-%m")
        used = s.scalar(
            select(QuotaCounter.used).where(
                QuotaCounter.subject == subject,
                QuotaCounter.metric == metric,
                QuotaCounter.period == period,
            )
        )
        return int(used or 0)

    def _call_state(
        self, s: Session, project_id: str, now: datetime
    ) -> tuple[str | None, dict[str, int], int]:
        # One query on the hot path: organization, plan, custom limits, this month's tokens.
        tokens = QuotaCounter.__table__.alias("tokens")
        row = s.execute(
            select(Project.org_id, Organization.plan, OrgPlanLimits.limits, tokens.c.used)
            .join(Organization, Organization.id == Project.org_id)
            .outerjoin(OrgPlanLimits, OrgPlanLimits.org_id == Organization.id)
            .outerjoin(
                tokens,
                (tokens.c.subject == "project:" + Project.id)
                & (tokens.c.metric == "tokens")
                & (tokens.c.period == now.strftime("%Y-%m")),
            )
            .where(Project.id == project_id)
        ).first()
        if row is None:
            return None, limits_of("FREE"), 0
        return row[0], limits_of(row[1], row[2]), int(row[3] or 0)

    def project_limits(self, s: Session, project_id: str) -> tuple[str, dict[str, int]]:
        """The project's organization and the limits of its plan (custom ones laid over)."""
        # One query on the hot path: the project's organization, plan and custom limits.
        row = s.execute(
            select(Project.org_id, Organization.plan, OrgPlanLimits.limits)
            .join(Organization, Organization.id == Project.org_id)
            .outerjoin(OrgPlanLimits, OrgPlanLimits.org_id == Organization.id)
            .where(Project.id == project_id)
        ).first()
        return (row[0], limits_of(row[1], row[2])) if row else (None, limits_of("FREE"))

    def _org_limits(self, s: Session, org_id: str) -> dict[str, int]:
        row = s.execute(
            select(Organization.plan, OrgPlanLimits.limits)
            .outerjoin(OrgPlanLimits, OrgPlanLimits.org_id == Organization.id)
            .where(Organization.id == org_id)
        ).first()
        return limits_of(row[0], row[1]) if row else limits_of("FREE")


@dataclass(frozen=True)
class ThresholdAlert:
    """One quota threshold crossed: an in-app notification and a ``quota.threshold`` event."""

    org_id: str
    project_id: str | None
    message: str
    data: dict

    def notification(self) -> dict:
        return {
            "org_id": self.org_id,
            "project_id": self.project_id,
            "kind": "quota",
            "message": self.message,
            "data": self.data,
        }

    def event(self) -> dict:
        return {"type": "quota.threshold", "org_id": self.org_id, "payload": self.data}


def threshold_alerts(
    org_id: str, subject: str, quota: str, limit: int, used: int, n: int
) -> list[ThresholdAlert]:
    """The alerts due when a charge of ``n`` took ``subject``'s counter to ``used``.

    A counter only grows within its period and each charge sees its own before/after, so
    exactly one charge crosses each threshold: each alert is sent once per period.
    """
    if limit in (UNLIMITED, 0):
        return []
    alerts = []
    for pct in THRESHOLDS:
        mark = math.ceil(limit * pct / 100)
        if used - n < mark <= used:
            data = {"subject": subject, "quota": quota, "percent": pct, "limit": limit}
            project_id = subject.split(":", 1)[1] if subject.startswith("project:") else None
            message = f"{quota.replace('_', ' ')} of {subject} reached {pct}% ({used}/{limit})."
            alerts.append(ThresholdAlert(org_id, project_id, message, data))
    return alerts


def token_suspension(
    limits: dict[str, int],
    project_tokens: int,
    key_limit: int | None,
    key_tokens: int,
    now: datetime,
) -> QuotaExceededError | None:
    """The refusal while the month's tokens are used up: the project's (``limits``), or the
    key's own (``key_limit``, None: the key has none). None while calls may go on."""
    tokens = limits["tokens_per_month"]
    if tokens != UNLIMITED and project_tokens >= tokens:
        return quota_exceeded("tokens_per_month", tokens, now)
    if key_limit is not None and key_tokens >= key_limit:
        return quota_exceeded("key_tokens_per_month", key_limit, now)
    return None


def quota_exceeded(quota: str, limit: int, now: datetime) -> QuotaExceededError:
    if quota == "tokens_per_month":
        first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        reset = (first + timedelta(days=32)).replace(day=1)
    else:
        reset = now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    retry = max(1, math.ceil((reset - now).total_seconds()))
    return QuotaExceededError(
        f"The {quota.replace('_', ' ')} quota ({limit}) is used up until {reset.isoformat()}; "
        "a bigger plan lifts it at once.",
        quota=quota,
        limit=limit,
        retry_after=retry,
    )


def _count_query(resource: str, org_id: str):
    if resource == "projects":
        return select(func.count()).where(Project.org_id == org_id, Project.archived_at.is_(None))
    if resource == "api_keys":
        return (
            select(func.count())
            .select_from(ApiKey)
            .join(Project, Project.id == ApiKey.project_id)
            .where(Project.org_id == org_id, ApiKey.revoked_at.is_(None))
        )
    return select(func.count()).where(OrgMembership.org_id == org_id)


def plan_view(org_id: str, plan: str, custom: dict[str, int]) -> dict:
    """A plan as the API shows it: ``custom`` as it is set (null: unlimited), ``limits`` the
    plan's with them laid over (-1: unlimited, like the plans table)."""
    shown = {name: None if value == UNLIMITED else value for name, value in custom.items()}
    return {"org_id": org_id, "plan": plan, "custom": shown, "limits": limits_of(plan, custom)}


def _notification(n: Notification) -> dict:
    at = n.created_at
    return {
        "id": n.id,
        "kind": n.kind,
        "project_id": n.project_id,
        "message": n.message,
        "data": n.data,
        "created_at": at.isoformat() if at else None,
    }
