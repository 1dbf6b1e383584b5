"""The answer's display in a notebook: the SQL, which cap cut rows, and the server's warnings."""

from __future__ import annotations

from askdb.views import AnswerView, rows_note


def test_the_rows_note_says_which_cap_cut_rows() -> None:
    base = {"rows": [[1], [2]], "row_count": 2}
    assert rows_note(base) == "2 rows"
    assert rows_note({**base, "truncated": True, "truncated_reason": "rows"}) == "2 rows (cut at 2)"
    assert "byte cap" in rows_note({**base, "truncated": True, "truncated_reason": "bytes"})


def test_warnings_come_first_in_both_forms() -> None:
    view = AnswerView(
        {
            "sql": "SELECT 1",
            "rows": [[1]],
            "row_count": 1,
            "warnings": ["This project connects as a privileged database role <superuser>."],
        }
    )
    markdown = view._repr_markdown_()
    assert markdown.startswith("> **Warning:** This project connects")
    assert "&lt;superuser&gt;" in markdown  # the server's text is escaped, not markup
    assert repr(view).startswith("-- WARNING: This project connects")
    assert AnswerView({"sql": "SELECT 1", "rows": []})._repr_markdown_().startswith("```sql")
