"""The small shop database the server's tests ask about: customers and their orders."""

from __future__ import annotations

import sqlite3
from pathlib import Path

SHOP_DDL = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, country TEXT NOT NULL);
CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    total REAL NOT NULL,
    ordered_on TEXT NOT NULL
);
"""
CUSTOMERS = [(1, "Ada", "France"), (2, "Bo", "France"), (3, "Cy", "Japan"), (4, "Di", "Peru")]
ORDERS = [(1, 1, 10.0, "2024-01-02"), (2, 1, 5.5, "2024-02-03"), (3, 3, 7.25, "2023-05-06")]


def write_shop(path: Path) -> Path:
    """Create the shop as a SQLite file at ``path``, with its rows."""
    with sqlite3.connect(path) as con:
        con.executescript(SHOP_DDL)
        con.executemany("INSERT INTO customers VALUES (?, ?, ?)", CUSTOMERS)
        con.executemany("INSERT INTO orders VALUES (?, ?, ?, ?)", ORDERS)
    con.close()
    return path
