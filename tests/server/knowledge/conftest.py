"""Fixtures for the retrieval tests: one real MiniLM embedder shared by every test."""

from __future__ import annotations

import pytest

from askdb_server.knowledge.embedder import MiniLMEmbedder


@pytest.fixture(scope="session")
def embedder() -> MiniLMEmbedder:
    """The packaged MiniLM model, loaded once (offline) and shared: loading takes seconds."""
    return MiniLMEmbedder()
