"""What each ``%askdb`` subcommand does; the magic only parses arguments and dispatches here."""

from .connect import connect, project_name_for_url
from .listing import list_projects, show_schema
from .query import answer

__all__ = ["answer", "connect", "list_projects", "project_name_for_url", "show_schema"]
