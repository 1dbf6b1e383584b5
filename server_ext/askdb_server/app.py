"""The AskDB Jupyter server extension: settings (traitlets), services and REST handlers."""

from __future__ import annotations

import asyncio
import os
import threading
import time

from jupyter_server.extension.application import ExtensionApp
from traitlets import Bool, List, Unicode, default

from .accounts.handlers import default_handlers as account_handlers
from .accounts.pages import default_handlers as account_pages
from .audit.handlers import default_handlers as audit_handlers
from .base.handlers import AskDBHandler, UnknownEndpointHandler
from .chat.handlers import default_handlers as chat_handlers
from .hub.forward import forward_handlers, single_user_service_url
from .identity.standalone import AskDBAccounts
from .invitations.handlers import default_handlers as invitation_handlers
from .keys.handlers import default_handlers as key_handlers
from .knowledge.handlers import default_handlers as knowledge_handlers
from .mail.config import AskDBMail
from .mail.delivery import OutboxDeliverer
from .mail.wiring import MailServices
from .openapi import OpenAPIHandler
from .orgs.handlers import default_handlers as org_handlers
from .projects.handlers import default_handlers as project_handlers
from .quotas.handlers import default_handlers as quota_handlers
from .schemas.handlers import default_handlers as schema_handlers
from .services import Services
from .settings import AskDBSettings, Settings
from .users.handlers import default_handlers as user_handlers


class AskDBApp(AskDBSettings, ExtensionApp):
    """Serves the AskDB REST API under ``<base_url>askdb/api/``.

    The services' settings are ``AskDBSettings``' traits (``c.AskDBApp.row_cap`` and the
    rest); the traits here are the server's own."""

    name = "askdb_server"
    load_other_extensions = True
    classes = [AskDBMail, AskDBAccounts]

    trusted_proxies = List(
        Unicode(),
        help="CIDRs of reverse proxies whose X-Forwarded-For names the client, for API keys' "
        "IP allow-lists and the per-address rate limit (e.g. ['127.0.0.1/32'] behind a local "
        "proxy). Empty: the header is ignored and the client is the connection's peer. "
        "`askdb serve` under JupyterHub defaults it to the hub proxy's address (the host of "
        "JUPYTERHUB_SERVICE_URL); a proxy on another machine must be named here.",
    ).tag(config=True)

    warm_up = Bool(
        True,
        help="Load the embedding model in a background thread at start-up, so that the first "
        "question does not wait for it.",
    ).tag(config=True)

    service_url = Unicode(
        help="Forward this server's AskDB API to the AskDB service at this URL (e.g. "
        "'https://hub.example.org/services/askdb/') with the user's hub API token, and keep no "
        "store here. Default: the hub's AskDB service when this is a JupyterHub single-user "
        "server (ASKDB_HUB_SERVICE names the service; '' turns this off), else '' (serve here).",
    ).tag(config=True)

    @default("service_url")
    def _default_service_url(self) -> str:
        return single_user_service_url()

    def initialize_settings(self) -> None:
        if self.service_url:
            # A hub user's server: the user's own code runs here, so no store, no keys.
            self.settings.update(
                {
                    "askdb_service_url": self.service_url.rstrip("/") + "/",
                    "askdb_service_token": os.environ.get("JUPYTERHUB_API_TOKEN", ""),
                }
            )
            self.log.info("AskDB: forwarding the API to the service at %s", self.service_url)
            return
        settings = Settings.from_config(self)
        self.services = Services.build(settings)
        self.settings.update(
            {
                "askdb_services": self.services,
                "askdb_identities": {},
                "askdb_local_user": self.local_user,
                "askdb_trusted_proxies": list(self.trusted_proxies),
            }
        )
        self.mail = MailServices.build(
            self.services,
            AskDBMail(parent=self),
            accounts=AskDBAccounts(parent=self).policy(),
        )
        self.settings["askdb_mail"] = self.mail
        self.mail_delivery = OutboxDeliverer(
            self.mail.outbox, self.mail.config.poll_interval, self.log
        )
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass  # the server's loop is not running yet: _start_jupyter_server_extension starts it
        else:
            self.mail_delivery.start()
        self.log.info("AskDB: metadata store at %s", _redacted(settings.store_url))
        if self.use_embeddings and self.warm_up:
            threading.Thread(target=self._warm_up, name="askdb-warm-up", daemon=True).start()

    def _warm_up(self) -> None:
        started = time.perf_counter()
        try:
            self.services.warm_up()
        except Exception:  # the engine still works without embeddings; say why in the log
            self.log.exception("AskDB: could not load the embedding model")
            return
        self.log.info("AskDB: embedding model ready in %.1f s", time.perf_counter() - started)

    def initialize_handlers(self) -> None:
        if self.service_url:
            self.handlers.extend(forward_handlers())
            return
        self.handlers.extend(
            [
                *project_handlers,
                *schema_handlers,
                *chat_handlers,
                *knowledge_handlers,
                *user_handlers,
                *org_handlers,
                *invitation_handlers,
                *account_handlers,
                *account_pages,
                *audit_handlers,
                *key_handlers,
                *quota_handlers,
                (r"/askdb/api/openapi.json", OpenAPIHandler),
                (r"/askdb/api/.*", UnknownEndpointHandler),  # last: problem+json 404s
            ]
        )

    async def _start_jupyter_server_extension(self, serverapp) -> None:
        if getattr(self, "mail_delivery", None) is not None:
            self.mail_delivery.start()

    async def stop_extension(self) -> None:
        if getattr(self, "mail_delivery", None) is not None:
            self.mail_delivery.stop()
        services = getattr(self, "services", None)
        if services is not None:
            services.close()


def _redacted(url: str) -> str:
    from .sqlrun.urls import redact

    return redact(url)


__all__ = ["AskDBApp", "AskDBHandler"]
