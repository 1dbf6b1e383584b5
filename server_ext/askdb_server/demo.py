"""A small, deterministic shop database for the quickstart and the tests.

``create_demo_database`` writes customers, products, orders and order_items to a SQLite file
(a few thousand rows, dates across 2023-2025); ``DEMO_QUESTIONS`` are questions the built-in
engine answers on it.
"""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
from pathlib import Path

from .errors import ConflictError

# Written to the SQLite header (PRAGMA application_id) to recognise a demo file: "ASKD".
DEMO_APPLICATION_ID = 0x41534B44

DEMO_QUESTIONS: list[str] = [
    "How many customers are there per country?",
    "What is the average price per category?",
    "Top 5 products by total quantity ordered",
    "How many orders were placed in 2024?",
    "List the customers from France",
    "Which customer placed the most orders?",
    "How many orders are cancelled?",
    "What is the total quantity ordered per category?",
]

_COUNTRIES = {
    "France": ["Paris", "Lyon", "Marseille"],
    "Germany": ["Berlin", "Munich", "Hamburg"],
    "Spain": ["Madrid", "Barcelona", "Valencia"],
    "Italy": ["Rome", "Milan", "Naples"],
    "United Kingdom": ["London", "Manchester", "Leeds"],
    "United States": ["New York", "Chicago", "Seattle"],
    "Canada": ["Toronto", "Montreal", "Vancouver"],
    "Japan": ["Tokyo", "Osaka", "Kyoto"],
    "Brazil": ["Sao Paulo", "Rio de Janeiro", "Curitiba"],
    "Australia": ["Sydney", "Melbourne", "Perth"],
}
_CATEGORIES = {
    "Electronics": (["Headphones", "Speaker", "Charger", "Keyboard", "Mouse", "Monitor"], 15, 400),
    "Books": (["Novel", "Cookbook", "Atlas", "Biography", "Poetry Collection"], 8, 45),
    "Garden": (["Hose", "Rake", "Planter", "Seed Kit", "Lantern"], 5, 120),
    "Toys": (["Puzzle", "Kite", "Robot Kit", "Board Game", "Plush Bear"], 6, 90),
    "Kitchen": (["Kettle", "Pan", "Knife Set", "Blender", "Teapot"], 10, 250),
    "Sports": (["Yoga Mat", "Football", "Tennis Racket", "Water Bottle", "Dumbbells"], 7, 180),
}
_ADJECTIVES = ["Classic", "Deluxe", "Compact", "Eco", "Pro"]
_FIRST = [
    "Alice",
    "Bruno",
    "Chloe",
    "Diego",
    "Emma",
    "Farid",
    "Greta",
    "Hiro",
    "Ines",
    "Jonas",
    "Kira",
    "Liam",
    "Maya",
    "Noah",
    "Olga",
    "Pablo",
    "Quinn",
    "Rosa",
    "Sven",
    "Tara",
]
_LAST = [
    "Martin",
    "Muller",
    "Garcia",
    "Rossi",
    "Smith",
    "Brown",
    "Tanaka",
    "Silva",
    "Dubois",
    "Novak",
    "Costa",
    "Weber",
    "Lopez",
    "Clark",
    "Sato",
]
_STATUSES = ["delivered"] * 6 + ["shipped"] * 2 + ["pending", "cancelled"]

_DDL = """
CREATE TABLE customers (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL UNIQUE,
    country TEXT NOT NULL, city TEXT NOT NULL, signup_date DATE NOT NULL);
CREATE TABLE products (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, category TEXT NOT NULL, price REAL NOT NULL);
CREATE TABLE orders (
    id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id),
    order_date DATE NOT NULL, status TEXT NOT NULL);
CREATE TABLE order_items (
    id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES orders(id),
    product_id INTEGER NOT NULL REFERENCES products(id), quantity INTEGER NOT NULL,
    unit_price REAL NOT NULL);
"""


def create_demo_database(path: str | Path, *, seed: int = 7) -> Path:
    """Write the demo shop database to ``path`` (same seed, same rows) and return the path.

    An existing file is replaced only if it is itself a demo database."""
    path = Path(path)
    if path.exists():
        if not _is_demo(path):
            raise ConflictError(
                f"{path} exists and is not an AskDB demo database; not replacing it."
            )
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    conn = sqlite3.connect(path)
    try:
        conn.executescript(_DDL)
        conn.execute(f"PRAGMA application_id = {DEMO_APPLICATION_ID}")
        customers = _customers(rng)
        products = _products(rng)
        conn.executemany("INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?)", customers)
        conn.executemany("INSERT INTO products VALUES (?, ?, ?, ?)", products)
        orders, items = _orders(rng, customers, products)
        conn.executemany("INSERT INTO orders VALUES (?, ?, ?, ?)", orders)
        conn.executemany("INSERT INTO order_items VALUES (?, ?, ?, ?, ?)", items)
        conn.commit()
    finally:
        conn.close()
    return path


def _is_demo(path: Path) -> bool:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            (app_id,) = conn.execute("PRAGMA application_id").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return False
    return app_id == DEMO_APPLICATION_ID


def _day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def _customers(rng: random.Random) -> list[tuple]:
    rows = []
    countries = list(_COUNTRIES)
    weights = [14, 12, 9, 8, 11, 16, 7, 6, 5, 4]
    for cid in range(1, 301):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        country = rng.choices(countries, weights)[0]
        email = f"{first.lower()}.{last.lower()}{cid}@example.com"
        signup = _day(rng, dt.date(2023, 1, 1), dt.date(2025, 6, 30))
        rows.append(
            (
                cid,
                f"{first} {last}",
                email,
                country,
                rng.choice(_COUNTRIES[country]),
                signup.isoformat(),
            )
        )
    return rows


def _products(rng: random.Random) -> list[tuple]:
    rows = []
    pid = 0
    for category, (items, low, high) in _CATEGORIES.items():
        for item in items:
            for adjective in rng.sample(_ADJECTIVES, 2):
                pid += 1
                rows.append(
                    (pid, f"{adjective} {item}", category, round(rng.uniform(low, high), 2))
                )
    return rows


def _orders(rng: random.Random, customers: list[tuple], products: list[tuple]):
    orders, items = [], []
    item_id = 0
    popular = [p for p in products if rng.random() < 0.3]
    for oid in range(1, 1501):
        customer = rng.choice(customers)
        signup = dt.date.fromisoformat(customer[5])
        day = _day(rng, max(signup, dt.date(2023, 1, 1)), dt.date(2025, 12, 31))
        orders.append((oid, customer[0], day.isoformat(), rng.choice(_STATUSES)))
        for product in rng.sample(products, rng.randint(1, 3)):
            if popular and rng.random() < 0.4:
                product = rng.choice(popular)
            item_id += 1
            items.append((item_id, oid, product[0], rng.randint(1, 5), product[3]))
    return orders, items
