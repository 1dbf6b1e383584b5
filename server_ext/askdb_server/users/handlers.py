"""REST handlers for users (``/askdb/api/users``): thin wrappers over UserManager.

Who may do what is decided by the managers (through the one authorization layer), not here.
The invitations a user received (``users/me/invitations``) are in ``invitations/handlers.py``.
"""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..base.handlers import AskDBHandler
from ..keys.scopes import ADMIN_ONLY

USER_ID = r"(?P<user_id>[^/]+)"


class MeHandler(AskDBHandler):
    key_access = ADMIN_ONLY

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
    key_access = ADMIN_ONLY

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """The users of the caller's organization (admins and managers)."""
        who = await self.identity()
        users = await self.call(self.services.users.list, who)
        self.write_json({"users": [u.to_dict() for u in users]})


class UserHandler(AskDBHandler):
    key_access = ADMIN_ONLY

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


default_handlers = [
    (r"/askdb/api/users/me", MeHandler),
    (r"/askdb/api/users", UsersHandler),
    (rf"/askdb/api/users/{USER_ID}", UserHandler),
]
