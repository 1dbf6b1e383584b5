"""Every handler the extension registers declares, on its own class, how API keys reach it
(``key_access``, keys/scopes.py), and the guard sees only what the class declares: never the
handler, never its name. The declarations give every route and method the scope it had when
scopes were a table keyed by handler class names (copied below once, as it was)."""

from __future__ import annotations

from unittest import mock

import pytest
from tornado import httputil, web

from askdb_server.app import AskDBApp
from askdb_server.base.handlers import AskDBHandler
from askdb_server.keys.guard import GuardRequest
from askdb_server.keys.scopes import (
    ADMIN,
    ADMIN_ONLY,
    ROUTE_NAMES,
    KeyAccess,
    check_endpoints,
    key_access_of,
)

# keys/scopes.py's ROUTES before handlers declared their access: class name -> (route name,
# {method: scope}), "*" every other method; a class not named needed admin:*.
OLD_ROUTES: dict[str, tuple[str, dict[str, str]]] = {
    "AskHandler": ("ask", {"POST": "query:generate"}),
    "RunHandler": ("run", {"POST": "query:execute"}),
    "ConversationsHandler": ("conversations", {"GET": "chat:read", "*": "chat:write"}),
    "ProjectHandler": ("project", {"GET": "schema:read", "*": ADMIN}),
    "SchemasHandler": ("schemas", {"GET": "schema:read", "*": "schema:write"}),
    "SchemaVersionHandler": ("schema", {"GET": "schema:read", "*": "schema:write"}),
    "DocsHandler": ("docs", {"GET": "schema:read", "*": "schema:write"}),
    "DocHandler": ("doc", {"GET": "schema:read", "*": "schema:write"}),
    "GoldenPairsHandler": ("golden", {"GET": "schema:read", "*": "schema:write"}),
    "GoldenPairHandler": ("golden_pair", {"GET": "schema:read", "*": "schema:write"}),
    "SearchHandler": ("search", {"*": "schema:read"}),
    "RebuildHandler": ("index_rebuild", {"*": "schema:write"}),
    "UsageHandler": ("usage", {"*": "analytics:read"}),
    "ApiKeysHandler": ("keys", {"*": ADMIN}),
    "ApiKeyHandler": ("key", {"*": ADMIN}),
    "ApiKeyRotateHandler": ("key_rotate", {"*": ADMIN}),
    "ApiKeyActivityHandler": ("key_activity", {"*": ADMIN}),
}
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _registered() -> list[tuple[str, type[AskDBHandler]]]:
    """(URL pattern, class) of every AskDB handler, as ``AskDBApp.initialize_handlers``
    registers them when the extension serves the API itself (not forwarding it)."""
    app = AskDBApp()
    app.service_url = ""
    app.handlers = []
    app.initialize_handlers()
    return [
        (pattern, cls)
        for pattern, cls, *_ in app.handlers
        if isinstance(cls, type) and issubclass(cls, AskDBHandler)
    ]


REGISTERED = _registered()
CLASSES = list(dict.fromkeys(cls for _, cls in REGISTERED))


def _declared(cls: type) -> object:
    return pytest.param(cls, id=cls.__name__)


def test_the_extension_registers_its_handlers() -> None:
    assert len(CLASSES) > 40
    assert {"AskHandler", "UnknownEndpointHandler"} <= {c.__name__ for c in CLASSES}


@pytest.mark.parametrize("cls", [_declared(c) for c in CLASSES])
def test_every_registered_handler_declares_its_key_access(cls: type[AskDBHandler]) -> None:
    # On the class itself: a new handler never inherits a scope it did not choose.
    assert "key_access" in vars(cls), f"{cls.__name__} declares no key_access"
    assert isinstance(cls.key_access, KeyAccess)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_each_method_needs_the_scope_it_needed_before(cls: type[AskDBHandler]) -> None:
    route, scopes = OLD_ROUTES.get(cls.__name__, (None, {}))
    access = key_access_of(cls)
    if route is None:
        assert access is ADMIN_ONLY
    else:
        assert access.route == route
    for method in METHODS:
        assert access.scope(method) == scopes.get(method, scopes.get("*", ADMIN)), method


def test_every_handler_of_the_old_table_is_still_registered() -> None:
    # A renamed class would otherwise drop out of the comparison above unnoticed.
    assert set(OLD_ROUTES) <= {c.__name__ for c in CLASSES}


def test_route_names_are_exactly_the_declared_ones() -> None:
    declared = [key_access_of(c).route for c in CLASSES if key_access_of(c) is not ADMIN_ONLY]
    assert len(declared) == len(set(declared)), "two handlers share a route name"
    assert set(declared) == set(ROUTE_NAMES)
    assert len(ROUTE_NAMES) == len(set(ROUTE_NAMES))
    assert ADMIN_ONLY.route not in ROUTE_NAMES  # no endpoints list can name an admin route
    assert check_endpoints(list(ROUTE_NAMES)) == sorted(ROUTE_NAMES)


def test_an_undeclared_handler_is_closed_to_keys() -> None:
    class NewHandler(AskDBHandler):
        pass

    assert key_access_of(NewHandler) is ADMIN_ONLY
    assert {ADMIN} == {key_access_of(NewHandler).scope(m) for m in METHODS}


def _guard_request(cls: type[AskDBHandler], method: str) -> GuardRequest:
    """What the guard is given for ``method`` on a handler of ``cls``, from a bare request."""
    app = web.Application(askdb_trusted_proxies=[])
    connection = mock.Mock()
    connection.context = mock.Mock(spec=["_orig_remote_ip"], _orig_remote_ip="10.1.2.3")
    request = httputil.HTTPServerRequest(
        start_line=httputil.RequestStartLine(method, "/askdb/api/projects/p1/x", "HTTP/1.1"),
        headers=httputil.HTTPHeaders({"Host": "localhost", "User-Agent": "etl/1.0"}),
        connection=connection,
    )
    handler = cls(app, request, name="askdb_server")
    handler.path_kwargs = {"project_id": "p1"}
    return handler.guard_request()


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_renaming_a_handler_keeps_what_keys_need(cls: type[AskDBHandler]) -> None:
    renamed = type("Renamed", (cls,), {})
    for method in ("GET", "POST", "DELETE"):
        original, seen = _guard_request(cls, method), _guard_request(renamed, method)
        assert (seen.route, seen.scope, seen.charge) == (
            original.route,
            original.scope,
            original.charge,
        )
        assert seen.scope == key_access_of(cls).scope(method)


def test_the_guard_request_describes_the_call() -> None:
    ask = next(c for c in CLASSES if c.__name__ == "AskHandler")
    request = _guard_request(ask, "POST")
    assert (request.method, request.path, request.client_ip) == (
        "POST",
        "/askdb/api/projects/p1/x",
        "10.1.2.3",
    )
    assert (request.project_id, request.route, request.scope, request.charge) == (
        "p1",
        "ask",
        "query:generate",
        True,
    )
    assert request.key_request().user_agent == "etl/1.0"
