"""The LanceDB project index: add, search, delete, sync, rebuild after a schema change."""

from __future__ import annotations

import time

import pytest

from askdb_server.knowledge.chunks import doc_chunk, pair_chunk, schema_chunks
from askdb_server.knowledge.index import Chunk, IndexDirectory
from askdb_server.schemas.ddl import parse_ddl

V1 = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, country TEXT);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id),
                     total REAL, ordered_on DATE);
"""
# v2 drops orders.ordered_on and adds a table of shipments.
V2 = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, country TEXT);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id),
                     total REAL);
CREATE TABLE shipments (id INTEGER PRIMARY KEY, order_id INTEGER REFERENCES orders(id),
                        carrier TEXT, delivered_at DATE);
"""


@pytest.fixture
def index(tmp_path, embedder):
    return IndexDirectory(tmp_path / "lancedb", embedder).project("p1")


def test_an_empty_index_finds_nothing(index):
    assert index.count() == 0
    assert index.search("anything") == []
    assert index.digests() == {}


def test_add_then_search_ranks_the_closest_chunk_first(index):
    index.add(
        [
            doc_chunk("d1", "revenue", "the sum of order totals, taxes excluded"),
            doc_chunk("d2", "churn", "customers who closed their account this year"),
            pair_chunk("g1", "how many orders from France?", "SELECT 1"),
        ]
    )
    hits = index.search("what is our revenue?")
    assert hits[0].id == "doc:d1"
    assert hits[0].kind == "doc"
    assert hits[0].payload == {"doc_id": "d1", "title": "revenue"}
    assert hits[0].score > hits[1].score
    assert 0 < hits[0].score <= 1.0001
    golden = index.search("number of orders from Japan", kinds=["golden"])
    assert [h.id for h in golden] == ["golden:g1"]
    assert golden[0].payload["sql"] == "SELECT 1"


def test_delete_removes_chunks(index):
    index.add([doc_chunk("d1", "", "alpha"), doc_chunk("d2", "", "beta")])
    index.delete(["doc:d1"])
    assert set(index.digests()) == {"doc:d2"}
    assert [h.id for h in index.search("alpha")] == ["doc:d2"]


def test_sync_embeds_only_what_changed(index):
    chunks = [doc_chunk("d1", "", "alpha"), doc_chunk("d2", "", "beta")]
    first = index.sync(chunks)
    assert (first.added, first.removed, first.total) == (2, 0, 2)
    again = index.sync(chunks)
    assert (again.added, again.removed) == (0, 0)
    changed = index.sync([doc_chunk("d1", "", "alpha, edited"), doc_chunk("d3", "", "gamma")])
    assert (changed.added, changed.removed) == (2, 2)  # d1 re-embedded, d2 gone, d3 new
    assert set(index.digests()) == {"doc:d1", "doc:d3"}
    assert index.count() == 2


def test_a_chunk_indexed_twice_is_repaired_by_the_next_sync(index):
    chunk = doc_chunk("d1", "", "alpha")
    index.add([chunk, chunk])  # as if two processes had synced at the same moment
    assert index.count() == 2
    assert len(index.search("alpha")) == 1
    index.sync([chunk])
    assert index.count() == 1


def test_rebuild_after_a_schema_change_reindexes_the_schema(index):
    index.sync(schema_chunks(parse_ddl(V1, "sqlite")))
    assert "schema:orders.ordered_on" in index.digests()
    assert index.search("carrier of a shipment")[0].payload.get("table") != "shipments"

    report = index.rebuild(schema_chunks(parse_ddl(V2, "sqlite")))
    ids = set(index.digests())
    assert "schema:orders.ordered_on" not in ids
    assert {"schema:shipments", "schema:shipments.carrier"} <= ids
    assert report.total == len(ids)
    top = index.search("which carrier delivered the shipment", kinds=["schema"])[0]
    assert top.payload["table"] == "shipments"


def test_sync_after_a_schema_change_keeps_unchanged_chunks(index):
    index.sync(schema_chunks(parse_ddl(V1, "sqlite")))
    report = index.sync(schema_chunks(parse_ddl(V2, "sqlite")))
    # orders lost a column (its table chunk changes), shipments is new (5 chunks).
    assert report.removed == 2  # orders.ordered_on and the old orders table chunk
    assert report.added == 1 + 5


def test_chunks_from_another_project_stay_apart(tmp_path, embedder):
    directory = IndexDirectory(tmp_path / "lancedb", embedder)
    directory.project("a").add([doc_chunk("d1", "", "alpha")])
    assert directory.project("b").search("alpha") == []
    assert (tmp_path / "lancedb").is_dir()


def test_index_build_and_search_timings(index, capsys):
    """About a hundred schema chunks: printed for the report, bounded loosely here."""
    chunks = [
        Chunk(f"schema:t{i}.c{j}", "schema", f"measure {j} of the {i}th table of facts")
        for i in range(25)
        for j in range(4)
    ]
    start = time.perf_counter()
    index.add(chunks)
    build_s = time.perf_counter() - start
    index.search("warm-up")
    start = time.perf_counter()
    for _ in range(10):
        index.search("measure 3 of the 7th table")
    search_ms = (time.perf_counter() - start) * 100
    with capsys.disabled():
        print(f"\nindex build, {len(chunks)} chunks: {build_s:.2f} s; search: {search_ms:.1f} ms")
    assert index.count() == 100
    assert build_s < 60 and search_ms < 1000
