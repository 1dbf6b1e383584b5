"""Malformed input answers problem+json 4xx naming the field, never 500 (issue 11, item 6).

One line per kind of bad input, on a SQLite and a PostgreSQL store; every JSON endpoint of the
OpenAPI document (``auth/*`` included, before sign-in) also gets deeply nested JSON. The server
runs in a process of its own (tests/helpers/live.py) for the whole module, and the last test
checks that its log holds no server error.
"""

from __future__ import annotations

import re

import pytest

from askdb_server.base.validation import MAX_JSON_BYTES
from askdb_server.openapi import openapi_document
from tests.helpers.live import live_server, shop_world, store_database

BIG = 2**64  # beyond 64 bits
DEEP = "[" * 100_000 + "]" * 100_000
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live(request, tmp_path_factory):
    """A server on either store with a project, a conversation and a key: ``(server, ids)``."""
    tmp = tmp_path_factory.mktemp(f"input-{request.param}")
    with store_database(request.param, tmp) as url, live_server(tmp / "server", url) as server:
        yield server, shop_world(server, tmp)


def bad(method, path, body, status, code, field=None, id=None):  # noqa: A002
    return pytest.param(method, path, body, status, code, field, id=id)


KEY = {"name": "k", "scopes": ["chat:read"]}
CASES = [
    # lone surrogates ("\ud800" in JSON), anywhere a string is stored
    bad("POST", "projects", '{"name": "\\ud800"}', 400, "invalid_input", "name", "surrogate-name"),
    bad(
        "PATCH",
        "conversations/{cid}",
        '{"title": "a\\udfffb"}',
        400,
        "invalid_input",
        "title",
        "surrogate-title",
    ),
    bad(
        "POST",
        "projects/{pid}/docs",
        '{"body": "\\ud83d"}',
        400,
        "invalid_input",
        "body",
        "surrogate-doc",
    ),
    bad(
        "POST",
        "auth/login",
        '{"email": "\\ud800", "password": "x"}',
        400,
        "invalid_input",
        "email",
        "surrogate-before-sign-in",
    ),
    bad("GET", "projects/%ED%A0%80", None, 400, "http_error", None, "surrogate-path-id"),
    bad("GET", "projects/%FF", None, 400, "http_error", None, "invalid-utf8-path-id"),
    # NUL in strings, keys and path ids (PostgreSQL refuses NUL in text)
    bad("POST", "projects", '{"name": "a\\u0000b"}', 400, "invalid_input", "name", "nul-name"),
    bad(
        "POST",
        "projects/{pid}/ask",
        '{"question": "\\u0000"}',
        400,
        "invalid_input",
        "question",
        "nul-question",
    ),
    bad("POST", "projects", '{"na\\u0000me": "x"}', 400, "invalid_input", None, "nul-key"),
    bad("GET", "projects/a%00b", None, 404, "project_not_found", "project_id", "nul-project-id"),
    bad(
        "GET",
        "conversations/a%00b",
        None,
        404,
        "conversation_not_found",
        "conversation_id",
        "nul-conversation-id",
    ),
    bad("GET", "projects/{pid}/keys/a%00b", None, 404, "api_key_not_found", "key_id", "nul-key-id"),
    bad(
        "DELETE",
        "projects/{pid}/docs/%00",
        None,
        404,
        "doc_not_found",
        "doc_id",
        "nul-doc-id",
    ),
    # strings longer than their column
    bad("POST", "projects", {"name": "n" * 256}, 400, "invalid_input", "name", "long-name"),
    bad(
        "PATCH",
        "conversations/{cid}",
        {"title": "t" * 256},
        400,
        "invalid_input",
        "title",
        "long-title",
    ),
    bad(
        "POST",
        "projects/{pid}/keys",
        {**KEY, "name": "k" * 256},
        400,
        "invalid_input",
        "name",
        "long-key-name",
    ),
    bad(
        "PATCH", "orgs/current", {"name": "o" * 256}, 400, "invalid_input", "name", "long-org-name"
    ),
    bad(
        "POST",
        "orgs/current/invitations",
        {"email": "e" * 321, "role": "VIEWER"},
        400,
        "invalid_input",
        "email",
        "long-email",
    ),
    bad(
        "PATCH",
        "users/me",
        {"avatar_url": "u" * 2049},
        400,
        "invalid_input",
        "avatar_url",
        "long-avatar-url",
    ),
    bad(
        "GET",
        "projects/" + "p" * 33,
        None,
        404,
        "project_not_found",
        "project_id",
        "long-project-id",
    ),
    # wrong JSON types
    bad(
        "PATCH",
        "conversations/{cid}",
        {"title": [None, None]},
        400,
        "invalid_input",
        "title",
        "title-list",
    ),
    bad(
        "POST",
        "orgs/current/members",
        {"username": 123, "role": "VIEWER"},
        400,
        "invalid_input",
        "username",
        "username-number",
    ),
    bad("PUT", "orgs/current/plan", {"plan": {}}, 400, "invalid_input", "plan", "plan-object"),
    bad("POST", "projects", {"name": True}, 400, "invalid_input", "name", "name-boolean"),
    bad(
        "POST",
        "projects",
        {"name": "x", "connection_url": {}},
        400,
        "invalid_input",
        "connection_url",
        "connection-url-object",
    ),
    bad(
        "PATCH",
        "projects/{pid}",
        {"connection_url": {}},
        400,
        "invalid_input",
        "connection_url",
        "patch-connection-url-object",
    ),
    bad(
        "POST",
        "projects/{pid}/ask",
        {"question": 5},
        400,
        "invalid_input",
        "question",
        "question-number",
    ),
    bad("POST", "projects/{pid}/schemas", {"ddl": 5}, 400, "invalid_input", None, "ddl-number"),
    bad(
        "POST",
        "projects/{pid}/golden",
        {"message_id": ["x"]},
        400,
        "invalid_input",
        None,
        "message-id-list",
    ),
    bad(
        "POST",
        "projects/{pid}/keys",
        {**KEY, "scopes": "chat:read"},
        400,
        "invalid_input",
        "scopes",
        "scopes-string",
    ),
    # integers beyond 64 bits (and beyond their column), booleans and floats as integers
    bad(
        "POST",
        "projects/{pid}/keys",
        {**KEY, "calls_per_day": BIG},
        400,
        "invalid_input",
        "calls_per_day",
        "calls-per-day-beyond-64-bits",
    ),
    bad(
        "POST",
        "projects/{pid}/keys",
        {**KEY, "calls_per_day": 2**40},
        400,
        "invalid_input",
        "calls_per_day",
        "calls-per-day-beyond-its-column",
    ),
    bad(
        "POST",
        "projects/{pid}/keys",
        {**KEY, "tokens_per_month": 2**63},
        400,
        "invalid_input",
        "tokens_per_month",
        "tokens-per-month-beyond-64-bits",
    ),
    bad(
        "POST",
        "projects/{pid}/keys",
        {**KEY, "calls_per_day": True},
        400,
        "invalid_input",
        "calls_per_day",
        "calls-per-day-boolean",
    ),
    bad(
        "POST",
        "projects/{pid}/keys",
        {**KEY, "calls_per_day": 1.0},
        400,
        "invalid_input",
        "calls_per_day",
        "calls-per-day-float",
    ),
    bad(
        "POST",
        "projects/{pid}/keys",
        '{"name": "k", "scopes": [], "calls_per_day": 1e400}',
        400,
        "invalid_input",
        "calls_per_day",
        "calls-per-day-infinite",
    ),
    bad(
        "POST",
        "projects/{pid}/keys",
        '{"name": "k", "scopes": [], "calls_per_day": NaN}',
        400,
        "invalid_input",
        None,
        "calls-per-day-nan",
    ),
    bad(
        "POST",
        "projects/{pid}/keys",
        '{"name": "k", "calls_per_day": ' + "9" * 5000 + "}",
        400,
        "invalid_input",
        None,
        "integer-of-5000-digits",
    ),
    bad(
        "PATCH",
        "projects/{pid}/keys/{kid}",
        {"calls_per_day": -1},
        400,
        "invalid_input",
        "calls_per_day",
        "calls-per-day-negative",
    ),
    bad(
        "POST",
        "projects/{pid}/keys/{kid}/rotate",
        {"overlap_seconds": BIG},
        400,
        "invalid_input",
        "overlap_seconds",
        "overlap-beyond-64-bits",
    ),
    bad(
        "POST",
        "projects/{pid}/keys/{kid}/rotate",
        {"overlap_seconds": 2**40},
        400,
        "invalid_input",
        "overlap_seconds",
        "overlap-beyond-a-date",
    ),
    bad(
        "PUT",
        "orgs/current/plan",
        {"plan": "FREE", "limits": {"api_calls_per_day": True}},
        400,
        "invalid_input",
        "limits.api_calls_per_day",
        "limit-boolean",
    ),
    bad(
        "PUT",
        "orgs/current/plan",
        {"plan": "FREE", "limits": {"projects": BIG}},
        400,
        "invalid_input",
        "limits.projects",
        "limit-beyond-64-bits",
    ),
    bad(
        "GET",
        f"projects/{{pid}}/search?q=x&limit={BIG}",
        None,
        400,
        "invalid_input",
        "limit",
        "search-limit-beyond-64-bits",
    ),
    bad(
        "GET",
        f"projects/{{pid}}/keys/{{kid}}/activity?limit={BIG}",
        None,
        400,
        "invalid_input",
        "limit",
        "activity-limit-beyond-64-bits",
    ),
    bad(
        "GET",
        f"projects/{{pid}}/schemas/{BIG}",
        None,
        404,
        "schema_version_not_found",
        "version",
        "schema-version-beyond-64-bits",
    ),
    bad(
        "GET",
        f"projects/{{pid}}/schemas/{2**31}",
        None,
        404,
        "schema_version_not_found",
        "version",
        "schema-version-beyond-its-column",
    ),
    # bodies that are not JSON objects, or too large, or too deep
    bad("POST", "projects", "not json", 400, "invalid_input", None, "not-json"),
    bad("POST", "projects", b'{"name": "\xff"}', 400, "invalid_input", None, "not-utf8"),
    bad("POST", "projects", "[1, 2]", 400, "invalid_input", None, "json-array"),
    bad("POST", "projects", '"shop"', 400, "invalid_input", None, "json-string"),
    bad("POST", "projects", "null", 400, "invalid_input", None, "json-null"),
    bad("POST", "projects", '{"name": "x"} {}', 400, "invalid_input", None, "two-documents"),
    bad(
        "POST",
        "projects",
        '{"name": ' + '{"a": ' * 40 + "1" + "}" * 40 + "}",
        400,
        "invalid_input",
        None,
        "nested-40-deep",
    ),
    bad(
        "POST",
        "projects",
        {"name": "x" * (MAX_JSON_BYTES + 1)},
        413,
        "body_too_large",
        None,
        "body-too-large",
    ),
    bad(
        "POST",
        "auth/register",
        {"email": "x" * (MAX_JSON_BYTES + 1)},
        413,
        "body_too_large",
        None,
        "body-too-large-before-sign-in",
    ),
    # paths that no route serves
    bad(
        "GET",
        "projects/{pid}/schemas/not-a-number",
        None,
        404,
        "unknown_endpoint",
        None,
        "schema-version-not-a-number",
    ),
    bad("GET", "nope", None, 404, "unknown_endpoint", None, "unknown-path"),
    bad("POST", "projects/{pid}/nope", "{}", 404, "unknown_endpoint", None, "unknown-subpath"),
    bad(
        "DELETE",
        "projects/{pid}/keys/{kid}/activity/x",
        None,
        404,
        "unknown_endpoint",
        None,
        "unknown-deeper-path",
    ),
]


def _json_operations() -> list:
    """Every (method, path) of the document that takes a JSON body."""
    found = []
    for template, ops in openapi_document()["paths"].items():
        for method, op in ops.items():
            if "application/json" in op.get("requestBody", {}).get("content", {}):
                found.append(pytest.param(method.upper(), template, id=f"{method}-{template}"))
    return found


def _concrete(template: str, ids: dict) -> str:
    names = {
        "project_id": ids["pid"],
        "conversation_id": ids["cid"],
        "key_id": ids["kid"],
        "version": "1",
    }
    path = re.sub(r"\{([^}]+)\}", lambda m: names.get(m.group(1), "x" * 32), template)
    return path.removeprefix("/askdb/api/")


def _assert_problem(resp, status: int, code: str | None = None, field: str | None = None):
    assert resp.status_code == status, resp.text[:500]
    assert resp.headers["Content-Type"].startswith(PROBLEM), resp.headers["Content-Type"]
    problem = resp.json()
    assert problem["status"] == status and problem["detail"]
    if code is not None:
        assert problem["code"] == code, problem
    if field is not None:
        assert problem.get("field") == field, problem


@pytest.mark.parametrize("method,path,body,status,code,field", CASES)
def test_malformed_input_is_a_problem_naming_the_field(
    live, method, path, body, status, code, field
):
    server, ids = live
    resp = server.call(method, path.format(**ids), body)
    _assert_problem(resp, status, code, field)


@pytest.mark.parametrize("method,template", _json_operations())
def test_deeply_nested_json_on_every_json_endpoint(live, method, template):
    server, ids = live
    resp = server.call(method, _concrete(template, ids), DEEP)
    _assert_problem(resp, 400, "invalid_input")
    assert "deeper" in resp.json()["detail"]


def test_timestamps_carry_a_utc_offset(live):
    server, ids = live
    for path, key in (
        (f"projects/{ids['pid']}", "created_at"),
        (f"conversations/{ids['cid']}", "created_at"),
        (f"projects/{ids['pid']}/keys/{ids['kid']}", "created_at"),
        ("users/me", "created_at"),
    ):
        stamp = server.call("GET", path).json()[key]
        assert re.search(r"(\+00:00|Z)$", stamp), (path, stamp)


def test_the_inputs_it_accepts_still_work(live):
    server, ids = live
    resp = server.call("POST", "projects", {"name": "ok \U0001f600", "description": "d" * 1000})
    assert resp.status_code == 201, resp.text
    resp = server.call("PATCH", f"conversations/{ids['cid']}", {"title": "t" * 255})
    assert resp.status_code == 200, resp.text
    resp = server.call("GET", f"projects/{ids['pid']}/schemas/current")
    assert resp.status_code == 200 and resp.json()["version"] == 1
    # What the kernel's REST client sends: null for "no conversation yet", "" for no title.
    resp = server.call(
        "POST", f"projects/{ids['pid']}/run", {"sql": "SELECT 1", "conversation_id": None}
    )
    assert resp.status_code == 200, resp.text
    resp = server.call("POST", f"projects/{ids['pid']}/docs", {"body": "b", "title": None})
    assert resp.status_code == 201, resp.text


def test_no_request_was_a_server_error(live):
    server, _ = live
    log = server.log_text()
    errors = [
        line
        for line in log.splitlines()
        if re.search(r"\b5\d\d (GET|POST|PUT|PATCH|DELETE) ", line)
    ]
    assert not errors and "Traceback" not in log, "\n".join(errors) + log[-4000:]


async def test_the_check_runs_under_any_base_url(api):
    """pytest-jupyter serves under ``/a@b/``, which requests spell ``/a%40b/``."""
    status, problem = await api("POST", "projects", {"name": True})
    assert status == 400 and problem["field"] == "name", problem
    status, problem = await api("GET", "nope")
    assert status == 404 and problem["code"] == "unknown_endpoint", problem
