"""With the settings ``askdb serve`` takes under a hub whose proxy reaches the service on
loopback, API keys' IP allow-lists and the per-address rate limit see each client named by the
proxy's X-Forwarded-For, not the proxy (a real Jupyter server, SQLite and PostgreSQL stores)."""

from __future__ import annotations

import pytest

from askdb_server.hub.serve import serve_config
from tests.helpers.hub import HUB_ENV
from tests.helpers.servers import askdb_server_config

HUB_AT_LOOPBACK = {**HUB_ENV, "JUPYTERHUB_SERVICE_URL": "http://127.0.0.1:10101"}


@pytest.fixture
def jp_server_config(tmp_path, store_url):
    proxies = serve_config(HUB_AT_LOOPBACK).AskDBApp.trusted_proxies
    return askdb_server_config(
        tmp_path,
        database_url=store_url,
        trusted_proxies=proxies,
        key_rate_limit=0,
        ip_rate_limit=2,
    )


async def test_each_client_behind_the_hub_proxy_is_seen_and_limited_apart(api, shop_project):
    pid = shop_project["id"]
    status, key = await api(
        "POST",
        f"projects/{pid}/keys",
        {"name": "k", "scopes": ["schema:read"], "ip_allow": ["10.0.0.0/8"]},
    )
    assert status == 201

    async def get(client: str | None) -> tuple[int, dict | None]:
        headers = {"Authorization": f"Bearer {key['key']}"}
        if client:
            headers["X-Forwarded-For"] = client  # what configurable-http-proxy adds
        return await api("GET", f"projects/{pid}/schemas", headers=headers)

    assert [(await get("10.0.0.1"))[0] for _ in range(3)] == [200, 200, 429]
    status, problem = await get("10.0.0.1")
    assert (status, problem["limit"]) == (429, "per_ip")
    assert (await get("10.0.0.2"))[0] == 200  # another client has its own limit
    status, problem = await get(None)  # the proxy itself is not in the key's networks
    assert (status, problem["reason"]) == (403, "network")
