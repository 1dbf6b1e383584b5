"""Where the magics send requests: explicit URL, the kernel's server, or in-process."""

from __future__ import annotations

from pathlib import Path

import pytest

from askdb.discovery import LocalStore, RestEndpoint, choose_endpoint, discover_endpoint

SERVER_A = {"pid": 100, "url": "http://127.0.0.1:8888/lab-a/", "token": "ta"}
SERVER_B = {"pid": 200, "url": "http://127.0.0.1:8889/", "token": "tb"}
DEFAULT = Path("/home/u/.local/share/jupyter/askdb")
HUB = {"JUPYTERHUB_SERVICE_PREFIX": "/user/ann/", "JUPYTERHUB_API_TOKEN": "h"}

CASES = [
    # (name, env, servers, parent pid, kernel runtime dir, expected)
    (
        "explicit URL wins over a matching server",
        {"ASKDB_URL": "http://svc/askdb/", "ASKDB_TOKEN": "t"},
        [SERVER_A],
        100,
        None,
        RestEndpoint("http://svc/askdb/", "t"),
    ),
    (
        "hub token when no ASKDB_TOKEN",
        {"ASKDB_URL": "http://hub/services/askdb/", "JUPYTERHUB_API_TOKEN": "h"},
        [],
        1,
        None,
        RestEndpoint("http://hub/services/askdb/", "h"),
    ),
    (
        "the kernel's parent server",
        {},
        [SERVER_A, SERVER_B],
        200,
        None,
        RestEndpoint(SERVER_B["url"], "tb"),
    ),
    (
        "lone server sharing the runtime dir",
        {},
        [SERVER_A],
        1,
        "RUNTIME",
        RestEndpoint(SERVER_A["url"], "ta"),
    ),
    (
        "hub single-user server: the hub's service, not the user's own server",
        {**HUB, "JUPYTERHUB_PUBLIC_HUB_URL": "https://hub.example.com/hub/"},
        [SERVER_A],
        100,
        None,
        RestEndpoint("https://hub.example.com/services/askdb/", "h"),
    ),
    (
        "hub under a base URL, host only, another service name",
        {
            **HUB,
            "JUPYTERHUB_BASE_URL": "/jh/",
            "JUPYTERHUB_HOST": "https://hub.example.com",
            "ASKDB_HUB_SERVICE": "ask",
        },
        [],
        1,
        None,
        RestEndpoint("https://hub.example.com/jh/services/ask/", "h"),
    ),
    (
        "hub with no public URL: JupyterHub's default proxy address",
        {**HUB, "JUPYTERHUB_BASE_URL": "/", "JUPYTERHUB_PUBLIC_HUB_URL": ""},
        [],
        1,
        None,
        RestEndpoint("http://127.0.0.1:8000/services/askdb/", "h"),
    ),
    (
        "explicit URL wins in a hub",
        {**HUB, "ASKDB_URL": "http://svc/", "JUPYTERHUB_PUBLIC_HUB_URL": "https://hub/hub/"},
        [],
        1,
        None,
        RestEndpoint("http://svc/", "h"),
    ),
    (
        "hub service turned off: the kernel's server",
        {**HUB, "ASKDB_HUB_SERVICE": ""},
        [SERVER_A],
        100,
        None,
        RestEndpoint(SERVER_A["url"], "ta"),
    ),
    (
        "a hub prefix without a hub token is not a hub",
        {"JUPYTERHUB_SERVICE_PREFIX": "/user/ann/"},
        [],
        1,
        None,
        LocalStore(DEFAULT),
    ),
    ("lone server, plain IPython", {}, [SERVER_A], 1, None, LocalStore(DEFAULT)),
    (
        "two servers, neither the parent",
        {},
        [SERVER_A, SERVER_B],
        1,
        "RUNTIME",
        LocalStore(DEFAULT),
    ),
    ("lone server, other runtime dir", {}, [SERVER_A], 1, "OTHER", LocalStore(DEFAULT)),
    ("no server", {}, [], 1, None, LocalStore(DEFAULT)),
    ("data dir from env", {"ASKDB_DATA_DIR": "/d"}, [], 1, None, LocalStore(Path("/d"))),
    (
        "embeddings off",
        {"ASKDB_USE_EMBEDDINGS": "0"},
        [],
        1,
        None,
        LocalStore(DEFAULT, use_embeddings=False),
    ),
]


@pytest.mark.parametrize(
    ("env", "servers", "ppid", "kernel_dir", "expected"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_choose_endpoint(env, servers, ppid, kernel_dir, expected, tmp_path: Path) -> None:
    runtime, other = tmp_path / "runtime", tmp_path / "other"
    runtime.mkdir()
    other.mkdir()
    dirs = {"RUNTIME": str(runtime), "OTHER": str(other), None: None}
    got = choose_endpoint(
        env,
        servers,
        parent_pid=ppid,
        kernel_runtime_dir=dirs[kernel_dir],
        runtime_dir=str(runtime),
        default_data_dir=DEFAULT,
    )
    assert got == expected


def test_plain_ipython_uses_the_embedded_store(askdb_env: Path) -> None:
    assert discover_endpoint() == LocalStore(askdb_env, use_embeddings=False)
