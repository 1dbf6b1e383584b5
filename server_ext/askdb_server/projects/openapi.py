"""OpenAPI fragment of projects/handlers.py: projects, their settings, sharing and templates."""

from __future__ import annotations

from ..authz.policy import Permission
from ..base.openapi import (
    ERRORS,
    ID,
    NAME,
    NO_CONTENT,
    NULLABLE_STR,
    PROBLEM,
    PROJECT_ID,
    TEXT,
    USER_ID,
    fields,
    json_body,
    json_response,
    list_of,
    operation,
    ref,
    string,
)

PERMISSIONS = [permission.value for permission in Permission]
# Ownership moves with a transfer, never with a share.
SHARED = {"enum": [p for p in PERMISSIONS if p != Permission.OWNER.value]}

# The guard's project settings (sqlrun/guard.py QueryPolicy), changed by an org admin.
GUARD_SETTINGS = {
    "sql_functions": {
        "type": "array",
        "maxItems": 200,
        "items": {"type": "string", "maxLength": 128},
        "description": "Function names the guard allows beyond the dialect's allow-list "
        "(lower case; schema.function for a qualified one)",
    },
    "allow_introspection": {
        "type": "boolean",
        "description": "Allow queries of the catalog views that describe tables and columns",
    },
    "allow_privileged": {
        "type": "boolean",
        "description": "UNSAFE: let a privileged database role connect in a shared deployment",
    },
}
# What a project is created with; a PATCH may also change the guard's settings.
PROJECT_FIELDS = {
    "name": NAME,
    "description": TEXT,
    "connection_url": {
        **string(4096),
        "description": "SQLAlchemy URL: sqlite, postgresql, mysql/mariadb",
    },
    "allow_value_lookup": {"type": "boolean"},
    "store_results": {
        "type": "boolean",
        "description": "Keep answers' first rows in the history (default true); false keeps none",
    },
}

SCHEMAS = {
    "Project": {
        "type": "object",
        "required": [
            "id",
            "name",
            "description",
            "owner",
            "connection_url",
            "dialect",
            "allow_value_lookup",
            "store_results",
            "schema_version",
            "archived",
            "created_at",
            "updated_at",
        ],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "description": {"type": "string"},
            "owner": {"type": "string"},
            "connection_url": {**NULLABLE_STR, "description": "Password replaced by ***"},
            "dialect": NULLABLE_STR,
            "allow_value_lookup": {"type": "boolean"},
            "store_results": {
                "type": "boolean",
                "description": "Whether answers' first rows are stored with their messages",
            },
            **GUARD_SETTINGS,
            "unsafe": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Settings that weaken the guard's defaults (allow_privileged)",
            },
            "schema_version": {"type": ["integer", "null"]},
            "archived": {"type": "boolean"},
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"},
            "org_id": {**NULLABLE_STR, "description": "The organization the project belongs to"},
            "permission": {
                "enum": [*PERMISSIONS, None],
                "description": "The caller's permission on the project",
            },
        },
    },
    "ProjectCreate": {
        "type": "object",
        "required": ["name"],
        "additionalProperties": False,
        "properties": PROJECT_FIELDS,
    },
    "ProjectMember": {
        "type": "object",
        "required": ["user_id", "username", "permission", "invited_at"],
        "additionalProperties": False,
        "properties": {
            "user_id": {"type": "string"},
            "username": {"type": "string"},
            "name": NULLABLE_STR,
            "permission": {"enum": PERMISSIONS},
            "invited_at": {"type": "string", "format": "date-time"},
        },
    },
}

PATHS = {
    "/askdb/api/projects": {
        "get": {
            "summary": "List projects",
            "parameters": [
                {"name": "name", "in": "query", "schema": NAME},
                {"name": "include_archived", "in": "query", "schema": {"type": "boolean"}},
            ],
            "responses": {"200": list_of("projects", "Project")},
        },
        "post": {
            "summary": "Create a project",
            "requestBody": json_body(ref("ProjectCreate")),
            "responses": {
                "201": json_response(ref("Project"), "Created"),
                **ERRORS,
                "409": PROBLEM,
            },
        },
    },
    "/askdb/api/projects/{project_id}": {
        "get": {
            "summary": "Get a project",
            "parameters": [PROJECT_ID],
            "responses": {"200": json_response(ref("Project")), **ERRORS},
        },
        "patch": {
            "summary": "Update a project",
            "parameters": [PROJECT_ID],
            # Open to further settings: the manager refuses the fields it does not know.
            "requestBody": json_body(
                {"type": "object", "properties": {**PROJECT_FIELDS, **GUARD_SETTINGS}}
            ),
            "responses": {"200": json_response(ref("Project")), **ERRORS, "409": PROBLEM},
        },
    },
    "/askdb/api/projects/{project_id}/archive": {
        "post": {
            "summary": "Archive (soft delete) a project",
            "parameters": [PROJECT_ID],
            "responses": {"200": json_response(ref("Project")), **ERRORS},
        }
    },
    "/askdb/api/projects/{project_id}/restore": {
        "post": {
            "summary": "Restore an archived project",
            "parameters": [PROJECT_ID],
            "responses": {"200": json_response(ref("Project")), **ERRORS, "409": PROBLEM},
        }
    },
    "/askdb/api/projects/{project_id}/members": {
        "get": operation(
            "Who the project is shared with",
            {"200": list_of("members", "ProjectMember")},
            params=[PROJECT_ID],
        ),
    },
    "/askdb/api/projects/{project_id}/share": {
        "post": operation(
            "Share with a member of the organization (Owner)",
            {"201": json_response(ref("ProjectMember"), "Shared")},
            fields({"user_id": ID, "username": NAME, "permission": SHARED}),
            [PROJECT_ID],
        ),
    },
    "/askdb/api/projects/{project_id}/share/{user_id}": {
        "delete": operation(
            "Stop sharing with a user (Owner)", NO_CONTENT, params=[PROJECT_ID, USER_ID]
        ),
    },
    "/askdb/api/projects/{project_id}/permissions/{user_id}": {
        "patch": operation(
            "Change a member's permission (Owner)",
            {"200": json_response(ref("ProjectMember"))},
            fields({"permission": SHARED}, ["permission"]),
            [PROJECT_ID, USER_ID],
        ),
    },
    "/askdb/api/projects/{project_id}/transfer": {
        "post": operation(
            "Transfer ownership to another member (Owner)",
            {"200": json_response(ref("Project"))},
            fields({"user_id": ID}, ["user_id"]),
            [PROJECT_ID],
        ),
    },
    "/askdb/api/projects/{project_id}/clone": {
        "post": operation(
            "A new project from this one as a template (its current schema version)",
            {"201": json_response(ref("Project"), "Created")},
            fields({"name": NAME}, ["name"]),
            [PROJECT_ID],
        ),
    },
}
