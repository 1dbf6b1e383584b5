"""REST handlers for users and organizations: thin wrappers over UserManager and OrgManager.

Who may do what is decided by the managers (through the one authorization layer), not here.
"""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from jupyter_server.utils import url_path_join
from tornado import web

from ..base.handlers import AskDBHandler, reject_unknown_fields

USER_ID = r"(?P<user_id>[^/]+)"


class MeHandler(AskDBHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        """The caller's profile, current organization and role in it."""
        who = await self.identity()
        self.write_json((await self.call(self.services.users.me, who)).to_dict())

    @web.authenticated
    @authorized
    async def patch(self) -> None:
        """Change one's name, email or avatar_url, or switch org_id to another of one's
        organizations."""
        who = await self.identity()
        user = await self.call(self.services.users.update_me, who, **self.json_body())
        self.write_json(user.to_dict())


class UsersHandler(AskDBHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        """The users of the caller's organization (admins and managers)."""
        who = await self.identity()
        users = await self.call(self.services.users.list, who)
        self.write_json({"users": [u.to_dict() for u in users]})


class UserHandler(AskDBHandler):
    @web.authenticated
    @authorized
    async def get(self, user_id: str) -> None:
        """One user of the caller's organization."""
        who = await self.identity()
        self.write_json((await self.call(self.services.users.get, who, user_id)).to_dict())

    @web.authenticated
    @authorized
    async def patch(self, user_id: str) -> None:
        """An admin changes a member's ``role``; their profile or ``is_active`` only where the
        organization owns the account (``AskDBApp.org_owned_accounts``, a member of it alone)."""
        who = await self.identity()
        body = self.json_body()
        user = await self.call(self.services.users.update, who, user_id, **body)
        self.write_json(user.to_dict())

    @web.authenticated
    @authorized
    async def delete(self, user_id: str) -> None:
        """An admin deletes the account of a member whose account the organization owns."""
        who = await self.identity()
        await self.call(self.services.users.delete, who, user_id)
        self.set_status(204)
        self.finish()


class CurrentOrgHandler(AskDBHandler):
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


default_handlers = [
    (r"/askdb/api/users/me", MeHandler),
    (r"/askdb/api/users", UsersHandler),
    (rf"/askdb/api/users/{USER_ID}", UserHandler),
    (r"/askdb/api/orgs/current", CurrentOrgHandler),
    (r"/askdb/api/orgs/current/members", MembersHandler),
    (rf"/askdb/api/orgs/current/members/{USER_ID}", MemberHandler),
]
