"""In a JupyterHub single-user server, the AskDB API is the hub service's, not this server's.

The trust boundary (DESIGN.md): a user's server runs the user's own code, so it must never hold
the metadata store's URL or keys. There the extension serves no store of its own: every
``askdb/api/...`` request of the lab panel is forwarded to the AskDB service behind the hub
(``/services/askdb/``) with the user's own hub API token, which this server holds anyway. The
answer, a Server-Sent Events stream included, is passed back as it arrives; when the browser
goes away the upstream request is dropped, so the service cancels the work as it would for a
direct client.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import urlsplit

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from tornado import httpclient, web

DEFAULT_HUB_ORIGIN = "http://127.0.0.1:8000"  # JupyterHub's default proxy address
FORWARDED_REQUEST_HEADERS = ("Accept", "Content-Type")
FORWARDED_RESPONSE_HEADERS = ("Content-Type", "Location", "Retry-After", "Cache-Control")


def hub_service_url(env: Mapping[str, str]) -> str | None:
    """The AskDB hub service's URL when this process runs in a hub single-user server.

    ``ASKDB_HUB_SERVICE`` names the service ("askdb" by default; '' turns this off). The hub's
    public address comes from ``JUPYTERHUB_PUBLIC_HUB_URL`` (set when the hub has a
    ``public_url``), else ``JUPYTERHUB_HOST``, else JupyterHub's default proxy address.
    """
    if not (env.get("JUPYTERHUB_SERVICE_PREFIX") and env.get("JUPYTERHUB_API_TOKEN")):
        return None
    service = env.get("ASKDB_HUB_SERVICE", "askdb").strip("/")
    if not service:
        return None
    public = (
        env.get("JUPYTERHUB_PUBLIC_HUB_URL")
        or env.get("JUPYTERHUB_PUBLIC_URL")
        or env.get("JUPYTERHUB_HOST")
        or DEFAULT_HUB_ORIGIN
    )
    parts = urlsplit(public if "//" in public else f"http://{public}")
    base = "/" + (env.get("JUPYTERHUB_BASE_URL") or "/").strip("/")
    return f"{parts.scheme}://{parts.netloc}{base.rstrip('/')}/services/{service}/"


def single_user_service_url(env: Mapping[str, str] | None = None) -> str:
    """The service URL to forward to when this server is a hub user's server, else ''.

    A single-user server has ``JUPYTERHUB_USER``; the AskDB service itself (also started by
    the hub, with ``JUPYTERHUB_SERVICE_PREFIX`` and a token) does not, so it never forwards
    to itself.
    """
    env = os.environ if env is None else env
    if not env.get("JUPYTERHUB_USER"):
        return ""
    return hub_service_url(env) or ""


class _ClientGone(Exception):
    pass


class ServiceForwardHandler(APIHandler):
    """``askdb/api/<path>`` → ``<service>askdb/api/<path>``, as the signed-in hub user."""

    auth_resource = "askdb"
    _gone = False

    @property
    def service_url(self) -> str:
        return self.settings["askdb_service_url"]

    @property
    def service_token(self) -> str:
        return self.settings["askdb_service_token"]

    @web.authenticated
    @authorized
    async def get(self, path: str) -> None:
        """Forwarded to the AskDB service."""
        await self._forward(path)

    @web.authenticated
    @authorized
    async def post(self, path: str) -> None:
        """Forwarded to the AskDB service."""
        await self._forward(path)

    @web.authenticated
    @authorized
    async def patch(self, path: str) -> None:
        """Forwarded to the AskDB service."""
        await self._forward(path)

    @web.authenticated
    @authorized
    async def put(self, path: str) -> None:
        """Forwarded to the AskDB service."""
        await self._forward(path)

    @web.authenticated
    @authorized
    async def delete(self, path: str) -> None:
        """Forwarded to the AskDB service."""
        await self._forward(path)

    async def _forward(self, path: str) -> None:
        url = f"{self.service_url}askdb/api/{path}"
        if self.request.query:
            url += f"?{self.request.query}"
        headers = {
            h: self.request.headers[h]
            for h in FORWARDED_REQUEST_HEADERS
            if h in self.request.headers
        }
        headers["Authorization"] = f"token {self.service_token}"
        method = self.request.method or "GET"
        request = httpclient.HTTPRequest(
            url,
            method=method,
            headers=headers,
            body=self.request.body if method in ("POST", "PATCH", "PUT") else None,
            allow_nonstandard_methods=True,
            follow_redirects=False,
            request_timeout=3600,  # answers stream; the service has its own statement timeout
            header_callback=self._on_header_line,
            streaming_callback=self._on_chunk,
        )
        try:
            response = await httpclient.AsyncHTTPClient().fetch(request, raise_error=False)
        except _ClientGone:
            return
        except OSError as e:
            raise web.HTTPError(
                502, f"The AskDB service at {self.service_url} is unreachable: {e}"
            ) from e
        if response.code == 599:  # no HTTP answer at all
            raise web.HTTPError(502, f"The AskDB service at {self.service_url} did not answer.")
        if not self._finished:
            self.finish(set_content_type=self._headers.get("Content-Type", "application/json"))

    def _on_header_line(self, line: str) -> None:
        line = line.strip()
        if line.startswith("HTTP/"):
            self.set_status(int(line.split()[1]))
        elif ":" in line:
            name, value = (part.strip() for part in line.split(":", 1))
            if name.title() in FORWARDED_RESPONSE_HEADERS:
                self.set_header(name.title(), value)

    def _on_chunk(self, chunk: bytes) -> None:
        if self._gone:
            raise _ClientGone()  # aborts the upstream request: the service sees the close
        self.write(chunk)
        self.flush()

    def on_connection_close(self) -> None:
        self._gone = True
        super().on_connection_close()


def forward_handlers() -> list[tuple[str, type]]:
    return [(r"/askdb/api/(?P<path>.*)", ServiceForwardHandler)]
