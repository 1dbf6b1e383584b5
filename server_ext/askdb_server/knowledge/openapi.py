"""OpenAPI fragment of knowledge/handlers.py: docs, approved question/SQL pairs, retrieval."""

from __future__ import annotations

from ..base.openapi import (
    ERRORS,
    ID,
    NULLABLE_STR,
    PROBLEM,
    PROJECT_ID,
    TEXT,
    item_path,
    json_body,
    json_response,
    list_of,
    ref,
    string,
)
from .index import KINDS

KIND = {"enum": list(KINDS)}

SCHEMAS = {
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
            "kind": KIND,
            "text": {"type": "string"},
            "payload": {"type": "object"},
            "score": {"type": "number", "description": "cosine similarity, 1 = same"},
        },
    },
}

PATHS = {
    "/askdb/api/projects/{project_id}/docs": {
        "get": {
            "summary": "List documentation snippets (business terms, column meanings)",
            "parameters": [PROJECT_ID],
            "responses": {"200": list_of("docs", "KnowledgeDoc"), **ERRORS},
        },
        "post": {
            "summary": "Add a documentation snippet",
            "parameters": [PROJECT_ID],
            "requestBody": json_body(
                {
                    "type": "object",
                    "required": ["body"],
                    "additionalProperties": False,
                    "properties": {"body": TEXT, "title": string(255, True)},
                }
            ),
            "responses": {"201": json_response(ref("KnowledgeDoc"), "Created"), **ERRORS},
        },
    },
    "/askdb/api/projects/{project_id}/docs/{doc_id}": {
        "delete": {
            "summary": "Delete a documentation snippet",
            "parameters": [PROJECT_ID, item_path("doc_id")],
            "responses": {"204": {"description": "Deleted"}, **ERRORS},
        }
    },
    "/askdb/api/projects/{project_id}/golden": {
        "get": {
            "summary": "List approved question/SQL pairs",
            "parameters": [PROJECT_ID],
            "responses": {"200": list_of("pairs", "GoldenPair"), **ERRORS},
        },
        "post": {
            "summary": "Approve a question/SQL pair (the SQL must pass the guard)",
            "parameters": [PROJECT_ID],
            "requestBody": json_body(
                {
                    "oneOf": [
                        {
                            "type": "object",
                            "required": ["question", "sql"],
                            "additionalProperties": False,
                            "properties": {
                                "question": string(10_000, True),
                                "sql": string(100_000, True),
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
                "201": json_response(ref("GoldenPair"), "Approved"),
                **ERRORS,
                "409": PROBLEM,
            },
        },
    },
    "/askdb/api/projects/{project_id}/golden/{pair_id}": {
        "delete": {
            "summary": "Withdraw an approved pair",
            "parameters": [PROJECT_ID, item_path("pair_id")],
            "responses": {"204": {"description": "Deleted"}, **ERRORS},
        }
    },
    "/askdb/api/projects/{project_id}/search": {
        "get": {
            "summary": "Search the project's index (schema chunks, docs, approved pairs)",
            "parameters": [
                PROJECT_ID,
                {"name": "q", "in": "query", "required": True, "schema": string(1000)},
                {
                    "name": "kind",
                    "in": "query",
                    "schema": KIND,
                    "description": "repeat to allow several kinds",
                },
                {
                    "name": "limit",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 100},
                },
            ],
            "responses": {
                "200": json_response(
                    {
                        "type": "object",
                        "required": ["query", "hits"],
                        "properties": {
                            "query": {"type": "string"},
                            "hits": {"type": "array", "items": ref("SearchHit")},
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
                "200": json_response(
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
