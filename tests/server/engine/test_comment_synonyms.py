"""Terms a comment declares ("also called: …") link like names, without embeddings."""

import sqlite3

import pytest
import sqlalchemy as sa

from askdb_server.engine.builtin import BuiltinEngine
from askdb_server.engine.linking import comment_synonyms
from askdb_server.schemas.introspect import introspect
from askdb_server.schemas.model import Schema, Table


@pytest.mark.parametrize(
    "comment,terms",
    [
        (None, []),
        ("", []),
        ("Customer master data", []),
        ("also called: clients", ["clients"]),
        ("Also Called: clients, buyers", ["clients", "buyers"]),
        ("people who buy; also called: clients, repeat buyers", ["clients", "repeat buyers"]),
        ("also called: patrons; loaded nightly", ["patrons"]),
    ],
)
def test_comment_synonyms(comment, terms):
    assert comment_synonyms(comment) == terms


def test_a_declared_term_answers_without_embeddings(tmp_path):
    path = tmp_path / "shop.db"
    with sqlite3.connect(path) as con:
        con.executescript(
            "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT);"
            "INSERT INTO customers VALUES (1, 'a'), (2, 'b'), (3, 'c');"
        )
    engine = sa.create_engine(f"sqlite:///{path}")
    schema = introspect(engine, "sqlite")
    builtin = BuiltinEngine(embedder=None)
    with pytest.raises(Exception, match="patrons"):
        builtin.generate("how many patrons are there?", schema)
    [table] = schema.tables
    taught = Schema(
        tables=(
            Table(
                table.name,
                table.columns,
                table.primary_key,
                table.foreign_keys,
                comment="also called: patrons",
            ),
        ),
        dialect=schema.dialect,
    )
    sql = builtin.generate("how many patrons are there?", taught).sql
    with engine.connect() as c:
        assert c.execute(sa.text(sql)).scalar() == 3
