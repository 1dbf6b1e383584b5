"""The HTTP side of API keys: find a request's ``Bearer askdb_`` key and authenticate it.

``AskDBHandler.prepare`` calls ``bearer_key`` first; a request without an AskDB key goes
through Jupyter's own authentication unchanged. A request with one is described by a
``GuardRequest`` (built by the handler from its declared ``key_access``) and checked by a
key gate: ``PgKeyGate`` on PostgreSQL, ``OrmKeyGate`` (``check_with_orm`` on the guard's
threads) elsewhere. Nothing here sees the handler.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Mapping
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from ..errors import QuotaExceededError, RateLimitedError
from ..quotas.ratelimit import WINDOW
from .manager import PREFIX, KeyContext, KeyRequest

if TYPE_CHECKING:
    from ..quotas.manager import QuotaManager
    from ..quotas.ratelimit import RateLimiter, RateResult
    from ..store.db import Store
    from .manager import ApiKeyManager


def bearer_key(authorization: str | None) -> str | None:
    """The AskDB key of an ``Authorization: Bearer askdb_...`` header, else None."""
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value.startswith(PREFIX):
        return None
    return value


@dataclass(frozen=True)
class GuardRequest:
    """One request made with an API key, as the guard sees it: what was called, from which
    client address (already resolved through the trusted proxies), and what the called
    handler declares it needs (``route``, ``scope``; ``charge``: the call is charged to the
    quota with the key check, in one transaction)."""

    method: str
    path: str
    client_ip: str
    headers: Mapping[str, str]
    project_id: str | None
    route: str
    scope: str
    charge: bool = False

    def key_request(self) -> KeyRequest:
        """What the key manager checks a key against (and logs as its activity)."""
        return KeyRequest(
            project_id=self.project_id,
            route=self.route,
            scope=self.scope,
            method=self.method,
            ip=self.client_ip,
            user_agent=self.headers.get("User-Agent", ""),
        )


class KeyGate(Protocol):
    """Checks a key for one request: ``PgKeyGate`` or ``OrmKeyGate``."""

    async def check(
        self, token: str, request: KeyRequest, charge: bool = False
    ) -> tuple[KeyContext, RateResult | None]: ...


class GuardSettings(Protocol):
    ip_rate_limit: int
    key_rate_limit: int


class GuardParts(Protocol):
    """What ``check_with_orm`` works with (a ``Services`` has them all)."""

    @property
    def settings(self) -> GuardSettings: ...
    @property
    def store(self) -> Store: ...
    @property
    def rate_limiter(self) -> RateLimiter: ...
    @property
    def keys(self) -> ApiKeyManager: ...
    @property
    def quotas(self) -> QuotaManager: ...


async def authenticate(
    token: str, request: GuardRequest, gate: KeyGate
) -> tuple[KeyContext, RateResult | None]:
    """The key's context for this request and its rate-limit state, or the AskDB error that
    refuses it (401, 403, or 429 past a rate limit or quota).

    One transaction for the whole check: the address's rate limit first (it also slows
    down guessing), then the key, then the key's own rate limit, then (``request.charge``)
    the call's quota. A refusal after the address's hit is raised after the commit, so that
    the hit and the key's activity row are kept."""
    return await gate.check(token, request.key_request(), request.charge)


class OrmKeyGate:
    """``check_with_orm`` as a key gate: run on ``executor`` (the guard's own threads), off
    the event loop. The gate of stores without ``PgKeyGate``, and the reference the gate's
    tests compare ``PgKeyGate`` with."""

    def __init__(self, parts: GuardParts, executor: Executor | None = None) -> None:
        self.parts = parts
        self.executor = executor

    async def check(
        self, token: str, request: KeyRequest, charge: bool = False
    ) -> tuple[KeyContext, RateResult | None]:
        loop = asyncio.get_running_loop()
        check = functools.partial(check_with_orm, self.parts, token, request, charge)
        return await loop.run_in_executor(self.executor, check)


def check_with_orm(
    parts: GuardParts, token: str, request: KeyRequest, charge: bool = False
) -> tuple[KeyContext, RateResult | None]:
    """The whole check (see ``authenticate``) through SQLAlchemy sessions in one
    transaction, on any store (blocking: run it on a worker thread)."""
    settings, limiter = parts.settings, parts.rate_limiter
    refusal: Exception | None = None
    rate = None
    with parts.store.session() as s:
        limiter.hit(f"ip:{request.ip}", settings.ip_rate_limit, WINDOW, "per_ip", s)
        ctx, refusal = parts.keys.check(s, token, request, log_success=False)
        if ctx is not None:
            try:
                rate = limiter.hit(
                    f"key:{ctx.key_id}", settings.key_rate_limit, WINDOW, "per_key", s
                )
                if charge:
                    parts.quotas.charge_call(
                        ctx.project_id,
                        ctx.key_id,
                        ctx.calls_per_day,
                        s,
                        key_tokens=ctx.tokens_per_month,
                    )
            except (RateLimitedError, QuotaExceededError) as e:
                refusal = e
            parts.keys.log(s, ctx.key_id, request, refusal)
    if refusal is not None:
        raise refusal
    assert ctx is not None  # no context comes with a refusal
    return ctx, rate
