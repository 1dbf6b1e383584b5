"""ProjectManager on SQLite and PostgreSQL stores."""

import pytest
from cryptography.fernet import Fernet

from askdb_server.audit.log import AuditLog
from askdb_server.authz.authorizer import Authorizer
from askdb_server.errors import (
    ConflictError,
    InvalidDatabaseURLError,
    InvalidInputError,
    ProjectNotFoundError,
)
from askdb_server.projects.manager import ProjectManager
from askdb_server.quotas.manager import QuotaManager
from askdb_server.store.db import Store
from askdb_server.store.vault import SecretVault
from askdb_server.users.manager import UserManager


@pytest.fixture
def env(store_url):
    store = Store(store_url)
    store.migrate()
    authz = Authorizer(store, AuditLog(store))
    users = UserManager(store, authz, org_owned_accounts=False)
    quotas = QuotaManager(store, authz, enabled=False)
    vault = SecretVault([Fernet.generate_key().decode()])
    pm = ProjectManager(store, vault, authz, targets=None, quotas=quotas)
    yield pm, users.ensure("alice"), users.ensure("bob")
    store.dispose()


def test_create_list_get_update(env):
    pm, alice, _ = env
    p = pm.create(alice, "shop", description="d", connection_url="postgresql://u:sekret@h:5432/db")
    assert p.connection_url == "postgresql+psycopg://u:***@h:5432/db"
    assert p.dialect == "postgres" and p.owner == "alice" and p.schema_version is None
    assert [x.name for x in pm.list(alice)] == ["shop"]
    assert pm.get(alice, p.id).name == "shop"
    assert pm.find(alice, "shop").id == p.id
    assert pm.connection_url(alice, p.id) == "postgresql+psycopg://u:sekret@h:5432/db"
    q = pm.update(alice, p.id, name="shop2", connection_url="sqlite:////tmp/x.db")
    assert q.name == "shop2" and q.dialect == "sqlite"
    assert "sekret" not in str(q.to_dict())


def test_names_are_unique_among_active_projects(env):
    pm, alice, bob = env
    p = pm.create(alice, "shop")
    with pytest.raises(ConflictError):
        pm.create(alice, "shop")
    pm.create(bob, "shop")  # another owner may use the same name
    pm.archive(alice, p.id)
    assert pm.list(alice) == []
    assert [x.archived for x in pm.list(alice, include_archived=True)] == [True]
    pm.create(alice, "shop")  # the name is free again
    with pytest.raises(ConflictError):
        pm.restore(alice, p.id)


def test_other_users_projects_look_missing(env):
    pm, alice, bob = env
    p = pm.create(alice, "mine")
    for call in (pm.get, pm.archive, pm.connection_url):
        with pytest.raises(ProjectNotFoundError):
            call(bob, p.id)
    with pytest.raises(ProjectNotFoundError):
        pm.find(bob, "mine")


@pytest.mark.parametrize(
    "url",
    ["", "not a url", "oracle://u@h/db", "mongodb://h/db"],
)
def test_bad_connection_urls_are_refused_and_nothing_is_stored(env, url):
    pm, alice, _ = env
    with pytest.raises((InvalidDatabaseURLError, InvalidInputError)):
        pm.create(alice, "p", connection_url=url or " ")
    assert pm.list(alice) == []


def test_empty_name_and_unknown_fields(env):
    pm, alice, _ = env
    with pytest.raises(InvalidInputError):
        pm.create(alice, "  ")
    p = pm.create(alice, "p")
    with pytest.raises(InvalidInputError):
        pm.update(alice, p.id, owner="bob")
