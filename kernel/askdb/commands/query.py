"""``%%askdb`` (a question) and ``%%askdb --sql`` (SQL the user wrote)."""

from __future__ import annotations

from ..client import JSON, AskDBClient


def answer(
    client: AskDBClient,
    project: JSON,
    text: str,
    *,
    is_sql: bool,
    conversation_id: str | None,
) -> JSON:
    """Ask the question ``text``, or run the SQL ``text``, in ``project``'s conversation."""
    if is_sql:
        return client.run_sql(project["id"], text, conversation_id=conversation_id)
    return client.ask(project["id"], text, conversation_id=conversation_id)
