"""A real ``jupyter lab`` on a free loopback port, as a user starts it (the e2e tests' server).

The lab server runs with its own AskDB store, runtime, settings and workspace folders in a
temporary directory; the labextension is still found where ``pip install -e .`` put it
(``sys.prefix/share/jupyter/labextensions``), so data paths are not overridden.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers.loopback import free_port


@dataclass
class LabServer:
    """A running ``jupyter lab``: where it listens, its token and its temporary folder."""

    url: str
    token: str
    root: Path
    log: Path

    def api(self, method: str, path: str, body: dict | None = None) -> dict:
        """Call the AskDB REST API (``askdb/api/{path}``) with the server's token."""
        request = urllib.request.Request(
            f"{self.url}askdb/api/{path}",
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            text = response.read().decode()
        return json.loads(text) if text else {}

    def lab_url(self, workspace: str) -> str:
        """JupyterLab in its own workspace: no layout (open notebooks, panel state) from
        another test is restored into it."""
        return f"{self.url}lab/workspaces/{workspace}?token={self.token}"


def _wait_until_up(url: str, token: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"jupyter lab exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            request = urllib.request.Request(
                f"{url}askdb/api/projects", headers={"Authorization": f"token {token}"}
            )
            with urllib.request.urlopen(request, timeout=5):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    pytest.fail(f"jupyter lab did not answer within 90 s:\n{log.read_text()[-3000:]}")


@contextmanager
def run_jupyter_lab(base: Path, options: Sequence[str] = ()) -> Iterator[LabServer]:
    """``jupyter lab`` as a user starts it, on a free loopback port, with an isolated store under
    ``base``; ``options`` are more command-line options (``--AskDBApp.enforce_quotas=True``)."""
    if shutil.which("jupyter-lab", path=str(Path(sys.executable).parent)) is None:
        pytest.skip("jupyter-lab is not installed in this environment")
    root = base / "root"
    root.mkdir()
    port, token = free_port(), "askdb-e2e-token"
    log = base / "jupyter-lab.log"
    # No "get notified about Jupyter news?" toast over the page.
    notification = base / "settings" / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True)
    (notification / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    args = [
        str(Path(sys.executable).parent / "jupyter-lab"),
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.token={token}",
        f"--ServerApp.root_dir={root}",
        f"--AskDBApp.data_dir={base / 'askdb'}",
        "--AskDBApp.use_embeddings=False",
        f"--LabApp.user_settings_dir={base / 'settings'}",
        f"--LabApp.workspaces_dir={base / 'workspaces'}",
        "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        *options,
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--allow-root")
    env = {
        **os.environ,
        "JUPYTER_RUNTIME_DIR": str(base / "runtime"),
        "JUPYTER_CONFIG_DIR": str(base / "config"),
        "HF_HUB_OFFLINE": "1",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    with log.open("w") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=root)
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_until_up(url, token, proc, log)
        yield LabServer(url=url, token=token, root=root, log=log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
