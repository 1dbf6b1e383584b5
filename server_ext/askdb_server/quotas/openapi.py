"""OpenAPI fragment of quotas/handlers.py: a project's usage and the organization's
notifications (the plan itself is set at orgs/openapi.py's /orgs/.../plan)."""

from __future__ import annotations

from ..base.openapi import NULLABLE_STR, PLAN_LIMITS, PROJECT_ID, json_response, operation

SCHEMAS: dict = {}

PATHS = {
    "/askdb/api/notifications": {
        "get": operation(
            "The organization's notifications (quota alerts at 80/90/100%), newest first",
            {
                "200": json_response(
                    {
                        "type": "object",
                        "required": ["notifications"],
                        "properties": {
                            "notifications": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "required": ["id", "kind", "message", "created_at"],
                                    "properties": {
                                        "id": {"type": "string"},
                                        "kind": {"type": "string"},
                                        "project_id": NULLABLE_STR,
                                        "message": {"type": "string"},
                                        "data": {"type": ["object", "null"]},
                                        "created_at": NULLABLE_STR,
                                    },
                                },
                            }
                        },
                    }
                )
            },
        )
    },
    "/askdb/api/projects/{project_id}/usage": {
        "get": operation(
            "The project's plan limits, its use this day and month, and what it stores",
            {
                "200": json_response(
                    {
                        "type": "object",
                        "required": [
                            "limits",
                            "calls_today",
                            "tokens_this_month",
                            "schema_versions",
                            "conversation_messages",
                        ],
                        "properties": {
                            "limits": PLAN_LIMITS,
                            "calls_today": {"type": "integer"},
                            "tokens_this_month": {"type": "integer"},
                            "schema_versions": {"type": "integer", "minimum": 0},
                            "conversation_messages": {"type": "integer", "minimum": 0},
                            "enforced": {"type": "boolean"},
                        },
                    }
                )
            },
            params=[PROJECT_ID],
        )
    },
}
