"""QuotaManager on SQLite and PostgreSQL: plan limits, atomic charges, period resets, alerts at
80/90/100% once per period, suspension and un-suspension by a plan change, plan counts, and
concurrent charges from several processes on PostgreSQL."""

from __future__ import annotations

import multiprocessing
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from askdb_server.errors import ForbiddenError, PlanLimitError, QuotaExceededError
from askdb_server.quotas.manager import QuotaManager
from askdb_server.quotas.plans import PLANS
from askdb_server.store.db import Store
from askdb_server.store.models import DomainEvent, utcnow
from tests.helpers.world import join


def _plan(world, **limits):
    return world.set_plan("FREE", limits)


def _calls(quotas, pid, n, **kw):
    for _ in range(n):
        quotas.charge_call(pid, **kw)


def test_plans_are_the_roadmaps_numbers():
    assert PLANS["FREE"] == {
        "api_calls_per_day": 1000,
        "tokens_per_month": 100000,
        "projects": 3,
        "api_keys": 5,
        "team_members": 1,
        "schema_versions": 20,
        "conversation_messages": 2000,
    }
    assert PLANS["PROFESSIONAL"]["tokens_per_month"] == 10_000_000
    assert set(PLANS["ENTERPRISE"].values()) == {-1}


def test_calls_stop_at_the_limit_and_reset_at_utc_midnight(world, quotas):
    _plan(world, api_calls_per_day=10)
    pid = world.a.project_id
    quotas.clock.now = quotas.clock.now.replace(hour=23, minute=59, second=0)
    _calls(quotas, pid, 10)
    with pytest.raises(QuotaExceededError) as e:
        quotas.charge_call(pid)
    assert e.value.status == 429 and e.value.details["quota"] == "api_calls_per_day"
    assert e.value.retry_after == 60
    assert quotas.usage(world.a["ADMIN"], pid)["calls_today"] == 10
    quotas.clock.advance(59)
    with pytest.raises(QuotaExceededError):
        quotas.charge_call(pid)
    quotas.clock.advance(1)  # 00:00:00 UTC: a new day
    quotas.charge_call(pid)
    assert quotas.usage(world.a["ADMIN"], pid)["calls_today"] == 1


def test_alerts_once_per_threshold_and_period(world, quotas):
    _plan(world, api_calls_per_day=10)
    pid = world.a.project_id
    _calls(quotas, pid, 7)
    assert quotas.notifications(world.a["VIEWER"]) == []
    _calls(quotas, pid, 3)
    with pytest.raises(QuotaExceededError):
        quotas.charge_call(pid)
    notes = quotas.notifications(world.a["VIEWER"])
    assert sorted(n["data"]["percent"] for n in notes) == [80, 90, 100]
    assert {n["project_id"] for n in notes} == {pid}
    assert quotas.notifications(world.b["ADMIN"]) == []
    with world.services.store.session() as s:
        assert s.scalar(select(func.count()).select_from(DomainEvent)) == 3
    quotas.clock.advance(86400)
    _calls(quotas, pid, 8)
    assert len(quotas.notifications(world.a["ADMIN"])) == 4  # a new period alerts again


def test_suspension_lifts_when_the_plan_is_raised(world, quotas):
    _plan(world, api_calls_per_day=2)
    pid = world.a.project_id
    _calls(quotas, pid, 2)
    with pytest.raises(QuotaExceededError):
        quotas.charge_call(pid)
    world.set_plan("STARTER")
    quotas.charge_call(pid)
    for role in ("ADMIN", "MANAGER"):  # the plan is the operator's, not the organization's
        with pytest.raises(ForbiddenError):
            world.services.quotas.set_plan(world.a[role], "ENTERPRISE")


def test_a_keys_own_quota_and_a_refused_call_charges_nothing(world, quotas):
    _plan(world, api_calls_per_day=100)
    pid = world.a.project_id
    _calls(quotas, pid, 3, key_id="k1", key_limit=3)
    with pytest.raises(QuotaExceededError) as e:
        quotas.charge_call(pid, key_id="k1", key_limit=3)
    assert e.value.details["quota"] == "key_calls_per_day"
    assert quotas.usage(world.a["ADMIN"], pid)["calls_today"] == 3
    _plan(world, api_calls_per_day=3)
    with pytest.raises(QuotaExceededError):
        quotas.charge_call(pid, key_id="k2", key_limit=10)
    _plan(world, api_calls_per_day=100)
    quotas.charge_call(pid, key_id="k2", key_limit=10)
    quotas.charge_call(pid, key_id="k2", key_limit=10)  # k2's refused call was rolled back


def test_tokens_suspend_calls_until_next_month(world, quotas):
    _plan(world, tokens_per_month=100)
    pid = world.a.project_id
    quotas.clock.now = quotas.clock.now.replace(day=31, hour=12)
    quotas.charge_tokens(pid, 85)
    quotas.charge_call(pid)
    quotas.charge_tokens(pid, 20)
    with pytest.raises(QuotaExceededError) as e:
        quotas.charge_call(pid)
    assert e.value.details["quota"] == "tokens_per_month"
    assert e.value.retry_after == 12 * 3600
    assert sorted(n["data"]["percent"] for n in quotas.notifications(world.a["ADMIN"])) == [
        80,
        90,
        100,
    ]
    quotas.clock.advance(12 * 3600)
    quotas.charge_call(pid)


def test_plan_counts_refuse_one_more_key(world, quotas):
    _plan(world, api_keys=2)
    keys = world.services.keys
    for i in range(2):
        keys.create(
            world.a["ADMIN"], world.a.project_id, {"name": f"k{i}", "scopes": ["chat:read"]}
        )
    with pytest.raises(PlanLimitError) as e:
        keys.create(world.a["ADMIN"], world.a.project_id, {"name": "k3", "scopes": ["chat:read"]})
    assert e.value.status == 403 and "2 api keys" in e.value.message


def test_nothing_is_enforced_when_quotas_are_off(world, quotas):
    _plan(world, api_calls_per_day=0)
    quotas.enabled = False
    quotas.charge_call(world.a.project_id)


def _hammer(url: str, pid: str, n: int, out) -> None:
    store = Store(url)
    from askdb_server.authz.authorizer import Authorizer

    q = QuotaManager(store, Authorizer(store), enabled=True)
    ok = 0
    for _ in range(n):
        try:
            q.charge_call(pid, key_id="shared", key_limit=150)
            ok += 1
        except QuotaExceededError:
            pass
    out.put(ok)
    store.dispose()


def test_concurrent_processes_admit_exactly_the_quota(world, quotas, store_url):
    if not store_url.startswith("postgresql"):
        pytest.skip("several processes on one SQLite file are not the shared deployment")
    _plan(world, api_calls_per_day=1000)
    quotas.clock.now = utcnow()  # the workers' clock is the real one
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    procs = [
        ctx.Process(target=_hammer, args=(store_url, world.a.project_id, 60, out)) for _ in range(4)
    ]
    for p in procs:
        p.start()
    admitted = sum(out.get(timeout=120) for _ in procs)
    for p in procs:
        p.join(timeout=60)
    assert admitted == 150
    assert quotas.usage(world.a["ADMIN"], world.a.project_id)["calls_today"] == 150


def test_period_boundaries_use_utc(quotas):
    now = quotas.clock.now
    assert now.utcoffset() == timedelta(0)


def test_plan_counts_refuse_one_more_project_or_member(world, quotas):
    _plan(world, projects=1, team_members=4)  # org a has 1 project and 4 members already
    admin = world.a["ADMIN"]
    with pytest.raises(PlanLimitError) as e:
        world.services.projects.create(admin, "second")
    assert e.value.details["resource"] == "projects" and "1 projects" in e.value.message
    with pytest.raises(PlanLimitError) as e:
        join(world.services, admin, "a-newcomer", "VIEWER")
    assert e.value.details["resource"] == "team_members"
    world.services.projects.create(world.b["ADMIN"], "b-second")  # org b is on plain FREE
    _plan(world, projects=2, team_members=5)
    world.services.projects.create(admin, "second")
    join(world.services, admin, "a-newcomer", "VIEWER")
