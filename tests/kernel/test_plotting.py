"""The chart chosen for an answer depends only on its columns' kinds."""

from __future__ import annotations

import pandas as pd
import pytest

from askdb.plotting import chart_kind, figure_for

DATES = pd.to_datetime(["2024-03-01", "2024-01-01", "2024-02-01"])

CASES = [
    # (name, frame, chart kind, plotly trace type)
    ("single number", pd.DataFrame({"n": [42]}), "indicator", "indicator"),
    ("category + number", pd.DataFrame({"country": ["FR", "DE"], "n": [3, 1]}), "bar", "bar"),
    ("number + category", pd.DataFrame({"n": [3, 1], "country": ["FR", "DE"]}), "bar", "bar"),
    ("bool + number", pd.DataFrame({"vip": [True, False], "n": [2, 5]}), "bar", "bar"),
    ("date + number", pd.DataFrame({"day": DATES, "total": [3.0, 1.0, 2.0]}), "line", "scatter"),
    (
        "date + two numbers",
        pd.DataFrame({"day": DATES, "a": [1, 2, 3], "b": [4, 5, 6]}),
        "line",
        "scatter",
    ),
    ("two numbers", pd.DataFrame({"x": [1, 2, 3], "y": [2.0, 4.0, 6.0]}), "scatter", "scatter"),
    ("one number, many rows", pd.DataFrame({"n": [1, 2]}), "table", "table"),
    ("one category", pd.DataFrame({"name": ["Ada", "Eve"]}), "table", "table"),
    ("two categories", pd.DataFrame({"a": ["x"], "b": ["y"]}), "table", "table"),
    ("three numbers", pd.DataFrame({"a": [1], "b": [2], "c": [3]}), "table", "table"),
    (
        "category + date + number",
        pd.DataFrame({"c": ["x", "y", "z"], "d": DATES, "n": [1, 2, 3]}),
        "table",
        "table",
    ),
    ("no rows", pd.DataFrame({"country": [], "n": []}), "table", "table"),
    ("no columns", pd.DataFrame(), "table", "table"),
]


@pytest.mark.parametrize(
    ("frame", "kind", "trace"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_chart_choice(frame: pd.DataFrame, kind: str, trace: str) -> None:
    assert chart_kind(frame) == kind
    fig = figure_for(frame)
    assert {t.type for t in fig.data} == {trace}


def test_bar_puts_categories_on_x_and_labels_axes() -> None:
    fig = figure_for(pd.DataFrame({"n": [3, 1], "country": ["FR", "DE"]}))
    assert list(fig.data[0].x) == ["FR", "DE"]
    assert list(fig.data[0].y) == [3, 1]
    assert fig.layout.xaxis.title.text == "country"
    assert fig.layout.yaxis.title.text == "n"


def test_line_is_sorted_by_time_with_one_trace_per_number() -> None:
    fig = figure_for(pd.DataFrame({"day": DATES, "a": [30, 10, 20], "b": [3, 1, 2]}))
    assert [t.name for t in fig.data] == ["a", "b"]
    assert list(fig.data[0].y) == [10, 20, 30]
    assert fig.data[0].mode == "lines"


def test_indicator_shows_the_value_and_column_name() -> None:
    fig = figure_for(pd.DataFrame({"customers": [5]}))
    assert fig.data[0].value == 5
    assert fig.data[0].title.text == "customers"


def test_table_shows_every_cell_with_blanks_for_nulls() -> None:
    fig = figure_for(pd.DataFrame({"a": ["x", None], "b": ["y", "z"]}))
    assert list(fig.data[0].header.values) == ["a", "b"]
    assert [list(v) for v in fig.data[0].cells.values] == [["x", ""], ["y", "z"]]
