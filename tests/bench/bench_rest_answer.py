"""Time to answer through the REST API of a real Jupyter server (run on demand).

    .venv/bin/python tests/bench/bench_rest_answer.py

Starts ``jupyter server`` with AskDB on a free loopback port and a fresh data dir, creates the
demo project, then times: the first question right after start-up (the embedding model may
still be warming up in the background), the first question once warm-up has finished, and the
steady state over the demo questions (JSON and SSE: time to the first event and to the rows).
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

TOKEN = "bench-token"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(work: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(work / "runtime"), "HF_HUB_OFFLINE": "1"}
    cmd = [
        sys.executable,
        "-m",
        "jupyter_server",
        f"--port={port}",
        "--ip=127.0.0.1",
        f"--IdentityProvider.token={TOKEN}",
        "--ServerApp.open_browser=False",
        f"--ServerApp.root_dir={work}",
        f"--AskDBApp.data_dir={work / 'data'}",
    ]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log = open(work / "server.log", "w")  # noqa: SIM115 - lives as long as the server
    return subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)


def _wait_for(url: str, session: requests.Session, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if session.get(url, timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not start")


def _wait_for_log(path: Path, text: str, timeout: float = 120) -> float:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if text in path.read_text():
            return time.perf_counter()
        time.sleep(0.1)
    raise RuntimeError(f"{text!r} never appeared in {path}")


def _stream(session: requests.Session, url: str, question: str) -> tuple[float, float]:
    t0 = time.perf_counter()
    first = rows = None
    with session.post(
        url, json={"question": question}, stream=True, headers={"Accept": "text/event-stream"}
    ) as resp:
        for line in resp.iter_lines():
            if line.startswith(b"event:") and first is None:
                first = time.perf_counter() - t0
            if line == b"event: rows":
                rows = time.perf_counter() - t0
    return first * 1000, (rows or float("nan")) * 1000


def main() -> int:
    from askdb_server.demo import DEMO_QUESTIONS, create_demo_database

    work = Path(tempfile.mkdtemp(prefix="askdb-rest-bench-"))
    db = create_demo_database(work / "demo.db")
    port = _free_port()
    base = f"http://127.0.0.1:{port}/askdb/api"
    session = requests.Session()
    session.headers["Authorization"] = f"token {TOKEN}"
    t_start = time.perf_counter()
    server = _start_server(work, port)
    try:
        _wait_for(f"{base}/openapi.json", session)
        t_up = time.perf_counter() - t_start
        project = session.post(
            f"{base}/projects", json={"name": "demo", "connection_url": f"sqlite:///{db}"}
        ).json()
        session.post(f"{base}/projects/{project['id']}/schemas", json={"introspect": True})
        ask = f"{base}/projects/{project['id']}/ask"
        t0 = time.perf_counter()
        session.post(ask, json={"question": DEMO_QUESTIONS[0]}).raise_for_status()
        first = (time.perf_counter() - t0) * 1000
        warm = _wait_for_log(work / "server.log", "embedding model ready") - t_start
        t0 = time.perf_counter()
        session.post(ask, json={"question": DEMO_QUESTIONS[1]}).raise_for_status()
        first_warm = (time.perf_counter() - t0) * 1000
        later = []
        for question in DEMO_QUESTIONS * 3:
            t0 = time.perf_counter()
            session.post(ask, json={"question": question}).raise_for_status()
            later.append((time.perf_counter() - t0) * 1000)
        streams = [_stream(session, ask, q) for q in DEMO_QUESTIONS]
    finally:
        server.terminate()
        server.wait(10)
    print(
        json.dumps(
            {
                "server_up_s": round(t_up, 2),
                "first_answer_right_after_start_ms": round(first, 1),
                "model_warm_after_start_s": round(warm, 2),
                "first_new_question_after_warm_up_ms": round(first_warm, 1),
                "later_median_ms": round(statistics.median(later), 1),
                "later_max_ms": round(max(later), 1),
                "sse_first_event_median_ms": round(statistics.median(s[0] for s in streams), 1),
                "sse_rows_median_ms": round(statistics.median(s[1] for s in streams), 1),
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
