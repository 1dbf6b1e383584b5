"""One organization per decision, through the managers: a VIEWER of organization a who is
ADMIN of their personal organization gains nothing on a's projects by making the personal one
current (the probe's finding), and a DEVELOPER of a loses nothing by it."""

from __future__ import annotations

import pytest

from askdb_server.errors import ForbiddenError, ProjectNotFoundError
from tests.helpers.world import join

SHOP = {"name": "probe", "scopes": ["query:generate"]}


@pytest.fixture
def switched(world):
    """a's viewer and developer, each with their personal organization current."""
    s, a = world.services, world.a
    s.projects.share(a["ADMIN"], a.project_id, username="a-viewer", permission="EDITOR")
    s.projects.share(a["ADMIN"], a.project_id, username="a-developer", permission="EDITOR")
    for role in ("VIEWER", "DEVELOPER"):
        who = a[role]
        personal = next(m for m in _orgs(s, who) if m != s.orgs.current(a["ADMIN"]).id)
        s.users.update_me(who, org_id=personal)
        assert s.orgs.current(who).role == "ADMIN"  # admin of the organization now current
    return world


def _orgs(services, who):
    from askdb_server.store.models import OrgMembership

    with services.store.session() as s:
        return [m.org_id for m in s.query(OrgMembership).filter_by(user_id=who.user_id)]


def test_the_current_organization_lends_no_role_to_another_organizations_project(switched):
    s, a, pid = switched.services, switched.a, switched.a.project_id
    viewer = a["VIEWER"]
    _view, token = s.keys.create(a["ADMIN"], pid, SHOP)
    key_id = _view["id"]
    for call in (
        lambda: s.keys.create(viewer, pid, SHOP),
        lambda: s.keys.list(viewer, pid),
        lambda: s.keys.get(viewer, pid, key_id),
        lambda: s.keys.update(viewer, pid, key_id, {"name": "mine"}),
        lambda: s.keys.rotate(viewer, pid, key_id, 0),
        lambda: s.keys.revoke(viewer, pid, key_id),
        lambda: s.keys.activity(viewer, pid, key_id),
        lambda: s.projects.clone(viewer, pid, "copy"),
    ):
        with pytest.raises(ForbiddenError):
            call()
    assert s.keys.get(a["ADMIN"], pid, key_id)["revoked_at"] is None
    assert [p.name for p in s.projects.list(a["ADMIN"])] == ["shop"]  # no clone was made


def test_a_role_in_the_projects_organization_holds_whatever_is_current(switched):
    s, a, pid = switched.services, switched.a, switched.a.project_id
    dev = a["DEVELOPER"]
    view, _token = s.keys.create(dev, pid, SHOP)
    assert [k["id"] for k in s.keys.list(dev, pid)] == [view["id"]]
    clone = s.projects.clone(dev, pid, "copy")
    assert clone.org_id == s.orgs.current(a["ADMIN"]).id  # in the template's organization
    assert s.keys.revoke(dev, pid, view["id"])["revoked_at"] is not None


def test_another_organizations_member_still_sees_nothing(world):
    s, a, b = world.services, world.a, world.b
    # b's admin joins a as VIEWER, then goes back to b, where they are ADMIN.
    join(s, a["ADMIN"], "b-admin", "VIEWER")
    s.users.update_me(b["ADMIN"], org_id=s.orgs.current(b["MANAGER"]).id)
    with pytest.raises(ProjectNotFoundError):
        s.keys.list(b["ADMIN"], a.project_id)  # a VIEWER of a, and the project is not shared
    s.projects.share(a["ADMIN"], a.project_id, username="b-admin", permission="EDITOR")
    with pytest.raises(ForbiddenError):
        s.keys.list(b["ADMIN"], a.project_id)  # seen now, but a VIEWER manages no keys
