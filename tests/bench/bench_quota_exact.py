"""Exactness of the quota across processes (run on demand).

    .venv/bin/python tests/bench/bench_quota_exact.py [processes=8] [requests each=10000] [Q]

A fresh PostgreSQL database (127.0.0.1:5432) holds one project and one API key whose own quota
is Q calls a day (default: a third of all requests). Each process opens its own Store and,
as fast as it can, charges one call per request for that key through
``QuotaManager.charge_call`` (the same call the ask/run handlers make: the check-and-charge
upsert of the key's counter, then the project's). Prints how many were admitted (must be
exactly Q), how many refused with 429 (quota_exceeded), the counters in the store, and the
rate.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from askdb_server.authz.authorizer import Authorizer
from askdb_server.errors import QuotaExceededError
from askdb_server.quotas.manager import QuotaManager
from askdb_server.services import Services, Settings
from askdb_server.store.db import Store

PG_ADMIN = os.environ.get("ASKDB_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def worker(url: str, project_id: str, key_id: str, q: int, n: int, start, out) -> None:
    store = Store(url)
    quotas = QuotaManager(store, Authorizer(store))
    ok = refused = 0
    start.wait()
    for _ in range(n):
        try:
            quotas.charge_call(project_id, key_id, q)
            ok += 1
        except QuotaExceededError:
            refused += 1
    out.put((ok, refused))
    store.dispose()


def main(procs: int, n: int, q: int) -> None:
    name = f"askdb_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    try:
        services = Services.build(
            Settings(data_dir=Path(tempfile.mkdtemp()), database_url=url, use_embeddings=False)
        )
        who = services.users.ensure("bench")
        project = services.projects.create(who, "bench")
        services.quotas.set_plan(who, "ENTERPRISE")  # only the key's quota limits
        view, _token = services.keys.create(
            who, project.id, {"name": "bench", "scopes": ["query:generate"], "calls_per_day": q}
        )
        ctx = multiprocessing.get_context("spawn")
        start, out = ctx.Event(), ctx.Queue()
        workers = [
            ctx.Process(target=worker, args=(url, project.id, view["id"], q, n, start, out))
            for _ in range(procs)
        ]
        for w in workers:
            w.start()
        time.sleep(2)  # let every process import and connect
        t = time.perf_counter()
        start.set()
        results = [out.get(timeout=3600) for _ in workers]
        elapsed = time.perf_counter() - t
        for w in workers:
            w.join()
        admitted = sum(r[0] for r in results)
        refused = sum(r[1] for r in results)
        with services.store.engine.connect() as c:
            counters = dict(c.execute(sa.text("select subject, used from quota_counters")).all())
        print(f"{procs} processes x {n} requests = {procs * n}; key quota Q = {q}")
        print(f"admitted {admitted} (exact: {admitted == q}); refused 429 {refused}")
        print(
            f"counters: key {counters.get('key:' + view['id'])}, project "
            f"{counters.get('project:' + project.id)}"
        )
        print(f"{elapsed:.1f} s, {procs * n / elapsed:.0f} charges/s; store: PostgreSQL")
        services.close()
    finally:
        with admin.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    procs = args[0] if args else 8
    n = args[1] if len(args) > 1 else 10_000
    main(procs, n, args[2] if len(args) > 2 else procs * n // 3)
