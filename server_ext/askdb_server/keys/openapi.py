"""OpenAPI fragment of keys/handlers.py: a project's API keys."""

from __future__ import annotations

from ..base.openapi import (
    INT32_MAX,
    INT64_MAX,
    NAME,
    NULLABLE_STR,
    NULLABLE_TIME,
    PROJECT_ID,
    TEXT,
    fields,
    item_path,
    json_response,
    list_of,
    operation,
    ref,
    string,
)
from .scopes import SCOPES

KEY_ID = item_path("key_id")
NULLABLE_STRS = {"type": ["array", "null"], "items": {"type": "string"}}
_LIST_OF_NAMES = {"type": ["array", "null"], "maxItems": 100, "items": string(64)}
KEY_FIELDS = {
    "name": NAME,
    "notes": TEXT,
    "scopes": {"type": "array", "items": {"enum": list(SCOPES)}, "maxItems": 16},
    "endpoints": {**_LIST_OF_NAMES, "description": "Route names the key may call (null: all)"},
    "ip_allow": {**_LIST_OF_NAMES, "description": "CIDRs, IPv4 or IPv6 (null: any address)"},
    "expires_at": {**NULLABLE_TIME, "maxLength": 64},
    "calls_per_day": {"type": ["integer", "null"], "minimum": 0, "maximum": INT32_MAX},
    "tokens_per_month": {
        "type": ["integer", "null"],
        "minimum": 0,
        "maximum": INT64_MAX,
        "description": "The key's own model-token quota a month (null: the project's only)",
    },
}
_API_KEY_PROPS = {
    "id": {"type": "string"},
    "project_id": {"type": "string"},
    "name": {"type": "string"},
    "notes": {"type": "string"},
    "scopes": {"type": "array", "items": {"type": "string"}},
    "endpoints": NULLABLE_STRS,
    "ip_allow": NULLABLE_STRS,
    "prefix": {"type": "string"},
    "created_by": {"type": "string"},
    "created_at": {"type": "string", "format": "date-time"},
    "expires_at": NULLABLE_TIME,
    "revoked_at": NULLABLE_TIME,
    "replaced_by": NULLABLE_STR,
    "overlap_until": NULLABLE_TIME,
    "last_used_at": NULLABLE_TIME,
    "calls_per_day": {"type": ["integer", "null"]},
    "tokens_per_month": {"type": ["integer", "null"]},
}

SCHEMAS = {
    "ApiKey": {
        "type": "object",
        "required": list(_API_KEY_PROPS),
        "additionalProperties": False,
        "properties": _API_KEY_PROPS,
    },
    "NewApiKey": {
        "type": "object",
        "required": [*_API_KEY_PROPS, "key"],
        "additionalProperties": False,
        "properties": {
            **_API_KEY_PROPS,
            "key": {"type": "string", "description": "askdb_<id>_<secret>: shown once"},
        },
    },
    "ApiKeyActivity": {
        "type": "object",
        "required": ["activity", "stats"],
        "properties": {
            "activity": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["at", "endpoint", "method", "ip", "success", "reason"],
                    "properties": {
                        "at": {"type": "string", "format": "date-time"},
                        "endpoint": {"type": "string"},
                        "method": {"type": "string"},
                        "ip": NULLABLE_STR,
                        "user_agent": NULLABLE_STR,
                        "success": {"type": "boolean"},
                        "reason": NULLABLE_STR,
                    },
                },
            },
            "stats": {
                "type": "object",
                "required": ["requests", "succeeded", "refused", "last_24h", "by_endpoint"],
                "properties": {
                    "requests": {"type": "integer"},
                    "succeeded": {"type": "integer"},
                    "refused": {"type": "integer"},
                    "last_24h": {"type": "integer"},
                    "by_endpoint": {"type": "object", "additionalProperties": {"type": "integer"}},
                    "last_used_at": NULLABLE_TIME,
                },
            },
        },
    },
}

PATHS = {
    "/askdb/api/projects/{project_id}/keys": {
        "get": operation(
            "The project's API keys (keys:manage)",
            {"200": list_of("keys", "ApiKey")},
            params=[PROJECT_ID],
        ),
        "post": operation(
            "Create an API key; the response's key is shown this once",
            {"201": json_response(ref("NewApiKey"), "Created")},
            fields(KEY_FIELDS, ["name", "scopes"]),
            [PROJECT_ID],
        ),
    },
    "/askdb/api/projects/{project_id}/keys/{key_id}": {
        "get": operation(
            "One API key", {"200": json_response(ref("ApiKey"))}, params=[PROJECT_ID, KEY_ID]
        ),
        "patch": operation(
            "Change an API key's name, notes, scopes, endpoints, IP allow-list or expiry",
            {"200": json_response(ref("ApiKey"))},
            fields(KEY_FIELDS),
            [PROJECT_ID, KEY_ID],
        ),
        "delete": operation(
            "Revoke an API key at once",
            {"200": json_response(ref("ApiKey"))},
            params=[PROJECT_ID, KEY_ID],
        ),
    },
    "/askdb/api/projects/{project_id}/keys/{key_id}/rotate": {
        "post": operation(
            "A new key with the same settings; the old one works overlap_seconds more",
            {"201": json_response(ref("NewApiKey"), "Created")},
            fields({"overlap_seconds": {"type": "integer", "minimum": 0, "maximum": INT32_MAX}}),
            [PROJECT_ID, KEY_ID],
        ),
    },
    "/askdb/api/projects/{project_id}/keys/{key_id}/activity": {
        "get": operation(
            "An API key's latest requests and usage statistics",
            {"200": json_response(ref("ApiKeyActivity"))},
            params=[
                PROJECT_ID,
                KEY_ID,
                {
                    "name": "limit",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 1000},
                },
            ],
        ),
    },
}
