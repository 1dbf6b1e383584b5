"""Database URLs of user databases: validation, driver choice and redaction."""

from __future__ import annotations

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from ..errors import InvalidDatabaseURLError

# backend name -> (driver we install, sqlglot dialect)
SUPPORTED_BACKENDS: dict[str, tuple[str | None, str]] = {
    "sqlite": (None, "sqlite"),
    "postgresql": ("psycopg", "postgres"),
    "postgres": ("psycopg", "postgres"),
    "mysql": ("pymysql", "mysql"),
    "mariadb": ("pymysql", "mysql"),
    "duckdb": (None, "duckdb"),
}


def parse_database_url(url: str) -> URL:
    """Parse and normalise a user database URL, or raise ``InvalidDatabaseURLError``."""
    if not url or not url.strip():
        raise InvalidDatabaseURLError("The database URL is empty.")
    try:
        parsed = make_url(url.strip())
    except ArgumentError as e:
        raise InvalidDatabaseURLError(
            f"Not a database URL: {redact(url)!r}. Expected e.g. sqlite:///path/to/file.db "
            "or postgresql://user@host/dbname."
        ) from e
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED_BACKENDS:
        raise InvalidDatabaseURLError(
            f"Unsupported database {backend!r}; "
            "supported: sqlite, postgresql, mysql, mariadb, duckdb."
        )
    driver, _ = SUPPORTED_BACKENDS[backend]
    if backend == "postgres":
        parsed = parsed.set(drivername="postgresql")
        backend = "postgresql"
    if driver and parsed.drivername == backend:
        parsed = parsed.set(drivername=f"{backend}+{driver}")
    return parsed


def sqlglot_dialect(url: URL | str) -> str:
    """The sqlglot dialect name for a database URL."""
    parsed = make_url(url) if isinstance(url, str) else url
    return SUPPORTED_BACKENDS[parsed.get_backend_name()][1]


def redact(url: URL | str) -> str:
    """The URL with its password replaced by ``***`` (safe to show and return)."""
    try:
        parsed = make_url(url) if isinstance(url, str) else url
    except ArgumentError:
        return "<unparseable URL>"
    return parsed.render_as_string(hide_password=True)


def render(url: URL) -> str:
    return url.render_as_string(hide_password=False)
