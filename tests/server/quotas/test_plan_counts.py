"""The plan's counts of projects, API keys and members hold under concurrent creations (the
organization's row is locked before counting), on PostgreSQL and on SQLite; clones and
restores of archived projects count as creations."""

from __future__ import annotations

import threading

import pytest

from askdb_server.errors import PlanLimitError
from tests.helpers.world import join

THREADS = 8
ROOM = 3


def _create(world, resource: str, i: int) -> None:
    admin, pid = world.a["ADMIN"], world.a.project_id
    if resource == "projects":
        world.services.projects.create(admin, f"p{i}")
    elif resource == "api_keys":
        world.services.keys.create(admin, pid, {"name": f"k{i}", "scopes": ["chat:read"]})
    else:
        join(world.services, admin, f"newcomer{i}", "VIEWER")


@pytest.mark.parametrize(
    ("resource", "have"), [("projects", 1), ("api_keys", 0), ("team_members", 4)]
)
def test_concurrent_creations_stop_at_exactly_the_plans_count(world, quotas, resource, have):
    world.set_plan("FREE", {resource: have + ROOM})
    start = threading.Barrier(THREADS)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def create(i: int) -> None:
        start.wait()
        try:
            _create(world, resource, i)
            outcomes.append("created")
        except PlanLimitError:
            outcomes.append("refused")
        except BaseException as e:  # noqa: BLE001 - reported below, not lost in the thread
            errors.append(e)

    threads = [threading.Thread(target=create, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sorted(outcomes) == ["created"] * ROOM + ["refused"] * (THREADS - ROOM)
    with pytest.raises(PlanLimitError):
        _create(world, resource, THREADS)


def test_a_clone_or_a_restore_counts_as_a_new_project(world, quotas):
    admin, projects = world.a["ADMIN"], world.services.projects
    world.set_plan("FREE", {"projects": 2})
    second = projects.create(admin, "second")
    with pytest.raises(PlanLimitError):
        projects.clone(admin, world.a.project_id, "copy")
    projects.archive(admin, second.id)  # archived projects do not count
    copy = projects.clone(admin, world.a.project_id, "copy")
    with pytest.raises(PlanLimitError):
        projects.restore(admin, second.id)
    projects.archive(admin, copy.id)
    assert not projects.restore(admin, second.id).archived
