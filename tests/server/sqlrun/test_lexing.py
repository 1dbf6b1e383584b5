"""What runs is what was checked: string literals mean the same to sqlglot and to the server.

The guard sends SQL that sqlglot generated from the checked tree. That is only safe if the
server reads sqlglot's literals exactly as sqlglot does, under the settings the runner pins.
Each value below (quotes, backslashes, comment markers, non-ASCII, control characters) is
written as sqlglot writes it, run on the real server, and must come back unchanged; and
literals written the server's own way (MySQL backslash escapes, PostgreSQL E'' and dollar
quotes) must come back as the server reads the original text.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import psycopg
import pymysql
import pytest
import sqlalchemy as sa
from sqlglot import exp

from askdb_server.errors import SQLSyntaxError, UnsafeSQLError
from askdb_server.sqlrun.connections import ConnectionRegistry
from askdb_server.sqlrun.guard import QueryPolicy, check_sql
from askdb_server.sqlrun.runner import MYSQL_SQL_MODE, QueryRunner
from tests.helpers.items import Database

PIECES = [
    "'",
    "''",
    '"',
    "\\",
    "\\'",
    "\\\\",
    "`",
    "$",
    "$$",
    "$a$",
    "--",
    "-- ",
    "/*",
    "*/",
    "/*!",
    "#",
    ";",
    "%",
    "_",
    "\n",
    "\r",
    "\t",
    "é",
    "€",
    "漢",
    "\u00a0",
    "\u3000",
    "\u2028",
    "\x01",
    "\x1f",
    "a",
    "b",
    " ",
    "E'",
    "U&",
    "0x41",
    "N'",
]


def _values() -> list[str]:
    rng = random.Random(20261202)
    values = list(PIECES)
    for _ in range(150):
        values.append("".join(rng.choice(PIECES) for _ in range(rng.randint(1, 8))))
    return values


VALUES = _values()
POLICY = QueryPolicy(allow_privileged=True)


@pytest.fixture
def runner() -> Iterator[QueryRunner]:
    connections = ConnectionRegistry()
    yield QueryRunner(connections, timeout_s=10)
    connections.dispose()


@pytest.mark.parametrize(
    "which,dialect",
    [
        ("sqlite", "sqlite"),
        pytest.param("postgres", "postgres", marks=pytest.mark.postgres),
        pytest.param("mariadb", "mysql", marks=pytest.mark.mariadb),
    ],
)
def test_every_literal_sqlglot_writes_reads_back_unchanged(
    which: str, dialect: str, request: pytest.FixtureRequest, runner: QueryRunner
) -> None:
    db: Database = request.getfixturevalue(f"{which}_db")
    # One query for all the values: a column per value.
    columns = ", ".join(
        f"{exp.Literal.string(v).sql(dialect=dialect)} AS c{i}" for i, v in enumerate(VALUES)
    )
    result = runner.run(db.url, f"SELECT {columns}", policy=POLICY)
    assert result.rows == [VALUES]


MYSQL_NATIVE = [
    r"'a\'b'",
    r"'a\\b'",
    r"'a''b'",
    '"a\'b"',
    r"'\n\t\0x'",
    r"'\%\_'",
    r"'a\\\'b'",
    "'--'",
    "'#'",
    r"'\Z'",
]
PG_NATIVE = [
    r"E'a\'b'",
    r"E'a\\b'",
    r"'a\b'",
    "'a''b'",
    "$$a'b$$",
    "$q$a$$b$q$",
    r"E'\x41\n'",
    "U&'\\0041'",
]


@pytest.mark.mariadb
@pytest.mark.parametrize("literal", MYSQL_NATIVE)
def test_mysql_literals_mean_what_the_server_reads(
    literal: str,
    mariadb_db: Database,
    runner: QueryRunner,
) -> None:
    u = sa.make_url(mariadb_db.url)
    raw = pymysql.connect(host=u.host, port=u.port or 3306, user=u.username, database=u.database)
    try:
        with raw.cursor() as c:
            c.execute(f"SET NAMES utf8mb4, SESSION sql_mode = '{MYSQL_SQL_MODE}'")
            c.execute(f"SELECT {literal}")
            expected = c.fetchone()[0]
    finally:
        raw.close()
    assert runner.run(mariadb_db.url, f"SELECT {literal}", policy=POLICY).rows == [[expected]]


@pytest.mark.postgres
@pytest.mark.parametrize("literal", PG_NATIVE)
def test_postgres_literals_mean_what_the_server_reads(
    literal: str,
    postgres_db: Database,
    runner: QueryRunner,
) -> None:
    u = sa.make_url(postgres_db.url)
    with psycopg.connect(
        host=u.host, port=u.port or 5432, user=u.username, dbname=u.database
    ) as raw:
        raw.execute("SET standard_conforming_strings = on")
        expected = raw.execute(f"SELECT {literal}").fetchone()[0]
    try:
        checked = check_sql(f"SELECT {literal}", "postgres")
    except (UnsafeSQLError, SQLSyntaxError):
        return  # refused (sqlglot cannot read it the same way): nothing runs, which is safe
    assert runner.run(postgres_db.url, checked.sql, policy=POLICY).rows == [[expected]]
