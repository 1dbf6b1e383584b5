"""A Jupyter server extension for bench_guard.py only: a bare authenticated handler and an
AskDB handler that runs the whole guard path (API key, rate limits, quota charge, audit)."""

from __future__ import annotations

from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import web

from askdb_server.base.handlers import AskDBHandler


class BareHandler(APIHandler):
    @web.authenticated
    async def get(self) -> None:
        self.finish("{}")


class BenchGuardHandler(AskDBHandler):
    """Both rate limits, the key check and (``charges_call``) the quota charge ran in
    prepare(), in one transaction; here identity, the (skipped) charge call and audit."""

    charges_call = True

    @web.authenticated
    async def get(self, project_id: str) -> None:
        await self.identity()
        await self.charge_call(project_id)
        await self.record_audit("bench.call", project_id=project_id, target="bench")
        self.finish("{}")


def _jupyter_server_extension_points():
    return [{"module": "tests.bench.guard_ext"}]


def _load_jupyter_server_extension(serverapp) -> None:  # noqa: ANN001
    base = serverapp.web_app.settings["base_url"]
    serverapp.web_app.add_handlers(
        ".*$",
        [
            (url_path_join(base, "bench/bare"), BareHandler),
            (
                url_path_join(base, r"askdb/api/projects/(?P<project_id>[^/]+)/bench-guard"),
                BenchGuardHandler,
                {"name": "askdb_server"},  # an AskDB handler reads the extension's settings
            ),
        ],
    )
