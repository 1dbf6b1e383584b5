"""RestClient, and the magics in REST mode, against a real Jupyter server with AskDB enabled."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import requests

from tests.loopback import free_port

pytest.importorskip("askdb_server.app", reason="the AskDB server extension is not there yet")

from askdb.client import RestClient  # noqa: E402
from askdb.frames import answer_to_frame  # noqa: E402
from askdb.magics import AskDBMagics  # noqa: E402
from askdb_server.errors import ProjectNotFoundError, UnsafeSQLError  # noqa: E402

TOKEN = "askdb-test-token"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A `jupyter server` subprocess on a free loopback port, with isolated Jupyter dirs.

    Yields its URL and its runtime dir (where it writes kernels' connection files).
    """
    root = tmp_path_factory.mktemp("jupyter")
    config_dir = root / "config"
    config_dir.mkdir()
    port = free_port()
    config = {
        "ServerApp": {
            "ip": "127.0.0.1",
            "port": port,
            "port_retries": 0,
            "open_browser": False,
            "allow_root": True,
            "root_dir": str(root),
            # Only AskDB: the other installed extensions would just slow the start down.
            "jpserver_extensions": {
                "askdb_server": True,
                "jupyterlab": False,
                "jupyter_lsp": False,
                "jupyter_server_terminals": False,
                "notebook_shim": False,
            },
        },
        "IdentityProvider": {"token": TOKEN},
        "AskDBApp": {"data_dir": str(root / "askdb"), "use_embeddings": False},
    }
    (config_dir / "jupyter_server_config.json").write_text(json.dumps(config))
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(config_dir),
        "JUPYTER_DATA_DIR": str(root / "data"),
        "JUPYTER_RUNTIME_DIR": str(root / "runtime"),
        "HF_HUB_OFFLINE": "1",
    }
    log = (root / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter_server"], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_until_up(url, proc, root / "server.log")
        yield url, root / "runtime"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def server_url(server: tuple[str, Path]) -> str:
    return server[0]


def _wait_until_up(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"jupyter server exited:\n{log.read_text()[-3000:]}")
        try:
            r = requests.get(
                url + "askdb/api/projects", headers={"Authorization": f"token {TOKEN}"}
            )
            if r.status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    pytest.fail(f"jupyter server did not answer:\n{log.read_text()[-3000:]}")


@pytest.fixture
def client(server_url: str) -> Iterator[RestClient]:
    c = RestClient(server_url, TOKEN)
    yield c
    c.close()


def test_project_schema_and_sql_over_rest(client: RestClient, shop_db: Path) -> None:
    project = client.create_project("rest-shop", connection_url=f"sqlite:///{shop_db}")
    version = client.introspect(project["id"])
    assert version["version"] == 1
    assert client.find_project("rest-shop")["id"] == project["id"]
    assert client.find_project(project["id"])["name"] == "rest-shop"
    tables = {t["name"] for t in client.current_schema(project["id"])["schema"]["tables"]}
    assert tables == {"countries", "customers", "orders"}

    answer = client.run_sql(
        project["id"], "select id, name from customers where id <= 2 order by id"
    )
    frame = answer_to_frame(answer["columns"], answer["rows"])
    pd.testing.assert_frame_equal(frame, pd.DataFrame({"id": [1, 2], "name": ["Ada", "Bruno"]}))


def test_server_errors_come_back_as_their_classes(client: RestClient, shop_db: Path) -> None:
    with pytest.raises(ProjectNotFoundError):
        client.find_project("no-such-project")
    project = client.create_project("rest-guard", connection_url=f"sqlite:///{shop_db}")
    with pytest.raises(UnsafeSQLError) as caught:
        client.run_sql(project["id"], "delete from customers")
    assert caught.value.reason
    assert client.run_sql(project["id"], "select count(*) from customers")["rows"] == [[5]]


def test_bad_token_is_a_clear_error(server_url: str) -> None:
    with pytest.raises(Exception, match="refused the token"):
        RestClient(server_url, "wrong").list_projects()


def test_magics_use_the_server_named_by_askdb_url(
    shell, server_url: str, shop_db: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ASKDB_URL", server_url)
    monkeypatch.setenv("ASKDB_TOKEN", TOKEN)
    monkeypatch.setenv("ASKDB_DATA_DIR", str(tmp_path / "must-stay-unused"))
    magics = AskDBMagics(shell)
    shell.register_magics(magics)
    try:
        shell.run_line_magic("askdb", f"connect sqlite:///{shop_db}")
        assert isinstance(magics.client, RestClient)
        df = shell.run_cell_magic("askdb", "--sql", "select count(*) as n from orders")
        assert df["n"].tolist() == [4]
    finally:
        magics.close()
    assert not (tmp_path / "must-stay-unused").exists()


def test_a_server_without_askdb_is_a_clear_error(server_url: str) -> None:
    with pytest.raises(Exception, match="askdb_server extension enabled"):
        RestClient(server_url + "elsewhere/", TOKEN).list_projects()


def test_a_kernel_started_by_the_server_talks_to_it(
    server: tuple[str, Path], shop_db: Path
) -> None:
    """Discovery in a real kernel: its parent is the server, so the magics use its REST API."""
    from jupyter_client import BlockingKernelClient

    server_url, runtime_dir = server
    headers = {"Authorization": f"token {TOKEN}"}
    kernel = requests.post(server_url + "api/kernels", json={}, headers=headers).json()
    try:
        client = BlockingKernelClient()
        client.load_connection_file(str(runtime_dir / f"kernel-{kernel['id']}.json"))
        client.start_channels()
        client.wait_for_ready(timeout=60)
        out: list[str] = []
        code = (
            "%load_ext askdb\n"
            f"%askdb connect sqlite:///{shop_db}\n"
            "m = get_ipython().magics_manager.registry['AskDBMagics']\n"
            "print(type(m.client).__name__, m.client.base_url)\n"
        )
        reply = client.execute_interactive(
            code,
            timeout=120,
            output_hook=lambda msg: out.append(msg["content"].get("text", "")),
        )
        client.stop_channels()
        assert reply["content"]["status"] == "ok", reply["content"]
        assert f"RestClient {server_url}" in "".join(out)
    finally:
        requests.delete(server_url + f"api/kernels/{kernel['id']}", headers=headers)
