"""What an API key may do: its scopes, and the scope and route name of each AskDB endpoint.

A route name is the endpoint's short name (``ask``, ``schemas``...), what a key's optional
``endpoints`` list names. An endpoint missing from ``ROUTES`` needs ``admin:*``: a new
endpoint is closed to keys until someone decides otherwise.
"""

from __future__ import annotations

from ..errors import InvalidInputError

SCOPES = (
    "chat:read",
    "chat:write",
    "query:generate",
    "query:execute",
    "schema:read",
    "schema:write",
    "analytics:read",
    "admin:*",
)
ADMIN = "admin:*"

# handler class name -> (route name, {HTTP method: scope}); "*" is every other method.
ROUTES: dict[str, tuple[str, dict[str, str]]] = {
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


def route_of(handler_class: str, method: str) -> tuple[str, str]:
    """(route name, scope needed) of ``method`` on the handler class named ``handler_class``."""
    name, scopes = ROUTES.get(handler_class, (handler_class, {}))
    return name, scopes.get(method, scopes.get("*", ADMIN))


def grants(scopes: list[str], needed: str) -> bool:
    """Whether a key holding ``scopes`` may act where ``needed`` is required."""
    return ADMIN in scopes or needed in scopes


def check_scopes(scopes: object) -> list[str]:
    """``scopes`` as a sorted list of known scope names, or an InvalidInputError."""
    if not isinstance(scopes, list) or not scopes:
        raise InvalidInputError(f"scopes must be a non-empty list of: {', '.join(SCOPES)}.")
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise InvalidInputError(
            f"Unknown scope(s): {', '.join(map(str, unknown))}; known: {', '.join(SCOPES)}."
        )
    return sorted(set(scopes))


def check_endpoints(endpoints: object) -> list[str] | None:
    """``endpoints`` as a list of route names (None: every endpoint), or InvalidInputError."""
    if endpoints is None:
        return None
    known = {name for name, _ in ROUTES.values()}
    if not isinstance(endpoints, list) or any(e not in known for e in endpoints):
        raise InvalidInputError(
            f"endpoints must be a list of route names among: {', '.join(sorted(known))}."
        )
    return sorted(set(endpoints))
