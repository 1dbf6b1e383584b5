"""Projects: a named database connection with its schema versions and conversations."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

from ..authz.authorizer import Authorizer, Grant
from ..authz.policy import Permission, Role
from ..errors import (
    ConflictError,
    InvalidInputError,
    ProjectNotFoundError,
    UserNotFoundError,
)
from ..identity.who import Identity
from ..sqlrun.urls import parse_database_url, redact, render, sqlglot_dialect
from ..store.db import Store
from ..store.models import Project, ProjectMember, SchemaVersion, User, utcnow
from ..store.vault import SecretVault

if TYPE_CHECKING:
    from ..quotas.manager import QuotaManager
    from ..sqlrun.targets import TargetPolicy


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
    org_id: str | None = None
    # The caller's effective permission: OWNER, EDITOR or VIEWER.
    permission: str | None = None
    # Whether answers' first rows are stored with their messages (history previews).
    store_results: bool = True
    # The guard's project settings (sqlrun/guard.py QueryPolicy); set by an org admin.
    sql_functions: tuple[str, ...] = ()
    allow_introspection: bool = False
    # The unsafe override: a privileged database role may connect in a shared deployment.
    allow_privileged: bool = False
    # What a client should flag: settings that weaken the guard's defaults.
    unsafe: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        d = asdict(self)
        d["created_at"] = self.created_at.isoformat()
        d["updated_at"] = self.updated_at.isoformat()
        return d


@dataclass(frozen=True)
class MemberInfo:
    """A user a project is shared with, and their permission on it."""

    user_id: str
    username: str
    name: str | None
    permission: str
    invited_at: datetime

    def to_dict(self) -> dict:
        d = asdict(self)
        d["invited_at"] = self.invited_at.isoformat()
        return d


class ProjectManager:
    """Projects of an organization, shared with its members.

    Every method asks the authorizer first: a project the caller may not see answers like a
    missing one, an action their role or permission does not allow answers ``ForbiddenError``.
    """

    def __init__(
        self,
        store: Store,
        vault: SecretVault,
        authz: Authorizer,
        *,
        targets: TargetPolicy | None,
        quotas: QuotaManager,
    ) -> None:
        """``targets``: the deployment's connection-target policy, asked whenever a project's
        connection URL is set (None: every parseable URL is accepted). ``quotas``: the plan's
        count of projects."""
        self.store = store
        self.vault = vault
        self.targets = targets
        self.authz = authz
        self.audit = authz.audit
        self.quotas = quotas

    # -- reading ---------------------------------------------------------------------------
    def list(
        self, who: Identity, *, include_archived: bool = False, name: str | None = None
    ) -> list[ProjectInfo]:
        """The projects of the caller's organization that the caller may see (only those
        called ``name`` when it is given)."""
        with self.store.session() as s:
            grant = self.authz.check_current(s, who, "org:read")
            q = select(Project).where(Project.org_id == grant.org_id).order_by(Project.name)
            if grant.role not in (Role.ADMIN, Role.MANAGER):
                shared = select(ProjectMember.project_id).where(
                    ProjectMember.user_id == who.user_id
                )
                q = q.where(Project.id.in_(shared))
            if not include_archived:
                q = q.where(Project.archived_at.is_(None))
            if name is not None:
                q = q.where(Project.name == name)
            return [
                self._info(s, p, self.authz.permission(s, who.user_id, p)) for p in s.scalars(q)
            ]

    def get(self, who: Identity, project_id: str, action: str = "project:read") -> ProjectInfo:
        """One project, if the caller may do ``action`` on it (reading, by default)."""
        with self.store.session() as s:
            p, grant = self._load(s, who, project_id, action)
            return self._info(s, p, grant.permission)

    def find(self, who: Identity, name_or_id: str) -> ProjectInfo:
        """A project by id, or by name among the caller's visible active projects."""
        try:
            return self.get(who, name_or_id)
        except ProjectNotFoundError:
            pass
        for p in self.list(who):
            if p.name == name_or_id:
                return p
        raise ProjectNotFoundError(f"No project named {name_or_id!r}.")

    def connection_url(self, who: Identity, project_id: str, action: str = "project:read") -> str:
        """The full connection URL, password included: for the server's own use only."""
        with self.store.session() as s:
            p, _ = self._load(s, who, project_id, action)
            if not p.connection_encrypted:
                raise InvalidInputError(f"Project {p.name!r} has no database connection.")
            return self.vault.decrypt(p.connection_encrypted)

    def members(self, who: Identity, project_id: str) -> list[MemberInfo]:
        """The users the project is shared with (its owner first)."""
        with self.store.session() as s:
            self._load(s, who, project_id, "project:read")
            rows = s.scalars(select(ProjectMember).where(ProjectMember.project_id == project_id))
            order = {p.value: i for i, p in enumerate(Permission)}
            return sorted(
                (_member_info(m) for m in rows),
                key=lambda m: (order[m.permission], m.username),
            )

    # -- writing ---------------------------------------------------------------------------
    def create(
        self,
        who: Identity,
        name: str,
        *,
        description: str = "",
        connection_url: str | None = None,
        allow_value_lookup: bool = True,
        store_results: bool = True,
    ) -> ProjectInfo:
        """A new project in the caller's organization, owned by the caller."""
        name = _name(name)
        with self.store.session() as s:
            grant = self.authz.check_current(s, who, "projects:create")
            self._require_room(s, grant.org_id)
            self._check_name_free(s, grant.org_id, name)
            p = Project(
                name=name,
                description=description or "",
                owner_id=who.user_id,
                org_id=grant.org_id,
                allow_value_lookup=allow_value_lookup,
                store_results=store_results,
            )
            if connection_url:
                self._set_connection(p, connection_url)
            s.add(p)
            s.flush()
            s.add(ProjectMember(project_id=p.id, user_id=who.user_id, permission="OWNER"))
            self._audit(s, who, "project.created", p)
            s.flush()
            return self._info(s, p, Permission.OWNER)

    def update(self, who: Identity, project_id: str, **changes: object) -> ProjectInfo:
        """Change name, description, connection_url, allow_value_lookup or store_results."""
        allowed = {
            "name",
            "description",
            "connection_url",
            "allow_value_lookup",
            "store_results",
            *GUARD_FIELDS,
        }
        unknown = set(changes) - allowed
        if unknown:
            raise InvalidInputError(f"Cannot change {', '.join(sorted(unknown))}.")
        with self.store.session() as s:
            p, grant = self._load(s, who, project_id, "project:write")
            if GUARD_FIELDS & set(changes):
                # The guard's settings are an organization admin's: they widen what runs.
                self._load(s, who, project_id, "project:guard")
                _set_guard_fields(p, changes)
            if "name" in changes:
                name = _name(changes["name"])
                if name != p.name:
                    self._check_name_free(s, p.org_id, name)
                p.name = name
            if "description" in changes:
                p.description = str(changes["description"] or "")
            if "allow_value_lookup" in changes:
                p.allow_value_lookup = bool(changes["allow_value_lookup"])
            if "store_results" in changes:
                p.store_results = bool(changes["store_results"])
            if "connection_url" in changes:
                url = changes["connection_url"]
                if url:
                    self._set_connection(p, str(url))
                else:
                    p.connection_encrypted, p.dialect = None, None
            p.updated_at = utcnow()
            self._audit(s, who, "project.updated", p, fields=sorted(changes))
            s.flush()
            return self._info(s, p, grant.permission)

    def archive(self, who: Identity, project_id: str) -> ProjectInfo:
        """Soft delete: the project disappears from lists but keeps its history."""
        with self.store.session() as s:
            p, grant = self._load(s, who, project_id, "project:archive")
            if p.archived_at is None:
                p.archived_at = utcnow()
                self._audit(s, who, "project.archived", p)
            s.flush()
            return self._info(s, p, grant.permission)

    def restore(self, who: Identity, project_id: str) -> ProjectInfo:
        with self.store.session() as s:
            p, grant = self._load(s, who, project_id, "project:archive")
            if p.archived_at is not None:
                self._require_room(s, p.org_id)  # archived projects do not count; restored do
                self._check_name_free(s, p.org_id, p.name)
                p.archived_at = None
                self._audit(s, who, "project.restored", p)
            s.flush()
            return self._info(s, p, grant.permission)

    # -- sharing ---------------------------------------------------------------------------
    def share(
        self,
        who: Identity,
        project_id: str,
        *,
        user_id: str | None = None,
        username: str | None = None,
        permission: str = "VIEWER",
    ) -> MemberInfo:
        """Share the project with a member of its organization as EDITOR or VIEWER (sharing
        again changes the permission)."""
        perm = _shared_permission(permission)
        with self.store.session() as s:
            p, _ = self._load(s, who, project_id, "project:share")
            user = self._org_user(s, p, user_id=user_id, username=username)
            member = self._membership(s, p.id, user.id)
            if member is None:
                member = ProjectMember(project_id=p.id, user_id=user.id, permission=perm.value)
                s.add(member)
            else:
                self._not_owner(member)
                member.permission = perm.value
            self._audit(s, who, "project.shared", p, user=user.username, permission=perm.value)
            s.flush()
            return _member_info(member)

    def set_permission(
        self, who: Identity, project_id: str, user_id: str, permission: str
    ) -> MemberInfo:
        perm = _shared_permission(permission)
        with self.store.session() as s:
            p, _ = self._load(s, who, project_id, "project:share")
            member = self._existing_member(s, p, user_id)
            self._not_owner(member)
            old, member.permission = member.permission, perm.value
            self._audit(
                s,
                who,
                "project.permission_changed",
                p,
                user=member.user.username,
                **{"from": old, "to": perm.value},
            )
            s.flush()
            return _member_info(member)

    def unshare(self, who: Identity, project_id: str, user_id: str) -> None:
        with self.store.session() as s:
            p, _ = self._load(s, who, project_id, "project:share")
            member = self._existing_member(s, p, user_id)
            self._not_owner(member)
            self._audit(s, who, "project.unshared", p, user=member.user.username)
            s.delete(member)

    def transfer(self, who: Identity, project_id: str, user_id: str) -> ProjectInfo:
        """Make another member of the organization the owner; the old owner stays EDITOR."""
        with self.store.session() as s:
            p, _ = self._load(s, who, project_id, "project:transfer")
            user = self._org_user(s, p, user_id=user_id)
            if self.authz.role(s, user.id, p.org_id) == Role.VIEWER:
                raise InvalidInputError(f"{user.username} is a Viewer and cannot own projects.")
            if user.id != p.owner_id:
                old = self._membership(s, p.id, p.owner_id)
                if old is not None:
                    old.permission = Permission.EDITOR.value
                new = self._membership(s, p.id, user.id)
                if new is None:
                    new = ProjectMember(project_id=p.id, user_id=user.id)
                    s.add(new)
                new.permission = Permission.OWNER.value
                previous, p.owner_id = p.owner.username, user.id
                self._audit(
                    s, who, "project.transferred", p, **{"from": previous, "to": user.username}
                )
            s.flush()
            s.refresh(p)
            return self._info(s, p, self.authz.permission(s, who.user_id, p))

    def clone(self, who: Identity, project_id: str, name: str) -> ProjectInfo:
        """A new project from this one as a template: its connection, settings and current
        schema version (as v1), not its conversations or members."""
        name = _name(name)
        with self.store.session() as s:
            src, grant = self._load(s, who, project_id, "project:read")
            # Created in the template's organization: its role decides, not the current one.
            self.authz.check(s, who, "projects:create", org_id=src.org_id)
            self._require_room(s, src.org_id)
            self._check_name_free(s, src.org_id, name)
            p = Project(
                name=name,
                description=src.description,
                owner_id=who.user_id,
                org_id=src.org_id,
                connection_encrypted=src.connection_encrypted,
                dialect=src.dialect,
                allow_value_lookup=src.allow_value_lookup,
                store_results=src.store_results,
            )
            if src.connection_encrypted:  # the template's URL may predate the policy
                self._admit(parse_database_url(self.vault.decrypt(src.connection_encrypted)))
            s.add(p)
            s.flush()
            s.add(ProjectMember(project_id=p.id, user_id=who.user_id, permission="OWNER"))
            latest = s.scalar(
                select(SchemaVersion)
                .where(SchemaVersion.project_id == src.id)
                .order_by(SchemaVersion.version.desc())
                .limit(1)
            )
            if latest is not None:
                s.add(
                    SchemaVersion(
                        project_id=p.id,
                        version=1,
                        source=latest.source,
                        filename=latest.filename,
                        schema_json=latest.schema_json,
                        created_by=who.user_id,
                    )
                )
            self._audit(s, who, "project.created", p, cloned_from=src.id)
            s.flush()
            return self._info(s, p, Permission.OWNER)

    # -- internals -------------------------------------------------------------------------
    def _require_room(self, s: Session, org_id: str) -> None:
        """PlanLimitError when the organization has as many active projects as its plan
        allows (a creation, a clone or a restore would pass it)."""
        self.quotas.require_room(s, org_id, "projects")

    def _load(
        self, s: Session, who: Identity, project_id: str, action: str
    ) -> tuple[Project, Grant]:
        grant = self.authz.check(s, who, action, project_id)
        return s.get(Project, project_id), grant

    def _check_name_free(self, s: Session, org_id: str, name: str) -> None:
        clash = s.scalar(
            select(Project.id).where(
                Project.org_id == org_id,
                Project.name == name,
                Project.archived_at.is_(None),
            )
        )
        if clash:
            raise ConflictError(f"A project named {name!r} already exists.")

    def _org_user(
        self, s: Session, p: Project, *, user_id: str | None = None, username: str | None = None
    ) -> User:
        """A member of the project's organization, by id or username; others look missing."""
        if not user_id and not username:
            raise InvalidInputError("Name the user: user_id or username.")
        user = (
            s.get(User, user_id)
            if user_id
            else s.scalar(select(User).where(User.username == username))
        )
        if user is None or self.authz.role(s, user.id, p.org_id) is None:
            raise UserNotFoundError(
                f"No user {user_id or username!r} in this project's organization."
            )
        return user

    def _membership(self, s: Session, project_id: str, user_id: str) -> ProjectMember | None:
        return s.scalar(
            select(ProjectMember).where(
                ProjectMember.project_id == project_id, ProjectMember.user_id == user_id
            )
        )

    def _existing_member(self, s: Session, p: Project, user_id: str) -> ProjectMember:
        member = self._membership(s, p.id, user_id)
        if member is None:
            raise UserNotFoundError(f"Project {p.name!r} is not shared with {user_id!r}.")
        return member

    def _not_owner(self, member: ProjectMember) -> None:
        if member.permission == Permission.OWNER.value:
            raise ConflictError("The owner's permission cannot change: transfer the project.")

    def _audit(self, s: Session, who: Identity, action: str, p: Project, **details: object) -> None:
        self.audit.append(
            s, who, action, org_id=p.org_id, project_id=p.id, target=p.name, details=details
        )

    def _set_connection(self, p: Project, url: str) -> None:
        parsed = parse_database_url(url)
        self._admit(parsed)
        p.connection_encrypted = self.vault.encrypt(render(parsed))
        p.dialect = sqlglot_dialect(parsed)

    def _admit(self, url: URL) -> None:
        """Raise ``ConnectionNotAllowedError`` when the deployment's policy refuses ``url``."""
        if self.targets is not None:
            self.targets.admit(url)

    def _info(self, s: Session, p: Project, permission: Permission | None) -> ProjectInfo:
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
            org_id=p.org_id,
            permission=permission.value if permission else None,
            store_results=p.store_results,
            sql_functions=tuple(p.sql_functions or ()),
            allow_introspection=p.allow_introspection,
            allow_privileged=p.allow_privileged,
            unsafe=("allow_privileged",) if p.allow_privileged else (),
        )


GUARD_FIELDS = frozenset({"sql_functions", "allow_introspection", "allow_privileged"})
_FUNCTION_NAME = re.compile(r"[a-z_][a-z0-9_$]*(\.[a-z_][a-z0-9_$]*)?")
MAX_SQL_FUNCTIONS = 200


def _set_guard_fields(p: Project, changes: dict) -> None:
    """Validate and set the guard's project settings, or raise ``InvalidInputError``."""
    for flag in ("allow_introspection", "allow_privileged"):
        if flag in changes:
            if not isinstance(changes[flag], bool):
                raise InvalidInputError(f"{flag} must be true or false.")
            setattr(p, flag, changes[flag])
    if "sql_functions" in changes:
        names = changes["sql_functions"]
        if not isinstance(names, list) or len(names) > MAX_SQL_FUNCTIONS:
            raise InvalidInputError(
                f"sql_functions must be a list of at most {MAX_SQL_FUNCTIONS} function names."
            )
        cleaned: list[str] = []
        for name in names:
            low = name.strip().lower() if isinstance(name, str) else ""
            if not _FUNCTION_NAME.fullmatch(low) or len(low) > 128:
                raise InvalidInputError(
                    f"{name!r} is not a function name (letters, digits, _ and $; "
                    "schema.function for a qualified one)."
                )
            if low not in cleaned:
                cleaned.append(low)
        p.sql_functions = cleaned


def _name(value: object) -> str:
    name = str(value or "").strip()
    if not name:
        raise InvalidInputError("A project needs a name.")
    return name


def _shared_permission(value: object) -> Permission:
    text = str(value or "").upper()
    if text == Permission.OWNER.value:
        raise InvalidInputError("Ownership moves with a transfer, not a share.")
    try:
        return Permission(text)
    except ValueError:
        raise InvalidInputError(f"Unknown permission {value!r}: use EDITOR or VIEWER.") from None


def _member_info(m: ProjectMember) -> MemberInfo:
    return MemberInfo(
        user_id=m.user_id,
        username=m.user.username,
        name=m.user.name,
        permission=m.permission,
        invited_at=m.invited_at,
    )
