"""Driving the AskDB chat panel in a real JupyterLab page (Playwright), the way a user does."""

from __future__ import annotations

import time

PANEL = "#askdb-panel"
LAST_TURN = f"{PANEL} .jp-AskDB-turn:last-child"


def open_lab(page, lab_server, workspace: str) -> None:
    page.goto(lab_server.lab_url(workspace))
    page.wait_for_selector(".jp-LabShell", state="attached", timeout=60_000)
    # The AskDB tab of the left side bar.
    page.wait_for_selector('.jp-SideBar.jp-mod-left [data-id="askdb-panel"]', timeout=60_000)


def open_panel(page, lab_server, workspace: str) -> None:
    open_lab(page, lab_server, workspace)
    tab = page.locator('.jp-SideBar.jp-mod-left [data-id="askdb-panel"]')
    if "lm-mod-current" not in (tab.get_attribute("class") or ""):
        tab.click()
    page.wait_for_selector(f"{PANEL}:visible")
    wait_state(page, "idle")


def wait_state(page, state: str, timeout: float = 30_000) -> None:
    page.wait_for_selector(f'{PANEL}[data-state="{state}"]', state="attached", timeout=timeout)


def pick_project(page, name: str) -> None:
    page.select_option(f"{PANEL} select.jp-AskDB-project", label=f"{name} (sqlite)")
    wait_state(page, "idle")
    page.click(f"{PANEL} .jp-AskDB-new")
    wait_state(page, "idle")
    assert page.locator(f"{PANEL} .jp-AskDB-turn").count() == 0


def ask(page, question: str) -> float:
    """Type a question and press Enter; returns when Enter was pressed (monotonic seconds)."""
    box = page.locator(f"{PANEL} textarea.jp-AskDB-input")
    box.fill(question)
    t0 = time.monotonic()
    box.press("Enter")
    return t0


def wait_answer(page, phase: str = "done", timeout: float = 30_000):
    turn = page.locator(LAST_TURN)
    page.wait_for_selector(
        f'{PANEL} .jp-AskDB-turn:last-child[data-phase="{phase}"]', timeout=timeout
    )
    return turn
