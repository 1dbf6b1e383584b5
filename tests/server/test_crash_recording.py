"""A kill -9 during admitted work leaves a true record: the messages it was running are marked
"interrupted" when AskDB starts again on the same store, and not before its process is gone.

Real parts: a second Python process running the pipeline (an ask and a run of user SQL, side by
side, each on a query that takes far longer than the test), a real SIGKILL, and Services
started on the same store, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import sqlalchemy as sa

from askdb_server.engine.builtin import BuiltinEngine, Candidate
from askdb_server.services import Services, Settings
from askdb_server.store.db import Store

# Counting without end: the guard lets it through (one read-only query, no table outside the
# schema) and only the statement timeout, set far off, or the kill stops it.
ENDLESS = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"


class EndlessEngine(BuiltinEngine):
    """The built-in engine, answering every question with the endless count."""

    def __init__(self) -> None:
        super().__init__(embedder=None)

    def candidates(self, question, schema, values=None, *, context=None) -> list[Candidate]:
        return [Candidate(ENDLESS, "count", 0.9, 4)]


def _settings(data_dir: Path, store_url: str) -> Settings:
    database_url = "" if store_url.startswith("sqlite") else store_url
    return Settings.defaults(
        data_dir, database_url=database_url, use_embeddings=False, statement_timeout=600
    )


def worker(data_dir: str, store_url: str, project_id: str) -> None:
    """In the child process: ask and run SQL at once, both endless, until killed."""
    services = Services.build(_settings(Path(data_dir), store_url))
    services.pipeline.engine = EndlessEngine()
    who = services.users.ensure("ana")
    work = [
        threading.Thread(target=services.pipeline.ask, args=(who, project_id, "count forever")),
        threading.Thread(target=services.pipeline.run_sql, args=(who, project_id, ENDLESS)),
    ]
    for t in work:
        t.start()
    for t in work:
        t.join()


def _running(store: Store) -> list[tuple[str, str, str]]:
    with store.engine.connect() as c:
        return [
            tuple(r)
            for r in c.execute(
                sa.text("SELECT id, kind, boot_id FROM messages WHERE status = 'running'")
            )
        ]


def _wait_for(predicate, what: str, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_kill_9_during_admitted_work_leaves_interrupted_records(tmp_path, store_url):
    data_dir = tmp_path / "askdb"
    db = tmp_path / "numbers.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE n (x INTEGER)")
    conn.close()
    settings = _settings(data_dir, store_url)
    setup = Services.build(settings)
    who = setup.users.ensure("ana")
    project = setup.projects.create(who, "numbers", connection_url=f"sqlite:///{db}")
    setup.schemas.introspect(who, project.id)
    setup.close()

    child = subprocess.Popen(
        [sys.executable, __file__, str(data_dir), store_url, project.id],
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    observer = Store(settings.store_url)
    try:

        def both_running():
            assert child.poll() is None, "the worker ended before it was killed"
            found = _running(observer)
            return len(found) == 2 and found

        running = _wait_for(both_running, "the worker's two messages to be running")
        assert {kind for _, kind, _ in running} == {"ask", "run"}
        [child_boot] = {boot for _, _, boot in running}

        # Another process starting meanwhile leaves the child's work alone: it is alive.
        meanwhile = Services.build(settings)
        assert {r[0] for r in _running(observer)} == {r[0] for r in running}
        assert meanwhile.conversations.lease().alive({child_boot}) == {child_boot}

        child.send_signal(signal.SIGKILL)
        assert child.wait(30) == -signal.SIGKILL
        # Its lock goes with it: the OS closes its file and its connection at once, and the
        # PostgreSQL server ends the session when it reads the closed socket.
        _wait_for(
            lambda: not meanwhile.conversations.lease().alive({child_boot}), "the lock's release"
        )
        meanwhile.close()

        restarted = Services.build(settings)
        try:
            assert _running(observer) == []
            messages = [
                m
                for conv in restarted.conversations.list(who, project.id)
                for m in restarted.conversations.get(who, conv["id"])["messages"]
            ]
            assert {m["id"] for m in messages} == {r[0] for r in running}
            for m in messages:
                assert m["status"] == "interrupted"
                assert m["error"]["code"] == "interrupted"
            actions = {e["action"]: e["outcome"] for e in _audit_events(observer, messages)}
            assert actions == {"query.asked": "error", "query.run": "error"}
        finally:
            restarted.close()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        observer.dispose()


def _audit_events(store: Store, messages: list[dict]) -> list[dict]:
    with store.engine.connect() as c:
        rows = c.execute(
            sa.text("SELECT action, outcome, target FROM audit_events"),
        ).mappings()
        ids = {m["id"] for m in messages}
        return [dict(r) for r in rows if r["target"] in ids]


if __name__ == "__main__":
    worker(*sys.argv[1:4])
