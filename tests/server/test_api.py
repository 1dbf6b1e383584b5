"""The REST API end to end on a real Jupyter server (jp_fetch), with a real SQLite database."""

from __future__ import annotations

import json
import sqlite3
import uuid

import pytest


async def test_project_lifecycle(api, shop_db, jp_fetch):
    status, p = await api(
        "POST",
        "projects",
        {"name": "shop", "description": "d", "connection_url": f"sqlite:///{shop_db}"},
    )
    assert status == 201 and p["dialect"] == "sqlite" and p["schema_version"] is None
    resp = await api("GET", "projects", raw=True)
    assert resp.code == 200
    assert [x["name"] for x in json.loads(resp.body)["projects"]] == ["shop"]
    status, again = await api("GET", f"projects/{p['id']}")
    assert status == 200 and again["id"] == p["id"]
    status, renamed = await api("PATCH", f"projects/{p['id']}", {"description": "new"})
    assert status == 200 and renamed["description"] == "new"
    status, dup = await api("POST", "projects", {"name": "shop"})
    assert status == 409 and dup["code"] == "conflict"
    status, archived = await api("POST", f"projects/{p['id']}/archive")
    assert status == 200 and archived["archived"] is True
    assert (await api("GET", "projects"))[1]["projects"] == []
    status, restored = await api("POST", f"projects/{p['id']}/restore")
    assert status == 200 and restored["archived"] is False


async def test_create_sets_location_and_hides_password(api):
    resp = await api(
        "POST",
        "projects",
        {"name": "pg", "connection_url": "postgresql://u:sekret@127.0.0.1:1/db"},
        raw=True,
    )
    assert resp.code == 201
    body = json.loads(resp.body)
    assert resp.headers["Location"].endswith(f"/askdb/api/projects/{body['id']}")
    assert "sekret" not in resp.body.decode() and "***" in body["connection_url"]
    for path in ("projects", f"projects/{body['id']}"):
        assert "sekret" not in (await api("GET", path, raw=True)).body.decode()


@pytest.mark.parametrize(
    "method,path,body,status,code",
    [
        ("GET", "projects/nope", None, 404, "project_not_found"),
        ("POST", "projects", {"name": ""}, 400, "invalid_input"),
        (
            "POST",
            "projects",
            {"name": "x", "connection_url": "oracle://h/db"},
            400,
            "invalid_database_url",
        ),
        ("POST", "projects", {"name": "x", "colour": "red"}, 400, "invalid_input"),
        ("POST", "projects", "not json", 400, "invalid_input"),
        ("GET", "conversations/nope", None, 404, "conversation_not_found"),
    ],
)
async def test_errors_are_problem_json(api, method, path, body, status, code):
    resp = await api(method, path, body, raw=True)
    assert resp.code == status
    assert resp.headers["Content-Type"].startswith("application/problem+json")
    problem = json.loads(resp.body)
    assert problem["code"] == code and problem["status"] == status and problem["detail"]


async def test_schema_upload_three_ways(api, shop_project, shop_db, jp_fetch):
    pid = shop_project["id"]
    status, v2 = await api(
        "POST",
        f"projects/{pid}/schemas",
        {"ddl": "CREATE TABLE t (id INT PRIMARY KEY,\n  name TEXT);", "dialect": "sqlite"},
    )
    assert status == 201 and v2["version"] == 2 and v2["source"] == "ddl_text"
    boundary = uuid.uuid4().hex
    ddl = "CREATE TABLE a (id INT PRIMARY KEY);\nCREATE TABLE b (a_id INT REFERENCES a(id));\n"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="s.sql"\r\n'
        f"Content-Type: application/sql\r\n\r\n{ddl}\r\n--{boundary}--\r\n"
    )
    status, v3 = await api(
        "POST",
        f"projects/{pid}/schemas",
        body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert status == 201, v3
    assert v3["version"] == 3 and v3["source"] == "ddl_file" and v3["filename"] == "s.sql"
    assert v3["schema"]["tables"][1]["foreign_keys"][0]["ref_table"] == "a"
    status, listing = await api("GET", f"projects/{pid}/schemas")
    assert [v["version"] for v in listing["versions"]] == [3, 2, 1]
    status, v1 = await api("GET", f"projects/{pid}/schemas/1")
    assert v1["source"] == "introspection"
    assert {t["name"] for t in v1["schema"]["tables"]} == {"customers", "orders"}
    status, current = await api("GET", f"projects/{pid}/schemas/current")
    assert current["version"] == 3


async def test_malformed_ddl_names_the_line_and_stores_nothing(api, shop_project):
    pid = shop_project["id"]
    ddl = "CREATE TABLE ok (id INT);\n\nCREATE TABLE broken (id INT name TEXT);\n"
    status, problem = await api("POST", f"projects/{pid}/schemas", {"ddl": ddl})
    assert status == 400 and problem["code"] == "ddl_parse_error"
    assert "line 3" in problem["detail"]
    _, listing = await api("GET", f"projects/{pid}/schemas")
    assert len(listing["versions"]) == 1


async def test_run_sql_and_the_guard(api, shop_project, shop_db):
    pid = shop_project["id"]
    status, ans = await api(
        "POST",
        f"projects/{pid}/run",
        {"sql": "SELECT country, COUNT(*) AS n FROM customers GROUP BY country ORDER BY country"},
    )
    assert status == 200, ans
    assert ans["columns"] == ["country", "n"]
    assert ans["rows"] == [["France", 2], ["Japan", 1], ["Peru", 1]]
    status, problem = await api("POST", f"projects/{pid}/run", {"sql": "DELETE FROM orders"})
    assert status == 400 and problem["code"] == "unsafe_sql"
    status, problem = await api("POST", f"projects/{pid}/run", {"sql": "SELECT * FROM nowhere"})
    assert status == 400 and problem["code"] in ("unknown_table", "query_failed")
    with sqlite3.connect(shop_db) as con:
        assert con.execute("select count(*) from orders").fetchone()[0] == 3


async def test_unreachable_database(api, tmp_path):
    _, p = await api(
        "POST",
        "projects",
        {"name": "gone", "connection_url": f"sqlite:///{tmp_path / 'missing.db'}"},
    )
    status, problem = await api("POST", f"projects/{p['id']}/run", {"sql": "SELECT 1"})
    assert status == 502 and problem["code"] == "database_unreachable"
    assert not (tmp_path / "missing.db").exists()


async def test_ask_answers_and_records_a_conversation(api, shop_project):
    pid = shop_project["id"]
    status, ans = await api(
        "POST", f"projects/{pid}/ask", {"question": "how many customers are there per country?"}
    )
    assert status == 200, ans
    assert sorted(map(tuple, ans["rows"])) == [("France", 2), ("Japan", 1), ("Peru", 1)]
    assert ans["sql"].upper().startswith("SELECT") and ans["explanation"]
    status, convs = await api("GET", f"projects/{pid}/conversations")
    assert [c["message_count"] for c in convs["conversations"]] == [1]
    status, ans2 = await api(
        "POST",
        f"projects/{pid}/ask",
        {"question": "how many customers are there?", "conversation_id": ans["conversation_id"]},
    )
    assert status == 200 and ans2["rows"] == [[4]]
    status, conv = await api("GET", f"conversations/{ans['conversation_id']}")
    assert [m["question"] for m in conv["messages"]] == [
        "how many customers are there per country?",
        "how many customers are there?",
    ]
    status, renamed = await api("PATCH", f"conversations/{conv['id']}", {"title": "Counts"})
    assert renamed["title"] == "Counts"
    resp = await api("DELETE", f"conversations/{conv['id']}", raw=True)
    assert resp.code == 204
    assert (await api("GET", f"conversations/{conv['id']}"))[0] == 404


@pytest.mark.parametrize(
    "question,code,status",
    [
        ("", "empty_question", 400),
        ("   ", "empty_question", 400),
        ("what is the airspeed velocity of an unladen swallow?", "no_answer", 422),
    ],
)
async def test_ask_errors(api, shop_project, question, code, status):
    got, problem = await api("POST", f"projects/{shop_project['id']}/ask", {"question": question})
    assert (got, problem["code"]) == (status, code)


async def test_ask_without_schema_says_so(api, shop_db):
    _, p = await api("POST", "projects", {"name": "s", "connection_url": f"sqlite:///{shop_db}"})
    status, problem = await api("POST", f"projects/{p['id']}/ask", {"question": "how many orders?"})
    assert status == 400 and problem["code"] == "no_schema"


def _parse_sse(text: str) -> list[tuple[str, dict]]:
    events = []
    for block in text.strip().split("\n\n"):
        if block.startswith(":"):
            continue  # a keep-alive comment
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    return events


async def test_ask_streams_server_sent_events(api, shop_project):
    resp = await api(
        "POST",
        f"projects/{shop_project['id']}/ask",
        {"question": "how many orders are there?"},
        headers={"Accept": "text/event-stream"},
        raw=True,
    )
    assert resp.code == 200 and resp.headers["Content-Type"].startswith("text/event-stream")
    events = _parse_sse(resp.body.decode())
    names = [e for e, _ in events]
    assert names[0] == "status" and names[-1] == "done"
    assert names.index("sql") < names.index("rows") < names.index("done")
    assert dict(events)["rows"]["rows"] == [[3]]
    assert {d["step"] for e, d in events if e == "status"} >= {"linking", "generating", "running"}


async def test_stream_reports_errors_as_events(api, shop_project):
    resp = await api(
        "POST",
        f"projects/{shop_project['id']}/run",
        {"sql": "DROP TABLE orders"},
        headers={"Accept": "text/event-stream"},
        raw=True,
    )
    events = _parse_sse(resp.body.decode())
    assert events[-1][0] == "error" and events[-1][1]["code"] == "unsafe_sql"


async def test_list_filters_by_name(api):
    for name in ("a", "b"):
        await api("POST", "projects", {"name": name})
    _, listing = await api("GET", "projects")
    assert len(listing["projects"]) == 2
    _, listing = await api("GET", "projects", params={"name": "b"})
    assert [p["name"] for p in listing["projects"]] == ["b"]


async def test_a_started_conversation_keeps_failed_and_later_questions(api, shop_project):
    pid = shop_project["id"]
    resp = await api("POST", f"projects/{pid}/conversations", {"title": "Shop"}, raw=True)
    assert resp.code == 201
    conv = json.loads(resp.body)
    assert conv["title"] == "Shop" and conv["message_count"] == 0 and conv["messages"] == []
    assert resp.headers["Location"].endswith(f"/askdb/api/conversations/{conv['id']}")
    status, problem = await api(
        "POST",
        f"projects/{pid}/ask",
        {"question": "what is the airspeed of a swallow?", "conversation_id": conv["id"]},
    )
    assert status == 422 and problem["code"] == "no_answer"
    status, ans = await api(
        "POST",
        f"projects/{pid}/ask",
        {"question": "how many customers are there?", "conversation_id": conv["id"]},
    )
    assert status == 200 and ans["conversation_id"] == conv["id"]
    status, full = await api("GET", f"conversations/{conv['id']}")
    assert [m["status"] for m in full["messages"]] == ["error", "ok"]
    status, untitled = await api("POST", f"projects/{pid}/conversations", {})
    assert status == 201 and untitled["title"] == "New conversation"
    assert (await api("POST", "projects/nope/conversations", {}))[0] == 404


async def test_ask_reuses_an_approved_answer_with_its_value_swapped(api, shop_project):
    pid = shop_project["id"]
    approved = {
        "question": "which customers come from France?",
        "sql": "SELECT name FROM customers WHERE country = 'France' ORDER BY name",
    }
    status, pair = await api("POST", f"projects/{pid}/golden", approved)
    assert status == 201, pair
    status, ans = await api(
        "POST", f"projects/{pid}/ask", {"question": "which customers come from Japan?"}
    )
    assert status == 200, ans
    assert ans["sql"] == "SELECT name FROM customers WHERE country = 'Japan' ORDER BY name"
    assert ans["rows"] == [["Cy"]] and "approved" in ans["explanation"]
    _, conv = await api("GET", f"conversations/{ans['conversation_id']}")
    assert conv["messages"][0]["model"] == "golden"


async def test_docs_teach_the_engine_a_business_term(api, shop_project):
    pid = shop_project["id"]
    question = {"question": "how many patrons are there?"}
    status, problem = await api("POST", f"projects/{pid}/ask", question)
    assert status == 422 and problem["code"] == "no_answer"
    status, _ = await api(
        "POST",
        f"projects/{pid}/docs",
        {"title": "Glossary", "body": "patrons: the customers table"},
    )
    assert status == 201
    status, ans = await api("POST", f"projects/{pid}/ask", question)
    assert status == 200, ans
    assert ans["rows"] == [[4]]
