"""RestClient, and the magics in REST mode, against a real Jupyter server with AskDB enabled."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import requests

from tests.helpers.rest_server import TOKEN

pytest.importorskip("askdb_server.app", reason="the AskDB server extension is not there yet")

from askdb.client import RestClient
from askdb.frames import answer_to_frame
from askdb.magics import AskDBMagics
from askdb_server.errors import ProjectNotFoundError, UnsafeSQLError


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
