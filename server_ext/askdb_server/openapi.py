"""The OpenAPI 3.1 document of the AskDB REST API, served at ``askdb/api/openapi.json``.

The tests validate the document and check real responses against its schemas, so a change in
a handler's output that is not described here fails a test.
"""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from . import __version__
from .base.handlers import AskDBHandler
from .quotas.plans import LIMITS


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _body(schema: dict) -> dict:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


PROBLEM = {
    "description": "An error",
    "content": {"application/problem+json": {"schema": _ref("Problem")}},
}
ERRORS = {"400": PROBLEM, "403": PROBLEM, "404": PROBLEM}
NULLABLE_STR = {"type": ["string", "null"]}

# Request limits, checked before any handler runs (base/validation.py): strings fit their
# store columns (store/models.py String(n)), integers their column types.
INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1


def _str(max_length: int, nullable: bool = False) -> dict:
    return {"type": ["string", "null"] if nullable else "string", "maxLength": max_length}


ID = {"type": "string", "minLength": 1, "maxLength": 32}  # ids are 32 hex digits
NULLABLE_ID = {**ID, "type": ["string", "null"]}
NAME = _str(255)
EMAIL = _str(320)
TOKEN = _str(512)  # emailed tokens
QUESTION = _str(10_000)
SQL = _str(100_000)
TEXT = _str(100_000)  # descriptions, doc bodies, notes
URL = _str(4096)
DIALECT = _str(32)
PROJECT_ID = {"name": "project_id", "in": "path", "required": True, "schema": ID}
CONVERSATION_ID = {"name": "conversation_id", "in": "path", "required": True, "schema": ID}

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

SCHEMAS: dict = {
    "Problem": {
        "type": "object",
        "required": ["title", "status", "detail", "code"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "code": {"type": "string"},
        },
    },
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
                "enum": ["OWNER", "EDITOR", "VIEWER", None],
                "description": "The caller's permission on the project",
            },
        },
    },
    "ProjectCreate": {
        "type": "object",
        "required": ["name"],
        "additionalProperties": False,
        "properties": {
            "name": NAME,
            "description": TEXT,
            "connection_url": {
                **URL,
                "description": "SQLAlchemy URL: sqlite, postgresql, mysql/mariadb",
            },
            "allow_value_lookup": {"type": "boolean"},
            "store_results": {
                "type": "boolean",
                "description": "Keep answers' first rows in the history (default true); "
                "false keeps none",
            },
        },
    },
    "Column": {
        "type": "object",
        "required": ["name", "type", "nullable", "primary_key"],
        "properties": {
            "name": {"type": "string"},
            "type": {"type": "string"},
            "nullable": {"type": "boolean"},
            "primary_key": {"type": "boolean"},
            "comment": NULLABLE_STR,
        },
    },
    "ForeignKey": {
        "type": "object",
        "required": ["columns", "ref_table", "ref_columns"],
        "properties": {
            "columns": {"type": "array", "items": {"type": "string"}},
            "ref_table": {"type": "string"},
            "ref_columns": {"type": "array", "items": {"type": "string"}},
        },
    },
    "Table": {
        "type": "object",
        "required": ["name", "columns", "primary_key", "foreign_keys"],
        "properties": {
            "name": {"type": "string"},
            "comment": NULLABLE_STR,
            "primary_key": {"type": "array", "items": {"type": "string"}},
            "columns": {"type": "array", "items": _ref("Column")},
            "foreign_keys": {"type": "array", "items": _ref("ForeignKey")},
        },
    },
    "SchemaVersion": {
        "type": "object",
        "required": ["project_id", "version", "source", "created_at", "table_count"],
        "properties": {
            "project_id": {"type": "string"},
            "version": {"type": "integer"},
            "source": {"enum": ["ddl_file", "ddl_text", "introspection"]},
            "filename": NULLABLE_STR,
            "created_at": {"type": "string"},
            "created_by": NULLABLE_STR,
            "table_count": {"type": "integer"},
            "schema": {
                "type": "object",
                "required": ["dialect", "tables"],
                "properties": {
                    "dialect": {"type": "string"},
                    "tables": {"type": "array", "items": _ref("Table")},
                },
            },
        },
    },
    "Answer": {
        "type": "object",
        "required": [
            "conversation_id",
            "message_id",
            "sql",
            "columns",
            "rows",
            "row_count",
            "truncated",
            "timings_ms",
        ],
        "properties": {
            "conversation_id": {"type": "string"},
            "message_id": {"type": "string"},
            "question": NULLABLE_STR,
            "sql": {"type": "string"},
            "explanation": NULLABLE_STR,
            "columns": {"type": "array", "items": {"type": "string"}},
            "rows": {"type": "array", "items": {"type": "array"}},
            "row_count": {"type": "integer"},
            "truncated": {"type": "boolean", "description": "true when a cap cut rows"},
            "truncated_reason": {
                "type": ["string", "null"],
                "enum": ["rows", "bytes", None],
                "description": "which cap cut rows: the row cap (`rows`) or the byte cap "
                "(`bytes`, AskDBApp.answer_bytes); null when every row came back",
            },
            "warnings": {
                "type": "array",
                "items": {"type": "string"},
                "description": "what the user should know, e.g. that the project connects "
                "as a privileged database role",
            },
            "schema_version": {"type": ["integer", "null"]},
            "timings_ms": {"type": "object"},
            "attempts": {"type": "array", "items": {"type": "object"}},
        },
    },
    "Conversation": {
        "type": "object",
        "required": ["id", "project_id", "title", "created_at", "updated_at", "message_count"],
        "properties": {
            "id": {"type": "string"},
            "project_id": {"type": "string"},
            "title": {"type": "string"},
            "created_at": {"type": "string"},
            "updated_at": {"type": "string"},
            "message_count": {"type": "integer"},
            "messages": {"type": "array", "items": _ref("Message")},
        },
    },
    "Message": {
        "type": "object",
        "description": "One ask or run of SQL, recorded when it was admitted",
        "required": ["id", "kind", "status", "rows", "preview_truncated", "created_at"],
        "properties": {
            "id": {"type": "string"},
            "kind": {"enum": ["ask", "run"]},
            "question": NULLABLE_STR,
            "sql": NULLABLE_STR,
            "explanation": NULLABLE_STR,
            "status": {
                "enum": ["running", "ok", "error", "cancelled", "interrupted"],
                "description": "running: admitted, not finished yet; interrupted: the service "
                "stopped (restart, crash) before it finished",
            },
            "error": {
                "type": ["object", "null"],
                "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
            },
            "columns": {"type": ["array", "null"], "items": {"type": "string"}},
            "rows": {
                "type": ["array", "null"],
                "items": {"type": "array"},
                "description": "The stored preview: the first rows, whole, within "
                "AskDBApp.preview_bytes; null when the project stores no results "
                "(store_results false) or there were none",
            },
            "preview_truncated": {
                "type": "boolean",
                "description": "true when the answer had more rows than the preview keeps",
            },
            "row_count": {"type": ["integer", "null"]},
            "truncated": {"type": ["boolean", "null"]},
            "schema_version": {"type": ["integer", "null"]},
            "model": NULLABLE_STR,
            "tokens": {"type": ["integer", "null"]},
            "timings_ms": {"type": ["object", "null"]},
            "created_at": {"type": "string"},
        },
    },
}

SSE_NOTE = (
    "With `Accept: text/event-stream` the answer streams as Server-Sent Events: `status` "
    "({step}), `sql` ({sql, explanation}), `rows` ({columns, rows, row_count, truncated, "
    "truncated_reason}), `warning` ({message}) when there is one, then `done` ({conversation_id, message_id, timings_ms}) or `error` (a Problem). Closing "
    "the stream cancels the work."
)


def _answer_op(summary: str, body: dict) -> dict:
    return {
        "summary": summary,
        "description": SSE_NOTE,
        "parameters": [PROJECT_ID],
        "requestBody": _body(body),
        "responses": {
            "200": {
                "description": "The answer",
                "content": {
                    "application/json": {"schema": _ref("Answer")},
                    "text/event-stream": {"schema": {"type": "string"}},
                },
            },
            **ERRORS,
            "422": PROBLEM,
            "502": PROBLEM,
            "504": PROBLEM,
        },
    }


PATHS: dict = {
    "/askdb/api/projects": {
        "get": {
            "summary": "List projects",
            "parameters": [
                {"name": "name", "in": "query", "schema": NAME},
                {"name": "include_archived", "in": "query", "schema": {"type": "boolean"}},
            ],
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["projects"],
                        "properties": {"projects": {"type": "array", "items": _ref("Project")}},
                    }
                )
            },
        },
        "post": {
            "summary": "Create a project",
            "requestBody": _body(_ref("ProjectCreate")),
            "responses": {"201": _json(_ref("Project"), "Created"), **ERRORS, "409": PROBLEM},
        },
    },
    "/askdb/api/projects/{project_id}": {
        "get": {
            "summary": "Get a project",
            "parameters": [PROJECT_ID],
            "responses": {"200": _json(_ref("Project")), **ERRORS},
        },
        "patch": {
            "summary": "Update a project",
            "parameters": [PROJECT_ID],
            # Open to further settings: the manager refuses the fields it does not know.
            "requestBody": _body(
                {
                    "type": "object",
                    "properties": {**SCHEMAS["ProjectCreate"]["properties"], **GUARD_SETTINGS},
                }
            ),
            "responses": {"200": _json(_ref("Project")), **ERRORS, "409": PROBLEM},
        },
    },
    "/askdb/api/projects/{project_id}/archive": {
        "post": {
            "summary": "Archive (soft delete) a project",
            "parameters": [PROJECT_ID],
            "responses": {"200": _json(_ref("Project")), **ERRORS},
        }
    },
    "/askdb/api/projects/{project_id}/restore": {
        "post": {
            "summary": "Restore an archived project",
            "parameters": [PROJECT_ID],
            "responses": {"200": _json(_ref("Project")), **ERRORS, "409": PROBLEM},
        }
    },
    "/askdb/api/projects/{project_id}/schemas": {
        "get": {
            "summary": "List schema versions",
            "parameters": [PROJECT_ID],
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["versions"],
                        "properties": {
                            "versions": {"type": "array", "items": _ref("SchemaVersion")}
                        },
                    }
                ),
                **ERRORS,
            },
        },
        "post": {
            "summary": "Upload a schema version (DDL file, DDL text or introspection)",
            "parameters": [PROJECT_ID],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "oneOf": [
                                {
                                    "type": "object",
                                    "required": ["ddl"],
                                    "properties": {"ddl": {"type": "string"}, "dialect": DIALECT},
                                },
                                {
                                    "type": "object",
                                    "required": ["introspect"],
                                    "properties": {"introspect": {"const": True}},
                                },
                            ]
                        }
                    },
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "required": ["file"],
                            "properties": {
                                "file": {"type": "string", "format": "binary"},
                                "dialect": DIALECT,
                            },
                        }
                    },
                },
            },
            "responses": {"201": _json(_ref("SchemaVersion"), "Created"), **ERRORS, "502": PROBLEM},
        },
    },
    "/askdb/api/projects/{project_id}/schemas/{version}": {
        "get": {
            "summary": "Get a schema version (`current` for the newest)",
            "parameters": [
                PROJECT_ID,
                {
                    "name": "version",
                    "in": "path",
                    "required": True,
                    "schema": {
                        "oneOf": [
                            {"const": "current"},
                            {"type": "integer", "minimum": 1, "maximum": INT32_MAX},
                        ]
                    },
                },
            ],
            "responses": {"200": _json(_ref("SchemaVersion")), **ERRORS},
        }
    },
    "/askdb/api/projects/{project_id}/ask": {
        "post": _answer_op(
            "Ask a question: plain language to checked SQL and rows",
            {
                "type": "object",
                "required": ["question"],
                "properties": {"question": QUESTION, "conversation_id": NULLABLE_ID},
            },
        )
    },
    "/askdb/api/projects/{project_id}/run": {
        "post": _answer_op(
            "Run SQL through the guard, read-only",
            {
                "type": "object",
                "required": ["sql"],
                "properties": {"sql": SQL, "conversation_id": NULLABLE_ID},
            },
        )
    },
    "/askdb/api/projects/{project_id}/conversations": {
        "get": {
            "summary": "List conversations",
            "parameters": [PROJECT_ID],
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["conversations"],
                        "properties": {
                            "conversations": {"type": "array", "items": _ref("Conversation")}
                        },
                    }
                ),
                **ERRORS,
            },
        },
        "post": {
            "summary": "Start an empty conversation",
            "description": "Lets a client know the conversation before its first question, so "
            "failed and stopped questions stay in it too.",
            "parameters": [PROJECT_ID],
            "requestBody": _body({"type": "object", "properties": {"title": _str(255, True)}}),
            "responses": {"201": _json(_ref("Conversation")), **ERRORS},
        },
    },
    "/askdb/api/conversations/{conversation_id}": {
        "get": {
            "summary": "Get a conversation with its messages",
            "parameters": [CONVERSATION_ID],
            "responses": {"200": _json(_ref("Conversation")), **ERRORS},
        },
        "patch": {
            "summary": "Rename a conversation",
            "parameters": [CONVERSATION_ID],
            "requestBody": _body(
                {
                    "type": "object",
                    "required": ["title"],
                    "properties": {"title": NAME},
                }
            ),
            "responses": {"200": _json(_ref("Conversation")), **ERRORS},
        },
        "delete": {
            "summary": "Delete a conversation",
            "parameters": [CONVERSATION_ID],
            "responses": {"204": {"description": "Deleted"}, **ERRORS},
        },
    },
    "/askdb/api/openapi.json": {
        "get": {"summary": "This document", "responses": {"200": _json({"type": "object"})}}
    },
}


# -- knowledge: docs, approved question/SQL pairs, retrieval (askdb_server.knowledge) ---------------
SCHEMAS.update(
    {
        "KnowledgeDoc": {
            "type": "object",
            "required": ["id", "project_id", "title", "body", "created_by", "created_at"],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "string"},
                "project_id": {"type": "string"},
                "title": {"type": "string"},
                "body": {"type": "string"},
                "created_by": NULLABLE_STR,
                "created_at": {"type": "string", "format": "date-time"},
            },
        },
        "GoldenPair": {
            "type": "object",
            "required": ["id", "project_id", "question", "sql", "created_by", "created_at"],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "string"},
                "project_id": {"type": "string"},
                "question": {"type": "string"},
                "sql": {"type": "string"},
                "created_by": NULLABLE_STR,
                "created_at": {"type": "string", "format": "date-time"},
                "source_message_id": {
                    **NULLABLE_STR,
                    "description": "The answered message it was approved from",
                },
            },
        },
        "SearchHit": {
            "type": "object",
            "required": ["id", "kind", "text", "payload", "score"],
            "properties": {
                "id": {"type": "string"},
                "kind": {"enum": ["schema", "doc", "golden"]},
                "text": {"type": "string"},
                "payload": {"type": "object"},
                "score": {"type": "number", "description": "cosine similarity, 1 = same"},
            },
        },
    }
)


def _item_path(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": ID}


PATHS.update(
    {
        "/askdb/api/projects/{project_id}/docs": {
            "get": {
                "summary": "List documentation snippets (business terms, column meanings)",
                "parameters": [PROJECT_ID],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["docs"],
                            "properties": {
                                "docs": {"type": "array", "items": _ref("KnowledgeDoc")}
                            },
                        }
                    ),
                    **ERRORS,
                },
            },
            "post": {
                "summary": "Add a documentation snippet",
                "parameters": [PROJECT_ID],
                "requestBody": _body(
                    {
                        "type": "object",
                        "required": ["body"],
                        "additionalProperties": False,
                        "properties": {"body": TEXT, "title": _str(255, True)},
                    }
                ),
                "responses": {"201": _json(_ref("KnowledgeDoc"), "Created"), **ERRORS},
            },
        },
        "/askdb/api/projects/{project_id}/docs/{doc_id}": {
            "delete": {
                "summary": "Delete a documentation snippet",
                "parameters": [PROJECT_ID, _item_path("doc_id")],
                "responses": {"204": {"description": "Deleted"}, **ERRORS},
            }
        },
        "/askdb/api/projects/{project_id}/golden": {
            "get": {
                "summary": "List approved question/SQL pairs",
                "parameters": [PROJECT_ID],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["pairs"],
                            "properties": {"pairs": {"type": "array", "items": _ref("GoldenPair")}},
                        }
                    ),
                    **ERRORS,
                },
            },
            "post": {
                "summary": "Approve a question/SQL pair (the SQL must pass the guard)",
                "parameters": [PROJECT_ID],
                "requestBody": _body(
                    {
                        "oneOf": [
                            {
                                "type": "object",
                                "required": ["question", "sql"],
                                "additionalProperties": False,
                                "properties": {
                                    "question": _str(10_000, True),
                                    "sql": _str(100_000, True),
                                },
                            },
                            {
                                "type": "object",
                                "required": ["message_id"],
                                "additionalProperties": False,
                                "properties": {"message_id": ID},
                            },
                        ]
                    }
                ),
                "responses": {
                    "201": _json(_ref("GoldenPair"), "Approved"),
                    **ERRORS,
                    "409": PROBLEM,
                },
            },
        },
        "/askdb/api/projects/{project_id}/golden/{pair_id}": {
            "delete": {
                "summary": "Withdraw an approved pair",
                "parameters": [PROJECT_ID, _item_path("pair_id")],
                "responses": {"204": {"description": "Deleted"}, **ERRORS},
            }
        },
        "/askdb/api/projects/{project_id}/search": {
            "get": {
                "summary": "Search the project's index (schema chunks, docs, approved pairs)",
                "parameters": [
                    PROJECT_ID,
                    {"name": "q", "in": "query", "required": True, "schema": _str(1000)},
                    {
                        "name": "kind",
                        "in": "query",
                        "schema": {"enum": ["schema", "doc", "golden"]},
                        "description": "repeat to allow several kinds",
                    },
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 100},
                    },
                ],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["query", "hits"],
                            "properties": {
                                "query": {"type": "string"},
                                "hits": {"type": "array", "items": _ref("SearchHit")},
                            },
                        }
                    ),
                    **ERRORS,
                },
            }
        },
        "/askdb/api/projects/{project_id}/index/rebuild": {
            "post": {
                "summary": "Re-index the project from scratch",
                "parameters": [PROJECT_ID],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["indexed", "removed"],
                            "properties": {
                                "indexed": {"type": "integer"},
                                "removed": {"type": "integer"},
                            },
                        }
                    ),
                    **ERRORS,
                },
            }
        },
    }
)


SCHEMAS.update(
    {
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
                    "enum": ["ADMIN", "MANAGER", "DEVELOPER", "VIEWER", None],
                    "description": "Role in the organization asked about",
                },
                "last_login": NULLABLE_STR,
                "created_at": {"type": "string", "format": "date-time"},
                "updated_at": NULLABLE_STR,
            },
        },
        "Organization": {
            "type": "object",
            "required": ["id", "name", "domain", "plan", "role", "member_count"],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "string"},
                "name": {"type": "string"},
                "domain": NULLABLE_STR,
                "plan": {"enum": ["FREE", "STARTER", "PROFESSIONAL", "ENTERPRISE"]},
                "role": {"enum": ["ADMIN", "MANAGER", "DEVELOPER", "VIEWER"]},
                "member_count": {"type": "integer"},
                "created_at": {"type": "string", "format": "date-time"},
                "updated_at": {"type": "string", "format": "date-time"},
            },
        },
        "ProjectMember": {
            "type": "object",
            "required": ["user_id", "username", "permission", "invited_at"],
            "additionalProperties": False,
            "properties": {
                "user_id": {"type": "string"},
                "username": {"type": "string"},
                "name": NULLABLE_STR,
                "permission": {"enum": ["OWNER", "EDITOR", "VIEWER"]},
                "invited_at": {"type": "string", "format": "date-time"},
            },
        },
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
                "outcome": {"enum": ["ok", "error", "denied", "cancelled"]},
                "details": {"type": "object"},
            },
        },
    }
)

TENANCY_ERRORS = {"400": PROBLEM, "403": PROBLEM, "404": PROBLEM, "409": PROBLEM}
USER_ID = _item_path("user_id")
ROLE = {"enum": ["ADMIN", "MANAGER", "DEVELOPER", "VIEWER"]}
SHARED = {"enum": ["EDITOR", "VIEWER"]}


def _op(summary: str, response: dict, body: dict | None = None, params=None) -> dict:
    op = {"summary": summary, "responses": {**response, **TENANCY_ERRORS}}
    if params:
        op["parameters"] = params
    if body is not None:
        op["requestBody"] = _body(body)
    return op


def _fields(props: dict, required: list[str] | None = None) -> dict:
    schema = {"type": "object", "additionalProperties": False, "properties": props}
    if required:
        schema["required"] = required
    return schema


def _list_of(key: str, item: str) -> dict:
    return _json(
        {
            "type": "object",
            "required": [key],
            "properties": {key: {"type": "array", "items": _ref(item)}},
        }
    )


NO_CONTENT = {"204": {"description": "Done"}}
PROFILE = {"name": _str(255, True), "email": _str(320, True), "avatar_url": _str(2048, True)}

PATHS.update(
    {
        "/askdb/api/users/me": {
            "get": _op("The caller's profile, organization and role", {"200": _json(_ref("User"))}),
            "patch": _op(
                "Change one's profile, or switch to another of one's organizations",
                {"200": _json(_ref("User"))},
                _fields({**PROFILE, "org_id": ID}),
            ),
        },
        "/askdb/api/users": {
            "get": _op(
                "Users of the caller's organization (Admin, Manager)",
                {"200": _list_of("users", "User")},
            ),
        },
        "/askdb/api/users/{user_id}": {
            "get": _op(
                "One user of the organization", {"200": _json(_ref("User"))}, params=[USER_ID]
            ),
            "patch": _op(
                "Change a member's role (Admin); their profile or is_active only where the "
                "organization owns the account (AskDBApp.org_owned_accounts, a member of it "
                "alone), else 403",
                {"200": _json(_ref("User"))},
                _fields({**PROFILE, "is_active": {"type": "boolean"}, "role": ROLE}),
                [USER_ID],
            ),
            "delete": _op(
                "Delete the account of a member whose account the organization owns (Admin)",
                NO_CONTENT,
                params=[USER_ID],
            ),
        },
        "/askdb/api/orgs/current": {
            "get": _op("The caller's current organization", {"200": _json(_ref("Organization"))}),
            "patch": _op(
                "Rename the organization or set its domain (Admin)",
                {"200": _json(_ref("Organization"))},
                _fields({"name": NAME, "domain": _str(255, True)}),
            ),
        },
        "/askdb/api/orgs/current/members": {
            "get": _op(
                "Members and their roles (Admin, Manager)", {"200": _list_of("members", "User")}
            ),
            "post": _op(
                "Invite the user called username with a role (Admin, Manager; a Manager "
                "invites no Admin): they join when they accept it. The same answer whether or "
                "not the user exists yet",
                {"201": _json(_ref("Invitation"), "Invited")},
                _fields({"username": NAME, "role": ROLE}, ["username", "role"]),
            ),
        },
        "/askdb/api/orgs/current/members/{user_id}": {
            "patch": _op(
                "Change a member's role (Admin)",
                {"200": _json(_ref("User"))},
                _fields({"role": ROLE}, ["role"]),
                [USER_ID],
            ),
            "delete": _op("Remove a member (Admin)", NO_CONTENT, params=[USER_ID]),
        },
        "/askdb/api/projects/{project_id}/members": {
            "get": _op(
                "Who the project is shared with",
                {"200": _list_of("members", "ProjectMember")},
                params=[PROJECT_ID],
            ),
        },
        "/askdb/api/projects/{project_id}/share": {
            "post": _op(
                "Share with a member of the organization (Owner)",
                {"201": _json(_ref("ProjectMember"), "Shared")},
                _fields({"user_id": ID, "username": NAME, "permission": SHARED}),
                [PROJECT_ID],
            ),
        },
        "/askdb/api/projects/{project_id}/share/{user_id}": {
            "delete": _op(
                "Stop sharing with a user (Owner)", NO_CONTENT, params=[PROJECT_ID, USER_ID]
            ),
        },
        "/askdb/api/projects/{project_id}/permissions/{user_id}": {
            "patch": _op(
                "Change a member's permission (Owner)",
                {"200": _json(_ref("ProjectMember"))},
                _fields({"permission": SHARED}, ["permission"]),
                [PROJECT_ID, USER_ID],
            ),
        },
        "/askdb/api/projects/{project_id}/transfer": {
            "post": _op(
                "Transfer ownership to another member (Owner)",
                {"200": _json(_ref("Project"))},
                _fields({"user_id": ID}, ["user_id"]),
                [PROJECT_ID],
            ),
        },
        "/askdb/api/projects/{project_id}/clone": {
            "post": _op(
                "A new project from this one as a template (its current schema version)",
                {"201": _json(_ref("Project"), "Created")},
                _fields({"name": NAME}, ["name"]),
                [PROJECT_ID],
            ),
        },
        "/askdb/api/audit": {
            "get": {
                "summary": "The organization's audit log (Admin); append-only: no writes",
                "parameters": [
                    {
                        "name": "format",
                        "in": "query",
                        "schema": {"enum": ["json", "csv", "syslog"]},
                        "description": "json (default), csv, or syslog lines (RFC 5424)",
                    },
                    *[
                        {"name": n, "in": "query", "schema": _str(size)}
                        for n, size in (("actor", 255), ("project_id", 32), ("action", 64))
                    ],
                    {
                        "name": "since",
                        "in": "query",
                        "schema": {**_str(64), "format": "date-time"},
                    },
                    {
                        "name": "until",
                        "in": "query",
                        "schema": {**_str(64), "format": "date-time"},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "The events, oldest first",
                        "content": {
                            "application/json": {
                                "schema": _list_of("events", "AuditEvent")["content"][
                                    "application/json"
                                ]["schema"]
                            },
                            "text/csv": {"schema": {"type": "string"}},
                            "text/plain": {"schema": {"type": "string"}},
                        },
                    },
                    **TENANCY_ERRORS,
                },
            }
        },
    }
)


# -- invitations (identity/invitation_handlers.py) --------------------------------------------
SCHEMAS["Invitation"] = {
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
}
SCHEMAS["ReceivedInvitation"] = {
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
}
GONE = {"410": PROBLEM}
PATHS.update(
    {
        "/askdb/api/orgs/current/invitations": {
            "get": _op(
                "The organization's invitations (Admin, Manager)",
                {"200": _list_of("invitations", "Invitation")},
            ),
            "post": _op(
                "Invite an email address with a role; the link is emailed (Admin, Manager; "
                "a Manager invites no Admin)",
                {"201": _json(_ref("Invitation"), "Invited")},
                _fields({"email": EMAIL, "role": ROLE}, ["email", "role"]),
            ),
        },
        "/askdb/api/orgs/current/invitations/{invitation_id}": {
            "delete": _op(
                "Revoke a pending invitation (Admin, Manager)",
                NO_CONTENT,
                params=[_item_path("invitation_id")],
            ),
        },
        "/askdb/api/invitations/accept": {
            "post": _op(
                "Accept an invitation: the signed-in caller joins its organization with its "
                "role (400 invalid token; 410 used, revoked or expired)",
                {"200": _json(_ref("User")), **GONE},
                _fields({"token": TOKEN}, ["token"]),
            ),
        },
        "/askdb/api/users/me/invitations": {
            "get": _op(
                "The caller's pending invitations by username, newest first",
                {"200": _list_of("invitations", "ReceivedInvitation")},
            ),
        },
        "/askdb/api/invitations/{invitation_id}/accept": {
            "post": _op(
                "Accept an invitation to one's username: join its organization with its role "
                "(it becomes the current one); 404 for anyone but the invited user, 410 used, "
                "declined, revoked or expired",
                {"200": _json(_ref("User")), **GONE},
                params=[_item_path("invitation_id")],
            ),
        },
        "/askdb/api/invitations/{invitation_id}/decline": {
            "post": _op(
                "Decline an invitation to one's username (404 for anyone but the invited user)",
                {**NO_CONTENT, **GONE},
                params=[_item_path("invitation_id")],
            ),
        },
    }
)


# -- standalone accounts (identity/account_handlers.py) ---------------------------------------
SENT = _json(
    _fields({"detail": {"type": "string"}}, ["detail"]),
    "Accepted: the same answer whether or not the address has an account",
)
ACCOUNT_ERRORS = {"401": PROBLEM, "410": PROBLEM, "429": PROBLEM}
STR = {"type": "string"}
PASSWORD = _str(1024)


def _account_op(summary: str, response: dict, body: dict, public: bool = True) -> dict:
    op = _op(summary, {**response, **ACCOUNT_ERRORS}, body)
    if public:
        op["security"] = []  # no sign-in needed (standalone mode)
    return op


PATHS.update(
    {
        "/askdb/api/auth/register": {
            "post": _account_op(
                "Create a standalone account; a verification link is emailed (rate-limited)",
                {"202": SENT},
                _fields(
                    {"email": EMAIL, "password": PASSWORD, "name": NAME}, ["email", "password"]
                ),
            )
        },
        "/askdb/api/auth/verify": {
            "post": _account_op(
                "Confirm the email address with the emailed token",
                {
                    "200": _json(
                        _fields(
                            {"verified": {"type": "boolean"}, "username": STR},
                            ["verified", "username"],
                        )
                    )
                },
                _fields({"token": TOKEN}, ["token"]),
            )
        },
        "/askdb/api/auth/login": {
            "post": _account_op(
                "Log in: sets the askdb_session cookie (HttpOnly, SameSite=Lax, Secure on "
                "https); 401 wrong email or password, 429 too many attempts (Retry-After)",
                {"200": _json(_ref("User"))},
                _fields({"email": EMAIL, "password": PASSWORD}, ["email", "password"]),
            )
        },
        "/askdb/api/auth/logout": {
            "post": _account_op("Log out: ends the session, clears the cookie", NO_CONTENT, {})
        },
        "/askdb/api/auth/password": {
            "post": _account_op(
                "Change one's password; other sessions end",
                NO_CONTENT,
                _fields(
                    {"current_password": PASSWORD, "new_password": PASSWORD},
                    ["current_password", "new_password"],
                ),
                public=False,
            )
        },
        "/askdb/api/auth/password-reset": {
            "post": _account_op(
                "Email a single-use password reset link (rate-limited)",
                {"202": SENT},
                _fields({"email": EMAIL}, ["email"]),
            )
        },
        "/askdb/api/auth/password-reset/confirm": {
            "post": _account_op(
                "Set a new password with the emailed token; every session ends",
                NO_CONTENT,
                _fields({"token": TOKEN, "password": PASSWORD}, ["token", "password"]),
            )
        },
    }
)


# -- the pages emailed links open (accounts/pages.py) -----------------------------------------
HTML = {"200": {"description": "An HTML page", "content": {"text/html": {"schema": STR}}}}
for _path, _summary in {
    "login": "Standalone sign-in and registration page",
    "verify": "Page of the email verification link (?token=): a button confirms",
    "reset": "Password reset page: ask for a link, or (?token=) set a new password",
}.items():
    PATHS[f"/askdb/auth/{_path}"] = {
        "get": {"summary": _summary, "security": [], "responses": HTML}
    }
PATHS["/askdb/invitations/accept"] = {
    "get": {
        "summary": "Page of the invitation link (?token=): a button accepts (signed in)",
        "security": [],
        "responses": HTML,
    }
}


# -- API keys (keys/handlers.py) ---------------------------------------------------------------
KEY_ID = _item_path("key_id")
NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}
NULLABLE_STRS = {"type": ["array", "null"], "items": {"type": "string"}}
KEY_SCOPES = {
    "type": "array",
    "items": {
        "enum": [
            "chat:read",
            "chat:write",
            "query:generate",
            "query:execute",
            "schema:read",
            "schema:write",
            "analytics:read",
            "admin:*",
        ]
    },
}
_LIST_OF_NAMES = {"type": ["array", "null"], "maxItems": 100, "items": _str(64)}
KEY_FIELDS = {
    "name": NAME,
    "notes": TEXT,
    "scopes": {**KEY_SCOPES, "maxItems": 16},
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
SCHEMAS.update(
    {
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
                        "by_endpoint": {
                            "type": "object",
                            "additionalProperties": {"type": "integer"},
                        },
                        "last_used_at": NULLABLE_TIME,
                    },
                },
            },
        },
    }
)
PATHS.update(
    {
        "/askdb/api/projects/{project_id}/keys": {
            "get": _op(
                "The project's API keys (keys:manage)",
                {"200": _list_of("keys", "ApiKey")},
                params=[PROJECT_ID],
            ),
            "post": _op(
                "Create an API key; the response's key is shown this once",
                {"201": _json(_ref("NewApiKey"), "Created")},
                _fields(KEY_FIELDS, ["name", "scopes"]),
                [PROJECT_ID],
            ),
        },
        "/askdb/api/projects/{project_id}/keys/{key_id}": {
            "get": _op("One API key", {"200": _json(_ref("ApiKey"))}, params=[PROJECT_ID, KEY_ID]),
            "patch": _op(
                "Change an API key's name, notes, scopes, endpoints, IP allow-list or expiry",
                {"200": _json(_ref("ApiKey"))},
                _fields(KEY_FIELDS),
                [PROJECT_ID, KEY_ID],
            ),
            "delete": _op(
                "Revoke an API key at once",
                {"200": _json(_ref("ApiKey"))},
                params=[PROJECT_ID, KEY_ID],
            ),
        },
        "/askdb/api/projects/{project_id}/keys/{key_id}/rotate": {
            "post": _op(
                "A new key with the same settings; the old one works overlap_seconds more",
                {"201": _json(_ref("NewApiKey"), "Created")},
                _fields(
                    {"overlap_seconds": {"type": "integer", "minimum": 0, "maximum": INT32_MAX}}
                ),
                [PROJECT_ID, KEY_ID],
            ),
        },
        "/askdb/api/projects/{project_id}/keys/{key_id}/activity": {
            "get": _op(
                "An API key's latest requests and usage statistics",
                {"200": _json(_ref("ApiKeyActivity"))},
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
)
# -- plans, usage, notifications (quotas/handlers.py) --------------------------------------------
_LIMITS = {
    "type": "object",
    "properties": {k: {"type": "integer", "minimum": -1} for k in LIMITS},
}
# What an operator sets: each limit a non-negative 64-bit integer, or null for unlimited.
_CUSTOM_LIMITS = {
    "type": ["object", "null"],
    "additionalProperties": False,
    "properties": {
        k: {"type": ["integer", "null"], "minimum": 0, "maximum": INT64_MAX} for k in LIMITS
    },
}


def _plan_op(which: str, params: list | None = None) -> dict:
    """PUT …/plan: an operator sets the plan and custom limits of ``which``."""
    return _op(
        f"Set the plan and custom limits of {which} (the deployment's operators only: 403 "
        "for anyone else, organization admins included)",
        {
            "200": _json(
                {
                    "type": "object",
                    "required": ["org_id", "plan", "custom", "limits"],
                    "properties": {
                        "org_id": {"type": "string"},
                        "plan": {"type": "string"},
                        "custom": {**_CUSTOM_LIMITS, "type": "object"},
                        "limits": _LIMITS,
                    },
                }
            )
        },
        _fields(
            {
                "plan": {"enum": ["FREE", "STARTER", "PROFESSIONAL", "ENTERPRISE"]},
                "limits": _CUSTOM_LIMITS,
            },
            ["plan"],
        ),
        params,
    )


PATHS.update(
    {
        "/askdb/api/notifications": {
            "get": _op(
                "The organization's notifications (quota alerts at 80/90/100%), newest first",
                {
                    "200": _json(
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
        "/askdb/api/orgs/current/plan": {"put": _plan_op("the caller's current organization")},
        "/askdb/api/orgs/{org_id}/plan": {
            "put": _plan_op("organization org_id", [_item_path("org_id")])
        },
        "/askdb/api/projects/{project_id}/usage": {
            "get": _op(
                "The project's plan limits, its use this day and month, and what it stores",
                {
                    "200": _json(
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
                                "limits": _LIMITS,
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
)
# A call past a quota answers 429 (Retry-After) on the answering endpoints.
for _path in ("/askdb/api/projects/{project_id}/ask", "/askdb/api/projects/{project_id}/run"):
    PATHS[_path]["post"]["responses"]["429"] = PROBLEM
# Every operation may refuse an API key (Authorization: Bearer askdb_...): 401 when it does
# not authenticate, 403 when it may not make this request, 429 past a rate limit.
for _path, _ops in PATHS.items():
    for _operation in _ops.values() if _path.startswith("/askdb/api/") else ():
        _operation["responses"].setdefault("401", PROBLEM)
        _operation["responses"].setdefault("403", PROBLEM)
        _operation["responses"].setdefault("429", PROBLEM)
        # Checked before the handler runs (base/validation.py): 400 a body or parameter
        # breaking its schema, 404 an id that cannot exist, 413 a body too large.
        _operation["responses"].setdefault("400", PROBLEM)
        _operation["responses"].setdefault("404", PROBLEM)
        _operation["responses"].setdefault("413", PROBLEM)


def openapi_document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "AskDB API",
            "version": __version__,
            "description": "Ask your databases questions in plain language.",
        },
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "jupyterToken": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "`token <jupyter token>`",
                },
                "askdbApiKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A project's API key: `Bearer askdb_<id>_<secret>`",
                },
            },
        },
        "security": [{"jupyterToken": []}, {"askdbApiKey": []}],
    }


class OpenAPIHandler(AskDBHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        """The OpenAPI document of this API."""
        self.write_json(openapi_document())
