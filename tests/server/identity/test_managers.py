"""Users and organizations on SQLite and PostgreSQL stores."""

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from askdb_server.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    UserNotFoundError,
)
from askdb_server.store.db import MIGRATIONS_DIR, Store
from tests.helpers.world import invitations_of


def test_first_sight_gives_a_personal_org_where_one_is_admin(world):
    s = world.services
    carol = s.users.ensure("carol")
    me = s.users.me(carol)
    assert me.role == "ADMIN" and me.org_id and me.last_login is not None
    org = s.orgs.current(carol)
    assert (org.name, org.plan, org.member_count, org.role) == ("carol", "FREE", 1, "ADMIN")
    assert s.users.ensure("carol") == carol  # a second sight changes nothing
    assert s.projects.create(carol, "mine").org_id == org.id


def test_profile_update_and_validation(world):
    s, dev = world.services, world.a["DEVELOPER"]
    me = s.users.update_me(dev, name="Dev One", email="dev@a.example", avatar_url="https://x/a.png")
    assert (me.name, me.email, me.avatar_url, me.role) == (
        "Dev One",
        "dev@a.example",
        "https://x/a.png",
        "DEVELOPER",
    )
    for bad in ({"email": "nope"}, {"avatar_url": "javascript:x"}, {"is_active": False}):
        with pytest.raises(InvalidInputError):
            s.users.update_me(dev, **bad)
    with pytest.raises(InvalidInputError):  # not a member of b
        s.users.update_me(dev, org_id=s.orgs.current(world.b["ADMIN"]).id)


def test_admin_lists_and_manages_only_their_org(world):
    s, a, b = world.services, world.a, world.b
    names = [u.username for u in s.users.list(a["ADMIN"])]
    assert names == ["a-admin", "a-developer", "a-manager", "a-viewer"]
    assert {u.role for u in s.orgs.members(a["MANAGER"])} == {
        "ADMIN",
        "MANAGER",
        "DEVELOPER",
        "VIEWER",
    }
    for role in ("DEVELOPER", "VIEWER"):
        with pytest.raises(ForbiddenError):
            s.users.list(a[role])
    with pytest.raises(ForbiddenError):  # managers read users, admins manage them
        s.users.update(a["MANAGER"], a["VIEWER"].user_id, name="x")
    with pytest.raises(UserNotFoundError):  # b's users do not exist for a's admin
        s.users.get(a["ADMIN"], b["VIEWER"].user_id)
    with pytest.raises(UserNotFoundError):
        s.users.update(a["ADMIN"], b["VIEWER"].user_id, is_active=False)
    u = s.users.update(a["ADMIN"], a["VIEWER"].user_id, role="developer")
    assert u.role == "DEVELOPER"


@pytest.mark.parametrize("owned", [False, True])
def test_an_admin_manages_memberships_not_accounts(world, owned):
    """The viewer belongs to a and to their personal organization: their account is their
    own, whatever the deployment says; a user of a alone is a's only where the deployment
    lets organizations own accounts."""
    s, a = world.services, world.a
    s.users.org_owned_accounts = owned
    viewer, only_a = a["VIEWER"], _only_in(world, "a-only", "a")
    for change in ({"name": "Vee"}, {"email": "v@x.example"}, {"is_active": False}):
        with pytest.raises(ForbiddenError):
            s.users.update(a["ADMIN"], viewer.user_id, **change)
    with pytest.raises(ForbiddenError):
        s.users.delete(a["ADMIN"], viewer.user_id)
    assert s.users.me(viewer).is_active and s.users.me(viewer).name == "a-viewer"
    if not owned:
        with pytest.raises(ForbiddenError):
            s.users.update(a["ADMIN"], only_a.user_id, name="Renamed")
        return
    assert s.users.update(a["ADMIN"], only_a.user_id, name="Renamed").name == "Renamed"
    assert s.users.update(a["ADMIN"], only_a.user_id, is_active=False).is_active is False
    s.users.delete(a["ADMIN"], only_a.user_id)


def _only_in(world, username: str, org: str):
    """A user who belongs to ``org`` and no other (as the hub's mapping makes them)."""
    from askdb_server.store.models import OrgMembership, User

    org_id = getattr(world, org).org_id
    with world.services.store.session() as s:
        user = User(username=username, name=username, org_id=org_id)
        s.add(user)
        s.flush()
        s.add(OrgMembership(org_id=org_id, user_id=user.id, role="VIEWER"))
    return world.services.users.ensure(username)


def test_roles_members_and_the_last_admin(world):
    s, a = world.services, world.a
    admin = a["ADMIN"]
    with pytest.raises(ConflictError):
        s.orgs.set_role(admin, admin.user_id, "MANAGER")
    with pytest.raises(ConflictError):
        s.orgs.remove_member(admin, admin.user_id)
    with pytest.raises(InvalidInputError):
        s.orgs.set_role(admin, a["VIEWER"].user_id, "OWNER")
    with pytest.raises(ConflictError):
        invitations_of(s).invite_user(admin, "a-viewer", "VIEWER")
    assert s.orgs.set_role(admin, a["MANAGER"].user_id, "ADMIN").role == "ADMIN"
    assert s.orgs.set_role(admin, admin.user_id, "VIEWER").role == "VIEWER"  # another admin
    s.orgs.remove_member(a["MANAGER"], a["DEVELOPER"].user_id)
    assert s.orgs.current(a["DEVELOPER"]).name == "a-developer"  # back in their own only
    assert s.projects.list(a["DEVELOPER"]) == []


def test_removing_or_deleting_an_owner_needs_a_transfer_first(world):
    s, a = world.services, world.a
    s.users.org_owned_accounts = True
    dev = _only_in(world, "a-dev-only", "a")
    s.orgs.set_role(a["ADMIN"], dev.user_id, "DEVELOPER")
    p = s.projects.create(dev, "dev-own")
    with pytest.raises(ConflictError):
        s.orgs.remove_member(a["ADMIN"], dev.user_id)
    with pytest.raises(ConflictError):
        s.users.delete(a["ADMIN"], dev.user_id)
    s.projects.transfer(a["ADMIN"], p.id, a["MANAGER"].user_id)
    s.pipeline.ask(a["MANAGER"], world.a.project_id, "how many customers are there?")
    s.users.delete(a["ADMIN"], dev.user_id)
    with pytest.raises(UserNotFoundError):
        s.users.get(a["ADMIN"], dev.user_id)
    assert [m.username for m in s.projects.members(a["ADMIN"], p.id)] == ["a-manager"]
    with pytest.raises(ForbiddenError):  # a-developer belongs to their personal org too
        s.users.delete(a["ADMIN"], a["DEVELOPER"].user_id)
    with pytest.raises(ConflictError):
        s.users.delete(a["ADMIN"], a["ADMIN"].user_id)


def test_org_settings(world):
    s, a, b = world.services, world.a, world.b
    org = s.orgs.update(a["ADMIN"], name="Acme", domain="Acme.example")
    assert (org.name, org.domain) == ("Acme", "acme.example")
    with pytest.raises(ConflictError):
        s.orgs.update(b["ADMIN"], domain="acme.example")
    with pytest.raises(InvalidInputError):
        s.orgs.update(a["ADMIN"], plan="ENTERPRISE")  # the deployment sets plans
    with pytest.raises(ForbiddenError):
        s.orgs.update(a["MANAGER"], name="Mine")
    assert s.orgs.current(a["VIEWER"]).name == "Acme"


def test_migration_gives_existing_users_personal_orgs(store_url):
    store = Store(store_url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002")
        conn.execute(
            sa.text(
                "INSERT INTO users (id, username, is_active, created_at) VALUES "
                "('u1', 'ann', true, '2024-01-01'), ('u2', 'ben', true, '2024-01-01')"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO projects (id, name, description, owner_id, allow_value_lookup, "
                "created_at, updated_at) VALUES ('p1', 'shop', '', 'u1', true, '2024-01-01', "
                "'2024-01-01'), ('p2', 'shop', '', 'u2', true, '2024-01-01', '2024-01-01')"
            )
        )
    store.migrate()
    with store.engine.connect() as conn:
        orgs = dict(conn.execute(sa.text("SELECT id, org_id FROM users")).all())
        assert len(set(orgs.values())) == 2
        roles = conn.execute(sa.text("SELECT user_id, org_id, role FROM org_memberships")).all()
        assert sorted(roles) == [("u1", orgs["u1"], "ADMIN"), ("u2", orgs["u2"], "ADMIN")]
        projects = dict(conn.execute(sa.text("SELECT id, org_id FROM projects")).all())
        assert projects == {"p1": orgs["u1"], "p2": orgs["u2"]}
        members = conn.execute(
            sa.text("SELECT project_id, user_id, permission FROM project_members")
        ).all()
        assert sorted(members) == [("p1", "u1", "OWNER"), ("p2", "u2", "OWNER")]
    store.migrate()  # a second start changes nothing
    store.dispose()
