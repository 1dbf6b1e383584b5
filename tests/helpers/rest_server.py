"""A ``jupyter server`` subprocess with AskDB, for the kernel's REST client and magics in REST
mode: the ``server`` and ``server_url`` fixtures (module-scoped), which
``tests/kernel/conftest.py`` makes that directory's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.helpers.loopback import free_port

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
