"""REST handler of the audit log: read and export only (append-only from the API)."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..base.handlers import AskDBHandler
from ..keys.scopes import ADMIN_ONLY

FILTERS = ("actor", "project_id", "action", "since", "until")


class AuditHandler(AskDBHandler):
    key_access = ADMIN_ONLY

    # No put/patch/delete/post: tornado answers 405, so no one rewrites history over HTTP.

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """The organization's audit events (admins), filtered by actor, project_id, action,
        since and until, as ``format`` json (default), csv or syslog (RFC 5424 lines)."""
        who = await self.identity()
        filters = {name: self.get_argument(name, None) for name in FILTERS}
        fmt = self.get_argument("format", "json")
        content_type, body = await self.call(self.services.audit.export, who, fmt, **filters)
        if fmt != "json":
            self.set_header(
                "Content-Disposition", f'attachment; filename="askdb-audit.{_ext(fmt)}"'
            )
        self.finish(body, set_content_type=content_type)


def _ext(fmt: str) -> str:
    return "log" if fmt == "syslog" else fmt


default_handlers = [(r"/askdb/api/audit", AuditHandler)]
