"""The one authorization layer: every manager asks it before it reads or changes anything.

It finds the caller's role (``OrgMembership``) and project permission (``ProjectMember``) in
the store on every call, so a role change or a deactivation takes effect on the next request,
and lets ``policy.allowed`` decide. A project the caller may not see answers exactly like a
missing one (404); a visible project or an organization whose action the caller may not take
answers 403, and the refusal is written to the audit log.

One organization decides each request: the one that owns the resource. A project action is
decided by the caller's role in the project's organization; an organization action names its
organization (``org_id``): the project's for what belongs to a project (its keys, a clone),
and the caller's *current* organization only where that organization is itself the resource
(``check_current``: ``orgs/current/…``, a new project, what lists show). A caller's current
organization never lends its role to another organization's resource.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NoReturn

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.log import AuditLog
from ..errors import ForbiddenError, ProjectNotFoundError
from ..identity.who import Identity
from ..store.db import Store
from ..store.models import OrgMembership, Project, ProjectMember, User
from .policy import Permission, Role, allowed, effective_permission, is_project_action


@dataclass(frozen=True)
class Grant:
    """What an allowed request may rely on: the caller's organization, role and (for a
    project action) permission."""

    user_id: str
    username: str
    org_id: str
    role: Role
    permission: Permission | None = None


class Authorizer:
    def __init__(
        self, store: Store, audit: AuditLog | None = None, operators: Iterable[str] = ()
    ) -> None:
        self.store = store
        self.audit = audit or AuditLog(store)
        # Usernames of the deployment's operators (AskDBApp.operators).
        self.operators = frozenset(operators)

    def require(
        self,
        who: Identity,
        action: str,
        project_id: str | None = None,
        *,
        org_id: str | None = None,
    ) -> Grant:
        """Allow ``who`` to do ``action`` (on ``project_id`` for a project action, in
        ``org_id`` for an organization action) or raise ``ProjectNotFoundError`` (404) or
        ``ForbiddenError`` (403)."""
        with self.store.session() as s:
            return self.check(s, who, action, project_id, org_id=org_id)

    def require_current(self, who: Identity, action: str) -> Grant:
        """``check_current`` in a session of its own."""
        with self.store.session() as s:
            return self.check_current(s, who, action)

    def check(
        self,
        s: Session,
        who: Identity,
        action: str,
        project_id: str | None = None,
        *,
        org_id: str | None = None,
    ) -> Grant:
        """``require`` inside the caller's session (the manager's own transaction).

        A project action needs ``project_id``; an organization action needs ``org_id``, the
        organization that owns what is acted on (never implied: see ``check_current``)."""
        user = self._active_user(s, who, action)
        if is_project_action(action):
            if project_id is None:
                raise ValueError(f"{action} needs a project")
            return self._check_project(s, who, user, action, project_id)
        if org_id is None:
            raise ValueError(f"{action} needs the organization it acts on")
        role = self.role(s, user.id, org_id)
        if role is None:
            self._deny(who, action, org_id, None, "You are not a member of this organization.")
        if not allowed(action, role):
            self._deny(who, action, org_id, None, _refusal(action, role))
        return Grant(user.id, user.username, org_id, role)

    def check_current(self, s: Session, who: Identity, action: str) -> Grant:
        """``check`` on the caller's current organization: only where that organization is
        the resource (``orgs/current/…``, a project created in it, its lists)."""
        user = self._active_user(s, who, action)
        if user.org_id is None:
            self._deny(who, action, None, None, "You do not belong to an organization.")
        return self.check(s, who, action, org_id=user.org_id)

    def check_project_org(self, s: Session, who: Identity, action: str, project_id: str) -> Grant:
        """An organization action (``keys:manage``, ``projects:create``…) on what belongs to
        ``project_id``: decided in the project's organization, once the caller may see the
        project (404 otherwise). The grant carries the project permission too."""
        seen = self.check(s, who, "project:read", project_id)
        grant = self.check(s, who, action, org_id=seen.org_id)
        return Grant(grant.user_id, grant.username, grant.org_id, grant.role, seen.permission)

    def is_operator(self, who: Identity) -> bool:
        """Whether ``who`` operates the deployment: named in ``AskDBApp.operators``, or a
        JupyterHub admin in hub mode (``Identity.operator``, set by the hub sign-in)."""
        return who.operator or who.username in self.operators

    def check_operator(self, s: Session, who: Identity, action: str) -> None:
        """ForbiddenError (403, audited) unless ``who`` is an active operator."""
        user = self._active_user(s, who, action)
        if not self.is_operator(who):
            self._deny(
                who,
                action,
                user.org_id,
                None,
                f"Not allowed to {action.replace(':', ' ')}: only the deployment's operators may.",
            )

    def role(self, s: Session, user_id: str, org_id: str) -> Role | None:
        """The user's role in ``org_id``, or None when they are not a member."""
        value = s.scalar(
            select(OrgMembership.role).where(
                OrgMembership.user_id == user_id, OrgMembership.org_id == org_id
            )
        )
        return Role(value) if value else None

    def permission(self, s: Session, user_id: str, project: Project) -> Permission | None:
        """The user's effective permission on ``project`` (None: they may not see it)."""
        role = self.role(s, user_id, project.org_id)
        if role is None:
            return None
        member = s.scalar(
            select(ProjectMember.permission).where(
                ProjectMember.project_id == project.id, ProjectMember.user_id == user_id
            )
        )
        return effective_permission(role, Permission(member) if member else None)

    # -- internals -------------------------------------------------------------------------
    def _check_project(
        self, s: Session, who: Identity, user: User, action: str, project_id: str
    ) -> Grant:
        project = s.get(Project, project_id)
        role = self.role(s, user.id, project.org_id) if project else None
        permission = self.permission(s, user.id, project) if project and role else None
        if project is None or role is None or permission is None:
            # Another organization's project, or one not shared with the caller: as if missing.
            raise ProjectNotFoundError(f"No project with id {project_id!r}.")
        if not allowed(action, role, permission):
            self._deny(who, action, project.org_id, project.id, _refusal(action, role, permission))
        return Grant(user.id, user.username, project.org_id, role, permission)

    def _active_user(self, s: Session, who: Identity, action: str) -> User:
        user = s.get(User, who.user_id)
        if user is None:
            self._deny(who, action, None, None, "Your AskDB account was deleted.")
        if not user.is_active:
            self._deny(who, action, user.org_id, None, "Your AskDB account is deactivated.")
        return user

    def _deny(
        self,
        who: Identity,
        action: str,
        org_id: str | None,
        project_id: str | None,
        message: str,
    ) -> NoReturn:
        self.audit.record(
            who,
            "access.denied",
            org_id=org_id,
            project_id=project_id,
            target=action,
            outcome="denied",
        )
        raise ForbiddenError(message, action=action)


def _refusal(action: str, role: Role, permission: Permission | None = None) -> str:
    held = f"your role is {role.value}" + (
        f" and your permission on this project is {permission.value}" if permission else ""
    )
    return f"Not allowed to {action.replace(':', ' ')}: {held}."
