"""REST handlers for projects: thin wrappers over ProjectManager."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..base.handlers import AskDBHandler
from ..errors import InvalidInputError

PROJECT_ID = r"(?P<project_id>[^/]+)"


class ProjectsHandler(AskDBHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        """List the caller's projects; ``?name=`` filters by exact name,
        ``?include_archived=true`` includes archived ones."""
        who = await self.identity()
        include_archived = self.get_argument("include_archived", "false").lower() == "true"
        projects = await self.call(
            self.services.projects.list, who, include_archived=include_archived
        )
        name = self.get_argument("name", None)
        if name is not None:
            projects = [p for p in projects if p.name == name]
        self.write_json({"projects": [p.to_dict() for p in projects]})

    @web.authenticated
    @authorized
    async def post(self) -> None:
        """Create a project from ``name``, ``description``, ``connection_url`` and
        ``allow_value_lookup``."""
        who = await self.identity()
        body = self.json_body()
        _only(body, {"name", "description", "connection_url", "allow_value_lookup"})
        project = await self.call(
            self.services.projects.create,
            who,
            body.get("name", ""),
            description=body.get("description", ""),
            connection_url=body.get("connection_url"),
            allow_value_lookup=bool(body.get("allow_value_lookup", True)),
        )
        self.set_header("Location", self.request.path.rstrip("/") + "/" + project.id)
        self.write_json(project.to_dict(), status=201)


class ProjectHandler(AskDBHandler):
    @web.authenticated
    @authorized
    async def get(self, project_id: str) -> None:
        """One project (its connection URL without the password)."""
        who = await self.identity()
        project = await self.call(self.services.projects.get, who, project_id)
        self.write_json(project.to_dict())

    @web.authenticated
    @authorized
    async def patch(self, project_id: str) -> None:
        """Change name, description, connection_url or allow_value_lookup."""
        who = await self.identity()
        body = self.json_body()
        project = await self.call(self.services.projects.update, who, project_id, **body)
        self.write_json(project.to_dict())


class ProjectArchiveHandler(AskDBHandler):
    @web.authenticated
    @authorized
    async def post(self, project_id: str) -> None:
        """Archive (soft delete) a project."""
        who = await self.identity()
        self.write_json(
            (await self.call(self.services.projects.archive, who, project_id)).to_dict()
        )


class ProjectRestoreHandler(AskDBHandler):
    @web.authenticated
    @authorized
    async def post(self, project_id: str) -> None:
        """Restore an archived project."""
        who = await self.identity()
        self.write_json(
            (await self.call(self.services.projects.restore, who, project_id)).to_dict()
        )


def _only(body: dict, allowed: set[str]) -> None:
    unknown = set(body) - allowed
    if unknown:
        raise InvalidInputError(f"Unknown field(s): {', '.join(sorted(unknown))}.")


default_handlers = [
    (r"/askdb/api/projects", ProjectsHandler),
    (rf"/askdb/api/projects/{PROJECT_ID}", ProjectHandler),
    (rf"/askdb/api/projects/{PROJECT_ID}/archive", ProjectArchiveHandler),
    (rf"/askdb/api/projects/{PROJECT_ID}/restore", ProjectRestoreHandler),
]
