"""The installed package registers both halves of AskDB with Jupyter.

These run the venv's own ``jupyter`` commands, as a user would after ``pip install``, and read
what they report; they need the package installed (``pip install -e .`` builds the labextension).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from jupyter_core.paths import jupyter_path

LABEXT_NAME = "jupyter-askdb"
REPO = Path(__file__).resolve().parents[2]
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def jupyter(*args: str) -> str:
    """Run the venv's ``jupyter`` and return its output (both streams), colour codes removed."""
    exe = Path(sys.executable).parent / "jupyter"
    env = {**os.environ, "NO_COLOR": "1"}
    done = subprocess.run(
        [str(exe), *args], capture_output=True, text=True, timeout=120, env=env, check=False
    )
    assert done.returncode == 0, f"jupyter {' '.join(args)} failed:\n{done.stdout}{done.stderr}"
    return ANSI.sub("", done.stdout + done.stderr)


def installed_labextension() -> Path:
    """The folder JupyterLab loads the AskDB labextension from."""
    for root in jupyter_path("labextensions"):
        candidate = Path(root) / LABEXT_NAME
        if (candidate / "package.json").is_file():
            return candidate
    pytest.fail(f"{LABEXT_NAME} is in no labextensions folder of {jupyter_path('labextensions')}")


def test_labextension_is_enabled_and_ok() -> None:
    out = jupyter("labextension", "list")
    line = re.search(rf"^\s*{re.escape(LABEXT_NAME)} v(\S+) enabled OK\b.*$", out, re.M)
    assert line, f"{LABEXT_NAME} is not listed as 'enabled OK':\n{out}"
    assert line.group(1) == version("jupyter-askdb")
    # Installed by pip (install.json), so JupyterLab tells users to uninstall it with pip.
    assert f"(python, {LABEXT_NAME})" in line.group(0)


def test_installed_labextension_is_a_build_with_its_settings_schema() -> None:
    folder = installed_labextension()
    meta = json.loads((folder / "package.json").read_text())
    # `_build.load` only exists in @jupyter/builder's output, and names the federated entry.
    assert (folder / meta["jupyterlab"]["_build"]["load"]).is_file()
    schema = json.loads((folder / "schemas" / LABEXT_NAME / "plugin.json").read_text())
    assert schema["properties"]["rowsShown"]["default"] == 50
    assert json.loads((folder / "install.json").read_text())["packageName"] == "jupyter-askdb"


def test_server_extension_is_enabled_and_validates() -> None:
    out = jupyter("server", "extension", "list")
    assert re.search(r"^\s*askdb_server enabled\s*$", out, re.M), out
    # The validation line: the module imports and its extension points load.
    ok = re.search(r"^\s*askdb_server (\S*)\s*OK\s*$", out, re.M)
    assert ok, f"askdb_server does not validate:\n{out}"


def test_npm_and_python_versions_agree() -> None:
    package = json.loads((REPO / "labext" / "package.json").read_text())
    assert package["name"] == LABEXT_NAME
    assert package["version"] == version("jupyter-askdb")
