"""The composition root: every manager wired to one store, with no HTTP in sight.

The Jupyter server extension builds one ``Services`` from its traitlets
(``Settings.from_config``); the kernel package builds one in-process (same embedded store) when
no server is running, and tests build their own, both from ``Settings.defaults``: the same
traits' defaults. Every manager gets its collaborators in its constructor, none afterwards.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

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
from .settings import Settings
from .sqlrun.connections import ConnectionRegistry
from .sqlrun.runner import QueryRunner
from .sqlrun.targets import TargetPolicy
from .store.db import Store, private_dir
from .store.vault import SecretVault
from .users.manager import UserManager

__all__ = ["Services", "Settings"]

# Two threads: one statement of the guard takes well under a millisecond of the database, so
# two keep a process's requests flowing while one waits; more only contend for the GIL.
GUARD_THREADS = 2
# Long work (index rebuilds, introspection) runs on threads of its own, so a few slow requests
# never hold every thread of the default executor that short requests run on.
LONG_WORK_THREADS = 2


@dataclass
class Services:
    """Every manager of one deployment, each built with all its collaborators (``build``)."""

    settings: Settings
    store: Store
    # Where every manager's events go; ``audit`` reads them for an organization's admins.
    audit_log: AuditLog
    users: UserManager
    orgs: OrgManager
    projects: ProjectManager
    schemas: SchemaManager
    connections: ConnectionRegistry
    runner: QueryRunner
    conversations: ConversationManager
    pipeline: AskPipeline
    knowledge: KnowledgeManager
    audit: AuditReader
    keys: ApiKeyManager
    quotas: QuotaManager
    rate_limiter: RateLimiter
    # The API-key check on PostgreSQL without the ORM (None on SQLite: guard.check_with_orm).
    key_gate: PgKeyGate | None
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
        quotas = QuotaManager(store, authz, enabled=settings.enforce_quotas)
        storage = StorageQuota(quotas)
        users = UserManager(store, authz, org_owned_accounts=settings.org_owned_accounts)
        targets = TargetPolicy(
            settings.target_rules,
            data_dir=settings.data_dir,
            store_url=settings.store_url,
            protected_files=[settings.data_dir / "askdb_secret.key"],
        )
        projects = ProjectManager(store, vault, authz, targets=targets, quotas=quotas)
        connections = ConnectionRegistry(check_target=targets.check)
        schemas = SchemaManager(store, projects, connections, storage)
        runner = QueryRunner(
            connections,
            timeout_s=settings.statement_timeout_s,
            row_cap=settings.row_cap,
            byte_cap=settings.answer_bytes,
            refuse_privileged=settings.target_rules.shared,
        )
        conversations = ConversationManager(
            store, audit, authz, storage, preview_bytes=settings.preview_bytes
        )
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
        keys = ApiKeyManager(store, authz, audit, quotas=quotas)
        rate_limiter = RateLimiter(store)
        key_gate = (
            PgKeyGate(store.raw_async, settings, rate_limiter, keys, quotas)
            if store.raw_async is not None
            else None
        )
        return cls(
            settings=settings,
            store=store,
            audit_log=audit,
            users=users,
            orgs=OrgManager(store, users),
            projects=projects,
            schemas=schemas,
            connections=connections,
            runner=runner,
            conversations=conversations,
            pipeline=pipeline,
            knowledge=knowledge,
            audit=AuditReader(audit, authz),
            keys=keys,
            quotas=quotas,
            rate_limiter=rate_limiter,
            key_gate=key_gate,
        )

    def warm_up(self) -> None:
        """Load the embedding model now, so that the first question does not wait for it.

        Meant for a background thread at start-up: loading MiniLM takes seconds.
        """
        # The built-in engine's embedder; an engine without one has nothing to load.
        embedder = getattr(self.pipeline.engine, "embedder", None)
        if embedder is not None:
            embedder.embed(["warm up"])

    def close(self) -> None:
        self.guard_executor.shutdown(wait=False)
        self.long_executor.shutdown(wait=False)
        self.audit_log.close()  # writes the audit events still queued
        self.connections.dispose()
        self.conversations.close()
        self.store.dispose()
