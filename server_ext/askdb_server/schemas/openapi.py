"""OpenAPI fragment of schemas/handlers.py: a project's schema versions."""

from __future__ import annotations

from ..base.openapi import (
    ERRORS,
    INT32_MAX,
    NULLABLE_STR,
    PROBLEM,
    PROJECT_ID,
    json_response,
    list_of,
    ref,
    string,
)

DIALECT = string(32)

SCHEMAS = {
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
            "columns": {"type": "array", "items": ref("Column")},
            "foreign_keys": {"type": "array", "items": ref("ForeignKey")},
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
                    "tables": {"type": "array", "items": ref("Table")},
                },
            },
        },
    },
}

PATHS = {
    "/askdb/api/projects/{project_id}/schemas": {
        "get": {
            "summary": "List schema versions",
            "parameters": [PROJECT_ID],
            "responses": {"200": list_of("versions", "SchemaVersion"), **ERRORS},
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
            "responses": {
                "201": json_response(ref("SchemaVersion"), "Created"),
                **ERRORS,
                "502": PROBLEM,
            },
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
            "responses": {"200": json_response(ref("SchemaVersion")), **ERRORS},
        }
    },
}
