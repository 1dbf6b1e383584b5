"""Browser test fixtures: a real ``jupyter lab`` on a free loopback port, and Debian's Chromium
driven by Playwright. A failing browser test saves a screenshot under its temporary folder.

The lab server runs with its own AskDB store, runtime, settings and workspace folders in a
temporary directory; the labextension is still found where ``pip install -e .`` put it
(``sys.prefix/share/jupyter/labextensions``), so data paths are not overridden.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.lab import LabServer, run_jupyter_lab

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory) -> Iterator[LabServer]:
    """The lab shared by the browser tests (quotas not enforced, as on a personal server)."""
    with run_jupyter_lab(tmp_path_factory.mktemp("lab")) as lab:
        yield lab


@pytest.fixture
def chromium():
    """Debian's Chromium, headless, driven by Playwright (no browser download).

    Started per test: Playwright's sync API keeps an event loop running while it is open, and
    pytest-jupyter's autouse loop fixture closes the test's loop at teardown, which fails while
    another loop runs in the thread.
    """
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so fixtures can tell that the test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def page(request, chromium, lab_server: LabServer, tmp_path: Path):
    """A fresh browser page; on failure a screenshot is saved under the test's tmp folder."""
    context = chromium.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
    try:
        yield page
    finally:
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            shot = tmp_path / "failure.png"
            try:
                page.screenshot(path=str(shot), full_page=True)
                print(f"\nscreenshot of the failure: {shot}")
            except Exception as e:  # the page may be gone: say so, keep the real failure
                print(f"\nno screenshot ({e})")
            (tmp_path / "console.log").write_text("\n".join(console))
            print(f"browser console: {tmp_path / 'console.log'}\nlab log: {lab_server.log}")
        context.close()
