"""One URL prefix, one folder: a route's handler and its OpenAPI description live in the folder
named after the route's prefix, so a newcomer finds the code of a URL in one step."""

from __future__ import annotations

import importlib
import re

import pytest

from askdb_server import openapi
from askdb_server.app import AskDBApp

# URL prefix under /askdb/api -> the folder of askdb_server holding its handlers.py and
# openapi.py; the longest matching prefix wins, {id} stands for any path parameter.
API_FOLDERS = {
    "/auth": "accounts",
    "/users": "users",
    "/users/me/invitations": "invitations",
    "/invitations": "invitations",
    "/orgs": "orgs",
    "/orgs/current/invitations": "invitations",
    "/projects": "projects",
    "/projects/{id}/keys": "keys",
    "/projects/{id}/schemas": "schemas",
    "/projects/{id}/docs": "knowledge",
    "/projects/{id}/golden": "knowledge",
    "/projects/{id}/search": "knowledge",
    "/projects/{id}/index": "knowledge",
    "/projects/{id}/ask": "chat",
    "/projects/{id}/run": "chat",
    "/projects/{id}/conversations": "chat",
    "/conversations": "chat",
    "/projects/{id}/usage": "quotas",
    "/notifications": "quotas",
    "/audit": "audit",
    "/openapi.json": "",  # askdb_server/openapi.py itself: the document
    "/.*": "base",  # the catch-all: problem+json 404s for unknown paths
}
# URL prefix under /askdb -> the folder whose pages.py serves the browser pages there: the
# pages emailed links open are kept together in accounts/pages.py.
PAGE_FOLDERS = {
    "/auth": "accounts",
    "/invitations/accept": "accounts",
}
API, PAGES = "/askdb/api", "/askdb"


def _routes() -> list[tuple[str, type]]:
    app = AskDBApp()
    app.initialize_handlers()
    return app.handlers


def _template(route: str) -> str:
    """The route as an OpenAPI path template: ``(?P<name>...)`` becomes ``{name}``."""
    return re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", route)


def _folder(route: str) -> tuple[str, str]:
    """(folder, module kind) of a route by the longest prefix of its table."""
    is_api = route.startswith(API + "/")
    table, kind = (API_FOLDERS, "handlers") if is_api else (PAGE_FOLDERS, "pages")
    path = re.sub(r"\{\w+\}", "{id}", _template(route)).removeprefix(API if is_api else PAGES)
    segments = path.split("/")
    matches = [p for p in table if segments[: len(p.split("/"))] == p.split("/")]
    assert matches, f"{route}: no prefix of the table matches it"
    return table[max(matches, key=len)], kind


def _module(folder: str, kind: str) -> str:
    return f"askdb_server.{folder}.{kind}" if folder else "askdb_server.openapi"


def _fragment(folder: str):
    return importlib.import_module(_module(folder, "openapi"))


ROUTES = _routes()
DOCUMENTED = [(route, handler) for route, handler in ROUTES if route != API + "/.*"]


@pytest.mark.parametrize(("route", "handler"), ROUTES, ids=[r for r, _ in ROUTES])
def test_handler_lives_in_the_folder_of_its_prefix(route, handler):
    assert handler.__module__ == _module(*_folder(route))


@pytest.mark.parametrize(("route", "handler"), DOCUMENTED, ids=[r for r, _ in DOCUMENTED])
def test_route_is_described_by_its_folders_fragment(route, handler):
    folder, _ = _folder(route)
    assert _template(route) in _fragment(folder).PATHS


def test_every_described_path_is_a_route_of_its_folder():
    routes = {_template(route) for route, _ in DOCUMENTED}
    for fragment in (*openapi.FRAGMENTS, openapi):
        for path in fragment.PATHS:
            assert path in routes, f"{fragment.__name__} describes {path}, which no route serves"
            assert _fragment(_folder(path)[0]) is fragment, path
