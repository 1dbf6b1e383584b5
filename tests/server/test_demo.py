"""The demo shop database: tables, sizes, valid keys, determinism, safe overwrite."""

from __future__ import annotations

import hashlib
import sqlite3

import pytest

from askdb_server.demo import DEMO_QUESTIONS, create_demo_database
from askdb_server.errors import ConflictError

SIZES = {
    "customers": (100, 1000),
    "products": (30, 200),
    "orders": (500, 5000),
    "order_items": (1000, 10000),
}


def _dump(path) -> str:
    conn = sqlite3.connect(path)
    try:
        return hashlib.sha256("\n".join(conn.iterdump()).encode()).hexdigest()
    finally:
        conn.close()


def test_tables_sizes_and_foreign_keys(tmp_path):
    path = create_demo_database(tmp_path / "demo.sqlite")
    conn = sqlite3.connect(path)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == set(SIZES)
    for table, (low, high) in SIZES.items():
        (n,) = conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()
        assert low <= n <= high, table
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    fks = {(t, r[2]) for t in SIZES for r in conn.execute(f"PRAGMA foreign_key_list({t})")}
    assert fks == {("orders", "customers"), ("order_items", "orders"), ("order_items", "products")}
    years = {r[0] for r in conn.execute("SELECT DISTINCT substr(order_date, 1, 4) FROM orders")}
    assert years == {"2023", "2024", "2025"}
    (countries,) = conn.execute("SELECT COUNT(DISTINCT country) FROM customers").fetchone()
    (categories,) = conn.execute("SELECT COUNT(DISTINCT category) FROM products").fetchone()
    assert (countries, categories) == (10, 6)
    conn.close()


def test_same_seed_same_rows_other_seed_other_rows(tmp_path):
    a = _dump(create_demo_database(tmp_path / "a.sqlite", seed=7))
    b = _dump(create_demo_database(tmp_path / "b.sqlite", seed=7))
    c = _dump(create_demo_database(tmp_path / "c.sqlite", seed=8))
    assert a == b != c


def test_overwrites_only_a_demo_database(tmp_path):
    path = create_demo_database(tmp_path / "demo.sqlite", seed=1)
    create_demo_database(path, seed=2)  # a demo file may be replaced
    other = tmp_path / "mine.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE precious (x)").connection.commit()
    with pytest.raises(ConflictError, match="not an AskDB demo database"):
        create_demo_database(other)
    text = tmp_path / "notes.txt"
    text.write_text("not a database")
    with pytest.raises(ConflictError):
        create_demo_database(text)
    assert text.read_text() == "not a database"


def test_eight_demo_questions():
    assert len(DEMO_QUESTIONS) == 8 and all(q.strip() for q in DEMO_QUESTIONS)
