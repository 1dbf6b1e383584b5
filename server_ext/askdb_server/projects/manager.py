"""Projects: a named database connection with its schema versions and conversations."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import ConflictError, InvalidInputError, ProjectNotFoundError
from ..identity.manager import Identity
from ..sqlrun.urls import parse_database_url, redact, render, sqlglot_dialect
from ..store.db import Store
from ..store.models import Project, SchemaVersion, utcnow
from ..store.vault import SecretVault


@dataclass(frozen=True)
class ProjectInfo:
    """A project as the API shows it: the connection URL has no password."""

    id: str
    name: str
    description: str
    owner: str
    connection_url: str | None
    dialect: str | None
    allow_value_lookup: bool
    schema_version: int | None
    archived: bool
    created_at: datetime
    updated_at: datetime

    def to_dict(self) -> dict:
        d = asdict(self)
        d["created_at"] = self.created_at.isoformat()
        d["updated_at"] = self.updated_at.isoformat()
        return d


class ProjectManager:
    def __init__(self, store: Store, vault: SecretVault) -> None:
        self.store = store
        self.vault = vault

    # -- reading ---------------------------------------------------------------------------
    def list(self, who: Identity, *, include_archived: bool = False) -> list[ProjectInfo]:
        with self.store.session() as s:
            q = select(Project).where(Project.owner_id == who.user_id).order_by(Project.name)
            if not include_archived:
                q = q.where(Project.archived_at.is_(None))
            return [self._info(s, p) for p in s.scalars(q)]

    def get(self, who: Identity, project_id: str) -> ProjectInfo:
        with self.store.session() as s:
            return self._info(s, self._load(s, who, project_id))

    def find(self, who: Identity, name_or_id: str) -> ProjectInfo:
        """A project by id, or by name among the caller's active projects."""
        with self.store.session() as s:
            p = s.get(Project, name_or_id)
            if p is None or p.owner_id != who.user_id:
                p = s.scalar(
                    select(Project).where(
                        Project.owner_id == who.user_id,
                        Project.name == name_or_id,
                        Project.archived_at.is_(None),
                    )
                )
            if p is None:
                raise ProjectNotFoundError(f"No project named {name_or_id!r}.")
            return self._info(s, p)

    def connection_url(self, who: Identity, project_id: str) -> str:
        """The full connection URL, password included: for the server's own use only."""
        with self.store.session() as s:
            p = self._load(s, who, project_id)
            if not p.connection_encrypted:
                raise InvalidInputError(f"Project {p.name!r} has no database connection.")
            return self.vault.decrypt(p.connection_encrypted)

    # -- writing ---------------------------------------------------------------------------
    def create(
        self,
        who: Identity,
        name: str,
        *,
        description: str = "",
        connection_url: str | None = None,
        allow_value_lookup: bool = True,
    ) -> ProjectInfo:
        name = (name or "").strip()
        if not name:
            raise InvalidInputError("A project needs a name.")
        with self.store.session() as s:
            self._check_name_free(s, who, name)
            p = Project(
                name=name,
                description=description or "",
                owner_id=who.user_id,
                allow_value_lookup=allow_value_lookup,
            )
            if connection_url:
                self._set_connection(p, connection_url)
            s.add(p)
            s.flush()
            return self._info(s, p)

    def update(self, who: Identity, project_id: str, **changes: object) -> ProjectInfo:
        """Change name, description, connection_url or allow_value_lookup."""
        allowed = {"name", "description", "connection_url", "allow_value_lookup"}
        unknown = set(changes) - allowed
        if unknown:
            raise InvalidInputError(f"Cannot change {', '.join(sorted(unknown))}.")
        with self.store.session() as s:
            p = self._load(s, who, project_id)
            if "name" in changes:
                name = str(changes["name"] or "").strip()
                if not name:
                    raise InvalidInputError("A project needs a name.")
                if name != p.name:
                    self._check_name_free(s, who, name)
                p.name = name
            if "description" in changes:
                p.description = str(changes["description"] or "")
            if "allow_value_lookup" in changes:
                p.allow_value_lookup = bool(changes["allow_value_lookup"])
            if "connection_url" in changes:
                url = changes["connection_url"]
                if url:
                    self._set_connection(p, str(url))
                else:
                    p.connection_encrypted, p.dialect = None, None
            p.updated_at = utcnow()
            s.flush()
            return self._info(s, p)

    def archive(self, who: Identity, project_id: str) -> ProjectInfo:
        """Soft delete: the project disappears from lists but keeps its history."""
        with self.store.session() as s:
            p = self._load(s, who, project_id)
            if p.archived_at is None:
                p.archived_at = utcnow()
            s.flush()
            return self._info(s, p)

    def restore(self, who: Identity, project_id: str) -> ProjectInfo:
        with self.store.session() as s:
            p = self._load(s, who, project_id)
            if p.archived_at is not None:
                self._check_name_free(s, who, p.name)
                p.archived_at = None
            s.flush()
            return self._info(s, p)

    # -- internals -------------------------------------------------------------------------
    def _load(self, s: Session, who: Identity, project_id: str) -> Project:
        p = s.get(Project, project_id)
        # Another user's project answers exactly like a missing one.
        if p is None or p.owner_id != who.user_id:
            raise ProjectNotFoundError(f"No project with id {project_id!r}.")
        return p

    def _check_name_free(self, s: Session, who: Identity, name: str) -> None:
        clash = s.scalar(
            select(Project.id).where(
                Project.owner_id == who.user_id,
                Project.name == name,
                Project.archived_at.is_(None),
            )
        )
        if clash:
            raise ConflictError(f"A project named {name!r} already exists.")

    def _set_connection(self, p: Project, url: str) -> None:
        parsed = parse_database_url(url)
        p.connection_encrypted = self.vault.encrypt(render(parsed))
        p.dialect = sqlglot_dialect(parsed)

    def _info(self, s: Session, p: Project) -> ProjectInfo:
        latest = s.scalar(
            select(SchemaVersion.version)
            .where(SchemaVersion.project_id == p.id)
            .order_by(SchemaVersion.version.desc())
            .limit(1)
        )
        url = self.vault.decrypt(p.connection_encrypted) if p.connection_encrypted else None
        return ProjectInfo(
            id=p.id,
            name=p.name,
            description=p.description,
            owner=p.owner.username,
            connection_url=redact(url) if url else None,
            dialect=p.dialect,
            allow_value_lookup=p.allow_value_lookup,
            schema_version=latest,
            archived=p.archived_at is not None,
            created_at=p.created_at,
            updated_at=p.updated_at,
        )
