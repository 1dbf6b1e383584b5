"""Small rich displays for notebooks: the answer's SQL, a schema, the list of projects.

Each has a Markdown or HTML form for JupyterLab and a plain-text ``__repr__`` for a terminal.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any


class AnswerView:
    """The SQL behind an answer, syntax-highlighted, its explanation, and a row count."""

    def __init__(self, answer: dict[str, Any]) -> None:
        self.sql: str = answer.get("sql") or ""
        self.explanation: str | None = answer.get("explanation")
        self.rows_note = rows_note(answer)
        # What the server says the user should know (e.g. a privileged database role).
        self.warnings: list[str] = [str(w) for w in answer.get("warnings") or []]

    def _repr_markdown_(self) -> str:
        # A fence longer than any run of backticks inside the SQL keeps the block closed.
        fence = "`" * max(3, _longest_run(self.sql, "`") + 1)
        parts = [f"> **Warning:** {html.escape(w)}" for w in self.warnings]
        parts.append(f"{fence}sql\n{self.sql}\n{fence}")
        if self.explanation:
            parts.append(self.explanation)
        parts.append(f"*{self.rows_note}*")
        return "\n\n".join(parts)

    def __repr__(self) -> str:
        parts = [f"-- WARNING: {w}" for w in self.warnings]
        parts.append(self.sql)
        if self.explanation:
            parts.append(f"-- {self.explanation}")
        parts.append(f"-- {self.rows_note}")
        return "\n".join(parts)


def rows_note(answer: dict[str, Any]) -> str:
    """``"3 rows"``, or ``"10000 rows (cut at 10000)"`` when the row cap truncated the result."""
    shown = len(answer.get("rows") or [])
    count = int(answer.get("row_count", shown))
    note = f"{count} row{'' if count == 1 else 's'}"
    if not answer.get("truncated"):
        return note
    if answer.get("truncated_reason") == "bytes":
        return f"{note} (cut at {shown}: the answer reached the byte cap)"
    return f"{note} (cut at {shown})"


class SchemaView:
    """A compact schema: one line per table, columns with types and PK/FK marks."""

    def __init__(self, project: dict[str, Any], version: dict[str, Any]) -> None:
        self.project_name = str(project.get("name", ""))
        self.version = version.get("version")
        schema = version.get("schema") or {}
        self.dialect = schema.get("dialect") or project.get("dialect") or ""
        self.tables: list[dict[str, Any]] = list(schema.get("tables") or [])

    def title(self) -> str:
        n = len(self.tables)
        return (
            f"{self.project_name}: schema v{self.version} ({self.dialect}), "
            f"{n} table{'' if n == 1 else 's'}"
        )

    def _repr_html_(self) -> str:
        items = []
        for table in self.tables:
            cols = ", ".join(
                f"{html.escape(name)} <span style='opacity:.6'>{html.escape(rest)}</span>"
                for name, rest in _column_labels(table)
            )
            items.append(f"<li><b>{html.escape(table['name'])}</b>({cols})</li>")
        return (
            f"<div class='askdb-schema'><div>{html.escape(self.title())}</div>"
            f"<ul style='font-family:monospace;margin:0'>{''.join(items)}</ul></div>"
        )

    def __repr__(self) -> str:
        lines = [self.title()]
        for table in self.tables:
            cols = ", ".join(f"{name} {rest}".strip() for name, rest in _column_labels(table))
            lines.append(f"  {table['name']}({cols})")
        return "\n".join(lines)


def _column_labels(table: dict[str, Any]) -> list[tuple[str, str]]:
    """(name, "TYPE PK FK→other.id") for each column of a table in its REST shape."""
    pk = {c.lower() for c in table.get("primary_key") or []}
    refs: dict[str, str] = {}
    for fk in table.get("foreign_keys") or []:
        for col, ref in zip(fk["columns"], fk["ref_columns"], strict=False):
            refs[col.lower()] = f"{fk['ref_table']}.{ref}"
    labels = []
    for col in table.get("columns") or []:
        marks = [col.get("type") or ""]
        if col.get("primary_key") or col["name"].lower() in pk:
            marks.append("PK")
        if col["name"].lower() in refs:
            marks.append(f"FK→{refs[col['name'].lower()]}")
        labels.append((col["name"], " ".join(m for m in marks if m)))
    return labels


class TableView:
    """Rows of text under a header: an HTML table in JupyterLab, aligned columns in a terminal.

    Subclasses name their ``headers``, build ``rows`` and say what an empty table means; a
    ``note`` (when there is one) follows the table.
    """

    css_class = "askdb-table"
    empty_html = empty_text = "Nothing to show."
    headers: Sequence[str] = ()

    def rows(self) -> list[list[str]]:
        raise NotImplementedError

    def title(self) -> str:
        return ""

    def note(self) -> str:
        return ""

    def _repr_html_(self) -> str:
        rows = self.rows()
        title = f"<div>{html.escape(self.title())}</div>" if self.title() else ""
        if not rows:
            return f"{title}<div>{self.empty_html}</div>"
        head = "".join(f"<th>{html.escape(h)}</th>" for h in self.headers)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in row) + "</tr>" for row in rows
        )
        table = f"<table class='{self.css_class}'><tr>{head}</tr>{body}</table>"
        note = self.note()
        return title + table + (f"<div><i>{html.escape(note)}</i></div>" if note else "")

    def __repr__(self) -> str:
        rows = self.rows()
        title = [self.title()] if self.title() else []
        if not rows:
            return "\n".join([*title, self.empty_text])
        rows = [list(self.headers), *rows]
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = [
            "  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in rows
        ]
        note = [self.note()] if self.note() else []
        return "\n".join(title + lines + note)


class ProjectsView(TableView):
    """The caller's projects, the connected one marked with ``*``."""

    COLUMNS = ("name", "dialect", "schema_version", "connection_url")
    css_class = "askdb-projects"
    headers = ("", *COLUMNS)
    empty_html = "No projects yet: <code>%askdb connect &lt;database URL&gt;</code>"
    empty_text = "No projects yet: %askdb connect <database URL>"

    def __init__(self, projects: Sequence[dict[str, Any]], current_id: str | None) -> None:
        self.projects = list(projects)
        self.current_id = current_id

    def rows(self) -> list[list[str]]:
        rows = []
        for p in self.projects:
            mark = "*" if p.get("id") == self.current_id else ""
            rows.append([mark] + ["" if p.get(k) is None else str(p.get(k)) for k in self.COLUMNS])
        return rows


def _longest_run(text: str, char: str) -> int:
    longest = run = 0
    for c in text:
        run = run + 1 if c == char else 0
        longest = max(longest, run)
    return longest
