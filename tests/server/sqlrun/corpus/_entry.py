"""The constructors the corpus modules write their entries with."""

from __future__ import annotations


def hostile_entry(
    dialect: str,
    id: str,
    cls: str,
    sql: str,
    note: str,
    *,
    harm: str = "effect",
    expect: str = "refuse",
    url_query: dict[str, str] | None = None,
    row_mb: int = 0,
) -> dict:
    entry = {
        "id": id,
        "dialect": dialect,
        "class": cls,
        "sql": sql,
        "note": note,
        "harm": harm,
        "expect": expect,
    }
    if url_query:
        entry["url_query"] = dict(url_query)
    if row_mb:
        entry["row_mb"] = row_mb  # its largest single row: a driver reads one row whole
    return entry


def legit_entry(
    dialect: str, id: str, sql: str, note: str, *, functions: tuple[str, ...] = ()
) -> dict:
    entry = {"id": id, "dialect": dialect, "class": "legit", "sql": sql, "note": note}
    if functions:
        entry["functions"] = list(functions)
    return entry
