"""Gold queries are reported by shape; the shape comes from the query's syntax tree."""

from __future__ import annotations

import pytest

from askdb_server.evaluation.shapes import (
    GROUPED,
    MULTI_JOIN,
    NESTED,
    ONE_JOIN,
    SET_OPERATION,
    SINGLE,
    UNPARSED,
    classify,
    is_ordered,
)

SHAPE_CASES = [
    ("SELECT count(*) FROM head WHERE age > 56", SINGLE),
    ("SELECT name, born_state, age FROM head ORDER BY age", SINGLE),
    ("SELECT DISTINCT T.name FROM singer AS T WHERE T.country = 'France' LIMIT 3", SINGLE),
    ("SELECT max(budget), min(budget) FROM department", SINGLE),
    ("SELECT country, count(*) FROM singer GROUP BY country", GROUPED),
    ("SELECT country FROM singer GROUP BY country HAVING count(*) >= 3", GROUPED),
    ("SELECT T1.name FROM a AS T1 JOIN b AS T2 ON T1.id = T2.a_id WHERE T2.x = 1", ONE_JOIN),
    (
        "SELECT T1.name, count(*) FROM a AS T1 JOIN b AS T2 ON T1.id = T2.a_id GROUP BY T1.id",
        ONE_JOIN,
    ),
    ("SELECT a.x FROM a, b WHERE a.id = b.a_id", ONE_JOIN),  # a comma join is a join
    (
        "SELECT T3.name FROM a AS T1 JOIN ab AS T2 ON T1.id = T2.a_id JOIN b AS T3 "
        "ON T2.b_id = T3.id",
        MULTI_JOIN,
    ),
    (
        "SELECT a.x FROM a JOIN b ON a.id = b.a_id LEFT JOIN c ON c.id = b.c_id "
        "JOIN d ON d.id = c.d_id",
        MULTI_JOIN,
    ),
    ("SELECT name FROM singer WHERE age > (SELECT avg(age) FROM singer)", NESTED),
    ("SELECT name FROM stadium WHERE id NOT IN (SELECT stadium_id FROM concert)", NESTED),
    ("SELECT count(*) FROM (SELECT country FROM singer GROUP BY country)", NESTED),
    (
        "SELECT T1.name FROM a AS T1 JOIN b AS T2 ON T1.id = T2.a_id "
        "WHERE T2.v > (SELECT avg(v) FROM b)",
        NESTED,
    ),
    ("SELECT name FROM a WHERE x = 1 INTERSECT SELECT name FROM a WHERE x = 2", SET_OPERATION),
    ("SELECT name FROM a UNION SELECT name FROM b", SET_OPERATION),
    ("SELECT id FROM a EXCEPT SELECT a_id FROM b", SET_OPERATION),
    ("SELECT name FROM a WHERE x IN (SELECT x FROM b EXCEPT SELECT x FROM c)", NESTED),
    ("SELECT FROM WHERE (", UNPARSED),
]


@pytest.mark.parametrize(("sql", "shape"), SHAPE_CASES)
def test_classify(sql: str, shape: str) -> None:
    assert classify(sql) == shape


ORDER_CASES = [
    ("SELECT name FROM a ORDER BY age DESC LIMIT 1", True),
    ("SELECT name FROM a", False),
    ("SELECT name FROM a WHERE id IN (SELECT id FROM b ORDER BY x LIMIT 3)", False),
    ("SELECT name FROM a UNION SELECT name FROM b ORDER BY name", True),
    ("SELECT count(*) FROM (SELECT x FROM a ORDER BY x)", False),
]


@pytest.mark.parametrize(("sql", "ordered"), ORDER_CASES)
def test_only_a_top_level_order_by_makes_order_matter(sql: str, ordered: bool) -> None:
    assert is_ordered(sql) is ordered
