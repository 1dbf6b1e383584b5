"""Evaluation data in Spider's layout, and the databases its questions are asked on.

A data folder holds ``questions.json`` (a list of ``{"db_id", "question", "query"}``),
``database/<db_id>/<db_id>.sqlite`` and, optionally, ``tables.json``. Schemas always come from
the databases themselves (``introspect``); ``tables.json``, when present, only adds what a
database cannot say: the natural names of tables and columns (as comments, which the engine
reads) and foreign keys the file does not declare.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from ..engine.values import ValueIndex
from ..errors import AskDBError, EvalDataError
from ..schemas.introspect import introspect
from ..schemas.model import ForeignKey, Schema, Table
from ..sqlrun.connections import ConnectionRegistry


@dataclass(frozen=True)
class EvalItem:
    """One question with its gold SQL, asked on the database ``db_id``."""

    db_id: str
    question: str
    gold_sql: str


@dataclass
class EvalDatabase:
    """A database ready for questions: where it is, its schema and its value index."""

    db_id: str
    url: str
    schema: Schema
    values: ValueIndex | None
    dialect: str = "sqlite"


class DatabaseMissingError(Exception):
    """The database of a question is not there; every question on it counts as a miss."""

    def __init__(self, where: str) -> None:
        super().__init__(f"database missing: {where}")
        self.where = where


class DatabaseSource(Protocol):
    """Opens the database a question is asked on (once per database: the harness caches)."""

    def open(self, db_id: str) -> EvalDatabase: ...


class SpiderData:
    """A data folder in Spider's layout."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        if not self.root.is_dir():
            raise EvalDataError(f"No such folder: {self.root}")
        if not (self.root / "questions.json").is_file():
            raise EvalDataError(
                f"{self.root} has no questions.json (Spider's layout: questions.json, "
                "database/<db_id>/<db_id>.sqlite, optionally tables.json)."
            )
        self.tables = _read_tables_json(self.root / "tables.json")

    def questions(
        self, db_ids: list[str] | None = None, limit: int | None = None
    ) -> list[EvalItem]:
        """The questions, in file order, of the given databases only (all when None)."""
        raw = _read_json(self.root / "questions.json")
        if not isinstance(raw, list):
            raise EvalDataError("questions.json must hold a list of {db_id, question, query}.")
        items = [_item(i, entry) for i, entry in enumerate(raw)]
        if db_ids:
            wanted = set(db_ids)
            items = [it for it in items if it.db_id in wanted]
        return items[:limit] if limit is not None else items

    def database_path(self, db_id: str) -> Path:
        return self.root / "database" / db_id / f"{db_id}.sqlite"


class SpiderSource:
    """Opens Spider databases read-only: introspected schema, tables.json names, values."""

    def __init__(
        self, data: SpiderData, connections: ConnectionRegistry, *, with_values: bool = True
    ) -> None:
        self.data = data
        self.connections = connections
        self.with_values = with_values

    def open(self, db_id: str) -> EvalDatabase:
        path = self.data.database_path(db_id)
        if not path.is_file():
            raise DatabaseMissingError(str(path))
        url = f"sqlite:///{path.resolve()}"
        try:
            engine = self.connections.engine_for(url)
            schema = introspect(engine, "sqlite", url=url)
            if db_id in self.data.tables:
                schema = enrich_schema(schema, self.data.tables[db_id])
            values = ValueIndex.build(engine, schema) if self.with_values else None
        except AskDBError as e:
            raise DatabaseMissingError(f"{path} ({e.message})") from e
        return EvalDatabase(db_id=db_id, url=url, schema=schema, values=values)


def enrich_schema(schema: Schema, entry: dict) -> Schema:
    """``schema`` with ``tables.json``'s natural names as comments and its foreign keys added.

    A natural name becomes a comment only where it says more than the name itself
    (``dept_name`` → "department name", not ``song_name`` → "song name"); comments the
    database already has are kept.
    """
    try:
        tables = entry["table_names_original"]
        natural_tables = entry.get("table_names") or tables
        columns = entry["column_names_original"]
        natural_columns = entry.get("column_names") or columns
        foreign = entry.get("foreign_keys") or []
    except (KeyError, TypeError) as e:
        raise EvalDataError(f"tables.json: a malformed entry for {entry.get('db_id')!r}") from e
    table_notes = {t.lower(): n for t, n in zip(tables, natural_tables, strict=False)}
    column_notes: dict[tuple[str, str], str] = {}
    for (ti, name), (_, natural) in zip(columns, natural_columns, strict=False):
        if ti >= 0:
            column_notes[(tables[ti].lower(), name.lower())] = natural
    extra_fks: dict[str, list[ForeignKey]] = {}
    for a, b in foreign:
        (ta, ca), (tb, cb) = columns[a], columns[b]
        fk = ForeignKey(columns=(ca,), ref_table=tables[tb], ref_columns=(cb,))
        extra_fks.setdefault(tables[ta].lower(), []).append(fk)
    return replace(
        schema,
        tables=tuple(
            _enrich_table(t, table_notes, column_notes, extra_fks.get(t.name.lower(), []))
            for t in schema.tables
        ),
    )


def _enrich_table(
    table: Table,
    table_notes: dict[str, str],
    column_notes: dict[tuple[str, str], str],
    fks: list[ForeignKey],
) -> Table:
    low = table.name.lower()
    columns = tuple(
        c
        if c.comment
        else replace(c, comment=_note(c.name, column_notes.get((low, c.name.lower()))))
        for c in table.columns
    )
    declared = {
        (tuple(x.lower() for x in fk.columns), fk.ref_table.lower()) for fk in table.foreign_keys
    }
    added = tuple(
        fk
        for fk in fks
        if (tuple(x.lower() for x in fk.columns), fk.ref_table.lower()) not in declared
        and table.column(fk.columns[0]) is not None
    )
    return replace(
        table,
        columns=columns,
        foreign_keys=table.foreign_keys + added,
        comment=table.comment or _note(table.name, table_notes.get(low)),
    )


def _note(name: str, natural: str | None) -> str | None:
    """The natural name when it is more than the name spelled with spaces."""
    if not natural:
        return None
    plain = name.replace("_", " ").lower().strip()
    return None if natural.lower().strip() == plain else natural


def _item(index: int, entry: object) -> EvalItem:
    if not isinstance(entry, dict) or not all(
        isinstance(entry.get(k), str) for k in ("db_id", "question", "query")
    ):
        raise EvalDataError(
            f"questions.json entry {index} must have the strings db_id, question and query."
        )
    return EvalItem(db_id=entry["db_id"], question=entry["question"], gold_sql=entry["query"])


def _read_tables_json(path: Path) -> dict[str, dict]:
    if not path.is_file():
        return {}
    raw = _read_json(path)
    if not isinstance(raw, list):
        raise EvalDataError("tables.json must hold a list of database descriptions.")
    return {e["db_id"]: e for e in raw if isinstance(e, dict) and "db_id" in e}


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise EvalDataError(f"Cannot read {path}: {e}") from e
