"""REST handlers for organizations (``/askdb/api/orgs``): the organization, its members and
its plan; thin wrappers over OrgManager and QuotaManager.

Who may do what is decided by the managers (through the one authorization layer), not here.
An organization's invitations (``orgs/current/invitations``) are in ``invitations/handlers.py``.
"""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from jupyter_server.utils import url_path_join
from tornado import web

from ..base.handlers import AskDBHandler, reject_unknown_fields
from ..errors import ForbiddenError
from ..keys.scopes import ADMIN_ONLY
from ..users.handlers import USER_ID


class CurrentOrgHandler(AskDBHandler):
    key_access = ADMIN_ONLY

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """The caller's current organization."""
        who = await self.identity()
        self.write_json((await self.call(self.services.orgs.current, who)).to_dict())

    @web.authenticated
    @authorized
    async def patch(self) -> None:
        """An admin changes the organization's name or domain."""
        who = await self.identity()
        org = await self.call(self.services.orgs.update, who, **self.json_body())
        self.write_json(org.to_dict())


class MembersHandler(AskDBHandler):
    key_access = ADMIN_ONLY

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """The organization's members and their roles."""
        who = await self.identity()
        members = await self.call(self.services.orgs.members, who)
        self.write_json({"members": [m.to_dict() for m in members]})

    @web.authenticated
    @authorized
    async def post(self) -> None:
        """Invite the user called ``username`` with a ``role`` (Admin, Manager): they join
        when they accept it (``users/me/invitations``). Answers the invitation, the same
        whether or not the user exists yet."""
        who = await self.identity()
        body = self.json_body()
        reject_unknown_fields(body, {"username", "role"})
        invitations = self.settings["askdb_mail"].invitations
        invitation = await self.call(
            invitations.invite_user, who, body.get("username", ""), body.get("role", "")
        )
        self.set_header(
            "Location",
            url_path_join(self.base_url, "askdb/api/orgs/current/invitations", invitation.id),
        )
        self.write_json(invitation.to_dict(), status=201)


class MemberHandler(AskDBHandler):
    key_access = ADMIN_ONLY

    @web.authenticated
    @authorized
    async def patch(self, user_id: str) -> None:
        """An admin changes a member's ``role``."""
        who = await self.identity()
        body = self.json_body()
        reject_unknown_fields(body, {"role"})
        member = await self.call(self.services.orgs.set_role, who, user_id, body.get("role"))
        self.write_json(member.to_dict())

    @web.authenticated
    @authorized
    async def delete(self, user_id: str) -> None:
        """An admin removes a member from the organization."""
        who = await self.identity()
        await self.call(self.services.orgs.remove_member, who, user_id)
        self.set_status(204)
        self.finish()


class PlanHandler(AskDBHandler):
    key_access = ADMIN_ONLY

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


default_handlers = [
    (r"/askdb/api/orgs/current", CurrentOrgHandler),
    (r"/askdb/api/orgs/current/members", MembersHandler),
    (rf"/askdb/api/orgs/current/members/{USER_ID}", MemberHandler),
    (r"/askdb/api/orgs/current/plan", PlanHandler),
    (r"/askdb/api/orgs/(?P<org_id>[^/]+)/plan", PlanHandler),
]
