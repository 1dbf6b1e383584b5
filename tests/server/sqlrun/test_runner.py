"""The query runner against real databases: SQLite, PostgreSQL and MariaDB.

Each backend gets a fresh database with an ``items`` table of 50 rows. The tests check what a
user sees: rows, the row cap, read-only execution even past the guard, timeouts, cancellation,
unreachable databases and database errors, with no password in any message.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from askdb_server.errors import (
    DatabaseUnreachableError,
    QueryCancelledError,
    QueryFailedError,
    QueryTimeoutError,
    UnknownTableError,
    UnsafeSQLError,
)
from askdb_server.schemas.model import Column, Schema, Table
from askdb_server.sqlrun.connections import ConnectionRegistry
from askdb_server.sqlrun.runner import QueryResult, QueryRunner
from tests.helpers.items import ROWS, Database

ITEMS_SCHEMA = Schema(
    tables=(Table("items", (Column("id"), Column("name"), Column("price"), Column("added"))),)
)


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("mariadb", marks=pytest.mark.mariadb),
    ]
)
def db(request: pytest.FixtureRequest) -> Database:
    return request.getfixturevalue(f"{request.param}_db")


@pytest.fixture
def runner() -> Iterator[QueryRunner]:
    connections = ConnectionRegistry()
    yield QueryRunner(connections, timeout_s=10, row_cap=1000)
    connections.dispose()


def test_a_query_returns_json_safe_rows(db: Database, runner: QueryRunner) -> None:
    result = runner.run(db.url, "SELECT id, name, price, added FROM items ORDER BY id")
    assert isinstance(result, QueryResult)
    assert [c.lower() for c in result.columns] == ["id", "name", "price", "added"]
    assert result.row_count == ROWS and len(result.rows) == ROWS
    assert result.truncated is False
    assert result.rows[0][:3] == [1, "item 1", 1.5]
    assert result.rows[0][3] == "2024-01-02"
    assert result.elapsed_ms >= 0
    assert json.loads(json.dumps(result.to_dict()))["rows"][1][1] == "item 2"


def test_the_row_cap_truncates(db: Database, runner: QueryRunner) -> None:
    result = runner.run(db.url, "SELECT id FROM items ORDER BY id", row_cap=10)
    assert result.rows == [[i] for i in range(1, 11)]
    assert result.row_count == 10 and result.truncated is True
    exact = runner.run(db.url, "SELECT id FROM items", row_cap=ROWS)
    assert exact.row_count == ROWS and exact.truncated is False


def test_the_runner_default_row_cap_applies(db: Database) -> None:
    connections = ConnectionRegistry()
    try:
        result = QueryRunner(connections, row_cap=7).run(db.url, "SELECT id FROM items")
    finally:
        connections.dispose()
    assert result.row_count == 7 and result.truncated is True


@pytest.mark.parametrize(
    "write",
    [
        "INSERT INTO items (id, name) VALUES (999, 'sneaky')",
        "UPDATE items SET name = 'changed'",
        "DELETE FROM items",
        "DROP TABLE items",
        "CREATE TABLE sneaky (a INT)",
    ],
)
def test_a_write_past_the_guard_is_refused_by_the_read_only_transaction(
    db: Database, runner: QueryRunner, write: str
) -> None:
    with pytest.raises(QueryFailedError) as info:
        runner._execute(db.url, write)  # bypasses check_sql on purpose
    message = info.value.message.lower()
    assert "read" in message and "only" in message
    assert db.count() == ROWS
    assert db.tables() == {"items"}
    assert runner.run(db.url, "SELECT count(*) FROM items").rows == [[ROWS]]


@pytest.mark.parametrize(
    "unsafe",
    [
        "DELETE FROM items",
        "SELECT 1; DROP TABLE items",
        "SELECT 1 --\n; DELETE FROM items",
        "WITH gone AS (DELETE FROM items RETURNING *) SELECT * FROM gone",
        "DROP TABLE items",
    ],
)
def test_unsafe_sql_never_reaches_the_database(
    db: Database, runner: QueryRunner, unsafe: str
) -> None:
    with pytest.raises(UnsafeSQLError):
        runner.run(db.url, unsafe)
    assert db.tables() == {"items"}
    assert db.count() == ROWS


def test_the_guard_reads_sql_the_way_the_database_will(tmp_path: Path, runner: QueryRunner) -> None:
    # PostgreSQL nests block comments, SQLite does not: read as postgres this is "SELECT 1"
    # plus a comment, but SQLite would call load_extension.
    path = tmp_path / "x.sqlite"
    sqlite3.connect(path).close()
    sneaky = "SELECT 1 /* /* */, load_extension('x') --*/"
    with pytest.raises(UnsafeSQLError, match="LOAD_EXTENSION"):
        runner.run(f"sqlite:///{path}", sneaky, dialect="postgres")


def test_the_schema_is_checked_before_running(db: Database, runner: QueryRunner) -> None:
    with pytest.raises(UnknownTableError):
        runner.run(db.url, "SELECT * FROM itemz", schema=ITEMS_SCHEMA)
    assert runner.run(db.url, "SELECT name FROM items", schema=ITEMS_SCHEMA).row_count == ROWS


def test_a_long_query_times_out(db: Database, runner: QueryRunner) -> None:
    started = time.monotonic()
    with pytest.raises(QueryTimeoutError) as info:
        runner.run(db.url, db.slow_sql, timeout_s=1)
    assert 0.9 <= time.monotonic() - started < 6
    assert "1 s statement timeout" in info.value.message
    assert runner.run(db.url, "SELECT count(*) FROM items").rows == [[ROWS]]


def test_a_query_can_be_cancelled_from_another_thread(db: Database, runner: QueryRunner) -> None:
    cancel = threading.Event()
    timer = threading.Timer(0.5, cancel.set)
    timer.start()
    started = time.monotonic()
    try:
        with pytest.raises(QueryCancelledError):
            runner.run(db.url, db.slow_sql, cancel=cancel)
    finally:
        timer.cancel()
    assert 0.4 <= time.monotonic() - started < 5
    started = time.monotonic()
    assert runner.run(db.url, "SELECT count(*) FROM items").rows == [[ROWS]]
    assert time.monotonic() - started < 1


def test_a_query_cancelled_before_it_starts_does_not_run(db: Database, runner: QueryRunner) -> None:
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(QueryCancelledError):
        runner.run(db.url, "SELECT * FROM items", cancel=cancel)


def test_percent_signs_and_placeholders_reach_the_database_untouched(
    db: Database, runner: QueryRunner
) -> None:
    result = runner.run(db.url, "SELECT 'a%b' AS p, '%s %(x)s' AS q FROM items WHERE id = 1")
    assert result.rows == [["a%b", "%s %(x)s"]]


def test_a_database_error_is_a_query_failure(db: Database, runner: QueryRunner) -> None:
    with pytest.raises(QueryFailedError) as info:
        runner.run(db.url, "SELECT no_such_column FROM items")
    message = info.value.message
    assert "no_such_column" in message
    assert "Traceback" not in message and "\n" not in message
    with pytest.raises(QueryFailedError):
        runner.run(db.url, "SELECT * FROM no_such_table")
    assert runner.run(db.url, "SELECT count(*) FROM items").rows == [[ROWS]]


def _assert_unreachable_without_password(runner: QueryRunner, url: str) -> None:
    with pytest.raises(DatabaseUnreachableError) as info:
        runner.run(url, "SELECT 1")
    assert "sekret" not in info.value.message
    assert "sekret" not in json.dumps(info.value.to_problem())
    assert "***" in info.value.message


@pytest.mark.postgres
@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://askdb:sekret@127.0.0.1:1/shop",
        "postgresql://postgres:sekret@127.0.0.1:5432/askdb_no_such_database",
    ],
)
def test_an_unreachable_postgres_hides_the_password(runner: QueryRunner, url: str) -> None:
    _assert_unreachable_without_password(runner, url)


@pytest.mark.mariadb
@pytest.mark.parametrize(
    "url",
    [
        "mysql+pymysql://root:sekret@127.0.0.1:1/shop",
        "mysql://root:sekret@127.0.0.1:3306/askdb_no_such_database",
    ],
)
def test_an_unreachable_mariadb_hides_the_password(runner: QueryRunner, url: str) -> None:
    _assert_unreachable_without_password(runner, url)


def test_a_missing_sqlite_file_is_unreachable_and_not_created(
    tmp_path: Path, runner: QueryRunner
) -> None:
    missing = tmp_path / "missing.sqlite"
    with pytest.raises(DatabaseUnreachableError) as info:
        runner.run(f"sqlite:///{missing}", "SELECT 1")
    assert "missing.sqlite" in info.value.message
    assert not missing.exists()


def test_a_sqlite_file_deleted_after_first_use_is_unreachable(
    tmp_path: Path, runner: QueryRunner
) -> None:
    path = tmp_path / "gone.sqlite"
    sqlite3.connect(path).execute("CREATE TABLE t (a INT)").connection.close()
    url = f"sqlite:///{path}"
    assert runner.run(url, "SELECT count(*) FROM t").rows == [[0]]
    runner.connections.dispose()
    path.unlink()
    with pytest.raises(DatabaseUnreachableError):
        runner.run(url, "SELECT count(*) FROM t")
    assert not path.exists()


@pytest.mark.postgres
def test_postgres_values_are_json_safe(postgres_db: Database, runner: QueryRunner) -> None:
    result = runner.run(
        postgres_db.url,
        "SELECT 2.50::numeric AS price, sum(id) AS total, "
        "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS id, '\\xdead'::bytea AS raw, "
        "timestamp '2024-05-06 07:08:09' AS at, interval '1 day' AS span, "
        "'NaN'::float8 AS nan, ARRAY[1, 2] AS arr FROM items",
    )
    assert result.rows == [
        [
            2.5,
            ROWS * (ROWS + 1) // 2,
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
            "dead",
            "2024-05-06T07:08:09",
            "1 day, 0:00:00",
            "nan",
            [1, 2],
        ]
    ]
    json.dumps(result.to_dict(), allow_nan=False)


@pytest.mark.mariadb
def test_mariadb_session_settings_do_not_leak_into_the_pool(
    mariadb_db: Database, runner: QueryRunner
) -> None:
    runner.run(mariadb_db.url, "SELECT id FROM items", row_cap=3, timeout_s=2)
    engine = runner.connections.engine_for(mariadb_db.url)
    with engine.connect() as c:
        read_only, limit, timeout = c.execute(
            sa.text(
                "SELECT @@session.tx_read_only, @@session.sql_select_limit, "
                "@@session.max_statement_time"
            )
        ).one()
    assert read_only == 0
    assert limit > 10**9
    assert float(timeout) == 0.0
