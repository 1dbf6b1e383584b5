"""Legitimate PostgreSQL queries: the common ones plus PostgreSQL syntax."""

from __future__ import annotations

from functools import partial

from ._entry import legit_entry
from .legit_common import ANSI_QUOTED, COMMON, CTE_OVER_OWN_NAME

_l = partial(legit_entry, "postgres")

ENTRIES: list[dict] = [
    _l(f"pg-ok-{short}", sql, note)
    for short, sql, note in [*COMMON, CTE_OVER_OWN_NAME, ANSI_QUOTED]
]
ENTRIES += [
    _l(
        "pg-ok-datetrunc",
        "SELECT date_trunc('month', ordered_at) AS m, count(*) AS n "
        "FROM orders GROUP BY 1 ORDER BY 1",
        "date_trunc",
    ),
    _l(
        "pg-ok-extract",
        "SELECT extract(year FROM ordered_at) AS y, extract(dow FROM "
        "ordered_at) AS d FROM orders LIMIT 5",
        "extract",
    ),
    _l(
        "pg-ok-interval",
        "SELECT count(*) AS n FROM orders WHERE ordered_at > "
        "TIMESTAMP '2024-06-01' - INTERVAL '30 days'",
        "date arithmetic",
    ),
    _l(
        "pg-ok-tochar", "SELECT to_char(ordered_at, 'YYYY-MM') AS ym FROM orders LIMIT 3", "to_char"
    ),
    _l(
        "pg-ok-age",
        "SELECT age(TIMESTAMP '2025-01-01', created_at) AS a FROM customers LIMIT 3",
        "age",
    ),
    _l(
        "pg-ok-concat",
        "SELECT concat(name, ' <', email, '>') AS c, name || '!' AS d FROM customers",
        "concat and ||",
    ),
    _l(
        "pg-ok-substring",
        "SELECT substring(email FROM 1 FOR 5) AS s, "
        "split_part(email, '@', 2) AS domain FROM customers",
        "substring/split_part",
    ),
    _l(
        "pg-ok-ceil",
        "SELECT ceil(total) AS c, floor(total) AS f, trunc(total) AS t, "
        "greatest(total, 10) AS g, least(total, 10) AS l FROM orders",
        "ceil/floor",
    ),
    _l(
        "pg-ok-json",
        "SELECT attrs->>'color' AS color, (attrs->'dims'->>'w')::int AS w FROM products",
        "jsonb operators",
    ),
    _l(
        "pg-ok-jsonfn",
        "SELECT jsonb_build_object('id', id, 'name', name) AS j, "
        "jsonb_typeof(attrs) AS t FROM products",
        "json functions",
    ),
    _l(
        "pg-ok-jsonagg",
        "SELECT category, json_agg(name ORDER BY name) AS names FROM products GROUP BY category",
        "json_agg",
    ),
    _l(
        "pg-ok-cast-colon",
        "SELECT total::int AS i, id::text AS s, ordered_at::date AS d FROM orders LIMIT 5",
        ":: casts",
    ),
    _l(
        "pg-ok-series",
        "SELECT d::date AS day, count(o.id) AS n FROM generate_series("
        "DATE '2024-01-01', DATE '2024-01-31', INTERVAL '1 day') d LEFT JOIN orders o "
        "ON o.ordered_at::date = d::date GROUP BY 1 ORDER BY 1",
        "generate_series",
    ),
    _l(
        "pg-ok-filter",
        "SELECT count(*) FILTER (WHERE status = 'shipped') AS shipped FROM orders",
        "FILTER",
    ),
    _l(
        "pg-ok-stringagg",
        "SELECT country, string_agg(name, ', ' ORDER BY name) AS names "
        "FROM customers GROUP BY country",
        "string_agg",
    ),
    _l(
        "pg-ok-percentile",
        "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY total) AS median FROM orders",
        "ordered-set aggregate",
    ),
    _l(
        "pg-ok-public",
        "SELECT count(*) AS n FROM public.orders",
        "the project's own table, schema-qualified",
    ),
    _l(
        "pg-ok-public-join",
        "SELECT c.name FROM public.customers c JOIN public.orders o "
        "ON o.customer_id = c.id LIMIT 5",
        "qualified join",
    ),
    _l("pg-ok-ilike", "SELECT name FROM customers WHERE name ILIKE 'a%'", "ILIKE"),
    _l(
        "pg-ok-distinct-on",
        "SELECT DISTINCT ON (customer_id) customer_id, total FROM orders "
        "ORDER BY customer_id, total DESC",
        "DISTINCT ON",
    ),
    _l("pg-ok-dollar", "SELECT $$it's$$ AS s, count(*) AS n FROM orders", "a dollar-quoted string"),
    _l("pg-ok-estring", "SELECT E'a\\tb' AS s", "an E'' string"),
    _l("pg-ok-array", "SELECT ARRAY[1, 2, 3] AS a, array_length(ARRAY[1, 2], 1) AS n", "arrays"),
    _l("pg-ok-md5", "SELECT md5(email) AS h FROM customers LIMIT 3", "md5 of a column"),
    _l(
        "pg-ok-udf",
        "SELECT id, sleep_score(id) AS s FROM products ORDER BY id",
        "a user-defined function the project allows",
        functions=("sleep_score",),
    ),
]

ENTRIES += [
    _l(f"pg-ok-{short}", sql, note)
    for short, sql, note in [
        (
            "epoch",
            "SELECT extract(epoch FROM ordered_at)::bigint AS ts FROM orders LIMIT 5",
            "extract(epoch)",
        ),
        (
            "now-interval",
            "SELECT count(*) AS n FROM orders WHERE ordered_at > now() - interval '7 days'",
            "now() minus an interval",
        ),
        (
            "current-date",
            "SELECT current_date - ordered_at::date AS days FROM orders LIMIT 5",
            "date subtraction",
        ),
        (
            "make-date",
            "SELECT make_date(2024, 2, 29) AS d, date_part('year', ordered_at) AS y "
            "FROM orders LIMIT 1",
            "make_date/date_part",
        ),
        (
            "to-timestamp",
            "SELECT to_timestamp(1700000000) AS t, to_date('2024-05-06', 'YYYY-MM-DD') AS d",
            "to_timestamp/to_date",
        ),
        (
            "regex-op",
            "SELECT name FROM customers WHERE name ~ '^[A-C]' AND email !~* 'spam'",
            "regex operators",
        ),
        (
            "similar",
            "SELECT count(*) AS n FROM customers WHERE name SIMILAR TO '(A|B)%'",
            "SIMILAR TO",
        ),
        (
            "substring-regex",
            "SELECT substring(email FROM '@(.*)$') AS domain FROM customers",
            "substring with a regex",
        ),
        (
            "trim-both",
            "SELECT trim(both ' ' FROM name) AS t, position('@' IN email) AS p FROM customers",
            "trim/position syntax",
        ),
        (
            "numeric-cast",
            "SELECT round(avg(total)::numeric, 2) AS mean, "
            "CAST(sum(total) AS numeric(12, 2)) AS s FROM orders",
            "numeric casts",
        ),
        (
            "distinct-from",
            "SELECT count(*) AS n FROM orders WHERE note IS DISTINCT FROM NULL",
            "IS DISTINCT FROM",
        ),
        (
            "nulls-last",
            "SELECT id, note FROM orders ORDER BY note DESC NULLS LAST LIMIT 5",
            "NULLS LAST",
        ),
        (
            "rollup",
            "SELECT status, country, count(*) AS n FROM orders o JOIN customers c ON "
            "c.id = o.customer_id GROUP BY ROLLUP (status, country)",
            "ROLLUP",
        ),
        (
            "grouping-sets",
            "SELECT status, product_id, sum(total) AS s FROM orders "
            "GROUP BY GROUPING SETS ((status), (product_id), ())",
            "GROUPING SETS",
        ),
        (
            "fetch-first",
            "SELECT id FROM orders ORDER BY id OFFSET 5 ROWS FETCH FIRST 5 ROWS ONLY",
            "OFFSET/FETCH",
        ),
        ("limit-all", "SELECT id FROM customers ORDER BY id LIMIT ALL", "LIMIT ALL"),
        ("values", "SELECT * FROM (VALUES (1, 'a'), (2, 'b')) AS v(n, s)", "VALUES list"),
        (
            "lateral",
            "SELECT c.name, l.total FROM customers c CROSS JOIN LATERAL (SELECT total "
            "FROM orders o WHERE o.customer_id = c.id ORDER BY total DESC LIMIT 1) l",
            "LATERAL",
        ),
        (
            "window-clause",
            "SELECT id, sum(total) OVER w AS s, avg(total) OVER w AS a "
            "FROM orders WINDOW w AS (PARTITION BY status ORDER BY id)",
            "WINDOW clause",
        ),
        (
            "lag-default",
            "SELECT id, lag(total, 1, 0) OVER (ORDER BY id) AS prev FROM orders",
            "lag with a default",
        ),
        ("mode", "SELECT mode() WITHIN GROUP (ORDER BY status) AS common FROM orders", "mode()"),
        (
            "bool-and",
            "SELECT bool_and(total > 0) AS all_positive, bool_or(note IS NULL) AS "
            "some_null FROM orders",
            "bool_and/bool_or",
        ),
        (
            "jsonb-contains",
            'SELECT name FROM products WHERE attrs @> \'{"color": "red"}\'',
            "jsonb @>",
        ),
        (
            "jsonb-elements",
            "SELECT p.id, e.key FROM products p, jsonb_each(p.attrs) e",
            "jsonb_each in FROM",
        ),
        ("unnest", "SELECT unnest(ARRAY['a', 'b']) AS x", "unnest"),
        (
            "left-right",
            "SELECT left(name, 2) AS l, right(email, 4) AS r, initcap(tier) AS t, "
            "concat_ws('/', country, tier) AS c FROM customers",
            "left/right/initcap",
        ),
        (
            "regexp-replace",
            "SELECT regexp_replace(email, '@.*$', '') AS user_part FROM customers",
            "regexp_replace",
        ),
        (
            "between-symmetric",
            "SELECT count(*) AS n FROM orders WHERE total BETWEEN SYMMETRIC 100 AND 10",
            "BETWEEN SYMMETRIC",
        ),
        (
            "date-bin",
            "SELECT date_bin('1 week', ordered_at, TIMESTAMP '2024-01-01') AS wk, "
            "count(*) AS n FROM orders GROUP BY 1 ORDER BY 1",
            "date_bin",
        ),
        (
            "any-array",
            "SELECT count(*) AS n FROM orders WHERE status = ANY (ARRAY['shipped', 'pending'])",
            "= ANY(array)",
        ),
    ]
]
