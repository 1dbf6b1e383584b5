"""OpenAPI fragment of chat/handlers.py: asking, running SQL, and conversations."""

from __future__ import annotations

from ..base.openapi import (
    ERRORS,
    NAME,
    NULLABLE_ID,
    NULLABLE_STR,
    PROBLEM,
    PROJECT_ID,
    item_path,
    json_body,
    json_response,
    list_of,
    ref,
    string,
)

CONVERSATION_ID = item_path("conversation_id")
SSE_NOTE = (
    "With `Accept: text/event-stream` the answer streams as Server-Sent Events: `status` "
    "({step}), `sql` ({sql, explanation}), `rows` ({columns, rows, row_count, truncated, "
    "truncated_reason}), `warning` ({message}) when there is one, then `done` "
    "({conversation_id, message_id, timings_ms}) or `error` (a Problem). Closing "
    "the stream cancels the work."
)


def _answer_op(summary: str, body: dict) -> dict:
    """POST …/ask and …/run: an answer, as JSON or streamed; 429 past a quota (Retry-After)."""
    return {
        "summary": summary,
        "description": SSE_NOTE,
        "parameters": [PROJECT_ID],
        "requestBody": json_body(body),
        "responses": {
            "200": {
                "description": "The answer",
                "content": {
                    "application/json": {"schema": ref("Answer")},
                    "text/event-stream": {"schema": {"type": "string"}},
                },
            },
            **ERRORS,
            "422": PROBLEM,
            "502": PROBLEM,
            "504": PROBLEM,
            "429": PROBLEM,
        },
    }


SCHEMAS = {
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
            "messages": {"type": "array", "items": ref("Message")},
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

PATHS = {
    "/askdb/api/projects/{project_id}/ask": {
        "post": _answer_op(
            "Ask a question: plain language to checked SQL and rows",
            {
                "type": "object",
                "required": ["question"],
                "properties": {"question": string(10_000), "conversation_id": NULLABLE_ID},
            },
        )
    },
    "/askdb/api/projects/{project_id}/run": {
        "post": _answer_op(
            "Run SQL through the guard, read-only",
            {
                "type": "object",
                "required": ["sql"],
                "properties": {"sql": string(100_000), "conversation_id": NULLABLE_ID},
            },
        )
    },
    "/askdb/api/projects/{project_id}/conversations": {
        "get": {
            "summary": "List conversations",
            "parameters": [PROJECT_ID],
            "responses": {"200": list_of("conversations", "Conversation"), **ERRORS},
        },
        "post": {
            "summary": "Start an empty conversation",
            "description": "Lets a client know the conversation before its first question, so "
            "failed and stopped questions stay in it too.",
            "parameters": [PROJECT_ID],
            "requestBody": json_body(
                {"type": "object", "properties": {"title": string(255, True)}}
            ),
            "responses": {"201": json_response(ref("Conversation")), **ERRORS},
        },
    },
    "/askdb/api/conversations/{conversation_id}": {
        "get": {
            "summary": "Get a conversation with its messages",
            "parameters": [CONVERSATION_ID],
            "responses": {"200": json_response(ref("Conversation")), **ERRORS},
        },
        "patch": {
            "summary": "Rename a conversation",
            "parameters": [CONVERSATION_ID],
            "requestBody": json_body(
                {"type": "object", "required": ["title"], "properties": {"title": NAME}}
            ),
            "responses": {"200": json_response(ref("Conversation")), **ERRORS},
        },
        "delete": {
            "summary": "Delete a conversation",
            "parameters": [CONVERSATION_ID],
            "responses": {"204": {"description": "Deleted"}, **ERRORS},
        },
    },
}
