"""The interface both clients offer to the magics: plain JSON-shaped dicts in and out."""

from __future__ import annotations

from typing import Any, Protocol

JSON = dict[str, Any]


class AskDBClient(Protocol):
    """What the magics need from AskDB, whether over REST or in-process.

    Every method returns the JSON shape of the REST API (see the server contract): projects,
    schema versions and answers as dicts. Errors are ``askdb_server.errors`` classes (or
    ``AskDBClientError`` when those are not importable).
    """

    def list_projects(self) -> list[JSON]:
        """The caller's active projects."""
        ...

    def find_project(self, name_or_id: str) -> JSON:
        """One project by name or id; ``ProjectNotFoundError`` if there is none."""
        ...

    def create_project(
        self, name: str, *, connection_url: str | None = None, description: str = ""
    ) -> JSON:
        """A new project, optionally connected to a database."""
        ...

    def introspect(self, project_id: str) -> JSON:
        """Read the live database's schema into a new schema version."""
        ...

    def current_schema(self, project_id: str) -> JSON:
        """The current schema version, ``schema`` included; ``NoSchemaError`` if none."""
        ...

    def ask(self, project_id: str, question: str, conversation_id: str | None = None) -> JSON:
        """Answer a question in plain language: generated SQL plus its rows."""
        ...

    def run_sql(self, project_id: str, sql: str, conversation_id: str | None = None) -> JSON:
        """Run SQL the user wrote through the same read-only guard."""
        ...

    def list_docs(self, project_id: str) -> list[JSON]:
        """The project's documentation snippets (business terms, column meanings)."""
        ...

    def add_doc(self, project_id: str, body: str, title: str = "") -> JSON:
        """Add a documentation snippet."""
        ...

    def delete_doc(self, project_id: str, doc_id: str) -> None:
        """Delete a documentation snippet."""
        ...

    def approve(
        self,
        project_id: str,
        *,
        message_id: str | None = None,
        question: str | None = None,
        sql: str | None = None,
    ) -> JSON:
        """Approve an answered message (``message_id``) or a ``question``/``sql`` pair as
        golden SQL; the SQL must pass the guard."""
        ...

    def usage(self, project_id: str) -> JSON:
        """The project's plan ``limits``, ``calls_today``, ``tokens_this_month`` and whether
        quotas are ``enforced`` (newer servers may add counts: treat them as optional)."""
        ...

    def list_keys(self, project_id: str) -> list[JSON]:
        """The project's API keys, newest first, revoked ones included (never their secrets)."""
        ...

    def create_key(self, project_id: str, fields: JSON) -> JSON:
        """A new API key from ``fields`` (name, scopes, expires_at, ip_allow...); its ``key``
        holds the secret token, which the server never returns again."""
        ...

    def revoke_key(self, project_id: str, key_id: str) -> JSON:
        """Revoke a key at once; ``ApiKeyNotFoundError`` if the project has no such key."""
        ...

    def rotate_key(self, project_id: str, key_id: str, overlap_seconds: int = 0) -> JSON:
        """A new key with the old one's settings (its ``key`` shown once); the old one keeps
        working for ``overlap_seconds``."""
        ...

    def notifications(self) -> list[JSON]:
        """The caller's organization's notifications (quota alerts), newest first."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...
