"""Over REST: a project's store_results setting, and what the history keeps of an answer (a
byte-capped preview, or no rows), checked against the OpenAPI document's Message schema."""

from __future__ import annotations

import jsonschema
import pytest

from askdb_server.openapi import openapi_document
from tests.helpers.servers import askdb_server_config

SQL = "SELECT id, name FROM customers ORDER BY id"


@pytest.fixture
def jp_server_config(tmp_path):
    # Room for the first two customers' rows only: [[1, "Ada"], [2, "Bo"]] is 23 bytes.
    return askdb_server_config(tmp_path, preview_bytes=24)


def _message_validator() -> jsonschema.Draft202012Validator:
    doc = openapi_document()
    return jsonschema.Draft202012Validator(
        {"$ref": "#/components/schemas/Message", "components": doc["components"]}
    )


async def test_store_results_is_a_project_setting(api, shop_project):
    pid = shop_project["id"]
    assert shop_project["store_results"] is True
    status, changed = await api("PATCH", f"projects/{pid}", {"store_results": False})
    assert status == 200 and changed["store_results"] is False
    _, got = await api("GET", f"projects/{pid}")
    assert got["store_results"] is False
    status, created = await api("POST", "projects", {"name": "quiet", "store_results": False})
    assert status == 201 and created["store_results"] is False


async def test_history_keeps_a_capped_preview_or_no_rows(api, shop_project):
    pid = shop_project["id"]
    status, answer = await api("POST", f"projects/{pid}/run", {"sql": SQL})
    assert status == 200 and len(answer["rows"]) == 4  # the live answer has every row
    _, conv = await api("GET", f"conversations/{answer['conversation_id']}")
    [kept] = conv["messages"]
    _message_validator().validate(kept)
    assert kept["status"] == "ok"
    assert kept["rows"] == [[1, "Ada"], [2, "Bo"]] and kept["preview_truncated"] is True

    await api("PATCH", f"projects/{pid}", {"store_results": False})
    status, answer = await api("POST", f"projects/{pid}/run", {"sql": SQL})
    assert status == 200 and len(answer["rows"]) == 4
    _, conv = await api("GET", f"conversations/{answer['conversation_id']}")
    [none] = conv["messages"]
    _message_validator().validate(none)
    assert none["rows"] is None and none["row_count"] == 4


async def test_failed_and_interrupted_messages_match_the_schema(api, shop_project):
    pid = shop_project["id"]
    status, _ = await api("POST", f"projects/{pid}/run", {"sql": "DELETE FROM customers"})
    assert status == 400
    _, convs = await api("GET", f"projects/{pid}/conversations")
    _, conv = await api("GET", f"conversations/{convs['conversations'][0]['id']}")
    [failed] = conv["messages"]
    _message_validator().validate(failed)
    assert failed["status"] == "error"
    for status_value in ("running", "interrupted"):
        _message_validator().validate({**failed, "status": status_value})
