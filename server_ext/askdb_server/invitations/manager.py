"""Invitations: an org ADMIN or MANAGER invites someone by email with a role; the emailed link
carries a single-use, expiring token, of which only the SHA-256 hash is stored; a signed-in
user who accepts it joins the organization with that role.

Membership is by invitation only: adding a user by name (``POST orgs/current/members``) is an
invitation to that username, which only the user of that name sees (``users/me/invitations``)
and accepts or declines. The inviter learns nothing of the user (not even whether the name
exists yet) until they accept."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..authz.policy import Role
from ..errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    InvalidTokenError,
    InvitationNotFoundError,
    TokenGoneError,
)
from ..identity.who import Identity
from ..orgs.roles import parse_role
from ..store.models import Invitation, Organization, OrgMembership, User, utcnow
from ..users.manager import UserInfo, UserManager

if TYPE_CHECKING:
    from ..mail.outbox import EmailOutbox
    from ..quotas.manager import QuotaManager

# The role a member may hand out, at most their own: a MANAGER cannot create ADMINs.
STRENGTH = {role: i for i, role in enumerate(Role)}


@dataclass(frozen=True)
class InvitationInfo:
    """An invitation as its organization's admins see it."""

    id: str
    email: str | None
    role: str
    status: str  # pending | accepted | declined | revoked | expired
    invited_by: str | None
    created_at: datetime
    expires_at: datetime
    username: str | None = None

    def to_dict(self) -> dict:
        d = asdict(self)
        for key in ("created_at", "expires_at"):
            d[key] = aware(d[key]).isoformat()
        return d


@dataclass(frozen=True)
class ReceivedInvitation:
    """A pending invitation as the invited user sees it: who asks them to join what."""

    id: str
    org_id: str
    org_name: str
    role: str
    invited_by: str | None  # the inviter's username
    created_at: datetime
    expires_at: datetime

    def to_dict(self) -> dict:
        d = asdict(self)
        for key in ("created_at", "expires_at"):
            d[key] = aware(d[key]).isoformat()
        return d


def hash_token(token: str) -> str:
    """The stored form of a link token (SHA-256, hex)."""
    return hashlib.sha256(token.encode()).hexdigest()


def aware(dt: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything is stored in UTC.
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


class InvitationManager:
    """Invite, list, revoke and accept; every change is audited and authorized."""

    def __init__(
        self,
        users: UserManager,
        outbox: EmailOutbox,
        quotas: QuotaManager,
        *,
        link: Callable[[str], str],
        expiry: timedelta = timedelta(days=7),
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.store = users.store
        self.users = users
        self.authz = users.authz
        self.audit = users.audit
        self.outbox = outbox
        # The plan's member count, checked when an invitation is accepted.
        self.quotas = quotas
        self.link = link
        self.expiry = expiry
        self.clock = clock

    def invite(self, who: Identity, email: str, role: str) -> InvitationInfo:
        """Invite ``email`` to the caller's organization with ``role``; the email with the
        link is queued in the same transaction."""
        email = normal_email(email)
        new_role = parse_role(role)
        token = secrets.token_urlsafe(32)
        with self.store.session() as s:
            grant = self.authz.check_current(s, who, "users:invite")
            self._may_grant(grant.role, new_role)
            if self._is_member(s, grant.org_id, email):
                raise ConflictError(f"{email} is already a member.")
            now = self.clock()
            inv = Invitation(
                org_id=grant.org_id,
                email=email,
                role=new_role.value,
                token_hash=hash_token(token),
                invited_by=who.user_id,
                created_at=now,
                expires_at=now + self.expiry,
            )
            s.add(inv)
            org = s.get(Organization, grant.org_id)
            self.outbox.enqueue(s, email, *self._message(org.name, who, new_role, token))
            self.audit.append(
                s,
                who,
                "invitation.sent",
                org_id=grant.org_id,
                target=email,
                details={"role": new_role.value},
            )
            s.flush()
            return self._info(inv, now)

    def list(self, who: Identity) -> list[InvitationInfo]:
        """The organization's invitations, newest first."""
        with self.store.session() as s:
            grant = self.authz.check_current(s, who, "users:invite")
            rows = s.scalars(
                select(Invitation)
                .where(Invitation.org_id == grant.org_id)
                .order_by(Invitation.created_at.desc())
            )
            now = self.clock()
            return [self._info(inv, now) for inv in rows]

    def invite_user(self, who: Identity, username: str, role: str) -> InvitationInfo:
        """Invite the user called ``username`` to the caller's organization with ``role``:
        they join only when they accept it. The same answer whether or not such a user exists
        yet (one who signs up under that name later sees it)."""
        username = (username or "").strip() if isinstance(username, str) else ""
        if not username or len(username) > 255:
            raise InvalidInputError("Name the user to invite (username, 1 to 255 characters).")
        new_role = parse_role(role)
        with self.store.session() as s:
            grant = self.authz.check_current(s, who, "users:invite")
            self._may_grant(grant.role, new_role)
            if self._is_member(s, grant.org_id, username, by_email=False):
                raise ConflictError(f"{username} is already a member.")
            now = self.clock()
            if self._pending_for(s, grant.org_id, username, now) is not None:
                raise ConflictError(f"{username} already has a pending invitation.")
            inv = Invitation(
                org_id=grant.org_id,
                username=username,
                role=new_role.value,
                # Never sent: a username invitation is accepted by id, by that user alone.
                token_hash=hash_token(secrets.token_urlsafe(32)),
                invited_by=who.user_id,
                created_at=now,
                expires_at=now + self.expiry,
            )
            s.add(inv)
            self.audit.append(
                s,
                who,
                "invitation.sent",
                org_id=grant.org_id,
                target=username,
                details={"role": new_role.value, "by": "username"},
            )
            s.flush()
            return self._info(inv, now)

    def received(self, who: Identity) -> list[ReceivedInvitation]:
        """The caller's pending invitations (to their username), newest first."""
        now = self.clock()
        with self.store.session() as s:
            user = self.users._user(s, who.user_id)
            rows = s.execute(
                select(Invitation, Organization.name, User.username)
                .join(Organization, Organization.id == Invitation.org_id)
                .outerjoin(User, User.id == Invitation.invited_by)
                .where(Invitation.username == user.username, *_pending(now))
                .order_by(Invitation.created_at.desc(), Invitation.id)
            ).all()
            return [
                ReceivedInvitation(
                    id=inv.id,
                    org_id=inv.org_id,
                    org_name=org_name,
                    role=inv.role,
                    invited_by=inviter,
                    created_at=inv.created_at,
                    expires_at=inv.expires_at,
                )
                for inv, org_name, inviter in rows
            ]

    def accept_received(self, who: Identity, invitation_id: str) -> UserInfo:
        """Accept an invitation to the caller's username: join its organization with its
        role (it becomes the current one)."""
        with self.store.session() as s:
            inv = self._addressed_to(s, who, invitation_id)
            return self._join(s, who, inv)

    def decline(self, who: Identity, invitation_id: str) -> None:
        """Decline an invitation to the caller's username; its organization sees it declined."""
        with self.store.session() as s:
            inv = self._addressed_to(s, who, invitation_id)
            self._usable(inv)
            inv.declined_at = self.clock()
            self.audit.append(s, who, "invitation.declined", org_id=inv.org_id, target=inv.username)

    def revoke(self, who: Identity, invitation_id: str) -> None:
        """Revoke a pending invitation; its link stops working at once."""
        with self.store.session() as s:
            grant = self.authz.check_current(s, who, "users:invite")
            inv = s.get(Invitation, invitation_id)
            if inv is None or inv.org_id != grant.org_id:
                raise InvitationNotFoundError(f"No invitation with id {invitation_id!r}.")
            if inv.accepted_at is not None:
                raise ConflictError("This invitation was already accepted.")
            if inv.revoked_at is None:
                inv.revoked_at = self.clock()
                self.audit.append(s, who, "invitation.revoked", org_id=inv.org_id, target=inv.email)

    def accept(self, who: Identity, token: str) -> UserInfo:
        """Join the invitation's organization with its role; it becomes the current one."""
        with self.store.session() as s:
            inv = s.scalar(
                select(Invitation).where(Invitation.token_hash == hash_token(token or ""))
            )
            if inv is None or inv.username is not None:  # those: by id, by that user alone
                raise InvalidTokenError("This invitation link is not valid: check it is complete.")
            return self._join(s, who, inv)

    # -- internals -------------------------------------------------------------------------
    def _join(self, s: Session, who: Identity, inv: Invitation) -> UserInfo:
        """The caller joins ``inv``'s organization with its role (the current one now)."""
        self._usable(inv)
        user = self.users._user(s, who.user_id)
        if not user.is_active:
            raise ForbiddenError("Your AskDB account is deactivated.", action="invitation")
        if self.authz.role(s, user.id, inv.org_id) is not None:
            raise ConflictError("You are already a member of this organization.")
        self.quotas.require_room(s, inv.org_id, "team_members")
        inv.accepted_at = self.clock()
        inv.accepted_by = user.id
        s.add(OrgMembership(org_id=inv.org_id, user_id=user.id, role=inv.role))
        user.org_id = inv.org_id
        self.audit.append(
            s,
            who,
            "invitation.accepted",
            org_id=inv.org_id,
            target=inv.email or inv.username,
            details={"role": inv.role},
        )
        s.flush()
        return self.users._info(s, user, inv.org_id)

    def _addressed_to(self, s: Session, who: Identity, invitation_id: str) -> Invitation:
        """The invitation ``invitation_id`` to the caller's username; anyone else's (or an
        email invitation, accepted with its link) answers like a missing one."""
        inv = s.get(Invitation, invitation_id)
        user = self.users._user(s, who.user_id)
        if inv is None or inv.username is None or inv.username != user.username:
            raise InvitationNotFoundError(f"No invitation with id {invitation_id!r}.")
        return inv

    def _pending_for(
        self, s: Session, org_id: str, username: str, now: datetime
    ) -> Invitation | None:
        return s.scalar(
            select(Invitation)
            .where(Invitation.org_id == org_id, Invitation.username == username, *_pending(now))
            .limit(1)
        )

    def _may_grant(self, own: Role, new_role: Role) -> None:
        if STRENGTH[new_role] < STRENGTH[own]:
            raise ForbiddenError(
                f"A {own.value} cannot invite an {new_role.value}.", action="users:invite"
            )

    def _usable(self, inv: Invitation) -> None:
        if inv.accepted_at is not None:
            raise TokenGoneError("This invitation was already used.", reason="used")
        if inv.declined_at is not None:
            raise TokenGoneError("This invitation was declined.", reason="declined")
        if inv.revoked_at is not None:
            raise TokenGoneError("This invitation was revoked.", reason="revoked")
        if aware(inv.expires_at) <= self.clock():
            raise TokenGoneError(
                "This invitation has expired: ask for a new one.", reason="expired"
            )

    def _is_member(self, s: Session, org_id: str, email: str, *, by_email: bool = True) -> bool:
        named = User.username == email
        users = select(User.id).where((User.email == email) | named if by_email else named)
        return bool(
            s.scalar(
                select(OrgMembership.id).where(
                    OrgMembership.org_id == org_id, OrgMembership.user_id.in_(users)
                )
            )
        )

    def _message(self, org: str, who: Identity, role: Role, token: str) -> tuple[str, str]:
        link = self.link(f"askdb/invitations/accept?token={token}")
        days = max(1, round(self.expiry.total_seconds() / 86400))
        body = (
            f"{who.username} invites you to join {org} on AskDB as {role.value}.\n\n"
            f"Accept the invitation (sign in first): {link}\n\n"
            f"The link works once and expires in {days} day(s). If you did not expect this "
            "email, ignore it.\n"
        )
        return f"Join {org} on AskDB", body

    def _info(self, inv: Invitation, now: datetime) -> InvitationInfo:
        if inv.accepted_at is not None:
            status = "accepted"
        elif inv.declined_at is not None:
            status = "declined"
        elif inv.revoked_at is not None:
            status = "revoked"
        elif aware(inv.expires_at) <= now:
            status = "expired"
        else:
            status = "pending"
        return InvitationInfo(
            id=inv.id,
            email=inv.email,
            role=inv.role,
            status=status,
            invited_by=inv.invited_by,
            created_at=inv.created_at,
            expires_at=inv.expires_at,
            username=inv.username,
        )


def _pending(now: datetime) -> tuple:
    """The conditions of a pending invitation at ``now``."""
    return (
        Invitation.accepted_at.is_(None),
        Invitation.declined_at.is_(None),
        Invitation.revoked_at.is_(None),
        Invitation.expires_at > now,
    )


def normal_email(value: object) -> str:
    """``value`` as a lower-case email address, or InvalidInputError."""
    email = str(value or "").strip().lower()
    local, _, domain = email.partition("@")
    if not local or "." not in domain or " " in email:
        raise InvalidInputError(f"{value!r} is not an email address.")
    return email
