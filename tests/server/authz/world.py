"""The two-organization world: each organization has one member of every role and a project,
on a real store (SQLite and PostgreSQL), over a small SQLite database."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest

from askdb_server.identity.who import Identity
from askdb_server.services import Services, Settings

ROLES = ("ADMIN", "MANAGER", "DEVELOPER", "VIEWER")


@dataclass
class Org:
    name: str
    members: dict[str, Identity]  # role -> identity
    project_id: str

    def __getitem__(self, role: str) -> Identity:
        return self.members[role]


@dataclass
class World:
    services: Services
    a: Org
    b: Org
    db: Path


def _shop(path: Path) -> Path:
    with sqlite3.connect(path) as con:
        con.executescript(
            "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, country TEXT);"
            "INSERT INTO customers VALUES (1, 'Ada', 'France'), (2, 'Cy', 'Japan');"
        )
    return path


def _org(services: Services, prefix: str, db: Path) -> Org:
    admin = services.users.ensure(f"{prefix}-admin")
    members = {"ADMIN": admin}
    for role in ROLES[1:]:
        username = f"{prefix}-{role.lower()}"
        services.orgs.add_member(admin, username, role)
        members[role] = services.users.ensure(username)
    project = services.projects.create(admin, "shop", connection_url=f"sqlite:///{db}")
    services.schemas.introspect(admin, project.id)
    return Org(prefix, members, project.id)


@pytest.fixture
def world(store_url, tmp_path) -> World:
    services = Services.build(
        Settings(data_dir=tmp_path / "askdb", database_url=store_url, use_embeddings=False)
    )
    db = _shop(tmp_path / "shop.db")
    try:
        yield World(services, _org(services, "a", db), _org(services, "b", db), db)
    finally:
        services.close()
