"""%askdb and %%askdb in a real IPython shell, on the in-process (local) client."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from IPython.core.error import UsageError

import askdb
from askdb.magics import AskDBMagics
from tests.helpers.shell import connect as _connect
from tests.helpers.shell import user_error as _user_error


def test_load_ext_registers_the_magics(shell, askdb_env: Path) -> None:
    askdb.load_ipython_extension(shell)
    try:
        assert "askdb" in shell.magics_manager.magics["line"]
        assert "askdb" in shell.magics_manager.magics["cell"]
    finally:
        askdb.unload_ipython_extension(shell)
    assert askdb.__version__


def test_no_arguments_prints_usage(shell, magics: AskDBMagics, capsys) -> None:
    assert shell.run_line_magic("askdb", "") is None
    assert "%askdb connect" in capsys.readouterr().out


def test_connect_by_url_creates_a_project_named_after_the_file(
    shell, magics: AskDBMagics, shop_db: Path, capsys
) -> None:
    _connect(shell, shop_db)
    assert magics.project["name"] == "shop"
    assert magics.project["schema_version"] == 1
    assert "Connected to project 'shop'" in capsys.readouterr().out
    # Connecting again, by URL or by name, reuses the project and its schema.
    _connect(shell, shop_db)
    shell.run_line_magic("askdb", "connect shop")
    assert [p["name"] for p in magics.client.list_projects()] == ["shop"]
    assert magics.project["schema_version"] == 1


def test_run_sql_returns_a_dataframe_as_the_cell_value(
    shell, magics: AskDBMagics, shop_db: Path, capsys
) -> None:
    _connect(shell, shop_db)
    result = shell.run_cell(
        "%%askdb --sql -o by_country\n"
        "select country_code, count(*) as n from customers group by country_code order by n desc, "
        "country_code"
    )
    assert result.success, result.error_in_exec
    expected = pd.DataFrame({"country_code": ["FR", "DE", "JP"], "n": [3, 1, 1]})
    pd.testing.assert_frame_equal(result.result, expected, check_dtype=False)
    assert shell.user_ns["_"] is result.result
    assert shell.user_ns["by_country"] is result.result
    shown = capsys.readouterr().out
    # The SQL shown is the SQL that ran: the guard's rendering of the checked query.
    assert "SELECT country_code" in shown and "3 rows" in shown


def test_dates_come_back_as_datetimes(shell, magics: AskDBMagics, shop_db: Path) -> None:
    _connect(shell, shop_db)
    df = shell.run_cell_magic("askdb", "--sql", "select ordered_on, total from orders order by id")
    assert pd.api.types.is_datetime64_any_dtype(df["ordered_on"])
    assert df["total"].tolist() == [10.5, 20.0, 7.25, 99.0]


def test_plot_returns_a_plotly_figure(shell, magics: AskDBMagics, shop_db: Path) -> None:
    _connect(shell, shop_db)
    fig = shell.run_cell_magic(
        "askdb", "--sql --plot", "select country_code, count(*) as n from customers group by 1"
    )
    assert fig.data[0].type == "bar"
    assert sorted(fig.data[0].x) == ["DE", "FR", "JP"]


def test_question_counts_rows(shell, magics: AskDBMagics, shop_db: Path) -> None:
    builtin = pytest.importorskip("askdb_server.engine.builtin", reason="built-in engine not there")
    if not hasattr(builtin.BuiltinEngine, "candidates"):
        pytest.skip("the built-in engine is not there yet")
    _connect(shell, shop_db)
    df = shell.run_cell_magic("askdb", "", "how many customers are there?")
    assert df.shape == (1, 1)
    assert df.iloc[0, 0] == len(
        sqlite3.connect(shop_db).execute("select * from customers").fetchall()
    )


def test_schema_shows_tables_with_keys(shell, magics: AskDBMagics, shop_db: Path, capsys) -> None:
    _connect(shell, shop_db)
    capsys.readouterr()
    assert shell.run_line_magic("askdb", "schema") is None
    shown = capsys.readouterr().out
    assert "3 tables" in shown
    assert "customers(id INTEGER PK" in shown
    assert "customer_id INTEGER FK→customers.id" in shown


def test_projects_lists_and_marks_the_connected_one(
    shell, magics: AskDBMagics, shop_db: Path, capsys
) -> None:
    _connect(shell, shop_db)
    capsys.readouterr()
    assert shell.run_line_magic("askdb", "projects") is None
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("*") and "shop" in line for line in lines)


def test_unsafe_sql_is_refused_and_changes_nothing(
    shell, magics: AskDBMagics, shop_db: Path, capsys
) -> None:
    _connect(shell, shop_db)
    message = _user_error(shell, "%%askdb --sql\ndelete from customers", capsys)
    assert "refused" in message.lower()
    with sqlite3.connect(shop_db) as con:
        assert con.execute("select count(*) from customers").fetchone()[0] == 5


@pytest.mark.parametrize(
    ("source", "needle"),
    [
        ("%askdb connect no_such_project", "no_such_project"),
        ("%%askdb\nhow many customers?", "Not connected"),
        ("%askdb schema", "Not connected"),
        ("%askdb frobnicate", "Unknown command"),
        ("%askdb --sql", "cell magic"),
        ("%askdb connect sqlite:////no/such/file.db", "No database file"),
    ],
)
def test_user_errors_are_usage_errors(shell, magics: AskDBMagics, capsys, source, needle) -> None:
    assert needle in _user_error(shell, source, capsys)


def test_empty_question_is_a_usage_error(shell, magics: AskDBMagics, shop_db: Path, capsys) -> None:
    _connect(shell, shop_db)
    assert "Empty cell" in _user_error(shell, "%%askdb\n   \n", capsys)
    with pytest.raises(UsageError, match="Empty cell"):
        shell.run_cell_magic("askdb", "--sql", "  \n")


def test_bad_output_name_is_refused_before_running(
    shell, magics: AskDBMagics, shop_db: Path
) -> None:
    _connect(shell, shop_db)
    with pytest.raises(UsageError, match="variable name"):
        shell.run_cell_magic("askdb", "--sql -o 1x", "select 1")


def test_terminal_ipython_works_in_local_mode(askdb_env: Path, shop_db: Path) -> None:
    """In terminal IPython the app singleton is not a kernel's: discovery must still succeed."""
    code = (
        "get_ipython().run_line_magic('load_ext', 'askdb')\n"
        f"get_ipython().run_line_magic('askdb', 'connect sqlite:///{shop_db}')\n"
        "df = get_ipython().run_cell_magic('askdb', '--sql', 'select count(*) as n from orders')\n"
        "print('rows:', df['n'].iloc[0])\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "IPython", "--quick", "--no-banner", "--colors=nocolor", "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ.copy(),
    )
    assert "Connected to project 'shop'" in done.stdout, done.stdout + done.stderr
    assert "rows: 4" in done.stdout
    assert (askdb_env / "askdb.sqlite").exists()
