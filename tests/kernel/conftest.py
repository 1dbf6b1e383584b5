"""Fixtures for the kernel package: a small shop database, an isolated AskDB, an IPython shell,
and a real Jupyter server with AskDB for the REST tests (``tests.helpers.rest_server``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.rest_server import server, server_url  # noqa: F401

SHOP_DDL = """
create table countries (code text primary key, name text not null);
create table customers (
    id integer primary key,
    name text not null,
    country_code text not null references countries(code)
);
create table orders (
    id integer primary key,
    customer_id integer not null references customers(id),
    ordered_on text not null,
    total real not null
);
"""
COUNTRIES = [("FR", "France"), ("DE", "Germany"), ("JP", "Japan")]
CUSTOMERS = [
    (1, "Ada", "FR"),
    (2, "Bruno", "FR"),
    (3, "Chiara", "DE"),
    (4, "Daisuke", "JP"),
    (5, "Eve", "FR"),
]
ORDERS = [
    (1, 1, "2024-01-05", 10.5),
    (2, 1, "2024-02-11", 20.0),
    (3, 3, "2024-02-20", 7.25),
    (4, 4, "2024-03-02", 99.0),
]


@pytest.fixture
def shop_db(tmp_path: Path) -> Path:
    """A SQLite file with countries, customers and orders (foreign keys between them)."""
    path = tmp_path / "shop.db"
    with sqlite3.connect(path) as con:
        con.executescript(SHOP_DDL)
        con.executemany("insert into countries values (?, ?)", COUNTRIES)
        con.executemany("insert into customers values (?, ?, ?)", CUSTOMERS)
        con.executemany("insert into orders values (?, ?, ?, ?)", ORDERS)
    con.close()
    return path


@pytest.fixture
def askdb_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Local mode on a fresh data dir: no ASKDB_URL, and no Jupyter server to be found."""
    data_dir = tmp_path / "askdb-data"
    monkeypatch.delenv("ASKDB_URL", raising=False)
    monkeypatch.delenv("ASKDB_TOKEN", raising=False)
    monkeypatch.setenv("ASKDB_DATA_DIR", str(data_dir))
    monkeypatch.setenv("ASKDB_USE_EMBEDDINGS", "0")
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    return data_dir


@pytest.fixture
def shell():
    """The in-process IPython shell (one per test session, as IPython allows)."""
    from IPython.core.interactiveshell import InteractiveShell

    return InteractiveShell.instance()


@pytest.fixture
def magics(shell, askdb_env: Path) -> Iterator[object]:
    """A fresh ``AskDBMagics`` registered in ``shell``: no state carried between tests."""
    from askdb.magics import AskDBMagics

    instance = AskDBMagics(shell)
    shell.register_magics(instance)
    yield instance
    instance.close()
