"""The knowledge REST API on a real Jupyter server: docs, approved pairs, search, rebuild.

Every response is also checked against the served OpenAPI document.
"""

from __future__ import annotations

import pytest

from askdb_server.openapi import openapi_document
from tests.helpers.openapi import path_template, response_validator


@pytest.fixture
def checked(api):
    """Like ``api``, and each response must match its OpenAPI schema."""
    doc = openapi_document()

    async def call(method, path, body=None, **kw):
        status, data = await api(method, path, body, **kw)
        if status != 204:
            template = path_template(doc, "/askdb/api/" + path)
            response_validator(doc, method, template, status).validate(data)
        return status, data

    return call


async def _second_project(api, shop_db) -> str:
    status, other = await api(
        "POST", "projects", {"name": "other", "connection_url": f"sqlite:///{shop_db}"}
    )
    assert status == 201
    return other["id"]


async def test_docs_are_added_listed_and_deleted(checked, api, shop_project, shop_db):
    pid = shop_project["id"]
    status, doc = await checked(
        "POST", f"projects/{pid}/docs", {"title": "revenue", "body": "the sum of orders.total"}
    )
    assert status == 201 and doc["title"] == "revenue" and doc["project_id"] == pid
    status, listed = await checked("GET", f"projects/{pid}/docs")
    assert status == 200 and [d["id"] for d in listed["docs"]] == [doc["id"]]

    other = await _second_project(api, shop_db)
    status, problem = await checked("DELETE", f"projects/{other}/docs/{doc['id']}")
    assert status == 404 and problem["code"] == "doc_not_found"
    status, problem = await checked("POST", f"projects/{pid}/docs", {"body": " "})
    assert status == 400 and problem["code"] == "invalid_input"
    status, problem = await checked("POST", f"projects/{pid}/docs", {"body": "x", "sql": "y"})
    assert status == 400 and "sql" in problem["detail"]

    status, _ = await checked("DELETE", f"projects/{pid}/docs/{doc['id']}")
    assert status == 204
    assert (await checked("GET", f"projects/{pid}/docs"))[1]["docs"] == []
    status, problem = await checked("GET", "projects/missing/docs")
    assert status == 404 and problem["code"] == "project_not_found"


async def test_pairs_are_approved_listed_and_deleted(checked, api, shop_project, shop_db):
    pid = shop_project["id"]
    sql = "SELECT COUNT(*) FROM customers WHERE country = 'France'"
    resp = await api(
        "POST",
        f"projects/{pid}/golden",
        {"question": "how many customers in France?", "sql": sql},
        raw=True,
    )
    assert resp.code == 201
    status, listed = await checked("GET", f"projects/{pid}/golden")
    [pair] = listed["pairs"]
    assert resp.headers["Location"].endswith(f"/golden/{pair['id']}")
    assert (pair["question"], pair["sql"], pair["source_message_id"]) == (
        "how many customers in France?",
        sql,
        None,
    )
    status, problem = await checked(
        "POST",
        f"projects/{pid}/golden",
        {"question": "how many customers in France?", "sql": "SELECT 2"},
    )
    assert status == 409

    other = await _second_project(api, shop_db)
    status, problem = await checked("DELETE", f"projects/{other}/golden/{pair['id']}")
    assert status == 404 and problem["code"] == "golden_pair_not_found"
    status, _ = await checked("DELETE", f"projects/{pid}/golden/{pair['id']}")
    assert status == 204
    assert (await checked("GET", f"projects/{pid}/golden"))[1]["pairs"] == []


async def test_unsafe_sql_is_never_approved(checked, shop_project):
    pid = shop_project["id"]
    status, problem = await checked(
        "POST", f"projects/{pid}/golden", {"question": "clean up", "sql": "DROP TABLE orders"}
    )
    assert status == 400 and problem["code"] == "unsafe_sql"
    status, problem = await checked(
        "POST", f"projects/{pid}/golden", {"question": "q", "sql": "SELECT * FROM invoices"}
    )
    assert status == 400 and problem["code"] == "unknown_table"
    assert (await checked("GET", f"projects/{pid}/golden"))[1]["pairs"] == []


async def test_approve_an_answer_by_its_message_id(checked, api, shop_project, shop_db):
    pid = shop_project["id"]
    status, answer = await api(
        "POST", f"projects/{pid}/ask", {"question": "how many orders are there?"}
    )
    assert status == 200, answer
    status, pair = await checked(
        "POST", f"projects/{pid}/golden", {"message_id": answer["message_id"]}
    )
    assert status == 201
    assert (pair["question"], pair["sql"], pair["source_message_id"]) == (
        "how many orders are there?",
        answer["sql"],
        answer["message_id"],
    )
    other = await _second_project(api, shop_db)
    status, problem = await checked(
        "POST", f"projects/{other}/golden", {"message_id": answer["message_id"]}
    )
    assert status == 404 and problem["code"] == "message_not_found"
    status, problem = await checked("POST", f"projects/{pid}/golden", {"message_id": 7})
    assert status == 400


async def test_search_and_rebuild(checked, shop_project):
    pid = shop_project["id"]
    await checked(
        "POST",
        f"projects/{pid}/docs",
        {"title": "big spender", "body": "a customer whose orders total over 100"},
    )
    await checked(
        "POST",
        f"projects/{pid}/golden",
        {"question": "how many orders are there?", "sql": "SELECT COUNT(*) FROM orders"},
    )
    status, found = await checked(
        "GET", f"projects/{pid}/search", params={"q": "who spends the most", "limit": "20"}
    )
    assert status == 200 and found["query"] == "who spends the most"
    assert {h["kind"] for h in found["hits"]} == {"schema", "doc", "golden"}
    assert found["hits"][0]["score"] >= found["hits"][-1]["score"]
    status, golden = await checked(
        "GET", f"projects/{pid}/search", params={"q": "number of orders", "kind": "golden"}
    )
    assert [h["kind"] for h in golden["hits"]] == ["golden"]
    status, problem = await checked("GET", f"projects/{pid}/search")
    assert status == 400
    status, report = await checked("POST", f"projects/{pid}/index/rebuild")
    # customers (3 columns) and orders (4 columns): 2 + 7 schema chunks, one doc, one pair
    assert status == 200 and report["indexed"] == 11
