"""The chat panel's usage line on a lab that enforces quotas, in headless Chromium.

An admin gives the organization a plan of five calls a day; the user asks in the panel, and its
usage line counts the calls and turns into a warning with an upgrade hint at 80%; the
question past the limit is refused with the server's reason and when to try again.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator

import pytest

from tests.helpers.lab import LabServer, run_jupyter_lab
from tests.helpers.panel import PANEL, ask, open_panel, pick_project, wait_answer, wait_state

pytestmark = pytest.mark.timeout(180)

CALLS_PER_DAY = 5
USAGE = f"{PANEL} .jp-AskDB-usage"
# Standalone questions, one per call: none reads as a follow-up of the one before.
QUESTIONS = [
    "How many customers are there?",
    "How many customers are there per country?",
    "How many orders are there?",
    "What is the total amount of all orders?",
    "How many customers are from France?",
]


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory) -> Iterator[LabServer]:
    """This module's own lab, enforcing quotas (the session's lab does not). It takes the name
    of conftest's fixture so that ``page`` reports this server's log on a failure."""
    with run_jupyter_lab(
        tmp_path_factory.mktemp("quota-lab"), ["--AskDBApp.enforce_quotas=True"]
    ) as lab:
        yield lab


@pytest.fixture(scope="module")
def shop_project(lab_server, tmp_path_factory) -> dict:
    """A small shop database as the project "shop", on a plan of five calls a day."""
    db = tmp_path_factory.mktemp("shop") / "shop.db"
    with sqlite3.connect(db) as c:
        c.executescript(
            """
            CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, country TEXT);
            CREATE TABLE orders (id INTEGER PRIMARY KEY,
                                 customer_id INTEGER REFERENCES customers(id), amount REAL);
            INSERT INTO customers VALUES (1, 'Ada', 'France'), (2, 'Bo', 'Peru'),
                                         (3, 'Cy', 'France');
            INSERT INTO orders VALUES (1, 1, 10.5), (2, 2, 20.0), (3, 3, 7.25), (4, 1, 3.0);
            """
        )
    plan = lab_server.api(
        "PUT",
        "orgs/current/plan",
        {"plan": "FREE", "limits": {"api_calls_per_day": CALLS_PER_DAY}},
    )
    assert plan["limits"]["api_calls_per_day"] == CALLS_PER_DAY
    project = lab_server.api(
        "POST", "projects", {"name": "shop", "connection_url": f"sqlite:///{db}"}
    )
    lab_server.api("POST", f"projects/{project['id']}/schemas", {"introspect": True})
    return project


def wait_usage(page, calls: int) -> None:
    """Wait until the usage line, refreshed after each answer, shows ``calls`` calls today."""
    page.wait_for_selector(
        f'{USAGE}:not([hidden]) .jp-AskDB-usageText:text("Calls today {calls} / {CALLS_PER_DAY}")'
    )


def usage_state(page) -> tuple[str, str, str]:
    """The usage line's level, text and hint, as a user reads them."""
    line = page.locator(USAGE)
    return (
        line.get_attribute("data-level"),
        line.locator(".jp-AskDB-usageText").inner_text(),
        line.locator(".jp-AskDB-usageHint").inner_text(),
    )


def test_the_usage_line_counts_calls_warns_near_the_limit_and_the_next_ask_is_refused(
    page, lab_server, shop_project
):
    open_panel(page, lab_server, "usage")
    pick_project(page, "shop")
    wait_usage(page, 0)
    level, text, hint = usage_state(page)
    assert (level, hint) == ("normal", "")
    assert re.fullmatch(rf"Calls today 0 / {CALLS_PER_DAY} · Tokens this month \S+ / 100,000", text)

    for calls, question in enumerate(QUESTIONS[:3], start=1):
        ask(page, question)
        wait_answer(page)
        wait_state(page, "idle")
        wait_usage(page, calls)
        assert page.locator(USAGE).get_attribute("data-level") == "normal"

    # The fourth call is 80% of the day's five: a warning, with whom to ask for more.
    ask(page, QUESTIONS[3])
    wait_answer(page)
    wait_usage(page, 4)
    level, _, hint = usage_state(page)
    assert level == "warning"
    assert page.locator(USAGE).evaluate("e => e.classList.contains('jp-mod-warning')")
    assert hint == (
        "Calls today at 80%: close to the limit."
        " Ask an admin to upgrade the plan for higher limits."
    )

    ask(page, QUESTIONS[4])
    wait_answer(page)
    wait_usage(page, 5)
    level, _, hint = usage_state(page)
    assert level == "warning"
    assert hint.startswith("Calls today used up: questions are refused until the quota resets.")

    # Past the limit: the server refuses (429) and the turn says why and when to try again.
    ask(page, "How many orders does each customer have?")
    turn = wait_answer(page, "error")
    wait_state(page, "idle")
    error = turn.locator(".jp-AskDB-error")
    assert error.get_attribute("data-code") == "quota_exceeded"
    message = error.inner_text()
    assert re.match(
        rf"The api calls per day quota \({CALLS_PER_DAY}\) is used up until \S+; "
        "a bigger plan lifts it at once.",
        message,
    ), message
    retry = turn.locator(".jp-AskDB-retry").inner_text()
    assert re.fullmatch(
        r"Try again in \d+ \w+( \d+ \w+)* \(after \d{4}-\d\d-\d\d \d\d:\d\d UTC\)\.", retry
    ), retry
    assert turn.locator(".jp-AskDB-sql").inner_text() == ""
    # The refused call is not counted: the line still reads five.
    wait_usage(page, 5)
    assert page.locator(USAGE).get_attribute("data-level") == "warning"
    usage = lab_server.api("GET", f"projects/{shop_project['id']}/usage")
    assert (usage["calls_today"], usage["enforced"]) == (CALLS_PER_DAY, True)
