"""The building blocks of the OpenAPI fragments: references, bodies, responses, the Problem
schema, and the request limits every folder's ``openapi.py`` uses.

Request limits are checked before any handler runs (``base/validation.py``): strings fit their
store columns (``store/models.py`` ``String(n)``), integers their column types.
"""

from __future__ import annotations

from ..authz.policy import Role
from ..quotas.plans import LIMITS


def ref(name: str) -> dict:
    """A reference to the component schema ``name``."""
    return {"$ref": f"#/components/schemas/{name}"}


def json_response(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def json_body(schema: dict) -> dict:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def string(max_length: int, nullable: bool = False) -> dict:
    return {"type": ["string", "null"] if nullable else "string", "maxLength": max_length}


def item_path(name: str) -> dict:
    """The path parameter ``name`` holding an id."""
    return {"name": name, "in": "path", "required": True, "schema": ID}


def fields(props: dict, required: list[str] | None = None) -> dict:
    """An object of exactly the properties ``props``."""
    schema = {"type": "object", "additionalProperties": False, "properties": props}
    if required:
        schema["required"] = required
    return schema


def list_schema(key: str, item: str) -> dict:
    """An object whose ``key`` is an array of the component schema ``item``."""
    return {
        "type": "object",
        "required": [key],
        "properties": {key: {"type": "array", "items": ref(item)}},
    }


def list_of(key: str, item: str) -> dict:
    return json_response(list_schema(key, item))


def operation(
    summary: str, response: dict, body: dict | None = None, params: list | None = None
) -> dict:
    """An operation of the organization's resources: ``response`` and the tenancy errors."""
    op = {"summary": summary, "responses": {**response, **TENANCY_ERRORS}}
    if params:
        op["parameters"] = params
    if body is not None:
        op["requestBody"] = json_body(body)
    return op


PROBLEM = {
    "description": "An error",
    "content": {"application/problem+json": {"schema": ref("Problem")}},
}
ERRORS = {"400": PROBLEM, "403": PROBLEM, "404": PROBLEM}
TENANCY_ERRORS = {**ERRORS, "409": PROBLEM}
NO_CONTENT = {"204": {"description": "Done"}}
# Every operation under /askdb/api/ may refuse an API key (Authorization: Bearer askdb_...):
# 401 when it does not authenticate, 403 when it may not make this request, 429 past a rate
# limit. Checked before the handler runs (base/validation.py): 400 a body or parameter breaking
# its schema, 404 an id that cannot exist, 413 a body too large.
API_REFUSALS = {code: PROBLEM for code in ("401", "403", "429", "400", "404", "413")}

STR = {"type": "string"}
NULLABLE_STR = {"type": ["string", "null"]}
NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}
INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
ID = {"type": "string", "minLength": 1, "maxLength": 32}  # ids are 32 hex digits
NULLABLE_ID = {**ID, "type": ["string", "null"]}
NAME = string(255)
EMAIL = string(320)
TOKEN = string(512)  # emailed tokens
TEXT = string(100_000)  # descriptions, doc bodies, notes
PROJECT_ID = item_path("project_id")
USER_ID = item_path("user_id")
ROLE = {"enum": [role.value for role in Role]}
# A plan's limits as the API reports them (-1: unlimited).
PLAN_LIMITS = {
    "type": "object",
    "properties": {k: {"type": "integer", "minimum": -1} for k in LIMITS},
}

SCHEMAS = {
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
}
PATHS: dict = {}
