"""Projects in two organizations: visibility, sharing, transfer, clone, and what each role and
permission may do through the managers (store on SQLite and PostgreSQL)."""

import pytest

from askdb_server.errors import (
    ConflictError,
    ConversationNotFoundError,
    ForbiddenError,
    InvalidInputError,
    ProjectNotFoundError,
    UserNotFoundError,
)
from askdb_server.store.models import User
from tests.helpers.world import ROLES


def _names(services, who):
    return sorted(p.name for p in services.projects.list(who))


def test_listing_shows_only_what_the_caller_may_see(world):
    s, a = world.services, world.a
    dev_project = s.projects.create(a["DEVELOPER"], "dev-own")
    assert _names(s, a["ADMIN"]) == ["dev-own", "shop"]  # admins and managers see all
    assert _names(s, a["MANAGER"]) == ["dev-own", "shop"]
    assert _names(s, a["DEVELOPER"]) == ["dev-own"]  # only what is shared with them
    assert _names(s, a["VIEWER"]) == []
    assert _names(s, world.b["ADMIN"]) == ["shop"]  # the other org's shop, not a's
    s.projects.share(a["DEVELOPER"], dev_project.id, username="a-viewer", permission="VIEWER")
    assert _names(s, a["VIEWER"]) == ["dev-own"]
    assert s.projects.get(a["VIEWER"], dev_project.id).permission == "VIEWER"


@pytest.mark.parametrize("role", ROLES)
def test_another_orgs_project_is_missing_for_every_role(world, role):
    s, who, pid = world.services, world.b[role], world.a.project_id
    calls = [
        lambda: s.projects.get(who, pid),
        lambda: s.projects.update(who, pid, description="x"),
        lambda: s.projects.archive(who, pid),
        lambda: s.projects.members(who, pid),
        lambda: s.projects.share(who, pid, username=who.username),
        lambda: s.projects.transfer(who, pid, who.user_id),
        lambda: s.projects.clone(who, pid, "mine"),
        lambda: s.schemas.list_versions(who, pid),
        lambda: s.schemas.upload_ddl(who, pid, "CREATE TABLE t (a INT)"),
        lambda: s.pipeline.run_sql(who, pid, "SELECT 1"),
        lambda: s.knowledge.add_doc(who, pid, "revenue means total"),
    ]
    for call in calls:
        with pytest.raises(ProjectNotFoundError):
            call()


def test_a_viewer_reads_and_asks_but_writes_nothing(world):
    s, a, pid = world.services, world.a, world.a.project_id
    s.projects.share(a["ADMIN"], pid, username="a-viewer", permission="EDITOR")
    viewer = a["VIEWER"]  # role VIEWER caps the EDITOR permission
    assert s.projects.get(viewer, pid).name == "shop"
    assert s.pipeline.ask(viewer, pid, "how many customers are there?").rows == [[2]]
    writes = [
        lambda: s.projects.update(viewer, pid, description="x"),
        lambda: s.projects.archive(viewer, pid),
        lambda: s.schemas.upload_ddl(viewer, pid, "CREATE TABLE t (a INT)"),
        lambda: s.knowledge.add_doc(viewer, pid, "revenue means total"),
        lambda: s.pipeline.run_sql(viewer, pid, "SELECT 1"),  # raw SQL: builders only
        lambda: s.projects.share(viewer, pid, username="a-developer"),
        lambda: s.projects.create(viewer, "mine"),
        lambda: s.projects.clone(viewer, pid, "copy"),
    ]
    for call in writes:
        with pytest.raises(ForbiddenError):
            call()
    assert s.projects.get(viewer, pid).description == ""


def test_permissions_on_a_shared_project(world):
    s, a, pid = world.services, world.a, world.a.project_id
    dev = a["DEVELOPER"]
    with pytest.raises(ProjectNotFoundError):  # not shared yet: invisible
        s.projects.get(dev, pid)
    s.projects.share(a["MANAGER"], pid, user_id=dev.user_id, permission="VIEWER")
    assert s.pipeline.run_sql(dev, pid, "SELECT name FROM customers").row_count == 2
    with pytest.raises(ForbiddenError):
        s.schemas.upload_ddl(dev, pid, "CREATE TABLE t (a INT)")
    s.projects.set_permission(a["ADMIN"], pid, dev.user_id, "EDITOR")
    assert s.schemas.upload_ddl(dev, pid, "CREATE TABLE t (a INT)").version == 2
    with pytest.raises(ForbiddenError):  # editors modify, they do not delete or share
        s.projects.archive(dev, pid)
    with pytest.raises(ForbiddenError):
        s.projects.share(dev, pid, username="a-viewer")
    members = s.projects.members(dev, pid)
    assert [(m.username, m.permission) for m in members] == [
        ("a-admin", "OWNER"),
        ("a-developer", "EDITOR"),
    ]
    s.projects.unshare(a["ADMIN"], pid, dev.user_id)
    with pytest.raises(ProjectNotFoundError):
        s.projects.get(dev, pid)


def test_sharing_stays_inside_the_organization(world):
    s, a, pid = world.services, world.a, world.a.project_id
    with pytest.raises(UserNotFoundError):
        s.projects.share(a["ADMIN"], pid, username="b-developer")
    with pytest.raises(UserNotFoundError):
        s.projects.transfer(a["ADMIN"], pid, world.b["ADMIN"].user_id)
    with pytest.raises(InvalidInputError):
        s.projects.share(a["ADMIN"], pid, username="a-developer", permission="OWNER")
    with pytest.raises(ConflictError):  # the owner's permission moves only by transfer
        s.projects.set_permission(a["ADMIN"], pid, a["ADMIN"].user_id, "VIEWER")


def test_transfer_ownership(world):
    s, a, pid = world.services, world.a, world.a.project_id
    dev = a["DEVELOPER"]
    with pytest.raises(InvalidInputError):  # a Viewer cannot own projects
        s.projects.transfer(a["ADMIN"], pid, a["VIEWER"].user_id)
    p = s.projects.transfer(a["ADMIN"], pid, dev.user_id)
    assert p.owner == "a-developer"
    perms = {m.username: m.permission for m in s.projects.members(dev, pid)}
    assert perms == {"a-developer": "OWNER", "a-admin": "EDITOR"}
    assert s.projects.archive(dev, pid).archived  # the new owner may archive
    assert s.projects.restore(dev, pid).archived is False


def test_clone_copies_the_current_schema_not_the_history(world):
    s, a, pid = world.services, world.a, world.a.project_id
    s.pipeline.ask(a["ADMIN"], pid, "how many customers are there?")
    s.projects.share(a["ADMIN"], pid, username="a-developer", permission="VIEWER")
    copy = s.projects.clone(a["DEVELOPER"], pid, "shop copy")
    assert copy.owner == "a-developer" and copy.schema_version == 1
    assert copy.dialect == "sqlite" and copy.permission == "OWNER"
    assert s.conversations.list(a["DEVELOPER"], copy.id) == []
    assert s.pipeline.ask(a["DEVELOPER"], copy.id, "how many customers are there?").rows == [[2]]
    with pytest.raises(ConflictError):
        s.projects.clone(a["DEVELOPER"], pid, "shop copy")


def _set_active(services, user_id: str, active: bool) -> None:
    # The account is the user's own (they belong to their personal organization too), so no
    # org admin may deactivate it: the store does, as an operator's tool would.
    with services.store.session() as s:
        s.get(User, user_id).is_active = active


def test_a_deactivated_user_can_do_nothing(world):
    s, a, pid = world.services, world.a, world.a.project_id
    _set_active(s, a["MANAGER"].user_id, False)
    for call in (
        lambda: s.projects.list(a["MANAGER"]),
        lambda: s.projects.get(a["MANAGER"], pid),
        lambda: s.users.list(a["MANAGER"]),
    ):
        with pytest.raises(ForbiddenError):
            call()
    _set_active(s, a["MANAGER"].user_id, True)
    assert _names(s, a["MANAGER"]) == ["shop"]


def test_names_are_unique_per_organization(world):
    s, a = world.services, world.a
    with pytest.raises(ConflictError):
        s.projects.create(a["DEVELOPER"], "shop")  # the admin's shop is in the same org
    assert s.projects.create(world.b["DEVELOPER"], "dev").name == "dev"


def test_ones_own_history_goes_out_of_reach_with_the_project(world):
    s, a, pid = world.services, world.a, world.a.project_id
    dev = a["DEVELOPER"]
    s.projects.share(a["ADMIN"], pid, username="a-developer", permission="VIEWER")
    answer = s.pipeline.ask(dev, pid, "how many customers are there?")
    assert s.conversations.get(dev, answer.conversation_id)["messages"][0]["row_count"] == 1
    s.projects.unshare(a["ADMIN"], pid, dev.user_id)
    with pytest.raises(ConversationNotFoundError):
        s.conversations.get(dev, answer.conversation_id)
