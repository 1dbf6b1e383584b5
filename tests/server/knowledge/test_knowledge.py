"""KnowledgeManager on SQLite and PostgreSQL stores: docs, approvals, retrieval, candidates."""

from __future__ import annotations

import sqlite3

import pytest
from cryptography.fernet import Fernet

from askdb_server.audit.log import AuditLog
from askdb_server.authz.authorizer import Authorizer
from askdb_server.chat.manager import ConversationManager, MessageRecord
from askdb_server.errors import (
    ConflictError,
    GoldenPairNotFoundError,
    InvalidInputError,
    KnowledgeDocNotFoundError,
    MessageNotFoundError,
    ProjectNotFoundError,
    UnknownTableError,
    UnsafeSQLError,
)
from askdb_server.knowledge.index import IndexDirectory
from askdb_server.knowledge.manager import KnowledgeManager
from askdb_server.projects.manager import ProjectManager
from askdb_server.quotas.manager import QuotaManager
from askdb_server.quotas.storage import StorageQuota
from askdb_server.schemas.manager import SchemaManager
from askdb_server.settings import Settings
from askdb_server.sqlrun.connections import ConnectionRegistry
from askdb_server.store.db import Store
from askdb_server.store.vault import SecretVault
from askdb_server.users.manager import UserManager
from tests.helpers.shop import CUSTOMERS, ORDERS, SHOP_DDL

COUNT_FRANCE = (
    "SELECT COUNT(*) FROM orders JOIN customers ON customers.id = orders.customer_id "
    "WHERE customers.country = 'France'"
)


@pytest.fixture
def env(store_url, tmp_path, embedder):
    db = tmp_path / "shop.db"
    with sqlite3.connect(db) as con:
        con.executescript(SHOP_DDL)
        con.executemany("INSERT INTO customers VALUES (?, ?, ?)", CUSTOMERS)
        con.executemany("INSERT INTO orders VALUES (?, ?, ?, ?)", ORDERS)
    store = Store(store_url)
    store.migrate()
    authz = Authorizer(store, AuditLog(store))
    quotas = QuotaManager(store, authz, enabled=False)
    users = UserManager(store, authz, org_owned_accounts=False)
    alice, bob = users.ensure("alice"), users.ensure("bob")
    vault = SecretVault([Fernet.generate_key().decode()])
    projects = ProjectManager(store, vault, authz, targets=None, quotas=quotas)
    connections = ConnectionRegistry()
    schemas = SchemaManager(store, projects, connections, StorageQuota(quotas))
    knowledge = KnowledgeManager(
        store, projects, schemas, IndexDirectory(tmp_path / "lancedb", embedder)
    )
    project = projects.create(alice, "shop", connection_url=f"sqlite:///{db}")
    schemas.introspect(alice, project.id)
    yield knowledge, schemas, alice, bob, project.id, db
    connections.dispose()
    store.dispose()


def test_docs_are_added_listed_and_deleted(env):
    km, _, alice, bob, pid, _ = env
    doc = km.add_doc(alice, pid, "  the sum of orders.total  ", title="revenue")
    assert (doc.title, doc.body, doc.created_by) == ("revenue", "the sum of orders.total", "alice")
    assert [d.id for d in km.list_docs(alice, pid)] == [doc.id]
    with pytest.raises(ProjectNotFoundError):
        km.list_docs(bob, pid)
    with pytest.raises(InvalidInputError):
        km.add_doc(alice, pid, "   ")
    km.delete_doc(alice, pid, doc.id)
    assert km.list_docs(alice, pid) == []
    with pytest.raises(KnowledgeDocNotFoundError):
        km.delete_doc(alice, pid, doc.id)


def test_a_pair_must_pass_the_guard(env):
    km, _, alice, _, pid, _ = env
    with pytest.raises(UnsafeSQLError):
        km.approve(alice, pid, "remove everything", "DELETE FROM orders")
    with pytest.raises(UnknownTableError):
        km.approve(alice, pid, "how many invoices?", "SELECT COUNT(*) FROM invoices")
    with pytest.raises(InvalidInputError):
        km.approve(alice, pid, "", "SELECT 1")
    assert km.list_pairs(alice, pid) == []


def test_approving_twice_returns_the_first_approval_and_a_different_sql_conflicts(env):
    km, _, alice, bob, pid, _ = env
    pair = km.approve(alice, pid, "how many orders from France?", COUNT_FRANCE)
    again = km.approve(alice, pid, "How many orders from France", COUNT_FRANCE)
    assert again.id == pair.id and again.created_by == "alice"
    with pytest.raises(ConflictError):
        km.approve(alice, pid, "how many orders from France?", "SELECT COUNT(*) FROM orders")
    with pytest.raises(ProjectNotFoundError):
        km.approve(bob, pid, "how many orders?", "SELECT COUNT(*) FROM orders")
    with pytest.raises(GoldenPairNotFoundError):
        km.delete_pair(alice, pid, "missing")
    km.delete_pair(alice, pid, pair.id)
    assert km.list_pairs(alice, pid) == []


def test_approve_an_answered_message(env):
    km, _, alice, bob, pid, _ = env
    conversations = ConversationManager(
        km.store,
        km.projects.audit,
        km.projects.authz,
        km.schemas.storage,
        preview_bytes=Settings.defaults().preview_bytes,
    )
    cid = conversations.open(alice, pid, None, "how many orders?")
    ok = conversations.record(
        cid,
        MessageRecord(
            kind="ask", status="ok", question="how many orders?", sql="SELECT COUNT(*) FROM orders"
        ),
    )
    failed = conversations.record(
        cid, MessageRecord(kind="ask", status="error", question="how many unicorns?")
    )
    pair = km.approve_message(alice, pid, ok)
    assert (pair.question, pair.sql, pair.source_message_id) == (
        "how many orders?",
        "SELECT COUNT(*) FROM orders",
        ok,
    )
    with pytest.raises(InvalidInputError):
        km.approve_message(alice, pid, failed)
    with pytest.raises(MessageNotFoundError):
        km.approve_message(bob, pid, ok)  # not bob's conversation
    with pytest.raises(MessageNotFoundError):
        km.approve_message(alice, pid, "missing")


def test_candidates_reuse_an_approved_pair_with_its_value_swapped(env):
    km, schemas, alice, _, pid, db = env
    _, schema = schemas.current_schema(alice, pid)
    assert km.candidates(pid, "how many orders from Japan?", schema) == []  # nothing approved
    km.approve(alice, pid, "how many orders from France?", COUNT_FRANCE)
    km.approve(alice, pid, "list the names of customers", "SELECT name FROM customers")

    [cand] = km.candidates(pid, "how many orders from Japan?", schema)
    assert cand.sql == COUNT_FRANCE.replace("France", "Japan")
    assert "how many orders from France?" in cand.explanation
    with sqlite3.connect(db) as con:
        assert con.execute(cand.sql).fetchone() == (1,)  # Cy, in Japan, has one order

    [same] = km.candidates(pid, "How many orders from France", schema)
    assert same.sql == COUNT_FRANCE and same.confidence > cand.confidence
    assert km.candidates(pid, "how many customers from Japan?", schema) == []
    assert km.candidates(pid, "what is the average order total?", schema) == []


def test_a_deleted_pair_is_no_longer_a_candidate(env):
    km, schemas, alice, _, pid, _ = env
    _, schema = schemas.current_schema(alice, pid)
    pair = km.approve(alice, pid, "how many orders from France?", COUNT_FRANCE)
    assert km.candidates(pid, "how many orders from Peru?", schema)
    km.delete_pair(alice, pid, pair.id)
    assert km.candidates(pid, "how many orders from Peru?", schema) == []


def test_search_covers_schema_docs_and_pairs_and_follows_schema_changes(env):
    km, schemas, alice, bob, pid, _ = env
    km.add_doc(alice, pid, "a customer's country of residence, as an English name", title="country")
    km.approve(alice, pid, "how many orders are there?", "SELECT COUNT(*) FROM orders")
    kinds = {h.kind for h in km.search(alice, pid, "orders per country", limit=20)}
    assert kinds == {"schema", "doc", "golden"}
    top = km.search(alice, pid, "number of orders", kinds=["golden"])[0]
    assert top.payload["sql"] == "SELECT COUNT(*) FROM orders"
    with pytest.raises(ProjectNotFoundError):
        km.search(bob, pid, "orders")
    with pytest.raises(InvalidInputError):
        km.search(alice, pid, "orders", kinds=["tables"])

    schemas.upload_ddl(alice, pid, "CREATE TABLE shipments (id INT, carrier TEXT);")
    ids = {h.id for h in km.search(alice, pid, "carrier", kinds=["schema"], limit=100)}
    assert "schema:shipments.carrier" in ids and "schema:orders.total" not in ids
    report = km.rebuild(alice, pid)
    assert report.total == 3 + 2  # shipments and its 2 columns, the doc, the pair


def test_synonyms_come_from_the_docs(env):
    km, schemas, alice, _, pid, _ = env
    _, schema = schemas.current_schema(alice, pid)
    km.add_doc(alice, pid, "revenue means orders.total\nclients: the customers table")
    km.add_doc(alice, pid, "the date an order was placed, see ordered_on", title="order date")
    km.add_doc(alice, pid, "We close the books on the 5th of each month.", title="closing")
    assert km.synonyms(pid, schema) == {
        "orders.total": ["revenue"],
        "customers": ["clients"],
        "orders.ordered_on": ["order date"],
    }


def test_synonyms_can_be_folded_into_the_schema_comments(env):
    from askdb_server.knowledge.synonyms import with_synonyms

    km, schemas, alice, _, pid, _ = env
    _, schema = schemas.current_schema(alice, pid)
    km.add_doc(alice, pid, "revenue means orders.total\nclients: the customers table")
    taught = with_synonyms(schema, km.synonyms(pid, schema))
    assert taught.table("orders").column("total").comment == "also called: revenue"
    assert taught.table("customers").comment == "also called: clients"
    assert (
        taught.table("orders").column("id").comment == schema.table("orders").column("id").comment
    )
    assert with_synonyms(schema, {}) is schema
