"""Legitimate MariaDB queries: the common ones plus MySQL syntax."""

from __future__ import annotations

from functools import partial

from ._entry import legit_entry
from .legit_common import COMMON, CTE_OVER_OWN_NAME

_l = partial(legit_entry, "mysql")

ENTRIES: list[dict] = [
    _l(f"my-ok-{short}", sql, note) for short, sql, note in [*COMMON, CTE_OVER_OWN_NAME]
]
ENTRIES += [
    _l(
        "my-ok-dateformat",
        "SELECT DATE_FORMAT(ordered_at, '%Y-%m') AS ym, COUNT(*) AS n "
        "FROM orders GROUP BY ym ORDER BY ym",
        "DATE_FORMAT",
    ),
    _l(
        "my-ok-extract",
        "SELECT EXTRACT(YEAR FROM ordered_at) AS y, MONTH(ordered_at) AS m, "
        "DAYOFWEEK(ordered_at) AS d FROM orders LIMIT 5",
        "EXTRACT/MONTH",
    ),
    _l(
        "my-ok-dateadd",
        "SELECT COUNT(*) AS n FROM orders WHERE ordered_at > "
        "DATE_SUB('2024-06-01', INTERVAL 30 DAY)",
        "date arithmetic",
    ),
    _l(
        "my-ok-datediff",
        "SELECT DATEDIFF('2025-01-01', created_at) AS days FROM customers",
        "DATEDIFF",
    ),
    _l(
        "my-ok-concat",
        "SELECT CONCAT(name, ' <', email, '>') AS c, "
        "CONCAT_WS('-', country, tier) AS d FROM customers",
        "CONCAT",
    ),
    _l(
        "my-ok-substring",
        "SELECT SUBSTRING(email, 1, 5) AS s, "
        "SUBSTRING_INDEX(email, '@', -1) AS domain FROM customers",
        "SUBSTRING_INDEX",
    ),
    _l(
        "my-ok-ceil",
        "SELECT CEIL(total) AS c, FLOOR(total) AS f, TRUNCATE(total, 0) AS t, "
        "GREATEST(total, 10) AS g FROM orders",
        "ceil/floor",
    ),
    _l(
        "my-ok-json",
        "SELECT JSON_UNQUOTE(JSON_EXTRACT(attrs, '$.color')) AS color, "
        "JSON_EXTRACT(attrs, '$.dims.w') AS w FROM products",
        "JSON_EXTRACT",
    ),
    _l(
        "my-ok-jsonobj",
        "SELECT JSON_OBJECT('id', id, 'name', name) AS j, JSON_VALID(attrs) AS v FROM products",
        "JSON_OBJECT",
    ),
    _l(
        "my-ok-groupconcat",
        "SELECT country, GROUP_CONCAT(name ORDER BY name SEPARATOR ', ') "
        "AS names FROM customers GROUP BY country",
        "GROUP_CONCAT",
    ),
    _l(
        "my-ok-if",
        "SELECT IF(total > 100, 'big', 'small') AS s, IFNULL(note, '-') AS n FROM orders",
        "IF/IFNULL",
    ),
    _l(
        "my-ok-qualified",
        "SELECT COUNT(*) AS n FROM __DB__.orders",
        "the project's own table, database-qualified",
    ),
    _l(
        "my-ok-qualified-join",
        "SELECT c.name FROM __DB__.customers c JOIN __DB__.orders o "
        "ON o.customer_id = c.id LIMIT 5",
        "qualified join",
    ),
    _l(
        "my-ok-backticks",
        "SELECT `name`, `country` FROM `customers` ORDER BY `id`",
        "backtick identifiers",
    ),
    _l(
        "my-ok-important",
        "SELECT /* !important */ id, total FROM orders ORDER BY id LIMIT 3",
        "/* ! with a space is a plain comment",
    ),
    _l(
        "my-ok-hash-comment",
        "SELECT id FROM orders # trailing comment\nORDER BY id LIMIT 2",
        "# comments",
    ),
    _l("my-ok-limit-comma", "SELECT id FROM orders ORDER BY id LIMIT 5, 10", "LIMIT m, n"),
    _l(
        "my-ok-dq-string",
        'SELECT "quoted" AS s, COUNT(*) AS n FROM orders',
        "a double-quoted string",
    ),
    _l("my-ok-md5", "SELECT MD5(email) AS h FROM customers LIMIT 3", "MD5 of a column"),
    _l(
        "my-ok-udf",
        "SELECT id, sleep_score(id) AS s FROM products ORDER BY id",
        "a stored function the project allows",
        functions=("sleep_score",),
    ),
]

ENTRIES += [
    _l(f"my-ok-{short}", sql, note)
    for short, sql, note in [
        ("regexp", "SELECT name FROM customers WHERE name REGEXP '^[A-C]'", "REGEXP"),
        ("rlike", "SELECT COUNT(*) AS n FROM customers WHERE email RLIKE 'example'", "RLIKE"),
        ("dual", "SELECT 1 + 1 AS two FROM DUAL", "FROM DUAL"),
        (
            "interval-expr",
            "SELECT id, ordered_at + INTERVAL 1 DAY AS next_day FROM orders LIMIT 5",
            "date + INTERVAL",
        ),
        (
            "curdate",
            "SELECT COUNT(*) AS n FROM orders WHERE ordered_at > CURDATE() - INTERVAL 7 DAY",
            "CURDATE() - INTERVAL",
        ),
        (
            "div-xor",
            "SELECT id DIV 3 AS d, (id > 5) XOR (id > 10) AS x, id MOD 4 AS m FROM orders LIMIT 5",
            "DIV/XOR/MOD",
        ),
        ("null-safe", "SELECT COUNT(*) AS n FROM orders WHERE note <=> NULL", "<=>"),
        (
            "rollup",
            "SELECT status, COUNT(*) AS n FROM orders GROUP BY status WITH ROLLUP",
            "WITH ROLLUP",
        ),
        (
            "cast-decimal",
            "SELECT CAST(total AS DECIMAL(10, 1)) AS d, CAST(id AS SIGNED) AS s, "
            "CAST(ordered_at AS DATE) AS day FROM orders LIMIT 5",
            "CAST types",
        ),
        (
            "str-to-date",
            "SELECT STR_TO_DATE('06/05/2024', '%d/%m/%Y') AS d, "
            "TIMESTAMPDIFF(DAY, '2024-01-01', ordered_at) AS days FROM orders LIMIT 3",
            "STR_TO_DATE/TIMESTAMPDIFF",
        ),
        (
            "year-month",
            "SELECT YEAR(ordered_at) AS y, MONTHNAME(ordered_at) AS m, "
            "DAYNAME(ordered_at) AS d, LAST_DAY(ordered_at) AS e FROM orders LIMIT 3",
            "date part functions",
        ),
        (
            "field-order",
            "SELECT id, status FROM orders ORDER BY FIELD(status, 'pending', "
            "'shipped'), id LIMIT 10",
            "ORDER BY FIELD()",
        ),
        (
            "group-concat-distinct",
            "SELECT GROUP_CONCAT(DISTINCT country ORDER BY country) AS c FROM customers",
            "GROUP_CONCAT DISTINCT",
        ),
        (
            "json-arrayagg",
            "SELECT category, JSON_ARRAYAGG(name) AS names FROM products GROUP BY category",
            "JSON_ARRAYAGG",
        ),
        ("median", "SELECT DISTINCT MEDIAN(total) OVER () AS m FROM orders", "MEDIAN"),
        (
            "percentile",
            "SELECT DISTINCT PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY total) "
            "OVER () AS p FROM orders",
            "PERCENTILE_CONT",
        ),
        ("values", "SELECT * FROM (VALUES (1, 'a'), (2, 'b')) AS v", "a table value constructor"),
        (
            "window-clause",
            "SELECT id, SUM(total) OVER w AS s FROM orders "
            "WINDOW w AS (PARTITION BY status ORDER BY id)",
            "WINDOW clause",
        ),
        (
            "lpad",
            "SELECT LPAD(id, 5, '0') AS padded, LEFT(name, 2) AS l, RIGHT(email, 4) AS r "
            "FROM customers",
            "LPAD/LEFT/RIGHT",
        ),
        (
            "locate",
            "SELECT LOCATE('@', email) AS p, INSTR(email, '.') AS q FROM customers",
            "LOCATE/INSTR on small strings",
        ),
        (
            "like-binary",
            "SELECT COUNT(*) AS n FROM customers WHERE name LIKE BINARY 'A%'",
            "LIKE BINARY",
        ),
        (
            "if-null",
            "SELECT IFNULL(note, 'none') AS n, NULLIF(quantity, 1) AS q, "
            "IF(quantity > 2, 'many', 'few') AS k FROM orders LIMIT 5",
            "IF/IFNULL/NULLIF",
        ),
        (
            "json-contains",
            "SELECT name FROM products WHERE JSON_CONTAINS(attrs, '\"red\"', '$.color')",
            "JSON_CONTAINS",
        ),
        (
            "convert-using",
            "SELECT CONVERT(name USING utf8mb4) AS n FROM customers LIMIT 3",
            "CONVERT ... USING",
        ),
        (
            "date-format-week",
            "SELECT DATE_FORMAT(ordered_at, '%x-W%v') AS wk, COUNT(*) AS n "
            "FROM orders GROUP BY wk ORDER BY wk",
            "DATE_FORMAT with week",
        ),
    ]
]
