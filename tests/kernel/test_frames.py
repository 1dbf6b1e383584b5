"""Answer rows become DataFrames with the dtypes a user expects."""

from __future__ import annotations

import pandas as pd
import pytest
from pandas.api import types as ptypes

from askdb.frames import answer_to_frame, parse_iso_dates


def test_numbers_and_text_keep_their_types() -> None:
    df = answer_to_frame(["country", "n", "avg"], [["FR", 3, 1.5], ["DE", 1, None]])
    assert df.columns.tolist() == ["country", "n", "avg"]
    assert ptypes.is_integer_dtype(df["n"])
    assert ptypes.is_float_dtype(df["avg"])
    assert df["country"].tolist() == ["FR", "DE"]


def test_iso_dates_become_datetimes() -> None:
    df = answer_to_frame(["day", "at"], [["2024-01-05", "2024-01-05T10:00:00"], [None, None]])
    assert ptypes.is_datetime64_any_dtype(df["day"])
    assert df["day"].iloc[0] == pd.Timestamp("2024-01-05")
    assert ptypes.is_datetime64_any_dtype(df["at"])


@pytest.mark.parametrize(
    "values",
    [
        ["2024-01-05", "not a date"],  # one value does not parse: keep the strings
        ["05/01/2024"],  # not ISO
        ["2024-13-45"],  # looks ISO, is not a date
        [None, None],  # nothing to go on
        [20240105],  # a number, not a string
    ],
)
def test_columns_that_are_not_all_iso_dates_are_left_alone(values: list) -> None:
    assert parse_iso_dates(pd.Series(values, dtype=object)) is None


def test_duplicate_column_names_survive() -> None:
    df = answer_to_frame(["id", "id"], [[1, 2]])
    assert df.shape == (1, 2)
    assert df.iloc[0].tolist() == [1, 2]


def test_no_rows_gives_an_empty_frame_with_the_columns() -> None:
    df = answer_to_frame(["a", "b"], [])
    assert df.empty
    assert df.columns.tolist() == ["a", "b"]
