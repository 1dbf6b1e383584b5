"""Execution match: do two result sets hold the same rows?

Rows compare as multisets (duplicates count), in order only when the gold query orders its
result. Values are normalised first so that representation does not matter: 1, 1.0, True and
Decimal("1") are the same number, and floats match within a small relative tolerance (sums and
averages differ in their last bits between query plans).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

REL_TOL = 1e-6
ABS_TOL = 1e-9

Row = tuple[Any, ...]


def normalize_value(value: Any) -> Any:
    """Numbers as floats, text as is, NULL as None, anything else as its text."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool | int | float | Decimal):
        return float(value)
    return str(value)


def rows_match(
    gold: Sequence[Sequence[Any]], predicted: Sequence[Sequence[Any]], *, ordered: bool
) -> bool:
    """Whether ``predicted`` returns the same rows as ``gold`` (same columns, in order)."""
    if len(gold) != len(predicted):
        return False
    g = [tuple(normalize_value(v) for v in row) for row in gold]
    p = [tuple(normalize_value(v) for v in row) for row in predicted]
    if not ordered:
        g.sort(key=_sort_key)
        p.sort(key=_sort_key)
    return all(_rows_close(a, b) for a, b in zip(g, p, strict=True))


def _rows_close(a: Row, b: Row) -> bool:
    return len(a) == len(b) and all(_values_close(x, y) for x, y in zip(a, b, strict=True))


def _values_close(x: Any, y: Any) -> bool:
    if isinstance(x, float) and isinstance(y, float):
        if math.isnan(x) or math.isnan(y):
            return math.isnan(x) and math.isnan(y)
        return math.isclose(x, y, rel_tol=REL_TOL, abs_tol=ABS_TOL)
    return x == y


def _sort_key(row: Row) -> tuple:
    # Rounded to fewer digits than the tolerance resolves, so that values that compare equal
    # sort to the same place in both lists; the type rank keeps mixed columns sortable.
    return tuple(_value_key(v) for v in row)


def _value_key(v: Any) -> tuple:
    if v is None:
        return (0, 0.0, "")
    if isinstance(v, float):
        return (1, 0.0 if math.isnan(v) else float(f"{v:.6g}"), "")
    return (2, 0.0, str(v))
