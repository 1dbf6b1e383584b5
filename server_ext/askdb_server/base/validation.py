"""Request parsing: bodies and parameters checked against the OpenAPI document first.

Every AskDB request passes through ``RequestSchemas.check`` before handler code runs, so a
handler only ever sees a body of the types, lengths and ranges its operation declares in
``openapi.py``. The JSON itself is parsed strictly: UTF-8 only, no lone surrogates, no NUL
characters, no NaN/Infinity, integers within 64 bits, nesting at most ``MAX_DEPTH`` deep and
bodies at most ``MAX_JSON_BYTES`` long. What fails answers problem+json naming the field: 400
(malformed or invalid), 413 (too large), or the resource's 404 for a path id that cannot name
anything (too long, control characters), so such ids never reach the store.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError, best_match

from ..errors import (  # noqa: F401 (BodyTooLargeError, UnknownEndpointError: re-exported)
    ApiKeyNotFoundError,
    AskDBError,
    BodyTooLargeError,
    ConversationNotFoundError,
    GoldenPairNotFoundError,
    InvalidInputError,
    InvitationNotFoundError,
    KnowledgeDocNotFoundError,
    NotFoundError,
    ProjectNotFoundError,
    SchemaVersionNotFoundError,
    UnknownEndpointError,
    UserNotFoundError,
)

MAX_JSON_BYTES = 2 * 1024 * 1024
MAX_UPLOAD_BYTES = 16 * 1024 * 1024  # multipart schema uploads (DDL files)
MAX_DEPTH = 32
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
# Characters no stored string may hold: NUL (PostgreSQL refuses it in text) and lone
# surrogates (not encodable as UTF-8, so no driver can store them).
_FORBIDDEN = re.compile("[\x00\ud800-\udfff]")
_INTEGER = re.compile(r"-?[0-9]+")


# A path id that cannot exist answers the same 404 as one that does not.
_NOT_FOUND: dict[str, type[NotFoundError]] = {
    "project_id": ProjectNotFoundError,
    "conversation_id": ConversationNotFoundError,
    "version": SchemaVersionNotFoundError,
    "doc_id": KnowledgeDocNotFoundError,
    "pair_id": GoldenPairNotFoundError,
    "user_id": UserNotFoundError,
    "invitation_id": InvitationNotFoundError,
    "key_id": ApiKeyNotFoundError,
}


def parse_json(raw: bytes) -> Any:
    """``raw`` as JSON, or an InvalidInputError/BodyTooLargeError saying what is wrong."""
    if len(raw) > MAX_JSON_BYTES:
        raise BodyTooLargeError(f"A JSON body may be at most {MAX_JSON_BYTES} bytes.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InvalidInputError(f"The request body is not UTF-8 (byte {e.start}).") from e
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except RecursionError as e:  # the C scanner's own guard, before ours can count
        raise _too_deep() from e
    except ValueError as e:
        raise InvalidInputError(f"The request body is not valid JSON: {_short(e)}") from e
    check_values(value)
    return value


def check_values(value: Any) -> None:
    """Refuse what no column can store, wherever it is in ``value``: NUL characters and lone
    surrogates in strings (keys too), integers beyond 64 bits, non-finite numbers, nesting
    deeper than MAX_DEPTH. Iterative, so no depth can exhaust the stack."""
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        item, where, depth = stack.pop()
        if isinstance(item, str):
            _check_string(item, where)
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int):
            if not INT64_MIN <= item <= INT64_MAX:
                raise InvalidInputError(f"{_name(where)} is beyond a 64-bit integer.", field=where)
        elif isinstance(item, float):
            if item != item or item in (float("inf"), float("-inf")):
                raise InvalidInputError(f"{_name(where)} is not a finite number.", field=where)
        elif isinstance(item, (dict, list)):
            if depth >= MAX_DEPTH:
                raise _too_deep(where)
            pairs = item.items() if isinstance(item, dict) else enumerate(item)
            for key, child in pairs:
                if isinstance(key, str):
                    _check_string(key, where)
                stack.append((child, _join(where, key), depth + 1))


@dataclass(frozen=True)
class _Operation:
    template: str
    body: jsonschema.protocols.Validator | None
    path: dict[str, jsonschema.protocols.Validator]
    query: dict[str, jsonschema.protocols.Validator]


class RequestSchemas:
    """The request side of the OpenAPI document, compiled once: for a path and method, the
    validators of its body and parameters."""

    def __init__(self, document: Mapping) -> None:
        components = document.get("components", {})
        self._routes: list[tuple[re.Pattern, str]] = []
        self._ops: dict[tuple[str, str], _Operation] = {}
        for template, ops in document["paths"].items():
            pattern = re.sub(r"\\\{([^}]+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
            self._routes.append((re.compile(pattern + "/?$"), template))
            for method, op in ops.items():
                self._ops[(template, method.upper())] = _compile(template, op, components)
        # Literal segments win: /users/me before /users/{user_id}.
        self._routes.sort(key=lambda route: route[1].count("{"))

    def operation(self, path: str, method: str) -> _Operation | None:
        """The operation serving ``path`` (without the base URL) and ``method``, if any."""
        for pattern, template in self._routes:
            if pattern.match(path):
                return self._ops.get((template, method.upper()))
        return None

    def check_parameters(
        self, op: _Operation, path_kwargs: Mapping[str, str], query: Mapping[str, list[str]]
    ) -> None:
        """Path parameters that cannot name anything raise the resource's 404; query
        parameters of the wrong type or range raise InvalidInputError (its ``field`` names them)."""
        for name, validator in op.path.items():
            value = path_kwargs.get(name)
            if value is None:
                continue
            if _FORBIDDEN.search(value) or not validator.is_valid(_coerce(value, validator)):
                raise _NOT_FOUND.get(name, NotFoundError)(
                    f"No such {name.removesuffix('_id')}.", field=name
                )
        for name, validator in op.query.items():
            for raw in query.get(name, []):
                value = _coerce(raw.decode("utf-8", "replace"), validator)
                error = best_match(validator.iter_errors(value))
                if error is not None:
                    raise InvalidInputError(f"Query parameter {_describe(error, name)}", field=name)

    def check_body(self, op: _Operation, body: Any) -> None:
        """An InvalidInputError naming (``field``) the first field of ``body`` that breaks the
        operation's request schema."""
        if op.body is None:
            return
        error = best_match(op.body.iter_errors(body))
        if error is not None:
            where = ".".join(str(p) for p in error.absolute_path)
            raise InvalidInputError(_describe(error, where), field=_field(error, where))


def _strict_integer(_checker: Any, instance: Any) -> bool:
    # JSON Schema counts 1.0 as an integer and Python counts True: handlers want neither.
    return isinstance(instance, int) and not isinstance(instance, bool)


_Validator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator,
    type_checker=jsonschema.Draft202012Validator.TYPE_CHECKER.redefine("integer", _strict_integer),
)


def _compile(template: str, op: Mapping, components: Mapping) -> _Operation:
    def validator(schema: Mapping) -> jsonschema.protocols.Validator:
        return _Validator({**schema, "components": components})

    content = op.get("requestBody", {}).get("content", {})
    body = content.get("application/json", {}).get("schema")
    params = op.get("parameters", [])
    return _Operation(
        template=template,
        body=validator(body) if body is not None else None,
        path={p["name"]: validator(p["schema"]) for p in params if p["in"] == "path"},
        query={p["name"]: validator(p["schema"]) for p in params if p["in"] == "query"},
    )


def _coerce(value: str, validator: jsonschema.protocols.Validator) -> Any:
    """A query or path string as the type its schema wants (integer, boolean), if it is one."""
    types = _types(validator.schema)
    if "integer" in types and _INTEGER.fullmatch(value):
        return int(value)
    if "boolean" in types and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


def _types(schema: Mapping) -> set[str]:
    found = schema.get("type", [])
    types = {found} if isinstance(found, str) else set(found)
    for key in ("oneOf", "anyOf"):
        for sub in schema.get(key, []):
            types |= _types(sub)
    return types


def _describe(error: ValidationError, where: str) -> str:
    """A message about ``error`` that names the field and never echoes a large value."""
    name, kind, expected = _name(where), error.validator, error.validator_value
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "a field"
        return f"{_join(where, missing) or missing} is required."
    if kind == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return f"Unknown field(s): {', '.join(map(str, extra))}."
    if kind == "type":
        wanted = expected if isinstance(expected, str) else " or ".join(expected)
        return f"{name} must be of type {wanted}."
    if kind == "maxLength":
        return f"{name} may be at most {expected} characters long."
    if kind == "minLength":
        return f"{name} must be at least {expected} characters long."
    if kind in ("maximum", "minimum"):
        return f"{name} must be at {'most' if kind == 'maximum' else 'least'} {expected}."
    if kind in ("enum", "const"):
        choices = expected if kind == "enum" else [expected]
        return f"{name} must be one of {', '.join(json.dumps(c) for c in choices)}."
    if kind in ("maxItems", "minItems"):
        return f"{name} must have at {'most' if kind == 'maxItems' else 'least'} {expected} items."
    if kind == "pattern":
        return f"{name} is not in the expected form."
    return f"{name} is not valid ({kind})."


def _field(error: ValidationError, where: str) -> str | None:
    if error.validator == "required" and "'" in error.message:
        return _join(where, error.message.split("'")[1])
    return where or None


def _check_string(value: str, where: str) -> None:
    found = _FORBIDDEN.search(value)
    if found:
        what = "a NUL character" if found.group() == "\x00" else "a lone surrogate"
        raise InvalidInputError(f"{_name(where)} contains {what}.", field=where or None)


def _too_deep(where: str = "") -> InvalidInputError:
    message = f"The request body nests deeper than {MAX_DEPTH} levels."
    return InvalidInputError(message, field=where)


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def _join(where: str, key: object) -> str:
    return f"{where}.{key}" if where else str(key)


def _name(where: str) -> str:
    return where or "The request body"


def _short(error: Exception) -> str:
    return str(error)[:200]
