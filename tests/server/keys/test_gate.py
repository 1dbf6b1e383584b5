"""The whole API-key check of a request (address and key rate limits, key rules, quota charge,
activity row, alerts) through both implementations: the ORM path (``check_with_orm``, SQLite
and PostgreSQL) and ``PgKeyGate`` (PostgreSQL's hot path). Every case states the outcome a
user sees and what the store keeps; both paths must give exactly that."""

from __future__ import annotations

import asyncio
import multiprocessing
from datetime import timedelta

import pytest
from sqlalchemy import select

from askdb_server.errors import (
    ApiKeyForbiddenError,
    ApiKeyRejectedError,
    QuotaExceededError,
    RateLimitedError,
)
from askdb_server.keys import guard
from askdb_server.keys.manager import KeyRequest
from askdb_server.store.models import (
    ApiKey,
    ApiKeyActivity,
    DomainEvent,
    Notification,
    QuotaCounter,
    RateLimitState,
)
from tests.helpers.clock import Clock

ASK = dict(route="ask", scope="query:generate", method="POST", ip="10.1.2.3")


@pytest.fixture(params=["orm", "gate"])
def gate(request, world, store_url):
    """``gate(token, charge=True, **request)``: the request's check through one path, with one
    clock for keys, quotas and rate limits, and quotas enforced."""
    services = world.services
    if request.param == "gate" and services.key_gate is None:
        pytest.skip("PgKeyGate serves PostgreSQL stores only")
    clock = Clock()
    services.keys.clock = services.quotas.clock = clock
    services.rate_limiter.clock = lambda: clock.now.timestamp()
    services.quotas.enabled = True
    services.settings.key_rate_limit = services.settings.ip_rate_limit = 0
    loop = asyncio.new_event_loop()
    request.addfinalizer(loop.close)

    def check(token, charge=True, **kw):
        req = KeyRequest(**{"project_id": world.a.project_id, **ASK, **kw})
        if request.param == "gate":
            return loop.run_until_complete(services.key_gate.check(token, req, charge))
        return guard.check_with_orm(services, token, req, charge)

    check.clock, check.path, check.loop = clock, request.param, loop
    return check


def _key(world, **fields):
    fields.setdefault("name", "etl")
    fields.setdefault("scopes", ["query:generate"])
    _view, token = world.services.keys.create(world.a["ADMIN"], world.a.project_id, fields)
    return _view["id"], token


def _plan(world, **limits):
    world.set_plan("FREE", limits)


def _rows(world, model, *where):
    with world.services.store.session() as s:
        return list(s.scalars(select(model).where(*where)))


def _activity(world, key_id):
    rows = _rows(world, ApiKeyActivity, ApiKeyActivity.key_id == key_id)
    return sorted((a.success, a.reason) for a in rows)


def _counter(world, subject, metric="calls"):
    where = QuotaCounter.subject == subject, QuotaCounter.metric == metric
    rows = _rows(world, QuotaCounter, *where)
    return rows[0].used if rows else 0


def test_an_admitted_request(world, gate):
    key_id, token = _key(world, scopes=["query:generate", "schema:read"])
    world.services.settings.key_rate_limit = 60
    ctx, rate = gate(token, user_agent="etl/2")
    assert (ctx.key_id, ctx.project_id, ctx.username) == (key_id, world.a.project_id, "a-admin")
    assert ctx.scopes == ("query:generate", "schema:read")
    assert rate.headers() == {
        "RateLimit-Limit": "60",
        "RateLimit-Remaining": "59",
        "RateLimit-Reset": "1",
    }
    assert _activity(world, key_id) == [(True, None)]
    (row,) = _rows(world, ApiKeyActivity, ApiKeyActivity.key_id == key_id)
    seen = (row.endpoint, row.method, row.ip, row.user_agent)
    assert seen == ("ask", "POST", ASK["ip"], "etl/2")
    assert _counter(world, f"project:{world.a.project_id}") == 1
    assert _rows(world, ApiKey, ApiKey.id == key_id)[0].last_used_at is not None


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # wrong secret
        lambda t: "askdb_0000000000000000_" + t.rsplit("_", 1)[1],  # unknown id
        lambda t: "askdb_garbage",  # malformed
    ],
)
def test_a_wrong_key_gets_one_answer_and_leaves_no_activity(world, gate, mangle):
    key_id, token = _key(world)
    with pytest.raises(ApiKeyRejectedError) as e:
        gate(mangle(token))
    assert e.value.reason == "invalid" and e.value.message == "The API key is not valid."
    assert _activity(world, key_id) == []
    assert _counter(world, f"project:{world.a.project_id}") == 0


def test_key_rules_refuse_and_are_logged(world, gate):
    key_id, token = _key(world, expires_at=(gate.clock.now + timedelta(hours=1)).isoformat())
    with pytest.raises(ApiKeyForbiddenError) as e:
        gate(token, route="schemas", scope="schema:read")
    assert e.value.reason == "scope"
    with pytest.raises(ApiKeyForbiddenError) as e:
        gate(token, project_id=world.b.project_id)
    assert e.value.reason == "project"
    gate.clock.advance(3600)
    with pytest.raises(ApiKeyRejectedError) as e:
        gate(token)
    assert e.value.reason == "expired"
    assert _activity(world, key_id) == [(False, "expired"), (False, "project"), (False, "scope")]
    assert _counter(world, f"project:{world.a.project_id}") == 0


def test_revoked_and_rotated_keys(world, gate):
    keys, admin, pid = world.services.keys, world.a["ADMIN"], world.a.project_id
    key_id, token = _key(world)
    _new, new_token = keys.rotate(admin, pid, key_id, 120)
    gate(token)
    gate(new_token)
    gate.clock.advance(120)
    with pytest.raises(ApiKeyRejectedError) as e:
        gate(token)
    assert e.value.reason == "rotated"
    keys.revoke(admin, pid, _new["id"])
    with pytest.raises(ApiKeyRejectedError) as e:
        gate(new_token)
    assert e.value.reason == "revoked"


def test_the_address_limit_comes_first(world, gate):
    key_id, token = _key(world)
    world.services.settings.ip_rate_limit = 2
    gate(token)
    gate(token)
    with pytest.raises(RateLimitedError) as e:
        gate(token)
    assert e.value.details["limit"] == "per_ip" and e.value.retry_after == 30
    with pytest.raises(RateLimitedError):
        gate("askdb_garbage")  # guessing is slowed down too
    gate(token, ip="10.9.9.9")  # another address has its own bucket
    assert _activity(world, key_id) == [(True, None)] * 3
    gate.clock.advance(30)
    gate(token)


def test_the_keys_rate_limit(world, gate):
    key_id, token = _key(world)
    world.services.settings.key_rate_limit = 2
    gate(token)
    gate(token, ip="10.0.0.7")
    with pytest.raises(RateLimitedError) as e:
        gate(token)
    assert e.value.details["limit"] == "per_key" and e.value.retry_after == 30
    assert e.value.headers["RateLimit-Remaining"] == "0"
    assert _activity(world, key_id) == [(False, "rate_limited"), (True, None), (True, None)]
    assert _counter(world, f"project:{world.a.project_id}") == 2  # the refused one is free


def test_a_keys_daily_quota(world, gate):
    key_id, token = _key(world, calls_per_day=2)
    gate(token)
    gate(token)
    with pytest.raises(QuotaExceededError) as e:
        gate(token)
    assert e.value.details["quota"] == "key_calls_per_day"
    assert _counter(world, f"key:{key_id}") == 2
    assert _counter(world, f"project:{world.a.project_id}") == 2
    assert _activity(world, key_id) == [(False, "quota_exceeded"), (True, None), (True, None)]
    gate.clock.now = gate.clock.now.replace(hour=0) + timedelta(days=1)  # a new UTC day
    gate(token)


def test_the_projects_quota_refuses_the_call_as_a_whole(world, gate):
    _plan(world, api_calls_per_day=2)
    key_id, token = _key(world, calls_per_day=5)
    gate(token)
    gate(token)
    with pytest.raises(QuotaExceededError) as e:
        gate(token)
    assert e.value.details["quota"] == "api_calls_per_day" and e.value.status == 429
    assert _counter(world, f"key:{key_id}") == 2  # the key's call was given back
    assert _counter(world, f"project:{world.a.project_id}") == 2


def test_alerts_at_80_90_100_once(world, gate):
    _plan(world, api_calls_per_day=10)
    _key_id, token = _key(world)
    for _ in range(10):
        gate(token)
    with pytest.raises(QuotaExceededError):
        gate(token)
    notes = _rows(world, Notification, Notification.org_id.is_not(None))
    assert sorted(n.data["percent"] for n in notes) == [80, 90, 100]
    assert {n.project_id for n in notes} == {world.a.project_id}
    assert any("reached 90% (9/10)" in n.message for n in notes)
    events = _rows(world, DomainEvent, DomainEvent.type == "quota.threshold")
    assert sorted(e.payload["percent"] for e in events) == [80, 90, 100]


def test_used_up_tokens_suspend_the_project_and_the_key(world, gate):
    quotas, pid = world.services.quotas, world.a.project_id
    _plan(world, tokens_per_month=100)
    key_id, token = _key(world, tokens_per_month=30)
    quotas.charge_tokens(pid, 30, key_id, 30)
    with pytest.raises(QuotaExceededError) as e:
        gate(token)
    assert e.value.details["quota"] == "key_tokens_per_month"
    _other, other_token = _key(world, name="other")
    gate(other_token)  # the project still has tokens
    quotas.charge_tokens(pid, 70)
    with pytest.raises(QuotaExceededError) as e:
        gate(other_token)
    assert e.value.details["quota"] == "tokens_per_month"
    assert _counter(world, f"project:{pid}") == 1
    _plan(world, tokens_per_month=1000)  # raising the plan lifts the project's suspension
    gate(other_token)


def test_only_charging_endpoints_are_charged(world, gate):
    key_id, token = _key(world, scopes=["schema:read"], calls_per_day=1)
    for _ in range(3):
        gate(token, charge=False, route="schemas", scope="schema:read")
    assert _counter(world, f"project:{world.a.project_id}") == 0
    assert _counter(world, f"key:{key_id}") == 0
    world.services.quotas.enabled = False
    _key2, token2 = _key(world, name="ask", calls_per_day=1)
    gate(token2)
    gate(token2)  # quotas are off: nothing is counted or refused
    assert _counter(world, f"project:{world.a.project_id}") == 0


def test_last_used_is_written_at_most_once_a_minute(world, gate):
    key_id, token = _key(world)
    first = gate.clock.now
    gate(token)
    gate.clock.advance(30)
    gate(token)

    def last_used():
        at = _rows(world, ApiKey, ApiKey.id == key_id)[0].last_used_at
        return at.replace(tzinfo=None)

    assert last_used() == first.replace(tzinfo=None)
    gate.clock.advance(31)
    gate(token)
    assert last_used() == gate.clock.now.replace(tzinfo=None)


def test_the_gate_survives_a_dropped_connection(world, gate):
    if gate.path != "gate":
        pytest.skip("the gate's own connections")
    _key_id, token = _key(world)
    for _ in range(3):
        gate(token)
    with world.services.store.engine.connect() as c:  # as a restarted server would
        c.exec_driver_sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    ctx, _rate = gate(token)  # new connections, and the check once more
    assert ctx.key_id == _key_id
    assert _counter(world, f"project:{world.a.project_id}") == 4


def _admit_many(store_url: str, data_dir: str, token: str, project_id: str, n: int, out) -> None:
    from askdb_server.services import Services, Settings

    services = Services.build(
        Settings.defaults(data_dir, database_url=store_url, use_embeddings=False)
    )
    services.quotas.enabled = True
    req = KeyRequest(project_id=project_id, **ASK)

    async def hammer() -> int:
        admitted = 0
        for _ in range(n):
            try:
                await services.key_gate.check(token, req, True)
                admitted += 1
            except QuotaExceededError:
                pass
        return admitted

    out.put(asyncio.run(hammer()))
    services.close()


def test_processes_never_admit_more_than_the_keys_quota(world, store_url, tmp_path):
    if world.services.key_gate is None:
        pytest.skip("several processes share a PostgreSQL store")
    key_id, token = _key(world, calls_per_day=50)
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    procs = [
        ctx.Process(
            target=_admit_many,
            args=(store_url, str(tmp_path / "askdb"), token, world.a.project_id, 30, out),
        )
        for _ in range(4)
    ]
    for p in procs:
        p.start()
    admitted = sum(out.get(timeout=120) for _ in procs)
    for p in procs:
        p.join(timeout=30)
    assert admitted == 50
    assert _counter(world, f"key:{key_id}") == 50
    assert _counter(world, f"project:{world.a.project_id}") == 50
    assert _activity(world, key_id).count((True, None)) == 50


def test_rate_limit_state_is_one_row_per_bucket(world, gate):
    _key_id, token = _key(world)
    world.services.settings.ip_rate_limit = 100
    world.services.settings.key_rate_limit = 100
    for _ in range(3):
        gate(token)
    buckets = sorted(r.bucket for r in _rows(world, RateLimitState, RateLimitState.tat > 0))
    assert buckets == [f"ip:{ASK['ip']}", f"key:{_key_id}"]


@pytest.fixture
def other_process(world, store_url, tmp_path):
    """Another server process's managers on the same store (its own caches, no shared
    memory): what it changes must reach this process's gate at once."""
    from askdb_server.services import Services, Settings

    other = Services.build(
        Settings.defaults(
            tmp_path / "askdb",
            database_url=store_url,
            use_embeddings=False,
            operators=["operator"],
        )
    )
    yield other
    other.close()


def test_changes_made_elsewhere_apply_to_the_next_request(world, gate, other_process):
    admin, pid = world.a["ADMIN"], world.a.project_id
    key_id, token = _key(world, scopes=["query:generate", "schema:read"])
    gate(token)  # this process now knows the key
    other_process.keys.update(admin, pid, key_id, {"scopes": ["schema:read"]})
    with pytest.raises(ApiKeyForbiddenError) as e:
        gate(token)
    assert e.value.reason == "scope"
    gate(token, route="schemas", scope="schema:read")
    other_process.quotas.set_plan(world.operator, "FREE", {"api_calls_per_day": 2}, world.a.org_id)
    with pytest.raises(QuotaExceededError) as e:  # 2 were already charged today
        gate(token, route="schemas", scope="schema:read")
    assert e.value.details["limit"] == 2
    other_process.quotas.set_plan(
        world.operator, "FREE", {"api_calls_per_day": 100}, world.a.org_id
    )
    gate(token, route="schemas", scope="schema:read")
    other_process.keys.revoke(admin, pid, key_id)
    with pytest.raises(ApiKeyRejectedError) as e:
        gate(token, route="schemas", scope="schema:read")
    assert e.value.reason == "revoked"


def test_a_known_keys_request_is_one_statement(world, gate, monkeypatch):
    if gate.path != "gate":
        pytest.skip("the gate's statements")
    import psycopg

    _key_id, token = _key(world)
    world.services.settings.ip_rate_limit = world.services.settings.key_rate_limit = 100
    gate(token)  # the cold path: the key is read, then admitted
    statements = []
    real = psycopg.AsyncCursor.execute

    def counting(self, query, params=None, **kw):
        statements.append(query)
        return real(self, query, params, **kw)

    monkeypatch.setattr(psycopg.AsyncCursor, "execute", counting)
    gate(token)
    assert len(statements) == 1
    wrong = token[:-2] + ("xy" if not token.endswith("xy") else "zz")
    with pytest.raises(ApiKeyRejectedError):
        gate(wrong)  # a wrong secret is read again (and hits the address's limit)
    assert len(statements) == 2
    gate(token)  # and the owner's key is still known: one statement again
    assert len(statements) == 3
