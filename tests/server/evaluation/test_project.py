"""``askdb eval --project``: a project's approved question/SQL pairs on its own database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from askdb_server.errors import NoApprovedPairsError, ProjectNotFoundError
from askdb_server.evaluation.project import load_project_pairs, project_items
from askdb_server.services import Services, Settings
from askdb_server.store.models import GoldenPair
from tests.helpers.spider import make_spider_folder


@pytest.fixture
def services(tmp_path: Path):
    svc = Services.build(Settings.defaults(tmp_path / "askdb", use_embeddings=False))
    yield svc
    svc.close()


def _zoo_project(services: Services, tmp_path: Path, name: str = "zoo"):
    folder = make_spider_folder(tmp_path / "spider")
    who = services.users.ensure("ana")
    url = f"sqlite:///{folder / 'database' / 'zoo' / 'zoo.sqlite'}"
    project = services.projects.create(who, name, connection_url=url)
    services.schemas.introspect(who, project.id)
    return who, project


def _approve(services: Services, project_id: str, pairs: list[tuple[str, str]]) -> None:
    # Approved pairs are written the way the store keeps them; the approval API lives in rag.
    with services.store.session() as s:
        s.add_all(GoldenPair(project_id=project_id, question=q, sql=sql) for q, sql in pairs)


def test_a_project_without_pairs_says_so(services: Services, tmp_path: Path) -> None:
    who, project = _zoo_project(services, tmp_path)
    with pytest.raises(NoApprovedPairsError, match="no approved question/SQL pairs yet"):
        load_project_pairs(services, who, "zoo")
    with pytest.raises(ProjectNotFoundError):
        load_project_pairs(services, who, "elsewhere")


def test_pairs_become_items_in_approval_order(services: Services, tmp_path: Path) -> None:
    who, project = _zoo_project(services, tmp_path)
    _approve(services, project.id, [("How many animals are there?", "SELECT count(*) FROM animal")])
    _approve(services, project.id, [("How many keepers are there?", "SELECT count(*) FROM keeper")])
    items = project_items(services, who, project.id)
    assert [(i.db_id, i.question) for i in items] == [
        ("zoo", "How many animals are there?"),
        ("zoo", "How many keepers are there?"),
    ]


def test_cli_evaluates_a_project(services: Services, tmp_path: Path) -> None:
    who, project = _zoo_project(services, tmp_path)
    _approve(
        services,
        project.id,
        [
            ("How many animals are there?", "SELECT count(*) FROM animal"),
            ("How many keepers are there?", "SELECT count(*) FROM animal"),  # approved, but wrong
        ],
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "askdb_server.cli",
            "eval",
            "--project",
            "zoo",
            "--user",
            "ana",
            "--askdb-data-dir",
            str(tmp_path / "askdb"),
            "--no-embeddings",
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    assert "2 questions on 1 databases" in done.stdout
    assert "execution accuracy: 50.0% (1/2)" in done.stdout
    empty = subprocess.run(
        [
            sys.executable,
            "-m",
            "askdb_server.cli",
            "eval",
            "--project",
            "zoo",
            "--user",
            "bo",
            "--askdb-data-dir",
            str(tmp_path / "askdb"),
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
    )
    assert empty.returncode == 2 and "No project named 'zoo'" in empty.stderr
