"""Legitimate analytical queries written the same way in every dialect (short id, sql, note).

Each dialect's ``legit_*`` module adds its own prefix and its dialect-specific queries.
"""

from __future__ import annotations

# PostgreSQL and MySQL only: SQLite reads a CTE that names itself as a circular reference.
CTE_OVER_OWN_NAME = (
    "cte-shadow-own",
    "WITH orders AS (SELECT * FROM orders WHERE status = 'shipped') "
    "SELECT count(*) AS n FROM orders",
    "a CTE named like a project table, reading that table",
)

COMMON: list[tuple[str, str, str]] = [
    ("count", "SELECT count(*) AS n FROM orders", "a count"),
    (
        "agg",
        "SELECT min(total) AS lo, max(total) AS hi, avg(total) AS mean, sum(quantity) AS q "
        "FROM orders",
        "aggregates",
    ),
    (
        "group",
        "SELECT status, count(*) AS n, sum(total) AS revenue FROM orders "
        "GROUP BY status ORDER BY status",
        "GROUP BY",
    ),
    (
        "having",
        "SELECT customer_id, count(*) AS n FROM orders GROUP BY customer_id "
        "HAVING count(*) > 3 ORDER BY n DESC, customer_id",
        "HAVING",
    ),
    (
        "join",
        "SELECT c.name, o.total FROM orders o JOIN customers c ON c.id = o.customer_id "
        "ORDER BY o.id LIMIT 20",
        "a join",
    ),
    (
        "join3",
        "SELECT c.country, p.category, sum(o.total) AS revenue FROM orders o "
        "JOIN customers c ON c.id = o.customer_id JOIN products p ON p.id = o.product_id "
        "GROUP BY c.country, p.category ORDER BY revenue DESC",
        "three tables",
    ),
    (
        "leftjoin",
        "SELECT c.id, count(o.id) AS orders FROM customers c "
        "LEFT JOIN orders o ON o.customer_id = c.id GROUP BY c.id ORDER BY c.id",
        "LEFT JOIN",
    ),
    (
        "rownumber",
        "SELECT id, customer_id, row_number() OVER (PARTITION BY customer_id "
        "ORDER BY total DESC) AS rn FROM orders ORDER BY customer_id, rn LIMIT 50",
        "row_number",
    ),
    (
        "rank",
        "SELECT name, price, rank() OVER (ORDER BY price DESC) AS r, "
        "dense_rank() OVER (PARTITION BY category ORDER BY price) AS dr FROM products",
        "rank",
    ),
    (
        "lag",
        "SELECT id, total, lag(total) OVER (ORDER BY id) AS prev, "
        "lead(total) OVER (ORDER BY id) AS next FROM orders ORDER BY id LIMIT 30",
        "lag/lead",
    ),
    (
        "runsum",
        "SELECT id, sum(total) OVER (ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING "
        "AND CURRENT ROW) AS running FROM orders ORDER BY id",
        "running sum",
    ),
    (
        "cte",
        "WITH big AS (SELECT customer_id, sum(total) AS spent FROM orders "
        "GROUP BY customer_id) SELECT c.name, b.spent FROM big b JOIN customers c "
        "ON c.id = b.customer_id ORDER BY b.spent DESC LIMIT 5",
        "a CTE",
    ),
    (
        "cte-unreal",
        "WITH zz_not_a_table AS (SELECT id, total FROM orders WHERE total > 50) "
        "SELECT count(*) AS n FROM zz_not_a_table",
        "a CTE whose name is nothing real",
    ),
    (
        "cte-two",
        "WITH a AS (SELECT id FROM customers WHERE country = 'France'), "
        "b AS (SELECT * FROM orders WHERE customer_id IN (SELECT id FROM a)) "
        "SELECT count(*) AS n FROM b",
        "two CTEs",
    ),
    (
        "subquery-in",
        "SELECT name FROM customers WHERE id IN "
        "(SELECT customer_id FROM orders WHERE total > 100) ORDER BY name",
        "IN subquery",
    ),
    (
        "subquery-from",
        "SELECT avg(n) AS mean FROM (SELECT customer_id, count(*) AS n "
        "FROM orders GROUP BY customer_id) t",
        "a derived table",
    ),
    (
        "subquery-scalar",
        "SELECT name, (SELECT count(*) FROM orders o WHERE o.customer_id = "
        "c.id) AS n FROM customers c ORDER BY id",
        "a correlated scalar subquery",
    ),
    (
        "exists",
        "SELECT name FROM customers c WHERE NOT EXISTS "
        "(SELECT 1 FROM orders o WHERE o.customer_id = c.id)",
        "NOT EXISTS",
    ),
    (
        "strings",
        "SELECT lower(name) AS l, upper(country) AS u, length(email) AS n, "
        "trim(name) AS t, replace(email, '@', ' at ') AS r FROM customers",
        "string functions",
    ),
    ("substr", "SELECT substr(name, 1, 3) AS s FROM customers ORDER BY id", "substr"),
    (
        "coalesce",
        "SELECT coalesce(note, 'none') AS n, nullif(status, 'shipped') AS s FROM orders",
        "coalesce/nullif",
    ),
    (
        "case",
        "SELECT id, CASE WHEN total > 100 THEN 'big' WHEN total > 20 THEN 'medium' "
        "ELSE 'small' END AS size FROM orders",
        "CASE",
    ),
    (
        "math",
        "SELECT round(total, 1) AS r, abs(total - 50) AS a, total * 2 AS d, "
        "quantity % 3 AS m FROM orders",
        "math",
    ),
    ("cast", "SELECT CAST(total AS INTEGER) AS i, CAST(id AS CHAR(10)) AS s FROM orders", "CAST"),
    ("distinct", "SELECT DISTINCT country FROM customers ORDER BY country", "DISTINCT"),
    ("countdistinct", "SELECT count(DISTINCT customer_id) AS n FROM orders", "COUNT DISTINCT"),
    (
        "union",
        "SELECT country AS v FROM customers UNION SELECT category FROM products ORDER BY v",
        "UNION",
    ),
    (
        "unionall",
        "SELECT 'c' AS kind, count(*) AS n FROM customers UNION ALL "
        "SELECT 'o', count(*) FROM orders",
        "UNION ALL",
    ),
    (
        "orderlimit",
        "SELECT id, total FROM orders ORDER BY total DESC, id LIMIT 10 OFFSET 5",
        "ORDER BY/LIMIT/OFFSET",
    ),
    (
        "sleep-score",
        "SELECT name, sleep_score FROM products ORDER BY sleep_score DESC",
        "a column named like sleep()",
    ),
    (
        "sleep-alias",
        "SELECT avg(sleep_score) AS sleep_avg, max(sleep_score) AS sleep_max FROM products",
        "aliases named like sleep()",
    ),
    (
        "between-like",
        "SELECT name FROM customers WHERE name LIKE 'A%' OR id BETWEEN 3 AND 6 ORDER BY id",
        "LIKE/BETWEEN",
    ),
    ("isnull", "SELECT count(*) AS n FROM orders WHERE note IS NULL", "IS NULL"),
    (
        "comment",
        "SELECT /* the biggest orders */ id, total FROM orders -- top 3\n"
        "ORDER BY total DESC LIMIT 3",
        "comments",
    ),
    (
        "string-semicolon",
        "SELECT 'a; b' AS s, count(*) AS n FROM orders",
        "a semicolon inside a string",
    ),
    (
        "word-string",
        "SELECT count(*) AS n FROM orders WHERE note <> 'DROP TABLE orders; pg_sleep(1)'",
        "dangerous words inside a string literal",
    ),
]

# More shapes an analyst writes, the same in every dialect.
COMMON += [
    (
        "intersect",
        "SELECT customer_id FROM orders WHERE status = 'shipped' INTERSECT "
        "SELECT customer_id FROM orders WHERE status = 'pending' ORDER BY 1",
        "INTERSECT",
    ),
    (
        "except",
        "SELECT id FROM customers EXCEPT SELECT customer_id FROM orders ORDER BY 1",
        "EXCEPT",
    ),
    (
        "in-list",
        "SELECT count(*) AS n FROM orders WHERE status IN ('shipped', 'pending')",
        "IN list",
    ),
    (
        "not-in",
        "SELECT name FROM products WHERE id NOT IN (SELECT product_id FROM orders "
        "WHERE quantity > 4) ORDER BY id",
        "NOT IN subquery",
    ),
    (
        "like-escape",
        "SELECT count(*) AS n FROM customers WHERE email LIKE '%!_%' ESCAPE '!'",
        "LIKE ... ESCAPE",
    ),
    (
        "case-simple",
        "SELECT status, CASE status WHEN 'shipped' THEN 1 WHEN 'pending' THEN 2 "
        "ELSE 3 END AS rank_ FROM orders GROUP BY status ORDER BY status",
        "simple CASE",
    ),
    (
        "avg-round",
        "SELECT category, round(avg(price), 2) AS mean FROM products "
        "GROUP BY category ORDER BY mean DESC",
        "round of an average",
    ),
    (
        "frame",
        "SELECT id, avg(total) OVER (ORDER BY id ROWS BETWEEN 2 PRECEDING AND "
        "CURRENT ROW) AS moving FROM orders ORDER BY id LIMIT 20",
        "a moving average",
    ),
    (
        "ntile",
        "SELECT id, ntile(4) OVER (ORDER BY total) AS q, percent_rank() OVER "
        "(ORDER BY total) AS pr, cume_dist() OVER (ORDER BY total) AS cd FROM orders",
        "ntile",
    ),
    (
        "first-value",
        "SELECT DISTINCT customer_id, first_value(total) OVER (PARTITION BY "
        "customer_id ORDER BY ordered_at) AS first_total FROM orders",
        "first_value",
    ),
    (
        "count-case",
        "SELECT sum(CASE WHEN status = 'shipped' THEN 1 ELSE 0 END) AS shipped, "
        "count(*) AS n FROM orders",
        "conditional aggregation",
    ),
    (
        "greatest",
        "SELECT max(total) - min(total) AS spread, count(*) * 1.0 / "
        "count(DISTINCT customer_id) AS per_customer FROM orders",
        "arithmetic on aggregates",
    ),
    (
        "self-join",
        "SELECT a.id, b.id AS next_id FROM orders a JOIN orders b "
        "ON b.id = a.id + 1 WHERE a.id < 10 ORDER BY a.id",
        "a self join",
    ),
    (
        "derived-join",
        "SELECT c.country, t.n FROM customers c JOIN (SELECT customer_id, "
        "count(*) AS n FROM orders GROUP BY customer_id) t ON t.customer_id = c.id "
        "ORDER BY t.n DESC, c.id LIMIT 5",
        "a join with a derived table",
    ),
    (
        "nested-sub",
        "SELECT name FROM customers WHERE id IN (SELECT customer_id FROM orders "
        "WHERE product_id IN (SELECT id FROM products WHERE category = 'books'))",
        "nested IN subqueries",
    ),
    (
        "alias-like-func",
        "SELECT count(*) AS sleep, sum(total) AS benchmark, min(id) AS load_file FROM orders",
        "aliases named like dangerous functions",
    ),
    (
        "string-func-names",
        "SELECT count(*) AS n FROM orders WHERE note LIKE '%pg_read_file%' "
        "OR note LIKE '%load_extension(%' OR note = 'GET_LOCK(''x'', 0)'",
        "dangerous names inside strings",
    ),
]

# PostgreSQL and SQLite only: in MySQL double quotes are strings.
ANSI_QUOTED = (
    "quoted-ident",
    'SELECT "name" AS "Customer Name" FROM customers WHERE "id" < 5',
    "quoted identifiers",
)
