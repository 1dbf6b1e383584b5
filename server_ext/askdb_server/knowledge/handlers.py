"""REST handlers for a project's knowledge: docs, approved pairs, search, index rebuild."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..base.handlers import AskDBHandler, reject_unknown_fields
from ..errors import InvalidInputError
from ..keys.scopes import KeyAccess
from ..projects.handlers import PROJECT_ID

DOC_ID = r"(?P<doc_id>[^/]+)"
PAIR_ID = r"(?P<pair_id>[^/]+)"


class DocsHandler(AskDBHandler):
    key_access = KeyAccess("docs", {"GET": "schema:read", "*": "schema:write"})

    @web.authenticated
    @authorized
    async def get(self, project_id: str) -> None:
        """The project's documentation snippets."""
        who = await self.identity()
        docs = await self.call(self.services.knowledge.list_docs, who, project_id)
        self.write_json({"docs": [d.to_dict() for d in docs]})

    @web.authenticated
    @authorized
    async def post(self, project_id: str) -> None:
        """Add a snippet: ``{"body", "title"?}``."""
        who = await self.identity()
        body = self.json_body()
        reject_unknown_fields(body, {"body", "title"})
        doc = await self.call(
            self.services.knowledge.add_doc,
            who,
            project_id,
            body.get("body"),
            _optional_str(body, "title"),
        )
        self.set_header("Location", self.request.path.rstrip("/") + "/" + doc.id)
        self.write_json(doc.to_dict(), status=201)


class DocHandler(AskDBHandler):
    key_access = KeyAccess("doc", {"GET": "schema:read", "*": "schema:write"})

    @web.authenticated
    @authorized
    async def delete(self, project_id: str, doc_id: str) -> None:
        """Delete a snippet."""
        who = await self.identity()
        await self.call(self.services.knowledge.delete_doc, who, project_id, doc_id)
        self.set_status(204)
        self.finish()


class GoldenPairsHandler(AskDBHandler):
    key_access = KeyAccess("golden", {"GET": "schema:read", "*": "schema:write"})

    @web.authenticated
    @authorized
    async def get(self, project_id: str) -> None:
        """The project's approved question/SQL pairs."""
        who = await self.identity()
        pairs = await self.call(self.services.knowledge.list_pairs, who, project_id)
        self.write_json({"pairs": [p.to_dict() for p in pairs]})

    @web.authenticated
    @authorized
    async def post(self, project_id: str) -> None:
        """Approve a pair: ``{"question", "sql"}``, or ``{"message_id"}`` for an answered
        question of one of the caller's conversations. The SQL must pass the guard."""
        who = await self.identity()
        body = self.json_body()
        knowledge = self.services.knowledge
        if "message_id" in body:
            reject_unknown_fields(body, {"message_id"})
            message_id = body["message_id"]
            if not isinstance(message_id, str):
                raise InvalidInputError("message_id must be a string.")
            pair = await self.call(knowledge.approve_message, who, project_id, message_id)
        else:
            reject_unknown_fields(body, {"question", "sql"})
            pair = await self.call(
                knowledge.approve, who, project_id, body.get("question"), body.get("sql")
            )
        self.set_header("Location", self.request.path.rstrip("/") + "/" + pair.id)
        self.write_json(pair.to_dict(), status=201)


class GoldenPairHandler(AskDBHandler):
    key_access = KeyAccess("golden_pair", {"GET": "schema:read", "*": "schema:write"})

    @web.authenticated
    @authorized
    async def delete(self, project_id: str, pair_id: str) -> None:
        """Withdraw an approval."""
        who = await self.identity()
        await self.call(self.services.knowledge.delete_pair, who, project_id, pair_id)
        self.set_status(204)
        self.finish()


class SearchHandler(AskDBHandler):
    key_access = KeyAccess("search", {"*": "schema:read"})

    @web.authenticated
    @authorized
    async def get(self, project_id: str) -> None:
        """The indexed chunks nearest to ``?q=``; ``?kind=`` (repeatable: schema, doc,
        golden) filters, ``?limit=`` (default 5) caps."""
        who = await self.identity()
        query = self.get_argument("q", "").strip()
        if not query:
            raise InvalidInputError("Send ?q= with the text to search for.")
        try:
            limit = int(self.get_argument("limit", "5"))
        except ValueError as e:
            raise InvalidInputError("limit must be a whole number.") from e
        hits = await self.call(
            self.services.knowledge.search,
            who,
            project_id,
            query,
            kinds=self.get_arguments("kind") or None,
            limit=limit,
        )
        self.write_json({"query": query, "hits": [h.to_dict() for h in hits]})


class RebuildHandler(AskDBHandler):
    key_access = KeyAccess("index_rebuild", {"*": "schema:write"})

    @web.authenticated
    @authorized
    async def post(self, project_id: str) -> None:
        """Re-index the project (schema chunks, docs, pairs) from scratch."""
        who = await self.identity()
        report = await self.call_long(self.services.knowledge.rebuild, who, project_id)
        self.write_json({"indexed": report.total, "removed": report.removed})


def _optional_str(body: dict, key: str) -> str:
    value = body.get(key) or ""
    if not isinstance(value, str):
        raise InvalidInputError(f"{key} must be a string.")
    return value


default_handlers = [
    (rf"/askdb/api/projects/{PROJECT_ID}/docs", DocsHandler),
    (rf"/askdb/api/projects/{PROJECT_ID}/docs/{DOC_ID}", DocHandler),
    (rf"/askdb/api/projects/{PROJECT_ID}/golden", GoldenPairsHandler),
    (rf"/askdb/api/projects/{PROJECT_ID}/golden/{PAIR_ID}", GoldenPairHandler),
    (rf"/askdb/api/projects/{PROJECT_ID}/search", SearchHandler),
    (rf"/askdb/api/projects/{PROJECT_ID}/index/rebuild", RebuildHandler),
]
