"""``%askdb projects`` and ``%askdb schema``: read-only views of what the user has."""

from __future__ import annotations

from ..client import JSON, AskDBClient
from ..views import ProjectsView, SchemaView


def list_projects(client: AskDBClient, current: JSON | None) -> ProjectsView:
    """The caller's projects, the connected one marked."""
    return ProjectsView(client.list_projects(), current["id"] if current else None)


def show_schema(client: AskDBClient, project: JSON) -> SchemaView:
    """The project's current schema version as a compact view."""
    return SchemaView(project, client.current_schema(project["id"]))
