"""Legitimate SQLite queries: the common ones plus SQLite syntax."""

from __future__ import annotations

from functools import partial

from ._entry import legit_entry
from .legit_common import ANSI_QUOTED, COMMON

_l = partial(legit_entry, "sqlite")

ENTRIES: list[dict] = [
    _l(f"sq-ok-{short}", sql, note) for short, sql, note in [*COMMON, ANSI_QUOTED]
]
ENTRIES += [
    _l(
        "sq-ok-strftime",
        "SELECT strftime('%Y-%m', ordered_at) AS ym, count(*) AS n "
        "FROM orders GROUP BY ym ORDER BY ym",
        "strftime",
    ),
    _l(
        "sq-ok-date",
        "SELECT date(ordered_at, '+30 days') AS due, "
        "julianday('2025-01-01') - julianday(created_at) AS age FROM orders, customers "
        "WHERE customers.id = orders.customer_id LIMIT 5",
        "date arithmetic",
    ),
    _l("sq-ok-concat", "SELECT name || ' <' || email || '>' AS c FROM customers", "||"),
    _l(
        "sq-ok-instr",
        "SELECT substr(email, instr(email, '@') + 1) AS domain FROM customers",
        "instr",
    ),
    _l(
        "sq-ok-json",
        "SELECT json_extract(attrs, '$.color') AS color, attrs ->> '$.dims.w' AS w FROM products",
        "JSON functions",
    ),
    _l(
        "sq-ok-jsonobj",
        "SELECT json_object('id', id, 'name', name) AS j FROM products",
        "json_object",
    ),
    _l("sq-ok-jsoneach", "SELECT p.id, j.key FROM products p, json_each(p.attrs) j", "json_each"),
    _l(
        "sq-ok-groupconcat",
        "SELECT country, group_concat(name, ', ') AS names FROM customers GROUP BY country",
        "group_concat",
    ),
    _l(
        "sq-ok-iif",
        "SELECT iif(total > 100, 'big', 'small') AS s, ifnull(note, '-') AS n FROM orders",
        "iif/ifnull",
    ),
    _l(
        "sq-ok-main",
        "SELECT count(*) AS n FROM main.orders",
        "the project's own table, schema-qualified",
    ),
    _l(
        "sq-ok-main-join",
        "SELECT c.name FROM main.customers c JOIN main.orders o ON o.customer_id = c.id LIMIT 5",
        "qualified join",
    ),
    _l(
        "sq-ok-typeof", "SELECT typeof(total) AS t, typeof(note) AS n FROM orders LIMIT 3", "typeof"
    ),
    _l(
        "sq-ok-small-printf",
        "SELECT printf('%.2f', total) AS s, printf('%05d', id) AS p FROM orders LIMIT 5",
        "printf with small widths",
    ),
    _l(
        "sq-ok-small-blob",
        "SELECT length(zeroblob(16)) AS n, hex(randomblob(4)) IS NOT NULL AS r",
        "small blobs",
    ),
    _l(
        "sq-ok-recursive",
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
        "WHERE i < 10) SELECT i FROM n",
        "a bounded recursive CTE",
    ),
]

ENTRIES += [
    _l(f"sq-ok-{short}", sql, note)
    for short, sql, note in [
        (
            "date-now",
            "SELECT count(*) AS n FROM orders WHERE ordered_at < date('now')",
            "date('now')",
        ),
        (
            "date-modifiers",
            "SELECT date(ordered_at, 'start of month', '+1 month', '-1 day') "
            "AS month_end FROM orders LIMIT 5",
            "date modifiers",
        ),
        ("unixepoch", "SELECT unixepoch(ordered_at) AS ts FROM orders LIMIT 3", "unixepoch"),
        (
            "cast-real",
            "SELECT CAST(total AS REAL) / quantity AS unit, CAST(id AS TEXT) AS s "
            "FROM orders LIMIT 5",
            "CAST AS REAL/TEXT",
        ),
        ("total", "SELECT total(total) AS t, count(note) AS notes FROM orders", "total()"),
        ("glob", "SELECT name FROM customers WHERE name GLOB 'A*'", "GLOB"),
        (
            "nulls-last",
            "SELECT id, note FROM orders ORDER BY note DESC NULLS LAST LIMIT 5",
            "NULLS LAST",
        ),
        (
            "filter",
            "SELECT count(*) FILTER (WHERE status = 'shipped') AS shipped FROM orders",
            "FILTER",
        ),
        (
            "min-max-scalar",
            "SELECT max(total, 100) AS capped, min(quantity, 2) AS q FROM orders LIMIT 5",
            "scalar min/max",
        ),
        ("values", "SELECT * FROM (VALUES (1, 'a'), (2, 'b'))", "VALUES list"),
        ("json-arrow", "SELECT attrs -> '$.dims' AS dims FROM products", "->"),
        (
            "small-trim",
            "SELECT trim(name) AS t, ltrim(email, 'u') AS l, rtrim(tier, 'd') AS r FROM customers",
            "trim with a small set",
        ),
        (
            "small-replace",
            "SELECT replace(email, 'example', 'ex') AS e, instr(email, '@') AS p FROM customers",
            "replace/instr on small strings",
        ),
        (
            "hex",
            "SELECT hex(name) AS h, upper(substr(name, 1, 1)) AS i FROM customers LIMIT 3",
            "hex",
        ),
        (
            "window-clause",
            "SELECT id, sum(total) OVER w AS s FROM orders "
            "WINDOW w AS (PARTITION BY status ORDER BY id)",
            "WINDOW clause",
        ),
    ]
]
