"""Schema versions on both store backends: uploads, reads, introspection, access and diffs."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from askdb_server.audit.log import AuditLog
from askdb_server.authz.authorizer import Authorizer
from askdb_server.errors import (
    ConflictError,
    DDLParseError,
    EmptySchemaError,
    InvalidInputError,
    NoSchemaError,
    ProjectNotFoundError,
    SchemaVersionNotFoundError,
)
from askdb_server.projects.manager import ProjectManager
from askdb_server.quotas.manager import QuotaManager
from askdb_server.quotas.storage import StorageQuota
from askdb_server.schemas.manager import MAX_DDL_BYTES, SchemaManager
from askdb_server.store.db import Store
from askdb_server.store.vault import SecretVault
from askdb_server.users.manager import UserManager

DDL_V1 = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER REFERENCES customers (id),
    total NUMERIC(10, 2)
);
"""
DDL_V2 = DDL_V1.replace("total NUMERIC(10, 2)", "total REAL, placed DATE") + (
    "CREATE TABLE products (sku TEXT PRIMARY KEY);"
)


@dataclass
class PlainEngines:
    """Stands in for ConnectionRegistry: one plain SQLAlchemy engine per URL."""

    made: list[sa.Engine] = field(default_factory=list)

    def engine_for(self, url: str) -> sa.Engine:
        engine = sa.create_engine(url)
        self.made.append(engine)
        return engine


@dataclass
class World:
    store: Store
    users: UserManager
    projects: ProjectManager
    schemas: SchemaManager


@pytest.fixture
def world(store_url: str) -> Iterator[World]:
    store = Store(store_url)
    store.migrate()
    authz = Authorizer(store, AuditLog(store))
    quotas = QuotaManager(store, authz, enabled=False)
    vault = SecretVault([Fernet.generate_key().decode()])
    projects = ProjectManager(store, vault, authz, targets=None, quotas=quotas)
    engines = PlainEngines()
    schemas = SchemaManager(store, projects, engines, StorageQuota(quotas))
    yield World(store, UserManager(store, authz, org_owned_accounts=False), projects, schemas)
    for engine in engines.made:
        engine.dispose()
    store.dispose()


def test_upload_versions_and_list_newest_first(world: World) -> None:
    alice = world.users.ensure("alice")
    project = world.projects.create(alice, "shop")
    v1 = world.schemas.upload_ddl(alice, project.id, DDL_V1, source="ddl_file", filename="v1.sql")
    v2 = world.schemas.upload_ddl(alice, project.id, DDL_V2)
    assert (v1.version, v1.source, v1.filename, v1.table_count) == (1, "ddl_file", "v1.sql", 2)
    assert (v2.version, v2.source, v2.filename, v2.table_count) == (2, "ddl_text", None, 3)
    assert v1.created_by == "alice"
    listed = world.schemas.list_versions(alice, project.id)
    assert [v.version for v in listed] == [2, 1]
    assert listed[1].schema.table("orders").foreign_keys[0].ref_table == "customers"
    assert world.projects.get(alice, project.id).schema_version == 2
    body = listed[0].to_dict(include_schema=False)
    assert "schema" not in body and body["table_count"] == 3
    assert body["created_at"].endswith("+00:00")


def test_get_by_version_and_current(world: World) -> None:
    alice = world.users.ensure("alice")
    project = world.projects.create(alice, "shop")
    world.schemas.upload_ddl(alice, project.id, DDL_V1)
    world.schemas.upload_ddl(alice, project.id, DDL_V2)
    first = world.schemas.get(alice, project.id, 1)
    assert first.schema.table_names == ["customers", "orders"]
    assert first.to_dict()["schema"]["tables"][1]["columns"][2]["type"] == "NUMERIC(10, 2)"
    current = world.schemas.get(alice, project.id)
    assert current.version == 2 and current.schema.table("products") is not None
    version, schema = world.schemas.current_schema(alice, project.id)
    assert version == 2 and schema == current.schema
    with pytest.raises(SchemaVersionNotFoundError, match="no schema version 7"):
        world.schemas.get(alice, project.id, 7)


def test_current_schema_after_a_new_upload_is_the_new_one(world: World) -> None:
    alice = world.users.ensure("alice")
    project = world.projects.create(alice, "shop")
    world.schemas.upload_ddl(alice, project.id, DDL_V1)
    assert world.schemas.current_schema(alice, project.id)[0] == 1
    world.schemas.upload_ddl(alice, project.id, DDL_V2)
    version, schema = world.schemas.current_schema(alice, project.id)
    assert version == 2 and "products" in schema.table_names
    # A fresh manager (empty cache) reads the same schema back from the store.
    fresh = SchemaManager(world.store, world.projects, PlainEngines(), world.schemas.storage)
    assert fresh.current_schema(alice, project.id) == (version, schema)


def test_malformed_ddl_stores_nothing(world: World) -> None:
    alice = world.users.ensure("alice")
    project = world.projects.create(alice, "shop")
    world.schemas.upload_ddl(alice, project.id, DDL_V1)
    with pytest.raises(DDLParseError) as info:
        world.schemas.upload_ddl(alice, project.id, "CREATE TABLE a (id int);\nCREATE TABLE (x);")
    assert info.value.line == 2
    assert [v.version for v in world.schemas.list_versions(alice, project.id)] == [1]


@pytest.mark.parametrize(
    "payload,message",
    [
        (b"CREATE TABLE t (name TEXT DEFAULT '\xff\xfe');", "not UTF-8"),
        ("-- padding\n" * (MAX_DDL_BYTES // 11 + 1) + "CREATE TABLE t (x INT);", "limited to 5 MB"),
    ],
    ids=["not_utf8", "too_large"],
)
def test_bad_uploads_are_invalid_input(world: World, payload: str | bytes, message: str) -> None:
    alice = world.users.ensure("alice")
    project = world.projects.create(alice, "shop")
    with pytest.raises(InvalidInputError, match=message):
        world.schemas.upload_ddl(alice, project.id, payload)
    assert world.schemas.list_versions(alice, project.id) == []


def test_utf8_bytes_with_bom_are_accepted(world: World) -> None:
    alice = world.users.ensure("alice")
    project = world.projects.create(alice, "shop")
    ddl = "CREATE TABLE café (prénom TEXT);".encode("utf-8-sig")
    info = world.schemas.upload_ddl(alice, project.id, ddl, filename="C:\\Users\\a\\schema.sql")
    assert info.schema.table_names == ["café"]
    assert info.filename == "schema.sql"


def test_project_dialect_is_used_for_ddl(world: World, tmp_path) -> None:
    alice = world.users.ensure("alice")
    path = tmp_path / "db.sqlite"
    sqlite3.connect(path).close()
    project = world.projects.create(alice, "lite", connection_url=f"sqlite:///{path}")
    info = world.schemas.upload_ddl(alice, project.id, "CREATE TABLE t (id INT PRIMARY KEY);")
    assert info.schema.dialect == "sqlite"
    explicit = world.schemas.upload_ddl(
        alice, project.id, "CREATE TABLE `t` (`id` int);", dialect="mysql"
    )
    assert explicit.schema.dialect == "mysql"


def test_introspection_of_a_sqlite_file(world: World, tmp_path) -> None:
    path = tmp_path / "music.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(
            "CREATE TABLE artist (id INTEGER PRIMARY KEY, name TEXT NOT NULL);"
            "CREATE TABLE album (id INTEGER PRIMARY KEY, title TEXT,"
            " artist_id INTEGER NOT NULL REFERENCES artist (id));"
        )
    conn.close()
    alice = world.users.ensure("alice")
    project = world.projects.create(alice, "music", connection_url=f"sqlite:///{path}")
    info = world.schemas.introspect(alice, project.id)
    assert (info.version, info.source, info.table_count) == (1, "introspection", 2)
    album = info.schema.table("album")
    fk = album.foreign_keys[0]
    assert (fk.columns, fk.ref_table, fk.ref_columns) == (("artist_id",), "artist", ("id",))
    assert info.schema.dialect == "sqlite"
    assert world.schemas.current_schema(alice, project.id)[1] == info.schema


def test_introspection_of_an_empty_database_stores_nothing(world: World, tmp_path) -> None:
    path = tmp_path / "empty.db"
    sqlite3.connect(path).close()
    alice = world.users.ensure("alice")
    project = world.projects.create(alice, "empty", connection_url=f"sqlite:///{path}")
    with pytest.raises(EmptySchemaError, match="no tables"):
        world.schemas.introspect(alice, project.id)
    assert world.schemas.list_versions(alice, project.id) == []


def test_introspection_without_connection(world: World) -> None:
    alice = world.users.ensure("alice")
    project = world.projects.create(alice, "ddl-only")
    with pytest.raises(InvalidInputError, match="no database connection"):
        world.schemas.introspect(alice, project.id)


def test_other_users_project_is_not_found(world: World) -> None:
    alice = world.users.ensure("alice")
    bob = world.users.ensure("bob")
    project = world.projects.create(alice, "shop")
    world.schemas.upload_ddl(alice, project.id, DDL_V1)
    calls = [
        lambda: world.schemas.upload_ddl(bob, project.id, DDL_V2),
        lambda: world.schemas.list_versions(bob, project.id),
        lambda: world.schemas.get(bob, project.id),
        lambda: world.schemas.get(bob, project.id, 1),
        lambda: world.schemas.current_schema(bob, project.id),
        lambda: world.schemas.introspect(bob, project.id),
    ]
    for call in calls:
        with pytest.raises(ProjectNotFoundError):
            call()
    assert [v.version for v in world.schemas.list_versions(alice, project.id)] == [1]


def test_no_schema_before_any_upload(world: World) -> None:
    alice = world.users.ensure("alice")
    project = world.projects.create(alice, "fresh")
    message = "Project 'fresh' has no schema yet: upload DDL or introspect its database."
    with pytest.raises(NoSchemaError) as info:
        world.schemas.current_schema(alice, project.id)
    assert str(info.value) == message
    with pytest.raises(NoSchemaError):
        world.schemas.get(alice, project.id)
    assert world.schemas.list_versions(alice, project.id) == []


def test_versions_are_numbered_per_project(world: World) -> None:
    alice = world.users.ensure("alice")
    a = world.projects.create(alice, "a")
    b = world.projects.create(alice, "b")
    world.schemas.upload_ddl(alice, a.id, DDL_V1)
    world.schemas.upload_ddl(alice, a.id, DDL_V1)
    assert world.schemas.upload_ddl(alice, b.id, DDL_V1).version == 1
    assert world.schemas.upload_ddl(alice, a.id, DDL_V1).version == 3


def test_diff_between_versions(world: World) -> None:
    alice = world.users.ensure("alice")
    project = world.projects.create(alice, "shop")
    world.schemas.upload_ddl(alice, project.id, DDL_V1)
    world.schemas.upload_ddl(alice, project.id, DDL_V2)
    diff = world.schemas.diff(alice, project.id, 1, 2)
    assert diff["tables_added"] == ["products"]
    assert diff["tables_removed"] == []
    [orders] = diff["tables_changed"]
    assert orders["table"] == "orders"
    assert orders["columns_added"] == ["placed"]
    assert orders["columns_changed"][0]["column"] == "total"
    assert (orders["columns_changed"][0]["from_type"], orders["columns_changed"][0]["to_type"]) == (
        "NUMERIC(10, 2)",
        "REAL",
    )
    back = world.schemas.diff(alice, project.id, 2, 1)
    assert back["tables_removed"] == ["products"]
    assert back["tables_changed"][0]["columns_removed"] == ["placed"]
    with pytest.raises(SchemaVersionNotFoundError):
        world.schemas.diff(alice, project.id, 1, 9)


def test_concurrent_uploads_get_distinct_versions(world: World) -> None:
    alice = world.users.ensure("alice")
    project = world.projects.create(alice, "busy")
    barrier = threading.Barrier(6)

    def upload() -> int | str:
        barrier.wait()
        try:
            return world.schemas.upload_ddl(alice, project.id, DDL_V1).version
        except ConflictError:
            return "conflict"

    with ThreadPoolExecutor(6) as pool:
        outcomes = list(pool.map(lambda _: upload(), range(6)))
    numbers = sorted(o for o in outcomes if isinstance(o, int))
    assert numbers == list(range(1, len(numbers) + 1)), outcomes
    assert len(numbers) >= 2
    stored = [v.version for v in world.schemas.list_versions(alice, project.id)]
    assert sorted(stored) == numbers
