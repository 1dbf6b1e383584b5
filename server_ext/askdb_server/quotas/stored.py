"""What a project stores that its plan counts: schema versions and conversation messages.

Counts of the rows themselves, not counters (``storage.py`` says why); read by the usage
report and by the storage quota that enforces them.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..store.models import Conversation, Message, SchemaVersion

STORED = ("schema_versions", "conversation_messages")


def count_stored(s: Session, project_id: str, resource: str) -> int:
    """How many ``resource`` rows the project keeps now (in ``s``'s view)."""
    if resource == "schema_versions":
        q = select(func.count()).where(SchemaVersion.project_id == project_id)
    else:
        q = (
            select(func.count())
            .select_from(Message)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(Conversation.project_id == project_id)
        )
    return int(s.scalar(q) or 0)
