"""The API-key guard on PostgreSQL: both rate limits, the key check, the quota charge and the
activity row in two statements, with psycopg and no ORM.

1. The client address's GCRA hit, and the key row with all that its checks need: its
   creator's name, the project's organization, plan and custom limits, and this month's
   tokens of the project and of the key.
2. Python checks the secret and the key's rules (``refusal``, shared with the ORM path); then
   one statement whose data-modifying CTEs hit the key's rate limit, charge the key's own
   daily counter and the project's, each only when the step before let the request through,
   and write the activity row and last-used (at most once a minute)::

       WITH kr AS (INSERT INTO rate_limits ... ON CONFLICT DO UPDATE ... WHERE <in window>
                   RETURNING tat),
            kc AS (INSERT INTO quota_counters ... SELECT ... WHERE EXISTS (SELECT FROM kr)
                   ON CONFLICT DO UPDATE SET used = used + 1 WHERE used + 1 <= :limit
                   RETURNING used),
            pc AS (... WHERE EXISTS (SELECT FROM kc) ...), ...
       SELECT ...

   Each counter is still checked and charged by one upsert, so processes serialize on its row
   and never admit more than the limit; a statement is atomic, so the request's hits,
   charges and activity row are written together or not at all.

Rarely a third step follows, in its own transaction: the alerts of a threshold this charge
crossed, or giving the key's call back when the project's counter refused the request. A
crash just before it loses that alert, or leaves the key's counter one call high (refusing
too early, never admitting too much).

The decisions are those of ``guard.check_with_orm`` (the SQLite path); the tests run one
table of cases through both and compare the outcomes, counters and activity rows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import psycopg
from psycopg.types.json import Json

from ..errors import ApiKeyRejectedError, QuotaExceededError
from ..quotas.manager import ThresholdAlert, quota_exceeded, threshold_alerts
from ..quotas.plans import UNLIMITED, limits_of
from ..quotas.ratelimit import RateResult, admitted, refused
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
    touch_due,
)

if TYPE_CHECKING:
    from ..services import Services

WINDOW = 60.0  # seconds: the rate limits are per minute

KEY = """
SELECT k.id, k.project_id, k.created_by, u.username, k.secret_hash, k.scopes, k.endpoints,
       k.ip_allow, k.expires_at, k.revoked_at, k.overlap_until, k.last_used_at,
       k.calls_per_day, k.tokens_per_month, p.org_id, o.plan, l.limits,
       pt.used AS project_tokens, kt.used AS key_tokens
FROM api_keys k
JOIN users u ON u.id = k.created_by
JOIN projects p ON p.id = k.project_id
JOIN organizations o ON o.id = p.org_id
LEFT JOIN org_plan_limits l ON l.org_id = o.id
LEFT JOIN quota_counters pt
       ON pt.subject = 'project:' || k.project_id AND pt.metric = 'tokens'
      AND pt.period = %(month)s
LEFT JOIN quota_counters kt
       ON kt.subject = 'key:' || k.id AND kt.metric = 'tokens' AND kt.period = %(month)s
WHERE k.id = %(key_id)s
"""

# Round trip 1: the address's GCRA hit and the key, in one statement. The second sub-select
# sees the statement's snapshot, from before the hit: the TAT that refused it, if it was.
LOOKUP = f"""
WITH hit AS (
    INSERT INTO rate_limits (bucket, tat)
    SELECT %(bucket)s, %(now)s + %(step)s WHERE %(ip_on)s
    ON CONFLICT (bucket) DO UPDATE SET tat = GREATEST(rate_limits.tat, %(now)s) + %(step)s
    WHERE GREATEST(rate_limits.tat, %(now)s) + %(step)s - %(now)s <= %(period)s + 1e-9
    RETURNING tat)
SELECT (SELECT tat FROM hit) AS ip_tat,
       (SELECT tat FROM rate_limits WHERE bucket = %(bucket)s) AS ip_current,
       key.*
FROM (SELECT) AS one LEFT JOIN ({KEY}) AS key ON true
"""

# Round trip 2: the key's GCRA hit, the key's and the project's daily counters, the activity
# row and last-used, in one statement. A limit of -1 is unlimited; 0 admits nothing (not even
# a counter's first row). ``verdict`` names the refusal as the activity log records it.
ADMIT = """
WITH kr AS (
    INSERT INTO rate_limits (bucket, tat)
    SELECT %(bucket)s, %(now)s + %(step)s WHERE %(rate_on)s
    ON CONFLICT (bucket) DO UPDATE SET tat = GREATEST(rate_limits.tat, %(now)s) + %(step)s
    WHERE GREATEST(rate_limits.tat, %(now)s) + %(step)s - %(now)s <= %(period)s + 1e-9
    RETURNING tat),
rate_ok AS (SELECT WHERE NOT %(rate_on)s OR EXISTS (SELECT FROM kr)),
kc AS (
    INSERT INTO quota_counters (subject, metric, period, used)
    SELECT %(key_subject)s, 'calls', %(day)s, 1 FROM rate_ok
    WHERE %(key_on)s AND %(key_limit)s::bigint <> 0
    ON CONFLICT (subject, metric, period) DO UPDATE SET used = quota_counters.used + 1
    WHERE %(key_limit)s::bigint < 0 OR quota_counters.used + 1 <= %(key_limit)s::bigint
    RETURNING used),
pc AS (
    INSERT INTO quota_counters (subject, metric, period, used)
    SELECT %(project_subject)s, 'calls', %(day)s, 1 FROM rate_ok
    WHERE %(project_on)s AND %(project_limit)s::bigint <> 0
      AND (NOT %(key_on)s OR EXISTS (SELECT FROM kc))
    ON CONFLICT (subject, metric, period) DO UPDATE SET used = quota_counters.used + 1
    WHERE %(project_limit)s::bigint < 0 OR quota_counters.used + 1 <= %(project_limit)s::bigint
    RETURNING used),
verdict AS (
    SELECT CASE
        WHEN NOT EXISTS (SELECT FROM rate_ok) THEN 'rate_limited'
        WHEN %(refused)s::text IS NOT NULL THEN %(refused)s::text
        WHEN %(key_on)s AND NOT EXISTS (SELECT FROM kc) THEN 'quota_exceeded'
        WHEN %(project_on)s AND NOT EXISTS (SELECT FROM pc) THEN 'quota_exceeded'
    END AS reason),
act AS (
    INSERT INTO api_key_activity
        (id, key_id, at, endpoint, method, ip, user_agent, success, reason)
    SELECT %(id)s, %(key_id)s, %(at)s, %(endpoint)s, %(method)s, %(ip)s, %(user_agent)s,
           reason IS NULL, reason
    FROM verdict),
touch AS (
    UPDATE api_keys SET last_used_at = %(at)s
    WHERE %(touch)s AND id = %(key_id)s
      AND (last_used_at IS NULL OR last_used_at < %(stale)s))
SELECT (SELECT tat FROM kr) AS tat,
       (SELECT tat FROM rate_limits WHERE bucket = %(bucket)s) AS current,
       (SELECT used FROM kc) AS key_used,
       (SELECT used FROM pc) AS project_used
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


class PgKeyGate:
    """``guard._check`` for a PostgreSQL store, on ``store.raw``'s psycopg connections."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.raw = services.store.raw

    def check(
        self, token: str, request: KeyRequest, charge: bool = False
    ) -> tuple[KeyContext, RateResult | None]:
        """The key's context and rate-limit state, or the AskDB error refusing the request.
        A connection the server dropped is replaced and the check run once more (nothing of
        a statement that did not come back was committed)."""
        for attempt in (1, 2):
            try:
                ctx, rate, error = self._check(token, request, charge)
                break
            except psycopg.OperationalError:
                if attempt == 2:
                    raise
        if error is not None:
            raise error
        return ctx, rate

    def _check(self, token: str, request: KeyRequest, charge: bool):  # noqa: ANN202
        services = self.services
        ip_limit = services.settings.ip_rate_limit
        now_s, now, today = (
            services.rate_limiter.clock(),
            services.keys.clock(),
            services.quotas.clock(),
        )
        try:
            key_id, secret = parse_token(token)
        except ApiKeyRejectedError as e:
            key_id, secret, parse_error = None, "", e
        else:
            parse_error = None
        with self.raw.autocommit() as cur:
            row = cur.execute(
                LOOKUP,
                {
                    "bucket": f"ip:{request.ip}",
                    "now": now_s,
                    "step": WINDOW / ip_limit if ip_limit > 0 else 1.0,
                    "period": WINDOW,
                    "ip_on": ip_limit > 0,
                    "key_id": key_id,
                    "month": today.strftime("%Y-%m"),
                },
            ).fetchone()
            if ip_limit > 0 and row.ip_tat is None:
                return None, None, refused(row.ip_current, now_s, ip_limit, WINDOW, "per_ip")
            if parse_error is not None:
                return None, None, parse_error
            if not secret_matches(row.secret_hash, secret):
                return None, None, ApiKeyRejectedError(INVALID, "invalid")
            error = refusal(row, request, now)
            if error is not None:
                cur.execute(ACTIVITY, activity_row(row.id, request, now, error))
                return None, None, error
            rate, error, after = self._admit(cur, row, request, now_s, now, today, charge)
            if after:  # rare: a threshold crossed, or a key's call to give back
                with cur.connection.transaction():
                    for statement, params in after:
                        cur.execute(statement, params)
            return (context(row, row.username) if error is None else None), rate, error

    def _admit(self, cur, row, request, now_s, now, today, charge):  # noqa: ANN001, ANN202
        """Round trip 2: the key's rate limit, the call's charge, the activity row. Returns
        the rate state, the refusal (or None), and the statements still to run."""
        settings, quotas = self.services.settings, self.services.quotas
        rate_limit = settings.key_rate_limit
        limits = limits_of(row.plan, row.limits)
        charging = charge and quotas.enabled
        suspended = _suspension(row, limits, today) if charging else None
        key_on = charging and suspended is None and row.calls_per_day is not None
        project_on = charging and suspended is None
        day = today.strftime("%Y-%m-%d")
        params = {
            **activity_row(row.id, request, now, None),
            "bucket": f"key:{row.id}",
            "now": now_s,
            "step": WINDOW / rate_limit if rate_limit > 0 else 1.0,
            "period": WINDOW,
            "rate_on": rate_limit > 0,
            "refused": suspended.code if suspended else None,
            "key_on": key_on,
            "key_subject": f"key:{row.id}",
            "key_limit": row.calls_per_day if row.calls_per_day is not None else UNLIMITED,
            "project_on": project_on,
            "project_subject": f"project:{row.project_id}",
            "project_limit": limits["api_calls_per_day"],
            "day": day,
            "touch": touch_due(row.last_used_at, now),
            "stale": now - LAST_USED_EVERY,
        }
        result = cur.execute(ADMIT, params).fetchone()
        rate = None
        if rate_limit > 0:
            if result.tat is None:
                return None, refused(result.current, now_s, rate_limit, WINDOW, "per_key"), []
            rate = admitted(result.tat, now_s, rate_limit, WINDOW)
        if suspended is not None:
            return rate, suspended, []
        alerts: list[ThresholdAlert] = []
        if key_on:
            if result.key_used is None:
                return rate, quota_exceeded("key_calls_per_day", row.calls_per_day, today), []
            alerts += threshold_alerts(
                row.org_id, params["key_subject"], "api_calls_per_day", row.calls_per_day,
                result.key_used, 1,
            )  # fmt: skip
        if project_on:
            if result.project_used is None:
                limit = limits["api_calls_per_day"]
                # The key's call goes back: the request is refused as a whole.
                back = [(GIVE_BACK, {"subject": params["key_subject"], "day": day})]
                return (
                    rate,
                    quota_exceeded("api_calls_per_day", limit, today),
                    back if key_on else [],
                )
            alerts += threshold_alerts(
                row.org_id, params["project_subject"], "api_calls_per_day",
                limits["api_calls_per_day"], result.project_used, 1,
            )  # fmt: skip
        return rate, None, [stmt for alert in alerts for stmt in _alert_rows(alert, today)]


def _suspension(row, limits: dict, today) -> QuotaExceededError | None:  # noqa: ANN001
    """The refusal while the month's tokens are used up (the project's or the key's own)."""
    tokens = limits["tokens_per_month"]
    if tokens != UNLIMITED and (row.project_tokens or 0) >= tokens:
        return quota_exceeded("tokens_per_month", tokens, today)
    if row.tokens_per_month is not None and (row.key_tokens or 0) >= row.tokens_per_month:
        return quota_exceeded("key_tokens_per_month", row.tokens_per_month, today)
    return None


def _alert_rows(alert: ThresholdAlert, at) -> list[tuple[str, dict]]:  # noqa: ANN001
    note = alert.notification()
    event = alert.event()
    return [
        (NOTIFY, {**note, "id": new_id(), "data": Json(note["data"]), "at": at}),
        (EVENT, {**event, "id": new_id(), "payload": Json(event["payload"]), "at": at}),
    ]
