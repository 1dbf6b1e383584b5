"""API keys: create, list, change, revoke, rotate, and authenticate a request's key.

A key reads ``askdb_<id>_<secret>``: the id finds the row, the secret proves possession. Only
SHA-256 of the secret is stored. A slow password hash (argon2) is not needed here: the secret
is 256 random bits (``secrets.token_urlsafe(32)``), so a leaked hash cannot be brute-forced,
and a fast hash keeps the check off the hot path's budget. Hashes are compared with
``hmac.compare_digest``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.orm import Session

from ..audit.log import AuditLog
from ..authz.authorizer import Authorizer
from ..errors import (
    ApiKeyForbiddenError,
    ApiKeyNotFoundError,
    ApiKeyRejectedError,
    InvalidInputError,
)
from ..identity.who import Identity
from ..quotas.plans import MAX_LIMIT, check_limit
from ..store.db import Store
from ..store.models import ApiKey, ApiKeyActivity, Project, User, new_id, utcnow
from .network import check_allow_list, ip_allowed
from .scopes import check_endpoints, check_scopes, grants

if TYPE_CHECKING:
    from ..quotas.manager import QuotaManager

PREFIX = "askdb_"
LAST_USED_EVERY = timedelta(seconds=60)
INVALID = "The API key is not valid."
FIELDS = {
    "name",
    "notes",
    "scopes",
    "endpoints",
    "ip_allow",
    "expires_at",
    "calls_per_day",
    "tokens_per_month",
}
# A key's own quotas and the most each column holds (calls_per_day is a 32-bit INTEGER).
QUOTA_FIELDS = {"calls_per_day": 2**31 - 1, "tokens_per_month": MAX_LIMIT}
_DUMMY_HASH = hashlib.sha256(b"no such key").hexdigest()


@dataclass(frozen=True)
class KeyRequest:
    """What a request made with a key asks for: where, from where, and with which scope."""

    project_id: str | None
    route: str
    scope: str
    method: str = "GET"
    ip: str = ""
    user_agent: str = ""


@dataclass(frozen=True)
class KeyContext:
    """An authenticated key: it acts as ``user_id`` on ``project_id`` within ``scopes``."""

    key_id: str
    project_id: str
    user_id: str
    username: str
    scopes: tuple[str, ...]
    calls_per_day: int | None = None
    tokens_per_month: int | None = None

    @property
    def identity(self) -> Identity:
        return Identity(self.user_id, self.username)


class ApiKeyManager:
    def __init__(
        self,
        store: Store,
        authz: Authorizer,
        audit: AuditLog,
        *,
        quotas: QuotaManager,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        """``quotas``: the plan's count of API keys."""
        self.store = store
        self.authz = authz
        self.audit = audit
        self.clock = clock
        self.quotas = quotas

    # -- management ------------------------------------------------------------------------
    def create(self, who: Identity, project_id: str, fields: dict) -> tuple[dict, str]:
        """A new key from ``fields`` (name, scopes, notes, endpoints, ip_allow, expires_at,
        calls_per_day): its description and the key itself, which is never shown again."""
        with self.store.session() as s:
            self._authorize(s, who, project_id)
            org_id = s.scalar(select(Project.org_id).where(Project.id == project_id))
            self.quotas.require_room(s, org_id, "api_keys")
            token, key = self._new_key(project_id, who.user_id, fields)
            s.add(key)
            s.flush()
            self.audit.append(s, who, "key.created", project_id=project_id, target=key.id)
            return _view(key), token

    def list(self, who: Identity, project_id: str) -> list[dict]:
        """The project's keys, newest first (revoked ones included, marked so)."""
        with self.store.session() as s:
            self._authorize(s, who, project_id)
            keys = s.scalars(
                select(ApiKey)
                .where(ApiKey.project_id == project_id)
                .order_by(ApiKey.created_at.desc(), ApiKey.id)
            )
            return [_view(k) for k in keys]

    def get(self, who: Identity, project_id: str, key_id: str) -> dict:
        with self.store.session() as s:
            return _view(self._key(s, who, project_id, key_id))

    def update(self, who: Identity, project_id: str, key_id: str, fields: dict) -> dict:
        """Change name, notes, scopes, endpoints, ip_allow or expires_at."""
        unknown = set(fields) - FIELDS
        if unknown:
            raise InvalidInputError(f"Unknown field(s): {', '.join(sorted(unknown))}.")
        with self.store.session() as s:
            key = self._key(s, who, project_id, key_id)
            _apply(key, fields, self.clock())
            _changed(key)
            self.audit.append(s, who, "key.updated", project_id=project_id, target=key.id)
            s.flush()
            return _view(key)

    def revoke(self, who: Identity, project_id: str, key_id: str) -> dict:
        """Stop the key at once (idempotent)."""
        with self.store.session() as s:
            key = self._key(s, who, project_id, key_id)
            if key.revoked_at is None:
                key.revoked_at = self.clock()
                _changed(key)
                self.audit.append(s, who, "key.revoked", project_id=project_id, target=key.id)
            return _view(key)

    def rotate(
        self, who: Identity, project_id: str, key_id: str, overlap_seconds: int
    ) -> tuple[dict, str]:
        """A new key with the old one's settings; the old one works ``overlap_seconds`` more."""
        if not isinstance(overlap_seconds, int) or not 0 <= overlap_seconds <= 30 * 86400:
            raise InvalidInputError("overlap_seconds must be an integer from 0 to 2592000.")
        with self.store.session() as s:
            old = self._key(s, who, project_id, key_id)
            if old.revoked_at is not None or old.replaced_by is not None:
                raise InvalidInputError("Only a live key that was not rotated can be rotated.")
            fields = {
                "name": old.name,
                "notes": old.notes,
                "scopes": old.scopes,
                "endpoints": old.endpoints,
                "ip_allow": old.ip_allow,
                "calls_per_day": old.calls_per_day,
                "tokens_per_month": old.tokens_per_month,
            }
            token, new = self._new_key(project_id, who.user_id, fields)
            new.expires_at = old.expires_at
            s.add(new)
            old.replaced_by = new.id
            old.overlap_until = self.clock() + timedelta(seconds=overlap_seconds)
            _changed(old)
            s.flush()
            self.audit.append(s, who, "key.rotated", project_id=project_id, target=old.id)
            return _view(new), token

    def activity(self, who: Identity, project_id: str, key_id: str, limit: int = 100) -> dict:
        """The key's latest requests (newest first) and its usage statistics."""
        with self.store.session() as s:
            key = self._key(s, who, project_id, key_id)
            rows = s.scalars(
                select(ApiKeyActivity)
                .where(ApiKeyActivity.key_id == key.id)
                .order_by(ApiKeyActivity.at.desc(), ApiKeyActivity.id)
                .limit(max(1, min(limit, 1000)))
            )
            return {"activity": [_activity(a) for a in rows], "stats": self._stats(s, key)}

    # -- authentication --------------------------------------------------------------------
    def authenticate(self, token: str, request: KeyRequest) -> KeyContext:
        """The context of ``token`` for ``request``, or ApiKeyRejectedError (401: unknown,
        wrong, revoked, expired, rotated out) / ApiKeyForbiddenError (403: scope, endpoint,
        project, network). A recognised key's request is logged either way."""
        with self.store.session() as s:
            ctx, error = self.check(s, token, request)
        if error is not None:
            raise error
        return ctx

    def check(
        self, s: Session, token: str, request: KeyRequest, log_success: bool = True
    ) -> tuple[KeyContext | None, Exception | None]:
        """``authenticate`` inside the caller's session, returning the refusal instead of
        raising it, so that the caller commits the activity row (and its rate-limit hits).
        ``log_success=False``: the caller logs an admitted key's request itself (``log``),
        once it knows whether its rate limit and quota let it through."""
        try:
            key_id, secret = parse_token(token)
        except ApiKeyRejectedError as e:
            return None, e
        row = s.execute(
            select(ApiKey, User.username)
            .join(User, User.id == ApiKey.created_by)
            .where(ApiKey.id == key_id)
        ).first()
        if not secret_matches(row[0].secret_hash if row else None, secret):
            return None, ApiKeyRejectedError(INVALID, reason="invalid")
        key, username = row
        now = self.clock()
        error = refusal(key, request, now)
        if error is not None or log_success:
            self.log(s, key.id, request, error)
        if error is not None:
            return None, error
        if touch_due(key.last_used_at, now):  # skip the round trip when recent
            self._touch(s, key.id, now)
        return context(key, username), None

    def log(self, s: Session, key_id: str, request: KeyRequest, error: Exception | None) -> None:
        """Add the activity row of a request made with key ``key_id`` to session ``s``."""
        s.add(ApiKeyActivity(**activity_row(key_id, request, self.clock(), error)))

    # -- internals -------------------------------------------------------------------------
    def _touch(self, s: Session, key_id: str, now: datetime) -> None:
        # One conditional UPDATE: across processes, last_used_at is written at most once a
        # minute per key instead of on every request.
        s.execute(
            update(ApiKey)
            .where(
                ApiKey.id == key_id,
                or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < now - LAST_USED_EVERY),
            )
            .values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )

    def _stats(self, s: Session, key: ApiKey) -> dict:
        since = self.clock() - timedelta(days=1)
        where = ApiKeyActivity.key_id == key.id
        total, ok = s.execute(
            select(func.count(), func.sum(case((ApiKeyActivity.success, 1), else_=0))).where(where)
        ).one()
        day = s.scalar(select(func.count()).where(where, ApiKeyActivity.at >= since))
        by_endpoint = dict(
            s.execute(
                select(ApiKeyActivity.endpoint, func.count())
                .where(where)
                .group_by(ApiKeyActivity.endpoint)
            ).all()
        )
        return {
            "requests": total,
            "succeeded": int(ok or 0),
            "refused": total - int(ok or 0),
            "last_24h": day,
            "by_endpoint": by_endpoint,
            "last_used_at": _iso(key.last_used_at),
        }

    def _authorize(self, s: Session, who: Identity, project_id: str) -> None:
        # keys:manage in the project's organization: the caller's current one lends nothing.
        self.authz.check_project_org(s, who, "keys:manage", project_id)

    def _key(self, s: Session, who: Identity, project_id: str, key_id: str) -> ApiKey:
        self._authorize(s, who, project_id)
        key = s.get(ApiKey, key_id)
        if key is None or key.project_id != project_id:
            raise ApiKeyNotFoundError(f"No API key with id {key_id!r} in this project.")
        return key

    def _new_key(self, project_id: str, user_id: str, fields: dict) -> tuple[str, ApiKey]:
        unknown = set(fields) - FIELDS
        if unknown:
            raise InvalidInputError(f"Unknown field(s): {', '.join(sorted(unknown))}.")
        if "scopes" not in fields:
            raise InvalidInputError("scopes is required: the key may do nothing else.")
        key_id = secrets.token_hex(8)
        secret = secrets.token_urlsafe(32)
        key = ApiKey(
            id=key_id,
            project_id=project_id,
            created_by=user_id,
            secret_hash=_hash(secret),
            name="",
            notes="",
            created_at=self.clock(),
        )
        _apply(key, {"name": fields.get("name", ""), **fields}, self.clock())
        return f"{PREFIX}{key_id}_{secret}", key


def parse_token(token: str) -> tuple[str, str]:
    """(id, secret) of ``askdb_<id>_<secret>``, or ApiKeyRejectedError."""
    if not token.startswith(PREFIX):
        raise ApiKeyRejectedError(INVALID, reason="invalid")
    key_id, _, secret = token[len(PREFIX) :].partition("_")
    if not key_id or not secret or len(key_id) > 32 or len(secret) > 256:
        raise ApiKeyRejectedError(INVALID, reason="invalid")
    return key_id, secret


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _aware(dt: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; every time in the store is UTC.
    return dt.replace(tzinfo=timezone.utc) if dt is not None and dt.tzinfo is None else dt


def _iso(dt: datetime | None) -> str | None:
    return _aware(dt).isoformat() if dt is not None else None


def context(key: ApiKey, username: str) -> KeyContext:
    """The context an admitted key acts in (``key``: the row or anything with its fields)."""
    return KeyContext(
        key.id,
        key.project_id,
        key.created_by,
        username,
        tuple(key.scopes),
        key.calls_per_day,
        key.tokens_per_month,
    )


def secret_matches(stored_hash: str | None, secret: str) -> bool:
    """Whether ``secret`` hashes to ``stored_hash``; as slow for an unknown key (None), so
    that timing does not tell ids apart."""
    ok = hmac.compare_digest(stored_hash or _DUMMY_HASH, _hash(secret))
    return ok and stored_hash is not None


def touch_due(last_used_at: datetime | None, now: datetime) -> bool:
    """Whether last_used_at is old enough to be written again (at most once a minute)."""
    last = _aware(last_used_at)
    return last is None or now - last >= LAST_USED_EVERY


def refusal(key: ApiKey, r: KeyRequest, now: datetime) -> Exception | None:
    """Why ``key`` may not serve request ``r`` at ``now`` (None: it may); ``key`` is the row
    or anything with its fields."""
    if key.revoked_at is not None:
        return ApiKeyRejectedError("This API key was revoked.", reason="revoked")
    if key.overlap_until is not None and now >= _aware(key.overlap_until):
        return ApiKeyRejectedError(
            "This API key was replaced by a rotation and its overlap has ended.", reason="rotated"
        )
    if key.expires_at is not None and now >= _aware(key.expires_at):
        return ApiKeyRejectedError("This API key has expired.", reason="expired")
    if not ip_allowed(r.ip, key.ip_allow):
        return ApiKeyForbiddenError(
            f"Requests from {r.ip} are outside this API key's IP allow-list.", reason="network"
        )
    if r.project_id != key.project_id:
        return ApiKeyForbiddenError(
            "This API key works only on its own project's endpoints.", reason="project"
        )
    if key.endpoints is not None and r.route not in key.endpoints:
        return ApiKeyForbiddenError(
            f"This API key may not call endpoint {r.route!r}.", reason="endpoint"
        )
    if not grants(key.scopes, r.scope):
        return ApiKeyForbiddenError(
            f"This API key lacks scope {r.scope!r}, which endpoint {r.route!r} needs.",
            reason="scope",
        )
    return None


def activity_row(key_id: str, r: KeyRequest, now: datetime, error: Exception | None) -> dict:
    """The columns of the activity row of request ``r``; ``error``: why it was refused (a
    key's rule, its rate limit or a quota), None when it was let through."""
    reason = getattr(error, "reason", None) or getattr(error, "code", None)
    return {
        "id": new_id(),
        "key_id": key_id,
        "at": now,
        "endpoint": r.route[:64],
        "method": r.method[:8],
        "ip": r.ip[:45] or None,
        "user_agent": r.user_agent[:512] or None,
        "success": error is None,
        "reason": reason[:64] if reason else None,
    }


def _changed(key: ApiKey) -> None:
    # In SQL (version = version + 1), so that two concurrent changes both count: a process's
    # cached copy of the key (PgKeyGate) goes stale at the first one.
    key.version = ApiKey.version + 1


def _apply(key: ApiKey, fields: dict, now: datetime) -> None:
    """Validate ``fields`` and set them on ``key``."""
    if "name" in fields:
        name = str(fields["name"] or "").strip()
        if not name or len(name) > 255:
            raise InvalidInputError("A key needs a name of 1 to 255 characters.")
        key.name = name
    if "notes" in fields:
        key.notes = str(fields["notes"] or "")
    if "scopes" in fields:
        key.scopes = check_scopes(fields["scopes"])
    if "endpoints" in fields:
        key.endpoints = check_endpoints(fields["endpoints"])
    if "ip_allow" in fields:
        key.ip_allow = check_allow_list(fields["ip_allow"])
    if "expires_at" in fields:
        key.expires_at = _expiry(fields["expires_at"], now)
    for name, most in QUOTA_FIELDS.items():
        if name in fields:
            setattr(key, name, check_limit(name, fields[name], most))


def _expiry(value: object, now: datetime) -> datetime | None:
    if value is None:
        return None
    try:
        when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError as e:
        raise InvalidInputError(f"expires_at is not an ISO 8601 date-time: {value!r}.") from e
    when = _aware(when)
    if when <= now:
        raise InvalidInputError("expires_at must be in the future.")
    return when


def _view(k: ApiKey) -> dict:
    return {
        "id": k.id,
        "project_id": k.project_id,
        "name": k.name,
        "notes": k.notes,
        "scopes": list(k.scopes),
        "endpoints": k.endpoints,
        "ip_allow": k.ip_allow,
        "prefix": f"{PREFIX}{k.id}_",
        "created_by": k.created_by,
        "created_at": _iso(k.created_at),
        "expires_at": _iso(k.expires_at),
        "revoked_at": _iso(k.revoked_at),
        "replaced_by": k.replaced_by,
        "overlap_until": _iso(k.overlap_until),
        "last_used_at": _iso(k.last_used_at),
        "calls_per_day": k.calls_per_day,
        "tokens_per_month": k.tokens_per_month,
    }


def _activity(a: ApiKeyActivity) -> dict:
    return {
        "at": _iso(a.at),
        "endpoint": a.endpoint,
        "method": a.method,
        "ip": a.ip,
        "user_agent": a.user_agent,
        "success": a.success,
        "reason": a.reason,
    }
