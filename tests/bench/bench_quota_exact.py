"""Exactness of the quota across processes (run on demand).

    .venv/bin/python tests/bench/bench_quota_exact.py [processes=8] [requests each=10000] [Q] [orm]

A fresh PostgreSQL database (127.0.0.1:5432) holds one project and one API key whose own quota
is Q calls a day (default: a third of all requests). Each process builds its own services
on that store and, as fast as it can, makes one request after another with the key through
what an ask/run request with a key pays: ``PgKeyGate.check`` with the call charged (the key's
rules, then the check-and-charge upserts of the key's counter and the project's, in one
statement), or with ``orm``, ``QuotaManager.charge_call`` (the SQLAlchemy path). Prints how
many were admitted (must be exactly Q), how many refused with 429 (quota_exceeded), the
counters in the store, and the rate.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import sys
import tempfile
import time
import uuid

import sqlalchemy as sa

from askdb_server.errors import QuotaExceededError
from askdb_server.keys.manager import KeyRequest
from askdb_server.services import Services, Settings

PG_ADMIN = os.environ.get("ASKDB_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def worker(url: str, project_id: str, key: tuple, q: int, n: int, orm: bool, start, out) -> None:
    key_id, token = key
    services = Services.build(
        Settings.defaults(
            tempfile.mkdtemp(),
            database_url=url,
            use_embeddings=False,
            enforce_quotas=True,
            key_rate_limit=0,  # only the quota decides
            ip_rate_limit=0,
        )
    )
    request = KeyRequest(project_id, "ask", "query:generate", "POST", "127.0.0.1", "bench")

    async def requests() -> tuple[int, int]:
        ok = refused = 0
        for _ in range(n):
            try:
                if orm:
                    services.quotas.charge_call(project_id, key_id, q)
                else:
                    await services.key_gate.check(token, request, True)
                ok += 1
            except QuotaExceededError:
                refused += 1
        return ok, refused

    start.wait()
    out.put(asyncio.run(requests()))
    services.close()


def main(procs: int, n: int, q: int, orm: bool) -> None:
    name = f"askdb_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    try:
        services = Services.build(
            Settings.defaults(tempfile.mkdtemp(), database_url=url, use_embeddings=False)
        )
        who = services.users.ensure("bench")
        project = services.projects.create(who, "bench")
        services.quotas.set_plan(who, "ENTERPRISE")  # only the key's quota limits
        view, token = services.keys.create(
            who, project.id, {"name": "bench", "scopes": ["query:generate"], "calls_per_day": q}
        )
        ctx = multiprocessing.get_context("spawn")
        start, out = ctx.Event(), ctx.Queue()
        workers = [
            ctx.Process(
                target=worker,
                args=(url, project.id, (view["id"], token), q, n, orm, start, out),
            )
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
        path = "QuotaManager.charge_call (ORM)" if orm else "PgKeyGate.check"
        print(f"{elapsed:.1f} s, {procs * n / elapsed:.0f} requests/s through {path}; PostgreSQL")
        services.close()
    finally:
        with admin.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    orm = "orm" in sys.argv[1:]
    args = [int(a) for a in sys.argv[1:] if a != "orm"]
    procs = args[0] if args else 8
    n = args[1] if len(args) > 1 else 10_000
    main(procs, n, args[2] if len(args) > 2 else procs * n // 3, orm)
