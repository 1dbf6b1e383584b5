"""Clients of the AskDB API: over REST (``RestClient``) or in-process (``LocalClient``)."""

from .base import JSON, AskDBClient
from .errors import AskDBClientError, error_from_problem, user_error_types
from .local import LocalClient
from .rest import RestClient

__all__ = [
    "JSON",
    "AskDBClient",
    "AskDBClientError",
    "LocalClient",
    "RestClient",
    "error_from_problem",
    "user_error_types",
]
