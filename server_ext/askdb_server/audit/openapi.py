"""OpenAPI fragment of audit/handlers.py: the organization's audit log."""

from __future__ import annotations

from ..base.openapi import NULLABLE_STR, TENANCY_ERRORS, list_schema, string
from .export import FORMATS
from .log import OUTCOMES

SCHEMAS = {
    "AuditEvent": {
        "type": "object",
        "required": ["id", "at", "actor", "action", "project_id", "target", "outcome"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string"},
            "at": {"type": "string", "format": "date-time"},
            "org_id": NULLABLE_STR,
            "actor_id": NULLABLE_STR,
            "actor": NULLABLE_STR,
            "action": {"type": "string", "description": "e.g. project.shared, query.asked"},
            "project_id": NULLABLE_STR,
            "target": NULLABLE_STR,
            "outcome": {"enum": list(OUTCOMES)},
            "details": {"type": "object"},
        },
    },
}

PATHS = {
    "/askdb/api/audit": {
        "get": {
            "summary": "The organization's audit log (Admin); append-only: no writes",
            "parameters": [
                {
                    "name": "format",
                    "in": "query",
                    "schema": {"enum": list(FORMATS)},
                    "description": "json (default), csv, or syslog lines (RFC 5424)",
                },
                *[
                    {"name": n, "in": "query", "schema": string(size)}
                    for n, size in (("actor", 255), ("project_id", 32), ("action", 64))
                ],
                {"name": "since", "in": "query", "schema": {**string(64), "format": "date-time"}},
                {"name": "until", "in": "query", "schema": {**string(64), "format": "date-time"}},
            ],
            "responses": {
                "200": {
                    "description": "The events, oldest first",
                    "content": {
                        "application/json": {"schema": list_schema("events", "AuditEvent")},
                        "text/csv": {"schema": {"type": "string"}},
                        "text/plain": {"schema": {"type": "string"}},
                    },
                },
                **TENANCY_ERRORS,
            },
        }
    },
}
