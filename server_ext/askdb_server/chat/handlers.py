"""REST handlers for asking, running SQL, and conversations.

``ask`` and ``run`` answer with JSON, or stream Server-Sent Events when the client sends
``Accept: text/event-stream``. Closing the stream cancels the work: the pipeline stops between
steps and the running database query is interrupted.
"""

from __future__ import annotations

import asyncio
import json
import threading

from jupyter_server.auth.decorator import authorized
from jupyter_server.utils import url_path_join
from tornado import web
from tornado.iostream import StreamClosedError

from ..base.handlers import AskDBHandler, problem_body
from ..errors import AskDBError, InvalidInputError
from ..keys.scopes import ADMIN_ONLY, KeyAccess
from ..projects.handlers import PROJECT_ID

# While a long query runs no event is due; a comment every few seconds keeps proxies from timing
# the stream out and lets a forwarding server notice that its client has gone.
KEEP_ALIVE_SECONDS = 2.0
KEEP_ALIVE = ("keep-alive", {})

CONVERSATION_ID = r"(?P<conversation_id>[^/]+)"


class _AnswerHandler(AskDBHandler):
    """Shared by ask and run: JSON or an SSE stream of the pipeline's events."""

    _cancel: threading.Event | None = None
    # An API-key request's call is charged with the key check (one transaction).
    charges_call = True

    def wants_stream(self) -> bool:
        return "text/event-stream" in self.request.headers.get("Accept", "")

    async def answer(self, fn, *args, **kwargs) -> None:
        project_id = args[1]
        await self.charge_call(project_id)
        if not self.wants_stream():
            result = await self.call(fn, *args, **kwargs)
            await self.charge_message_tokens(project_id, result.message_id)
            self.write_json(result.to_dict())
            return
        await self._stream(fn, *args, **kwargs)

    async def _stream(self, fn, *args, **kwargs) -> None:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue = asyncio.Queue()
        self._cancel = threading.Event()

        def on_event(name: str, data: dict) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, (name, data))

        self.set_header("Content-Type", "text/event-stream")
        self.set_header("Cache-Control", "no-cache")
        self.set_header("X-Accel-Buffering", "no")
        work = loop.run_in_executor(
            None, lambda: fn(*args, on_event=on_event, cancel=self._cancel, **kwargs)
        )
        work.add_done_callback(lambda _f: loop.call_soon_threadsafe(queue.put_nowait, None))
        try:
            while (item := await self._next_event(queue)) is not None:
                if item == KEEP_ALIVE:
                    self.write(": keep-alive\n\n")  # an SSE comment: clients ignore it
                    await self.flush()  # and a gone client (or proxy) shows up as closed
                    continue
                await self._send(*item)
            try:
                answer = work.result()
                await self.charge_message_tokens(args[1], answer.message_id)
                await self._send(
                    "done",
                    {
                        "conversation_id": answer.conversation_id,
                        "message_id": answer.message_id,
                        "timings_ms": answer.timings_ms,
                    },
                )
            except Exception as e:
                if not isinstance(e, AskDBError):
                    self.log.exception("AskDB: unexpected error while answering")
                await self._send("error", problem_body(e))
        except StreamClosedError:
            self._cancel.set()
            return
        self.finish(set_content_type="text/event-stream")

    async def _next_event(self, queue: asyncio.Queue):
        try:
            return await asyncio.wait_for(queue.get(), KEEP_ALIVE_SECONDS)
        except asyncio.TimeoutError:
            return KEEP_ALIVE

    async def _send(self, event: str, data: dict) -> None:
        self.write(f"event: {event}\ndata: {json.dumps(data, default=str)}\n\n")
        await self.flush()

    def on_connection_close(self) -> None:
        # The client went away (the panel's Stop button): stop generating and querying.
        if self._cancel is not None:
            self._cancel.set()
        super().on_connection_close()


class AskHandler(_AnswerHandler):
    key_access = KeyAccess("ask", {"POST": "query:generate"})

    @web.authenticated
    @authorized
    async def post(self, project_id: str) -> None:
        """Ask a question: ``{"question", "conversation_id"?}`` → SQL and rows."""
        who = await self.identity()
        body = self.json_body()
        question = body.get("question")
        if not isinstance(question, str):
            raise InvalidInputError('Send {"question": "..."}.')
        await self.answer(
            self.services.pipeline.ask,
            who,
            project_id,
            question,
            conversation_id=body.get("conversation_id"),
        )


class RunHandler(_AnswerHandler):
    key_access = KeyAccess("run", {"POST": "query:execute"})

    @web.authenticated
    @authorized
    async def post(self, project_id: str) -> None:
        """Run the caller's SQL through the guard: ``{"sql", "conversation_id"?}``."""
        who = await self.identity()
        body = self.json_body()
        sql = body.get("sql")
        if not isinstance(sql, str):
            raise InvalidInputError('Send {"sql": "..."}.')
        await self.answer(
            self.services.pipeline.run_sql,
            who,
            project_id,
            sql,
            conversation_id=body.get("conversation_id"),
        )


class ConversationsHandler(AskDBHandler):
    key_access = KeyAccess("conversations", {"GET": "chat:read", "*": "chat:write"})

    @web.authenticated
    @authorized
    async def get(self, project_id: str) -> None:
        """The caller's conversations on a project, most recent first."""
        who = await self.identity()
        items = await self.call(self.services.conversations.list, who, project_id)
        self.write_json({"conversations": items})

    @web.authenticated
    @authorized
    async def post(self, project_id: str) -> None:
        """Start an empty conversation: ``{"title"?}``. A client that knows the id before it
        asks keeps every turn (failed or stopped ones too) in the conversation it shows."""
        who = await self.identity()
        title = self.json_body().get("title") or "New conversation"
        if not isinstance(title, str):
            raise InvalidInputError('Send {"title": "..."} or an empty object.')
        conv_id = await self.call(self.services.conversations.open, who, project_id, None, title)
        conv = await self.call(self.services.conversations.get, who, conv_id)
        self.set_header(
            "Location", url_path_join(self.base_url, "askdb/api/conversations", conv_id)
        )
        self.write_json(conv, status=201)


class ConversationHandler(AskDBHandler):
    key_access = ADMIN_ONLY

    @web.authenticated
    @authorized
    async def get(self, conversation_id: str) -> None:
        """One conversation with its messages."""
        who = await self.identity()
        self.write_json(await self.call(self.services.conversations.get, who, conversation_id))

    @web.authenticated
    @authorized
    async def patch(self, conversation_id: str) -> None:
        """Rename: ``{"title"}``."""
        who = await self.identity()
        title = self.json_body().get("title", "")
        self.write_json(
            await self.call(self.services.conversations.rename, who, conversation_id, title)
        )

    @web.authenticated
    @authorized
    async def delete(self, conversation_id: str) -> None:
        """Delete a conversation and its messages."""
        who = await self.identity()
        await self.call(self.services.conversations.delete, who, conversation_id)
        self.set_status(204)
        self.finish()


default_handlers = [
    (rf"/askdb/api/projects/{PROJECT_ID}/ask", AskHandler),
    (rf"/askdb/api/projects/{PROJECT_ID}/run", RunHandler),
    (rf"/askdb/api/projects/{PROJECT_ID}/conversations", ConversationsHandler),
    (rf"/askdb/api/conversations/{CONVERSATION_ID}", ConversationHandler),
]
