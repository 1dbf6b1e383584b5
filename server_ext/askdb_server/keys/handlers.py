"""REST handlers for a project's API keys: thin wrappers over ApiKeyManager."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..base.handlers import AskDBHandler, reject_unknown_fields
from .scopes import ADMIN, KeyAccess

PROJECT_ID = r"(?P<project_id>[^/]+)"
KEY_ID = r"(?P<key_id>[^/]+)"


class ApiKeysHandler(AskDBHandler):
    key_access = KeyAccess("keys", {"*": ADMIN})

    @web.authenticated
    @authorized
    async def get(self, project_id: str) -> None:
        """The project's keys (never their secrets)."""
        who = await self.identity()
        keys = await self.call(self.services.keys.list, who, project_id)
        self.write_json({"keys": keys})

    @web.authenticated
    @authorized
    async def post(self, project_id: str) -> None:
        """Create a key; the response's ``key`` is shown this once."""
        who = await self.identity()
        view, token = await self.call(self.services.keys.create, who, project_id, self.json_body())
        self.set_header("Location", self.request.path.rstrip("/") + "/" + view["id"])
        self.write_json({**view, "key": token}, status=201)


class ApiKeyHandler(AskDBHandler):
    key_access = KeyAccess("key", {"*": ADMIN})

    @web.authenticated
    @authorized
    async def get(self, project_id: str, key_id: str) -> None:
        who = await self.identity()
        self.write_json(await self.call(self.services.keys.get, who, project_id, key_id))

    @web.authenticated
    @authorized
    async def patch(self, project_id: str, key_id: str) -> None:
        """Change name, notes, scopes, endpoints, ip_allow or expires_at."""
        who = await self.identity()
        body = self.json_body()
        view = await self.call(self.services.keys.update, who, project_id, key_id, body)
        self.write_json(view)

    @web.authenticated
    @authorized
    async def delete(self, project_id: str, key_id: str) -> None:
        """Revoke the key at once."""
        who = await self.identity()
        self.write_json(await self.call(self.services.keys.revoke, who, project_id, key_id))


class ApiKeyRotateHandler(AskDBHandler):
    key_access = KeyAccess("key_rotate", {"*": ADMIN})

    @web.authenticated
    @authorized
    async def post(self, project_id: str, key_id: str) -> None:
        """A new key; the old one keeps working for ``overlap_seconds``."""
        who = await self.identity()
        body = self.json_body()
        reject_unknown_fields(body, {"overlap_seconds"})
        view, token = await self.call(
            self.services.keys.rotate, who, project_id, key_id, body.get("overlap_seconds", 0)
        )
        self.write_json({**view, "key": token}, status=201)


class ApiKeyActivityHandler(AskDBHandler):
    key_access = KeyAccess("key_activity", {"*": ADMIN})

    @web.authenticated
    @authorized
    async def get(self, project_id: str, key_id: str) -> None:
        """The key's latest requests and usage statistics; ``?limit=`` (at most 1000)."""
        who = await self.identity()
        limit = self.get_argument("limit", "100")
        if not limit.isdigit():
            limit = "100"
        data = await self.call(
            self.services.keys.activity, who, project_id, key_id, limit=int(limit)
        )
        self.write_json(data)


default_handlers = [
    (rf"/askdb/api/projects/{PROJECT_ID}/keys", ApiKeysHandler),
    (rf"/askdb/api/projects/{PROJECT_ID}/keys/{KEY_ID}", ApiKeyHandler),
    (rf"/askdb/api/projects/{PROJECT_ID}/keys/{KEY_ID}/rotate", ApiKeyRotateHandler),
    (rf"/askdb/api/projects/{PROJECT_ID}/keys/{KEY_ID}/activity", ApiKeyActivityHandler),
]
