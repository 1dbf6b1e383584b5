"""The one authorization layer: every manager asks it before it reads or changes anything.

It finds the caller's role (``OrgMembership``) and project permission (``ProjectMember``) in
the store on every call, so a role change or a deactivation takes effect on the next request,
and lets ``policy.allowed`` decide. A project the caller may not see answers exactly like a
missing one (404); a visible project or an organization whose action the caller may not take
answers 403, and the refusal is written to the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    def __init__(self, store: Store, audit: AuditLog | None = None) -> None:
        self.store = store
        self.audit = audit or AuditLog(store)

    def require(self, who: Identity, action: str, project_id: str | None = None) -> Grant:
        """Allow ``who`` to do ``action`` (on ``project_id`` for a project action) or raise
        ``ProjectNotFoundError`` (404) or ``ForbiddenError`` (403)."""
        with self.store.session() as s:
            return self.check(s, who, action, project_id)

    def check(self, s: Session, who: Identity, action: str, project_id: str | None = None) -> Grant:
        """``require`` inside the caller's session (the manager's own transaction)."""
        user = self._active_user(s, who, action)
        if is_project_action(action):
            if project_id is None:
                raise ValueError(f"{action} needs a project")
            return self._check_project(s, who, user, action, project_id)
        role = self.role(s, user.id, user.org_id) if user.org_id else None
        if role is None:
            self._deny(who, action, None, None, "You do not belong to an organization.")
        if not allowed(action, role):
            self._deny(who, action, user.org_id, None, _refusal(action, role))
        return Grant(user.id, user.username, user.org_id, role)

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
        permission = self.permission(s, user.id, project) if role else None
        if project is None or permission is None:
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
    ) -> None:
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
