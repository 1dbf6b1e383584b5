"""DDL uploads → the normalised schema model, and malformed DDL → the line of the fault."""

from __future__ import annotations

import pytest

from askdb_server.errors import DDLParseError, InvalidInputError
from askdb_server.schemas.ddl import parse_ddl
from askdb_server.schemas.model import Schema


def summarise(schema: Schema) -> dict:
    """A compact view of a schema: per table, its columns as (type, nullable, comment), its
    primary key, foreign keys as (columns, ref_table, ref_columns) and its comment."""
    return {
        t.name: {
            "columns": {c.name: (c.type, c.nullable, c.comment) for c in t.columns},
            "pk": list(t.primary_key),
            "fks": [
                (list(fk.columns), fk.ref_table, list(fk.ref_columns)) for fk in t.foreign_keys
            ],
            "comment": t.comment,
        }
        for t in schema.tables
    }


def assert_subset(actual: dict, expected: dict, path: str = "") -> None:
    """Every key of ``expected`` is in ``actual`` with an equal value (recursing into dicts)."""
    for key, want in expected.items():
        assert key in actual, f"{path}{key} missing; have {sorted(actual)}"
        if isinstance(want, dict) and key != "columns":
            assert_subset(actual[key], want, f"{path}{key}.")
        else:
            assert actual[key] == want, f"{path}{key}: {actual[key]!r} != {want!r}"


CASES = [
    (
        "sqlite_basic_types_and_column_pk",
        "sqlite",
        """
        CREATE TABLE singer (
            singer_id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL,
            age INT,
            net_worth REAL
        );
        """,
        {
            "singer": {
                "columns": {
                    "singer_id": ("INTEGER", False, None),
                    "name": ("TEXT", False, None),
                    "age": ("INT", True, None),
                    "net_worth": ("REAL", True, None),
                },
                "pk": ["singer_id"],
                "fks": [],
            }
        },
    ),
    (
        "sqlite_types_are_kept_as_written",
        "sqlite",
        "CREATE TABLE flags (on_off boolean, price numeric(10,2), label character  varying(20));",
        {
            "flags": {
                "columns": {
                    "on_off": ("BOOLEAN", True, None),
                    "price": ("NUMERIC(10,2)", True, None),
                    "label": ("CHARACTER VARYING(20)", True, None),
                }
            }
        },
    ),
    (
        "sqlite_table_level_composite_pk_and_fks",
        "sqlite",
        """
        CREATE TABLE enrolment (
            student_id INTEGER NOT NULL,
            course_id INTEGER NOT NULL,
            grade TEXT,
            PRIMARY KEY (student_id, course_id),
            FOREIGN KEY (student_id) REFERENCES student (id),
            FOREIGN KEY (course_id) REFERENCES course (id)
        );
        CREATE TABLE student (id INTEGER PRIMARY KEY, name TEXT);
        CREATE TABLE course (id INTEGER PRIMARY KEY, title TEXT);
        """,
        {
            "enrolment": {
                "pk": ["student_id", "course_id"],
                "fks": [
                    (["student_id"], "student", ["id"]),
                    (["course_id"], "course", ["id"]),
                ],
            },
            "student": {"pk": ["id"]},
            "course": {"pk": ["id"]},
        },
    ),
    (
        "sqlite_reference_without_columns_uses_target_pk_defined_later",
        "sqlite",
        """
        CREATE TABLE track (id INTEGER PRIMARY KEY, album_id INTEGER REFERENCES album);
        CREATE TABLE album (album_key INTEGER PRIMARY KEY, title TEXT);
        """,
        {
            "track": {"fks": [(["album_id"], "album", ["album_key"])]},
            "album": {"pk": ["album_key"]},
        },
    ),
    (
        "sqlite_untyped_columns_and_comments_in_text",
        "sqlite",
        """
        -- a line comment before everything
        /* a block
           comment */
        CREATE TABLE log (ts, message); -- trailing comment
        """,
        {"log": {"columns": {"ts": ("", True, None), "message": ("", True, None)}, "pk": []}},
    ),
    (
        "sqlite_quoted_identifiers_keep_their_case",
        "sqlite",
        """
        CREATE TABLE "Order Items" ("Item Id" INTEGER PRIMARY KEY, "Qty" INTEGER NOT NULL);
        """,
        {
            "Order Items": {
                "columns": {"Item Id": ("INTEGER", False, None), "Qty": ("INTEGER", False, None)},
                "pk": ["Item Id"],
            }
        },
    ),
    (
        "postgres_types_not_null_and_inline_references",
        "postgres",
        """
        CREATE TABLE customers (
            id serial PRIMARY KEY,
            email varchar(320) NOT NULL,
            balance numeric(12, 2) DEFAULT 0 NOT NULL,
            joined timestamp with time zone DEFAULT now()
        );
        CREATE TABLE orders (
            id bigserial PRIMARY KEY,
            customer_id integer NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
            placed date
        );
        """,
        {
            "customers": {
                "columns": {
                    "id": ("SERIAL", False, None),
                    "email": ("VARCHAR(320)", False, None),
                    "balance": ("NUMERIC(12, 2)", False, None),
                    "joined": ("TIMESTAMP WITH TIME ZONE", True, None),
                },
                "pk": ["id"],
            },
            "orders": {"fks": [(["customer_id"], "customers", ["id"])]},
        },
    ),
    (
        "postgres_comment_on_table_and_column",
        "postgres",
        """
        CREATE TABLE products (id int PRIMARY KEY, sku text);
        COMMENT ON TABLE products IS 'Things we sell';
        COMMENT ON COLUMN products.sku IS 'Stock keeping unit';
        """,
        {
            "products": {
                "columns": {
                    "id": ("INT", False, None),
                    "sku": ("TEXT", True, "Stock keeping unit"),
                },
                "comment": "Things we sell",
            }
        },
    ),
    (
        "postgres_comment_before_create_is_applied",
        "postgres",
        """
        COMMENT ON TABLE later IS 'defined below';
        CREATE TABLE later (id int);
        """,
        {"later": {"comment": "defined below"}},
    ),
    (
        "postgres_schema_qualified_names_drop_the_schema",
        "postgres",
        """
        CREATE TABLE IF NOT EXISTS public.users (id int PRIMARY KEY, name text);
        CREATE TABLE sales.invoices (
            id int PRIMARY KEY,
            user_id int,
            CONSTRAINT invoices_user_fk FOREIGN KEY (user_id) REFERENCES public.users (id)
        );
        COMMENT ON COLUMN sales.invoices.user_id IS 'who pays';
        """,
        {
            "users": {"pk": ["id"]},
            "invoices": {
                "fks": [(["user_id"], "users", ["id"])],
                "columns": {"id": ("INT", False, None), "user_id": ("INT", True, "who pays")},
            },
        },
    ),
    (
        "postgres_same_name_in_two_schemas_keeps_qualifiers",
        "postgres",
        """
        CREATE TABLE a.events (id int);
        CREATE TABLE b.events (id int, parent int REFERENCES a.events (id));
        """,
        {"a.events": {"pk": []}, "b.events": {"fks": [(["parent"], "a.events", ["id"])]}},
    ),
    (
        "postgres_composite_foreign_key",
        "postgres",
        """
        CREATE TABLE shipments (
            order_id int,
            line_no int,
            shipped_at timestamp,
            CONSTRAINT shipments_pk PRIMARY KEY (order_id, line_no),
            CONSTRAINT shipments_line_fk FOREIGN KEY (order_id, line_no)
                REFERENCES order_lines (order_id, line_no)
        );
        CREATE TABLE order_lines (order_id int, line_no int, PRIMARY KEY (order_id, line_no));
        """,
        {
            "shipments": {
                "pk": ["order_id", "line_no"],
                "fks": [(["order_id", "line_no"], "order_lines", ["order_id", "line_no"])],
            },
            "order_lines": {"pk": ["order_id", "line_no"]},
        },
    ),
    (
        "postgres_pg_dump_style_with_alter_table_constraints",
        "postgres",
        """
        SET statement_timeout = 0;
        SELECT pg_catalog.set_config('search_path', '', false);
        CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA public;
        CREATE FUNCTION public.touch() RETURNS trigger LANGUAGE plpgsql
            AS $$ BEGIN NEW.updated := now(); RETURN NEW; END; $$;
        CREATE TABLE public.authors (id integer NOT NULL, name text);
        CREATE TABLE public.books (id integer NOT NULL, author_id integer);
        ALTER TABLE public.books OWNER TO postgres;
        ALTER TABLE ONLY public.authors ADD CONSTRAINT authors_pkey PRIMARY KEY (id);
        ALTER TABLE ONLY public.books ADD CONSTRAINT books_pkey PRIMARY KEY (id);
        ALTER TABLE ONLY public.books
            ADD CONSTRAINT books_author_fk FOREIGN KEY (author_id) REFERENCES public.authors(id);
        ALTER TABLE public.books ADD COLUMN isbn varchar(13) NOT NULL;
        CREATE UNIQUE INDEX books_isbn ON public.books USING btree (isbn);
        CREATE VIEW public.v AS SELECT 1 AS one;
        INSERT INTO public.authors VALUES (1, 'Le Guin');
        """,
        {
            "authors": {"pk": ["id"]},
            "books": {
                "pk": ["id"],
                "fks": [(["author_id"], "authors", ["id"])],
                "columns": {
                    "id": ("INTEGER", False, None),
                    "author_id": ("INTEGER", True, None),
                    "isbn": ("VARCHAR(13)", False, None),
                },
            },
        },
    ),
    (
        "mysql_backticks_comments_and_table_options",
        "mysql",
        """
        CREATE TABLE `employees` (
          `emp_no` int(11) NOT NULL AUTO_INCREMENT COMMENT 'employee number',
          `first_name` varchar(14) CHARACTER SET utf8mb4 NOT NULL,
          `gender` enum('M','F') NOT NULL DEFAULT 'M',
          `hired` date DEFAULT NULL,
          PRIMARY KEY (`emp_no`),
          UNIQUE KEY `uk_name` (`first_name`),
          KEY `ix_hired` (`hired`)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='staff';
        """,
        {
            "employees": {
                "columns": {
                    "emp_no": ("INT(11)", False, "employee number"),
                    "first_name": ("VARCHAR(14)", False, None),
                    "gender": ("ENUM('M','F')", False, None),
                    "hired": ("DATE", True, None),
                },
                "pk": ["emp_no"],
                "comment": "staff",
            }
        },
    ),
    (
        "mysql_dump_with_versioned_comments_and_locks",
        "mysql",
        """
        /*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
        DROP TABLE IF EXISTS `dept_emp`;
        CREATE TABLE `dept_emp` (
          `emp_no` int NOT NULL,
          `dept_no` char(4) NOT NULL,
          PRIMARY KEY (`emp_no`,`dept_no`),
          CONSTRAINT `de_emp` FOREIGN KEY (`emp_no`) REFERENCES `employees` (`emp_no`)
            ON DELETE CASCADE,
          CONSTRAINT `de_dept` FOREIGN KEY (`dept_no`) REFERENCES `departments` (`dept_no`)
        ) ENGINE=InnoDB;
        LOCK TABLES `dept_emp` WRITE;
        UNLOCK TABLES;
        """,
        {
            "dept_emp": {
                "pk": ["emp_no", "dept_no"],
                "fks": [
                    (["emp_no"], "employees", ["emp_no"]),
                    (["dept_no"], "departments", ["dept_no"]),
                ],
                "columns": {"emp_no": ("INT", False, None), "dept_no": ("CHAR(4)", False, None)},
            }
        },
    ),
    (
        "default_dialect_falls_back_to_mysql_for_backticks",
        None,
        "CREATE TABLE `t` (`id` int PRIMARY KEY COMMENT 'key');",
        {"t": {"columns": {"id": ("INT", False, "key")}, "pk": ["id"]}},
    ),
    (
        "default_dialect_reads_generic_sql",
        None,
        "create table if not exists people (id int not null, boss int references people(id));",
        {"people": {"fks": [(["boss"], "people", ["id"])], "pk": []}},
    ),
    (
        "drop_then_recreate_and_if_not_exists_repeat",
        "sqlite",
        """
        CREATE TABLE t (a INT);
        DROP TABLE t;
        CREATE TABLE t (b TEXT);
        CREATE TABLE IF NOT EXISTS t (c BLOB);
        """,
        {"t": {"columns": {"b": ("TEXT", True, None)}}},
    ),
    (
        "duckdb_types",
        "duckdb",
        "CREATE TABLE m (id UBIGINT PRIMARY KEY, tags VARCHAR[], payload JSON, at TIMESTAMP);",
        {
            "m": {
                "columns": {
                    "id": ("UBIGINT", False, None),
                    "tags": ("VARCHAR[]", True, None),
                    "payload": ("JSON", True, None),
                    "at": ("TIMESTAMP", True, None),
                }
            }
        },
    ),
]


@pytest.mark.parametrize("dialect,ddl,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_ddl_to_model(dialect: str | None, ddl: str, expected: dict) -> None:
    schema = parse_ddl(ddl, dialect)
    actual = summarise(schema)
    assert sorted(actual) == sorted(expected), "exactly the tables of the DDL"
    assert_subset(actual, expected)
    assert schema.dialect == (dialect or schema.dialect)


def test_primary_key_columns_are_flagged_and_not_null() -> None:
    schema = parse_ddl("CREATE TABLE t (a INT, b INT, c INT, PRIMARY KEY (b, a));", "sqlite")
    table = schema.table("T")
    assert table is not None
    assert table.primary_key == ("b", "a")
    assert [(c.name, c.primary_key, c.nullable) for c in table.columns] == [
        ("a", True, False),
        ("b", True, False),
        ("c", False, True),
    ]


def test_foreign_key_to_unknown_table_is_kept() -> None:
    schema = parse_ddl("CREATE TABLE t (x INT REFERENCES elsewhere (y));", "sqlite")
    fk = schema.tables[0].foreign_keys[0]
    assert (fk.columns, fk.ref_table, fk.ref_columns) == (("x",), "elsewhere", ("y",))


def test_dialect_defaults_to_sqlite_for_generic_sql() -> None:
    assert parse_ddl("CREATE TABLE t (x INT);").dialect == "sqlite"


def test_model_round_trips_through_json() -> None:
    schema = parse_ddl(CASES[10][2], "postgres")
    assert Schema.from_dict(schema.to_dict()) == schema


MALFORMED = [
    (
        "statement_ends_before_closing_parenthesis_line_4",
        "sqlite",
        "-- users\nCREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  name TEXT\n;\n",
        4,
    ),
    (
        "typo_in_create_on_line_7_of_10",
        "postgres",
        "CREATE TABLE a (\n  id int PRIMARY KEY\n);\n\n-- the second table has a typo\n\n"
        "CRATE TABLE b (id int);\n\nCREATE TABLE c (id int);\n-- end\n",
        7,
    ),
    (
        "garbage_after_table_definition_line_4",
        "mysql",
        "CREATE TABLE t (\n  id int\n)\nENGINE InnoDB\n  oops what is this;\n",
        5,
    ),
    (
        "unterminated_string_line_3",
        "sqlite",
        "CREATE TABLE t (\n  id INT,\n  label TEXT DEFAULT 'oops,\n  other INT\n);\n",
        3,
    ),
    (
        "unterminated_block_comment_line_2",
        "sqlite",
        "CREATE TABLE t (id INT);\n/* never closed\nCREATE TABLE u (id INT);\n",
        2,
    ),
    (
        "missing_table_name_line_3",
        "postgres",
        "-- one\n-- two\nCREATE TABLE (id int);\n",
        3,
    ),
    (
        "duplicate_table_line_4",
        "sqlite",
        "CREATE TABLE t (id INT);\n\n-- again\nCREATE TABLE T (other INT);\n",
        4,
    ),
    (
        "bad_column_list_line_6_default_dialect",
        None,
        "CREATE TABLE ok (id int);\n\nCREATE TABLE broken (\n  id int,\n  name text,\n"
        "  price numeric(10, 2 NOT NULL\n);\n",
        6,
    ),
]


@pytest.mark.parametrize(
    "dialect,ddl,line", [c[1:] for c in MALFORMED], ids=[c[0] for c in MALFORMED]
)
def test_malformed_ddl_reports_the_line(dialect: str | None, ddl: str, line: int) -> None:
    with pytest.raises(DDLParseError) as info:
        parse_ddl(ddl, dialect)
    assert info.value.line == line
    assert f"line {line}" in str(info.value)


def test_error_messages_speak_to_users() -> None:
    with pytest.raises(DDLParseError) as info:
        parse_ddl("CREATE TABLE t (id INT);\nCREATE TABLE t (id INT);", "sqlite")
    assert str(info.value) == "line 2: table 't' is already defined on line 1"
    for ddl in ["CREATE TABLE (id int)", "CREAT TABLE a (id int)", "CREATE TABLE a (id int) x y"]:
        with pytest.raises(DDLParseError) as info:
            parse_ddl(ddl, "postgres")
        assert "<" not in str(info.value), "no sqlglot internals in the message"
        assert " near '" in str(info.value)


@pytest.mark.parametrize("ddl", ["", "   \n  ", "SELECT 1;", "CREATE INDEX ix ON t (a);"])
def test_no_create_table(ddl: str) -> None:
    with pytest.raises(DDLParseError, match="no CREATE TABLE statement found"):
        parse_ddl(ddl, "sqlite")


def test_unknown_dialect_is_invalid_input() -> None:
    with pytest.raises(InvalidInputError, match="Unknown SQL dialect"):
        parse_ddl("CREATE TABLE t (x INT);", "no-such-sql")


def test_default_dialect_reports_the_dialect_that_read_the_text() -> None:
    assert parse_ddl("CREATE TABLE `t` (`id` int);").dialect == "mysql"
    assert parse_ddl("CREATE TABLE `t` (`id` int);", "sqlite").dialect == "sqlite"
