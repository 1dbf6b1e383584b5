"""With ``AskDBApp.trusted_proxies`` set, X-Forwarded-For from a trusted proxy names the
client for API keys' IP allow-lists (and only then)."""

from __future__ import annotations

import pytest

from tests.helpers.servers import askdb_server_config


@pytest.fixture
def jp_server_config(tmp_path):
    return askdb_server_config(tmp_path, trusted_proxies=["127.0.0.1/32", "::1/128"])


async def test_forwarded_client_is_checked_behind_a_trusted_proxy(api, shop_project):
    pid = shop_project["id"]
    status, key = await api(
        "POST",
        f"projects/{pid}/keys",
        {"name": "k", "scopes": ["schema:read"], "ip_allow": ["10.0.0.0/8"]},
    )
    assert status == 201
    auth = {"Authorization": f"Bearer {key['key']}"}
    status, _ = await api(
        "GET", f"projects/{pid}/schemas", headers={**auth, "X-Forwarded-For": "10.9.8.7"}
    )
    assert status == 200
    # The right-most untrusted hop is the client: a client cannot prepend its way in.
    status, p = await api(
        "GET",
        f"projects/{pid}/schemas",
        headers={**auth, "X-Forwarded-For": "10.9.8.7, 192.0.2.1"},
    )
    assert (status, p["reason"]) == (403, "network") and "192.0.2.1" in p["detail"]
    status, p = await api("GET", f"projects/{pid}/schemas", headers=auth)
    assert (status, p["reason"]) == (403, "network")
