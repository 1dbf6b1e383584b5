"""Recording: a message exists as "running" from its admission, is completed with its outcome,
and is marked "interrupted" by a later start-up only once the process that ran it is gone; its
stored preview keeps whole rows within a byte cap, or none when the project says so. On SQLite
and PostgreSQL stores."""

from __future__ import annotations

import json
import threading

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from askdb_server.audit.log import AuditLog
from askdb_server.authz.authorizer import Authorizer
from askdb_server.chat.manager import PREVIEW_ROWS, ConversationManager, MessageRecord, _preview
from askdb_server.projects.manager import ProjectManager
from askdb_server.quotas.manager import QuotaManager
from askdb_server.quotas.storage import StorageQuota
from askdb_server.settings import Settings
from askdb_server.store.db import Store
from askdb_server.store.models import AuditEvent, Project
from askdb_server.store.vault import SecretVault
from askdb_server.users.manager import UserManager


@pytest.fixture
def env(store_url):
    store = Store(store_url)
    store.migrate()
    audit = AuditLog(store)
    authz = Authorizer(store, audit)
    quotas = QuotaManager(store, authz, enabled=False)
    alice = UserManager(store, authz, org_owned_accounts=False).ensure("alice")
    vault = SecretVault([Fernet.generate_key().decode()])
    projects = ProjectManager(store, vault, authz, targets=None, quotas=quotas)
    project = projects.create(alice, "p")
    managers: list[ConversationManager] = []

    def manager(preview_bytes: int = Settings.defaults().preview_bytes) -> ConversationManager:
        """A ConversationManager as another process would have: a boot lease of its own."""
        storage = StorageQuota(quotas)
        cm = ConversationManager(store, audit, authz, storage, preview_bytes=preview_bytes)
        managers.append(cm)
        return cm

    yield store, manager, alice, project.id
    for cm in managers:
        cm.close()
    store.dispose()


def _ask(question: str = "how many orders?") -> MessageRecord:
    return MessageRecord(kind="ask", status="error", question=question, schema_version=1)


def _answered(rows: list[list]) -> MessageRecord:
    rec = _ask()
    rec.status, rec.sql, rec.columns, rec.rows, rec.row_count = (
        "ok",
        "SELECT 1",
        ["a"],
        rows,
        len(rows),
    )
    return rec


def _message(cm: ConversationManager, who, conv_id: str) -> dict:
    return cm.get(who, conv_id)["messages"][-1]


def _audit_targets(store: Store, message_id: str) -> list[str]:
    with store.session() as s:
        return list(s.scalars(sa.select(AuditEvent.outcome).where(AuditEvent.target == message_id)))


def test_admitted_work_is_running_until_completed(env):
    store, manager, alice, pid = env
    cm = manager()
    conv_id, msg_id = cm.admit(alice, pid, None, _ask())
    running = _message(cm, alice, conv_id)
    assert (running["id"], running["status"], running["question"]) == (
        msg_id,
        "running",
        "how many orders?",
    )
    assert cm.history(conv_id) == []  # a running turn is no context for follow-ups
    assert _audit_targets(store, msg_id) == []  # audited once, with its outcome
    assert cm.complete(msg_id, _answered([[1], [2]])) == msg_id
    done = _message(cm, alice, conv_id)
    assert done["status"] == "ok" and done["rows"] == [[1], [2]]
    assert done["preview_truncated"] is False
    assert cm.get(alice, conv_id)["message_count"] == 1
    assert _audit_targets(store, msg_id) == ["ok"]


def test_start_up_marks_only_the_work_of_ended_processes(env):
    store, manager, alice, pid = env
    alive, ended = manager(), manager()
    conv_id, kept = alive.admit(alice, pid, None, _ask("still running"))
    _, lost = ended.admit(alice, pid, conv_id, _ask("lost"))
    ended.close()  # as its process ending does: the OS or the server frees its lock
    starting = manager()
    assert starting.mark_interrupted() == 1
    by_id = {m["id"]: m for m in starting.get(alice, conv_id)["messages"]}
    assert by_id[kept]["status"] == "running"
    assert by_id[lost]["status"] == "interrupted"
    assert by_id[lost]["error"]["code"] == "interrupted"
    assert _audit_targets(store, lost) == ["error"]
    assert manager().mark_interrupted() == 0  # nothing twice
    alive.complete(kept, _answered([[1]]))
    assert {m["status"] for m in starting.get(alice, conv_id)["messages"]} == {
        "ok",
        "interrupted",
    }


def test_completion_writes_the_truth_over_a_mistaken_mark(env):
    _, manager, alice, pid = env
    cm = manager()
    conv_id, msg_id = cm.admit(alice, pid, None, _ask())
    with cm.store.session() as s:  # as if its lock had been lost while it ran
        s.execute(
            sa.text("UPDATE messages SET status = 'interrupted' WHERE id = :id"), {"id": msg_id}
        )
    cm.complete(msg_id, _answered([[7]]))
    assert _message(cm, alice, conv_id)["status"] == "ok"


def test_processes_starting_together_mark_each_message_once(env):
    store, manager, alice, pid = env
    ended = manager()
    conv_id, _ = ended.admit(alice, pid, None, _ask())
    ids = [ended.admit(alice, pid, conv_id, _ask(f"q{i}"))[1] for i in range(5)]
    ended.close()
    starters = [manager() for _ in range(3)]
    for cm in starters:
        cm.lease()  # each takes its lease before any of them starts marking
    counts: list[int] = []
    threads = [
        threading.Thread(target=lambda c=cm: counts.append(c.mark_interrupted())) for cm in starters
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(counts) == 6
    assert all(_audit_targets(store, i) == ["error"] for i in ids)


def test_a_message_deleted_while_running_stays_deleted(env):
    _, manager, alice, pid = env
    cm = manager()
    conv_id, msg_id = cm.admit(alice, pid, None, _ask())
    cm.delete(alice, conv_id)
    assert cm.complete(msg_id, _answered([[1]])) == msg_id
    assert cm.list(alice, pid) == []


ROW = ["x" * 98]  # 102 bytes as JSON, and 2 for the ", " before the next
ROW_BYTES = len(json.dumps(ROW)) + 2


@pytest.mark.parametrize(
    ("rows", "cap", "kept", "truncated"),
    [
        (None, 1000, None, False),  # a failed run has no rows
        ([], 1000, 0, False),
        ([ROW] * 3, 3 * ROW_BYTES, 3, False),  # exactly fits
        ([ROW] * 3, 3 * ROW_BYTES - 1, 2, True),  # whole rows only
        ([ROW] * 3, 10, 0, True),  # one row is larger than the cap
        ([[i] for i in range(50)], 10**6, PREVIEW_ROWS, True),
        ([ROW] * 3, None, None, True),  # storing off: none kept, but there were rows
        ([], None, None, False),
    ],
)
def test_preview_keeps_whole_rows_within_the_cap(rows, cap, kept, truncated):
    preview, cut = _preview(rows, cap)
    assert (None if preview is None else len(preview)) == kept
    assert cut is truncated
    if preview:
        assert preview == rows[: len(preview)]
        assert len(json.dumps(preview).encode()) <= cap


def test_stored_preview_is_capped_in_bytes(env):
    _, manager, alice, pid = env
    cm = manager(preview_bytes=5 * ROW_BYTES)
    conv_id, msg_id = cm.admit(alice, pid, None, _ask())
    cm.complete(msg_id, _answered([ROW] * 12))
    stored = _message(cm, alice, conv_id)
    assert stored["rows"] == [ROW] * 5 and stored["preview_truncated"] is True
    assert stored["row_count"] == 12


def test_a_project_that_stores_no_results_keeps_no_rows(env):
    store, manager, alice, pid = env
    with store.session() as s:
        s.get(Project, pid).store_results = False
    cm = manager()
    conv_id, msg_id = cm.admit(alice, pid, None, _ask())
    cm.complete(msg_id, _answered([[1], [2]]))
    stored = _message(cm, alice, conv_id)
    assert stored["rows"] is None and stored["preview_truncated"] is True
    assert stored["row_count"] == 2 and stored["columns"] == ["a"]
    with store.engine.connect() as c:
        assert c.scalar(sa.text("SELECT preview_rows FROM messages")) is None
