"""Database values made JSON-safe, for query results sent over the API and stored in history."""

from __future__ import annotations

import datetime as dt
import math
import uuid
from decimal import Decimal
from typing import Any

JSONValue = None | bool | int | float | str | list | dict


def json_safe(value: Any) -> JSONValue:
    """``value`` as something ``json.dumps`` accepts without loss a user would notice.

    Finite numbers stay numbers (integral decimals become ints), NaN and infinities become
    strings, dates and times ISO 8601 strings, bytes a hex string, UUIDs and anything else
    their ``str``; lists, tuples and dicts are converted element by element.
    """
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Decimal):
        return _decimal(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return [json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    return str(value)


def _decimal(value: Decimal) -> int | float | str:
    if not value.is_finite():
        return str(value)
    exponent = value.as_tuple().exponent  # an int once finite ('n', 'N', 'F' are NaN, sNaN, inf)
    if value == value.to_integral_value() and isinstance(exponent, int) and exponent >= 0:
        return int(value)  # COUNT/SUM in PostgreSQL come back as numeric
    return float(value)
