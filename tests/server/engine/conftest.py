"""Real SQLite databases of two unrelated domains, the demo shop, and one MiniLM engine."""

from __future__ import annotations

import pytest

from askdb_server.demo import create_demo_database
from askdb_server.engine.builtin import BuiltinEngine
from askdb_server.knowledge.embedder import MiniLMEmbedder
from tests.helpers.engine import Domain, sqlite_domain

LIBRARY_DDL = """
CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL, country TEXT);
CREATE TABLE books (
    id INTEGER PRIMARY KEY, title TEXT NOT NULL, author_id INTEGER REFERENCES authors(id),
    genre TEXT, published_year INTEGER, pages INTEGER);
CREATE TABLE members (id INTEGER PRIMARY KEY, full_name TEXT, city TEXT, joined_on DATE);
CREATE TABLE loans (
    id INTEGER PRIMARY KEY, book_id INTEGER REFERENCES books(id),
    member_id INTEGER REFERENCES members(id), loan_date DATE);
"""
LIBRARY_ROWS = {
    "authors": [
        (1, "Ursula Vance", "Canada"),
        (2, "Tomas Reyes", "Spain"),
        (3, "Mei Lin", "Canada"),
        (4, "Odile Brun", "France"),
    ],
    "books": [
        (1, "The Salt Road", 1, "Fantasy", 1998, 420),
        (2, "Ember Gate", 1, "Fantasy", 2004, 380),
        (3, "Quiet Rivers", 2, "Drama", 2012, 250),
        (4, "Glass Harbor", 3, "Mystery", 2019, 310),
        (5, "North Lights", 3, "Fantasy", 2021, 510),
        (6, "The Last Ledger", 4, "Mystery", 1995, 198),
        (7, "Paper Moons", 3, "Poetry", 2008, 120),
        (8, "Iron Orchard", 1, "Drama", 2016, 460),
        (9, "Winter Almanac", 1, "Drama", 2010, 275),
    ],
    "members": [
        (1, "Ana Sousa", "Porto", "2021-02-11"),
        (2, "Ben Carter", "Lisbon", "2022-07-01"),
        (3, "Chen Wu", "Porto", "2023-05-20"),
        (4, "Dana Oliveira", "Lisbon", "2024-01-15"),
        (5, "Eli Moreau", "Braga", "2024-09-30"),
    ],
    "loans": [
        (1, 1, 1, "2023-03-02"),
        (2, 2, 1, "2023-11-19"),
        (3, 3, 1, "2024-01-05"),
        (4, 5, 1, "2024-06-12"),
        (5, 4, 2, "2024-02-14"),
        (6, 6, 2, "2024-08-30"),
        (7, 7, 3, "2023-12-24"),
        (8, 8, 4, "2025-01-08"),
        (9, 1, 4, "2024-04-01"),
        (10, 5, 5, "2025-02-17"),
    ],
}

FLEET_DDL = """
CREATE TABLE vehicles (
    id INTEGER PRIMARY KEY, make TEXT, vehicleType TEXT, capacityKg INTEGER, purchaseDate DATE);
CREATE TABLE drivers (driverId INTEGER PRIMARY KEY, fullName TEXT, licenseClass TEXT);
CREATE TABLE trips (
    id INTEGER PRIMARY KEY, vehicle_id INTEGER REFERENCES vehicles(id),
    driverId INTEGER REFERENCES drivers(driverId), trip_date DATE, distance_km REAL,
    fuel_liters REAL);
"""
FLEET_ROWS = {
    "vehicles": [
        (1, "Volvo", "Truck", 18000, "2020-05-01"),
        (2, "Scania", "Truck", 20000, "2022-02-10"),
        (3, "Ford", "Van", 1500, "2021-09-15"),
        (4, "Iveco", "Van", 1200, "2023-03-03"),
    ],
    "drivers": [(1, "Ana Costa", "C"), (2, "Piotr Nowak", "C"), (3, "Sara Lind", "B")],
    "trips": [
        (1, 1, 1, "2024-01-03", 420.0, 130.5),
        (2, 1, 2, "2024-02-11", 380.5, 121.0),
        (3, 2, 1, "2024-03-09", 510.0, 160.2),
        (4, 3, 3, "2024-03-15", 95.0, 11.4),
        (5, 4, 3, "2024-05-21", 140.0, 15.9),
        (6, 2, 2, "2025-01-07", 610.0, 190.0),
        (7, 3, 1, "2025-02-02", 60.0, 7.7),
    ],
}


@pytest.fixture(scope="session")
def embedder() -> MiniLMEmbedder:
    return MiniLMEmbedder()


@pytest.fixture(scope="session")
def engine(embedder) -> BuiltinEngine:
    return BuiltinEngine(embedder=embedder)


@pytest.fixture(scope="session")
def library(tmp_path_factory) -> Domain:
    return sqlite_domain(
        tmp_path_factory.mktemp("library") / "library.sqlite", LIBRARY_DDL, LIBRARY_ROWS
    )


@pytest.fixture(scope="session")
def fleet(tmp_path_factory) -> Domain:
    return sqlite_domain(tmp_path_factory.mktemp("fleet") / "fleet.sqlite", FLEET_DDL, FLEET_ROWS)


@pytest.fixture(scope="session")
def shop(tmp_path_factory) -> Domain:
    return sqlite_domain(create_demo_database(tmp_path_factory.mktemp("demo") / "shop.sqlite"))
