"""REST handlers for projects: thin wrappers over ProjectManager."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..base.handlers import AskDBHandler, reject_unknown_fields
from ..keys.scopes import ADMIN, ADMIN_ONLY, KeyAccess

PROJECT_ID = r"(?P<project_id>[^/]+)"
USER_ID = r"(?P<user_id>[^/]+)"


class ProjectsHandler(AskDBHandler):
    key_access = ADMIN_ONLY

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """List the caller's projects; ``?name=`` filters by exact name,
        ``?include_archived=true`` includes archived ones."""
        who = await self.identity()
        include_archived = self.get_argument("include_archived", "false").lower() == "true"
        projects = await self.call(
            self.services.projects.list,
            who,
            include_archived=include_archived,
            name=self.get_argument("name", None),
        )
        self.write_json({"projects": [p.to_dict() for p in projects]})

    @web.authenticated
    @authorized
    async def post(self) -> None:
        """Create a project from ``name``, ``description``, ``connection_url``,
        ``allow_value_lookup`` and ``store_results``."""
        who = await self.identity()
        body = self.json_body()
        reject_unknown_fields(
            body,
            {"name", "description", "connection_url", "allow_value_lookup", "store_results"},
        )
        project = await self.call(
            self.services.projects.create,
            who,
            body.get("name", ""),
            description=body.get("description", ""),
            connection_url=body.get("connection_url"),
            allow_value_lookup=bool(body.get("allow_value_lookup", True)),
            store_results=bool(body.get("store_results", True)),
        )
        self.set_header("Location", self.request.path.rstrip("/") + "/" + project.id)
        self.write_json(project.to_dict(), status=201)


class ProjectHandler(AskDBHandler):
    key_access = KeyAccess("project", {"GET": "schema:read", "*": ADMIN})

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
        """Change name, description, connection_url, allow_value_lookup or store_results
        (whether answers' rows are kept in the history)."""
        who = await self.identity()
        body = self.json_body()
        project = await self.call(self.services.projects.update, who, project_id, **body)
        self.write_json(project.to_dict())


class ProjectArchiveHandler(AskDBHandler):
    key_access = ADMIN_ONLY

    @web.authenticated
    @authorized
    async def post(self, project_id: str) -> None:
        """Archive (soft delete) a project."""
        who = await self.identity()
        self.write_json(
            (await self.call(self.services.projects.archive, who, project_id)).to_dict()
        )


class ProjectRestoreHandler(AskDBHandler):
    key_access = ADMIN_ONLY

    @web.authenticated
    @authorized
    async def post(self, project_id: str) -> None:
        """Restore an archived project."""
        who = await self.identity()
        self.write_json(
            (await self.call(self.services.projects.restore, who, project_id)).to_dict()
        )


class ProjectMembersHandler(AskDBHandler):
    key_access = ADMIN_ONLY

    @web.authenticated
    @authorized
    async def get(self, project_id: str) -> None:
        """The users the project is shared with and their permissions."""
        who = await self.identity()
        members = await self.call(self.services.projects.members, who, project_id)
        self.write_json({"members": [m.to_dict() for m in members]})


class ProjectShareHandler(AskDBHandler):
    key_access = ADMIN_ONLY

    @web.authenticated
    @authorized
    async def post(self, project_id: str) -> None:
        """Share with a member of the organization: ``user_id`` or ``username``, and
        ``permission`` EDITOR or VIEWER."""
        who = await self.identity()
        body = self.json_body()
        reject_unknown_fields(body, {"user_id", "username", "permission"})
        member = await self.call(
            self.services.projects.share,
            who,
            project_id,
            user_id=body.get("user_id"),
            username=body.get("username"),
            permission=body.get("permission", "VIEWER"),
        )
        self.write_json(member.to_dict(), status=201)


class ProjectShareMemberHandler(AskDBHandler):
    key_access = ADMIN_ONLY

    @web.authenticated
    @authorized
    async def delete(self, project_id: str, user_id: str) -> None:
        """Stop sharing the project with a user."""
        who = await self.identity()
        await self.call(self.services.projects.unshare, who, project_id, user_id)
        self.set_status(204)
        self.finish()


class ProjectPermissionHandler(AskDBHandler):
    key_access = ADMIN_ONLY

    @web.authenticated
    @authorized
    async def patch(self, project_id: str, user_id: str) -> None:
        """Change a member's ``permission`` (EDITOR or VIEWER)."""
        who = await self.identity()
        body = self.json_body()
        reject_unknown_fields(body, {"permission"})
        member = await self.call(
            self.services.projects.set_permission,
            who,
            project_id,
            user_id,
            body.get("permission"),
        )
        self.write_json(member.to_dict())


class ProjectTransferHandler(AskDBHandler):
    key_access = ADMIN_ONLY

    @web.authenticated
    @authorized
    async def post(self, project_id: str) -> None:
        """Make ``user_id`` the project's owner."""
        who = await self.identity()
        body = self.json_body()
        reject_unknown_fields(body, {"user_id"})
        project = await self.call(
            self.services.projects.transfer, who, project_id, str(body.get("user_id") or "")
        )
        self.write_json(project.to_dict())


class ProjectCloneHandler(AskDBHandler):
    key_access = ADMIN_ONLY

    @web.authenticated
    @authorized
    async def post(self, project_id: str) -> None:
        """A new project ``name`` from this one as a template (connection, settings, current
        schema version)."""
        who = await self.identity()
        body = self.json_body()
        reject_unknown_fields(body, {"name"})
        project = await self.call(
            self.services.projects.clone, who, project_id, body.get("name", "")
        )
        base = self.request.path.rsplit("/", 2)[0]
        self.set_header("Location", base + "/" + project.id)
        self.write_json(project.to_dict(), status=201)


default_handlers = [
    (r"/askdb/api/projects", ProjectsHandler),
    (rf"/askdb/api/projects/{PROJECT_ID}", ProjectHandler),
    (rf"/askdb/api/projects/{PROJECT_ID}/archive", ProjectArchiveHandler),
    (rf"/askdb/api/projects/{PROJECT_ID}/restore", ProjectRestoreHandler),
    (rf"/askdb/api/projects/{PROJECT_ID}/members", ProjectMembersHandler),
    (rf"/askdb/api/projects/{PROJECT_ID}/share", ProjectShareHandler),
    (rf"/askdb/api/projects/{PROJECT_ID}/share/{USER_ID}", ProjectShareMemberHandler),
    (rf"/askdb/api/projects/{PROJECT_ID}/permissions/{USER_ID}", ProjectPermissionHandler),
    (rf"/askdb/api/projects/{PROJECT_ID}/transfer", ProjectTransferHandler),
    (rf"/askdb/api/projects/{PROJECT_ID}/clone", ProjectCloneHandler),
]
