"""OpenAPI fragment of orgs/handlers.py: the current organization, its members and its plan."""

from __future__ import annotations

from ..base.openapi import (
    INT64_MAX,
    NAME,
    NO_CONTENT,
    NULLABLE_STR,
    PLAN_LIMITS,
    ROLE,
    USER_ID,
    fields,
    item_path,
    json_response,
    list_of,
    operation,
    ref,
    string,
)
from ..quotas.plans import LIMITS, PLANS

PLAN = {"enum": list(PLANS)}
# What an operator sets: each limit a non-negative 64-bit integer, or null for unlimited.
CUSTOM_LIMITS = {
    "type": ["object", "null"],
    "additionalProperties": False,
    "properties": {
        k: {"type": ["integer", "null"], "minimum": 0, "maximum": INT64_MAX} for k in LIMITS
    },
}


def _plan_op(which: str, params: list | None = None) -> dict:
    """PUT …/plan: an operator sets the plan and custom limits of ``which``."""
    return operation(
        f"Set the plan and custom limits of {which} (the deployment's operators only: 403 "
        "for anyone else, organization admins included)",
        {
            "200": json_response(
                {
                    "type": "object",
                    "required": ["org_id", "plan", "custom", "limits"],
                    "properties": {
                        "org_id": {"type": "string"},
                        "plan": {"type": "string"},
                        "custom": {**CUSTOM_LIMITS, "type": "object"},
                        "limits": PLAN_LIMITS,
                    },
                }
            )
        },
        fields({"plan": PLAN, "limits": CUSTOM_LIMITS}, ["plan"]),
        params,
    )


SCHEMAS = {
    "Organization": {
        "type": "object",
        "required": ["id", "name", "domain", "plan", "role", "member_count"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "domain": NULLABLE_STR,
            "plan": PLAN,
            "role": ROLE,
            "member_count": {"type": "integer"},
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"},
        },
    },
}

PATHS = {
    "/askdb/api/orgs/current": {
        "get": operation(
            "The caller's current organization", {"200": json_response(ref("Organization"))}
        ),
        "patch": operation(
            "Rename the organization or set its domain (Admin)",
            {"200": json_response(ref("Organization"))},
            fields({"name": NAME, "domain": string(255, True)}),
        ),
    },
    "/askdb/api/orgs/current/members": {
        "get": operation(
            "Members and their roles (Admin, Manager)", {"200": list_of("members", "User")}
        ),
        "post": operation(
            "Invite the user called username with a role (Admin, Manager; a Manager "
            "invites no Admin): they join when they accept it. The same answer whether or "
            "not the user exists yet",
            {"201": json_response(ref("Invitation"), "Invited")},
            fields({"username": NAME, "role": ROLE}, ["username", "role"]),
        ),
    },
    "/askdb/api/orgs/current/members/{user_id}": {
        "patch": operation(
            "Change a member's role (Admin)",
            {"200": json_response(ref("User"))},
            fields({"role": ROLE}, ["role"]),
            [USER_ID],
        ),
        "delete": operation("Remove a member (Admin)", NO_CONTENT, params=[USER_ID]),
    },
    "/askdb/api/orgs/current/plan": {"put": _plan_op("the caller's current organization")},
    "/askdb/api/orgs/{org_id}/plan": {
        "put": _plan_op("organization org_id", [item_path("org_id")])
    },
}
