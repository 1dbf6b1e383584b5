"""REST handlers for plans, usage and notifications: thin wrappers over QuotaManager."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..base.handlers import AskDBHandler, reject_unknown_fields
from ..errors import ForbiddenError
from ..projects.handlers import PROJECT_ID


class NotificationsHandler(AskDBHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        """The caller's organization's notifications (quota alerts), newest first."""
        who = await self.identity()
        items = await self.call(self.services.quotas.notifications, who)
        self.write_json({"notifications": items})


class PlanHandler(AskDBHandler):
    @web.authenticated
    @authorized
    async def put(self, org_id: str | None = None) -> None:
        """Set an organization's ``plan`` and custom ``limits`` (integers >= 0, null for
        unlimited): the caller's current organization, or ``org_id``. Operators only."""
        who = await self.identity()
        if self._askdb_key is not None:  # a project's key is no operator's credential
            raise ForbiddenError("An API key cannot set plans.", action="plan:set")
        body = self.json_body()
        reject_unknown_fields(body, {"plan", "limits"})
        result = await self.call(
            self.services.quotas.set_plan, who, body.get("plan", ""), body.get("limits"), org_id
        )
        self.write_json(result)


class UsageHandler(AskDBHandler):
    @web.authenticated
    @authorized
    async def get(self, project_id: str) -> None:
        """The project's plan limits and its use this day and month."""
        who = await self.identity()
        self.write_json(await self.call(self.services.quotas.usage, who, project_id))


default_handlers = [
    (r"/askdb/api/notifications", NotificationsHandler),
    (r"/askdb/api/orgs/current/plan", PlanHandler),
    (r"/askdb/api/orgs/(?P<org_id>[^/]+)/plan", PlanHandler),
    (rf"/askdb/api/projects/{PROJECT_ID}/usage", UsageHandler),
]
