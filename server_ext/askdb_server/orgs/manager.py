"""Organizations: their settings and their members' roles.

Nobody is added to an organization without consent: members join by accepting an invitation
(``invitations/``: by email, or to an existing user by name). Admins manage the
memberships (role, removal), not the members' accounts.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timezone

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..authz.policy import Plan, Role
from ..errors import ConflictError, InvalidInputError
from ..identity.who import Identity
from ..store.db import Store
from ..store.models import Organization, OrgMembership, Project, ProjectMember, utcnow
from ..users.manager import UserInfo, UserManager, reject_unknown_changes
from .roles import keep_an_admin, set_member_role


@dataclass(frozen=True)
class OrgInfo:
    id: str
    name: str
    domain: str | None
    plan: str
    role: str
    member_count: int
    created_at: datetime
    updated_at: datetime

    def to_dict(self) -> dict:
        d = asdict(self)
        for key in ("created_at", "updated_at"):
            dt = d[key]
            d[key] = (dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)).isoformat()
        return d


class OrgManager:
    """An organization's settings and its members' roles. The plan's member count is
    enforced where members join (``InvitationManager.accept``, the hub's sign-in)."""

    def __init__(self, store: Store, users: UserManager) -> None:
        self.store = store
        self.users = users
        self.authz = users.authz
        self.audit = users.audit

    def current(self, who: Identity) -> OrgInfo:
        """The caller's current organization."""
        with self.store.session() as s:
            grant = self.authz.check_current(s, who, "org:read")
            return self._info(s, s.get(Organization, grant.org_id), grant.role)

    def update(self, who: Identity, **changes: object) -> OrgInfo:
        """An admin renames the organization or sets its (unique) email domain. The plan is
        the deployment's to set, not the organization's."""
        reject_unknown_changes(changes, {"name", "domain"})
        with self.store.session() as s:
            grant = self.authz.check_current(s, who, "org:manage")
            org = s.get(Organization, grant.org_id)
            if "name" in changes:
                name = str(changes["name"] or "").strip()
                if not name:
                    raise InvalidInputError("An organization needs a name.")
                org.name = name
            if "domain" in changes:
                org.domain = self._free_domain(s, org, changes["domain"])
            org.updated_at = utcnow()
            self.audit.append(
                s,
                who,
                "org.updated",
                org_id=org.id,
                target=org.name,
                details={"fields": sorted(changes)},
            )
            s.flush()
            return self._info(s, org, grant.role)

    def members(self, who: Identity) -> list[UserInfo]:
        return self.users.list(who)

    def set_role(self, who: Identity, user_id: str, role: str) -> UserInfo:
        with self.store.session() as s:
            grant = self.authz.check_current(s, who, "users:manage")
            user = self.users._member(s, grant.org_id, user_id)
            set_member_role(s, self.audit, who, grant.org_id, user, role)
            s.flush()
            return self.users._info(s, user, grant.org_id)

    def remove_member(self, who: Identity, user_id: str) -> None:
        """Remove a member and their project permissions in this organization."""
        with self.store.session() as s:
            grant = self.authz.check_current(s, who, "users:manage")
            user = self.users._member(s, grant.org_id, user_id)
            keep_an_admin(s, grant.org_id, user, None)
            owned = select(Project.id).where(
                Project.org_id == grant.org_id, Project.owner_id == user.id
            )
            if s.scalar(owned.limit(1)):
                raise ConflictError(f"{user.username} owns projects here: transfer them first.")
            org_projects = select(Project.id).where(Project.org_id == grant.org_id)
            s.execute(
                delete(ProjectMember).where(
                    ProjectMember.user_id == user.id, ProjectMember.project_id.in_(org_projects)
                )
            )
            s.execute(
                delete(OrgMembership).where(
                    OrgMembership.user_id == user.id, OrgMembership.org_id == grant.org_id
                )
            )
            if user.org_id == grant.org_id:
                user.org_id = self.users._first_org(s, user)
            self.audit.append(s, who, "member.removed", org_id=grant.org_id, target=user.username)

    # -- internals -------------------------------------------------------------------------
    def _free_domain(self, s: Session, org: Organization, value: object) -> str | None:
        domain = str(value or "").strip().lower() or None
        if domain and ("." not in domain or "@" in domain or " " in domain):
            raise InvalidInputError(f"{domain!r} is not a domain name (e.g. example.com).")
        if domain and s.scalar(
            select(Organization.id).where(Organization.domain == domain, Organization.id != org.id)
        ):
            raise ConflictError(f"The domain {domain} belongs to another organization.")
        return domain

    def _info(self, s: Session, org: Organization, role: Role) -> OrgInfo:
        count = s.scalar(
            select(func.count()).select_from(OrgMembership).where(OrgMembership.org_id == org.id)
        )
        return OrgInfo(
            id=org.id,
            name=org.name,
            domain=org.domain,
            plan=Plan(org.plan).value,
            role=role.value,
            member_count=count or 0,
            created_at=org.created_at,
            updated_at=org.updated_at,
        )
