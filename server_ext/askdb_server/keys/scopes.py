"""What an API key may do: its scopes, and how each AskDB handler lets keys reach it.

Every AskDB handler declares ``key_access`` on its class, the way jupyter-server handlers
declare ``auth_resource``: either ``KeyAccess(route, {method: scope})`` or ``ADMIN_ONLY``. The
route name is the endpoint's short name (``ask``, ``schemas``...), what a key's optional
``endpoints`` list names; ``ROUTE_NAMES`` lists them all. ``ADMIN_ONLY`` handlers answer only
keys holding ``admin:*``, and no ``endpoints`` list can name them. A handler that declares
nothing is treated as ``ADMIN_ONLY`` (closed to keys until someone decides otherwise), and the
test that walks every registered handler fails on it (tests/server/test_handler_scopes.py).
Nothing here looks at a class's name: renaming a handler never changes what a key may do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

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

# Every route name a key's ``endpoints`` list may hold: exactly the routes some handler
# declares with ``KeyAccess`` (the walking test checks both directions).
ROUTE_NAMES = (
    "ask",
    "run",
    "conversations",
    "project",
    "schemas",
    "schema",
    "docs",
    "doc",
    "golden",
    "golden_pair",
    "search",
    "index_rebuild",
    "usage",
    "keys",
    "key",
    "key_rotate",
    "key_activity",
)


@dataclass(frozen=True)
class KeyAccess:
    """How API keys reach one handler: its route name and the scope each HTTP method needs
    (``"*"``: every method not named; a method with neither needs ``admin:*``)."""

    route: str
    scopes: Mapping[str, str]

    def scope(self, method: str) -> str:
        """The scope a key needs to call ``method`` here."""
        return self.scopes.get(method, self.scopes.get("*", ADMIN))


# Reachable only by keys holding admin:*; the route name is in no ``endpoints`` list, so a
# key restricted to named endpoints never reaches it.
ADMIN_ONLY = KeyAccess("admin", {"*": ADMIN})


def key_access_of(handler_class: type) -> KeyAccess:
    """The handler class's declared ``key_access``; ``ADMIN_ONLY`` when it declares none."""
    access = getattr(handler_class, "key_access", None)
    return access if isinstance(access, KeyAccess) else ADMIN_ONLY


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
    if not isinstance(endpoints, list) or any(e not in ROUTE_NAMES for e in endpoints):
        raise InvalidInputError(
            f"endpoints must be a list of route names among: {', '.join(sorted(ROUTE_NAMES))}."
        )
    return sorted(set(endpoints))
