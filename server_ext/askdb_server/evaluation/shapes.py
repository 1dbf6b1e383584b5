"""The shape of a gold query, for reporting accuracy by kind of question.

Shapes are read from sqlglot's syntax tree, checked in this order: a set operation at the top
(UNION, INTERSECT, EXCEPT), any nested SELECT, then the number of joins of the top SELECT
(comma joins count), then GROUP BY on a single table.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

SINGLE = "single table"
GROUPED = "single table with GROUP BY"
ONE_JOIN = "one join"
MULTI_JOIN = "two or more joins"
NESTED = "nested"
SET_OPERATION = "set operations"
UNPARSED = "unparsed"

# Reporting order.
SHAPES = (SINGLE, GROUPED, ONE_JOIN, MULTI_JOIN, NESTED, SET_OPERATION)


def parse_query(sql: str, dialect: str = "sqlite") -> exp.Expression | None:
    """The syntax tree of one query, or None when sqlglot cannot read it."""
    try:
        tree = sqlglot.parse_one(sql, read=dialect)
    except SqlglotError:
        return None
    return tree


def classify(sql: str, dialect: str = "sqlite") -> str:
    """One of ``SHAPES``, or ``UNPARSED`` for SQL that sqlglot cannot read."""
    tree = parse_query(sql, dialect)
    if tree is None:
        return UNPARSED
    if isinstance(tree, exp.SetOperation):
        return SET_OPERATION
    if not isinstance(tree, exp.Select):
        return UNPARSED
    if any(node is not tree for node in tree.find_all(exp.Select)):
        return NESTED
    joins = len(tree.args.get("joins") or ())
    if joins >= 2:
        return MULTI_JOIN
    if joins == 1:
        return ONE_JOIN
    return GROUPED if tree.args.get("group") else SINGLE


def is_ordered(sql: str, dialect: str = "sqlite") -> bool:
    """Whether the query's result order is part of its meaning: a top-level ORDER BY."""
    tree = parse_query(sql, dialect)
    return tree is not None and tree.args.get("order") is not None
