"""The HTTP side of API keys: find a request's ``Bearer askdb_`` key and authenticate it.

``AskDBHandler.prepare`` calls ``bearer_key`` first; a request without an AskDB key goes
through Jupyter's own authentication unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import QuotaExceededError, RateLimitedError
from ..quotas.ratelimit import WINDOW
from .manager import PREFIX, KeyContext, KeyRequest
from .network import client_ip
from .scopes import route_of

if TYPE_CHECKING:
    from ..base.handlers import AskDBHandler
    from ..quotas.ratelimit import RateResult
    from ..services import Services


def bearer_key(authorization: str | None) -> str | None:
    """The AskDB key of an ``Authorization: Bearer askdb_...`` header, else None."""
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value.startswith(PREFIX):
        return None
    return value


def request_ip(handler: AskDBHandler) -> str:
    """The client's address: the socket's peer, or the forwarded client when the peer is one
    of the configured ``trusted_proxies`` (``X-Forwarded-For`` is ignored otherwise, even
    when the Jupyter server trusts X-headers)."""
    request = handler.request
    context = getattr(request.connection, "context", None)
    peer = getattr(context, "_orig_remote_ip", None) or request.remote_ip or ""
    trusted = handler.settings.get("askdb_trusted_proxies") or []
    return client_ip(peer, request.headers.get("X-Forwarded-For"), trusted)


async def authenticate(handler: AskDBHandler, token: str) -> tuple[KeyContext, RateResult | None]:
    """The key's context for this request and its rate-limit state, or the AskDB error that
    refuses it (401, 403, or 429 past a rate limit)."""
    route, scope = route_of(type(handler).__name__, handler.request.method or "GET")
    request = KeyRequest(
        project_id=(handler.path_kwargs or {}).get("project_id"),
        route=route,
        scope=scope,
        method=handler.request.method or "GET",
        ip=request_ip(handler),
        user_agent=handler.request.headers.get("User-Agent", ""),
    )
    charge = getattr(handler, "charges_call", False)
    return await check(handler, token, request, charge)


async def check(
    handler: AskDBHandler, token: str, request: KeyRequest, charge: bool = False
) -> tuple[KeyContext, RateResult | None]:
    """One transaction for the whole check: the address's rate limit first (it also slows
    down guessing), then the key, then the key's own rate limit, then (``charge``) the
    call's quota. A refusal after the address's hit is raised after the commit, so that the
    hit and the key's activity row are kept.

    On PostgreSQL ``PgKeyGate`` runs it on the event loop (one statement for a key the
    process knows, no ORM); elsewhere ``check_with_orm`` on a guard thread, which is the
    reference the gate's tests compare it with."""
    services = handler.services
    if services.key_gate is not None:
        return await services.key_gate.check(token, request, charge)
    return await handler.call_guard(check_with_orm, services, token, request, charge)


def check_with_orm(
    services: Services, token: str, request: KeyRequest, charge: bool = False
) -> tuple[KeyContext, RateResult | None]:
    """``check`` through SQLAlchemy sessions in one transaction, on any store (blocking: run
    it on a worker thread)."""
    settings, limiter = services.settings, services.rate_limiter
    refusal: Exception | None = None
    rate = None
    with services.store.session() as s:
        limiter.hit(f"ip:{request.ip}", settings.ip_rate_limit, WINDOW, "per_ip", s)
        ctx, refusal = services.keys.check(s, token, request, log_success=False)
        if ctx is not None:
            try:
                rate = limiter.hit(
                    f"key:{ctx.key_id}", settings.key_rate_limit, WINDOW, "per_key", s
                )
                if charge:
                    services.quotas.charge_call(
                        ctx.project_id,
                        ctx.key_id,
                        ctx.calls_per_day,
                        s,
                        key_tokens=ctx.tokens_per_month,
                    )
            except (RateLimitedError, QuotaExceededError) as e:
                refusal = e
            services.keys.log(s, ctx.key_id, request, refusal)
    if refusal is not None:
        raise refusal
    return ctx, rate
