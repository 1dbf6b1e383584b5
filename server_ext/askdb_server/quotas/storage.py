"""Storage quotas per project: how many schema versions and conversation messages it keeps.

The plan's ``schema_versions`` and ``conversation_messages`` are counts of the rows themselves,
not counters: deleting a conversation frees its room at once, with nothing to keep in step.
Checks run in the caller's transaction with the project's row locked (``lock_row``), so that
concurrent writers to one project count one after the other.

A schema version past the limit is refused when it is uploaded. A question is admitted or
refused before anything runs (``ConversationManager.open``), and an admitted question's message
is always recorded, answer or error: the history never drops an answer the user has seen. So
questions in flight at the moment the history fills are all kept, and the count may pass the
limit by those; the next question is refused. Alerts at 80, 90 and 100% go out when a stored
row takes the count across a threshold, as the call and token quotas' do.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..errors import PlanLimitError
from ..store.locks import lock_row
from ..store.models import Project
from .manager import QuotaManager
from .plans import UNLIMITED
from .stored import count_stored

_FULL = {
    "schema_versions": (
        "This project keeps {have} schema versions, as many as your plan allows ({limit}). "
        "Versions cannot be deleted: raise the plan, or clone the project "
        "(POST projects/{{id}}/clone), which starts again from the current version as v1."
    ),
    "conversation_messages": (
        "This project's conversation history is full: it keeps {have} messages, as many as "
        "your plan allows ({limit}). Nothing was run. Delete old conversations "
        "(DELETE conversations/{{id}}) or raise the plan."
    ),
}


class StorageQuota:
    """The plan's storage limits for a project, enforced when ``quotas.enabled``."""

    def __init__(self, quotas: QuotaManager) -> None:
        self.quotas = quotas

    def require_room(self, s: Session, project_id: str, resource: str) -> None:
        """PlanLimitError (403) when the project already keeps as many ``resource``
        (schema_versions, conversation_messages) as its plan allows."""
        if not self.quotas.enabled:
            return
        _org, limit = self._locked_limit(s, project_id, resource)
        if limit == UNLIMITED:
            return
        have = count_stored(s, project_id, resource)
        if have >= limit:
            raise PlanLimitError(
                _FULL[resource].format(have=have, limit=limit),
                resource=resource,
                limit=limit,
                project_id=project_id,
            )

    def note_stored(self, s: Session, project_id: str, resource: str, n: int = 1) -> None:
        """After ``n`` rows of ``resource`` were added in ``s``: the alerts due when they took
        the project's count across 80, 90 or 100% of the plan's limit."""
        if not self.quotas.enabled:
            return
        org_id, limit = self._locked_limit(s, project_id, resource)
        if limit in (UNLIMITED, 0):
            return
        used = count_stored(s, project_id, resource)
        # The same alerts as the call and token quotas: notifications and quota.threshold.
        self.quotas.add_alerts(s, org_id, f"project:{project_id}", resource, limit, used, n)

    def _locked_limit(self, s: Session, project_id: str, resource: str) -> tuple[str, int]:
        lock_row(s, Project, project_id)
        org_id, limits = self.quotas.project_limits(s, project_id)
        return org_id, limits[resource]
