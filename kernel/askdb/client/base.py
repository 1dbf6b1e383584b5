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

    def close(self) -> None:
        """Release connections."""
        ...
