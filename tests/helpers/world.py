"""The two-organization world: each organization has one member of every role and a project,
on a real store (SQLite and PostgreSQL), over a small SQLite database (the ``world`` fixture is
a pytest plugin)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest

from askdb_server.identity.who import Identity
from askdb_server.invitations.manager import InvitationManager
from askdb_server.mail.config import AskDBMail
from askdb_server.mail.wiring import MailServices
from askdb_server.services import Services, Settings

ROLES = ("ADMIN", "MANAGER", "DEVELOPER", "VIEWER")


@dataclass
class Org:
    name: str
    members: dict[str, Identity]  # role -> identity
    project_id: str
    org_id: str = ""

    def __getitem__(self, role: str) -> Identity:
        return self.members[role]


@dataclass
class World:
    services: Services
    a: Org
    b: Org
    db: Path
    # The deployment's operator (AskDBApp.operators): the one who sets plans.
    operator: Identity | None = None

    def set_plan(self, plan: str, limits: dict | None = None, org: str = "a") -> dict:
        """The operator sets organization ``org``'s plan and custom limits."""
        org_id = getattr(self, org).org_id
        return self.services.quotas.set_plan(self.operator, plan, limits, org_id)


def _shop(path: Path) -> Path:
    with sqlite3.connect(path) as con:
        con.executescript(
            "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, country TEXT);"
            "INSERT INTO customers VALUES (1, 'Ada', 'France'), (2, 'Cy', 'Japan');"
        )
    return path


def join(services: Services, admin: Identity, username: str, role: str) -> Identity:
    """``username`` (created on first sight) accepts ``admin``'s invitation to join their
    current organization with ``role``; it becomes the user's current organization."""
    invitations = invitations_of(services)
    member = services.users.ensure(username)
    org_id = services.orgs.current(admin).id
    pending = [i.id for i in invitations.received(member) if i.org_id == org_id]
    invitation = pending[0] if pending else invitations.invite_user(admin, username, role).id
    invitations.accept_received(member, invitation)
    return member


def invitations_of(services: Services) -> InvitationManager:
    """An invitation manager on ``services`` (its emails wait in the outbox)."""
    return MailServices.build(services, AskDBMail()).invitations


def _org(services: Services, prefix: str, db: Path) -> Org:
    admin = services.users.ensure(f"{prefix}-admin")
    members = {"ADMIN": admin}
    for role in ROLES[1:]:
        members[role] = join(services, admin, f"{prefix}-{role.lower()}", role)
    project = services.projects.create(admin, "shop", connection_url=f"sqlite:///{db}")
    services.schemas.introspect(admin, project.id)
    return Org(prefix, members, project.id, services.orgs.current(admin).id)


@pytest.fixture
def world(store_url, tmp_path) -> World:
    services = Services.build(
        Settings.defaults(
            tmp_path / "askdb",
            database_url=store_url,
            use_embeddings=False,
            operators=["operator"],
        )
    )
    db = _shop(tmp_path / "shop.db")
    try:
        a, b = _org(services, "a", db), _org(services, "b", db)
        yield World(services, a, b, db, services.users.ensure("operator"))
    finally:
        services.close()
