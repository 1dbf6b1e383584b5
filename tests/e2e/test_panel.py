"""The AskDB chat panel in a real JupyterLab, in headless Chromium.

A user opens the panel, picks a project, asks, sees the SQL and the rows stream in, inserts the
SQL into a notebook, stops a slow query and asks again at once, follows up in the same
conversation, manages conversations, and finds them again after a reload.
"""

from __future__ import annotations

import re
import sqlite3
import time

import pytest

from askdb_server.demo import create_demo_database
from tests.helpers.panel import (
    LAST_TURN,
    PANEL,
    ask,
    open_panel,
    pick_project,
    wait_answer,
    wait_state,
)

pytestmark = pytest.mark.timeout(180)

# 30 million generated rows: grouping them takes SQLite well over ten seconds.
SLOW_ROWS = 30_000_000
SLOW_DDL = (
    "CREATE TABLE readings (id INTEGER PRIMARY KEY, sensor TEXT, value INTEGER);\n"
    "CREATE TABLE sites (code TEXT PRIMARY KEY, city TEXT);"
)


@pytest.fixture(scope="module")
def demo_project(lab_server, tmp_path_factory) -> dict:
    """The demo shop database as the project "demo", its schema read from the database."""
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    create_demo_database(db)
    project = lab_server.api(
        "POST", "projects", {"name": "demo", "connection_url": f"sqlite:///{db}"}
    )
    lab_server.api("POST", f"projects/{project['id']}/schemas", {"introspect": True})
    return project


@pytest.fixture(scope="module")
def slow_project(lab_server, tmp_path_factory) -> dict:
    """A project whose "readings" is a view generating millions of rows: asking about it is
    slow, while "sites" is a small real table that answers at once."""
    db = tmp_path_factory.mktemp("slow") / "slow.db"
    with sqlite3.connect(db) as c:
        c.executescript(
            f"""
            CREATE VIEW readings AS
            WITH RECURSIVE seq(n) AS
                (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {SLOW_ROWS})
            SELECT n AS id, CASE n % 4 WHEN 0 THEN 'north' WHEN 1 THEN 'south'
                   WHEN 2 THEN 'east' ELSE 'west' END AS sensor, n % 97 AS value FROM seq;
            CREATE TABLE sites (code TEXT PRIMARY KEY, city TEXT);
            INSERT INTO sites VALUES ('A', 'Oslo'), ('B', 'Lima'), ('C', 'Pune');
            """
        )
    project = lab_server.api(
        "POST",
        "projects",
        {"name": "sensors", "connection_url": f"sqlite:///{db}", "allow_value_lookup": False},
    )
    lab_server.api("POST", f"projects/{project['id']}/schemas", {"ddl": SLOW_DDL})
    return project


@pytest.fixture
def workspace(request) -> str:
    """A JupyterLab workspace of the test's own."""
    return re.sub(r"\W", "-", request.node.name)


def run_from_palette(page, label: str, command: str) -> None:
    """Run a command from JupyterLab's command palette (Ctrl+Shift+C), as a user does."""
    palette = page.locator(".lm-CommandPalette-input")
    page.locator(f"{PANEL} .jp-AskDB-title").click()
    for _ in range(3):  # the first shortcut after focus moves can be missed: press it again
        page.keyboard.press("Control+Shift+C")
        try:
            palette.wait_for(state="visible", timeout=2_000)
            break
        except Exception:
            continue
    else:  # the shortcut is not reaching JupyterLab (focus after a dialog): the View menu
        page.locator(".lm-MenuBar-itemLabel", has_text="View").click()
        page.locator(".lm-Menu-item[data-command='apputils:activate-command-palette']").click()
        palette.wait_for(state="visible", timeout=5_000)
    palette.fill(label)
    # The palette re-renders its items as it filters: wait in the page until the active item
    # is the command (this fails the test if it never is), then act on it at once; reading
    # the element again from here could meet it between two renders.
    page.wait_for_function(
        """cmd => document.querySelector('.lm-CommandPalette-item.lm-mod-active')
                 ?.dataset.command === cmd""",
        arg=command,
    )
    active = page.locator(f".lm-CommandPalette-item[data-command='{command}']").first
    palette.press("Enter")
    try:  # the palette closes when it runs the command
        palette.wait_for(state="hidden", timeout=3_000)
    except Exception:  # the key press was lost (seen under load): choose the item with the mouse
        active.click()
        palette.wait_for(state="hidden", timeout=5_000)


def table_rows(turn) -> list[list[str]]:
    return [
        [td.inner_text() for td in tr.locator("td").all()]
        for tr in turn.locator(".jp-AskDB-table tbody tr").all()
    ]


def test_ask_streams_the_sql_and_a_result_table_with_a_chart(
    page, lab_server, workspace, demo_project
):
    open_panel(page, lab_server, workspace)
    pick_project(page, "demo")
    t0 = ask(page, "How many customers are there per country?")
    page.wait_for_selector(f"{LAST_TURN} .jp-AskDB-step", state="attached")
    t_first = time.monotonic()
    turn = wait_answer(page)
    page.wait_for_selector(f"{LAST_TURN} .jp-AskDB-table td")
    t_table = time.monotonic()

    sql = turn.locator(".jp-AskDB-sqlCode").inner_text()
    assert re.search(r"GROUP BY\s+country", sql, re.I), sql
    # Highlighted by JupyterLab's CodeMirror: keywords are tokens of their own.
    assert turn.locator(".jp-AskDB-sqlCode span").count() > 3
    steps = turn.locator(".jp-AskDB-step").evaluate_all("els => els.map(e => e.dataset.step)")
    assert steps == ["linking", "generating", "checking", "running"]
    rows = table_rows(turn)
    assert ["France", "44"] in rows, rows
    assert turn.locator(".jp-AskDB-resultNote").inner_text() == "10 rows"
    # One category and one number: a bar chart, drawn by the bundled plotly.js (no network).
    page.wait_for_selector(f'{LAST_TURN} .jp-AskDB-chart.jp-mod-drawn[data-kind="bar"] svg')
    assert page.locator(f"{PANEL} .jp-AskDB-input").input_value() == ""

    marks = page.evaluate(
        """() => {
          const at = n => performance.getEntriesByName(n).at(-1).startTime;
          return {first: at('askdb:first-event') - at('askdb:ask'),
                  table: at('askdb:table') - at('askdb:ask')};
        }"""
    )
    print(
        f"\nEnter -> first streamed event: {marks['first']:.0f} ms in the page"
        f" ({(t_first - t0) * 1000:.0f} ms seen by the test);"
        f" Enter -> result table: {marks['table']:.0f} ms ({(t_table - t0) * 1000:.0f} ms)"
    )
    assert marks["first"] <= marks["table"]

    # A follow-up in the same conversation narrows the previous question.
    ask(page, "now only for France")
    turn = wait_answer(page)
    assert re.search(r"country\s*=\s*'France'", turn.locator(".jp-AskDB-sqlCode").inner_text())
    assert table_rows(turn) == [["France", "44"]]
    conversation_id = page.locator(f"{PANEL} .jp-AskDB-conversation.jp-mod-current")
    detail = lab_server.api(
        "GET", f"conversations/{conversation_id.get_attribute('data-conversation-id')}"
    )
    assert [m["question"] for m in detail["messages"]] == [
        "How many customers are there per country?",
        "now only for France",
    ]


def test_errors_show_their_reason(page, lab_server, workspace, demo_project):
    open_panel(page, lab_server, workspace)
    pick_project(page, "demo")
    ask(page, "what is the airspeed velocity of an unladen swallow?")
    turn = wait_answer(page, "error")
    error = turn.locator(".jp-AskDB-error")
    assert error.get_attribute("data-code") == "no_answer"
    assert "swallow" in error.inner_text()
    wait_state(page, "idle")
    # The panel is not stuck: the next question answers.
    ask(page, "How many orders are cancelled?")
    assert wait_answer(page).locator(".jp-AskDB-table td").count() == 1


def test_insert_sql_into_a_notebook(page, lab_server, workspace, demo_project):
    open_panel(page, lab_server, workspace)
    pick_project(page, "demo")
    ask(page, "What is the average price per category?")
    turn = wait_answer(page)
    sql = turn.locator(".jp-AskDB-sqlCode").get_attribute("data-sql")
    # No notebook is open: a new one opens with the SQL in its first cell.
    turn.locator(".jp-AskDB-insert").click()
    notebook = page.locator(".jp-NotebookPanel:visible .jp-Notebook")
    cells = notebook.locator(".jp-Cell")
    page.wait_for_function(
        """() => [...document.querySelectorAll('.jp-NotebookPanel .jp-Cell .cm-content')]
                 .some(c => c.textContent.startsWith('%%askdb --sql'))"""
    )
    assert cells.count() == 1
    first = cells.nth(0).locator(".cm-content").inner_text()
    assert first.splitlines()[0] == "%%askdb --sql"
    assert " ".join(first.split()[2:]) == " ".join(sql.split())
    # With a notebook open, the next insert goes below its active cell.
    turn.locator(".jp-AskDB-insert").click()
    page.wait_for_function(
        """() => document.querySelectorAll(
                 '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell').length === 2"""
    )
    assert cells.nth(1).locator(".cm-content").inner_text().startswith("%%askdb --sql")


def test_stop_cancels_a_slow_query_and_the_next_ask_works_at_once(
    page, lab_server, workspace, slow_project
):
    open_panel(page, lab_server, workspace)
    pick_project(page, "sensors")
    ask(page, "How many readings are there per sensor?")
    page.wait_for_selector(f'{LAST_TURN} .jp-AskDB-step.jp-mod-active[data-step="running"]')
    wait_state(page, "asking")
    time.sleep(0.5)  # the query is well under way
    stop = page.locator(f"{PANEL} .jp-AskDB-submit")
    assert stop.inner_text() == "Stop"
    t_stop = time.monotonic()
    stop.click()
    wait_answer(page, "cancelled", timeout=3_000)
    wait_state(page, "idle", timeout=3_000)
    assert page.locator(f"{PANEL} .jp-AskDB-submit").inner_text() == "Ask"

    ask(page, "How many sites are there?")
    turn = wait_answer(page, timeout=10_000)
    assert table_rows(turn) == [["3"]]
    print(f"\nStop -> next answer complete: {(time.monotonic() - t_stop) * 1000:.0f} ms")

    # The server really stopped: the slow question is recorded as cancelled, long before the
    # query could have finished.
    conv_id = page.locator(f"{PANEL} .jp-AskDB-conversation.jp-mod-current").get_attribute(
        "data-conversation-id"
    )
    statuses: list[str] = []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        statuses = [
            m["status"] for m in lab_server.api("GET", f"conversations/{conv_id}")["messages"]
        ]
        if "cancelled" in statuses:
            break
        time.sleep(0.2)
    assert sorted(statuses) == ["cancelled", "ok"], statuses


def test_conversations_survive_a_reload_and_can_be_renamed_switched_and_deleted(
    page, lab_server, workspace, demo_project
):
    open_panel(page, lab_server, workspace)
    pick_project(page, "demo")
    ask(page, "How many orders were placed in 2024?")
    wait_answer(page)
    current = page.locator(f"{PANEL} .jp-AskDB-conversation.jp-mod-current")
    conv_id = current.get_attribute("data-conversation-id")

    page.reload()
    open_panel(page, lab_server, workspace)
    # The same project and conversation are open again, with the answer's SQL and rows.
    assert page.locator(f"{PANEL} select.jp-AskDB-project").input_value() == demo_project["id"]
    current = page.locator(f"{PANEL} .jp-AskDB-conversation.jp-mod-current")
    assert current.get_attribute("data-conversation-id") == conv_id
    turn = page.locator(LAST_TURN)
    assert turn.locator(".jp-AskDB-question").inner_text() == "How many orders were placed in 2024?"
    assert turn.get_attribute("data-phase") == "done"
    assert turn.locator(".jp-AskDB-table td").count() == 1

    # Rename it through JupyterLab's dialog.
    current.hover()
    current.locator(".jp-AskDB-rename").click()
    dialog = page.locator(".jp-Dialog")
    dialog.locator("input").fill("Orders in 2024")
    dialog.locator(".jp-mod-accept").click()
    page.wait_for_selector(
        f'{PANEL} .jp-AskDB-conversation[data-conversation-id="{conv_id}"] '
        '.jp-AskDB-conversationTitle:text-is("Orders in 2024")'
    )

    # A new conversation starts empty (from the command palette); switching back shows the turns.
    run_from_palette(page, "AskDB: New conversation", "askdb:new-conversation")
    page.wait_for_selector(f"{PANEL} .jp-AskDB-placeholder")
    assert page.locator(f"{PANEL} .jp-AskDB-turn").count() == 0
    assert page.locator(f"{PANEL} .jp-AskDB-conversation.jp-mod-current").count() == 0
    page.click(f'{PANEL} [data-conversation-id="{conv_id}"] .jp-AskDB-conversationTitle')
    page.wait_for_selector(f"{PANEL} .jp-AskDB-turn")
    assert page.locator(f"{PANEL} .jp-AskDB-turn").count() == 1

    # Delete it: gone from the list and from the server.
    row = page.locator(f'{PANEL} [data-conversation-id="{conv_id}"]')
    row.hover()
    row.locator(".jp-AskDB-delete").click()
    page.locator(".jp-Dialog .jp-mod-warn").click()
    page.wait_for_selector(f'{PANEL} [data-conversation-id="{conv_id}"]', state="detached")
    assert page.locator(f"{PANEL} .jp-AskDB-turn").count() == 0
    ids = [
        c["id"]
        for c in lab_server.api("GET", f"projects/{demo_project['id']}/conversations")[
            "conversations"
        ]
    ]
    assert conv_id not in ids
