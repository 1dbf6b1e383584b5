"""JupyterHub users → AskDB organizations and roles, applied each time a hub user signs in.

The hub is the source of truth for the organizations this mapping names: a user's membership
and role in each of them follow the hub's admin flag and groups, and leaving a group removes the
membership. Organizations the mapping does not name (a personal one, one joined by being added)
are left alone. A user whom the mapping puts in no organization gets a personal one, as in
local mode.

With quotas enforced, joining follows the organization's plan (``team_members``): a sign-in
past the count still signs the user in, but does not add them to that organization; they work
in the other organizations the mapping gives them, or in a personal one, and the
organization's members (its admins raise the plan) get one notification naming the user. The
next sign-in with room adds them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, cast

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..authz.policy import Role
from ..errors import InvalidInputError, PlanLimitError
from ..identity.who import Identity
from ..store.db import Store
from ..store.models import Notification, Organization, OrgMembership, User
from ..users.manager import UserManager

if TYPE_CHECKING:
    from ..quotas.manager import QuotaManager

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


@dataclass(frozen=True)
class SignIn:
    """What a sign-in did: the user's identity, and the mapped organizations whose plan had no
    room for them (they are not members there until a later sign-in finds room)."""

    identity: Identity
    refused: tuple[str, ...] = ()


class HubMembershipSync:
    """Applies a ``GroupMapping`` to a hub user's memberships (a manager: no HTTP)."""

    def __init__(
        self,
        store: Store,
        users: UserManager,
        mapping: GroupMapping,
        quotas: QuotaManager | None = None,
    ) -> None:
        self.store = store
        self.users = users
        self.audit = users.audit
        self.mapping = mapping
        self.quotas = quotas

    def apply(self, hub_user: HubUser) -> Identity:
        """Make ``hub_user``'s memberships in the mapped organizations match the hub, and
        return their identity (created on first sight)."""
        return self.sign_in(hub_user).identity

    def sign_in(self, hub_user: HubUser) -> SignIn:
        """``apply``, saying which organizations' plans refused the user (``SignIn``)."""
        wanted = self.mapping.roles_for(hub_user)
        refused: list[str] = []
        with self.store.session() as s:
            user = s.scalar(select(User).where(User.username == hub_user.name))
            if user is None:
                user = User(username=hub_user.name, name=hub_user.name)
                s.add(user)
                s.flush()
            org_ids = {name: self._org(s, name) for name in self.mapping.managed_orgs}
            for name, org_id in sorted(org_ids.items()):
                if not self._set(s, user, org_id, wanted.get(name)):
                    refused.append(name)
            if user.org_id is not None and self.users.authz.role(s, user.id, user.org_id) is None:
                user.org_id = None  # left the organization they were working in
            joined = sorted(name for name in wanted if name not in refused)
            if user.org_id is None and joined:
                first = self.mapping.organization if self.mapping.organization in joined else None
                user.org_id = org_ids[first or joined[0]]
        # A hub admin operates the deployment (sets plans): the hub says so on every sign-in.
        who = replace(self.users.ensure(hub_user.name), operator=hub_user.admin)
        return SignIn(who, tuple(refused))

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

    def _set(self, s: Session, user: User, org_id: str, role: Role | None) -> bool:
        """Give ``user`` ``role`` in ``org_id`` (None: no membership); False when the plan
        has no room for one more member."""
        membership = s.scalar(
            select(OrgMembership).where(
                OrgMembership.org_id == org_id, OrgMembership.user_id == user.id
            )
        )
        details = {"source": "jupyterhub"}
        if membership is None and role is not None:
            if not self._room_for(s, user, org_id):
                return False
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
        elif membership is not None and role is not None and membership.role != role.value:
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
        return True

    def _room_for(self, s: Session, user: User, org_id: str) -> bool:
        """Whether the organization's plan has room for ``user`` (always, quotas off)."""
        if self.quotas is None:
            return True
        try:
            self.quotas.require_room(s, org_id, "team_members")
        except PlanLimitError as e:
            # require_room puts the plan's count, an int, under "limit"
            self._tell_refused(s, user, org_id, cast(int, e.details["limit"]))
            return False
        return True

    def _tell_refused(self, s: Session, user: User, org_id: str, limit: int) -> None:
        """Notify the organization that its plan kept ``user`` out: once per user and limit,
        however often they sign in meanwhile."""
        org = s.get(Organization, org_id)
        if org is None:  # deleted since sign_in looked it up: no one left to tell
            return
        message = (
            f"{user.username} signed in through JupyterHub but was not added to {org.name}: "
            f"its plan allows {limit} team members. Raise the plan or remove a member; "
            f"{user.username} joins at their next sign-in."
        )
        told = select(Notification.id).where(
            Notification.org_id == org_id, Notification.message == message
        )
        if s.scalar(told) is not None:
            return
        data = {"resource": "team_members", "limit": limit, "source": "jupyterhub"}
        s.add(
            Notification(
                org_id=org_id,
                kind="plan_limit",
                message=message,
                data={**data, "username": user.username},
            )
        )
        self.audit.append(
            s,
            None,
            "member.refused",
            org_id=org_id,
            target=user.username,
            outcome="denied",
            details=data,
        )

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
