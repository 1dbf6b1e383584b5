"""What each ``%askdb`` subcommand does; the magic only parses arguments and dispatches here."""

from .connect import connect, project_name_for_url
from .keys import create_key, list_keys, revoke_key, rotate_key
from .knowledge import add_doc, approve, delete_doc, list_docs
from .listing import list_projects, show_schema
from .query import answer
from .usage import list_notifications, show_usage

__all__ = [
    "add_doc",
    "answer",
    "approve",
    "connect",
    "create_key",
    "delete_doc",
    "list_docs",
    "list_keys",
    "list_notifications",
    "list_projects",
    "project_name_for_url",
    "revoke_key",
    "rotate_key",
    "show_schema",
    "show_usage",
]
