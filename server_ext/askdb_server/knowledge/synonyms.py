"""Business terms from a project's docs, as synonyms of its tables and columns.

A doc defines terms in any of these forms (one per line, or the doc's title as the term):

    revenue means orders.total
    clients: the customers table
    "signup date" = users.created_at
    churned refers to accounts.closed_at

The definition must name a table (``customers``), a column qualified by its table
(``orders.total``) or a column name that only one table has. Text that names nothing in the
schema defines nothing, so prose docs are harmless.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from ..engine.linking import ALSO_CALLED
from ..schemas.model import Schema

MAX_TERM_WORDS = 4
_DEFINITION = re.compile(
    r"^\s*[\"'“]?(?P<term>[^\"'”:=\n]{1,60}?)[\"'”]?\s*"
    r"(?::|=|\bmeans\b|\brefers to\b|\bis short for\b|\bis another word for\b)\s*(?P<what>.+)$",
    re.IGNORECASE,
)
_QUALIFIED = re.compile(r"\b(\w+)\.(\w+)\b")
_WORD = re.compile(r"\w+")


def synonyms_from_docs(docs: Iterable[tuple[str, str]], schema: Schema) -> dict[str, list[str]]:
    """``{"orders.total": ["revenue"], "customers": ["clients"]}`` from (title, body) docs."""
    out: dict[str, list[str]] = {}
    for title, body in docs:
        for term, definition in _definitions(title, body):
            for target in _targets(definition, schema):
                terms = out.setdefault(target, [])
                if term not in terms:
                    terms.append(term)
    return out


def _definitions(title: str, body: str) -> list[tuple[str, str]]:
    found = []
    for line in body.splitlines():
        m = _DEFINITION.match(line)
        if m and _is_term(m.group("term")):
            found.append((_clean(m.group("term")), m.group("what")))
    if not found and title.strip() and _is_term(title):
        found.append((_clean(title), body))
    return found


def _is_term(text: str) -> bool:
    return 0 < len(_WORD.findall(text)) <= MAX_TERM_WORDS


def _clean(term: str) -> str:
    return " ".join(term.strip(" \"'“”").lower().split())


def _targets(definition: str, schema: Schema) -> list[str]:
    """The schema names a definition mentions: qualified columns first, then tables, then
    column names that belong to exactly one table."""
    targets = []
    for table_name, col_name in _QUALIFIED.findall(definition):
        table = schema.table(table_name)
        if table is not None and table.column(col_name) is not None:
            targets.append(f"{table.name}.{table.column(col_name).name}")
    if targets:
        return targets
    mentioned = {w.lower() for w in _WORD.findall(definition)}
    tables = [t.name for t in schema.tables if t.name.lower() in mentioned]
    if tables:
        return tables
    for word in mentioned:
        owners = [t for t in schema.tables if t.column(word) is not None]
        if len(owners) == 1:
            targets.append(f"{owners[0].name}.{owners[0].column(word).name}")
    return sorted(targets)


def with_synonyms(schema: Schema, synonyms: dict[str, list[str]]) -> Schema:
    """``schema`` with each defined term appended to its table's or column's comment
    ("also called: revenue"), so that anything linking words through comments (the built-in
    engine does) understands the team's terms without a change of its own."""
    if not synonyms:
        return schema
    tables = []
    for table in schema.tables:
        cols = tuple(
            replace(c, comment=_also(c.comment, synonyms.get(f"{table.name}.{c.name}")))
            for c in table.columns
        )
        comment = _also(table.comment, synonyms.get(table.name))
        tables.append(replace(table, columns=cols, comment=comment))
    return Schema(tables=tuple(tables), dialect=schema.dialect)


def _also(comment: str | None, terms: list[str] | None) -> str | None:
    if not terms:
        return comment
    also = f"{ALSO_CALLED} " + ", ".join(terms)
    return f"{comment}; {also}" if comment else also
