"""AskDB's Jupyter server extension: the REST API, the platform and the question → SQL engine."""

from __future__ import annotations

__version__ = "0.1.0"


def _jupyter_server_extension_points() -> list[dict]:
    from .app import AskDBApp

    return [{"module": "askdb_server", "app": AskDBApp}]


def _jupyter_labextension_paths() -> list[dict]:
    return [{"src": "labextension", "dest": "jupyter-askdb"}]
