"""The OpenAPI 3.1 document of the AskDB REST API, served at ``askdb/api/openapi.json``.

Each resource folder describes its own routes in its ``openapi.py`` (``PATHS`` and
``SCHEMAS``, next to its handlers); this module assembles them into one document. The tests
validate the document and check real responses against its schemas, so a change in a handler's
output that is not described in its folder's fragment fails a test.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from types import ModuleType

from jupyter_server.auth.decorator import authorized
from tornado import web

from . import __version__
from .accounts import openapi as accounts
from .audit import openapi as audit
from .base import openapi as base
from .base.handlers import AskDBHandler
from .chat import openapi as chat
from .invitations import openapi as invitations
from .keys import openapi as keys
from .keys.scopes import ADMIN_ONLY
from .knowledge import openapi as knowledge
from .orgs import openapi as orgs
from .projects import openapi as projects
from .quotas import openapi as quotas
from .schemas import openapi as schemas
from .users import openapi as users

FRAGMENTS = (
    base,
    projects,
    schemas,
    chat,
    knowledge,
    users,
    orgs,
    invitations,
    accounts,
    keys,
    quotas,
    audit,
)
# This module's own route: the document itself.
PATHS = {
    "/askdb/api/openapi.json": {
        "get": {
            "summary": "This document",
            "responses": {"200": base.json_response({"type": "object"})},
        }
    }
}
SCHEMAS: dict = {}


class DuplicateEntryError(ValueError):
    """Two fragments describe the same path or the same schema name."""


def assemble(fragments: Iterable[ModuleType]) -> tuple[dict, dict]:
    """The document's paths and component schemas: the fragments' ``PATHS`` and ``SCHEMAS``
    merged, each API operation with the refusals any request may meet (``API_REFUSALS``); a
    path or schema name in two fragments raises DuplicateEntryError."""
    paths: dict = {}
    schemas: dict = {}
    owners: dict[tuple[str, str], str] = {}
    for fragment in fragments:
        for kind, entries in (("path", fragment.PATHS), ("schema", fragment.SCHEMAS)):
            for name in entries:
                if (kind, name) in owners:
                    raise DuplicateEntryError(
                        f"The {kind} {name} is in both {owners[kind, name]} and "
                        f"{fragment.__name__}."
                    )
                owners[kind, name] = fragment.__name__
        paths.update({path: _with_refusals(path, ops) for path, ops in fragment.PATHS.items()})
        schemas.update(fragment.SCHEMAS)
    return paths, schemas


def _with_refusals(path: str, operations: dict) -> dict:
    if not path.startswith("/askdb/api/"):
        return operations
    return {
        method: {
            **op,
            "responses": {
                **op["responses"],
                **{k: v for k, v in base.API_REFUSALS.items() if k not in op["responses"]},
            },
        }
        for method, op in operations.items()
    }


_PATHS, _SCHEMAS = assemble([*FRAGMENTS, sys.modules[__name__]])


def openapi_document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "AskDB API",
            "version": __version__,
            "description": "Ask your databases questions in plain language.",
        },
        "paths": _PATHS,
        "components": {
            "schemas": _SCHEMAS,
            "securitySchemes": {
                "jupyterToken": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "`token <jupyter token>`",
                },
                "askdbApiKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A project's API key: `Bearer askdb_<id>_<secret>`",
                },
            },
        },
        "security": [{"jupyterToken": []}, {"askdbApiKey": []}],
    }


class OpenAPIHandler(AskDBHandler):
    key_access = ADMIN_ONLY  # a key reads the document with admin:* only, as before

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """The OpenAPI document of this API."""
        self.write_json(openapi_document())
