"""What each ``%askdb`` subcommand does; the magic only parses arguments and dispatches here."""

from .connect import connect, project_name_for_url
from .knowledge import add_doc, approve, delete_doc, list_docs
from .listing import list_projects, show_schema
from .query import answer

__all__ = [
    "add_doc",
    "answer",
    "approve",
    "connect",
    "delete_doc",
    "list_docs",
    "list_projects",
    "project_name_for_url",
    "show_schema",
]
