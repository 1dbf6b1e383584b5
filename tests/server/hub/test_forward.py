"""A hub user's server forwards the AskDB API to the service and keeps no store of its own."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.request

import pytest
from tornado.httpclient import HTTPClientError

from askdb_server.hub.forward import single_user_service_url
from tests.helpers.loopback import free_port

SERVICE_TOKEN = "user-hub-token"


@pytest.mark.parametrize(
    "env,url",
    [
        ({}, ""),
        ({"JUPYTERHUB_SERVICE_PREFIX": "/user/ann/", "JUPYTERHUB_API_TOKEN": "t"}, ""),
        (
            {
                "JUPYTERHUB_USER": "ann",
                "JUPYTERHUB_SERVICE_PREFIX": "/user/ann/",
                "JUPYTERHUB_API_TOKEN": "t",
            },
            "http://127.0.0.1:8000/services/askdb/",
        ),
        (
            {
                "JUPYTERHUB_USER": "ann",
                "JUPYTERHUB_SERVICE_PREFIX": "/hub1/user/ann/",
                "JUPYTERHUB_API_TOKEN": "t",
                "JUPYTERHUB_BASE_URL": "/hub1/",
                "JUPYTERHUB_PUBLIC_HUB_URL": "https://hub.example.org",
            },
            "https://hub.example.org/hub1/services/askdb/",
        ),
        (
            {
                "JUPYTERHUB_USER": "ann",
                "JUPYTERHUB_SERVICE_PREFIX": "/user/ann/",
                "JUPYTERHUB_API_TOKEN": "t",
                "ASKDB_HUB_SERVICE": "",
            },
            "",
        ),
    ],
)
def test_which_servers_forward(env, url):
    assert single_user_service_url(env) == url


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    """A real AskDB server standing in for the hub service; it accepts the user's token."""
    work = tmp_path_factory.mktemp("service")
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "jupyter_server",
        f"--port={port}",
        "--ip=127.0.0.1",
        f"--IdentityProvider.token={SERVICE_TOKEN}",
        "--ServerApp.open_browser=False",
        f"--ServerApp.root_dir={work}",
        f"--AskDBApp.data_dir={work / 'data'}",
        "--AskDBApp.use_embeddings=False",
        "--AskDBApp.service_url=",
    ]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(work / "runtime")}
    env.pop("JUPYTERHUB_USER", None)
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 60
    while True:
        try:
            req = urllib.request.Request(
                f"{url}askdb/api/openapi.json", headers={"Authorization": f"token {SERVICE_TOKEN}"}
            )
            urllib.request.urlopen(req, timeout=2)
            break
        except OSError:
            if time.time() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError("the AskDB service did not start") from None
            time.sleep(0.3)
    try:
        yield url, work / "data"
    finally:
        proc.kill()
        proc.wait(10)


@pytest.fixture
def jp_server_config(service, tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", SERVICE_TOKEN)
    return {
        "ServerApp": {"jpserver_extensions": {"askdb_server": True}},
        "AskDBApp": {"data_dir": str(tmp_path / "user-data"), "service_url": service[0]},
    }


async def _call(jp_fetch, method, path, body=None, headers=None):
    kwargs = {"method": method, "headers": headers or {}}
    if body is not None:
        kwargs["body"] = json.dumps(body)
    try:
        resp = await jp_fetch("askdb", "api", *path.split("/"), **kwargs)
    except HTTPClientError as e:
        resp = e.response
    return resp


async def test_the_api_is_the_services(jp_fetch, service, tmp_path, shop_db):
    _, service_data = service
    resp = await _call(
        jp_fetch, "POST", "projects", {"name": "shop", "connection_url": f"sqlite:///{shop_db}"}
    )
    assert resp.code == 201, resp.body
    project = json.loads(resp.body)
    assert resp.headers["Location"].endswith(f"/askdb/api/projects/{project['id']}")
    resp = await _call(jp_fetch, "POST", f"projects/{project['id']}/schemas", {"introspect": True})
    assert resp.code == 201
    resp = await _call(jp_fetch, "GET", "projects")
    assert [p["name"] for p in json.loads(resp.body)["projects"]] == ["shop"]
    # The project lives in the service's store; this server made none.
    assert (service_data / "askdb.sqlite").exists()
    assert not (tmp_path / "user-data").exists()
    # Errors pass through as the service's problem+json.
    resp = await _call(jp_fetch, "GET", "projects/nope")
    assert resp.code == 404
    assert resp.headers["Content-Type"].startswith("application/problem+json")
    assert json.loads(resp.body)["code"] == "project_not_found"
    # An answer streams through, events in order.
    resp = await _call(
        jp_fetch,
        "POST",
        f"projects/{project['id']}/ask",
        {"question": "how many customers are there?"},
        headers={"Accept": "text/event-stream"},
    )
    assert resp.code == 200 and resp.headers["Content-Type"].startswith("text/event-stream")
    events = [
        line.split(": ", 1)[1]
        for line in resp.body.decode().splitlines()
        if line.startswith("event: ")
    ]
    assert events[0] == "status" and events[-1] == "done" and "rows" in events


async def test_an_unreachable_service_is_a_clear_error(jp_fetch, monkeypatch, jp_serverapp):
    jp_serverapp.web_app.settings["askdb_service_url"] = f"http://127.0.0.1:{free_port()}/"
    resp = await _call(jp_fetch, "GET", "projects")
    assert resp.code == 502


async def test_a_closed_stream_cancels_the_services_work(
    jp_fetch, jp_http_port, jp_base_url, jp_auth_header, tmp_path
):
    """Stop in the panel closes the browser's stream to the user's server; the forwarder then
    drops its request to the service, which cancels the running query."""
    import sqlite3

    from tornado import httpclient

    db = tmp_path / "slow.db"
    with sqlite3.connect(db) as c:
        c.execute(
            "CREATE VIEW readings AS WITH RECURSIVE seq(n) AS "
            "(SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 500000000) SELECT n FROM seq"
        )
    resp = await _call(
        jp_fetch, "POST", "projects", {"name": "slow", "connection_url": f"sqlite:///{db}"}
    )
    project = json.loads(resp.body)
    url = f"http://127.0.0.1:{jp_http_port}{jp_base_url}askdb/api/projects/{project['id']}/run"
    seen = []

    def on_chunk(chunk: bytes) -> None:
        seen.append(chunk.decode())
        if "running" in "".join(seen):
            raise ConnectionAbortedError("the user pressed Stop")

    request = httpclient.HTTPRequest(
        url,
        method="POST",
        body=json.dumps({"sql": "SELECT count(*) FROM readings"}),
        headers={**jp_auth_header, "Accept": "text/event-stream"},
        streaming_callback=on_chunk,
        request_timeout=60,
    )
    started = time.monotonic()
    with pytest.raises(Exception):  # noqa: B017 - tornado wraps the callback's error
        await httpclient.AsyncHTTPClient(force_instance=True).fetch(request)
    # The service records the run as cancelled long before the query could have finished.
    deadline = time.monotonic() + 15
    status = None
    while time.monotonic() < deadline:
        convs = json.loads(
            (await _call(jp_fetch, "GET", f"projects/{project['id']}/conversations")).body
        )
        if convs["conversations"]:
            conv = json.loads(
                (
                    await _call(jp_fetch, "GET", f"conversations/{convs['conversations'][0]['id']}")
                ).body
            )
            # Recorded as running from its admission; then completed as cancelled.
            status = conv["messages"][-1]["status"] if conv["messages"] else None
            if status not in (None, "running"):
                break
        await asyncio.sleep(0.3)
    assert status == "cancelled", status
    assert time.monotonic() - started < 20
