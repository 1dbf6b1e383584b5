"""The runner as an access boundary on real servers: privileged roles, pinned session settings,
pooled connections reset between queries, and caps that bound rows, bytes and time.

The databases come from tests/helpers/items.py (a fresh database with 50 ``items`` rows each).
``_execute`` runs SQL past the guard on purpose, to show what the runner does on its own.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pymysql
import pytest
import sqlalchemy as sa

from askdb_server.errors import PrivilegedConnectionError, QueryFailedError, UnsafeSQLError
from askdb_server.sqlrun.connections import ConnectionRegistry
from askdb_server.sqlrun.guard import QueryPolicy
from askdb_server.sqlrun.runner import MYSQL_SQL_MODE, QueryRunner
from tests.helpers.items import ROWS, Database

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def runner() -> Iterator[QueryRunner]:
    connections = ConnectionRegistry()
    yield QueryRunner(connections, timeout_s=5, row_cap=1000)
    connections.dispose()


@pytest.fixture
def shared_runner() -> Iterator[QueryRunner]:
    connections = ConnectionRegistry()
    yield QueryRunner(connections, timeout_s=5, row_cap=1000, refuse_privileged=True)
    connections.dispose()


def _pg_admin(url: str) -> psycopg.Connection:
    u = sa.make_url(url)
    return psycopg.connect(
        host=u.host, port=u.port or 5432, user=u.username, dbname=u.database, autocommit=True
    )


@pytest.fixture
def pg_reader(postgres_db: Database) -> Iterator[str]:
    """A SELECT-only role on the test database, as the README recommends."""
    role = f"askdb_ro_{uuid.uuid4().hex[:8]}"
    u = sa.make_url(postgres_db.url)
    with _pg_admin(postgres_db.url) as c:
        c.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'ro-pass'")
        c.execute(f"GRANT CONNECT ON DATABASE {u.database} TO {role}")
        c.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
        c.execute(f"GRANT SELECT ON items TO {role}")
    yield u.set(username=role, password="ro-pass").render_as_string(hide_password=False)
    with _pg_admin(postgres_db.url) as c:
        c.execute(
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}'"
        )
        c.execute(f"REVOKE ALL ON items FROM {role}")
        c.execute(f"REVOKE ALL ON SCHEMA public FROM {role}")
        c.execute(f"REVOKE ALL ON DATABASE {u.database} FROM {role}")
        c.execute(f"DROP ROLE {role}")


# -- privileged roles -----------------------------------------------------------------------
@pytest.mark.postgres
def test_a_shared_deployment_refuses_a_superuser_unless_overridden(
    postgres_db: Database,
    shared_runner: QueryRunner,
) -> None:
    with pytest.raises(PrivilegedConnectionError) as info:
        shared_runner.run(postgres_db.url, "SELECT count(*) FROM items")
    assert "superuser" in info.value.message and "read-only" in info.value.message
    assert info.value.to_problem()["status"] == 403
    forced = shared_runner.run(
        postgres_db.url, "SELECT count(*) FROM items", policy=QueryPolicy(allow_privileged=True)
    )
    assert forced.rows == [[ROWS]] and forced.warnings == []


@pytest.mark.postgres
def test_a_local_deployment_warns_once_about_a_superuser(
    postgres_db: Database,
    runner: QueryRunner,
) -> None:
    first = runner.run(postgres_db.url, "SELECT count(*) FROM items")
    assert first.rows == [[ROWS]]
    assert len(first.warnings) == 1 and "privileged" in first.warnings[0]
    assert runner.run(postgres_db.url, "SELECT 1").warnings == []


@pytest.mark.postgres
def test_a_select_only_role_is_not_privileged(pg_reader: str, shared_runner: QueryRunner) -> None:
    result = shared_runner.run(pg_reader, "SELECT count(*) FROM items")
    assert result.rows == [[ROWS]] and result.warnings == []


@pytest.mark.mariadb
def test_mariadb_root_is_privileged(mariadb_db: Database, shared_runner: QueryRunner) -> None:
    with pytest.raises(PrivilegedConnectionError) as info:
        shared_runner.run(mariadb_db.url, "SELECT count(*) FROM items")
    assert "ALL PRIVILEGES" in info.value.message or "FILE" in info.value.message


@pytest.mark.mariadb
def test_a_mariadb_select_only_user_is_not_privileged(
    mariadb_db: Database,
    shared_runner: QueryRunner,
) -> None:
    u = sa.make_url(mariadb_db.url)
    user = f"ro_{uuid.uuid4().hex[:8]}"
    admin = pymysql.connect(host=u.host, port=u.port or 3306, user=u.username, autocommit=True)
    try:
        with admin.cursor() as c:
            c.execute(f"CREATE USER '{user}'@'%' IDENTIFIED BY 'ro-pass'")
            c.execute(f"GRANT SELECT ON `{u.database}`.* TO '{user}'@'%'")
        url = u.set(username=user, password="ro-pass").render_as_string(hide_password=False)
        result = shared_runner.run(url, "SELECT count(*) FROM items")
        assert result.rows == [[ROWS]] and result.warnings == []
    finally:
        shared_runner.connections.dispose()
        with admin.cursor() as c:
            c.execute(f"DROP USER '{user}'@'%'")
        admin.close()


# -- pinned settings and reset connections --------------------------------------------------
@pytest.mark.postgres
def test_postgres_lexing_settings_are_pinned_whatever_the_database_default(
    postgres_db: Database,
    runner: QueryRunner,
) -> None:
    database = sa.make_url(postgres_db.url).database
    with _pg_admin(postgres_db.url) as c:
        c.execute(f"ALTER DATABASE {database} SET standard_conforming_strings = off")
        c.execute(f"ALTER DATABASE {database} SET search_path = pg_temp, other, public")
    result = runner._execute(
        postgres_db.url,
        "SELECT current_setting('standard_conforming_strings'), "
        "current_setting('search_path'), 'a\\b'",
    )
    assert result.rows == [["on", "public", "a\\b"]]


@pytest.mark.postgres
def test_postgres_session_state_does_not_outlive_a_query(
    postgres_db: Database,
    runner: QueryRunner,
) -> None:
    runner._execute(
        postgres_db.url, "SELECT pg_advisory_lock(4242), set_config('askdb.x', 'leak', false)"
    )
    with _pg_admin(postgres_db.url) as c:
        held = c.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242"
        )
        assert held.fetchone()[0] == 0
    again = runner._execute(postgres_db.url, "SELECT current_setting('askdb.x', true)")
    assert again.rows in ([[None]], [[""]])


@pytest.mark.mariadb
def test_mariadb_session_state_does_not_outlive_a_query(
    mariadb_db: Database,
    runner: QueryRunner,
) -> None:
    runner._execute(
        mariadb_db.url, "SELECT GET_LOCK('askdb_boundary', 0), @v := 'leak', LAST_INSERT_ID(77)"
    )
    u = sa.make_url(mariadb_db.url)
    other = pymysql.connect(host=u.host, port=u.port or 3306, user=u.username)
    try:
        with other.cursor() as c:
            c.execute("SELECT IS_USED_LOCK('askdb_boundary')")
            assert c.fetchone()[0] is None
    finally:
        other.close()
    after = runner._execute(mariadb_db.url, "SELECT @v, LAST_INSERT_ID(), @@sql_mode")
    assert after.rows[0][0] is None and after.rows[0][1] == 0
    assert after.rows[0][2] == MYSQL_SQL_MODE


# -- caps -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "which",
    [
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("mariadb", marks=pytest.mark.mariadb),
    ],
)
def test_a_querys_own_limit_cannot_lift_the_row_cap(
    which: str, request: pytest.FixtureRequest, runner: QueryRunner
) -> None:
    db = request.getfixturevalue(f"{which}_db")
    result = runner.run(db.url, "SELECT a.id FROM items a, items b LIMIT 1000000", row_cap=10)
    assert result.row_count == 10 and result.truncated_reason == "rows"


@pytest.mark.parametrize(
    "which",
    [
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("mariadb", marks=pytest.mark.mariadb),
    ],
)
def test_the_byte_cap_cuts_big_rows_while_reading(
    which: str, request: pytest.FixtureRequest
) -> None:
    db = request.getfixturevalue(f"{which}_db")
    connections = ConnectionRegistry()
    runner = QueryRunner(connections, timeout_s=10, byte_cap=50_000)
    pad = {
        "sqlite": "printf('%.*c', 10000, 'x')",
        "postgres": "repeat('x', 10000)",
        "mariadb": "REPEAT('x', 10000)",
    }[which]
    try:
        result = runner.run(
            db.url, f"SELECT id, {pad} AS pad FROM items", policy=QueryPolicy(allow_privileged=True)
        )
    finally:
        connections.dispose()
    assert result.truncated is True and result.truncated_reason == "bytes"
    assert 1 <= result.row_count <= 5
    # The connection went back clean (or was discarded): the next query works.
    connections2 = ConnectionRegistry()
    try:
        assert QueryRunner(connections2).run(db.url, "SELECT count(*) FROM items").rows == [[ROWS]]
    finally:
        connections2.dispose()


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT length(printf('%.*c', 1000000000, 'x'))",
        "SELECT length(zeroblob(1000000000))",
        "SELECT length(replace(printf('%.*c', 3000000, 'a'), 'a', printf('%.*c', 1000, 'b')))",
        "SELECT instr(printf('%.*c', 3000000, 'a'), printf('%.*c', 1500000, 'a') || 'b')",
        "SELECT printf('%.*c', 3000000, 'a') LIKE '%a%a%a%a%a%a%a%a%a%a%a%a%b'",
    ],
)
def test_one_slow_sqlite_step_is_bounded(tmp_path: Path, runner: QueryRunner, sql: str) -> None:
    path = tmp_path / "x.sqlite"
    sqlite3.connect(path).close()
    started = time.monotonic()
    try:
        runner.run(f"sqlite:///{path}", sql, timeout_s=2)
    except QueryFailedError:
        pass  # "string or blob too big": refused at once, which is the point
    except Exception as e:  # a timeout is fine too, as long as it comes on time
        assert "timeout" in type(e).__name__.lower()
    assert time.monotonic() - started < 4


def test_sqlite_user_state_is_not_kept_between_queries(tmp_path: Path, runner: QueryRunner) -> None:
    path = tmp_path / "x.sqlite"
    sqlite3.connect(path).close()
    url = f"sqlite:///{path}"
    runner._execute(url, "SELECT 1")
    with pytest.raises(QueryFailedError):
        runner._execute(url, "CREATE TEMP TABLE t AS SELECT 1 AS a")
    with pytest.raises(UnsafeSQLError):
        runner.run(url, "SELECT * FROM temp.t")


def test_sqlites_printf_still_formats_as_sqlite_does(tmp_path: Path, runner: QueryRunner) -> None:
    path = tmp_path / "x.sqlite"
    sqlite3.connect(path).close()
    sql = "SELECT printf('%5.2f|%-4s|%d|%.*c|%%|%q', 3.14159, 'ab', 7, 3, 'z', 'it''s')"
    expected = sqlite3.connect(":memory:").execute(sql).fetchone()[0]
    assert runner.run(f"sqlite:///{path}", sql).rows == [[expected]]
    assert runner.run(f"sqlite:///{path}", "SELECT format('%s-%s', 1, NULL)").rows == [["1-"]]
