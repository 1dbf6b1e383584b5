"""Answers (columns + JSON rows) as pandas DataFrames with sensible dtypes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import pandas as pd

# ISO 8601 dates and date-times as JSON carries them: 2024-03-01, 2024-03-01T10:00:00.5+01:00
_ISO_DATE = re.compile(
    r"^\d{4}-\d{2}-\d{2}"
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$"
)


def answer_to_frame(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> pd.DataFrame:
    """A DataFrame of an answer's rows; pandas infers dtypes, ISO date columns become datetimes."""
    frame = pd.DataFrame([list(r) for r in rows], columns=list(columns))
    if frame.empty:
        return frame
    frame = frame.infer_objects()
    for position in range(frame.shape[1]):
        parsed = parse_iso_dates(frame.iloc[:, position])
        if parsed is not None:
            # Positional assignment keeps duplicate column names (``select a.id, b.id``) intact.
            frame.isetitem(position, parsed)
    return frame


def parse_iso_dates(values: pd.Series) -> pd.Series | None:
    """``values`` as datetimes when every non-null value is an ISO date string, else ``None``."""
    present = values.dropna()
    if present.empty or not all(isinstance(v, str) and _ISO_DATE.match(v) for v in present):
        return None
    try:
        return pd.to_datetime(values, format="ISO8601")
    except (ValueError, TypeError, OverflowError):
        return None  # mixed UTC offsets or out-of-range years: keep the strings
