"""What gets indexed: a schema as table and column descriptions, docs, and approved pairs.

Texts are written in words (``snake_case`` and ``camelCase`` split) so that MiniLM compares
them with questions rather than with identifiers.
"""

from __future__ import annotations

import re

from ..schemas.model import Column, Schema, Table
from .index import Chunk

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def words(identifier: str) -> str:
    """``order_total`` and ``orderTotal`` → ``order total``."""
    return " ".join(_CAMEL.sub(" ", identifier).replace("_", " ").split()).lower()


def schema_chunks(schema: Schema) -> list[Chunk]:
    """One chunk per table (its columns listed) and one per column."""
    out = []
    for table in schema.tables:
        out.append(_table_chunk(table))
        out.extend(_column_chunk(table, col) for col in table.columns)
    return out


def _table_chunk(table: Table) -> Chunk:
    cols = ", ".join(words(c.name) for c in table.columns)
    text = f"table {words(table.name)}"
    if table.comment:
        text += f": {table.comment}"
    text += f". columns: {cols}"
    links = sorted({fk.ref_table for fk in table.foreign_keys})
    if links:
        text += f". linked to {', '.join(words(t) for t in links)}"
    return Chunk(f"schema:{table.name}", "schema", text, {"table": table.name})


def _column_chunk(table: Table, col: Column) -> Chunk:
    text = f"{words(col.name)} of {words(table.name)}"
    if col.type:
        text += f" ({col.type.lower()})"
    if col.comment:
        text += f": {col.comment}"
    payload = {"table": table.name, "column": col.name}
    return Chunk(f"schema:{table.name}.{col.name}", "schema", text, payload)


def doc_chunk(doc_id: str, title: str, body: str) -> Chunk:
    text = f"{title}: {body}" if title else body
    return Chunk(f"doc:{doc_id}", "doc", text, {"doc_id": doc_id, "title": title})


def pair_chunk(pair_id: str, question: str, sql: str) -> Chunk:
    # Only the question is embedded: new questions are compared with approved questions.
    payload = {"pair_id": pair_id, "question": question, "sql": sql}
    return Chunk(f"golden:{pair_id}", "golden", question, payload)
