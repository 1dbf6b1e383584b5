"""The guard path's cost against a bare authenticated Jupyter handler (run on demand).

    .venv/bin/python tests/bench/bench_guard.py [requests per side, default 2000] [sync]

``sync``: with ``AskDBApp.guard_synchronous_commit`` (every write of the guard path waits for
the disk) instead of the default.

Starts ``jupyter server`` with AskDB on a fresh PostgreSQL database (127.0.0.1:5432) and
``tests.bench.guard_ext``, which adds two endpoints:

- ``/bench/bare``: a bare ``@web.authenticated`` Jupyter API handler (Jupyter's token);
- ``/askdb/api/projects/{id}/bench-guard``: an AskDB handler reached with an API key, so the
  request pays the whole guard path: per-address and per-key GCRA rate limits, the key check
  (look-up, hash, expiry, network, scope, activity log row, throttled last-used), identity,
  the quota charge (plan limits, token suspension check, the check-and-charge upsert, alerts),
  and an audit-log row.

Requests alternate between the two in blocks of 50 on one keep-alive connection (sequential:
latency), then 4 client threads per side (throughput). Prints p50/p95 of each, the added p95,
and the throughput ratio.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests
import sqlalchemy as sa

TOKEN = "bench-token"
ROOT = Path(__file__).resolve().parents[2]
PG_ADMIN = os.environ.get("ASKDB_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(work: Path, port: int, store_url: str, sync: bool = False) -> subprocess.Popen:
    env = {
        **os.environ,
        "JUPYTER_RUNTIME_DIR": str(work / "runtime"),
        "HF_HUB_OFFLINE": "1",
        "PYTHONPATH": str(ROOT),
    }
    cmd = [
        sys.executable,
        "-m",
        "jupyter_server",
        f"--port={port}",
        "--ip=127.0.0.1",
        f"--IdentityProvider.token={TOKEN}",
        "--ServerApp.open_browser=False",
        f"--ServerApp.root_dir={work}",
        "--ServerApp.jpserver_extensions={'tests.bench.guard_ext': True}",
        "--ServerApp.log_level=WARN",
        f"--AskDBApp.data_dir={work / 'data'}",
        f"--AskDBApp.database_url={store_url}",
        "--AskDBApp.use_embeddings=False",
        "--AskDBApp.enforce_quotas=True",
        "--AskDBApp.key_rate_limit=1000000",
        "--AskDBApp.ip_rate_limit=1000000",
        f"--AskDBApp.guard_synchronous_commit={sync}",
    ]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    log = open(Path(tempfile.gettempdir()) / "askdb_bench_guard.log", "w")  # noqa: SIM115
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def _wait(url: str, s: requests.Session) -> None:
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if s.get(url, timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not start; see its log")


def _time(s: requests.Session, url: str, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        r = s.get(url)
        out.append((time.perf_counter() - t) * 1000)
        if r.status_code != 200:
            raise SystemExit(f"{url}: {r.status_code} {r.text}")
    return out


def _throughput(url: str, headers: dict, n: int, threads: int = 4) -> float:
    def work() -> None:
        with requests.Session() as s:
            s.headers.update(headers)
            for _ in range(n // threads):
                s.get(url)

    pool = [threading.Thread(target=work) for _ in range(threads)]
    t = time.perf_counter()
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    return (n // threads * threads) / (time.perf_counter() - t)


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of processes ``pids`` (all their threads), from /proc."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:  # a PostgreSQL backend that ended meanwhile
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / os.sysconf("SC_CLK_TCK")


def _postgres_pids() -> list[int]:
    pids = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if (d / "comm").read_text().strip() == "postgres":
                    pids.append(int(d.name))
            except OSError:
                pass
    return pids


def _with_cpu(server_pid: int, fn, *args) -> tuple[float, float, float]:
    """``fn(*args)``'s result, and the CPU seconds the server and PostgreSQL spent meanwhile."""
    pg = _postgres_pids()
    before = _cpu_seconds([server_pid]), _cpu_seconds(pg)
    result = fn(*args)
    pg = sorted(set(pg) | set(_postgres_pids()))
    return result, _cpu_seconds([server_pid]) - before[0], _cpu_seconds(pg) - before[1]


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[q - 1]


def main(n: int, sync: bool = False) -> None:
    name = f"askdb_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    store_url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    with tempfile.TemporaryDirectory() as tmp:
        port = _free_port()
        server = _start(Path(tmp), port, store_url, sync)
        base = f"http://127.0.0.1:{port}"
        try:
            run(base, n, server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)
            with admin.connect() as c:
                c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def run(base: str, n: int, server_pid: int) -> None:
    jt = {"Authorization": f"token {TOKEN}"}
    with requests.Session() as s:
        s.headers.update(jt)
        _wait(f"{base}/bench/bare", s)
        pid = s.post(f"{base}/askdb/api/projects", json={"name": "bench"}).json()["id"]
        s.put(
            f"{base}/askdb/api/orgs/current/plan",
            json={"plan": "FREE", "limits": {"api_calls_per_day": 10**9}},
        ).raise_for_status()
        key = s.post(
            f"{base}/askdb/api/projects/{pid}/keys", json={"name": "bench", "scopes": ["admin:*"]}
        ).json()["key"]
    bare_url, guard_url = f"{base}/bench/bare", f"{base}/askdb/api/projects/{pid}/bench-guard"
    kh = {"Authorization": f"Bearer {key}"}
    bare, guard = [], []
    with requests.Session() as sb, requests.Session() as sg:
        sb.headers.update(jt)
        sg.headers.update(kh)
        _time(sb, bare_url, 100)  # warm up both
        _time(sg, guard_url, 100)
        for _ in range(n // 50):
            bare += _time(sb, bare_url, 50)
            guard += _time(sg, guard_url, 50)
    tb, sb_cpu, pb_cpu = _with_cpu(server_pid, _throughput, bare_url, jt, n)
    tg, sg_cpu, pg_cpu = _with_cpu(server_pid, _throughput, guard_url, kh, n)
    print(f"requests per side: {len(bare)} sequential, {n} with 4 threads; store: PostgreSQL")
    if "sync" in sys.argv[1:]:
        print("guard_synchronous_commit: every write of the guard path waits for the disk")
    for name, lat, rate, cpu, pg in (
        ("bare ", bare, tb, sb_cpu, pb_cpu),
        ("guard", guard, tg, sg_cpu, pg_cpu),
    ):
        print(
            f"{name} p50 {_p(lat, 50):.2f} ms  p95 {_p(lat, 95):.2f} ms  {rate:.0f} req/s  "
            f"CPU per request: server {cpu / n * 1000:.2f} ms, PostgreSQL {pg / n * 1000:.2f} ms"
        )
    print(f"added p95 {_p(guard, 95) - _p(bare, 95):.2f} ms; throughput ratio {tg / tb:.2f}")


if __name__ == "__main__":
    numbers = [int(a) for a in sys.argv[1:] if a.isdigit()]
    main(numbers[0] if numbers else 2000, "sync" in sys.argv[1:])
