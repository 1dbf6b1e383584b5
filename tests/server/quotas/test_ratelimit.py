"""GCRA rate limits on SQLite and PostgreSQL (a clock the tests move), across processes on
PostgreSQL, and over REST: 429 with Retry-After, RateLimit-* headers and a problem naming the
limit."""

from __future__ import annotations

import json
import multiprocessing

import pytest
from sqlalchemy import text

from askdb_server.errors import RateLimitedError
from askdb_server.quotas.ratelimit import RateLimiter
from askdb_server.store.db import Store
from tests.helpers.servers import askdb_server_config


class FloatClock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def limiter(store_url):
    store = Store(store_url)
    store.migrate()
    clock = FloatClock()
    yield RateLimiter(store, clock)
    store.dispose()


def test_burst_then_one_per_interval(limiter):
    remaining = [limiter.hit("key:a", 5, 60, "per_key").remaining for _ in range(5)]
    assert remaining == [4, 3, 2, 1, 0]
    with pytest.raises(RateLimitedError) as e:
        limiter.hit("key:a", 5, 60, "per_key")
    assert e.value.status == 429 and e.value.details["limit"] == "per_key"
    assert e.value.retry_after == 12  # one interval: 60 s / 5
    assert e.value.headers["RateLimit-Remaining"] == "0"
    limiter.hit("key:b", 5, 60, "per_key")  # another bucket is untouched
    limiter.clock.now += 11
    with pytest.raises(RateLimitedError):
        limiter.hit("key:a", 5, 60, "per_key")
    limiter.clock.now += 1
    assert limiter.hit("key:a", 5, 60, "per_key").remaining == 0
    limiter.clock.now += 60
    assert limiter.hit("key:a", 5, 60, "per_key").remaining == 4
    assert limiter.hit("key:a", 0, 60, "per_key") is None  # 0: no limit


def test_unlogged_on_postgresql(limiter, store_url):
    if not store_url.startswith("postgresql"):
        pytest.skip("UNLOGGED is PostgreSQL's")
    with limiter.store.engine.connect() as c:
        kind = c.execute(text("select relpersistence from pg_class where relname='rate_limits'"))
        assert kind.scalar() == "u"


def _hammer(url: str, n: int, out) -> None:
    store = Store(url)
    limiter = RateLimiter(store)
    ok = 0
    for _ in range(n):
        try:
            limiter.hit("key:shared", 100, 3600, "per_key")
            ok += 1
        except RateLimitedError:
            pass
    out.put(ok)
    store.dispose()


def test_processes_never_over_admit(limiter, store_url):
    if not store_url.startswith("postgresql"):
        pytest.skip("several processes share a PostgreSQL store")
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=_hammer, args=(store_url, 50, out)) for _ in range(4)]
    for p in procs:
        p.start()
    admitted = sum(out.get(timeout=120) for _ in procs)
    for p in procs:
        p.join(timeout=60)
    # 100 per hour: a run of a few seconds may earn at most one more request by the clock.
    assert 100 <= admitted <= 101


@pytest.fixture
def jp_server_config(tmp_path, store_url):
    return askdb_server_config(tmp_path, key_rate_limit=3, ip_rate_limit=6, database_url=store_url)


async def test_rest_rate_limits_per_key_and_per_ip(api, shop_project):
    pid = shop_project["id"]
    status, key = await api(
        "POST", f"projects/{pid}/keys", {"name": "k", "scopes": ["schema:read"]}
    )
    auth = {"Authorization": f"Bearer {key['key']}"}
    for left in (2, 1, 0):
        resp = await api("GET", f"projects/{pid}/schemas", headers=auth, raw=True)
        assert resp.code == 200 and resp.headers["RateLimit-Remaining"] == str(left)
        assert resp.headers["RateLimit-Limit"] == "3"
    resp = await api("GET", f"projects/{pid}/schemas", headers=auth, raw=True)
    problem = json.loads(resp.body)
    assert resp.code == 429 and problem["limit"] == "per_key" and problem["code"] == "rate_limited"
    assert int(resp.headers["Retry-After"]) == 20 and resp.headers["RateLimit-Remaining"] == "0"
    assert resp.headers["Content-Type"].startswith("application/problem+json")
    bad = {"Authorization": "Bearer askdb_0000_guess"}
    codes = [(await api("GET", f"projects/{pid}/schemas", headers=bad))[0] for _ in range(3)]
    assert codes == [401, 401, 429]  # 6 per minute from this address, wrong keys included
