"""The served OpenAPI document is valid and describes what the handlers really return."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from openapi_spec_validator import validate

from askdb_server.app import AskDBApp
from askdb_server.authz.policy import Permission, Role
from askdb_server.keys.scopes import SCOPES
from askdb_server.openapi import DuplicateEntryError, assemble, openapi_document
from askdb_server.projects import openapi as projects_fragment
from askdb_server.quotas.plans import PLANS
from tests.helpers.openapi import path_template, response_validator


async def test_document_is_valid_and_served(api):
    status, doc = await api("GET", "openapi.json")
    assert status == 200
    validate(doc)
    assert doc == openapi_document()


async def test_every_route_is_documented():
    doc = openapi_document()
    app = AskDBApp()
    app.initialize_handlers()
    for route, _handler in app.handlers:
        if route == r"/askdb/api/.*":  # the catch-all: problem+json 404 for unknown paths
            continue
        concrete = re.sub(r"\(\?P<[^>]+>[^)]*\)", "x", route)
        path_template(doc, concrete)


async def test_real_responses_match_the_document(api, shop_db):
    doc = openapi_document()
    calls = []

    async def call(method, path, body=None, **kw):
        status, data = await api(method, path, body, **kw)
        calls.append((method, "/askdb/api/" + path, status, data))
        return status, data

    _, p = await call(
        "POST", "projects", {"name": "shop", "connection_url": f"sqlite:///{shop_db}"}
    )
    pid = p["id"]
    await call("GET", "projects")
    await call("GET", f"projects/{pid}")
    await call("PATCH", f"projects/{pid}", {"description": "x"})
    await call("POST", f"projects/{pid}/schemas", {"introspect": True})
    await call("POST", f"projects/{pid}/schemas", {"ddl": "CREATE TABLE t (a INT"})
    await call("GET", f"projects/{pid}/schemas")
    await call("GET", f"projects/{pid}/schemas/current")
    await call("POST", f"projects/{pid}/run", {"sql": "SELECT * FROM customers"})
    await call("POST", f"projects/{pid}/run", {"sql": "DELETE FROM customers"})
    _, ans = await call("POST", f"projects/{pid}/ask", {"question": "how many orders are there?"})
    await call("GET", f"projects/{pid}/conversations")
    await call("POST", f"projects/{pid}/conversations", {"title": "Empty"})
    await call("GET", f"conversations/{ans['conversation_id']}")
    await call("GET", "projects/missing")
    await call("POST", f"projects/{pid}/archive")
    await call("POST", f"projects/{pid}/restore")
    statuses = set()
    for method, path, status, data in calls:
        template = path_template(doc, path)
        response_validator(doc, method, template, status).validate(data)
        statuses.add(status)
    assert {200, 201, 400, 404} <= statuses


ROLES = [role.value for role in Role]
PERMISSIONS = [permission.value for permission in Permission]


def _schema(doc: dict, name: str) -> dict:
    """The component schema ``name``, or the request body of ``name`` = ``METHOD /path``."""
    if " " not in name:
        return doc["components"]["schemas"][name]
    method, path = name.split(" ")
    body = doc["paths"][path][method.lower()]["requestBody"]
    return body["content"]["application/json"]["schema"]


@pytest.mark.parametrize(
    ("schema", "prop", "enum"),
    [
        ("POST /askdb/api/projects/{project_id}/keys", "scopes", list(SCOPES)),
        ("Organization", "plan", list(PLANS)),
        ("PUT /askdb/api/orgs/current/plan", "plan", list(PLANS)),
        ("Organization", "role", ROLES),
        ("User", "role", [*ROLES, None]),
        ("Invitation", "role", ROLES),
        ("ProjectMember", "permission", PERMISSIONS),
        ("Project", "permission", [*PERMISSIONS, None]),
    ],
)
def test_enums_are_the_codes_own_constants(schema, prop, enum):
    described = _schema(openapi_document(), schema)["properties"][prop]
    assert described.get("items", described)["enum"] == enum


def test_assembly_refuses_a_duplicate_and_leaves_fragments_alone():
    one = SimpleNamespace(__name__="one", PATHS={}, SCHEMAS={"Thing": {}})
    two = SimpleNamespace(__name__="two", PATHS={}, SCHEMAS={"Thing": {}})
    with pytest.raises(DuplicateEntryError, match="Thing is in both one and two"):
        assemble([one, two])
    # Every API operation may answer 401 (a refused key) in the document, not in its fragment.
    path, method = "/askdb/api/projects", "get"
    assert "401" in openapi_document()["paths"][path][method]["responses"]
    assert "401" not in projects_fragment.PATHS[path][method]["responses"]
