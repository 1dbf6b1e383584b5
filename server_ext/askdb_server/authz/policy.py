"""The permission matrix, as data: who may do what.

Two questions decide every request:

1. the caller's *role* in the organization (ADMIN, MANAGER, DEVELOPER, VIEWER) must allow the
   action (``ROLE_ACTIONS``);
2. for an action on a project, the caller's *permission* on that project (OWNER, EDITOR,
   VIEWER) must allow it too (``PERMISSION_ACTIONS``). Org ADMINs and MANAGERs hold OWNER on
   every project of their organization.

This module only decides; ``authz.authorizer`` finds the role and permission in the store. The
README's "Teams and permissions" table is this matrix. Plans and custom limits are no role's:
only the deployment's operators set them (``Authorizer.check_operator``).
"""

from __future__ import annotations

from enum import Enum


class Role(str, Enum):
    """A member's role in an organization, strongest first."""

    ADMIN = "ADMIN"
    MANAGER = "MANAGER"
    DEVELOPER = "DEVELOPER"
    VIEWER = "VIEWER"


class Permission(str, Enum):
    """A member's permission on one project, strongest first."""

    OWNER = "OWNER"
    EDITOR = "EDITOR"
    VIEWER = "VIEWER"


class Plan(str, Enum):
    FREE = "FREE"
    STARTER = "STARTER"
    PROFESSIONAL = "PROFESSIONAL"
    ENTERPRISE = "ENTERPRISE"


A, M, D, V = Role.ADMIN, Role.MANAGER, Role.DEVELOPER, Role.VIEWER
EVERY_ROLE = frozenset(Role)
BUILDERS = frozenset({A, M, D})

# Actions on the organization: the role alone decides.
ORG_ACTIONS: dict[str, frozenset[Role]] = {
    "org:read": EVERY_ROLE,
    "org:manage": frozenset({A}),
    "users:read": frozenset({A, M}),
    "users:manage": frozenset({A}),
    "users:invite": frozenset({A, M}),  # at most one's own role: a MANAGER invites no ADMIN
    "projects:create": BUILDERS,
    "projects:manage": frozenset({A, M}),  # see and act as OWNER on every project of the org
    "keys:manage": BUILDERS,
    "webhooks:manage": frozenset({A, M}),
    "models:manage": frozenset({A}),
    "analytics:read": frozenset({A, M}),
    "audit:read": frozenset({A}),
}

# Actions on one project: the role must allow them, and so must the project permission.
PROJECT_ACTIONS: dict[str, tuple[frozenset[Role], frozenset[Permission]]] = {
    "project:read": (EVERY_ROLE, frozenset(Permission)),
    "query:ask": (EVERY_ROLE, frozenset(Permission)),
    "query:run": (BUILDERS, frozenset(Permission)),
    "project:write": (BUILDERS, frozenset({Permission.OWNER, Permission.EDITOR})),
    "schema:write": (BUILDERS, frozenset({Permission.OWNER, Permission.EDITOR})),
    "knowledge:write": (BUILDERS, frozenset({Permission.OWNER, Permission.EDITOR})),
    "project:archive": (BUILDERS, frozenset({Permission.OWNER})),
    "project:share": (BUILDERS, frozenset({Permission.OWNER})),
    "project:transfer": (BUILDERS, frozenset({Permission.OWNER})),
    # The guard's project settings (allowed functions, introspection, the privileged override).
    "project:guard": (frozenset({A, M}), frozenset({Permission.OWNER})),
}

ROLE_ACTIONS: dict[str, frozenset[Role]] = {
    **ORG_ACTIONS,
    **{action: roles for action, (roles, _perms) in PROJECT_ACTIONS.items()},
}
PERMISSION_ACTIONS: dict[str, frozenset[Permission]] = {
    action: perms for action, (_roles, perms) in PROJECT_ACTIONS.items()
}


def is_project_action(action: str) -> bool:
    return action in PROJECT_ACTIONS


def allowed(action: str, role: Role, permission: Permission | None = None) -> bool:
    """Whether ``role`` (and, for a project action, ``permission``) may do ``action``.

    An unknown action is a programming error, not a refusal.
    """
    if action not in ROLE_ACTIONS:
        raise KeyError(f"unknown action {action!r}")
    if role not in ROLE_ACTIONS[action]:
        return False
    if action in PERMISSION_ACTIONS:
        return permission is not None and permission in PERMISSION_ACTIONS[action]
    return True


def effective_permission(role: Role, member: Permission | None) -> Permission | None:
    """The caller's permission on a project of their organization: OWNER for ADMIN and
    MANAGER, otherwise what the project shares with them (None: the project is invisible)."""
    if role in ORG_ACTIONS["projects:manage"]:
        return Permission.OWNER
    return member


def matrix_rows() -> list[tuple[str, list[str], list[str]]]:
    """(action, roles, project permissions) per action, for documentation and tests."""
    rows = []
    for action, roles in ROLE_ACTIONS.items():
        perms = PERMISSION_ACTIONS.get(action)
        rows.append(
            (
                action,
                [r.value for r in Role if r in roles],
                [p.value for p in Permission if p in perms] if perms else [],
            )
        )
    return rows
