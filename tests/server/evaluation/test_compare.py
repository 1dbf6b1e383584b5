"""Execution match: rows as multisets, order only when the gold query orders, values normalised."""

from __future__ import annotations

from decimal import Decimal

import pytest

from askdb_server.evaluation.compare import rows_match

CASES = [
    # (gold rows, predicted rows, gold has ORDER BY, match?)
    ([[1], [2]], [[2], [1]], False, True),  # order does not matter without ORDER BY
    ([[1], [2]], [[2], [1]], True, False),  # ...and does with it
    ([[1], [2]], [[1], [2]], True, True),
    ([[1], [1], [2]], [[1], [2], [2]], False, False),  # duplicates count (multisets)
    ([[1], [1], [2]], [[1], [2]], False, False),
    ([["a", 1], ["a", 1]], [["a", 1], ["a", 1]], False, True),
    ([[1]], [[1.0]], False, True),  # 1 and 1.0 are the same number
    ([[True]], [[1]], False, True),
    ([[Decimal("2.50")]], [[2.5]], False, True),
    ([[0.1 + 0.2]], [[0.3]], False, True),  # float tolerance
    ([[1 / 3]], [[0.333333333333]], False, True),
    ([[12.5]], [[12.6]], False, False),  # but not a different number
    ([[1]], [["1"]], False, False),  # text is not a number
    ([[None]], [[None]], False, True),
    ([[None]], [[0]], False, False),
    ([["Ana", 3]], [[3, "Ana"]], False, False),  # columns in the gold's order
    ([["Ana", 3]], [["Ana"]], False, False),  # column count
    ([], [], False, True),  # both empty
    ([], [[1]], False, False),
    ([[2.0, "x"], [1.0, "y"], [None, "z"]], [[None, "z"], [1, "y"], [2, "x"]], False, True),
    ([["b"], ["a"]], [["a"], ["b"]], True, False),
]


@pytest.mark.parametrize(("gold", "predicted", "ordered", "expected"), CASES)
def test_rows_match(gold: list, predicted: list, ordered: bool, expected: bool) -> None:
    assert rows_match(gold, predicted, ordered=ordered) is expected
