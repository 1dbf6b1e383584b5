"""Quotas over REST with ``AskDBApp.enforce_quotas``: the plan set by an admin, calls past the
day's quota answered 429 with Retry-After and a problem naming the quota, the alerts listed as
notifications, and the usage endpoint. Responses are checked against the OpenAPI document."""

from __future__ import annotations

import json

import pytest

from askdb_server.openapi import openapi_document

from ..test_openapi import _template, _validator

DOC = openapi_document()


@pytest.fixture
def jp_server_config(tmp_path):
    return {
        "ServerApp": {"jpserver_extensions": {"askdb_server": True}},
        "AskDBApp": {
            "data_dir": str(tmp_path / "askdb-data"),
            "use_embeddings": False,
            "enforce_quotas": True,
        },
    }


@pytest.fixture
def call(api):
    async def go(method, path, body=None, headers=None):
        resp = await api(method, path, body, headers=headers, raw=True)
        data = json.loads(resp.body) if resp.body else None
        _validator(DOC, method, _template(DOC, "/askdb/api/" + path), resp.code).validate(data)
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
