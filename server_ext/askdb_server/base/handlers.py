"""The base of every AskDB REST handler: identity, JSON in and out, and errors as problem+json.

Domain errors (``AskDBError``) are mapped to HTTP in exactly one place, ``write_error``: the
status comes from the error class and the body is ``application/problem+json``, written by
``problem_body`` (which also writes the SSE ``error`` event of a stream). Anything else is a
500 whose body says nothing about internals (the traceback goes to the server log).

Every handler declares how API keys reach it, ``key_access`` (``keys/scopes.py``), the way
it declares ``auth_resource``; ``prepare`` turns a keyed request into a ``GuardRequest`` for
the key guard, which never sees the handler.
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar
from urllib.parse import quote

from jupyter_server.auth.identity import User
from jupyter_server.base.call_context import CallContext
from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado import httputil, web

from ..errors import AskDBError, InvalidInputError
from ..keys import guard
from ..keys.network import client_ip
from ..keys.scopes import ADMIN_ONLY, KeyAccess, key_access_of
from ..users.manager import Identity
from . import validation

if TYPE_CHECKING:
    from ..keys.manager import KeyContext
    from ..services import Services

T = TypeVar("T")
AUTH_RESOURCE = "askdb"


class AskDBHandler(ExtensionHandlerMixin, APIHandler):
    """Common behaviour of the AskDB API handlers."""

    auth_resource = AUTH_RESOURCE
    # How API keys reach this handler: its route name and the scope of each method, or
    # ADMIN_ONLY. Every handler declares it on its own class; None (undeclared) is closed to
    # keys as ADMIN_ONLY is, and fails the test that walks the registered handlers.
    key_access: ClassVar[KeyAccess | None] = None
    # Whether an API-key request's call is charged to the quota with the key check (one
    # transaction); ``charge_call`` then skips it.
    charges_call: ClassVar[bool] = False
    # The API key this request authenticated with (None: Jupyter's own authentication).
    _askdb_key: KeyContext | None = None
    # The request's JSON body once parsed and checked (validation.parse_json).
    _askdb_body: Any = None

    async def prepare(self) -> None:
        """Authenticate, then check the request against its OpenAPI operation before any
        handler code runs (base/validation.py)."""
        await self._authenticate()
        self.check_request()

    async def _authenticate(self) -> None:
        """Authenticate an ``Authorization: Bearer askdb_...`` key, or defer to Jupyter.

        A key is not an ambient credential (no cookie), so no XSRF or origin check applies.
        """
        token = guard.bearer_key(self.request.headers.get("Authorization"))
        if token is None:
            return await super().prepare()
        CallContext.set(CallContext.JUPYTER_HANDLER, self)
        self.current_user = self._jupyter_current_user = None
        if not self.check_host():
            raise web.HTTPError(403)
        self._askdb_key, rate = await guard.authenticate(
            token, self.guard_request(), self.key_gate()
        )
        for name, value in (rate.headers() if rate else {}).items():
            self.set_header(name, value)
        self.current_user = self._jupyter_current_user = User(username=self._askdb_key.username)
        self.set_cors_headers()

    def guard_request(self) -> guard.GuardRequest:
        """This request as the API-key guard sees it, with the route and scope this handler
        class declares (``key_access``) for its method."""
        access = key_access_of(type(self))
        method = self.request.method or "GET"
        return guard.GuardRequest(
            method=method,
            path=self.request.path,
            client_ip=self.request_ip(),
            headers=self.request.headers,
            project_id=(self.path_kwargs or {}).get("project_id"),
            route=access.route,
            scope=access.scope(method),
            charge=self.charges_call,
        )

    def request_ip(self) -> str:
        """The client's address: the socket's peer, or the forwarded client when the peer is
        one of the configured ``trusted_proxies`` (``X-Forwarded-For`` is ignored otherwise,
        even when the Jupyter server trusts X-headers)."""
        request = self.request
        context = getattr(request.connection, "context", None)
        peer = getattr(context, "_orig_remote_ip", None) or request.remote_ip or ""
        trusted = self.settings.get("askdb_trusted_proxies") or []
        return client_ip(peer, request.headers.get("X-Forwarded-For"), trusted)

    def key_gate(self) -> guard.KeyGate:
        """What checks a key: PostgreSQL's ``PgKeyGate`` when the store has one, else the ORM
        check on the guard's own threads."""
        services = self.services
        if services.key_gate is not None:
            return services.key_gate
        return guard.OrmKeyGate(services, services.guard_executor)

    @property
    def services(self) -> Services:
        return self.settings["askdb_services"]

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a (blocking) manager call on a worker thread, off the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, functools.partial(fn, *args, **kwargs))

    async def call_long(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run long work (an index rebuild, introspecting a database: seconds, and the first
        rebuild loads the embedding model) on the service's long-work threads: never on the
        event loop, and never on the default executor's threads every short request needs."""
        loop = asyncio.get_running_loop()
        executor = getattr(self.services, "long_executor", None)
        return await loop.run_in_executor(executor, functools.partial(fn, *args, **kwargs))

    async def call_guard(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a short store call of the API-key guard path on its own two threads: the
        default executor's many threads, all waking for sub-millisecond statements, spend
        more time passing the GIL around than running."""
        loop = asyncio.get_running_loop()
        executor = self.services.guard_executor
        return await loop.run_in_executor(executor, functools.partial(fn, *args, **kwargs))

    async def record_audit(self, action: str, **kwargs: Any) -> None:
        """Append an audit event for this request in its own transaction (``AuditLog.record``
        arguments): queued at once for the background writer where there is one, else
        written on the guard's threads."""
        who = await self.identity()
        audit = self.services.audit_log
        if audit.records_in_background:  # a queue append: no need to leave the event loop
            audit.record(who, action, **kwargs)
        else:
            await self.call_guard(audit.record, who, action, **kwargs)

    async def identity(self) -> Identity:
        """The caller as an AskDB identity, created on first sight and cached per process.

        In local mode every authenticated request is the server's owner (``local_user``);
        a request made with an API key is the key's creator, whatever the mode.
        """
        if self._askdb_key is not None:
            return self._askdb_key.identity
        username = self.settings.get("askdb_local_user") or self.current_user.username
        cache: dict[str, Identity] = self.settings["askdb_identities"]
        if username not in cache:
            cache[username] = await self.call(self.services.users.ensure, username)
        return cache[username]

    async def charge_call(self, project_id: str) -> None:
        """Charge one call to the project's (and the API key's) daily quota, or raise
        QuotaExceededError (429); a no-op unless quotas are enforced. A handler that sets
        ``charges_call`` had an API-key request charged with the key check already."""
        key = self._askdb_key
        if key is not None and self.charges_call:
            return
        await self.call(
            self.services.quotas.charge_call,
            project_id,
            key.key_id if key else None,
            key.calls_per_day if key else None,
            key_tokens=key.tokens_per_month if key else None,
        )

    async def charge_message_tokens(self, project_id: str, message_id: str) -> None:
        """Charge the tokens of an answered message to the project (and the API key)."""
        key = self._askdb_key
        await self.call(
            self.services.quotas.charge_message_tokens,
            project_id,
            message_id,
            key.key_id if key else None,
            key.tokens_per_month if key else None,
        )

    def check_request(self) -> None:
        """Parse the JSON body and check it and the path and query parameters against the
        request's OpenAPI operation; an AskDBError (400, 404, 413) says what is wrong.

        A request that did not authenticate to a handler that needs it is left to the
        handler's ``@web.authenticated``, so it learns nothing from the check.
        """
        if len(self.request.body) > validation.MAX_UPLOAD_BYTES:
            raise validation.BodyTooLargeError(
                f"A request body may be at most {validation.MAX_UPLOAD_BYTES} bytes."
            )
        method = getattr(self, self.request.method.lower(), None)
        if self.current_user is None and not getattr(method, "__allow_unauthenticated", False):
            return
        schemas = self.settings.get("askdb_request_schemas")
        if schemas is None:
            from ..openapi import openapi_document

            schemas = self.settings["askdb_request_schemas"] = validation.RequestSchemas(
                openapi_document()
            )
        op = schemas.operation(self._api_path(), self.request.method)
        if op is None:
            return
        schemas.check_parameters(op, self.path_kwargs, self.request.query_arguments)
        if op.body is not None and not self._is_form():
            schemas.check_body(op, self.json_body())

    def _api_path(self) -> str:
        """The request's path from ``/askdb/``, still percent-encoded like the routes see it
        (the base URL may be written either way: ``/a@b/`` arrives as ``/a%40b/``)."""
        path = self.request.path
        for base in (self.base_url, quote(self.base_url, safe="/")):
            if path.startswith(base):
                return path[len(base) - 1 :]
        return path[max(path.find("/askdb/"), 0) :]

    def _is_form(self) -> bool:
        content_type = self.request.headers.get("Content-Type", "")
        return content_type.startswith("multipart/form-data")

    def json_body(self) -> dict:
        """The request's JSON object body (``{}`` when empty), or an InvalidInputError
        saying what is wrong: not JSON, not an object, too deep, NUL or lone surrogates."""
        if self._askdb_body is None:
            raw = self.request.body
            self._askdb_body = validation.parse_json(raw) if raw.strip() else {}
        if not isinstance(self._askdb_body, dict):
            raise InvalidInputError("The request body must be a JSON object.")
        return self._askdb_body

    def write_json(self, data: Any, status: int = 200) -> None:
        self.set_status(status)
        self.finish(json.dumps(data, default=str))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, AskDBError):
            self.set_status(exc.status, reason=exc.title)
            retry_after = getattr(exc, "retry_after", None)
            if retry_after:
                self.set_header("Retry-After", str(retry_after))
            for name, value in exc.headers.items():
                self.set_header(name, value)
        problem = problem_body(exc, status_code, self._reason)
        self.finish(json.dumps(problem, default=str), set_content_type="application/problem+json")

    def log_exception(self, typ, value, tb) -> None:
        # A user's mistake is not a server fault: log it briefly, without a traceback.
        if isinstance(value, AskDBError):
            self.log.info("AskDB %s: %s", value.code, value.message)
            return
        super().log_exception(typ, value, tb)


def problem_body(
    error: BaseException | None, status: int = 500, reason: str | None = None
) -> dict[str, Any]:
    """The ``application/problem+json`` body that reports ``error``: an AskDBError's own
    (its code, status, message and details); for anything else a body with the HTTP
    ``status`` and ``reason`` that says nothing about internals (a tornado HTTPError's log
    message is the detail when it has one). What ``write_error`` answers and what a stream
    sends as its ``error`` event."""
    if isinstance(error, AskDBError):
        return error.to_problem()
    title = reason or httputil.responses.get(status, "Unknown")
    said = error.log_message if isinstance(error, web.HTTPError) and error.log_message else None
    internal = status >= 500
    return {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": said or ("Internal server error: see the server log." if internal else title),
        "code": "internal_error" if internal else "http_error",
    }


def reject_unknown_fields(body: dict, allowed: set[str]) -> None:
    """An InvalidInputError naming the fields of ``body`` this endpoint does not take."""
    unknown = set(body) - allowed
    if unknown:
        raise InvalidInputError(f"Unknown field(s): {', '.join(sorted(unknown))}.")


class UnknownEndpointHandler(AskDBHandler):
    """Every path under ``askdb/api/`` that no AskDB route serves: a problem+json 404 for
    any method (registered last, so it never shadows a real route)."""

    key_access = ADMIN_ONLY  # never reached: prepare answers 404 before any authentication

    async def prepare(self) -> None:
        raise validation.UnknownEndpointError(f"No AskDB endpoint at {self.request.path}.")

    def check_xsrf_cookie(self) -> None:  # nothing to protect: the answer is always 404
        return None
