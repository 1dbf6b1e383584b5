"""Schema versions of a project: DDL uploads and introspections, numbered v1, v2, ...

A version is immutable once stored, so parsed schemas are cached per (project, version).
Every call first asks ``ProjectManager`` whether the caller may see the project.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import PurePosixPath, PureWindowsPath
from typing import Protocol

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError

from ..errors import (
    ConflictError,
    EmptySchemaError,
    InvalidInputError,
    NoSchemaError,
    SchemaVersionNotFoundError,
)
from ..identity.who import Identity
from ..projects.manager import ProjectInfo, ProjectManager
from ..quotas.storage import StorageQuota
from ..sqlrun.urls import sqlglot_dialect
from ..store.db import Store
from ..store.models import SchemaVersion, User
from .ddl import parse_ddl
from .diff import diff_schemas
from .introspect import introspect as introspect_engine
from .model import Schema

MAX_DDL_BYTES = 5 * 1024 * 1024
DDL_SOURCES = ("ddl_file", "ddl_text")
# Parsed schemas kept in memory; versions never change, so the cache never goes stale.
CACHE_SIZE = 256


class EngineSource(Protocol):
    """What the manager needs from ``ConnectionRegistry``."""

    def engine_for(self, url: str) -> Engine: ...


@dataclass(frozen=True)
class SchemaVersionInfo:
    """One stored schema version as the API shows it."""

    project_id: str
    version: int
    source: str  # "ddl_file" | "ddl_text" | "introspection"
    filename: str | None
    created_at: datetime
    created_by: str | None  # username
    table_count: int
    schema: Schema

    def to_dict(self, *, include_schema: bool = True) -> dict:
        d = {
            "project_id": self.project_id,
            "version": self.version,
            "source": self.source,
            "filename": self.filename,
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "table_count": self.table_count,
        }
        if include_schema:
            d["schema"] = self.schema.to_dict()
        return d


class SchemaManager:
    def __init__(
        self,
        store: Store,
        projects: ProjectManager,
        connections: EngineSource,
        storage: StorageQuota,
    ) -> None:
        """``storage``: the plan's schema_versions per project."""
        self.store = store
        self.projects = projects
        self.connections = connections
        self.storage = storage
        self._cache: dict[tuple[str, int], Schema] = {}
        self._cache_lock = threading.Lock()

    # -- writing ---------------------------------------------------------------------------
    def upload_ddl(
        self,
        who: Identity,
        project_id: str,
        ddl: str | bytes,
        *,
        source: str = "ddl_text",
        filename: str | None = None,
        dialect: str | None = None,
    ) -> SchemaVersionInfo:
        """Parse ``ddl`` and store it as the project's next version.

        The dialect defaults to the project's database dialect (or, with no connection, a
        permissive guess). Nothing is stored unless the whole text parses.
        """
        project = self.projects.get(who, project_id, action="schema:write")
        if source not in DDL_SOURCES:
            raise InvalidInputError(f"Unknown DDL source {source!r}; use one of {DDL_SOURCES}.")
        text = _ddl_text(ddl)
        schema = parse_ddl(text, dialect or project.dialect)
        return self._store_version(who, project, schema, source, _clean_filename(filename))

    def introspect(self, who: Identity, project_id: str) -> SchemaVersionInfo:
        """Read the schema of the project's database and store it as the next version."""
        project = self.projects.get(who, project_id, action="schema:write")
        url = self.projects.connection_url(who, project_id)
        engine = self.connections.engine_for(url)
        schema = introspect_engine(engine, project.dialect or sqlglot_dialect(url), url=url)
        if not schema.tables:
            raise EmptySchemaError(
                f"The database of project {project.name!r} has no tables to introspect."
            )
        return self._store_version(who, project, schema, "introspection", None)

    # -- reading ---------------------------------------------------------------------------
    def list_versions(self, who: Identity, project_id: str) -> list[SchemaVersionInfo]:
        """Every version of the project, newest first."""
        self.projects.get(who, project_id)
        with self.store.session() as s:
            rows = s.execute(
                select(SchemaVersion, User.username)
                .outerjoin(User, User.id == SchemaVersion.created_by)
                .where(SchemaVersion.project_id == project_id)
                .order_by(SchemaVersion.version.desc())
            ).all()
            return [_info(row, username) for row, username in rows]

    def get(self, who: Identity, project_id: str, version: int | None = None) -> SchemaVersionInfo:
        """Version ``version`` of the project's schema, or the newest with ``None``."""
        project = self.projects.get(who, project_id)
        with self.store.session() as s:
            q = (
                select(SchemaVersion, User.username)
                .outerjoin(User, User.id == SchemaVersion.created_by)
                .where(SchemaVersion.project_id == project_id)
            )
            if version is None:
                q = q.order_by(SchemaVersion.version.desc()).limit(1)
            else:
                q = q.where(SchemaVersion.version == version)
            found = s.execute(q).first()
        if found is None:
            if version is None:
                raise _no_schema(project)
            raise SchemaVersionNotFoundError(
                f"Project {project.name!r} has no schema version {version}.",
                project_id=project_id,
                version=version,
            )
        return _info(found[0], found[1])

    def current_schema(self, who: Identity, project_id: str) -> tuple[int, Schema]:
        """The newest version number and its schema; raises ``NoSchemaError`` if none."""
        project = self.projects.get(who, project_id)
        with self.store.session() as s:
            latest = s.scalar(
                select(func.max(SchemaVersion.version)).where(
                    SchemaVersion.project_id == project_id
                )
            )
            if latest is None:
                raise _no_schema(project)
            cached = self._cached(project_id, latest)
            if cached is not None:
                return latest, cached
            data = s.scalar(
                select(SchemaVersion.schema_json).where(
                    SchemaVersion.project_id == project_id, SchemaVersion.version == latest
                )
            )
        schema = Schema.from_dict(data)
        self._remember(project_id, latest, schema)
        return latest, schema

    def diff(self, who: Identity, project_id: str, from_version: int, to_version: int) -> dict:
        """Tables and columns added, removed or changed from one version to another."""
        old = self.get(who, project_id, from_version)
        new = self.get(who, project_id, to_version)
        return {"from_version": from_version, "to_version": to_version} | diff_schemas(
            old.schema, new.schema
        )

    # -- internals -------------------------------------------------------------------------
    def _store_version(
        self,
        who: Identity,
        project: ProjectInfo,
        schema: Schema,
        source: str,
        filename: str | None,
    ) -> SchemaVersionInfo:
        # Two uploads at once may both pick the same next number; the unique constraint on
        # (project_id, version) refuses the second, which then tries once more.
        try:
            info = self._insert_next_version(who, project.id, schema, source, filename)
        except IntegrityError:
            try:
                info = self._insert_next_version(who, project.id, schema, source, filename)
            except IntegrityError as e:
                raise ConflictError(
                    f"Another schema upload to project {project.name!r} happened at the "
                    "same moment; please try again."
                ) from e
        self._remember(project.id, info.version, schema)
        return info

    def _insert_next_version(
        self, who: Identity, project_id: str, schema: Schema, source: str, filename: str | None
    ) -> SchemaVersionInfo:
        with self.store.session() as s:
            self.storage.require_room(s, project_id, "schema_versions")
            latest = s.scalar(
                select(func.max(SchemaVersion.version)).where(
                    SchemaVersion.project_id == project_id
                )
            )
            row = SchemaVersion(
                project_id=project_id,
                version=(latest or 0) + 1,
                source=source,
                filename=filename,
                schema_json=schema.to_dict(),
                created_by=who.user_id,
            )
            s.add(row)
            s.flush()
            self.storage.note_stored(s, project_id, "schema_versions")
            self.projects.audit.append(
                s,
                who,
                "schema.uploaded",
                project_id=project_id,
                target=f"v{row.version}",
                details={"source": source, "tables": len(schema.tables)},
            )
            return _info(row, who.username, schema)

    def _cached(self, project_id: str, version: int) -> Schema | None:
        with self._cache_lock:
            return self._cache.get((project_id, version))

    def _remember(self, project_id: str, version: int, schema: Schema) -> None:
        with self._cache_lock:
            if len(self._cache) >= CACHE_SIZE:
                self._cache.pop(next(iter(self._cache)))
            self._cache[(project_id, version)] = schema


def _info(
    row: SchemaVersion, username: str | None, schema: Schema | None = None
) -> SchemaVersionInfo:
    schema = schema or Schema.from_dict(row.schema_json)
    created = row.created_at
    if created.tzinfo is None:  # SQLite hands back naive datetimes; they were stored in UTC
        created = created.replace(tzinfo=timezone.utc)
    return SchemaVersionInfo(
        project_id=row.project_id,
        version=row.version,
        source=row.source,
        filename=row.filename,
        created_at=created,
        created_by=username,
        table_count=len(schema.tables),
        schema=schema,
    )


def _no_schema(project: ProjectInfo) -> NoSchemaError:
    return NoSchemaError(
        f"Project {project.name!r} has no schema yet: upload DDL or introspect its database.",
        project_id=project.id,
    )


def _ddl_text(ddl: str | bytes) -> str:
    size = len(ddl) if isinstance(ddl, bytes) else len(ddl.encode("utf-8", "surrogatepass"))
    if size > MAX_DDL_BYTES:
        raise InvalidInputError(
            f"The DDL is {size / 1024 / 1024:.1f} MB; uploads are limited to "
            f"{MAX_DDL_BYTES // 1024 // 1024} MB. Upload the schema without data (no INSERTs)."
        )
    if isinstance(ddl, str):
        return ddl
    try:
        return ddl.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InvalidInputError(f"The DDL is not UTF-8 text (byte {e.start}).") from e


def _clean_filename(filename: str | None) -> str | None:
    if not filename:
        return None
    # Browsers may send a full client path; only the file's own name is worth keeping.
    name = PureWindowsPath(PurePosixPath(filename).name).name.strip()
    return name[:255] or None
