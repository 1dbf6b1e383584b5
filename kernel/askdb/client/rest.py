"""``RestClient``: the AskDB REST API of a Jupyter server (or the hub service) over HTTP."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import requests

from .base import JSON
from .errors import AskDBClientError, error_from_problem

try:
    from askdb_server.errors import ProjectNotFoundError
except ImportError:  # pragma: no cover - both halves ship together today
    ProjectNotFoundError = None  # type: ignore[assignment,misc]

# Asking may wait on the database's statement timeout plus generation; connecting should not.
CONNECT_TIMEOUT_S = 10.0
READ_TIMEOUT_S = 300.0


class RestClient:
    """Calls ``<base_url>askdb/api/...`` with ``Authorization: token <token>``."""

    def __init__(self, base_url: str, token: str = "") -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self.api_url = self.base_url + "askdb/api/"
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"token {token}"
        self.session.headers["Accept"] = "application/json"

    def __repr__(self) -> str:
        return f"RestClient({self.base_url!r})"

    # -- the AskDBClient interface ---------------------------------------------------------------
    def list_projects(self) -> list[JSON]:
        return self._call("GET", "projects")["projects"]

    def find_project(self, name_or_id: str) -> JSON:
        found = self._call("GET", "projects", params={"name": name_or_id})["projects"]
        if found:
            return found[0]
        try:
            return self._call("GET", f"projects/{quote(name_or_id, safe='')}")
        except Exception as e:
            if getattr(e, "code", None) in {"project_not_found", "not_found", "http_404"}:
                raise _project_not_found(name_or_id) from None
            raise

    def create_project(
        self, name: str, *, connection_url: str | None = None, description: str = ""
    ) -> JSON:
        body: JSON = {"name": name, "description": description}
        if connection_url:
            body["connection_url"] = connection_url
        return self._call("POST", "projects", json=body)

    def introspect(self, project_id: str) -> JSON:
        return self._call("POST", f"projects/{project_id}/schemas", json={"introspect": True})

    def current_schema(self, project_id: str) -> JSON:
        return self._call("GET", f"projects/{project_id}/schemas/current")

    def ask(self, project_id: str, question: str, conversation_id: str | None = None) -> JSON:
        body = {"question": question, "conversation_id": conversation_id}
        return self._call("POST", f"projects/{project_id}/ask", json=body)

    def run_sql(self, project_id: str, sql: str, conversation_id: str | None = None) -> JSON:
        body = {"sql": sql, "conversation_id": conversation_id}
        return self._call("POST", f"projects/{project_id}/run", json=body)

    def list_docs(self, project_id: str) -> list[JSON]:
        return self._call("GET", f"projects/{project_id}/docs")["docs"]

    def add_doc(self, project_id: str, body: str, title: str = "") -> JSON:
        body_json = {"body": body, "title": title}
        return self._call("POST", f"projects/{project_id}/docs", json=body_json)

    def delete_doc(self, project_id: str, doc_id: str) -> None:
        self._call("DELETE", f"projects/{project_id}/docs/{quote(doc_id, safe='')}")

    def approve(
        self,
        project_id: str,
        *,
        message_id: str | None = None,
        question: str | None = None,
        sql: str | None = None,
    ) -> JSON:
        body = {"message_id": message_id} if message_id else {"question": question, "sql": sql}
        return self._call("POST", f"projects/{project_id}/golden", json=body)

    def usage(self, project_id: str) -> JSON:
        return self._call("GET", f"projects/{project_id}/usage")

    def list_keys(self, project_id: str) -> list[JSON]:
        return self._call("GET", f"projects/{project_id}/keys")["keys"]

    def create_key(self, project_id: str, fields: JSON) -> JSON:
        return self._call("POST", f"projects/{project_id}/keys", json=fields)

    def revoke_key(self, project_id: str, key_id: str) -> JSON:
        return self._call("DELETE", f"projects/{project_id}/keys/{quote(key_id, safe='')}")

    def rotate_key(self, project_id: str, key_id: str, overlap_seconds: int = 0) -> JSON:
        path = f"projects/{project_id}/keys/{quote(key_id, safe='')}/rotate"
        return self._call("POST", path, json={"overlap_seconds": overlap_seconds})

    def notifications(self) -> list[JSON]:
        return self._call("GET", "notifications")["notifications"]

    def close(self) -> None:
        self.session.close()

    # -- HTTP ------------------------------------------------------------------------------------
    def _call(self, method: str, path: str, **kwargs: Any) -> JSON:
        url = self.api_url + path
        try:
            resp = self.session.request(
                method, url, timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S), **kwargs
            )
        except requests.RequestException as e:
            raise AskDBClientError(
                "server_unreachable", f"Cannot reach the AskDB server at {self.base_url}: {e}"
            ) from None
        if resp.ok:
            return resp.json() if resp.content else {}  # 204 No Content after a DELETE
        raise self._error(resp)

    def _error(self, resp: requests.Response) -> Exception:
        try:
            body = resp.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        # "http_error" is the server's code for tornado's own errors (a refused token, a route
        # that does not exist): a message about the setup helps more than its bare reason.
        if body.get("code") not in (None, "http_error"):
            return error_from_problem(resp.status_code, body)
        if resp.status_code in (401, 403):
            message = f"The Jupyter server at {self.base_url} refused the token."
        elif resp.status_code == 404:
            message = (
                f"No AskDB API at {self.api_url}: is the askdb_server extension enabled "
                "on that Jupyter server?"
            )
        else:
            message = body.get("detail") or body.get("message") or resp.reason
        return AskDBClientError(f"http_{resp.status_code}", str(message), resp.status_code)


def _project_not_found(name: str) -> Exception:
    message = f"No project named {name!r}."
    if ProjectNotFoundError is None:  # pragma: no cover
        return AskDBClientError("project_not_found", message, 404)
    return ProjectNotFoundError(message)
