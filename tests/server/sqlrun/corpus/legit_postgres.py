"""Legitimate PostgreSQL queries: the common ones plus PostgreSQL syntax."""

from __future__ import annotations

from functools import partial

from ._entry import legit_entry
from .legit_common import COMMON, CTE_OVER_OWN_NAME

_l = partial(legit_entry, "postgres")

ENTRIES: list[dict] = [
    _l(f"pg-ok-{short}", sql, note) for short, sql, note in [*COMMON, CTE_OVER_OWN_NAME]
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
