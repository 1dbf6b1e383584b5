"""Members' roles in an organization: reading a role, changing one, and the rule that an
organization always keeps an admin.

Apart from ``manager.py`` because users and invitations set roles too, and the organization
manager depends on the user manager, not the other way round.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.log import AuditLog
from ..authz.policy import Role
from ..errors import ConflictError, InvalidInputError, UserNotFoundError
from ..identity.who import Identity
from ..store.models import OrgMembership, User


def set_member_role(
    s: Session, audit: AuditLog, who: Identity, org_id: str, user: User, role: str
) -> None:
    """Change ``user``'s role in ``org_id`` (the caller has been allowed to manage users)."""
    new = parse_role(role)
    membership = s.scalar(
        select(OrgMembership).where(
            OrgMembership.org_id == org_id, OrgMembership.user_id == user.id
        )
    )
    if membership is None:
        raise UserNotFoundError(f"No user with id {user.id!r}.")
    if membership.role == new.value:
        return
    keep_an_admin(s, org_id, user, new)
    old, membership.role = membership.role, new.value
    audit.append(
        s,
        who,
        "member.role_changed",
        org_id=org_id,
        target=user.username,
        details={"from": old, "to": new.value},
    )


def keep_an_admin(s: Session, org_id: str, user: User, new_role: Role | None) -> None:
    """Refuse to leave an organization with no admin (``new_role`` None: removal)."""
    if new_role == Role.ADMIN:
        return
    admins = set(
        s.scalars(
            select(OrgMembership.user_id).where(
                OrgMembership.org_id == org_id, OrgMembership.role == Role.ADMIN.value
            )
        )
    )
    if admins == {user.id}:
        raise ConflictError("An organization needs at least one admin.")


def parse_role(value: object) -> Role:
    """The role named ``value`` (any case), or InvalidInputError naming the roles."""
    try:
        return Role(str(value or "").upper())
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise InvalidInputError(f"Unknown role {value!r}: use one of {names}.") from None
