"""Live introspection of real SQLite, PostgreSQL and MariaDB databases."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from askdb_server.errors import DatabaseUnreachableError
from askdb_server.schemas.introspect import introspect


@pytest.fixture
def engines() -> Iterator[list[sa.Engine]]:
    made: list[sa.Engine] = []
    yield made
    for engine in made:
        engine.dispose()


def _engine(url: str, made: list[sa.Engine]) -> sa.Engine:
    engine = sa.create_engine(url)
    made.append(engine)
    return engine


def _run(engine: sa.Engine, statements: list[str]) -> None:
    with engine.begin() as conn:
        for stmt in statements:
            conn.execute(sa.text(stmt))


def _fk(table) -> list[tuple]:
    return sorted((fk.columns, fk.ref_table, fk.ref_columns) for fk in table.foreign_keys)


def test_sqlite(tmp_path, engines) -> None:
    engine = _engine(f"sqlite:///{tmp_path / 'shop.db'}", engines)
    _run(
        engine,
        [
            "CREATE TABLE customer (id INTEGER PRIMARY KEY, name TEXT NOT NULL, note VARCHAR(20))",
            "CREATE TABLE product (sku TEXT, variant INTEGER, price NUMERIC(10, 2),"
            " PRIMARY KEY (sku, variant))",
            "CREATE TABLE line (id INTEGER PRIMARY KEY,"
            " customer_id INTEGER REFERENCES customer(id),"
            " sku TEXT, variant INTEGER,"
            " FOREIGN KEY (sku, variant) REFERENCES product (sku, variant))",
        ],
    )
    schema = introspect(engine, "sqlite")
    assert schema.dialect == "sqlite"
    assert schema.table_names == ["customer", "line", "product"]
    customer = schema.table("customer")
    assert [(c.name, c.type, c.nullable, c.primary_key) for c in customer.columns] == [
        ("id", "INTEGER", False, True),
        ("name", "TEXT", False, False),
        ("note", "VARCHAR(20)", True, False),
    ]
    assert schema.table("product").primary_key == ("sku", "variant")
    assert _fk(schema.table("line")) == [
        (("customer_id",), "customer", ("id",)),
        (("sku", "variant"), "product", ("sku", "variant")),
    ]
    assert customer.comment is None


def test_sqlite_keeps_declared_types(tmp_path, engines) -> None:
    engine = _engine(f"sqlite:///{tmp_path / 'loose.db'}", engines)
    _run(engine, ['CREATE TABLE "odd ""name""" (anything, amount money_type(8), flag boolean)'])
    [table] = introspect(engine, "sqlite").tables
    assert table.name == 'odd "name"'
    assert [(c.name, c.type) for c in table.columns] == [
        ("anything", ""),
        ("amount", "MONEY_TYPE(8)"),
        ("flag", "BOOLEAN"),
    ]


def test_postgres_default_schema_keys_and_comments(pg_url, engines) -> None:
    engine = _engine(pg_url, engines)
    _run(
        engine,
        [
            "CREATE SCHEMA other",
            "CREATE TABLE other.hidden (id int PRIMARY KEY)",
            "CREATE TABLE region (code char(2), country char(2), name text NOT NULL,"
            " PRIMARY KEY (country, code))",
            "CREATE TABLE store (id serial PRIMARY KEY, country char(2), region char(2),"
            " opened timestamptz, revenue numeric(12, 2),"
            " FOREIGN KEY (country, region) REFERENCES region (country, code))",
            "COMMENT ON TABLE store IS 'Physical shops'",
            "COMMENT ON COLUMN store.revenue IS 'Yearly revenue in EUR'",
        ],
    )
    schema = introspect(engine, "postgres")
    assert schema.dialect == "postgres"
    assert schema.table_names == ["region", "store"], "only the default schema"
    region = schema.table("region")
    assert region.primary_key == ("country", "code")
    store = schema.table("store")
    assert store.comment == "Physical shops"
    types = {c.name: c.type for c in store.columns}
    assert types == {
        "id": "INTEGER",
        "country": "CHAR(2)",
        "region": "CHAR(2)",
        "opened": "TIMESTAMP WITH TIME ZONE",
        "revenue": "NUMERIC(12, 2)",
    }
    assert store.column("revenue").comment == "Yearly revenue in EUR"
    assert store.column("id").nullable is False
    assert _fk(store) == [(("country", "region"), "region", ("country", "code"))]


def test_mariadb_keys_and_comments(mariadb_url, engines) -> None:
    engine = _engine(mariadb_url, engines)
    _run(
        engine,
        [
            "CREATE TABLE dept (dept_no CHAR(4) PRIMARY KEY, name VARCHAR(40) NOT NULL)"
            " COMMENT='Departments'",
            "CREATE TABLE dept_emp (emp_no INT NOT NULL COMMENT 'employee number',"
            " dept_no CHAR(4) NOT NULL, from_date DATE,"
            " PRIMARY KEY (emp_no, dept_no),"
            " CONSTRAINT fk_dept FOREIGN KEY (dept_no) REFERENCES dept (dept_no))"
            " ENGINE=InnoDB",
        ],
    )
    schema = introspect(engine, "mysql")
    assert schema.table_names == ["dept", "dept_emp"]
    assert schema.table("dept").comment == "Departments"
    dept_emp = schema.table("dept_emp")
    assert dept_emp.primary_key == ("emp_no", "dept_no")
    assert dept_emp.column("emp_no").comment == "employee number"
    assert dept_emp.column("from_date").nullable is True
    assert {c.name: c.type for c in dept_emp.columns}["dept_no"] == "CHAR(4)"
    assert _fk(dept_emp) == [(("dept_no",), "dept", ("dept_no",))]


def test_unreachable_server_hides_the_password(engines) -> None:
    engine = _engine("postgresql+psycopg://bob:s3cret@127.0.0.1:1/nowhere", engines)
    with pytest.raises(DatabaseUnreachableError) as info:
        introspect(engine, "postgres")
    assert "s3cret" not in str(info.value)
    assert "***" in info.value.details["url"]
    assert info.value.details["reason"]


def test_missing_sqlite_file_is_not_created(tmp_path, engines) -> None:
    path = tmp_path / "missing.db"
    engine = _engine(f"sqlite:///{path}", engines)
    with pytest.raises(DatabaseUnreachableError, match="no such file"):
        introspect(engine, "sqlite")
    assert not path.exists()
