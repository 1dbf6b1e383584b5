"""Schemathesis over the served OpenAPI document: no server error, no response that breaks
the document, on a SQLite and a PostgreSQL store (a bounded run; the long one is
tests/bench/bench_schemathesis.py)."""

from __future__ import annotations

import pytest

from tests.helpers.fuzz import fuzz
from tests.helpers.live import live_server, shop_world, store_database

# About 500 cases per store: 8 per operation, half valid and half invalid (hypothesis
# stops early where an operation has fewer distinct inputs).
PER_OPERATION = 8


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_generated_requests_get_documented_answers(store, tmp_path):
    with store_database(store, tmp_path) as url, live_server(tmp_path / "server", url) as server:
        report = fuzz(server, shop_world(server, tmp_path), PER_OPERATION)
        log = server.log_text()
    print(report.summary())
    assert report.cases >= 400
    assert not report.server_errors, "\n".join(report.server_errors[:20]) + log[-3000:]
    assert not report.violations, "\n".join(report.violations[:20])
