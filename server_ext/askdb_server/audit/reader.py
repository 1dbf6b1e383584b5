"""Reading the audit log: an organization admin's filtered view, in CSV, JSON or syslog."""

from __future__ import annotations

from datetime import datetime, timezone

from ..authz.authorizer import Authorizer
from ..errors import InvalidInputError
from ..identity.who import Identity
from .export import FORMATS
from .log import AuditEntry, AuditFilter, AuditLog


class AuditReader:
    def __init__(self, log: AuditLog, authz: Authorizer) -> None:
        self.log = log
        self.authz = authz

    def read(
        self,
        who: Identity,
        *,
        actor: str | None = None,
        project_id: str | None = None,
        action: str | None = None,
        since: str | datetime | None = None,
        until: str | datetime | None = None,
    ) -> list[AuditEntry]:
        """The events of the caller's organization, oldest first. ``since``/``until`` are ISO
        8601 dates or times (UTC when no offset is given); ``until`` is exclusive."""
        grant = self.authz.require_current(who, "audit:read")  # lists the current org
        return self.log.query(
            AuditFilter(
                org_id=grant.org_id,
                actor=actor or None,
                project_id=project_id or None,
                action=action or None,
                since=_when(since, "since"),
                until=_when(until, "until"),
            )
        )

    def export(self, who: Identity, fmt: str = "json", **filters: object) -> tuple[str, str]:
        """(content type, body) of the filtered events in ``fmt``: csv, json or syslog."""
        if fmt not in FORMATS:
            raise InvalidInputError(f"Unknown format {fmt!r}: use csv, json or syslog.")
        content_type, render = FORMATS[fmt]
        return content_type, render(self.read(who, **filters))


def _when(value: str | datetime | None, name: str) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidInputError(f"{name} must be an ISO 8601 date or time.") from None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
