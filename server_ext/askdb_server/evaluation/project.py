"""``askdb eval --project``: a project's approved question/SQL pairs, on its own database."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..engine.values import ValueIndex
from ..errors import AskDBError, NoApprovedPairsError
from ..identity.who import Identity
from .dataset import DatabaseMissingError, EvalDatabase, EvalItem

if TYPE_CHECKING:
    from ..services import Services


def load_project_pairs(services: Services, who: Identity, project: str) -> list[tuple[str, str]]:
    """The approved (question, SQL) pairs of ``project`` (a name or id), oldest first.

    Raises ``ProjectNotFoundError`` for a project the caller cannot see, and
    ``NoApprovedPairsError`` when the project has none.
    """
    info = services.projects.find(who, project)
    # The knowledge manager owns approved pairs (and checks the caller may read the project).
    rows = [(p.question, p.sql) for p in services.knowledge.list_pairs(who, info.id)]
    if not rows:
        raise NoApprovedPairsError(
            f"The project {info.name!r} has no approved question/SQL pairs yet: approve some "
            "answers first.",
            project=info.name,
        )
    return rows


def project_items(services: Services, who: Identity, project: str) -> list[EvalItem]:
    """The project's approved pairs as evaluation items on the database named after it."""
    name = services.projects.find(who, project).name
    return [EvalItem(name, q, sql) for q, sql in load_project_pairs(services, who, project)]


class ProjectSource:
    """Opens a project's database: its current schema version and, if allowed, its values."""

    def __init__(self, services: Services, who: Identity, project: str) -> None:
        self.services = services
        self.who = who
        self.project = project

    def open(self, db_id: str) -> EvalDatabase:
        info = self.services.projects.find(self.who, self.project)
        try:
            url = self.services.projects.connection_url(self.who, info.id)
            _, schema = self.services.schemas.current_schema(self.who, info.id)
            values = None
            if info.allow_value_lookup:
                values = ValueIndex.build(self.services.connections.engine_for(url), schema)
        except AskDBError as e:
            raise DatabaseMissingError(f"project {info.name!r} ({e.message})") from e
        return EvalDatabase(
            db_id=db_id, url=url, schema=schema, values=values, dialect=info.dialect or "sqlite"
        )
