"""REST handlers for a project's usage and the organization's notifications (QuotaManager).

An organization's plan is set at ``orgs/{org}/plan``: ``orgs/handlers.py``.
"""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..base.handlers import AskDBHandler
from ..keys.scopes import ADMIN_ONLY, KeyAccess
from ..projects.handlers import PROJECT_ID


class NotificationsHandler(AskDBHandler):
    key_access = ADMIN_ONLY

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """The caller's organization's notifications (quota alerts), newest first."""
        who = await self.identity()
        items = await self.call(self.services.quotas.notifications, who)
        self.write_json({"notifications": items})


class UsageHandler(AskDBHandler):
    key_access = KeyAccess("usage", {"*": "analytics:read"})

    @web.authenticated
    @authorized
    async def get(self, project_id: str) -> None:
        """The project's plan limits and its use this day and month."""
        who = await self.identity()
        self.write_json(await self.call(self.services.quotas.usage, who, project_id))


default_handlers = [
    (r"/askdb/api/notifications", NotificationsHandler),
    (rf"/askdb/api/projects/{PROJECT_ID}/usage", UsageHandler),
]
