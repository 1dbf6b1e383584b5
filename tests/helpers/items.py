"""A fresh database on each backend (SQLite, PostgreSQL, MariaDB) with an ``items`` table of
``ROWS`` rows, for the query runner's tests; ``tests/server/sqlrun/conftest.py`` makes its
fixtures (``sqlite_db``, ``postgres_db``, ``mariadb_db``) that directory's."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

ROWS = 50


@dataclass
class Database:
    """A test database: its URL, a slow query for it, and a way to count ``items`` rows."""

    url: str
    slow_sql: str
    count: Callable[[], int]
    tables: Callable[[], set[str]]


def _fill(engine: sa.Engine, create: str) -> None:
    with engine.begin() as c:
        c.execute(sa.text(create))
        c.execute(
            sa.text("INSERT INTO items (id, name, price, added) VALUES (:i, :n, :p, :d)"),
            [
                {"i": i, "n": f"item {i}", "p": f"{i}.50", "d": f"2024-01-{i % 28 + 1:02d}"}
                for i in range(1, ROWS + 1)
            ],
        )


def _probe(engine: sa.Engine) -> tuple[Callable[[], int], Callable[[], set[str]]]:
    def count() -> int:
        with engine.connect() as c:
            return c.execute(sa.text("SELECT count(*) FROM items")).scalar_one()

    def tables() -> set[str]:
        return set(sa.inspect(engine).get_table_names())

    return count, tables


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    path = tmp_path / "shop.sqlite"
    engine = sa.create_engine(f"sqlite:///{path}")
    _fill(engine, "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, price REAL, added TEXT)")
    count, tables = _probe(engine)
    slow = "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) SELECT count(*) FROM c"
    yield Database(f"sqlite:///{path}", slow, count, tables)
    engine.dispose()


@pytest.fixture
def postgres_db(pg_url: str) -> Iterator[Database]:
    engine = sa.create_engine(pg_url)
    _fill(
        engine,
        "CREATE TABLE items (id integer PRIMARY KEY, name text, price numeric(10, 2), added date)",
    )
    count, tables = _probe(engine)
    yield Database(pg_url, "SELECT count(*) FROM generate_series(1, 1e9)", count, tables)
    engine.dispose()


@pytest.fixture
def mariadb_db(mariadb_url: str) -> Iterator[Database]:
    engine = sa.create_engine(mariadb_url)
    _fill(
        engine,
        "CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(50), price DECIMAL(10, 2), "
        "added DATE)",
    )
    count, tables = _probe(engine)
    # 50^6 rows: far longer than any timeout here; MariaDB caps recursive CTEs at 1000 rounds.
    slow = "SELECT count(*) FROM items a, items b, items c, items d, items e, items f"
    yield Database(mariadb_url, slow, count, tables)
    engine.dispose()
