"""Fixtures: a fresh database with 50 ``items`` rows on SQLite, PostgreSQL and MariaDB."""

from tests.helpers.items import mariadb_db, postgres_db, sqlite_db  # noqa: F401
