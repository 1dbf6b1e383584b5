"""Quotas over REST with ``AskDBApp.enforce_quotas``: the plan set by an admin, calls past the
day's quota answered 429 with Retry-After and a problem naming the quota, the alerts listed as
notifications, and the usage endpoint. Responses are checked against the OpenAPI document; on
SQLite and PostgreSQL stores."""

from __future__ import annotations

import json

import pytest

from askdb_server.openapi import openapi_document
from tests.helpers.openapi import path_template, response_validator
from tests.helpers.servers import askdb_server_config

DOC = openapi_document()


@pytest.fixture
def jp_server_config(tmp_path, store_url):
    return askdb_server_config(tmp_path, enforce_quotas=True, database_url=store_url)


@pytest.fixture
def call(api):
    async def go(method, path, body=None, headers=None):
        resp = await api(method, path, body, headers=headers, raw=True)
        data = json.loads(resp.body) if resp.body else None
        template = path_template(DOC, "/askdb/api/" + path)
        response_validator(DOC, method, template, resp.code).validate(data)
        return resp, data

    return go


async def test_calls_past_the_quota_are_429_with_retry_after(call, shop_project):
    pid = shop_project["id"]
    resp, plan = await call(
        "PUT", "orgs/current/plan", {"plan": "FREE", "limits": {"api_calls_per_day": 2}}
    )
    assert resp.code == 200 and plan["limits"]["api_calls_per_day"] == 2
    for _ in range(2):
        resp, _ = await call("POST", f"projects/{pid}/run", {"sql": "SELECT 1"})
        assert resp.code == 200
    resp, problem = await call("POST", f"projects/{pid}/ask", {"question": "how many customers?"})
    assert resp.code == 429 and problem["quota"] == "api_calls_per_day" and problem["limit"] == 2
    assert 0 < int(resp.headers["Retry-After"]) <= 86400
    resp, notes = await call("GET", "notifications")
    assert sorted(n["data"]["percent"] for n in notes["notifications"]) == [80, 90, 100]
    resp, usage = await call("GET", f"projects/{pid}/usage")
    assert usage["calls_today"] == 2 and usage["enforced"] is True
    resp, _ = await call("PUT", "orgs/current/plan", {"plan": "STARTER"})
    resp, _ = await call("POST", f"projects/{pid}/run", {"sql": "SELECT 1"})
    assert resp.code == 200


async def test_a_keys_own_quota_and_token_count(call, shop_project):
    pid = shop_project["id"]
    resp, key = await call(
        "POST",
        f"projects/{pid}/keys",
        {"name": "k", "scopes": ["query:generate"], "calls_per_day": 1},
    )
    assert resp.code == 201 and key["calls_per_day"] == 1
    auth = {"Authorization": f"Bearer {key['key']}"}
    resp, ans = await call(
        "POST", f"projects/{pid}/ask", {"question": "how many customers are there?"}, headers=auth
    )
    assert resp.code == 200, ans
    resp, problem = await call(
        "POST", f"projects/{pid}/ask", {"question": "how many orders?"}, headers=auth
    )
    assert resp.code == 429 and problem["quota"] == "key_calls_per_day"
    resp, usage = await call("GET", f"projects/{pid}/usage")
    assert usage["calls_today"] == 1
    resp, conv = await call("GET", f"conversations/{ans['conversation_id']}")
    tokens = sum(m.get("tokens") or 0 for m in conv["messages"])
    assert usage["tokens_this_month"] == tokens  # the engine's own count, charged after answering


async def test_storage_past_the_plan_is_403_naming_what_to_delete(api, call, shop_project):
    pid = shop_project["id"]  # introspected: v1
    limits = {"schema_versions": 2, "conversation_messages": 2}
    resp, plan = await call("PUT", "orgs/current/plan", {"plan": "FREE", "limits": limits})
    assert plan["limits"]["conversation_messages"] == 2
    ddl = "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, country TEXT);"
    resp, _ = await call("POST", f"projects/{pid}/schemas", {"ddl": ddl})
    assert resp.code == 201
    resp, problem = await call("POST", f"projects/{pid}/schemas", {"introspect": True})
    assert (resp.code, problem["code"], problem["resource"]) == (
        403,
        "plan_limit_reached",
        "schema_versions",
    )
    resp, first = await call("POST", f"projects/{pid}/run", {"sql": "SELECT 1"})
    resp, _ = await call("POST", f"projects/{pid}/ask", {"question": "how many customers?"})
    assert resp.code == 200
    resp, problem = await call("POST", f"projects/{pid}/ask", {"question": "how many orders?"})
    assert (resp.code, problem["resource"], problem["limit"]) == (403, "conversation_messages", 2)
    assert "DELETE conversations/{id}" in problem["detail"]
    resp, usage = await call("GET", f"projects/{pid}/usage")
    assert (usage["schema_versions"], usage["conversation_messages"]) == (2, 2)
    resp, notes = await call("GET", "notifications")
    alerts = [n["data"] for n in notes["notifications"]]
    assert sorted(a["percent"] for a in alerts if a["quota"] == "conversation_messages") == [
        80,
        90,
        100,
    ]
    status, _ = await api("DELETE", f"conversations/{first['conversation_id']}")
    assert status == 204
    resp, _ = await call("POST", f"projects/{pid}/run", {"sql": "SELECT 2"})
    assert resp.code == 200
