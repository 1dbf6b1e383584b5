"""The guard's project settings over REST: allowed functions, introspection queries and the
unsafe override for privileged roles, set by an organization admin and honored by the guard."""

from __future__ import annotations

import pytest


async def test_guard_settings_widen_what_runs_and_are_shown(api, shop_project):
    pid = shop_project["id"]
    assert shop_project["sql_functions"] == [] and shop_project["unsafe"] == []
    status, problem = await api("POST", f"projects/{pid}/run", {"sql": "SELECT sleep_score(1)"})
    assert status == 400 and problem["code"] == "unsafe_sql"
    assert "SLEEP_SCORE" in problem["detail"]

    status, p = await api("PATCH", f"projects/{pid}", {"sql_functions": ["Sleep_Score"]})
    assert status == 200 and p["sql_functions"] == ["sleep_score"]
    # The guard lets it through now; SQLite itself has no such function.
    status, problem = await api("POST", f"projects/{pid}/run", {"sql": "SELECT sleep_score(1)"})
    assert status == 400 and problem["code"] == "query_failed"
    assert "no such function" in problem["detail"]

    sql = {"sql": "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"}
    status, problem = await api("POST", f"projects/{pid}/run", sql)
    assert status == 400 and problem["code"] == "unsafe_sql"
    status, p = await api("PATCH", f"projects/{pid}", {"allow_introspection": True})
    assert status == 200 and p["allow_introspection"] is True
    status, answer = await api("POST", f"projects/{pid}/run", sql)
    assert status == 200 and answer["rows"] == [["customers"], ["orders"]]

    status, p = await api("PATCH", f"projects/{pid}", {"allow_privileged": True})
    assert status == 200 and p["unsafe"] == ["allow_privileged"]
    status, again = await api("GET", f"projects/{pid}")
    assert again["allow_privileged"] is True and again["unsafe"] == ["allow_privileged"]


@pytest.mark.parametrize(
    "body",
    [
        {"sql_functions": "sleep_score"},
        {"sql_functions": ["bad name; drop"]},
        {"sql_functions": [1]},
        {"sql_functions": ["x"] * 201},
        {"allow_privileged": "yes"},
        {"allow_introspection": 1},
    ],
)
async def test_bad_guard_settings_are_refused_and_change_nothing(api, shop_project, body):
    pid = shop_project["id"]
    status, problem = await api("PATCH", f"projects/{pid}", body)
    assert status in (400, 422) and "code" in problem
    status, p = await api("GET", f"projects/{pid}")
    assert p["sql_functions"] == [] and p["allow_privileged"] is False
    assert p["allow_introspection"] is False
