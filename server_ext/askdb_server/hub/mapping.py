"""JupyterHub users → AskDB organizations and roles, applied each time a hub user signs in.

The hub is the source of truth for the organizations this mapping names: a user's membership
and role in each of them follow the hub's admin flag and groups, and leaving a group removes the
membership. Organizations the mapping does not name (a personal one, one joined by being added)
are left alone. A user whom the mapping puts in no organization gets a personal one, as in
local mode.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..authz.policy import Role
from ..errors import InvalidInputError
from ..identity.manager import UserManager
from ..identity.who import Identity
from ..store.db import Store
from ..store.models import Organization, OrgMembership, User

RANK = {role: i for i, role in enumerate(Role)}  # Role lists the strongest first


@dataclass(frozen=True)
class HubUser:
    """What the hub says about a user: name, admin flag and group names."""

    name: str
    admin: bool = False
    groups: tuple[str, ...] = ()

    @classmethod
    def from_model(cls, model: Mapping) -> HubUser:
        """From a hub API user model (``GET /hub/api/user``); a service is ``service:<name>``."""
        name = str(model["name"])
        if model.get("kind") == "service":
            return cls(name=f"service:{name}")
        return cls(
            name=name, admin=bool(model.get("admin")), groups=tuple(model.get("groups") or ())
        )


@dataclass(frozen=True)
class GroupMapping:
    """How hub groups become organization memberships.

    ``organization``: one shared organization every hub user joins ('' for none), with the
    strongest role their groups give (``group_roles``), else ``default_role`` ('' keeps users in
    no mapped group out). ``group_orgs``: an organization per group (group → org name); members
    of the group join it with the group's role, else ``default_role`` (VIEWER when that is '').
    Hub admins are ADMIN in every organization they join (``admin_role``).
    """

    organization: str = ""
    group_roles: Mapping[str, str] = field(default_factory=dict)
    default_role: str = "VIEWER"
    group_orgs: Mapping[str, str] = field(default_factory=dict)
    admin_role: str = "ADMIN"

    def __post_init__(self) -> None:
        for role in [*self.group_roles.values(), self.admin_role, self.default_role]:
            if role and role.upper() not in Role.__members__:
                raise InvalidInputError(
                    f"{role!r} is not a role; use one of {', '.join(Role.__members__)}."
                )

    @property
    def managed_orgs(self) -> set[str]:
        """The names of the organizations whose memberships the hub decides."""
        return {n for n in [self.organization, *self.group_orgs.values()] if n}

    def roles_for(self, user: HubUser) -> dict[str, Role]:
        """Organization name → the role ``user`` should hold there."""
        wanted: dict[str, Role] = {}
        given = [Role(self.group_roles[g].upper()) for g in user.groups if g in self.group_roles]
        if self.organization:
            role = _strongest(given) or _role(self.default_role)
            if role is not None:
                wanted[self.organization] = role
        fallback = _role(self.default_role) or Role.VIEWER
        for group in user.groups:
            org = self.group_orgs.get(group)
            if org:
                role = _role(self.group_roles.get(group, "")) or fallback
                wanted[org] = _strongest([role, wanted.get(org)]) or role
        if user.admin:
            admin = Role(self.admin_role.upper())
            wanted = {org: _strongest([admin, role]) or admin for org, role in wanted.items()}
        return wanted


class HubMembershipSync:
    """Applies a ``GroupMapping`` to a hub user's memberships (a manager: no HTTP)."""

    def __init__(self, store: Store, users: UserManager, mapping: GroupMapping) -> None:
        self.store = store
        self.users = users
        self.audit = users.audit
        self.mapping = mapping

    def apply(self, hub_user: HubUser) -> Identity:
        """Make ``hub_user``'s memberships in the mapped organizations match the hub, and
        return their identity (created on first sight)."""
        wanted = self.mapping.roles_for(hub_user)
        with self.store.session() as s:
            user = s.scalar(select(User).where(User.username == hub_user.name))
            if user is None:
                user = User(username=hub_user.name, name=hub_user.name)
                s.add(user)
                s.flush()
            org_ids = {name: self._org(s, name) for name in self.mapping.managed_orgs}
            for name, org_id in sorted(org_ids.items()):
                self._set(s, user, org_id, wanted.get(name))
            if user.org_id is not None and self.users.authz.role(s, user.id, user.org_id) is None:
                user.org_id = None  # left the organization they were working in
            if user.org_id is None and wanted:
                first = self.mapping.organization if self.mapping.organization in wanted else None
                user.org_id = org_ids[first or sorted(wanted)[0]]
        return self.users.ensure(hub_user.name)

    def _org(self, s: Session, name: str) -> str:
        """The organization called ``name`` (the oldest one), created when missing."""
        org_id = s.scalar(
            select(Organization.id)
            .where(Organization.name == name)
            .order_by(Organization.created_at, Organization.id)
            .limit(1)
        )
        if org_id is None:
            org = Organization(name=name)
            s.add(org)
            s.flush()
            org_id = org.id
            self.audit.append(
                s, None, "org.created", org_id=org_id, target=name, details={"hub": True}
            )
        return org_id

    def _set(self, s: Session, user: User, org_id: str, role: Role | None) -> None:
        membership = s.scalar(
            select(OrgMembership).where(
                OrgMembership.org_id == org_id, OrgMembership.user_id == user.id
            )
        )
        details = {"source": "jupyterhub"}
        if membership is None and role is not None:
            s.add(OrgMembership(org_id=org_id, user_id=user.id, role=role.value))
            self.audit.append(
                s,
                None,
                "member.added",
                org_id=org_id,
                target=user.username,
                details={**details, "role": role.value},
            )
        elif membership is not None and role is None:
            self._remove(s, user, org_id)
            self.audit.append(
                s, None, "member.removed", org_id=org_id, target=user.username, details=details
            )
        elif membership is not None and membership.role != role.value:
            old, membership.role = membership.role, role.value
            self.audit.append(
                s,
                None,
                "member.role_changed",
                org_id=org_id,
                target=user.username,
                details={**details, "from": old, "to": role.value},
            )
        s.flush()

    def _remove(self, s: Session, user: User, org_id: str) -> None:
        # Project permissions stay: with no role in the organization they open nothing (the
        # authorizer asks for the role first), and they come back if the user rejoins.
        s.execute(
            delete(OrgMembership).where(
                OrgMembership.user_id == user.id, OrgMembership.org_id == org_id
            )
        )


def _role(name: str) -> Role | None:
    return Role(name.upper()) if name else None


def _strongest(roles: Iterable[Role | None]) -> Role | None:
    present = [r for r in roles if r is not None]
    return min(present, key=RANK.__getitem__) if present else None
