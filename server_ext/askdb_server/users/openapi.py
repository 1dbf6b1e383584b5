"""OpenAPI fragment of users/handlers.py: the caller's profile and the organization's users."""

from __future__ import annotations

from ..base.openapi import (
    ID,
    NO_CONTENT,
    NULLABLE_STR,
    ROLE,
    USER_ID,
    fields,
    json_response,
    list_of,
    operation,
    ref,
    string,
)

PROFILE = {"name": string(255, True), "email": string(320, True), "avatar_url": string(2048, True)}

SCHEMAS = {
    "User": {
        "type": "object",
        "required": ["id", "username", "is_active", "org_id", "role", "created_at"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string"},
            "username": {"type": "string"},
            "name": NULLABLE_STR,
            "email": NULLABLE_STR,
            "avatar_url": NULLABLE_STR,
            "is_active": {"type": "boolean"},
            "org_id": {**NULLABLE_STR, "description": "The user's current organization"},
            "role": {
                "enum": [*ROLE["enum"], None],
                "description": "Role in the organization asked about",
            },
            "last_login": NULLABLE_STR,
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": NULLABLE_STR,
        },
    },
}

PATHS = {
    "/askdb/api/users/me": {
        "get": operation(
            "The caller's profile, organization and role", {"200": json_response(ref("User"))}
        ),
        "patch": operation(
            "Change one's profile, or switch to another of one's organizations",
            {"200": json_response(ref("User"))},
            fields({**PROFILE, "org_id": ID}),
        ),
    },
    "/askdb/api/users": {
        "get": operation(
            "Users of the caller's organization (Admin, Manager)",
            {"200": list_of("users", "User")},
        ),
    },
    "/askdb/api/users/{user_id}": {
        "get": operation(
            "One user of the organization", {"200": json_response(ref("User"))}, params=[USER_ID]
        ),
        "patch": operation(
            "Change a member's role (Admin); their profile or is_active only where the "
            "organization owns the account (AskDBApp.org_owned_accounts, a member of it "
            "alone), else 403",
            {"200": json_response(ref("User"))},
            fields({**PROFILE, "is_active": {"type": "boolean"}, "role": ROLE}),
            [USER_ID],
        ),
        "delete": operation(
            "Delete the account of a member whose account the organization owns (Admin)",
            NO_CONTENT,
            params=[USER_ID],
        ),
    },
}
