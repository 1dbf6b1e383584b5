"""OpenAPI fragment of invitations/handlers.py: invitations sent, received, accepted."""

from __future__ import annotations

from ..base.openapi import (
    EMAIL,
    NO_CONTENT,
    NULLABLE_STR,
    PROBLEM,
    ROLE,
    TOKEN,
    fields,
    item_path,
    json_response,
    list_of,
    operation,
    ref,
)

INVITATION_ID = item_path("invitation_id")
GONE = {"410": PROBLEM}

SCHEMAS = {
    "Invitation": {
        "type": "object",
        "required": ["id", "email", "role", "status", "invited_by", "created_at", "expires_at"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string"},
            "email": {**NULLABLE_STR, "description": "Null for an invitation by username"},
            "username": {**NULLABLE_STR, "description": "Null for an invitation by email"},
            "role": ROLE,
            "status": {"enum": ["pending", "accepted", "declined", "revoked", "expired"]},
            "invited_by": {**NULLABLE_STR, "description": "The inviter's user id"},
            "created_at": {"type": "string", "format": "date-time"},
            "expires_at": {"type": "string", "format": "date-time"},
        },
    },
    "ReceivedInvitation": {
        "type": "object",
        "required": ["id", "org_id", "org_name", "role", "invited_by", "created_at", "expires_at"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string"},
            "org_id": {"type": "string"},
            "org_name": {"type": "string"},
            "role": ROLE,
            "invited_by": {**NULLABLE_STR, "description": "The inviter's username"},
            "created_at": {"type": "string", "format": "date-time"},
            "expires_at": {"type": "string", "format": "date-time"},
        },
    },
}

PATHS = {
    "/askdb/api/orgs/current/invitations": {
        "get": operation(
            "The organization's invitations (Admin, Manager)",
            {"200": list_of("invitations", "Invitation")},
        ),
        "post": operation(
            "Invite an email address with a role; the link is emailed (Admin, Manager; "
            "a Manager invites no Admin)",
            {"201": json_response(ref("Invitation"), "Invited")},
            fields({"email": EMAIL, "role": ROLE}, ["email", "role"]),
        ),
    },
    "/askdb/api/orgs/current/invitations/{invitation_id}": {
        "delete": operation(
            "Revoke a pending invitation (Admin, Manager)", NO_CONTENT, params=[INVITATION_ID]
        ),
    },
    "/askdb/api/invitations/accept": {
        "post": operation(
            "Accept an invitation: the signed-in caller joins its organization with its "
            "role (400 invalid token; 410 used, revoked or expired)",
            {"200": json_response(ref("User")), **GONE},
            fields({"token": TOKEN}, ["token"]),
        ),
    },
    "/askdb/api/users/me/invitations": {
        "get": operation(
            "The caller's pending invitations by username, newest first",
            {"200": list_of("invitations", "ReceivedInvitation")},
        ),
    },
    "/askdb/api/invitations/{invitation_id}/accept": {
        "post": operation(
            "Accept an invitation to one's username: join its organization with its role "
            "(it becomes the current one); 404 for anyone but the invited user, 410 used, "
            "declined, revoked or expired",
            {"200": json_response(ref("User")), **GONE},
            params=[INVITATION_ID],
        ),
    },
    "/askdb/api/invitations/{invitation_id}/decline": {
        "post": operation(
            "Decline an invitation to one's username (404 for anyone but the invited user)",
            {**NO_CONTENT, **GONE},
            params=[INVITATION_ID],
        ),
    },
}
