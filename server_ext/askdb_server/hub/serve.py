"""``askdb serve``: a Jupyter server that runs only the AskDB API: alone, as a hub service, or
with AskDB's own accounts (``--standalone``).

Configured like any Jupyter server: config files (``--config jupyter_askdb_config.py``) and
command-line options (``--port``, ``--ip``, ``--AskDBApp.database_url=…``, ``--AskDBHub.…``).
Started by JupyterHub as a managed service (``JUPYTERHUB_SERVICE_URL`` and friends in the
environment), it binds where the hub says, serves under the service prefix
(``/services/askdb/``) and takes its users from the hub (``HubIdentityProvider``).
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Mapping, Sequence
from urllib.parse import urlparse

from traitlets.config import Config

LOOPBACK = ["127.0.0.1/32", "::1/128"]
HUB_ENV = (
    "JUPYTERHUB_SERVICE_PREFIX",
    "JUPYTERHUB_API_TOKEN",
    "JUPYTERHUB_API_URL",
    "JUPYTERHUB_SERVICE_URL",
)


def in_hub(env: Mapping[str, str]) -> bool:
    """Whether JupyterHub started this process as a managed service."""
    return all(env.get(name) for name in HUB_ENV)


def serve_config(env: Mapping[str, str], *, standalone: bool = False) -> Config:
    """The server's starting configuration; config files and the command line go on top.

    ``standalone``: AskDB's own accounts sign users in (``askdb serve --standalone``), even if
    a hub started the process.
    """
    c = Config()
    c.ServerApp.jpserver_extensions = {"askdb_server": True}
    c.ServerApp.open_browser = False
    c.ServerApp.default_url = "/askdb/api/openapi.json"
    # Jupyter's contents, kernels and terminals would run users' code beside the store's keys.
    c.ServerApp.authorizer_class = "askdb_server.hub.authorizer.AskDBOnlyAuthorizer"
    c.ServerApp.terminals_enabled = False
    if standalone:
        from ..identity.standalone import standalone_config

        c.merge(Config(standalone_config()))
        return c
    if not in_hub(env):
        return c
    url = urlparse(env["JUPYTERHUB_SERVICE_URL"])
    c.ServerApp.ip = url.hostname or ""
    c.ServerApp.port = url.port or (443 if url.scheme == "https" else 80)
    c.ServerApp.port_retries = 0  # the hub's proxy routes to exactly this port
    c.ServerApp.base_url = env["JUPYTERHUB_SERVICE_PREFIX"]
    c.ServerApp.identity_provider_class = "askdb_server.hub.identity.HubIdentityProvider"
    c.ServerApp.allow_remote_access = True  # requests arrive through the hub's proxy
    c.ServerApp.trust_xheaders = True
    c.ServerApp.quit_button = False
    # Tornado checks XSRF before the hub has said who is calling; jupyter_server checks again
    # once it knows (HubOAuth's check: cookie-authenticated requests need the XSRF token).
    c.ServerApp.tornado_settings = {"xsrf_cookies": False}
    c.AskDBApp.local_user = ""  # every request is the hub user who made it
    # Every request arrives from the hub's proxy: without this, API keys' IP allow-lists and
    # the per-address rate limit would see the proxy, and all clients would share one limit.
    c.AskDBApp.trusted_proxies = hub_proxy_networks(url.hostname or "")
    return c


def hub_proxy_networks(service_host: str) -> list[str]:
    """The address the hub's proxy connects from, as CIDRs. The proxy (configurable-http-
    proxy, which the hub starts beside itself) reaches this service at the host of its URL,
    from that same machine, so the connection comes from that address (``127.0.0.1/32`` for a
    service at ``http://127.0.0.1:…``, JupyterHub's usual choice).

    A host name is resolved as the server resolves it to bind; one that does not resolve
    gives no networks (the proxy's address is then unknown: set ``AskDBApp.trusted_proxies``).
    A proxy on another machine (JupyterHub on Kubernetes) connects from its own address, which
    only configuration can name.
    """
    if not service_host:
        return []
    try:
        addresses = [ipaddress.ip_address(service_host)]
    except ValueError:
        try:
            infos = socket.getaddrinfo(service_host, None, proto=socket.IPPROTO_TCP)
        except OSError:
            return []
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    networks: list[str] = []
    for a in addresses:
        # A connection to 0.0.0.0 or :: (all interfaces) is a connection to this machine.
        for n in LOOPBACK if a.is_unspecified else [f"{a}/{a.max_prefixlen}"]:
            if n not in networks:
                networks.append(n)
    return networks


def serve(
    argv: Sequence[str], env: Mapping[str, str] | None = None, *, standalone: bool = False
) -> int:
    """Run the server until it is stopped; ``argv`` are Jupyter server options."""
    from jupyter_server.serverapp import ServerApp

    env = os.environ if env is None else env
    app = ServerApp.instance(config=serve_config(env, standalone=standalone))
    # find_extensions=False: the lab and other installed extensions stay out of the service.
    app.initialize(argv=list(argv), find_extensions=False)
    app.start()
    return 0
