"""What the engine tests ask questions of: a real SQLite database as the engine sees it (its
schema and its value index), and rows compared the way an execution-match evaluation does."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from askdb_server.engine.values import ValueIndex
from askdb_server.schemas.model import Column, ForeignKey, Schema, Table


@dataclass
class Domain:
    engine: sa.Engine
    schema: Schema
    values: ValueIndex

    def run(self, sql: str) -> list[tuple]:
        with self.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql)).fetchall()]


def schema_of(engine: sa.Engine) -> Schema:
    """The database's schema, read with SQLAlchemy's inspector."""
    insp = sa.inspect(engine)
    tables = []
    for name in insp.get_table_names():
        pk = tuple(insp.get_pk_constraint(name)["constrained_columns"])
        cols = tuple(
            Column(c["name"], str(c["type"]), c["nullable"], c["name"] in pk)
            for c in insp.get_columns(name)
        )
        fks = tuple(
            ForeignKey(
                tuple(f["constrained_columns"]), f["referred_table"], tuple(f["referred_columns"])
            )
            for f in insp.get_foreign_keys(name)
        )
        tables.append(Table(name, cols, pk, fks))
    return Schema(tuple(tables), "sqlite")


def sqlite_domain(path: Path, ddl: str | None = None, rows: dict | None = None) -> Domain:
    """The SQLite database at ``path`` (created from ``ddl`` and ``rows`` when given) as a
    domain: its engine, its schema and its value index."""
    if ddl is not None:
        conn = sqlite3.connect(path)
        conn.executescript(ddl)
        for table, data in rows.items():
            marks = ", ".join("?" * len(data[0]))
            conn.executemany(f"INSERT INTO {table} VALUES ({marks})", data)
        conn.commit()
        conn.close()
    engine = sa.create_engine(f"sqlite:///{path}")
    schema = schema_of(engine)
    return Domain(engine, schema, ValueIndex.build(engine, schema))


def normalised(rows: list[tuple], ordered: bool) -> list[tuple]:
    """Rows with floats rounded; sorted unless the order is part of the answer."""
    out = [tuple(round(v, 6) if isinstance(v, float) else v for v in r) for r in rows]
    return out if ordered else sorted(out, key=repr)
