"""How long the first ``%%askdb`` answer takes, and the ones after it (run on demand).

    .venv/bin/python tests/bench/bench_first_answer.py

Runs the magics in a real IPython shell, in local mode on a fresh embedded store, against the
demo database. The first answer includes connecting, introspecting, loading MiniLM and building
the value index; later answers are the steady state. Prints wall-clock figures.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="askdb-bench-"))
    os.environ["ASKDB_DATA_DIR"] = str(work / "data")
    os.environ["JUPYTER_RUNTIME_DIR"] = str(work / "runtime")  # no server: local mode
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from IPython.core.interactiveshell import InteractiveShell

    from askdb_server.demo import DEMO_QUESTIONS, create_demo_database

    db = create_demo_database(work / "demo.db")
    shell = InteractiveShell.instance()
    t0 = time.perf_counter()
    shell.run_line_magic("load_ext", "askdb")
    t_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    shell.run_line_magic("askdb", f"connect sqlite:///{db}")
    t_connect = time.perf_counter() - t0
    timings = []
    for question in DEMO_QUESTIONS * 3:
        t0 = time.perf_counter()
        shell.run_cell_magic("askdb", "", question)
        timings.append((time.perf_counter() - t0) * 1000)
    later = timings[1:]
    print(f"%load_ext askdb:                  {t_load * 1000:8.1f} ms", file=sys.stderr)
    print(f"%askdb connect (+ introspection):  {t_connect * 1000:8.1f} ms", file=sys.stderr)
    print(f"first %%askdb answer:             {timings[0]:8.1f} ms", file=sys.stderr)
    print(
        f"later answers (n={len(later)}):        median {statistics.median(later):.1f} ms, "
        f"p95 {sorted(later)[int(0.95 * (len(later) - 1))]:.1f} ms, max {max(later):.1f} ms",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
