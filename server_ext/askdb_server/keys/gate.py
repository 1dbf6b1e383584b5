"""The API-key guard on PostgreSQL: both rate limits, the key check, the quota charge and the
activity row in ONE statement per request, with psycopg and no ORM.

A process keeps the keys it has seen (the row: secret hash, rules, plan and custom limits,
with the key's ``version``), so the secret and the key's rules (``refusal``, shared with the
ORM path) are checked in Python without a round trip. The request is then one statement of
data-modifying CTEs::

    WITH live AS (SELECT version, plan, limits, this month's tokens ... WHERE k.id = :key),
         fresh AS (SELECT FROM live WHERE version = :v AND plan = :plan AND limits = :limits),
         ip AS (INSERT INTO rate_limits ... SELECT ... FROM fresh ON CONFLICT DO UPDATE ...
                WHERE <in window> RETURNING tat),
         kr AS (... the key's own GCRA hit, only after ip ...),
         kc AS (INSERT INTO quota_counters ... SELECT ... FROM <tokens left, after kr>
                ON CONFLICT DO UPDATE SET used = used + 1 WHERE used + 1 <= :limit
                RETURNING used),
         pc AS (... the project's counter, only after kc ...),
         act AS (INSERT INTO api_key_activity ...), touch AS (UPDATE api_keys ...)
    SELECT ...

Every write depends on ``fresh``: a key that was changed (revoked, rotated, given other
rules: the manager bumps its version), a plan or custom limits that changed, write nothing,
and the request takes the cold path: the address's hit and the key read in one statement,
the rules checked, then the statement above. A wrong secret or a refused rule also takes it,
so the address's limit slows guessing down as on the ORM path. Each counter is checked and
charged by one upsert, so processes serialize on its row and never admit more than the
limit; one statement is atomic, so a request's hits, charges and activity row are written
together or not at all.

Rarely a short transaction follows: the alerts of a threshold this charge crossed, or giving
the key's call back when the project's counter refused the request. A crash just before it
loses that alert, or leaves the key's counter one call high (refusing too early, never
admitting too much).

The decisions are those of ``guard.check_with_orm`` (the SQLite path); the tests run one
table of cases through both and compare the outcomes, counters and activity rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import psycopg
from psycopg.types.json import Json

from ..errors import ApiKeyRejectedError
from ..quotas.manager import (
    ThresholdAlert,
    quota_exceeded,
    threshold_alerts,
    token_suspension,
)
from ..quotas.plans import UNLIMITED, limits_of
from ..quotas.ratelimit import WINDOW, RateResult, admitted, refused
from ..store.models import new_id
from .manager import (
    INVALID,
    LAST_USED_EVERY,
    KeyContext,
    KeyRequest,
    activity_row,
    context,
    parse_token,
    refusal,
    secret_matches,
)

if TYPE_CHECKING:
    from ..quotas.manager import QuotaManager
    from ..quotas.ratelimit import RateLimiter
    from ..settings import Settings
    from ..store.raw import AsyncRawPool
    from .manager import ApiKeyManager


def _gcra_hit(bucket: str, step: str, source: str, on: str) -> str:
    """A CTE's body: one GCRA hit on the bucket named by parameter ``bucket`` (the upsert of
    ``quotas/ratelimit.py``), made only when parameter ``on`` is true and ``source`` (a FROM
    clause, or '') has a row; its RETURNING is empty when the hit is refused."""
    return f"""
    INSERT INTO rate_limits (bucket, tat)
    SELECT %({bucket})s, %(now)s + %({step})s {source} WHERE %({on})s
    ON CONFLICT (bucket) DO UPDATE SET tat = GREATEST(rate_limits.tat, %(now)s) + %({step})s
    WHERE GREATEST(rate_limits.tat, %(now)s) + %({step})s - %(now)s <= %(period)s + 1e-9
    RETURNING tat"""


def _charge(subject: str, limit: str, source: str, condition: str) -> str:
    """A CTE's body: one call charged to the daily counter named by parameter ``subject`` when
    ``condition`` holds for the row of ``source``, within parameter ``limit`` (-1 unlimited;
    0 admits nothing, not even a counter's first row); its RETURNING is empty when refused."""
    return f"""
    INSERT INTO quota_counters (subject, metric, period, used)
    SELECT %({subject})s, 'calls', %(day)s, 1 FROM {source}
    WHERE {condition} AND %({limit})s::bigint <> 0
    ON CONFLICT (subject, metric, period) DO UPDATE SET used = quota_counters.used + 1
    WHERE %({limit})s::bigint < 0 OR quota_counters.used + 1 <= %({limit})s::bigint
    RETURNING used"""


KEY = """
SELECT k.id, k.project_id, k.created_by, u.username, k.secret_hash, k.scopes, k.endpoints,
       k.ip_allow, k.expires_at, k.revoked_at, k.overlap_until, k.calls_per_day,
       k.tokens_per_month, k.version, p.org_id, o.plan, l.limits,
       COALESCE(l.limits::text, '') AS limits_text
FROM api_keys k
JOIN users u ON u.id = k.created_by
JOIN projects p ON p.id = k.project_id
JOIN organizations o ON o.id = p.org_id
LEFT JOIN org_plan_limits l ON l.org_id = o.id
WHERE k.id = %(key_id)s
"""

# The cold path's first statement: the address's GCRA hit and the key. The second sub-select
# sees the statement's snapshot, from before the hit: the TAT that refused it, if it was.
LOOKUP = f"""
WITH hit AS ({_gcra_hit("bucket", "step", "", "ip_on")})
SELECT (SELECT tat FROM hit) AS ip_tat,
       (SELECT tat FROM rate_limits WHERE bucket = %(bucket)s) AS ip_current,
       key.*
FROM (SELECT) AS one LEFT JOIN ({KEY}) AS key ON true
"""

# The one statement of a request whose key this process knows: ``fresh`` holds while the
# stored key, plan and custom limits are the ones the process checked, and every write below
# depends on it. Then the address's and the key's GCRA hits, the month's tokens (the project
# or key is suspended once they are used up), the key's and the project's daily counters,
# the activity row and last-used, each step only when the one before let the request
# through. A limit of -1 is unlimited; 0 admits nothing (not even a counter's first row).
# ``verdict`` names the refusal as the activity log records it ('stale': nothing written).
ADMIT = f"""
WITH live AS (
    SELECT k.version, o.plan, COALESCE(l.limits::text, '') AS limits_text,
           COALESCE(pt.used, 0) AS project_tokens, COALESCE(kt.used, 0) AS key_tokens
    FROM api_keys k
    JOIN projects p ON p.id = k.project_id
    JOIN organizations o ON o.id = p.org_id
    LEFT JOIN org_plan_limits l ON l.org_id = o.id
    LEFT JOIN quota_counters pt
           ON pt.subject = %(project_subject)s AND pt.metric = 'tokens' AND pt.period = %(month)s
    LEFT JOIN quota_counters kt
           ON kt.subject = %(key_subject)s AND kt.metric = 'tokens' AND kt.period = %(month)s
    WHERE k.id = %(key_id)s),
fresh AS (
    SELECT FROM live
    WHERE version = %(version)s AND plan = %(plan)s AND limits_text = %(limits_text)s),
ip AS ({_gcra_hit("ip_bucket", "ip_step", "FROM fresh", "ip_on")}),
ip_ok AS (SELECT FROM fresh WHERE NOT %(ip_on)s OR EXISTS (SELECT FROM ip)),
kr AS ({_gcra_hit("bucket", "step", "FROM ip_ok", "rate_on")}),
rate_ok AS (SELECT FROM ip_ok WHERE NOT %(rate_on)s OR EXISTS (SELECT FROM kr)),
within AS (
    SELECT FROM rate_ok, live
    WHERE NOT %(charging)s
       OR ((%(tokens_limit)s::bigint < 0 OR live.project_tokens < %(tokens_limit)s::bigint)
           AND (%(key_tokens_limit)s::bigint < 0
                OR live.key_tokens < %(key_tokens_limit)s::bigint))),
kc AS ({_charge("key_subject", "key_limit", "within", "%(key_on)s")}),
pc AS ({
    _charge(
        "project_subject",
        "project_limit",
        "within",
        "%(project_on)s AND (NOT %(key_on)s OR EXISTS (SELECT FROM kc))",
    )
}),
verdict AS (
    SELECT CASE
        WHEN NOT EXISTS (SELECT FROM fresh) THEN 'stale'
        WHEN NOT EXISTS (SELECT FROM ip_ok) THEN 'per_ip'
        WHEN NOT EXISTS (SELECT FROM rate_ok) THEN 'rate_limited'
        WHEN NOT EXISTS (SELECT FROM within) THEN 'quota_exceeded'
        WHEN %(key_on)s AND NOT EXISTS (SELECT FROM kc) THEN 'quota_exceeded'
        WHEN %(project_on)s AND NOT EXISTS (SELECT FROM pc) THEN 'quota_exceeded'
    END AS reason),
act AS (
    INSERT INTO api_key_activity
        (id, key_id, at, endpoint, method, ip, user_agent, success, reason)
    SELECT %(id)s, %(key_id)s, %(at)s, %(endpoint)s, %(method)s, %(ip)s, %(user_agent)s,
           reason IS NULL, reason
    FROM verdict WHERE reason IS NULL OR reason NOT IN ('stale', 'per_ip')),
touch AS (
    UPDATE api_keys SET last_used_at = %(at)s
    WHERE id = %(key_id)s AND EXISTS (SELECT FROM ip_ok)
      AND (last_used_at IS NULL OR last_used_at < %(stale)s))
SELECT (SELECT reason FROM verdict) AS reason,
       (SELECT tat FROM rate_limits WHERE bucket = %(ip_bucket)s) AS ip_current,
       (SELECT tat FROM kr) AS tat,
       (SELECT tat FROM rate_limits WHERE bucket = %(bucket)s) AS current,
       (SELECT used FROM kc) AS key_used,
       (SELECT used FROM pc) AS project_used,
       (SELECT project_tokens FROM live) AS project_tokens,
       (SELECT key_tokens FROM live) AS key_tokens
"""

ACTIVITY = """
INSERT INTO api_key_activity (id, key_id, at, endpoint, method, ip, user_agent, success, reason)
VALUES (%(id)s, %(key_id)s, %(at)s, %(endpoint)s, %(method)s, %(ip)s, %(user_agent)s,
        %(success)s, %(reason)s)
"""
GIVE_BACK = """
UPDATE quota_counters SET used = used - 1
WHERE subject = %(subject)s AND metric = 'calls' AND period = %(day)s
"""
NOTIFY = """
INSERT INTO notifications (id, org_id, project_id, kind, message, data, created_at)
VALUES (%(id)s, %(org_id)s, %(project_id)s, %(kind)s, %(message)s, %(data)s, %(at)s)
"""
EVENT = """
INSERT INTO domain_events (id, type, org_id, payload, created_at)
VALUES (%(id)s, %(type)s, %(org_id)s, %(payload)s, %(at)s)
"""


STALE = object()  # the stored key, plan or limits changed since this process read them
CACHE_SIZE = 10_000


class PgKeyGate:
    """``guard.check_with_orm`` for a PostgreSQL store, awaited on the event loop with
    ``store.raw_async``'s connections (no worker thread).

    Keys this process has seen are kept (``_keys``: id -> the key's row), so that the secret
    and the key's rules are checked without a round trip; the one statement of the request
    then writes nothing unless the stored key, plan and limits are still the ones checked.
    A changed key (version), plan or custom limits, a wrong secret, a refused rule or a key
    never seen takes the cold path: read it (with the address's hit), check, then admit.
    """

    def __init__(
        self,
        pool: AsyncRawPool,
        settings: Settings,
        limiter: RateLimiter,
        keys: ApiKeyManager,
        quotas: QuotaManager,
    ) -> None:
        """``pool``: the PostgreSQL store's ``raw_async`` connections. The rate limits are read
        from ``settings`` per request; the clocks are those of ``limiter``, ``keys`` and
        ``quotas``, whose ``enabled`` decides whether a request is charged."""
        self.pool = pool
        self.settings = settings
        self.limiter = limiter
        self.api_keys = keys
        self.quotas = quotas
        # id -> the key's row as LOOKUP reads it (a psycopg namedtuple row)
        self._keys: dict[str, Any] = {}

    async def check(
        self, token: str, request: KeyRequest, charge: bool = False
    ) -> tuple[KeyContext, RateResult | None]:
        """The key's context and rate-limit state, or the AskDB error refusing the request;
        awaited on the event loop. A connection the server dropped is replaced and the check
        run once more (nothing of a statement that did not come back was committed)."""
        for attempt in (1, 2):
            try:
                ctx, rate, error = await self._check(token, request, charge)
                break
            except psycopg.OperationalError:
                if attempt == 2:
                    raise
                self.pool.close()  # a server that dropped one dropped the idle ones too
        if error is not None:
            raise error
        return ctx, rate

    async def _check(self, token: str, request: KeyRequest, charge: bool):
        clocks = self.limiter.clock(), self.api_keys.clock(), self.quotas.clock()
        try:
            key_id, secret = parse_token(token)
        except ApiKeyRejectedError as e:
            return await self._cold(None, "", request, charge, clocks, e)
        row = self._keys.get(key_id)
        if (
            row is not None
            and secret_matches(row.secret_hash, secret)
            and refusal(row, request, clocks[1]) is None
        ):
            async with self.pool.cursor() as cur:
                outcome = await self._admit(cur, row, request, charge, clocks, ip_on=True)
            if outcome is not STALE:
                return outcome
        return await self._cold(key_id, secret, request, charge, clocks)

    async def _cold(self, key_id, secret, request, charge, clocks, parse_error=None):
        """Read the key with the address's hit, check it, then admit the request."""
        now_s, now, today = clocks
        ip_limit = self.settings.ip_rate_limit
        async with self.pool.cursor() as cur:
            for attempt in range(3):  # the key or plan may change between the two statements
                await cur.execute(
                    LOOKUP,
                    {
                        "bucket": f"ip:{request.ip}",
                        "now": now_s,
                        "step": _step(ip_limit),
                        "period": WINDOW,
                        "ip_on": ip_limit > 0 and attempt == 0,
                        "key_id": key_id,
                    },
                )
                row = await cur.fetchone()
                if ip_limit > 0 and attempt == 0 and row.ip_tat is None:
                    return None, None, refused(row.ip_current, now_s, ip_limit, WINDOW, "per_ip")
                if parse_error is not None:
                    return None, None, parse_error
                if not secret_matches(row.secret_hash, secret):
                    # A known key stays known (a wrong guess must not cost its owner the
                    # cache), a deleted one is forgotten.
                    if row.id is None:
                        self._keys.pop(key_id, None)
                    return None, None, ApiKeyRejectedError(INVALID, reason="invalid")
                error = refusal(row, request, now)
                if error is not None:
                    self._keys.pop(row.id, None)
                    await cur.execute(ACTIVITY, activity_row(row.id, request, now, error))
                    return None, None, error
                outcome = await self._admit(cur, row, request, charge, clocks, ip_on=False)
                if outcome is not STALE:
                    if len(self._keys) >= CACHE_SIZE:
                        self._keys.clear()
                    self._keys[row.id] = row
                    return outcome
        raise RuntimeError("the API key kept changing while it was checked")

    async def _admit(self, cur, row, request, charge, clocks, ip_on):
        """The request's one statement, then what its result means: (context, rate state,
        refusal), or STALE. Alerts due and a key's call to give back follow in a short
        transaction of their own (rare)."""
        now_s, now, today = clocks
        ip_limit, rate_limit = self.settings.ip_rate_limit, self.settings.key_rate_limit
        limits = limits_of(row.plan, row.limits)
        charging = charge and self.quotas.enabled
        key_on = charging and row.calls_per_day is not None
        day = today.strftime("%Y-%m-%d")
        params = {
            **activity_row(row.id, request, now, None),
            "version": row.version,
            "plan": row.plan,
            "limits_text": row.limits_text,
            "month": today.strftime("%Y-%m"),
            "ip_on": ip_on and ip_limit > 0,
            "ip_bucket": f"ip:{request.ip}",
            "ip_step": _step(ip_limit),
            "bucket": f"key:{row.id}",
            "now": now_s,
            "step": _step(rate_limit),
            "period": WINDOW,
            "rate_on": rate_limit > 0,
            "charging": charging,
            "tokens_limit": limits["tokens_per_month"],
            "key_tokens_limit": _or_unlimited(row.tokens_per_month),
            "key_on": key_on,
            "key_subject": f"key:{row.id}",
            "key_limit": _or_unlimited(row.calls_per_day),
            "project_on": charging,
            "project_subject": f"project:{row.project_id}",
            "project_limit": limits["api_calls_per_day"],
            "day": day,
            "stale": now - LAST_USED_EVERY,
        }
        await cur.execute(ADMIT, params)
        result = await cur.fetchone()
        reason = result.reason
        if reason == "stale":
            return STALE
        if reason == "per_ip":
            return None, None, refused(result.ip_current, now_s, ip_limit, WINDOW, "per_ip")
        if reason == "rate_limited":
            return None, None, refused(result.current, now_s, rate_limit, WINDOW, "per_key")
        rate = admitted(result.tat, now_s, rate_limit, WINDOW) if rate_limit > 0 else None
        if charging:
            error = token_suspension(
                limits, result.project_tokens, row.tokens_per_month, result.key_tokens, today
            )
            if error is not None:
                return None, rate, error
        after: list[tuple[str, dict]] = []
        alerts: list[ThresholdAlert] = []
        if key_on:
            if result.key_used is None:
                return None, rate, quota_exceeded("key_calls_per_day", row.calls_per_day, today)
            alerts += threshold_alerts(
                row.org_id, params["key_subject"], "api_calls_per_day", row.calls_per_day,
                result.key_used, 1,
            )  # fmt: skip
        if charging:
            limit = limits["api_calls_per_day"]
            if result.project_used is None:
                if key_on:  # the key's call goes back: the request is refused as a whole
                    after.append((GIVE_BACK, {"subject": params["key_subject"], "day": day}))
                await self._follow_up(cur, after)
                return None, rate, quota_exceeded("api_calls_per_day", limit, today)
            alerts += threshold_alerts(
                row.org_id, params["project_subject"], "api_calls_per_day", limit,
                result.project_used, 1,
            )  # fmt: skip
        await self._follow_up(cur, [s for alert in alerts for s in _alert_rows(alert, today)])
        return context(row, row.username), rate, None

    async def _follow_up(self, cur, statements: list[tuple[str, dict]]) -> None:
        if statements:
            async with cur.connection.transaction():
                for statement, params in statements:
                    await cur.execute(statement, params)


def _or_unlimited(limit: int | None) -> int:
    return UNLIMITED if limit is None else limit


def _step(limit: int) -> float:
    # GCRA's interval between two requests; any positive number where the limit is off (0).
    return WINDOW / limit if limit > 0 else 1.0


def _alert_rows(alert: ThresholdAlert, at) -> list[tuple[str, dict]]:
    note = alert.notification()
    event = alert.event()
    return [
        (NOTIFY, {**note, "id": new_id(), "data": Json(note["data"]), "at": at}),
        (EVENT, {**event, "id": new_id(), "payload": Json(event["payload"]), "at": at}),
    ]
