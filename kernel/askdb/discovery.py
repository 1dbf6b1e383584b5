"""Which AskDB the magics talk to: a REST endpoint, or the managers in this process.

In order: ``ASKDB_URL`` (with ``ASKDB_TOKEN``, or ``JUPYTERHUB_API_TOKEN`` in a hub) wins; else,
in a JupyterHub single-user server, the hub's AskDB service at ``<hub>/services/askdb/`` with the
user's hub token (the user's own server never holds the store, so it is never asked); else the
Jupyter server that started this kernel (its ``pid`` is our parent's), or the only server
running when it shares this kernel's runtime directory; else, in plain IPython, an in-process
``LocalClient`` on the embedded store in ``ASKDB_DATA_DIR`` or ``<jupyter data dir>/askdb`` —
the directory the server extension uses too, so both see the same projects.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from askdb_server.hub.forward import hub_service_url

from .client import AskDBClient, LocalClient, RestClient


@dataclass(frozen=True)
class RestEndpoint:
    """An AskDB REST API: the server's URL (base URL included) and its token."""

    url: str
    token: str


@dataclass(frozen=True)
class LocalStore:
    """The embedded store used in-process when no server is around."""

    data_dir: Path
    use_embeddings: bool = True


Endpoint = RestEndpoint | LocalStore


def choose_endpoint(
    env: Mapping[str, str],
    servers: Iterable[Mapping[str, Any]],
    *,
    parent_pid: int,
    kernel_runtime_dir: str | None,
    runtime_dir: str,
    default_data_dir: Path,
) -> Endpoint:
    """Pick where to send requests; a pure function of what the caller observed."""
    if env.get("ASKDB_URL"):
        token = env.get("ASKDB_TOKEN") or env.get("JUPYTERHUB_API_TOKEN") or ""
        return RestEndpoint(env["ASKDB_URL"], token)
    hub_url = hub_service_url(env)
    if hub_url is not None:
        return RestEndpoint(hub_url, env["JUPYTERHUB_API_TOKEN"])
    server = _server_of_kernel(list(servers), parent_pid, kernel_runtime_dir, runtime_dir)
    if server is not None:
        return RestEndpoint(str(server["url"]), str(server.get("token") or ""))
    data_dir = Path(env["ASKDB_DATA_DIR"]) if env.get("ASKDB_DATA_DIR") else default_data_dir
    use_embeddings = env.get("ASKDB_USE_EMBEDDINGS", "1").lower() not in {"0", "false", "no"}
    return LocalStore(data_dir, use_embeddings)


def _server_of_kernel(
    servers: list[Mapping[str, Any]],
    parent_pid: int,
    kernel_runtime_dir: str | None,
    runtime_dir: str,
) -> Mapping[str, Any] | None:
    for server in servers:
        if server.get("pid") == parent_pid:
            return server
    # A kernel started through a wrapper (a provisioner, a nanny) has another parent; its
    # connection file still lies in the runtime dir of the server that started it.
    if len(servers) == 1 and kernel_runtime_dir and _same_dir(kernel_runtime_dir, runtime_dir):
        return servers[0]
    return None


def _same_dir(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def discover_endpoint() -> Endpoint:
    """Observe this process (environment, running servers, kernel) and choose an endpoint."""
    from jupyter_core.paths import jupyter_data_dir, jupyter_runtime_dir

    env = os.environ
    runtime_dir = jupyter_runtime_dir()
    servers: list[Mapping[str, Any]] = []
    if not env.get("ASKDB_URL"):
        from jupyter_server.serverapp import list_running_servers

        servers = list(list_running_servers(runtime_dir))
    return choose_endpoint(
        env,
        servers,
        parent_pid=os.getppid(),
        kernel_runtime_dir=_kernel_runtime_dir(),
        runtime_dir=runtime_dir,
        default_data_dir=Path(jupyter_data_dir()) / "askdb",
    )


def _kernel_runtime_dir() -> str | None:
    """The directory of this kernel's connection file; ``None`` outside a kernel."""
    try:
        from ipykernel.kernelapp import IPKernelApp
        from traitlets.config import MultipleInstanceError
    except ImportError:
        return None
    if not IPKernelApp.initialized():
        return None
    try:
        connection_file = IPKernelApp.instance().abs_connection_file
    except MultipleInstanceError:  # terminal IPython: the singleton is a TerminalIPythonApp
        return None
    return os.path.dirname(connection_file) if connection_file else None


def connect_client(endpoint: Endpoint | None = None) -> AskDBClient:
    """A client for ``endpoint`` (discovered when not given)."""
    endpoint = endpoint or discover_endpoint()
    if isinstance(endpoint, RestEndpoint):
        return RestClient(endpoint.url, endpoint.token)
    return LocalClient.from_data_dir(endpoint.data_dir, use_embeddings=endpoint.use_embeddings)
