"""The quickstart notebook runs green in a real kernel (nbclient), with the outputs a user sees."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).parents[2] / "notebooks" / "quickstart.ipynb"


def _text(output) -> str:
    if output.output_type == "stream":
        return output.text
    if output.output_type == "error":
        return f"{output.ename}: {output.evalue}"
    data = output.get("data", {})
    return "\n".join(str(data.get(k, "")) for k in ("text/plain", "text/markdown", "text/html"))


def _cell(nb, source_start: str):
    return next(c for c in nb.cells if c.cell_type == "code" and c.source.startswith(source_start))


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    work = tmp_path_factory.mktemp("quickstart")
    shutil.copy(NOTEBOOK, work / "quickstart.ipynb")
    nb = nbformat.read(work / "quickstart.ipynb", as_version=4)
    env = {
        **os.environ,
        "ASKDB_DATA_DIR": str(work / "askdb-data"),  # an isolated embedded store
        "JUPYTER_RUNTIME_DIR": str(work / "runtime"),  # no running server is found: local mode
        "HF_HUB_OFFLINE": "1",
    }
    env.pop("ASKDB_URL", None)
    client = NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(work)}}
    )
    client.execute(env=env)  # the kernel sees only the test's folders
    return nb, work


def test_every_cell_ran_and_only_the_refusal_failed(executed):
    nb, _ = executed
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code)
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    # IPython shows a UsageError as one line on stderr, with no traceback.
    problems = [
        (c.source, _text(o))
        for c in code
        for o in c.outputs
        if o.output_type == "stream" and o.name == "stderr" and "Error" in o.text
    ]
    assert len(problems) == 1, problems
    source, text = problems[0]
    assert source.startswith("%%askdb --sql\nDELETE")
    assert text.startswith("UsageError: Refused") and "Traceback" not in text


def test_the_answers_a_user_sees(executed):
    nb, work = executed
    with sqlite3.connect(work / "demo.db") as con:
        countries = con.execute(
            "SELECT country, COUNT(*) FROM customers GROUP BY country"
        ).fetchall()
        orders_2024 = con.execute(
            "SELECT COUNT(*) FROM orders WHERE strftime('%Y', order_date) = '2024'"
        ).fetchone()[0]
        order_count = con.execute("SELECT COUNT(*) FROM orders").fetchone()[0]
    per_country = "\n".join(_text(o) for o in _cell(nb, "%%askdb\nHow many customers").outputs)
    assert "SELECT" in per_country.upper()
    for country, _count in countries:
        assert country in per_country
    year = "\n".join(_text(o) for o in _cell(nb, "%%askdb\nHow many orders were placed").outputs)
    assert str(orders_2024) in year
    assert order_count == 1500  # the demo database has not been changed by the refused DELETE
    top = _cell(nb, "top_products").outputs
    assert any("text/html" in o.get("data", {}) for o in top)


def test_the_plot_is_a_plotly_figure(executed):
    nb, _ = executed
    outputs = _cell(nb, "%%askdb --plot").outputs
    assert any("application/vnd.plotly.v1+json" in o.get("data", {}) for o in outputs)


def test_connect_by_name_finds_the_project(executed):
    nb, _ = executed
    text = "\n".join(_text(o) for o in _cell(nb, "%askdb connect demo").outputs)
    assert "demo" in text
