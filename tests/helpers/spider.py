"""A small evaluation folder in Spider's layout: two real SQLite databases and questions with
gold SQL, one of them on a database that is missing."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

ZOO_DDL = """
CREATE TABLE keeper (keeper_id INTEGER PRIMARY KEY, name TEXT, hired_year INTEGER);
CREATE TABLE animal (
    animal_id INTEGER PRIMARY KEY, name TEXT, species TEXT, age INTEGER, weight_kg REAL,
    keeper_id INTEGER);
INSERT INTO keeper VALUES (1, 'Ana', 2010), (2, 'Bo', 2015), (3, 'Cy', 2020);
INSERT INTO animal VALUES
    (1, 'Leo', 'lion', 5, 190.5, 1), (2, 'Zara', 'zebra', 3, 300.0, 1),
    (3, 'Gus', 'giraffe', 7, 800.25, 2), (4, 'Nala', 'lion', 4, 120.0, 2),
    (5, 'Pip', 'penguin', 2, 20.5, 3);
"""
SHOP_DDL = """
CREATE TABLE product (product_id INTEGER PRIMARY KEY, product_name TEXT, price REAL);
INSERT INTO product VALUES (1, 'kettle', 25.0), (2, 'toaster', 40.5), (3, 'lamp', 12.0),
    (4, 'fan', 30.0);
"""

# (db_id, question, gold SQL): what the built-in engine answers on these databases is
# checked by the tests, question by question.
QUESTIONS = [
    ("zoo", "How many animals are there?", "SELECT count(*) FROM animal"),
    ("zoo", "How many keepers are there?", "SELECT count(*) FROM keeper"),
    ("zoo", "How many animals are there?", "SELECT count(*) FROM keeper"),  # a wrong result
    ("zoo", "What are the names of all keepers?", "SELECT nickname FROM keeper"),  # gold fails
    ("ghost", "How many ghosts are there?", "SELECT count(*) FROM ghost"),  # no database
    ("ghost", "Which ghost is the oldest?", "SELECT name FROM ghost ORDER BY age DESC LIMIT 1"),
    ("shop", "How many products are there?", "SELECT count(*) FROM product"),
]

# Spider's description of the zoo: natural names, and a foreign key the file does not declare.
ZOO_TABLES_JSON = {
    "db_id": "zoo",
    "table_names_original": ["keeper", "animal"],
    "table_names": ["zoo keeper", "animal"],
    "column_names_original": [
        [-1, "*"],
        [0, "keeper_id"],
        [0, "name"],
        [0, "hired_year"],
        [1, "animal_id"],
        [1, "name"],
        [1, "species"],
        [1, "age"],
        [1, "weight_kg"],
        [1, "keeper_id"],
    ],
    "column_names": [
        [-1, "*"],
        [0, "keeper id"],
        [0, "name"],
        [0, "year of hiring"],
        [1, "animal id"],
        [1, "name"],
        [1, "species"],
        [1, "age"],
        [1, "weight in kilograms"],
        [1, "keeper id"],
    ],
    "column_types": [
        "text",
        "number",
        "text",
        "number",
        "number",
        "text",
        "text",
        "number",
        "number",
        "number",
    ],
    "primary_keys": [1, 4],
    "foreign_keys": [[9, 1]],
}


def make_spider_folder(root: Path, *, questions=QUESTIONS, tables_json: bool = True) -> Path:
    """Write the folder: questions.json, database/<db_id>/<db_id>.sqlite, maybe tables.json."""
    for db_id, ddl in (("zoo", ZOO_DDL), ("shop", SHOP_DDL)):
        path = root / "database" / db_id / f"{db_id}.sqlite"
        path.parent.mkdir(parents=True)
        with sqlite3.connect(path) as conn:
            conn.executescript(ddl)
        conn.close()
    entries = [{"db_id": d, "question": q, "query": sql} for d, q, sql in questions]
    (root / "questions.json").write_text(json.dumps(entries, indent=1))
    if tables_json:
        (root / "tables.json").write_text(json.dumps([ZOO_TABLES_JSON]))
    return root
