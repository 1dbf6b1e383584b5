"""Displays of what the platform keeps about a project: its usage against the plan, its API
keys and the organization's notifications. Tables in the style of ``askdb.views``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from .views import TableView

UNLIMITED = -1
WARN_PERCENT = 80
# (label, usage field, plan limit): what a plan limits per period.
QUOTAS = (
    ("calls today", "calls_today", "api_calls_per_day"),
    ("tokens this month", "tokens_this_month", "tokens_per_month"),
)
# Counts newer servers add to the usage; shown when present, with a limit if the plan has one.
OPTIONAL_COUNTS = (
    ("schema versions", "schema_versions"),
    ("conversation messages", "conversation_messages"),
)
NOT_ENFORCED = (
    "Quotas are not enforced on this server (c.AskDBApp.enforce_quotas is off): nothing is refused."
)


class UsageView(TableView):
    """The connected project's calls today and tokens this month against its plan."""

    css_class = "askdb-usage"
    headers = ("", "used", "limit", "share")

    def __init__(self, project: dict[str, Any], usage: dict[str, Any]) -> None:
        self.project_name = str(project.get("name", ""))
        self.usage = usage
        self.limits: dict[str, Any] = usage.get("limits") or {}
        self.enforced = bool(usage.get("enforced", True))

    def title(self) -> str:
        return f"Usage of project {self.project_name!r}"

    def rows(self) -> list[list[str]]:
        rows = []
        for label, field, limit in QUOTAS:
            rows.append(_usage_row(label, int(self.usage.get(field) or 0), self.limits.get(limit)))
        for label, field in OPTIONAL_COUNTS:
            value = self.usage.get(field)
            if isinstance(value, int) and not isinstance(value, bool):
                rows.append(_usage_row(label, value, self.limits.get(field)))
        return rows

    def note(self) -> str:
        if not self.enforced:
            return NOT_ENFORCED
        high = [
            f"{label} at {pct}%"
            for label, field, limit in QUOTAS
            if (pct := percent(int(self.usage.get(field) or 0), self.limits.get(limit))) is not None
            and pct >= WARN_PERCENT
        ]
        if not high:
            return ""
        text = ", ".join(high)
        return f"{text[0].upper()}{text[1:]} of the plan: an admin can raise the plan."


def percent(used: int, limit: object) -> int | None:
    """``used`` as a whole percentage of ``limit``; None when there is no finite limit."""
    if not isinstance(limit, int) or limit == UNLIMITED or limit <= 0:
        return None
    return used * 100 // limit


def _usage_row(label: str, used: int, limit: object) -> list[str]:
    if not isinstance(limit, int):
        return [label, f"{used:,}", "", ""]
    pct = percent(used, limit)
    shown = "unlimited" if limit == UNLIMITED else f"{limit:,}"
    return [label, f"{used:,}", shown, "" if pct is None else f"{pct}%"]


class KeysView(TableView):
    """A project's API keys: never their secrets, only the prefix that tells them apart."""

    css_class = "askdb-keys"
    headers = ("id", "name", "prefix", "scopes", "expires", "last used", "revoked")
    empty_html = "No API keys yet: <code>%askdb keys create NAME --scopes query:generate</code>"
    empty_text = "No API keys yet: %askdb keys create NAME --scopes query:generate"

    def __init__(self, keys: Sequence[dict[str, Any]]) -> None:
        self.keys = list(keys)

    def rows(self) -> list[list[str]]:
        return [
            [
                str(k.get("id", "")),
                str(k.get("name", "")),
                str(k.get("prefix", "")),
                ", ".join(k.get("scopes") or []),
                when(k.get("expires_at"), "never"),
                when(k.get("last_used_at"), "never"),
                _revoked(k),
            ]
            for k in self.keys
        ]


def _revoked(key: dict[str, Any]) -> str:
    if key.get("revoked_at"):
        return when(key["revoked_at"])
    if key.get("replaced_by"):
        return f"rotated, works until {when(key.get('overlap_until'))}"
    return ""


class NotificationsView(TableView):
    """The organization's notifications (quota alerts at 80, 90 and 100%), newest first."""

    css_class = "askdb-notifications"
    headers = ("when", "kind", "message")
    empty_html = empty_text = "No notifications."

    def __init__(self, notifications: Sequence[dict[str, Any]]) -> None:
        self.notifications = list(notifications)

    def rows(self) -> list[list[str]]:
        return [
            [when(n.get("created_at")), str(n.get("kind", "")), str(n.get("message", ""))]
            for n in self.notifications
        ]


def when(iso: object, missing: str = "") -> str:
    """An ISO 8601 time from the API as ``2027-01-01 09:30 UTC`` (``missing`` for none)."""
    if not iso:
        return missing
    try:
        at = datetime.fromisoformat(str(iso))
    except ValueError:
        return str(iso)
    if at.tzinfo is None:  # the API's times are UTC
        at = at.replace(tzinfo=timezone.utc)
    return at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
