"""One organization per decision, over every endpoint of the REST API.

Users belong to organization A with every role, to organization B with every role or not at
all, and each is ADMIN of their personal organization P. Each user calls every endpoint with
each of their organizations current (``PATCH users/me {org_id}``), and the answer must follow
the role in the organization that owns the resource: A for A's project (its keys, clone,
usage...), the current organization for ``orgs/current/…`` and lists, nobody but an operator
for plans. The endpoints come from the served OpenAPI document and the handler registry: an
endpoint missing from ``ENDPOINTS`` fails the test, so none is skipped silently.

A request is *denied* when it answers 403 ``forbidden`` or 404 for the resource itself (the
caller may not see it); any other answer below 500 is *allowed* (a 400 or 409 came after the
decision). Resources a request consumes (a key to revoke, a doc to delete, an invitation to
accept) are made fresh for it in-process, and an allowed change is undone before the next.
"""

from __future__ import annotations

import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from tornado.httpclient import HTTPClientError

from askdb_server.app import AskDBApp
from askdb_server.authz.policy import Permission, Role, allowed
from askdb_server.identity.who import Identity
from askdb_server.openapi import openapi_document
from tests.helpers.servers import HeaderIdentityProvider
from tests.helpers.shop import SHOP_DDL
from tests.helpers.world import ROLES

B_ROLES = (*ROLES, None)
# On PostgreSQL (the same code, a second store) B is ADMIN or nothing, to keep the run short.
B_ROLES_PG = ("ADMIN", None)
ORGS = ("A", "B", "P")
# Paths no organization decides: sign-in and account pages and their API (standalone
# accounts: the caller has no session yet), and the API's own description.
PUBLIC = re.compile(r"^/askdb/(auth/|invitations/accept$|api/auth/|api/openapi\.json$)")
SLOW: dict = {}  # endpoint -> seconds, printed after the run
DENIALS = {403: {"forbidden"}, 404: {"project_not_found"}}


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
            "local_user": "",  # a shared deployment: no operators
            "sqlite_roots": [str(tmp_path)],
        },
    }


# -- who calls --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Caller:
    username: str
    roles: dict  # "A", "B", "P" -> role name or None
    current: str  # the organization made current: "A", "B" or "P"

    def role(self, org: str) -> Role | None:
        name = self.roles.get(org)
        return Role(name) if name else None


def callers(b_roles: tuple = B_ROLES) -> list[Caller]:
    """Every (user, current organization): a user per role in A and role (or none) in B."""
    found = []
    for ra, rb in itertools.product(ROLES, b_roles):
        name = f"u-{ra.lower()}-{(rb or 'none').lower()}"
        roles = {"A": ra, "B": rb, "P": "ADMIN"}
        found += [Caller(name, roles, org) for org in ORGS if roles[org]]
    return found


# -- what decides -------------------------------------------------------------------------
def _project_permission(role: Role) -> Permission:
    # Admins and managers hold OWNER on every project of A; the others have it shared EDITOR.
    return Permission.OWNER if role in (Role.ADMIN, Role.MANAGER) else Permission.EDITOR


def on_project(action: str) -> Callable[[Caller], bool]:
    """A project action on A's project: the role in A (and the permission there) decide."""

    def decide(c: Caller) -> bool:
        role = c.role("A")
        return allowed(action, role, _project_permission(role))

    return decide


def in_project_org(action: str) -> Callable[[Caller], bool]:
    """An organization action on what belongs to A's project: the role in A decides."""
    return lambda c: on_project("project:read")(c) and allowed(action, c.role("A"))


def in_current(action: str) -> Callable[[Caller], bool]:
    """An action on the current organization itself: the role there decides."""
    return lambda c: allowed(action, c.role(c.current))


def anyone(c: Caller) -> bool:
    return True


def operators_only(c: Caller) -> bool:
    return False


@dataclass
class Endpoint:
    method: str
    path: str  # the OpenAPI template
    decide: Callable[[Caller], bool]
    body: object = None  # a value, or a function of (world, caller)
    params: Callable | None = None  # (world, caller) -> path parameters
    after: Callable | None = None  # (world, caller): undo an allowed change
    not_found: frozenset = frozenset({"project_not_found"})


# -- the world ----------------------------------------------------------------------------
@dataclass
class World:
    services: object
    invitations: object
    ids: dict = field(default_factory=dict)  # username -> user id
    who: dict = field(default_factory=dict)  # username -> Identity
    org: dict = field(default_factory=dict)  # "A", "B", "C", "P:<user>" -> org id
    project: str = ""
    names: itertools.count = field(default_factory=itertools.count)

    def identity(self, username: str) -> Identity:
        if username not in self.who:
            self.who[username] = self.services.users.ensure(username)
            self.ids[username] = self.who[username].user_id
        return self.who[username]

    def join(self, owner: str, username: str, role: str) -> None:
        inv = self.invitations.invite_user(self.identity(owner), username, role)
        self.invitations.accept_received(self.identity(username), inv.id)

    def org_of(self, c: Caller) -> str:
        return self.org[f"P:{c.username}" if c.current == "P" else c.current]

    def target(self, c: Caller) -> str:
        """The member of the current organization that user endpoints act on: A's or B's
        target (a VIEWER), or the caller themselves in their personal organization."""
        return c.username if c.current == "P" else f"{c.current}-target"

    def owner(self, c: Caller) -> str:
        return c.username if c.current == "P" else f"{c.current}-owner"

    def unique(self, prefix: str) -> str:
        return f"{prefix}{next(self.names)}"

    def make_current(self, c: Caller) -> None:
        self.services.users.update_me(self.identity(c.username), org_id=self.org_of(c))


def build_world(services, invitations, shop_db, matrix: list[Caller]) -> World:
    w = World(services, invitations)
    for org in ("A", "B", "C"):
        owner = w.identity(f"{org}-owner")
        w.org[org] = services.orgs.current(owner).id
        services.orgs.update(owner, name=org)
    for org in ("A", "B"):
        w.join(f"{org}-owner", f"{org}-target", "VIEWER")
    admin = w.identity("A-owner")
    p = services.projects.create(admin, "shop", connection_url=f"sqlite:///{shop_db}")
    services.schemas.introspect(admin, p.id)
    w.project = p.id
    services.projects.share(admin, p.id, username="A-target", permission="VIEWER")
    for c in matrix:
        if c.current != "P":
            continue
        w.identity(c.username)
        w.org[f"P:{c.username}"] = services.orgs.current(w.identity(c.username)).id
        for org in ("A", "B"):
            if c.roles[org]:
                w.join(f"{org}-owner", c.username, c.roles[org])
        if c.roles["A"] in ("DEVELOPER", "VIEWER"):
            services.projects.share(admin, p.id, username=c.username, permission="EDITOR")
    return w


# -- fresh resources and undoing ------------------------------------------------------------
def _key(w: World, c: Caller) -> dict:
    view, _token = w.services.keys.create(
        w.identity("A-owner"), w.project, {"name": "k", "scopes": ["query:generate"]}
    )
    return {"project_id": w.project, "key_id": view["id"]}


def _doc(w: World, c: Caller) -> dict:
    doc = w.services.knowledge.add_doc(w.identity("A-owner"), w.project, "customers buy")
    return {"project_id": w.project, "doc_id": doc.id}


def _pair(w: World, c: Caller) -> dict:
    pair = w.services.knowledge.approve(
        w.identity("A-owner"), w.project, "how many customers?", "SELECT COUNT(*) FROM customers"
    )
    return {"project_id": w.project, "pair_id": pair.id}


def _conversation(w: World, c: Caller) -> dict:
    if not on_project("project:read")(c):
        return {"conversation_id": "0" * 32}  # no project to hold one: missing either way
    conv = w.services.conversations.open(w.identity(c.username), w.project, None, "t")
    return {"conversation_id": conv}


def _org_invitation(w: World, c: Caller) -> dict:
    inv = w.invitations.invite_user(w.identity(w.owner(c)), w.unique("ghost"), "VIEWER")
    return {"invitation_id": inv.id}


def _invitation_to_caller(w: World, c: Caller) -> dict:
    who = w.identity(c.username)
    owner = w.identity("C-owner")
    members = {m.username for m in w.services.orgs.members(owner)}
    if c.username in members:
        w.services.orgs.remove_member(owner, who.user_id)
    return {"invitation_id": w.invitations.invite_user(owner, c.username, "VIEWER").id}


def _project(w: World, c: Caller) -> dict:
    return {"project_id": w.project}


def _with_target(w: World, c: Caller) -> dict:
    return {"project_id": w.project, "user_id": w.ids[w.target(c)]}


def _a_target(w: World, c: Caller) -> dict:
    return {"project_id": w.project, "user_id": w.ids["A-target"]}


def _restore(w: World, c: Caller) -> None:
    w.services.projects.restore(w.identity("A-owner"), w.project)


def _reshare(w: World, c: Caller) -> None:
    w.services.projects.share(
        w.identity("A-owner"), w.project, username="A-target", permission="VIEWER"
    )


def _rejoin(w: World, c: Caller) -> None:
    if c.current != "P":
        w.join(w.owner(c), w.target(c), "VIEWER")


def _same_role(w: World, c: Caller) -> dict:
    return {"role": "ADMIN" if c.current == "P" else "VIEWER"}


def _named(prefix: str) -> Callable:
    return lambda w, c: {"name": w.unique(prefix)}


P = "/askdb/api/projects/{project_id}"
ENDPOINTS = [
    # projects and what belongs to them: the role in A, the project's organization
    Endpoint("GET", "/askdb/api/projects", in_current("org:read")),
    Endpoint("POST", "/askdb/api/projects", in_current("projects:create"), _named("new")),
    Endpoint("GET", P, on_project("project:read"), params=_project),
    Endpoint("PATCH", P, on_project("project:write"), {"description": "d"}, _project),
    Endpoint("POST", P + "/archive", on_project("project:archive"), None, _project, after=_restore),
    Endpoint("POST", P + "/restore", on_project("project:archive"), None, _project),
    Endpoint("GET", P + "/schemas", on_project("project:read"), params=_project),
    Endpoint("POST", P + "/schemas", on_project("schema:write"), {"ddl": SHOP_DDL}, _project),
    Endpoint(
        "GET",
        P + "/schemas/{version}",
        on_project("project:read"),
        params=lambda w, c: {"project_id": w.project, "version": "1"},
    ),
    Endpoint(
        "POST",
        P + "/ask",
        on_project("query:ask"),
        {"question": "how many customers are there?"},
        _project,
    ),
    Endpoint("POST", P + "/run", on_project("query:run"), {"sql": "SELECT 1"}, _project),
    Endpoint("GET", P + "/conversations", on_project("project:read"), params=_project),
    Endpoint("POST", P + "/conversations", on_project("project:read"), {}, _project),
    *(
        Endpoint(
            method,
            "/askdb/api/conversations/{conversation_id}",
            on_project("project:read"),
            {"title": "t2"} if method == "PATCH" else None,
            _conversation,
            not_found=frozenset({"project_not_found", "conversation_not_found"}),
        )
        for method in ("GET", "PATCH", "DELETE")
    ),
    Endpoint("GET", P + "/docs", on_project("project:read"), params=_project),
    Endpoint("POST", P + "/docs", on_project("knowledge:write"), {"body": "b"}, _project),
    Endpoint("DELETE", P + "/docs/{doc_id}", on_project("knowledge:write"), params=_doc),
    Endpoint("GET", P + "/golden", on_project("project:read"), params=_project),
    Endpoint(
        "POST",
        P + "/golden",
        on_project("knowledge:write"),
        {"question": "how many customers?", "sql": "SELECT COUNT(*) FROM customers"},
        _project,
    ),
    Endpoint("DELETE", P + "/golden/{pair_id}", on_project("knowledge:write"), params=_pair),
    Endpoint(
        "GET",
        P + "/search",
        on_project("project:read"),
        params=lambda w, c: {"project_id": w.project, "?q": "customers"},
    ),
    Endpoint("POST", P + "/index/rebuild", on_project("knowledge:write"), None, _project),
    Endpoint("GET", P + "/members", on_project("project:read"), params=_project),
    Endpoint(
        "POST",
        P + "/share",
        on_project("project:share"),
        {"username": "A-target", "permission": "VIEWER"},
        _project,
    ),
    Endpoint(
        "DELETE", P + "/share/{user_id}", on_project("project:share"), None, _a_target, _reshare
    ),
    Endpoint(
        "PATCH",
        P + "/permissions/{user_id}",
        on_project("project:share"),
        {"permission": "VIEWER"},
        _a_target,
    ),
    Endpoint(
        "POST",
        P + "/transfer",
        on_project("project:transfer"),
        lambda w, c: {"user_id": w.ids["A-target"]},  # a VIEWER: 400 once allowed
        _project,
    ),
    Endpoint("POST", P + "/clone", in_project_org("projects:create"), _named("copy"), _project),
    Endpoint("GET", P + "/usage", on_project("project:read"), params=_project),
    Endpoint("GET", P + "/keys", in_project_org("keys:manage"), params=_project),
    Endpoint(
        "POST",
        P + "/keys",
        in_project_org("keys:manage"),
        {"name": "k", "scopes": ["query:generate"]},
        _project,
    ),
    Endpoint("GET", P + "/keys/{key_id}", in_project_org("keys:manage"), params=_key),
    Endpoint("PATCH", P + "/keys/{key_id}", in_project_org("keys:manage"), {"name": "n"}, _key),
    Endpoint("DELETE", P + "/keys/{key_id}", in_project_org("keys:manage"), params=_key),
    Endpoint(
        "POST",
        P + "/keys/{key_id}/rotate",
        in_project_org("keys:manage"),
        {"overlap_seconds": 0},
        _key,
    ),
    Endpoint("GET", P + "/keys/{key_id}/activity", in_project_org("keys:manage"), params=_key),
    # the current organization itself
    Endpoint("GET", "/askdb/api/orgs/current", in_current("org:read")),
    Endpoint("PATCH", "/askdb/api/orgs/current", in_current("org:manage"), {"domain": None}),
    Endpoint("GET", "/askdb/api/orgs/current/members", in_current("users:read")),
    Endpoint(
        "POST",
        "/askdb/api/orgs/current/members",
        in_current("users:invite"),
        lambda w, c: {"username": w.unique("ghost"), "role": "VIEWER"},
    ),
    Endpoint(
        "PATCH",
        "/askdb/api/orgs/current/members/{user_id}",
        in_current("users:manage"),
        _same_role,
        _with_target,
    ),
    Endpoint(
        "DELETE",
        "/askdb/api/orgs/current/members/{user_id}",
        in_current("users:manage"),
        None,
        _with_target,
        _rejoin,
    ),
    Endpoint("GET", "/askdb/api/orgs/current/invitations", in_current("users:invite")),
    Endpoint(
        "POST",
        "/askdb/api/orgs/current/invitations",
        in_current("users:invite"),
        lambda w, c: {"email": f"{w.unique('x')}@example.test", "role": "VIEWER"},
    ),
    Endpoint(
        "DELETE",
        "/askdb/api/orgs/current/invitations/{invitation_id}",
        in_current("users:invite"),
        params=_org_invitation,
    ),
    Endpoint("GET", "/askdb/api/users", in_current("users:read")),
    Endpoint("GET", "/askdb/api/users/{user_id}", in_current("users:read"), params=_with_target),
    Endpoint(
        "PATCH",
        "/askdb/api/users/{user_id}",
        in_current("users:manage"),
        _same_role,
        _with_target,
    ),
    Endpoint(
        "DELETE",
        "/askdb/api/users/{user_id}",
        # The account is not the organization's (org_owned_accounts is off): an admin may not
        # delete another member's; their own (P's only member) is refused after the decision.
        lambda c: c.current == "P",
        params=_with_target,
    ),
    Endpoint("GET", "/askdb/api/audit", in_current("audit:read")),
    Endpoint("GET", "/askdb/api/notifications", in_current("org:read")),
    # plans: the deployment's operators only (none here)
    Endpoint("PUT", "/askdb/api/orgs/current/plan", operators_only, {"plan": "ENTERPRISE"}),
    Endpoint(
        "PUT",
        "/askdb/api/orgs/{org_id}/plan",
        operators_only,
        {"plan": "ENTERPRISE"},
        lambda w, c: {"org_id": w.org["A"]},
    ),
    # the caller's own
    Endpoint("GET", "/askdb/api/users/me", anyone),
    Endpoint("PATCH", "/askdb/api/users/me", anyone, {"avatar_url": None}),
    Endpoint("GET", "/askdb/api/users/me/invitations", anyone),
    Endpoint("POST", "/askdb/api/invitations/accept", anyone, {"token": "not-a-token"}),
    Endpoint(
        "POST",
        "/askdb/api/invitations/{invitation_id}/accept",
        anyone,
        params=_invitation_to_caller,
        after=lambda w, c: w.make_current(c),
    ),
    Endpoint(
        "POST",
        "/askdb/api/invitations/{invitation_id}/decline",
        anyone,
        params=_invitation_to_caller,
    ),
]


def _documented() -> set[tuple[str, str]]:
    doc = openapi_document()
    methods = {"get", "post", "put", "patch", "delete"}
    return {
        (m.upper(), path)
        for path, ops in doc["paths"].items()
        for m in ops
        if m in methods and not PUBLIC.match(path)
    }


def _registered() -> set[str]:
    app = AskDBApp()
    app.initialize_handlers()
    routes = set()
    for route, _handler in app.handlers:
        if route == r"/askdb/api/.*" or PUBLIC.match(re.sub(r"\(\?P<[^>]+>[^)]*\)", "x", route)):
            continue
        routes.add(re.sub(r"\(\?P<([^>]+)>[^)]*\)", r"{\1}", route))
    return routes


def test_every_endpoint_is_in_the_matrix():
    listed = {(e.method, e.path) for e in ENDPOINTS}
    assert len(listed) == len(ENDPOINTS), "an endpoint is listed twice"
    assert _documented() == listed
    assert _registered() == {path for _m, path in listed}


# -- the run ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def embedder():
    """MiniLM, loaded once: the server would load it on the first search (seconds)."""
    from askdb_server.knowledge.embedder import MiniLMEmbedder

    loaded = MiniLMEmbedder()
    loaded.embed(["warm up"])
    return loaded


async def _call(jp_fetch, c: Caller, e: Endpoint, w: World) -> tuple[int, dict | None]:
    params = e.params(w, c) if e.params else {}
    query = {k[1:]: v for k, v in params.items() if k.startswith("?")}
    path = e.path.format(**{k: v for k, v in params.items() if not k.startswith("?")})
    body = e.body(w, c) if callable(e.body) else e.body
    kwargs = {"method": e.method, "headers": {"X-Test-User": c.username}, "params": query}
    if body is not None or e.method in ("POST", "PATCH", "PUT"):
        kwargs["body"] = json.dumps(body if body is not None else {})
    started = time.perf_counter()
    try:
        resp = await jp_fetch(*path.lstrip("/").split("/"), **kwargs)
    except HTTPClientError as err:
        if err.response is None:
            raise AssertionError(f"{c} {e.method} {path}: {err}") from err
        resp = err.response
    SLOW[(e.method, e.path)] = SLOW.get((e.method, e.path), 0) + time.perf_counter() - started
    text = resp.body.decode() if resp.body else ""
    try:
        data = json.loads(text) if text else None
    except ValueError:
        data = None  # a stream (ask answers JSON; nothing here streams)
    return resp.code, data


def _denied(status: int, data: dict | None, e: Endpoint) -> bool:
    code = (data or {}).get("code") if isinstance(data, dict) else None
    if status == 403:
        return code == "forbidden"
    return status == 404 and code in e.not_found


async def test_the_owning_organization_decides_every_endpoint(
    jp_fetch, jp_serverapp, shop_db, embedder, store_url, jp_asyncio_loop
):
    settings = jp_serverapp.web_app.settings
    settings["askdb_services"].knowledge.index.embedder = embedder
    matrix = callers(B_ROLES if store_url.startswith("sqlite") else B_ROLES_PG)
    w = build_world(settings["askdb_services"], settings["askdb_mail"].invitations, shop_db, matrix)
    wrong = []
    count = 0
    for c in matrix:
        w.make_current(c)
        for e in ENDPOINTS:
            status, data = await _call(jp_fetch, c, e, w)
            count += 1
            want = e.decide(c)
            got = not _denied(status, data, e)
            if status >= 500 or want != got:
                wrong.append((c.username, c.current, e.method, e.path, status, data))
            elif got and e.after:
                e.after(w, c)
    users = len({c.username for c in matrix})
    print(
        f"matrix: {users} users, {len(matrix)} (user, current org) x {len(ENDPOINTS)} "
        f"endpoints = {count} requests"
    )
    for (method, path), seconds in sorted(SLOW.items(), key=lambda kv: -kv[1])[:8]:
        print(f"  {seconds:6.2f} s  {method} {path}")
    assert not wrong, "\n".join(map(str, wrong[:40]))
