"""The authorization matrix over REST: two organizations x the four roles x the endpoints of
projects, schemas, questions, knowledge, sharing, users, organizations and the audit log.

Every request goes to a real Jupyter server. The token authenticates as usual; a test-only
identity provider then takes the username from ``X-Test-User`` (production trusts no such
header), and ``local_user`` is empty so AskDB uses the identity provider's username. Every
response is also checked against the OpenAPI document.
"""

from __future__ import annotations

import itertools

import pytest

from tests.helpers.servers import HeaderIdentityProvider
from tests.helpers.shop import SHOP_DDL
from tests.helpers.world import ROLES

WRITE = "PUT", "PATCH", "DELETE", "POST"


@pytest.fixture
def jp_server_config(tmp_path):
    return {
        "ServerApp": {
            "jpserver_extensions": {"askdb_server": True},
            "identity_provider_class": HeaderIdentityProvider,
        },
        "AskDBApp": {
            "data_dir": str(tmp_path / "askdb-data"),
            "use_embeddings": False,
            "local_user": "",
            "sqlite_roots": [str(tmp_path)],  # a shared deployment: the test's databases only
        },
    }


@pytest.fixture
def orgs(as_user, shop_db, jp_asyncio_loop):
    """Organizations a and b, one member per role; a's project "shop" shared with a's
    developer (EDITOR) and viewer (VIEWER). Returns {username: user id} and a's project id."""

    async def build():
        ids = {}
        for org in "ab":
            admin = f"{org}-admin"
            ids[admin] = (await as_user(admin, "GET", "users/me"))[1]["id"]
            for role in ROLES[1:]:
                name = f"{org}-{role.lower()}"
                status, invitation = await as_user(
                    admin, "POST", "orgs/current/members", {"username": name, "role": role}
                )
                assert status == 201, invitation
                assert (invitation["username"], invitation["status"]) == (name, "pending")
                status, member = await as_user(
                    name, "POST", f"invitations/{invitation['id']}/accept"
                )
                assert status == 200, member
                ids[name] = member["id"]
        status, p = await as_user(
            "a-admin",
            "POST",
            "projects",
            {"name": "shop", "connection_url": f"sqlite:///{shop_db}"},
        )
        assert status == 201, p
        await as_user("a-admin", "POST", f"projects/{p['id']}/schemas", {"introspect": True})
        for name, perm in (("a-developer", "EDITOR"), ("a-viewer", "VIEWER")):
            status, _ = await as_user(
                "a-admin",
                "POST",
                f"projects/{p['id']}/share",
                {"username": name, "permission": perm},
            )
            assert status == 201
        return ids, p["id"]

    return jp_asyncio_loop.run_until_complete(build())


_names = (f"copy{i}" for i in itertools.count())

# (method, path, body, expected status for ADMIN, MANAGER, DEVELOPER, VIEWER of org a).
# Members of org b get 404 for every project path.
PROJECT_MATRIX = [
    ("GET", "projects/{p}", None, (200, 200, 200, 200)),
    ("PATCH", "projects/{p}", {"description": "d"}, (200, 200, 200, 403)),
    ("GET", "projects/{p}/schemas", None, (200, 200, 200, 200)),
    ("POST", "projects/{p}/schemas", {"ddl": SHOP_DDL}, (201, 201, 201, 403)),
    ("POST", "projects/{p}/ask", {"question": "how many customers are there?"}, (200,) * 4),
    ("POST", "projects/{p}/run", {"sql": "SELECT name FROM customers"}, (200, 200, 200, 403)),
    ("POST", "projects/{p}/docs", {"body": "a customer buys things"}, (201, 201, 201, 403)),
    ("GET", "projects/{p}/members", None, (200, 200, 200, 200)),
    (
        "POST",
        "projects/{p}/share",
        {"username": "a-viewer", "permission": "VIEWER"},
        (201, 201, 403, 403),
    ),
    (
        "PATCH",
        "projects/{p}/permissions/{a-viewer}",
        {"permission": "VIEWER"},
        (200, 200, 403, 403),
    ),
    ("POST", "projects/{p}/clone", "name", (201, 201, 201, 403)),
    ("POST", "projects/{p}/archive", None, (200, 200, 403, 403)),
    ("POST", "projects/{p}/restore", None, (200, 200, 403, 403)),
    ("POST", "projects/{p}/transfer", {"user_id": "{a-viewer}"}, (400, 400, 403, 403)),
    ("DELETE", "projects/{p}/share/{a-admin}", None, (409, 409, 403, 403)),
]

# Org-level endpoints: expected status per role, the same in both organizations.
ORG_MATRIX = [
    ("GET", "users/me", None, (200, 200, 200, 200)),
    ("GET", "users", None, (200, 200, 403, 403)),
    ("GET", "users/{viewer}", None, (200, 200, 403, 403)),
    ("PATCH", "users/{viewer}", {"role": "VIEWER"}, (200, 403, 403, 403)),
    # The viewer's account is their own (they have a personal organization): no admin renames it.
    ("PATCH", "users/{viewer}", {"name": "V"}, (403, 403, 403, 403)),
    ("GET", "orgs/current", None, (200, 200, 200, 200)),
    ("PATCH", "orgs/current", {"name": "Org"}, (200, 403, 403, 403)),
    ("GET", "orgs/current/members", None, (200, 200, 403, 403)),
    ("PATCH", "orgs/current/members/{viewer}", {"role": "VIEWER"}, (200, 403, 403, 403)),
    ("GET", "audit", None, (200, 403, 403, 403)),
    ("POST", "projects", "name", (201, 201, 201, 403)),
]


def _fill(text, ids, pid, org=""):
    text = text.replace("{p}", pid).replace("{viewer}", ids[f"{org}-viewer"] if org else "")
    for name, uid in ids.items():
        text = text.replace("{" + name + "}", uid)
    return text


def _body(body, ids, pid):
    if body == "name":
        return {"name": next(_names)}
    if isinstance(body, dict):
        return {k: _fill(v, ids, pid) if isinstance(v, str) else v for k, v in body.items()}
    return body


async def test_project_endpoints_by_role_and_organization(as_user, orgs):
    ids, pid = orgs
    for method, path, body, expected in PROJECT_MATRIX:
        for role, want in zip(ROLES, expected, strict=True):
            url = _fill(path, ids, pid)
            status, data = await as_user(f"a-{role.lower()}", method, url, _body(body, ids, pid))
            assert status == want, (role, method, path, data)
            if status == 403:
                assert data["code"] == "forbidden"
            status, data = await as_user(f"b-{role.lower()}", method, url, _body(body, ids, pid))
            assert status == 404, ("b", role, method, path, data)  # another org's id: missing


async def test_org_endpoints_by_role_and_organization(as_user, orgs):
    ids, pid = orgs
    for org in "ab":
        for method, path, body, expected in ORG_MATRIX:
            for role, want in zip(ROLES, expected, strict=True):
                url = _fill(path, ids, pid, org)
                status, data = await as_user(
                    f"{org}-{role.lower()}", method, url, _body(body, ids, pid)
                )
                assert status == want, (org, role, method, path, data)
    # Another organization's users are missing, even for an admin.
    for method in ("GET", "PATCH", "DELETE"):
        body = {"name": "x"} if method == "PATCH" else None
        status, _ = await as_user("b-admin", method, f"users/{ids['a-viewer']}", body)
        assert status == 404
        path = f"orgs/current/members/{ids['a-viewer']}"
        if method != "GET":
            status, _ = await as_user("b-admin", method, path, {"role": "ADMIN"} if body else None)
            assert status == 404


async def test_listings_show_only_what_the_caller_may_see(as_user, orgs):
    ids, pid = orgs
    seen = {}
    for user in ("a-admin", "a-manager", "a-developer", "a-viewer", "b-admin", "b-developer"):
        seen[user] = [p["id"] for p in (await as_user(user, "GET", "projects"))[1]["projects"]]
    assert seen == {
        "a-admin": [pid],
        "a-manager": [pid],
        "a-developer": [pid],
        "a-viewer": [pid],
        "b-admin": [],
        "b-developer": [],
    }
    users = [u["username"] for u in (await as_user("b-admin", "GET", "users"))[1]["users"]]
    assert users == ["b-admin", "b-developer", "b-manager", "b-viewer"]


async def test_the_audit_log_is_append_only_and_exports(as_user, api, orgs):
    ids, pid = orgs
    for method in WRITE:
        status, data = await as_user("a-admin", method, "audit", {} if method != "DELETE" else None)
        assert status == 405, method
    status, data = await as_user("a-admin", "GET", "audit", params={"project_id": pid})
    assert [e["action"] for e in data["events"]][:4] == [
        "project.created",
        "schema.uploaded",
        "project.shared",
        "project.shared",
    ]
    resp = await api(
        "GET",
        "audit",
        headers={"X-Test-User": "a-admin"},
        params={"format": "csv", "action": "invitation"},
        raw=True,
    )
    assert resp.headers["Content-Type"].startswith("text/csv")
    lines = resp.body.decode().splitlines()
    assert lines[0].startswith("at,actor,action") and len(lines) == 7  # 3 invited, 3 joined
    resp = await api(
        "GET", "audit", headers={"X-Test-User": "a-admin"}, params={"format": "syslog"}, raw=True
    )
    assert all(line.startswith("<110>1 ") for line in resp.body.decode().splitlines())
    status, data = await as_user("a-admin", "GET", "audit", params={"format": "xml"})
    assert status == 400


async def test_transfer_and_removal_over_rest(as_user, orgs):
    ids, pid = orgs
    status, p = await as_user(
        "a-admin", "POST", f"projects/{pid}/transfer", {"user_id": ids["a-developer"]}
    )
    assert status == 200 and p["owner"] == "a-developer"
    status, _ = await as_user("a-developer", "POST", f"projects/{pid}/archive")
    assert status == 200
    status, _ = await as_user("a-developer", "DELETE", f"projects/{pid}/share/{ids['a-viewer']}")
    assert status == 204
    assert (await as_user("a-viewer", "GET", f"projects/{pid}"))[0] == 404
    status, _ = await as_user("a-admin", "DELETE", f"orgs/current/members/{ids['a-viewer']}")
    assert status == 204
    status, org = await as_user("a-viewer", "GET", "orgs/current")
    assert (status, org["name"]) == (200, "a-viewer")  # back in their personal organization
