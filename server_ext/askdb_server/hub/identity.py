"""Who is calling, in JupyterHub service mode: the hub says, through HubOAuth.

Browsers sign in with the hub's OAuth flow (a redirect to the hub, the callback below, then a
cookie scoped to the service's prefix); programs send a hub API token (``Authorization: token
…``). Either way the hub's user model (name, admin flag, groups) is mapped to AskDB
organizations and roles by ``HubMembershipSync`` before the request goes on. Only imported when
``askdb serve`` runs under a hub: local mode does not need the ``jupyterhub`` package.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from typing import Any
from unittest import mock

from jupyter_server.auth import IdentityProvider, User
from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.auth.logout import LogoutHandler
from jupyter_server.base.handlers import JupyterHandler
from jupyterhub.services.auth import HubOAuth, HubOAuthCallbackHandler
from jupyterhub.utils import url_path_join
from tornado import web
from tornado.httputil import url_concat
from tornado.web import HTTPError, RequestHandler
from traitlets import Dict, Instance, Unicode, default
from traitlets.config import Configurable

from .mapping import GroupMapping, HubMembershipSync, HubUser

# Where get_user keeps the caller it found on the handler, for the rest of the request.
_HUB_USER = "_askdb_hub_user"


class AskDBHub(Configurable):
    """How hub users become AskDB members (``c.AskDBHub.…`` in the service's config)."""

    organization = Unicode(
        "",
        help="One organization every hub user joins, e.g. 'Acme'. Empty: none; each user then "
        "joins the organizations of their groups (group_orgs), or gets a personal one.",
    ).tag(config=True)
    group_roles = Dict(
        key_trait=Unicode(),
        value_trait=Unicode(),
        help="Hub group → role (ADMIN, MANAGER, DEVELOPER, VIEWER), e.g. "
        "{'analysts': 'DEVELOPER', 'managers': 'MANAGER'}. A user in several groups gets the "
        "strongest role.",
    ).tag(config=True)
    default_role = Unicode(
        "VIEWER",
        help="Role in the shared organization of a user in no group of group_roles; '' keeps "
        "them out of it.",
    ).tag(config=True)
    group_orgs = Dict(
        key_trait=Unicode(),
        value_trait=Unicode(),
        help="Hub group → organization name: an organization per group, e.g. "
        "{'red-team': 'Red', 'blue-team': 'Blue'}.",
    ).tag(config=True)
    admin_role = Unicode(
        "ADMIN", help="The role a hub admin holds in every organization they join."
    ).tag(config=True)

    def mapping(self) -> GroupMapping:
        return GroupMapping(
            organization=self.organization,
            group_roles=dict(self.group_roles),
            default_role=self.default_role,
            group_orgs=dict(self.group_orgs),
            admin_role=self.admin_role,
        )


class HubLogoutHandler(LogoutHandler):
    """Forget the service's cookie, then log out of the hub itself."""

    @allow_unauthenticated
    def get(self) -> None:
        provider = self.identity_provider
        assert isinstance(provider, HubIdentityProvider)  # the one logout_handler_class uses this
        hub_auth = provider.hub_auth
        hub_auth.clear_cookie(self)
        self.redirect(hub_auth.hub_host + url_path_join(hub_auth.hub_prefix, "logout"))


class HubCallbackHandler(HubOAuthCallbackHandler):
    """The end of the OAuth redirect flow: the hub sends the browser back here."""

    def initialize(self, hub_auth: HubOAuth) -> None:
        self.hub_auth = hub_auth

    @allow_unauthenticated
    async def get(self) -> None:
        return await super().get()


class HubSignInHandler(JupyterHandler):
    """``/askdb/login?next=…``: a browser page that starts the hub's OAuth flow when needed,
    then goes to ``next`` (a path of this service) or to the caller's profile."""

    @web.authenticated
    def get(self) -> None:
        target = self.get_argument("next", "")
        if not target.startswith(self.base_url) or target.startswith("//"):
            target = url_path_join(self.base_url, "askdb/api/users/me")
        self.redirect(target)


class HubIdentityProvider(IdentityProvider):
    """Authenticates callers with the hub and keeps their AskDB memberships in step."""

    logout_handler_class = HubLogoutHandler
    hub_auth = Instance(HubOAuth)
    hub_config = Instance(AskDBHub)
    # hub user name -> ((admin, groups) last applied, when to apply it again): the store is
    # written on a change only, or, for a user a plan had no room for, once in a while
    _applied = Dict()
    retry_refused_seconds = 60.0

    @default("hub_auth")
    def _default_hub_auth(self) -> HubOAuth:
        return HubOAuth(parent=self)  # its settings come from the hub's environment

    @default("hub_config")
    def _default_hub_config(self) -> AskDBHub:
        return AskDBHub(parent=self)

    @default("token")
    def _default_token(self) -> str:
        return ""  # no Jupyter token: only the hub's tokens and cookies get in

    async def get_user(self, handler: RequestHandler) -> User | None:
        """The caller, or None (an API request then answers 403, a page redirects to login)."""
        if hasattr(handler, _HUB_USER):
            return getattr(handler, _HUB_USER)
        setattr(handler, _HUB_USER, None)
        self._patch_login_url(handler)
        self.hub_auth._patch_xsrf(handler)
        model = await self.hub_auth.get_user(handler, sync=False)
        if model is None:
            return None
        if not self.hub_auth.check_scopes(self.hub_auth.access_scopes, model):
            # Known to the hub but not allowed to use this service: 403, not a login loop.
            def refuse(*args: Any, **kwargs: Any) -> None:
                raise HTTPError(403, f"{model['kind']} {model['name']} may not use AskDB.")

            _override(handler, "redirect", refuse)
            return None
        hub_user = HubUser.from_model(model)
        await self._sync(handler, hub_user)
        user = User(username=hub_user.name)
        setattr(handler, _HUB_USER, user)
        return user

    async def _sync(self, handler: RequestHandler, hub_user: HubUser) -> None:
        """Apply the group mapping when the hub's view of the user changed (or first sight)."""
        seen = (hub_user.admin, hub_user.groups)
        applied, until = self._applied.get(hub_user.name, (None, 0.0))
        if applied == seen and time.monotonic() < until:
            return
        services = handler.settings["askdb_services"]
        sync = HubMembershipSync(
            services.store, services.users, self.hub_config.mapping(), services.quotas
        )
        result = await asyncio.get_running_loop().run_in_executor(None, sync.sign_in, hub_user)
        handler.settings["askdb_identities"][hub_user.name] = result.identity
        # Refused by a plan's member count: try again later, so that raising the plan lets
        # the user in without waiting for a change on the hub.
        again = time.monotonic() + self.retry_refused_seconds if result.refused else math.inf
        self._applied[hub_user.name] = (seen, again)

    def _patch_login_url(self, handler: RequestHandler) -> None:
        """Send a browser that is not signed in to the hub's OAuth authorize URL."""
        original = handler.get_login_url

        def get_login_url() -> str:
            # APIHandler's get_login_url raises 403 before anything else: API calls never
            # redirect; pages go to the hub with a state cookie naming where to come back to.
            with mock.patch.dict(
                handler.application.settings, {"login_url": self.hub_auth.login_url}
            ):
                login_url = original()
            params = {}
            verifier = None
            if self.hub_auth.pkce_enabled:
                verifier, challenge, method = self.hub_auth.generate_pkce_code_challenge()
                params = {"code_challenge": challenge, "code_challenge_method": method}
            params["state"] = self.hub_auth.set_state_cookie(
                handler, next_url=handler.request.uri, code_verifier=verifier
            )
            return url_concat(login_url, params)

        _override(handler, "get_login_url", get_login_url)

    def get_handlers(self) -> list:
        return [
            ("/logout", self.logout_handler_class),
            ("/oauth_callback", HubCallbackHandler, {"hub_auth": self.hub_auth}),
            ("/askdb/login", HubSignInHandler),
        ]

    def validate_security(self, app: Any, ssl_options: dict | None = None) -> None:
        """The hub and its proxy guard the service; Jupyter's token warnings do not apply."""
        return


def _override(handler: RequestHandler, name: str, method: Callable[..., Any]) -> None:
    """Replace the method ``name`` of this one handler (this request), not of its class."""
    setattr(handler, name, method)
