"""Legitimate SQLite queries: the common ones plus SQLite syntax."""

from __future__ import annotations

from functools import partial

from ._entry import legit_entry
from .legit_common import COMMON

_l = partial(legit_entry, "sqlite")

ENTRIES: list[dict] = [_l(f"sq-ok-{short}", sql, note) for short, sql, note in COMMON]
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
