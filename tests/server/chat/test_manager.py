"""ConversationManager on SQLite and PostgreSQL stores."""

import pytest
from cryptography.fernet import Fernet

from askdb_server.audit.log import AuditLog
from askdb_server.authz.authorizer import Authorizer
from askdb_server.chat.manager import ConversationManager, MessageRecord
from askdb_server.errors import ConversationNotFoundError, InvalidInputError
from askdb_server.projects.manager import ProjectManager
from askdb_server.quotas.manager import QuotaManager
from askdb_server.quotas.storage import StorageQuota
from askdb_server.settings import Settings
from askdb_server.store.db import Store
from askdb_server.store.models import OrgMembership
from askdb_server.store.vault import SecretVault
from askdb_server.users.manager import UserManager


@pytest.fixture
def env(store_url):
    store = Store(store_url)
    store.migrate()
    audit = AuditLog(store)
    authz = Authorizer(store, audit)
    quotas = QuotaManager(store, authz, enabled=False)
    users = UserManager(store, authz, org_owned_accounts=False)
    alice, bob = users.ensure("alice"), users.ensure("bob")
    vault = SecretVault([Fernet.generate_key().decode()])
    pm = ProjectManager(store, vault, authz, targets=None, quotas=quotas)
    project = pm.create(alice, "p")
    with store.session() as s:  # bob may read alice's project; her conversations stay hers
        s.add(OrgMembership(org_id=project.org_id, user_id=bob.user_id, role="MANAGER"))
    preview = Settings.defaults().preview_bytes
    cm = ConversationManager(store, audit, authz, StorageQuota(quotas), preview_bytes=preview)
    yield cm, alice, bob, project.id
    store.dispose()


def test_open_record_history_and_listing(env):
    cm, alice, _, pid = env
    cid = cm.open(alice, pid, None, "how many   orders " + "x" * 200)
    cm.record(
        cid,
        MessageRecord(
            kind="ask",
            status="ok",
            question="q1",
            sql="SELECT 1",
            columns=["a"],
            rows=[[i] for i in range(50)],
            row_count=50,
        ),
    )
    cm.record(
        cid,
        MessageRecord(
            kind="ask", status="error", question="q2", error_code="no_answer", error_message="no"
        ),
    )
    cm.record(cid, MessageRecord(kind="ask", status="ok", question="q3", sql="SELECT 3"))
    assert cm.open(alice, pid, cid, "ignored") == cid
    assert cm.history(cid) == [("q1", "SELECT 1"), ("q3", "SELECT 3")]
    [conv] = cm.list(alice, pid)
    assert conv["message_count"] == 3 and len(conv["title"]) == 80
    full = cm.get(alice, cid)
    assert len(full["messages"][0]["rows"]) == 20  # only a preview is kept
    assert full["messages"][1]["error"] == {"code": "no_answer", "message": "no"}


def test_other_users_conversations_look_missing(env):
    cm, alice, bob, pid = env
    cid = cm.open(alice, pid, None, "q")
    with pytest.raises(ConversationNotFoundError):
        cm.open(bob, pid, cid, "q")
    for call in (cm.get, cm.delete):
        with pytest.raises(ConversationNotFoundError):
            call(bob, cid)
    assert cm.list(bob, pid) == []


def test_rename_and_delete(env):
    cm, alice, _, pid = env
    cid = cm.open(alice, pid, None, "q")
    with pytest.raises(InvalidInputError):
        cm.rename(alice, cid, " ")
    assert cm.rename(alice, cid, "Sales")["title"] == "Sales"
    cm.delete(alice, cid)
    assert cm.list(alice, pid) == []
