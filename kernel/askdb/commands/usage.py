"""``%askdb usage`` and ``%askdb notifications``: where the project stands against its plan."""

from __future__ import annotations

from ..account_views import NotificationsView, UsageView
from ..client import JSON, AskDBClient


def show_usage(client: AskDBClient, project: JSON) -> UsageView:
    """Calls today and tokens this month against the plan's limits."""
    return UsageView(project, client.usage(project["id"]))


def list_notifications(client: AskDBClient) -> NotificationsView:
    """The organization's notifications (quota alerts), newest first."""
    return NotificationsView(client.notifications())
