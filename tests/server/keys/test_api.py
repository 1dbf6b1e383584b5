"""API keys over REST on a real Jupyter server: management endpoints, and requests that
authenticate with ``Authorization: Bearer askdb_...`` instead of Jupyter's token. Every
response is checked against the OpenAPI document; on SQLite and PostgreSQL stores."""

from __future__ import annotations

import pytest

from askdb_server.openapi import openapi_document
from tests.helpers.openapi import path_template, response_validator
from tests.helpers.servers import askdb_server_config

DOC = openapi_document()


@pytest.fixture
def jp_server_config(tmp_path, store_url):
    """A real server on each store: on PostgreSQL, key requests take ``PgKeyGate``."""
    return askdb_server_config(tmp_path, database_url=store_url)


@pytest.fixture
def call(api):
    """``await call("GET", path, key=...)``: with ``key``, the request carries only the API
    key (no Jupyter token); the response is validated against the OpenAPI document."""

    async def go(method, path, body=None, key=None, headers=None):
        headers = dict(headers or {})
        if key is not None:
            headers["Authorization"] = f"Bearer {key}"
        status, data = await api(method, path, body, headers=headers)
        template = path_template(DOC, "/askdb/api/" + path)
        response_validator(DOC, method, template, status).validate(data)
        return status, data

    return go


async def _key(call, pid, **fields):
    fields.setdefault("name", "etl")
    fields.setdefault("scopes", ["schema:read", "query:generate"])
    status, body = await call("POST", f"projects/{pid}/keys", fields)
    assert status == 201, body
    return body


async def test_manage_keys_and_use_one(call, shop_project):
    pid = shop_project["id"]
    new = await _key(call, pid, notes="nightly job", endpoints=["schemas", "ask"])
    status, listed = await call("GET", f"projects/{pid}/keys")
    assert status == 200 and [k["id"] for k in listed["keys"]] == [new["id"]]
    assert "key" not in listed["keys"][0]
    status, got = await call("GET", f"projects/{pid}/schemas", key=new["key"])
    assert status == 200 and got
    status, ans = await call(
        "POST", f"projects/{pid}/ask", {"question": "how many customers are there?"}, key=new["key"]
    )
    assert status == 200, ans
    status, changed = await call("PATCH", f"projects/{pid}/keys/{new['id']}", {"notes": "n2"})
    assert status == 200 and changed["notes"] == "n2"
    status, act = await call("GET", f"projects/{pid}/keys/{new['id']}/activity")
    assert status == 200 and act["stats"]["succeeded"] == 2
    assert {a["endpoint"] for a in act["activity"]} == {"schemas", "ask"}


async def test_refusals_say_why(call, shop_project):
    pid = shop_project["id"]
    new = await _key(call, pid, scopes=["schema:read"])
    status, p = await call("POST", f"projects/{pid}/run", {"sql": "SELECT 1"}, key=new["key"])
    assert (status, p["code"], p["reason"]) == (403, "api_key_forbidden", "scope")
    assert "query:execute" in p["detail"]
    status, p = await call("GET", "projects", key=new["key"])
    assert (status, p["reason"]) == (403, "project")
    wrong = new["key"][:-2] + ("xx" if not new["key"].endswith("xx") else "yy")
    status, p = await call("GET", f"projects/{pid}/schemas", key=wrong)
    assert (status, p["code"], p["detail"]) == (
        401,
        "api_key_rejected",
        "The API key is not valid.",
    )
    status, p = await call("GET", f"projects/{pid}/schemas", key="askdb_0000_nothing")
    assert (status, p["detail"]) == (401, "The API key is not valid.")
    status, _ = await call("DELETE", f"projects/{pid}/keys/{new['id']}")
    assert status == 200
    status, p = await call("GET", f"projects/{pid}/schemas", key=new["key"])
    assert (status, p["reason"]) == (401, "revoked")


async def test_endpoint_list_and_management_by_key(call, shop_project):
    pid = shop_project["id"]
    narrow = await _key(call, pid, endpoints=["ask"])
    status, p = await call("GET", f"projects/{pid}/schemas", key=narrow["key"])
    assert (status, p["reason"]) == (403, "endpoint")
    status, p = await call("GET", f"projects/{pid}/keys", key=narrow["key"])
    assert (status, p["reason"]) == (403, "endpoint")
    admin = await _key(call, pid, scopes=["admin:*"])
    status, listed = await call("GET", f"projects/{pid}/keys", key=admin["key"])
    assert status == 200 and len(listed["keys"]) == 2


async def test_ip_allow_list_ignores_forwarded_for(call, shop_project):
    pid = shop_project["id"]
    far = await _key(call, pid, ip_allow=["10.0.0.0/8", "2001:db8::/32"])
    spoof = {"X-Forwarded-For": "10.1.2.3"}
    status, p = await call("GET", f"projects/{pid}/schemas", key=far["key"], headers=spoof)
    assert (status, p["reason"]) == (403, "network") and "127.0.0.1" in p["detail"]
    near = await _key(call, pid, ip_allow=["127.0.0.0/8", "::1/128"])
    status, _ = await call("GET", f"projects/{pid}/schemas", key=near["key"])
    assert status == 200


async def test_rotation_over_rest(call, shop_project):
    pid = shop_project["id"]
    old = await _key(call, pid)
    status, new = await call(
        "POST", f"projects/{pid}/keys/{old['id']}/rotate", {"overlap_seconds": 0}
    )
    assert status == 201 and new["key"] != old["key"]
    status, p = await call("GET", f"projects/{pid}/schemas", key=old["key"])
    assert (status, p["reason"]) == (401, "rotated")
    status, _ = await call("GET", f"projects/{pid}/schemas", key=new["key"])
    assert status == 200
    status, p = await call(
        "POST", f"projects/{pid}/keys/{old['id']}/rotate", {"overlap_seconds": -1}
    )
    assert status == 400
