"""The SQL guard: unsafe SQL is refused with a reason, valid read-only queries pass."""

from __future__ import annotations

import pytest

from askdb_server.errors import (
    InvalidInputError,
    SQLSyntaxError,
    UnknownColumnError,
    UnknownTableError,
    UnsafeSQLError,
)
from askdb_server.schemas.model import Column, Schema, Table
from askdb_server.sqlrun.guard import CheckedQuery, check_sql

SCHEMA = Schema(
    tables=(
        Table(
            "customers",
            (Column("id", "INTEGER"), Column("name", "TEXT"), Column("city", "TEXT")),
        ),
        Table(
            "orders",
            (
                Column("id", "INTEGER"),
                Column("customer_id", "INTEGER"),
                Column("total", "NUMERIC"),
                Column("status", "TEXT"),
                Column("created_at", "TIMESTAMP"),
            ),
        ),
        Table("Order Items", (Column("order_id", "INTEGER"), Column("qty", "INTEGER"))),
    )
)

# (dialect, sql, a word the refusal's reason must contain)
UNSAFE = [
    # writes
    ("sqlite", "INSERT INTO orders VALUES (1, 1, 2, 'x', '2024-01-01')", "INSERT"),
    ("postgres", "UPDATE orders SET total = 0", "UPDATE"),
    ("mysql", "DELETE FROM orders", "DELETE"),
    (
        "postgres",
        "MERGE INTO orders o USING customers c ON o.id = c.id WHEN MATCHED THEN DELETE",
        "MERGE",
    ),
    ("sqlite", "REPLACE INTO orders (id) VALUES (1)", "REPLACE"),
    ("mysql", "REPLACE INTO orders (id) VALUES (1)", "REPLACE"),
    # DDL
    ("postgres", "CREATE TABLE x (a int)", "CREATE"),
    ("sqlite", "DROP TABLE orders", "DROP"),
    ("mysql", "ALTER TABLE orders ADD COLUMN x INT", "ALTER"),
    ("postgres", "TRUNCATE orders", "TRUNCATE"),
    ("mysql", "RENAME TABLE orders TO o2", "RENAME"),
    ("postgres", "CREATE VIEW v AS SELECT 1", "CREATE"),
    # more than one statement, comment tricks
    ("sqlite", "SELECT 1; DROP TABLE x", "one statement"),
    ("postgres", "SELECT 1;DELETE FROM orders;", "one statement"),
    ("sqlite", "SELECT 1 --\n; DELETE FROM orders", "one statement"),
    ("postgres", "SELECT 1 /* harmless */; /* */ DROP TABLE orders", "one statement"),
    ("mysql", "SELECT 1 # comment\n; UPDATE orders SET total = 0", "one statement"),
    ("postgres", "/* SELECT 1 */ DELETE FROM orders", "DELETE"),
    ("mysql", "SELECT 1 /*!50000 , SLEEP(10) */", "executable comment"),
    ("mysql", "SELECT * FROM orders /*! INTO OUTFILE '/tmp/x' */", "executable comment"),
    ("sqlite", "", "empty"),
    ("postgres", "  ;  -- nothing here\n", "empty"),
    # session and transaction control
    ("postgres", "SET statement_timeout = 0", "SET"),
    ("mysql", "SET GLOBAL max_connections = 1", "SET"),
    ("postgres", "SELECT 1; SET ROLE postgres", "one statement"),
    ("postgres", "BEGIN", "BEGIN"),
    ("sqlite", "COMMIT", "COMMIT"),
    ("postgres", "ROLLBACK", "ROLLBACK"),
    ("postgres", "SAVEPOINT a", "SAVEPOINT"),
    ("mysql", "START TRANSACTION", "START"),
    ("postgres", "RESET ALL", "RESET"),
    # SQLite specials
    ("sqlite", "PRAGMA writable_schema = 1", "PRAGMA"),
    ("sqlite", "PRAGMA query_only = OFF", "PRAGMA"),
    ("sqlite", "PRAGMA table_info(orders)", "PRAGMA"),
    ("sqlite", "ATTACH DATABASE '/tmp/evil.db' AS evil", "ATTACH"),
    ("sqlite", "DETACH DATABASE evil", "DETACH"),
    ("sqlite", "VACUUM", "VACUUM"),
    ("sqlite", "VACUUM INTO '/tmp/copy.db'", "VACUUM"),
    ("postgres", "ANALYZE orders", "ANALYZE"),
    # files, permissions, procedures, locks, extensions
    ("postgres", "COPY orders TO '/tmp/orders.csv'", "COPY"),
    ("postgres", "COPY (SELECT 1) TO PROGRAM 'rm -rf /'", "COPY"),
    ("postgres", "GRANT SELECT ON orders TO public", "GRANT"),
    ("postgres", "REVOKE SELECT ON orders FROM public", "REVOKE"),
    ("postgres", "CALL refresh_all()", "CALL"),
    ("mysql", "CALL sys.ps_setup_reset_to_default(TRUE)", "CALL"),
    ("postgres", "EXECUTE stmt", "EXECUTE"),
    ("postgres", "DO $$ BEGIN DELETE FROM orders; END $$", "DO"),
    ("postgres", "LOCK TABLE orders IN ACCESS EXCLUSIVE MODE", "LOCK"),
    ("mysql", "LOCK TABLES orders WRITE", "LOCK"),
    ("duckdb", "LOAD httpfs", "LOAD"),
    ("duckdb", "INSTALL httpfs", "INSTALL"),
    ("mysql", "LOAD DATA INFILE '/etc/passwd' INTO TABLE orders", "LOAD"),
    ("postgres", "EXPLAIN ANALYZE DELETE FROM orders", "EXPLAIN"),
    # SELECT forms that write or lock
    ("postgres", "SELECT * INTO orders_copy FROM orders", "INTO"),
    ("mysql", "SELECT * FROM orders INTO OUTFILE '/tmp/o.csv'", "INTO"),
    ("mysql", "SELECT * INTO DUMPFILE '/tmp/o.bin' FROM orders", "INTO"),
    ("mysql", "SELECT total INTO @t FROM orders LIMIT 1", "INTO"),
    ("postgres", "SELECT * FROM orders FOR UPDATE", "FOR UPDATE"),
    ("postgres", "SELECT * FROM orders o JOIN customers c ON c.id = o.id FOR SHARE", "FOR"),
    ("mysql", "SELECT * FROM orders LOCK IN SHARE MODE", "FOR UPDATE/SHARE"),
    ("postgres", "SELECT * FROM (SELECT * FROM orders FOR UPDATE) s", "FOR UPDATE"),
    # writable CTEs and writes nested anywhere
    ("postgres", "WITH gone AS (DELETE FROM orders RETURNING *) SELECT * FROM gone", "DELETE"),
    ("postgres", "WITH x AS (UPDATE orders SET total = 0 RETURNING id) SELECT * FROM x", "UPDATE"),
    ("postgres", "WITH x AS (INSERT INTO orders (id) VALUES (9) RETURNING id) TABLE x", "INSERT"),
    ("postgres", "WITH x AS (INSERT INTO orders (id) VALUES (9) RETURNING id) SELECT 1", "INSERT"),
    # deny-listed functions, top level and nested
    ("postgres", "SELECT pg_sleep(10)", "PG_SLEEP"),
    ("postgres", "SELECT pg_catalog.pg_sleep(10)", "PG_SLEEP"),
    ("postgres", "SELECT * FROM pg_sleep_for('5 minutes')", "PG_SLEEP_FOR"),
    ("postgres", "SELECT pg_read_file('/etc/passwd')", "PG_READ_FILE"),
    ("postgres", "SELECT * FROM orders WHERE id IN (SELECT 1 FROM pg_ls_dir('.'))", "PG_LS_DIR"),
    ("postgres", "WITH f AS (SELECT lo_import('/etc/passwd') AS oid) SELECT * FROM f", "LO_IMPORT"),
    ("postgres", "SELECT * FROM dblink('host=evil', 'DELETE FROM t') AS t(a int)", "DBLINK"),
    ("postgres", "SELECT set_config('default_transaction_read_only', 'off', false)", "SET_CONFIG"),
    ("postgres", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity", "PG_TERMINATE_BACKEND"),
    ("postgres", "SELECT nextval('orders_id_seq')", "NEXTVAL"),
    ("postgres", "SELECT pg_advisory_lock(1)", "PG_ADVISORY_LOCK"),
    ("postgres", "SELECT txid_current()", "TXID_CURRENT"),
    ("postgres", "SELECT query_to_xml('DELETE FROM orders', true, true, '')", "QUERY_TO_XML"),
    ("postgres", 'SELECT "pg_sleep"(1)', "PG_SLEEP"),
    ("sqlite", "SELECT load_extension('/tmp/evil.so')", "LOAD_EXTENSION"),
    ("sqlite", "SELECT writefile('/tmp/x', name) FROM customers", "WRITEFILE"),
    ("sqlite", "SELECT * FROM customers WHERE name = (SELECT readfile('/etc/passwd'))", "READFILE"),
    ("sqlite", "SELECT fts3_tokenizer('simple')", "FTS3_TOKENIZER"),
    ("mysql", "SELECT SLEEP(5)", "SLEEP"),
    ("mysql", "SELECT * FROM orders WHERE id = (SELECT BENCHMARK(1000, MD5('a')))", "BENCHMARK"),
    ("mysql", "SELECT LOAD_FILE('/etc/passwd')", "LOAD_FILE"),
    ("mysql", "WITH l AS (SELECT GET_LOCK('a', 10) AS g) SELECT * FROM l", "GET_LOCK"),
    ("mysql", "SELECT sys_exec('id')", "SYS_EXEC"),
    ("sqlite", "SELECT my_sleep_udf(3)", "MY_SLEEP_UDF"),
    ("duckdb", "SELECT * FROM read_csv('/etc/passwd')", "READ_CSV"),
]


@pytest.mark.parametrize(("dialect", "sql", "reason"), UNSAFE)
def test_unsafe_sql_is_refused_with_a_reason(dialect: str, sql: str, reason: str) -> None:
    with pytest.raises(UnsafeSQLError) as info:
        check_sql(sql, dialect)
    assert reason.lower() in info.value.reason.lower()
    assert info.value.to_problem()["code"] == "unsafe_sql"


def test_the_unsafe_table_is_large_and_spans_dialects() -> None:
    assert len(UNSAFE) >= 40
    assert {d for d, _, _ in UNSAFE} == {"sqlite", "postgres", "mysql", "duckdb"}


VALID = [
    ("sqlite", "SELECT * FROM customers"),
    ("sqlite", "select name, city from customers where city = 'Paris' order by name;"),
    (
        "postgres",
        "SELECT c.name, sum(o.total) AS spent FROM customers c "
        "JOIN orders o ON o.customer_id = c.id GROUP BY c.name HAVING sum(o.total) > 100 "
        "ORDER BY spent DESC LIMIT 10 OFFSET 5",
    ),
    (
        "postgres",
        "SELECT c.name FROM customers c LEFT JOIN orders o ON o.customer_id = c.id "
        "WHERE o.id IS NULL",
    ),
    (
        "mysql",
        "SELECT c.name, o.total FROM customers AS c INNER JOIN orders AS o "
        "ON c.id = o.customer_id WHERE o.status IN ('paid', 'sent')",
    ),
    (
        "postgres",
        "WITH big AS (SELECT customer_id, total FROM orders WHERE total > 50) "
        "SELECT b.customer_id, count(*) FROM big b GROUP BY b.customer_id",
    ),
    (
        "sqlite",
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5) "
        "SELECT i FROM n",
    ),
    (
        "postgres",
        "SELECT id, total, rank() OVER (PARTITION BY customer_id ORDER BY total DESC) "
        "AS r, sum(total) OVER w AS running FROM orders WINDOW w AS (ORDER BY created_at)",
    ),
    ("sqlite", "SELECT id FROM orders UNION SELECT id FROM customers ORDER BY id"),
    ("postgres", "SELECT city FROM customers INTERSECT SELECT status FROM orders"),
    ("postgres", "(SELECT id FROM orders) EXCEPT (SELECT customer_id FROM orders)"),
    (
        "mysql",
        "SELECT name FROM customers WHERE id IN (SELECT customer_id FROM orders "
        "WHERE total > (SELECT avg(total) FROM orders))",
    ),
    (
        "postgres",
        "SELECT name FROM customers c WHERE EXISTS "
        "(SELECT 1 FROM orders o WHERE o.customer_id = c.id AND status = 'paid')",
    ),
    (
        "postgres",
        "SELECT c.name, (SELECT count(*) FROM orders WHERE customer_id = c.id) AS n "
        "FROM customers c ORDER BY n DESC",
    ),
    (
        "sqlite",
        "SELECT x.c, x.n FROM (SELECT city AS c, count(*) AS n FROM customers "
        "GROUP BY city) AS x WHERE x.n > 1",
    ),
    (
        "postgres",
        "SELECT id, CASE WHEN total > 100 THEN 'big' WHEN total > 10 THEN 'mid' "
        "ELSE 'small' END AS size FROM orders",
    ),
    (
        "postgres",
        "SELECT upper(name), lower(city), length(name), substring(name from 1 for 3), "
        "name || ' ' || city, trim(city), replace(name, 'a', 'b') FROM customers",
    ),
    ("mysql", "SELECT CONCAT(name, ' (', city, ')'), LEFT(name, 2) FROM customers"),
    (
        "postgres",
        "SELECT date_trunc('month', created_at) AS m, extract(year from created_at), "
        "created_at + interval '1 day', now(), current_date FROM orders",
    ),
    (
        "mysql",
        "SELECT DATE_ADD(created_at, INTERVAL 1 DAY), YEAR(created_at), "
        "DATE_FORMAT(created_at, '%Y-%m') FROM orders",
    ),
    ("sqlite", "SELECT strftime('%Y', created_at), date(created_at, '+1 day') FROM orders"),
    ("sqlite", 'SELECT "qty", oi.order_id FROM "Order Items" AS oi'),
    ("mysql", "SELECT `qty` FROM `Order Items` LIMIT 3"),
    ("postgres", "SELECT * FROM orders LIMIT 5 OFFSET 10"),
    ("postgres", "VALUES (1, 'a'), (2, 'b')"),
    (
        "postgres",
        "SELECT count(DISTINCT customer_id), coalesce(max(total), 0), "
        "CAST(avg(total) AS numeric(10, 2)) FROM orders",
    ),
    (
        "postgres",
        "SELECT id, total FROM orders WHERE status = 'sleep' AND created_at "
        "BETWEEN '2024-01-01' AND '2024-12-31'",
    ),
    ("sqlite", "SELECT name FROM customers WHERE name LIKE '%;%' -- trailing comment"),
    ("sqlite", 'SELECT * FROM customers WHERE name = "Alice"'),
    ("duckdb", "SELECT list_transform([1, 2], x -> x + 1), count(*) FROM orders"),
    ("postgres", "SELECT n FROM generate_series(1, 3) AS g(n)"),
    ("postgres", "SELECT date_trunc('month', created_at) AS m, sum(total) FROM orders GROUP BY 1"),
    ("mysql", "SELECT DATE_FORMAT(created_at, '%Y-%m'), sum(total) FROM orders GROUP BY 1"),
    ("sqlite", "SELECT rowid, name FROM customers"),
]


@pytest.mark.parametrize(("dialect", "sql"), VALID)
def test_valid_queries_pass_with_the_schema(dialect: str, sql: str) -> None:
    checked = check_sql(sql, dialect, SCHEMA)
    assert isinstance(checked, CheckedQuery)
    assert checked.dialect == dialect
    assert not checked.sql.endswith(";")
    assert checked.sql == checked.sql.strip()


def test_the_valid_table_is_large_and_spans_dialects() -> None:
    assert len(VALID) >= 20
    assert {d for d, _ in VALID} == {"sqlite", "postgres", "mysql", "duckdb"}


def test_checked_query_is_the_text_generated_from_the_tree_and_lists_base_tables() -> None:
    checked = check_sql(
        "  WITH big AS (SELECT * FROM orders) SELECT c.name FROM customers c -- who\n"
        "JOIN big ON big.customer_id = c.id /* by name */ ORDER BY c.name ;  ",
        "postgres",
        SCHEMA,
    )
    assert checked.sql == (
        "WITH big AS (SELECT * FROM orders) SELECT c.name FROM customers AS c "
        "JOIN big ON big.customer_id = c.id ORDER BY c.name"
    )
    assert sorted(checked.tables) == ["customers", "orders"]
    assert checked.has_order_by is True


@pytest.mark.parametrize(
    ("sql", "ordered"),
    [
        ("SELECT id FROM orders", False),
        ("SELECT id FROM orders ORDER BY id", True),
        ("SELECT id FROM (SELECT id FROM orders ORDER BY id) s", False),
        ("SELECT id FROM orders UNION SELECT id FROM customers ORDER BY 1", True),
        ("(SELECT id FROM orders ORDER BY id)", True),
    ],
)
def test_has_order_by_looks_at_the_top_level_query(sql: str, ordered: bool) -> None:
    assert check_sql(sql, "postgres").has_order_by is ordered


@pytest.mark.parametrize(
    ("sql", "table", "suggestion"),
    [
        ("SELECT * FROM ordrs", "ordrs", "orders"),
        ("SELECT * FROM customers c JOIN custmers d ON c.id = d.id", "custmers", "customers"),
        (
            "SELECT * FROM orders WHERE id IN (SELECT order_id FROM order_item)",
            "order_item",
            "Order Items",
        ),
        ("WITH x AS (SELECT * FROM invoices) SELECT * FROM x", "invoices", None),
    ],
)
def test_unknown_tables_are_named_with_the_nearest_known_ones(
    sql: str, table: str, suggestion: str | None
) -> None:
    with pytest.raises(UnknownTableError) as info:
        check_sql(sql, "postgres", SCHEMA)
    assert repr(table) in info.value.message
    if suggestion:
        assert suggestion in info.value.details["suggestions"]
        assert f"Did you mean {suggestion}" in info.value.message


def test_table_names_are_matched_case_insensitively() -> None:
    assert check_sql("SELECT Name FROM CUSTOMERS", "sqlite", SCHEMA).tables == ("CUSTOMERS",)


@pytest.mark.parametrize(
    ("sql", "column", "suggestion"),
    [
        ("SELECT o.totl FROM orders o", "totl", "total"),
        ("SELECT nme FROM customers", "nme", "name"),
        (
            "SELECT c.name FROM customers c JOIN orders o ON o.custmer_id = c.id",
            "custmer_id",
            "customer_id",
        ),
        (
            "SELECT name FROM customers c WHERE EXISTS "
            "(SELECT 1 FROM orders o WHERE o.customer_id = c.idd)",
            "idd",
            "id",
        ),
        ("SELECT customers.citty FROM customers", "citty", "city"),
        ("SELECT x FROM customers WHERE name = 'a'", "x", None),
    ],
)
def test_unknown_columns_are_refused(sql: str, column: str, suggestion: str | None) -> None:
    with pytest.raises(UnknownColumnError) as info:
        check_sql(sql, "postgres", SCHEMA)
    assert column in info.value.message
    if suggestion:
        assert suggestion in info.value.details["suggestions"]


@pytest.mark.parametrize(
    ("dialect", "sql", "line"),
    [
        ("sqlite", "SELECT name FROM customers WHERE (city = 'x'", 1),
        ("postgres", "SELECT (1", 1),
        ("postgres", "SELECT *\nFROM customers\nWHERE", 3),
        ("mysql", "SELECT name FROM customers WHERE city =", 1),
    ],
)
def test_syntax_errors_say_where(dialect: str, sql: str, line: int) -> None:
    with pytest.raises(SQLSyntaxError) as info:
        check_sql(sql, dialect)
    assert info.value.details["line"] == line
    assert f"line {line}" in info.value.message


def test_unreadable_sql_is_a_syntax_error() -> None:
    with pytest.raises(SQLSyntaxError):
        check_sql("SELECT 'unterminated", "mysql")


def test_a_statement_that_is_not_a_query_names_its_first_word() -> None:
    with pytest.raises(UnsafeSQLError) as info:
        check_sql("SELEC name FROM customers", "sqlite")
    assert "SELEC" in info.value.reason


def test_without_a_schema_names_are_not_checked() -> None:
    assert check_sql("SELECT anything FROM anywhere", "postgres").tables == ("anywhere",)


@pytest.mark.parametrize(("alias", "dialect"), [("mariadb", "mysql"), ("PostgreSQL", "postgres")])
def test_dialect_aliases_are_understood(alias: str, dialect: str) -> None:
    assert check_sql("SELECT 1", alias).dialect == dialect


def test_an_unknown_dialect_is_invalid_input() -> None:
    with pytest.raises(InvalidInputError, match="Unknown SQL dialect"):
        check_sql("SELECT 1", "klingon")
