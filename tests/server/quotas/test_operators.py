"""Plans belong to the deployment's operators: no organization admin sets their own plan, and
limits are integers from 0 to 2^63-1 or null (unlimited), never booleans. Through the manager
(SQLite and PostgreSQL stores) and over REST."""

from __future__ import annotations

import pytest

from askdb_server.errors import ForbiddenError, InvalidInputError, NotFoundError
from askdb_server.identity.who import Identity
from askdb_server.quotas.plans import MAX_LIMIT, UNLIMITED
from tests.helpers.servers import HeaderIdentityProvider


def test_only_an_operator_sets_a_plan(world):
    s, a = world.services, world.a
    for role in ("ADMIN", "MANAGER", "DEVELOPER", "VIEWER"):
        with pytest.raises(ForbiddenError):
            s.quotas.set_plan(a[role], "ENTERPRISE")
        with pytest.raises(ForbiddenError):
            s.quotas.set_plan(a[role], "ENTERPRISE", None, a.org_id)
    assert s.orgs.current(a["ADMIN"]).plan == "FREE"
    plan = world.set_plan("STARTER", {"projects": 7, "api_keys": None})
    assert plan["custom"] == {"projects": 7, "api_keys": None}
    assert (plan["limits"]["projects"], plan["limits"]["api_keys"]) == (7, UNLIMITED)
    assert s.orgs.current(a["ADMIN"]).plan == "STARTER"
    assert s.orgs.current(world.b["ADMIN"]).plan == "FREE"  # only the organization named
    with pytest.raises(NotFoundError):
        s.quotas.set_plan(world.operator, "FREE", None, "0" * 32)


def test_a_hub_admin_is_an_operator(world):
    s, a = world.services, world.a
    hub_admin = Identity(a["VIEWER"].user_id, a["VIEWER"].username, operator=True)
    assert s.quotas.set_plan(hub_admin, "PROFESSIONAL", None, a.org_id)["plan"] == "PROFESSIONAL"


@pytest.mark.parametrize(
    "limits",
    [
        {"api_calls_per_day": True},
        {"api_calls_per_day": False},
        {"api_calls_per_day": -1},
        {"api_calls_per_day": MAX_LIMIT + 1},
        {"api_calls_per_day": 1.5},
        {"api_calls_per_day": "10"},
        {"api_calls_per_day": [1]},
        {"bogus": 1},
        [1, 2],
        "many",
    ],
)
def test_limits_are_non_negative_64_bit_integers_or_null(world, limits):
    with pytest.raises(InvalidInputError):
        world.set_plan("FREE", limits)


@pytest.mark.parametrize("plan", [None, 1, True, {}, "enterprise", ""])
def test_the_plan_is_one_of_the_plans(world, plan):
    with pytest.raises(InvalidInputError):
        world.set_plan(plan)


def test_the_largest_limit_is_kept_and_charged_against(world):
    world.services.quotas.enabled = True
    plan = world.set_plan("FREE", {"api_calls_per_day": MAX_LIMIT, "tokens_per_month": 0})
    assert plan["limits"] == {**plan["limits"], "api_calls_per_day": MAX_LIMIT}
    world.set_plan("FREE", {"api_calls_per_day": MAX_LIMIT})
    world.services.quotas.charge_call(world.a.project_id)  # compared in the store: no overflow


# -- over REST ----------------------------------------------------------------------------
@pytest.fixture
def jp_server_config(tmp_path, store_url):
    return {
        "ServerApp": {
            "jpserver_extensions": {"askdb_server": True},
            "identity_provider_class": HeaderIdentityProvider,
        },
        "AskDBApp": {
            "data_dir": str(tmp_path / "askdb-data"),
            "database_url": store_url,
            "use_embeddings": False,
            "local_user": "",
            "operators": ["op"],
            "enforce_quotas": True,
        },
    }


async def test_put_plan_is_403_for_an_admin_and_200_for_the_operator(api):
    async def call(user, method, path, body=None):
        return await api(method, path, body, headers={"X-Test-User": user})

    status, org = await call("boss", "GET", "orgs/current")
    assert status == 200 and org["role"] == "ADMIN"
    status, problem = await call("boss", "PUT", "orgs/current/plan", {"plan": "ENTERPRISE"})
    assert status == 403 and problem["code"] == "forbidden"
    status, problem = await call("boss", "PUT", f"orgs/{org['id']}/plan", {"plan": "ENTERPRISE"})
    assert status == 403
    status, plan = await call(
        "op", "PUT", f"orgs/{org['id']}/plan", {"plan": "STARTER", "limits": {"projects": None}}
    )
    assert status == 200 and (plan["org_id"], plan["plan"]) == (org["id"], "STARTER")
    assert (await call("boss", "GET", "orgs/current"))[1]["plan"] == "STARTER"
    for bad in ({"api_calls_per_day": True}, {"api_calls_per_day": 2**64}, {"x": 1}):
        status, problem = await call(
            "op", "PUT", f"orgs/{org['id']}/plan", {"plan": "FREE", "limits": bad}
        )
        assert status in (400, 422), (bad, problem)
    status, _ = await call("op", "PUT", f"orgs/{'0' * 32}/plan", {"plan": "FREE"})
    assert status == 404
