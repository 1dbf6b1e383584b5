"""Adapting an approved question's SQL to a near-identical question by swapping its values."""

from __future__ import annotations

import pytest

from askdb_server.engine.values import ValueIndex
from askdb_server.knowledge.golden import adapt_sql

COUNT_FRANCE = "SELECT COUNT(*) FROM orders WHERE country = 'France'"

ADAPTED = [
    # (approved question, approved SQL, new question, expected SQL)
    (
        "how many orders from France?",
        COUNT_FRANCE,
        "how many orders from Japan?",
        "SELECT COUNT(*) FROM orders WHERE country = 'Japan'",
    ),
    (  # typed lowercase: the value takes the stored value's capitalisation
        "how many orders from France?",
        COUNT_FRANCE,
        "how many orders from japan",
        "SELECT COUNT(*) FROM orders WHERE country = 'Japan'",
    ),
    (  # a multi-word value replaced by a one-word value, and back
        "customers in New York",
        "SELECT name FROM customers WHERE city = 'New York'",
        "customers in Paris",
        "SELECT name FROM customers WHERE city = 'Paris'",
    ),
    (  # a value typed with capitals is kept as typed
        "customers in Paris",
        "SELECT name FROM customers WHERE city = 'Paris'",
        "customers in Rio de Janeiro",
        "SELECT name FROM customers WHERE city = 'Rio de Janeiro'",
    ),
    (  # a number in LIMIT
        "top 5 products by price",
        "SELECT name FROM products ORDER BY price DESC LIMIT 5",
        "top 10 products by price",
        "SELECT name FROM products ORDER BY price DESC LIMIT 10",
    ),
    (  # a decimal comparison
        "orders with a total above 99.5",
        "SELECT * FROM orders WHERE total > 99.5",
        "orders with a total above 20",
        "SELECT * FROM orders WHERE total > 20",
    ),
    (  # a year inside date literals, and a value in the same question
        "orders from France in 2023",
        "SELECT * FROM orders WHERE country = 'France' "
        "AND ordered_on BETWEEN '2023-01-01' AND '2023-12-31'",
        "orders from Peru in 2024",
        "SELECT * FROM orders WHERE country = 'Peru' "
        "AND ordered_on BETWEEN '2024-01-01' AND '2024-12-31'",
    ),
    (  # a value inside a LIKE pattern
        "customers whose name contains 'Ada'",
        "SELECT * FROM customers WHERE name LIKE '%Ada%'",
        "customers whose name contains 'Bo'",
        "SELECT * FROM customers WHERE name LIKE '%Bo%'",
    ),
    (  # a quote in the new value is escaped
        "books by 'Tolkien'",
        "SELECT title FROM books WHERE author = 'Tolkien'",
        "books by 'O'Brien'",
        "SELECT title FROM books WHERE author = 'O''Brien'",
    ),
    (  # the same question, formatted differently: the approved SQL as it is
        "How many orders from France?",
        "select count(*)\nfrom orders where country='France'",
        "how many orders from France",
        "select count(*)\nfrom orders where country='France'",
    ),
    (  # an article more or less does not change the question
        "list the customers in Japan",
        "SELECT name FROM customers WHERE country = 'Japan'",
        "list customers in Peru",
        "SELECT name FROM customers WHERE country = 'Peru'",
    ),
]

NOT_ADAPTED = [
    # (approved question, approved SQL, new question): a different shape, so no candidate
    ("how many orders from France?", COUNT_FRANCE, "how many customers from France?"),
    ("how many orders from France?", COUNT_FRANCE, "average total of orders from France"),
    ("how many orders from France?", COUNT_FRANCE, "how many orders from France or Japan?"),
    ("how many orders from France?", COUNT_FRANCE, "how many orders"),
    ("how many orders from France?", COUNT_FRANCE, "how many orders not from Japan?"),
    (  # the changed words are not a literal of the SQL
        "orders placed last year",
        "SELECT * FROM orders WHERE strftime('%Y', ordered_on) = '2023'",
        "orders placed this year",
    ),
    (  # a number replaced by a word is another kind of question
        "top 5 products by price",
        "SELECT name FROM products ORDER BY price DESC LIMIT 5",
        "top cheap products by price",
    ),
    (  # the approved SQL does not parse: nothing to adapt safely
        "how many orders from France?",
        "SELECT COUNT(*) FROM orders WHERE country = 'France",
        "how many orders from Japan?",
    ),
]


@pytest.mark.parametrize(("approved_q", "approved_sql", "question", "expected"), ADAPTED)
def test_values_are_swapped(approved_q, approved_sql, question, expected):
    adapted = adapt_sql(approved_q, approved_sql, question, "sqlite")
    assert adapted is not None
    assert adapted.sql == expected


@pytest.mark.parametrize(("approved_q", "approved_sql", "question"), NOT_ADAPTED)
def test_a_different_question_is_not_adapted(approved_q, approved_sql, question):
    assert adapt_sql(approved_q, approved_sql, question, "sqlite") is None


def test_swaps_are_reported():
    adapted = adapt_sql(
        "orders from France in 2023",
        "SELECT * FROM orders WHERE country = 'France' AND year = 2023",
        "orders from Peru in 2021",
    )
    assert adapted.swaps == (("France", "Peru"), ("2023", "2021"))


VALUES = ValueIndex.from_values(
    {("customers", "country"): ["France", "Japan", "United States"], ("orders", "status"): ["open"]}
)


def test_the_stored_spelling_of_a_known_value_is_used():
    adapted = adapt_sql(
        "orders from France", COUNT_FRANCE, "orders from united states", "sqlite", VALUES
    )
    assert adapted.sql == "SELECT COUNT(*) FROM orders WHERE country = 'United States'"


def test_a_value_missing_from_a_fully_known_column_is_not_swapped():
    # Every country is known, and 'Atlantis' is not one: the adapted query could match nothing.
    assert (
        adapt_sql("orders from France", COUNT_FRANCE, "orders from Atlantis", "sqlite", VALUES)
        is None
    )
    # A value of another column is not a country either.
    assert (
        adapt_sql("orders from France", COUNT_FRANCE, "orders from open", "sqlite", VALUES) is None
    )


def test_dialects_quote_their_own_way():
    sql = 'SELECT COUNT(*) FROM `orders` WHERE `country` = "France"'
    adapted = adapt_sql("orders from France", sql, "orders from Japan", "mysql")
    assert adapted.sql == "SELECT COUNT(*) FROM `orders` WHERE `country` = 'Japan'"
