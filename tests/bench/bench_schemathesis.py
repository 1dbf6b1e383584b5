"""Schemathesis over the served OpenAPI document, a long run (on demand).

    .venv/bin/python tests/bench/bench_schemathesis.py [--per-operation 120] [--seed 1]
        [--store sqlite|postgresql|both]

Starts ``jupyter server`` with AskDB on each store (SQLite, and a fresh PostgreSQL database at
127.0.0.1:5432), makes a project, a conversation and an API key, then sends generated requests
to every operation of the document, half valid and half invalid (tests/helpers/fuzz.py). Prints
per store: cases, server errors (5xx) and schema violations (undocumented status, content type
or body), with the first of each. The bounded run in the suite is
tests/server/test_schemathesis.py.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.helpers.fuzz import fuzz
from tests.helpers.live import live_server, shop_world, store_database


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-operation", type=int, default=120)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--store", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    stores = ["sqlite", "postgresql"] if args.store == "both" else [args.store]
    failed = False
    for store in stores:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            started = time.perf_counter()
            with store_database(store, work) as url, live_server(work / "server", url) as server:
                report = fuzz(server, shop_world(server, work), args.per_operation, args.seed)
            seconds = time.perf_counter() - started
        print(f"{store}: {report.summary()} in {seconds:.0f} s")
        for line in report.server_errors[:10] + report.violations[:10]:
            print("  ", line)
        failed |= bool(report.server_errors or report.violations)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
