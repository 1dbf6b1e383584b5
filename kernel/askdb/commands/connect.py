"""``%askdb connect NAME`` or ``%askdb connect DATABASE_URL``."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import URL

from askdb_server.errors import DatabaseUnreachableError
from askdb_server.sqlrun.urls import parse_database_url, redact, render

from ..client import JSON, AskDBClient

FILE_BACKENDS = {"sqlite", "duckdb"}


def connect(client: AskDBClient, target: str) -> JSON:
    """The project ``target`` names, or the one for the database URL ``target``.

    A URL uses the caller's project already connected to that database, or creates one named
    after the file or database. A project with a connection but no schema yet gets one read
    from the live database, so questions can be asked straight away.
    """
    project = _project_for_url(client, target) if "://" in target else client.find_project(target)
    if project.get("schema_version") is None and project.get("connection_url"):
        version = client.introspect(project["id"])
        project = {**project, "schema_version": version.get("version")}
    return project


def project_name_for_url(url: URL) -> str:
    """``sqlite:///data/shop.db`` -> ``shop``; ``postgresql://h/sales`` -> ``sales``."""
    database = url.database or ""
    if url.get_backend_name() in FILE_BACKENDS:
        database = Path(database).stem if database not in ("", ":memory:") else "memory"
    return database or url.get_backend_name()


def _project_for_url(client: AskDBClient, url: str) -> JSON:
    parsed = _absolute_file_path(parse_database_url(url))
    shown = redact(parsed)
    projects = client.list_projects()
    for project in projects:
        if project.get("connection_url") == shown:
            return project
    taken = {p["name"] for p in projects}
    base = name = project_name_for_url(parsed)
    n = 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    return client.create_project(name, connection_url=render(parsed))


def _absolute_file_path(url: URL) -> URL:
    """File databases by absolute path: the server's working directory is not the kernel's."""
    if url.get_backend_name() not in FILE_BACKENDS or url.database in (None, "", ":memory:"):
        return url
    path = Path(url.database).expanduser().resolve()
    if not path.is_file():
        raise DatabaseUnreachableError(f"No database file at {path}.")
    return url.set(database=str(path))
