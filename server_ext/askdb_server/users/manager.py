"""Users: who they are (profile), and an organization admin's view of them.

In local mode the one user is the Jupyter server's owner; the first time a user is seen they
get a personal organization where they are ADMIN, so a single analyst never meets roles.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timezone

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..authz.authorizer import Authorizer
from ..errors import ConflictError, ForbiddenError, InvalidInputError, UserNotFoundError
from ..identity.who import Identity
from ..orgs.roles import set_member_role
from ..store.db import Store
from ..store.models import (
    Conversation,
    GoldenPair,
    KnowledgeDoc,
    Organization,
    OrgMembership,
    Project,
    SchemaVersion,
    User,
    utcnow,
)

__all__ = ["Identity", "UserInfo", "UserManager"]

PROFILE_FIELDS = {"name", "email", "avatar_url"}


@dataclass(frozen=True)
class UserInfo:
    """A user as the API shows them; ``role`` is their role in the organization asked about."""

    id: str
    username: str
    name: str | None
    email: str | None
    avatar_url: str | None
    is_active: bool
    org_id: str | None
    role: str | None
    last_login: datetime | None
    created_at: datetime
    updated_at: datetime | None

    def to_dict(self) -> dict:
        d = asdict(self)
        for key in ("last_login", "created_at", "updated_at"):
            d[key] = _aware(d[key]).isoformat() if d[key] else None
        return d


class UserManager:
    def __init__(self, store: Store, authz: Authorizer, *, org_owned_accounts: bool) -> None:
        """``org_owned_accounts``: whether an organization's admins manage the accounts of
        users who belong to it alone (``AskDBApp.org_owned_accounts``)."""
        self.store = store
        self.authz = authz
        self.audit = authz.audit
        self.org_owned_accounts = org_owned_accounts

    # -- the caller ------------------------------------------------------------------------
    def ensure(self, username: str, *, name: str | None = None) -> Identity:
        """Return the identity for ``username``, creating its user on first sight.

        A user who belongs to no organization gets a personal one, where they are ADMIN.
        """
        with self.store.session() as s:
            user = s.scalar(select(User).where(User.username == username))
            if user is None:
                user = User(username=username, name=name or username)
                s.add(user)
                s.flush()
            user.last_login = utcnow()
            if user.org_id is None:
                user.org_id = self._first_org(s, user) or self._personal_org(s, user)
            return Identity(user_id=user.id, username=user.username)

    def me(self, who: Identity) -> UserInfo:
        with self.store.session() as s:
            user = self._user(s, who.user_id)
            return self._info(s, user, user.org_id)

    def update_me(self, who: Identity, **changes: object) -> UserInfo:
        """Change name, email or avatar_url, or switch ``org_id`` to another of one's orgs."""
        reject_unknown_changes(changes, PROFILE_FIELDS | {"org_id"})
        with self.store.session() as s:
            user = self._user(s, who.user_id)
            if "org_id" in changes and changes["org_id"] != user.org_id:
                org_id = str(changes.pop("org_id") or "")
                if self.authz.role(s, user.id, org_id) is None:
                    raise InvalidInputError("You are not a member of that organization.")
                user.org_id = org_id
            changes.pop("org_id", None)
            _set_profile(user, changes)
            s.flush()
            self.audit.append(
                s,
                who,
                "user.updated",
                org_id=user.org_id,
                target=user.username,
                details={"fields": sorted(changes)},
            )
            return self._info(s, user, user.org_id)

    # -- an admin's view of their organization's users ---------------------------------------
    def list(self, who: Identity) -> list[UserInfo]:
        """The users of the caller's organization."""
        with self.store.session() as s:
            grant = self.authz.check_current(s, who, "users:read")
            users = s.scalars(
                select(User)
                .join(OrgMembership, OrgMembership.user_id == User.id)
                .where(OrgMembership.org_id == grant.org_id)
                .order_by(User.username)
            )
            return [self._info(s, u, grant.org_id) for u in users]

    def get(self, who: Identity, user_id: str) -> UserInfo:
        with self.store.session() as s:
            grant = self.authz.check_current(s, who, "users:read")
            return self._info(s, self._member(s, grant.org_id, user_id), grant.org_id)

    def update(self, who: Identity, user_id: str, **changes: object) -> UserInfo:
        """An admin changes a member's ``role`` in the organization; their profile and
        ``is_active`` (deactivate/reactivate) only where the organization owns the account
        (``_require_account_owner``)."""
        reject_unknown_changes(changes, PROFILE_FIELDS | {"is_active", "role"})
        with self.store.session() as s:
            grant = self.authz.check_current(s, who, "users:manage")
            user = self._member(s, grant.org_id, user_id)
            if set(changes) - {"role"}:
                self._require_account_owner(s, who, grant.org_id, user)
            if "role" in changes:
                set_member_role(s, self.audit, who, grant.org_id, user, str(changes.pop("role")))
            if "is_active" in changes:
                active = bool(changes.pop("is_active"))
                if not active and user.id == who.user_id:
                    raise ConflictError("You cannot deactivate yourself.")
                if active != user.is_active:
                    user.is_active = active
                    action = "user.reactivated" if active else "user.deactivated"
                    self.audit.append(s, who, action, org_id=grant.org_id, target=user.username)
            if changes:
                _set_profile(user, changes)
                self.audit.append(
                    s,
                    who,
                    "user.updated",
                    org_id=grant.org_id,
                    target=user.username,
                    details={"fields": sorted(changes)},
                )
            s.flush()
            return self._info(s, user, grant.org_id)

    def delete(self, who: Identity, user_id: str) -> None:
        """Delete a user's account: their conversations go, what they wrote stays (unsigned).

        Only where the organization owns the account (``_require_account_owner``); refused
        for oneself and for an owner of projects (transfer them first).
        """
        with self.store.session() as s:
            grant = self.authz.check_current(s, who, "users:manage")
            user = self._member(s, grant.org_id, user_id)
            if user.id == who.user_id:
                raise ConflictError("You cannot delete your own account.")
            self._require_account_owner(s, who, grant.org_id, user)
            if s.scalar(select(Project.id).where(Project.owner_id == user.id).limit(1)):
                raise ConflictError(f"{user.username} owns projects: transfer them first.")
            for c in s.scalars(select(Conversation).where(Conversation.user_id == user.id)):
                s.delete(c)
            for table in (SchemaVersion, KnowledgeDoc, GoldenPair):
                s.execute(update(table).where(table.created_by == user.id).values(created_by=None))
            self.audit.append(s, who, "user.deleted", org_id=grant.org_id, target=user.username)
            s.delete(user)

    # -- internals -------------------------------------------------------------------------
    def _require_account_owner(self, s: Session, who: Identity, org_id: str, user: User) -> None:
        """ForbiddenError unless ``org_id`` owns ``user``'s account: the deployment lets
        organizations own accounts (``org_owned_accounts``) and the user belongs to this
        organization alone. Otherwise an admin manages the membership only (role, removal):
        the account (name, email, activation) is the user's, across organizations."""
        if user.id == who.user_id:
            return  # one's own profile (deactivating oneself is refused later)
        orgs = set(s.scalars(select(OrgMembership.org_id).where(OrgMembership.user_id == user.id)))
        if not self.org_owned_accounts or orgs != {org_id}:
            raise ForbiddenError(
                f"{user.username}'s account is not this organization's: change their role or "
                "remove them from the organization instead.",
                action="users:manage",
            )

    def _user(self, s: Session, user_id: str) -> User:
        user = s.get(User, user_id)
        if user is None:
            raise UserNotFoundError(f"No user with id {user_id!r}.")
        return user

    def _member(self, s: Session, org_id: str, user_id: str) -> User:
        """A user of organization ``org_id``; anyone else answers like a missing user."""
        user = s.get(User, user_id)
        if user is None or self.authz.role(s, user.id, org_id) is None:
            raise UserNotFoundError(f"No user with id {user_id!r}.")
        return user

    def _first_org(self, s: Session, user: User) -> str | None:
        return s.scalar(
            select(OrgMembership.org_id)
            .where(OrgMembership.user_id == user.id)
            .order_by(OrgMembership.created_at)
            .limit(1)
        )

    def _personal_org(self, s: Session, user: User) -> str:
        org = Organization(name=user.name or user.username)
        s.add(org)
        s.flush()
        s.add(OrgMembership(org_id=org.id, user_id=user.id, role="ADMIN"))
        self.audit.append(
            s,
            Identity(user.id, user.username),
            "org.created",
            org_id=org.id,
            target=org.name,
            details={"personal": True},
        )
        return org.id

    def _info(self, s: Session, user: User, org_id: str | None) -> UserInfo:
        role = self.authz.role(s, user.id, org_id) if org_id else None
        return UserInfo(
            id=user.id,
            username=user.username,
            name=user.name,
            email=user.email,
            avatar_url=user.avatar_url,
            is_active=user.is_active,
            org_id=user.org_id,
            role=role.value if role else None,
            last_login=user.last_login,
            created_at=user.created_at,
            updated_at=user.updated_at,
        )


def reject_unknown_changes(changes: dict, allowed: set[str]) -> None:
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidInputError(f"Cannot change {', '.join(sorted(unknown))}.")


def _set_profile(user: User, changes: dict) -> None:
    for key, value in changes.items():
        text = None if value is None else str(value).strip()
        if key == "email" and text and "@" not in text:
            raise InvalidInputError(f"{text!r} is not an email address.")
        if key == "avatar_url" and text and not text.startswith(("https://", "http://")):
            raise InvalidInputError("avatar_url must be an http(s) URL.")
        setattr(user, key, text or None)
    user.updated_at = utcnow()


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)
