"""REST handlers for invitations: thin wrappers over InvitationManager."""

from __future__ import annotations

from typing import TYPE_CHECKING

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..base.handlers import AskDBHandler, reject_unknown_fields
from ..keys.scopes import ADMIN_ONLY

if TYPE_CHECKING:
    from ..mail.wiring import MailServices

INVITATION_ID = r"(?P<invitation_id>[^/]+)"


class MailHandler(AskDBHandler):
    """A handler that reaches the invitation, outbox and account managers."""

    @property
    def mail(self) -> MailServices:
        return self.settings["askdb_mail"]


class InvitationsHandler(MailHandler):
    key_access = ADMIN_ONLY

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """The organization's invitations with their status (Admin, Manager)."""
        who = await self.identity()
        invitations = await self.call(self.mail.invitations.list, who)
        self.write_json({"invitations": [i.to_dict() for i in invitations]})

    @web.authenticated
    @authorized
    async def post(self) -> None:
        """Invite ``email`` with a ``role``: the link is emailed (Admin, Manager)."""
        who = await self.identity()
        body = self.json_body()
        reject_unknown_fields(body, {"email", "role"})
        invitation = await self.call(
            self.mail.invitations.invite, who, body.get("email", ""), body.get("role", "")
        )
        self.write_json(invitation.to_dict(), status=201)


class InvitationHandler(MailHandler):
    key_access = ADMIN_ONLY

    @web.authenticated
    @authorized
    async def delete(self, invitation_id: str) -> None:
        """Revoke a pending invitation (Admin, Manager)."""
        who = await self.identity()
        await self.call(self.mail.invitations.revoke, who, invitation_id)
        self.set_status(204)
        self.finish()


class AcceptInvitationHandler(MailHandler):
    key_access = ADMIN_ONLY

    @web.authenticated
    @authorized
    async def post(self) -> None:
        """The signed-in caller accepts an invitation ``{token}`` and joins its organization."""
        who = await self.identity()
        body = self.json_body()
        reject_unknown_fields(body, {"token"})
        user = await self.call(self.mail.invitations.accept, who, str(body.get("token") or ""))
        self.write_json(user.to_dict())


class ReceivedInvitationsHandler(MailHandler):
    key_access = ADMIN_ONLY

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """The caller's pending invitations: organization, role, who invited them."""
        who = await self.identity()
        invitations = await self.call(self.mail.invitations.received, who)
        self.write_json({"invitations": [i.to_dict() for i in invitations]})


class AcceptReceivedHandler(MailHandler):
    key_access = ADMIN_ONLY

    @web.authenticated
    @authorized
    async def post(self, invitation_id: str) -> None:
        """Accept an invitation to one's username: join its organization with its role (it
        becomes the current one). Only the invited user may (404 for anyone else)."""
        who = await self.identity()
        user = await self.call(self.mail.invitations.accept_received, who, invitation_id)
        self.write_json(user.to_dict())


class DeclineReceivedHandler(MailHandler):
    key_access = ADMIN_ONLY

    @web.authenticated
    @authorized
    async def post(self, invitation_id: str) -> None:
        """Decline an invitation to one's username (404 for anyone but the invited user)."""
        who = await self.identity()
        await self.call(self.mail.invitations.decline, who, invitation_id)
        self.set_status(204)
        self.finish()


default_handlers = [
    (r"/askdb/api/orgs/current/invitations", InvitationsHandler),
    (rf"/askdb/api/orgs/current/invitations/{INVITATION_ID}", InvitationHandler),
    (r"/askdb/api/invitations/accept", AcceptInvitationHandler),
    (r"/askdb/api/users/me/invitations", ReceivedInvitationsHandler),
    (rf"/askdb/api/invitations/{INVITATION_ID}/accept", AcceptReceivedHandler),
    (rf"/askdb/api/invitations/{INVITATION_ID}/decline", DeclineReceivedHandler),
]
