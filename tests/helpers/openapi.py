"""Checking a real response against the served OpenAPI document."""

from __future__ import annotations

import re

import jsonschema


def response_validator(doc: dict, method: str, path: str, status: int):
    """A validator for the body that ``doc`` documents for ``method path`` answering ``status``
    (``path`` as the document spells it: a template such as ``/askdb/api/projects/{id}``)."""
    op = doc["paths"][path][method.lower()]
    content = op["responses"][str(status)]["content"]
    schema = next(iter(content.values()))["schema"]
    # Resolve $refs against the whole document.
    return jsonschema.Draft202012Validator(
        {**schema, "components": doc["components"]},
    )


def path_template(doc: dict, concrete: str) -> str:
    """The document's path template that ``concrete`` (a path with real ids) matches."""
    for template in doc["paths"]:
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
        if re.match(pattern, concrete):
            return template
    raise AssertionError(f"{concrete} is not described in the OpenAPI document")
