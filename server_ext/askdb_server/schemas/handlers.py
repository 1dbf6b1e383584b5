"""REST handlers for schema versions: upload (file, text, introspection) and read."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..base.handlers import AskDBHandler
from ..errors import InvalidInputError
from ..keys.scopes import KeyAccess
from ..projects.handlers import PROJECT_ID


class SchemasHandler(AskDBHandler):
    key_access = KeyAccess("schemas", {"GET": "schema:read", "*": "schema:write"})

    @web.authenticated
    @authorized
    async def get(self, project_id: str) -> None:
        """List the project's schema versions, newest first (without their tables)."""
        who = await self.identity()
        versions = await self.call(self.services.schemas.list_versions, who, project_id)
        self.write_json({"versions": [v.to_dict(include_schema=False) for v in versions]})

    @web.authenticated
    @authorized
    async def post(self, project_id: str) -> None:
        """Upload a new schema version: a DDL file (multipart field ``file``), DDL text
        (``{"ddl": ..., "dialect"?}``) or introspection (``{"introspect": true}``)."""
        who = await self.identity()
        schemas = self.services.schemas
        files = self.request.files.get("file")
        if files:
            upload = files[0]
            ddl = _decode(upload["body"])
            dialect = self.get_body_argument("dialect", None)
            version = await self.call_long(
                schemas.upload_ddl,
                who,
                project_id,
                ddl,
                source="ddl_file",
                filename=upload.get("filename"),
                dialect=dialect,
            )
        else:
            body = self.json_body()
            if body.get("introspect"):
                version = await self.call_long(schemas.introspect, who, project_id)
            elif isinstance(body.get("ddl"), str):
                version = await self.call(
                    schemas.upload_ddl,
                    who,
                    project_id,
                    body["ddl"],
                    source="ddl_text",
                    dialect=body.get("dialect"),
                )
            else:
                raise InvalidInputError(
                    'Send a DDL file (multipart field "file"), {"ddl": "..."} '
                    'or {"introspect": true}.'
                )
        self.set_header("Location", f"{self.request.path.rstrip('/')}/{version.version}")
        self.write_json(version.to_dict(), status=201)


class SchemaVersionHandler(AskDBHandler):
    key_access = KeyAccess("schema", {"GET": "schema:read", "*": "schema:write"})

    @web.authenticated
    @authorized
    async def get(self, project_id: str, version: str) -> None:
        """One schema version with its tables; ``current`` is the newest."""
        who = await self.identity()
        # The route takes "current" or digits; the request check (base/validation.py) has
        # answered 404 for a number beyond the column already.
        number = None if version == "current" else int(version)
        info = await self.call(self.services.schemas.get, who, project_id, number)
        self.write_json(info.to_dict())


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InvalidInputError(f"The uploaded file is not UTF-8 text (byte {e.start}).") from e


default_handlers = [
    (rf"/askdb/api/projects/{PROJECT_ID}/schemas", SchemasHandler),
    (
        rf"/askdb/api/projects/{PROJECT_ID}/schemas/(?P<version>current|[0-9]+)",
        SchemaVersionHandler,
    ),
]
