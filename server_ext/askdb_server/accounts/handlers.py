"""REST handlers for standalone accounts: register, verify, log in and out, passwords.

Thin wrappers over AccountManager. Register and reset answer 202 whether or not the address
has an account; the session token travels only in an HttpOnly cookie.
"""

from __future__ import annotations

from jupyter_server.auth.decorator import allow_unauthenticated, authorized
from tornado import web

from ..base.handlers import reject_unknown_fields
from ..identity.standalone import SESSION_COOKIE
from ..invitations.handlers import MailHandler
from ..keys.scopes import ADMIN_ONLY

SENT = {"detail": "If the address can receive it, an email is on its way."}


class AccountHandler(MailHandler):
    """Account endpoints: cookies follow the request's scheme (a 429's Retry-After comes
    from ``write_error``, as for every error with a ``retry_after``)."""

    def body(self, fields: set[str]) -> dict:
        body = self.json_body()
        reject_unknown_fields(body, fields)
        return body

    @property
    def client_ip(self) -> str:
        return self.request.remote_ip or ""

    def set_session_cookie(self, token: str, days: float) -> None:
        self.set_cookie(
            SESSION_COOKIE,
            token,
            path=self.base_url,
            expires_days=days,
            httponly=True,
            secure=self.request.protocol == "https" or self.mail.accounts.policy.secure_cookie,
            samesite="Lax",
        )


class RegisterHandler(AccountHandler):
    key_access = ADMIN_ONLY

    @allow_unauthenticated
    async def post(self) -> None:
        """Create an account ``{email, password, name?}``; a verification link is emailed."""
        body = self.body({"email", "password", "name"})
        await self.call(
            self.mail.accounts.register,
            body.get("email", ""),
            body.get("password", ""),
            name=str(body.get("name") or ""),
            ip=self.client_ip,
        )
        self.write_json(SENT, status=202)


class VerifyHandler(AccountHandler):
    key_access = ADMIN_ONLY

    @allow_unauthenticated
    async def post(self) -> None:
        """Confirm an email address with the emailed ``{token}``; then log in."""
        body = self.body({"token"})
        who = await self.call(self.mail.accounts.verify, str(body.get("token") or ""))
        self.write_json({"verified": True, "username": who.username})


class LoginHandler(AccountHandler):
    key_access = ADMIN_ONLY

    @allow_unauthenticated
    async def post(self) -> None:
        """Log in with ``{email, password}``: sets the session cookie, answers the profile."""
        body = self.body({"email", "password"})
        session = await self.call(
            self.mail.accounts.login,
            str(body.get("email") or ""),
            str(body.get("password") or ""),
            ip=self.client_ip,
        )
        days = self.mail.accounts.policy.session_ttl.total_seconds() / 86400
        self.set_session_cookie(session.token, days)
        who = await self.call(self.services.users.ensure, session.identity.username)
        self.write_json((await self.call(self.services.users.me, who)).to_dict())


class LogoutHandler(AccountHandler):
    key_access = ADMIN_ONLY

    @allow_unauthenticated
    async def post(self) -> None:
        """End this session and clear its cookie (also when already signed out)."""
        await self.call(self.mail.accounts.logout, self.get_cookie(SESSION_COOKIE) or "")
        self.clear_cookie(SESSION_COOKIE, path=self.base_url)
        self.set_status(204)
        self.finish()


class PasswordHandler(AccountHandler):
    key_access = ADMIN_ONLY

    @web.authenticated
    @authorized
    async def post(self) -> None:
        """Change one's password ``{current_password, new_password}``; other sessions end."""
        who = await self.identity()
        body = self.body({"current_password", "new_password"})
        await self.call(
            self.mail.accounts.change_password,
            who,
            str(body.get("current_password") or ""),
            body.get("new_password"),
            keep_session=self.get_cookie(SESSION_COOKIE) or "",
        )
        self.set_status(204)
        self.finish()


class PasswordResetHandler(AccountHandler):
    key_access = ADMIN_ONLY

    @allow_unauthenticated
    async def post(self) -> None:
        """Ask for a password reset link ``{email}`` (the same answer for any address)."""
        body = self.body({"email"})
        await self.call(self.mail.accounts.request_reset, body.get("email", ""), ip=self.client_ip)
        self.write_json(SENT, status=202)


class PasswordResetConfirmHandler(AccountHandler):
    key_access = ADMIN_ONLY

    @allow_unauthenticated
    async def post(self) -> None:
        """Set a new password ``{token, password}`` with the emailed token; sessions end."""
        body = self.body({"token", "password"})
        await self.call(
            self.mail.accounts.confirm_reset, str(body.get("token") or ""), body.get("password")
        )
        self.set_status(204)
        self.finish()


default_handlers = [
    (r"/askdb/api/auth/register", RegisterHandler),
    (r"/askdb/api/auth/verify", VerifyHandler),
    (r"/askdb/api/auth/login", LoginHandler),
    (r"/askdb/api/auth/logout", LogoutHandler),
    (r"/askdb/api/auth/password", PasswordHandler),
    (r"/askdb/api/auth/password-reset", PasswordResetHandler),
    (r"/askdb/api/auth/password-reset/confirm", PasswordResetConfirmHandler),
]
