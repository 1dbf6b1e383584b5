"""``json_safe``: every database value becomes something JSON can carry."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal

import pytest

from askdb_server.sqlrun.serialize import json_safe


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (True, True),
        (42, 42),
        ("text", "text"),
        (1.25, 1.25),
        (float("nan"), "nan"),
        (float("inf"), "inf"),
        (Decimal("10"), 10),
        (Decimal("10.00"), 10.0),
        (Decimal("2.5"), 2.5),
        (Decimal("1E+3"), 1000),
        (Decimal("NaN"), "NaN"),
        (Decimal("-Infinity"), "-Infinity"),
        (dt.date(2024, 2, 29), "2024-02-29"),
        (dt.datetime(2024, 1, 2, 3, 4, 5), "2024-01-02T03:04:05"),
        (
            dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc),
            "2024-01-02T03:04:05+00:00",
        ),
        (dt.time(12, 30), "12:30:00"),
        (dt.timedelta(days=1, hours=2), "1 day, 2:00:00"),
        (b"\x00\xff", "00ff"),
        (memoryview(b"ab"), "6162"),
        (uuid.UUID("12345678-1234-5678-1234-567812345678"), "12345678-1234-5678-1234-567812345678"),
        ([1, Decimal("1.5"), None], [1, 1.5, None]),
        ((dt.date(2024, 1, 1),), ["2024-01-01"]),
        ({"a": Decimal("2"), 3: b"\x01"}, {"a": 2, "3": "01"}),
    ],
)
def test_json_safe(value: object, expected: object) -> None:
    assert json_safe(value) == expected
    json.dumps(json_safe(value), allow_nan=False)


def test_unknown_types_become_their_text() -> None:
    class Point:
        def __str__(self) -> str:
            return "(1,2)"

    assert json_safe(Point()) == "(1,2)"
