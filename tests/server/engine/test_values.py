"""ValueIndex: values of low-cardinality text columns found in questions."""

from __future__ import annotations

import sqlite3

import pytest
import sqlalchemy as sa

from askdb_server.engine.values import ValueIndex
from askdb_server.schemas.model import Column, Schema, Table


@pytest.fixture
def index(tmp_path) -> ValueIndex:
    path = tmp_path / "v.sqlite"
    conn = sqlite3.connect(path)
    conn.executescript("""
        CREATE TABLE "order" (id INTEGER PRIMARY KEY, status TEXT, city TEXT, code TEXT, n INT);
    """)
    rows = [
        (
            i,
            ["open", "closed", "on hold"][i % 3],
            ["New York", "Lisbon", "O'Hare"][i % 3],
            f"C{i:04d}",
            i,
        )
        for i in range(300)
    ]
    conn.executemany('INSERT INTO "order" VALUES (?, ?, ?, ?, ?)', rows)
    conn.commit()
    conn.close()
    engine = sa.create_engine(f"sqlite:///{path}")
    schema = Schema(
        (
            Table(
                "order",
                (
                    Column("id", "INTEGER", primary_key=True),
                    Column("status", "TEXT"),
                    Column("city", "TEXT"),
                    Column("code", "TEXT"),
                    Column("n", "INT"),
                ),
                ("id",),
            ),
        )
    )
    return ValueIndex.build(engine, schema, max_distinct=50)


def _found(index: ValueIndex, question: str) -> set[tuple[str, str]]:
    return {(m.column, m.value) for m in index.match(question)}


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("orders in new york", ("city", "New York")),  # multi-word, other case
        ("orders ON HOLD", ("status", "on hold")),
        ("orders from O'Hare", ("city", "O'Hare")),  # quote in the value, quoted identifier
        ("orders with status 'closed'", ("status", "closed")),
        ("orders in Lisbn", ("city", "Lisbon")),  # a typo
        ("orders in Lsibon", ("city", "Lisbon")),  # swapped letters
    ],
)
def test_values_are_found(index, question, expected):
    assert expected in _found(index, question)


def test_high_cardinality_and_numeric_columns_are_skipped(index):
    assert ("order", "code") not in index.columns
    assert ("order", "n") not in index.columns
    assert not _found(index, "order C0001")


def test_words_are_matched_whole(index):
    assert not _found(index, "the openness of it")  # "open" is inside a word, not a word
    assert ("status", "open") in _found(index, "open orders")


def test_fuzzy_matches_score_below_exact(index):
    exact = [m for m in index.match("Lisbon") if m.value == "Lisbon"][0]
    fuzzy = [m for m in index.match("Lisbn") if m.value == "Lisbon"][0]
    assert exact.score == 1.0 > fuzzy.score >= 0.8
