"""MiniLMEmbedder: real embeddings from the packaged model, offline."""

from __future__ import annotations

import numpy as np
import pytest

from askdb_server.knowledge.embedder import EmbeddingModelMissingError, MiniLMEmbedder

pytestmark = pytest.mark.slow


def test_similar_words_are_closer(embedder):
    v = embedder.embed(["customer", "client", "temperature"])
    assert float(v[0] @ v[1]) > float(v[0] @ v[2])


def test_shape_dtype_and_unit_norm(embedder):
    v = embedder.embed(["a table of orders", "price", ""])
    assert v.shape == (3, 384) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v[:2], axis=1), 1.0, atol=1e-4)


def test_cached_vectors_equal_fresh_ones(embedder):
    first = embedder.embed(["shipping address"])
    again = embedder.embed(["shipping address", "shipping address"])
    assert np.array_equal(first[0], again[0]) and np.array_equal(again[0], again[1])


def test_lru_cache_is_bounded(embedder):
    small = MiniLMEmbedder(embedder.model_path, cache_size=2)
    small.embed(["one", "two", "three"])
    assert len(small._cache) == 2


def test_missing_model_path_gives_a_clear_error(tmp_path):
    with pytest.raises(EmbeddingModelMissingError, match="No embedding model found"):
        MiniLMEmbedder(tmp_path / "nowhere").embed(["x"])


def test_import_is_light():
    import subprocess
    import sys

    code = "import sys, askdb_server.knowledge.embedder; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
