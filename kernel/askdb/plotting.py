"""The chart for an answer: a pure function of the DataFrame's shape and dtypes.

| columns                          | chart     |
| -------------------------------- | --------- |
| one number, one row              | indicator |
| one category + one number        | bar       |
| one date/time + one or more nums | line      |
| two numbers                      | scatter   |
| anything else (or no rows)       | table     |
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
from pandas.api import types as ptypes

if TYPE_CHECKING:
    import plotly.graph_objects as go


def column_kind(values: pd.Series) -> str:
    """``"number"``, ``"datetime"`` or ``"category"`` (booleans are categories, not numbers)."""
    if ptypes.is_bool_dtype(values):
        return "category"
    if ptypes.is_numeric_dtype(values):
        return "number"
    if ptypes.is_datetime64_any_dtype(values):
        return "datetime"
    return "category"


def chart_kind(df: pd.DataFrame) -> str:
    """Which chart ``figure_for`` draws: indicator, bar, line, scatter or table."""
    if df.empty:
        return "table"
    kinds = [column_kind(df.iloc[:, i]) for i in range(df.shape[1])]
    numbers = kinds.count("number")
    if kinds == ["number"] and len(df) == 1:
        return "indicator"
    if sorted(kinds) == ["category", "number"]:
        return "bar"
    if kinds.count("datetime") == 1 and numbers == len(kinds) - 1 and numbers >= 1:
        return "line"
    if kinds == ["number", "number"]:
        return "scatter"
    return "table"


def figure_for(df: pd.DataFrame) -> go.Figure:
    """A Plotly figure that suits the answer ``df`` (see the module docstring)."""
    import plotly.graph_objects as go  # plotly is slow to import: only when a chart is asked for

    kind = chart_kind(df)
    names = [str(c) for c in df.columns]
    cols = [df.iloc[:, i] for i in range(df.shape[1])]
    fig = go.Figure()
    if kind == "indicator":
        fig.add_trace(go.Indicator(mode="number", value=_scalar(cols[0].iloc[0]), title=names[0]))
        return fig
    if kind == "bar":
        cat, num = (0, 1) if column_kind(cols[0]) == "category" else (1, 0)
        x, y = cols[cat].astype(str).tolist(), cols[num].tolist()
        fig.add_trace(go.Bar(x=x, y=y, name=names[num]))
        return _titled(fig, names[cat], names[num])
    if kind == "line":
        when = next(i for i, c in enumerate(cols) if column_kind(c) == "datetime")
        order = cols[when].to_numpy().argsort(kind="stable")
        x = cols[when].iloc[order]
        for i, c in enumerate(cols):
            if i != when:
                fig.add_trace(go.Scatter(x=x, y=c.iloc[order], mode="lines", name=names[i]))
        return _titled(fig, names[when], names[1 - when] if len(cols) == 2 else "")
    if kind == "scatter":
        fig.add_trace(go.Scatter(x=cols[0], y=cols[1], mode="markers", name=names[1]))
        return _titled(fig, names[0], names[1])
    fig.add_trace(
        go.Table(
            header={"values": names},
            cells={"values": [c.astype(object).where(c.notna(), "").tolist() for c in cols]},
        )
    )
    return fig


def _titled(fig: go.Figure, x: str, y: str) -> go.Figure:
    fig.update_layout(xaxis_title=x, yaxis_title=y, showlegend=bool(len(fig.data) > 1))
    return fig


def _scalar(value: object) -> float | None:
    return None if pd.isna(value) else float(value)  # type: ignore[arg-type]
