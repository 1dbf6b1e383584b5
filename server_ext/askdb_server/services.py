"""The composition root: every manager wired to one store, with no HTTP in sight.

The Jupyter server extension builds one ``Services`` from its traitlets; the kernel package
builds one in-process (same embedded store) when no server is running; tests build their own.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .audit.log import AuditLog
from .audit.reader import AuditReader
from .authz.authorizer import Authorizer
from .chat.manager import ConversationManager
from .engine.builtin import BuiltinEngine
from .engine.pipeline import AskPipeline
from .keys.gate import PgKeyGate
from .keys.manager import ApiKeyManager
from .knowledge.embedder import MiniLMEmbedder
from .knowledge.index import IndexDirectory
from .knowledge.manager import KnowledgeManager
from .orgs.manager import OrgManager
from .projects.manager import ProjectManager
from .quotas.manager import QuotaManager
from .quotas.ratelimit import RateLimiter
from .quotas.storage import StorageQuota
from .schemas.manager import SchemaManager
from .sqlrun.connections import ConnectionRegistry
from .sqlrun.runner import DEFAULT_BYTE_CAP, QueryRunner
from .sqlrun.targets import TargetPolicy, TargetRules
from .store.db import Store, private_dir
from .store.vault import SecretVault
from .users.manager import UserManager

# Two threads: one statement of the guard takes well under a millisecond of the database, so
# two keep a process's requests flowing while one waits; more only contend for the GIL.
GUARD_THREADS = 2
# Long work (index rebuilds, introspection) runs on threads of its own, so a few slow requests
# never hold every thread of the default executor that short requests run on.
LONG_WORK_THREADS = 2


@dataclass
class Settings:
    """What a deployment configures (see ``AskDBApp`` for the documented traitlets)."""

    data_dir: Path
    database_url: str = ""
    encryption_keys: list[str] = field(default_factory=list)
    statement_timeout_s: float = 30.0
    row_cap: int = 10_000
    use_embeddings: bool = True
    enforce_quotas: bool = False
    # Requests per minute with an API key: per key, and per client address (0: no limit).
    key_rate_limit: int = 600
    ip_rate_limit: int = 1200
    # PostgreSQL: whether the API-key guard's commits wait for the WAL flush.
    guard_synchronous_commit: bool = False
    # Most bytes of result rows stored with a message (its preview); whole rows only.
    preview_bytes: int = 65536
    # Most bytes of row data one answer returns (QueryRunner.byte_cap).
    answer_bytes: int = DEFAULT_BYTE_CAP
    # Usernames of the deployment's operators: only they set plans (AskDBApp.operators).
    operators: list[str] = field(default_factory=list)
    # Whether organization admins manage the accounts of their own-only members.
    org_owned_accounts: bool = False
    # Which databases projects may connect to (AskDBApp's connection-target traits).
    target_rules: TargetRules = field(default_factory=TargetRules)

    @property
    def store_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'askdb.sqlite'}"


@dataclass
class Services:
    settings: Settings
    store: Store
    users: UserManager
    projects: ProjectManager
    schemas: SchemaManager
    connections: ConnectionRegistry
    runner: QueryRunner
    conversations: ConversationManager
    pipeline: AskPipeline
    knowledge: KnowledgeManager
    orgs: OrgManager | None = None
    audit: AuditReader | None = None
    keys: ApiKeyManager | None = None
    quotas: QuotaManager | None = None
    rate_limiter: RateLimiter | None = None
    # The API-key check on PostgreSQL without the ORM (None on SQLite: guard.check_with_orm).
    key_gate: PgKeyGate | None = None
    # The threads that run the API-key check (and request audit rows) off the event loop.
    guard_executor: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(GUARD_THREADS, thread_name_prefix="askdb-guard")
    )
    long_executor: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(
            LONG_WORK_THREADS, thread_name_prefix="askdb-long"
        )
    )

    @classmethod
    def build(cls, settings: Settings) -> Services:
        private_dir(settings.data_dir)
        store = Store(settings.store_url, raw_synchronous_commit=settings.guard_synchronous_commit)
        store.migrate()
        vault = (
            SecretVault(settings.encryption_keys)
            if settings.encryption_keys
            else SecretVault.from_key_file(settings.data_dir / "askdb_secret.key")
        )
        # Events with no change to ride along go to a background writer, unless every guard
        # write is to wait for the disk.
        audit = AuditLog(store, buffered=not settings.guard_synchronous_commit)
        authz = Authorizer(store, audit, operators=settings.operators)
        users = UserManager(store, authz)
        users.org_owned_accounts = settings.org_owned_accounts
        targets = TargetPolicy(
            settings.target_rules,
            data_dir=settings.data_dir,
            store_url=settings.store_url,
            protected_files=[settings.data_dir / "askdb_secret.key"],
        )
        projects = ProjectManager(store, vault, authz, targets=targets)
        connections = ConnectionRegistry(check_target=targets.check)
        schemas = SchemaManager(store, projects, connections)
        runner = QueryRunner(
            connections,
            timeout_s=settings.statement_timeout_s,
            row_cap=settings.row_cap,
            byte_cap=settings.answer_bytes,
            refuse_privileged=settings.target_rules.shared,
        )
        conversations = ConversationManager(store, audit, authz)
        conversations.preview_bytes = settings.preview_bytes
        # What processes that have ended left "running" is "interrupted" now (chat/boots.py).
        conversations.mark_interrupted()
        embedder = MiniLMEmbedder() if settings.use_embeddings else None
        # Retrieval always embeds with MiniLM (loaded on the first search, not here);
        # use_embeddings only decides whether the engine links words to columns with it.
        knowledge = KnowledgeManager(
            store,
            projects,
            schemas,
            IndexDirectory(settings.data_dir / "lancedb", embedder or MiniLMEmbedder()),
        )
        pipeline = AskPipeline(
            projects=projects,
            schemas=schemas,
            engine=BuiltinEngine(embedder=embedder),
            runner=runner,
            conversations=conversations,
            connections=connections,
            knowledge=knowledge,
        )
        quotas = QuotaManager(store, authz, enabled=settings.enforce_quotas)
        projects.quotas = quotas
        schemas.storage = conversations.storage = StorageQuota(quotas)
        orgs = OrgManager(store, users)
        orgs.quotas = quotas
        services = cls(
            settings=settings,
            store=store,
            users=users,
            projects=projects,
            schemas=schemas,
            connections=connections,
            runner=runner,
            conversations=conversations,
            pipeline=pipeline,
            knowledge=knowledge,
            orgs=orgs,
            audit=AuditReader(audit, authz),
            keys=ApiKeyManager(store, authz, audit, quotas=quotas),
            quotas=quotas,
            rate_limiter=RateLimiter(store),
        )
        if store.raw is not None:
            services.key_gate = PgKeyGate(services)
        return services

    def warm_up(self) -> None:
        """Load the embedding model now, so that the first question does not wait for it.

        Meant for a background thread at start-up: loading MiniLM takes seconds.
        """
        embedder = self.pipeline.engine.embedder
        if embedder is not None:
            embedder.embed(["warm up"])

    def close(self) -> None:
        self.guard_executor.shutdown(wait=False)
        self.long_executor.shutdown(wait=False)
        if self.keys is not None:
            self.keys.audit.close()  # writes the audit events still queued
        self.connections.dispose()
        self.conversations.close()
        self.store.dispose()
