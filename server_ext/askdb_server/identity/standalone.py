"""Standalone mode (``askdb serve --standalone``, no JupyterHub): who is signed in comes from
AskDB's own session cookie, set by ``POST askdb/api/auth/login``.

``StandaloneIdentityProvider`` is a jupyter_server IdentityProvider, so every handler (and
``AskDBHandler.identity()`` with ``local_user=''``) sees the account's user unchanged.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from jupyter_server.auth.identity import IdentityProvider, User
from tornado import web
from traitlets import Bool, Float, Int, TraitError, default, validate
from traitlets.config import Configurable

from ..accounts.manager import AccountPolicy
from ..accounts.pages import LoginRedirectHandler

SESSION_COOKIE = "askdb_session"


class AskDBAccounts(Configurable):
    """Standalone accounts: lifetimes of sessions and links, and the attempt limit."""

    session_days = Float(14.0, help="Days a sign-in lasts.").tag(config=True)
    verify_hours = Float(48.0, help="Hours an email verification link stays valid.").tag(
        config=True
    )
    reset_minutes = Float(60.0, help="Minutes a password reset link stays valid.").tag(config=True)
    attempt_limit = Int(
        5,
        help="Attempts (failed log-ins; registrations; reset requests) allowed per email and IP "
        "address within attempt_window_minutes; more answer 429 with Retry-After.",
    ).tag(config=True)
    attempt_window_minutes = Float(15.0, help="The window of attempt_limit.").tag(config=True)
    secure_cookie = Bool(
        False,
        help="Always mark the session cookie Secure. Off: Secure when the request came over "
        "https, which behind a TLS-terminating proxy needs ServerApp.trust_xheaders (trust it "
        "only when the proxy overwrites X-Forwarded-For: the attempt limit counts per IP).",
    ).tag(config=True)

    @validate("session_days", "verify_hours", "reset_minutes", "attempt_window_minutes")
    def _positive(self, proposal):  # noqa: ANN001
        if proposal["value"] <= 0:
            raise TraitError(f"{proposal['trait'].name} must be positive")
        return proposal["value"]

    @validate("attempt_limit")
    def _at_least_one(self, proposal):  # noqa: ANN001
        if proposal["value"] < 1:
            raise TraitError("attempt_limit must be at least 1")
        return proposal["value"]

    def policy(self) -> AccountPolicy:
        return AccountPolicy(
            session_ttl=timedelta(days=self.session_days),
            verify_ttl=timedelta(hours=self.verify_hours),
            reset_ttl=timedelta(minutes=self.reset_minutes),
            attempt_limit=self.attempt_limit,
            attempt_window=timedelta(minutes=self.attempt_window_minutes),
            secure_cookie=self.secure_cookie,
        )


class StandaloneIdentityProvider(IdentityProvider):
    """Signs requests in with AskDB's session cookie; the server's token is refused unless
    ``token_access`` is set, so an unsigned request is never an anonymous user."""

    token_access = Bool(
        False,
        help="Also accept the Jupyter server's token (for scripts run by the operator).",
    ).tag(config=True)

    @default("login_handler_class")
    def _default_login_handler_class(self) -> type:
        return LoginRedirectHandler

    def get_user_token(self, handler: web.RequestHandler):  # noqa: ANN201
        return super().get_user_token(handler) if self.token_access else None

    async def get_user_cookie(self, handler: web.RequestHandler) -> User | None:
        token = handler.get_cookie(SESSION_COOKIE)
        mail = handler.settings.get("askdb_mail")
        if not token or mail is None:
            return None
        loop = asyncio.get_running_loop()
        who = await loop.run_in_executor(None, mail.accounts.session_user, token)
        return User(username=who.username, name=who.username) if who else None

    @property
    def auth_enabled(self) -> bool:
        return True

    @property
    def login_available(self) -> bool:
        return True

    def validate_security(self, app, ssl_options=None) -> None:  # noqa: ANN001
        # The base class warns about a missing token; sign-in here needs no token.
        if not ssl_options:
            app.log.warning("AskDB standalone: serve over https (or behind a TLS proxy).")


def standalone_config() -> dict:
    """The ServerApp and AskDBApp settings of ``askdb serve --standalone``: AskDB's session
    cookie signs users in, and each request acts as its own user (not the OS user)."""
    return {
        "ServerApp": {
            "identity_provider_class": (
                "askdb_server.identity.standalone.StandaloneIdentityProvider"
            ),
        },
        "AskDBApp": {"local_user": ""},
    }
