"""A Jupyter server with AskDB in a process of its own, driven with a blocking HTTP client.

The malformed-input table and the schemathesis runs send thousands of requests; one server per
store for a whole module keeps them fast, and a separate process keeps the server's event loop
out of the test's. The server's log is kept, so a test can show the traceback of a 500.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
import sqlalchemy as sa

from tests.helpers.databases import PG_ADMIN_URL
from tests.helpers.loopback import free_port
from tests.helpers.shop import write_shop


@dataclass
class LiveServer:
    url: str  # ends with /
    token: str
    log: Path

    @property
    def api(self) -> str:
        return self.url + "askdb/api/"

    @property
    def headers(self) -> dict:
        return {"Authorization": f"token {self.token}"}

    def call(self, method: str, path: str, body: object = None, **kwargs) -> requests.Response:
        """``path`` under askdb/api/; ``body``: bytes/str as is, anything else as JSON."""
        if body is not None and not isinstance(body, (str, bytes)):
            body = json.dumps(body)
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return requests.request(
            method, self.api + path, data=body, headers=headers, timeout=60, **kwargs
        )

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def store_database(kind: str, tmp: Path) -> Iterator[str]:
    """The metadata store's URL for ``kind`` sqlite ("": AskDB's embedded default) or
    postgresql (a new database, dropped afterwards)."""
    if kind == "sqlite":
        yield ""
    else:
        with pg_database() as url:
            yield url


def shop_world(server: LiveServer, tmp: Path) -> dict:
    """A project on a small shop database (schema introspected), a conversation and an API
    key: their ids as ``pid``, ``cid`` and ``kid``."""
    shop = write_shop(tmp / "shop.db")
    project = server.call(
        "POST", "projects", {"name": "shop", "connection_url": f"sqlite:///{shop}"}
    )
    assert project.status_code == 201, project.text
    pid = project.json()["id"]
    schema = server.call("POST", f"projects/{pid}/schemas", {"introspect": True})
    conv = server.call("POST", f"projects/{pid}/conversations", {"title": "t"})
    key = server.call("POST", f"projects/{pid}/keys", {"name": "k", "scopes": ["chat:read"]})
    for resp in (schema, conv, key):
        assert resp.status_code == 201, resp.text
    return {"pid": pid, "cid": conv.json()["id"], "kid": key.json()["id"]}


@contextmanager
def pg_database() -> Iterator[str]:
    """A new PostgreSQL database for a whole module, dropped afterwards."""
    name = f"askdb_live_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def live_server(tmp: Path, database_url: str = "", **askdb: object) -> Iterator[LiveServer]:
    """Run ``jupyter server`` with AskDB (no MiniLM, store at ``database_url`` or SQLite in
    ``tmp``) until the block ends; ``askdb``: further AskDBApp settings."""
    tmp.mkdir(parents=True, exist_ok=True)
    port, token = free_port(), secrets.token_hex(16)
    config = tmp / "config"
    config.mkdir(exist_ok=True)
    settings = {
        "data_dir": str(tmp / "askdb-data"),
        "database_url": database_url,
        "use_embeddings": False,
        "warm_up": False,
        **askdb,
    }
    (config / "jupyter_server_config.json").write_text(
        json.dumps(
            {
                "ServerApp": {
                    "jpserver_extensions": {
                        "askdb_server": True,
                        **dict.fromkeys(("jupyterlab", "jupyter_lsp", "notebook_shim"), False),
                    },
                    "port": port,
                    "ip": "127.0.0.1",
                    "open_browser": False,
                    "allow_root": True,
                    "root_dir": str(tmp),
                },
                "IdentityProvider": {"token": token},
                "AskDBApp": settings,
            }
        )
    )
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(config),
        "JUPYTER_DATA_DIR": str(tmp / "data"),
        "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"),
        "HF_HUB_OFFLINE": "1",
    }
    log = tmp / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "jupyter_server"], env=env, stdout=out, stderr=out
        )
    server = LiveServer(f"http://127.0.0.1:{port}/", token, log)
    try:
        _wait_until_up(server, proc)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_until_up(server: LiveServer, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited:\n{server.log_text()[-4000:]}")
        try:
            if server.call("GET", "users/me").status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"the server did not start:\n{server.log_text()[-4000:]}")
