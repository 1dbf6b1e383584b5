"""A project's LanceDB index: MiniLM vectors of schema chunks, docs and approved pairs.

One LanceDB database (a directory next to the metadata store) holds one table per project.
Rows are *chunks*: a text to embed, its kind, a payload (the SQL of a pair, the table of a
column...) and a digest of both, so ``sync`` can bring the index in line with the store by
embedding only what changed. lancedb (and pyarrow) are imported on first use only.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .embedder import DIMENSIONS

KINDS = ("schema", "doc", "golden")
EMBED_BATCH = 64
# Indexing jobs at least this large show a progress bar (on stderr, like pip's).
PROGRESS_MIN = 200


class Embedder(Protocol):
    def embed(self, texts: list[str], batch_size: int = 64) -> np.ndarray: ...


@dataclass(frozen=True)
class Chunk:
    """One indexed text; ``id`` is stable (``doc:<id>``, ``golden:<id>``, ``schema:t.c``)."""

    id: str
    kind: str  # one of KINDS
    text: str
    payload: dict[str, Any] = field(default_factory=dict)

    @property
    def digest(self) -> str:
        data = json.dumps([self.kind, self.text, self.payload], sort_keys=True, default=str)
        return hashlib.sha1(data.encode()).hexdigest()


@dataclass(frozen=True)
class Hit:
    """A search result: the chunk and its cosine similarity to the query (1 = same)."""

    id: str
    kind: str
    text: str
    payload: dict[str, Any]
    score: float

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "text": self.text,
            "payload": self.payload,
            "score": round(self.score, 4),
        }


@dataclass(frozen=True)
class SyncReport:
    added: int
    removed: int
    total: int


class IndexDirectory:
    """The LanceDB database under ``path``; hands out one ``ProjectIndex`` per project."""

    def __init__(self, path: Path, embedder: Embedder) -> None:
        self.path = Path(path)
        self.embedder = embedder
        self._db = None
        self._lock = threading.Lock()

    def project(self, project_id: str) -> ProjectIndex:
        return ProjectIndex(self._connect(), f"project_{project_id}", self.embedder)

    def _connect(self):  # noqa: ANN202 - a lancedb.DBConnection, imported lazily
        with self._lock:
            if self._db is None:
                os.environ.setdefault("LANCE_LOG", "error")  # no "dataset created" warnings
                import lancedb

                self.path.mkdir(mode=0o700, parents=True, exist_ok=True)  # its owner's only
                self._db = lancedb.connect(str(self.path))
            return self._db


class ProjectIndex:
    """The chunks of one project in one LanceDB table (created on first write)."""

    def __init__(self, db, name: str, embedder: Embedder) -> None:  # noqa: ANN001
        self.db = db
        self.name = name
        self.embedder = embedder

    # -- writing ---------------------------------------------------------------------------
    def add(self, chunks: Sequence[Chunk], *, progress: bool | None = None) -> int:
        """Embed ``chunks`` in batches and add them; returns how many were added."""
        if not chunks:
            return 0
        table = self._table(create=True)
        show = len(chunks) >= PROGRESS_MIN if progress is None else progress
        from tqdm.auto import tqdm

        with tqdm(total=len(chunks), desc="Indexing", unit="chunk", disable=not show) as bar:
            for start in range(0, len(chunks), EMBED_BATCH):
                batch = chunks[start : start + EMBED_BATCH]
                vectors = self.embedder.embed([c.text for c in batch], batch_size=EMBED_BATCH)
                table.add([_row(c, v) for c, v in zip(batch, vectors, strict=True)])
                bar.update(len(batch))
        return len(chunks)

    def delete(self, ids: Iterable[str]) -> int:
        """Remove the chunks with these ids; returns how many ids were asked for."""
        ids = list(ids)
        table = self._table()
        if table is None or not ids:
            return 0
        for start in range(0, len(ids), 500):
            quoted = ", ".join(_sql_string(i) for i in ids[start : start + 500])
            table.delete(f"id IN ({quoted})")
        return len(ids)

    def sync(self, chunks: Sequence[Chunk], *, progress: bool | None = None) -> SyncReport:
        """Make the index hold exactly ``chunks``: new or changed ones are embedded, the rest
        removed. Unchanged chunks keep their vectors, so a sync after a small change is cheap."""
        wanted = {c.id: c for c in chunks}
        have = self.digests()
        stale = [i for i, d in have.items() if i not in wanted or d != wanted[i].digest]
        fresh = [c for c in wanted.values() if have.get(c.id) != c.digest or c.id in stale]
        self.delete(stale)
        self.add(fresh, progress=progress)
        return SyncReport(added=len(fresh), removed=len(stale), total=len(wanted))

    def rebuild(self, chunks: Sequence[Chunk], *, progress: bool | None = None) -> SyncReport:
        """Drop the table and index ``chunks`` from scratch."""
        before = self.count()
        self.drop()
        self.add(list({c.id: c for c in chunks}.values()), progress=progress)
        return SyncReport(added=self.count(), removed=before, total=self.count())

    def drop(self) -> None:
        if self._table() is not None:
            self.db.drop_table(self.name)

    # -- reading ---------------------------------------------------------------------------
    def digests(self) -> dict[str, str]:
        """Chunk id -> digest of what is indexed now. An id indexed twice (two processes
        syncing at once) maps to "" so that the next sync replaces both copies."""
        table = self._table()
        if table is None:
            return {}
        data = table.to_arrow().select(["id", "digest"]).to_pydict()
        out: dict[str, str] = {}
        for i, d in zip(data["id"], data["digest"], strict=True):
            out[i] = "" if i in out else d
        return out

    def count(self) -> int:
        table = self._table()
        return 0 if table is None else table.count_rows()

    def search(self, text: str, *, kinds: Sequence[str] | None = None, limit: int = 5) -> list[Hit]:
        """The ``limit`` chunks nearest to ``text`` by cosine similarity, best first."""
        table = self._table()
        if table is None or not text.strip():
            return []
        vector = self.embedder.embed([text])[0]
        query = table.search(vector).distance_type("cosine").limit(limit * 2)
        if kinds:
            query = query.where(
                f"kind IN ({', '.join(_sql_string(k) for k in kinds)})", prefilter=True
            )
        hits: dict[str, Hit] = {}
        for row in query.to_list():
            if row["id"] not in hits:  # a chunk indexed twice comes back once
                hits[row["id"]] = Hit(
                    id=row["id"],
                    kind=row["kind"],
                    text=row["text"],
                    payload=json.loads(row["payload"]),
                    score=1.0 - float(row["_distance"]),
                )
        return sorted(hits.values(), key=lambda h: -h.score)[:limit]

    def _table(self, *, create: bool = False):  # noqa: ANN202 - a lancedb.Table
        try:
            return self.db.open_table(self.name)
        except (FileNotFoundError, ValueError):
            if not create:
                return None
        return self.db.create_table(self.name, schema=_arrow_schema(), exist_ok=True)


def _row(chunk: Chunk, vector: np.ndarray) -> dict:
    return {
        "id": chunk.id,
        "kind": chunk.kind,
        "text": chunk.text,
        "payload": json.dumps(chunk.payload, default=str),
        "digest": chunk.digest,
        "vector": np.asarray(vector, dtype=np.float32),
    }


def _arrow_schema():  # noqa: ANN202 - a pyarrow.Schema, imported lazily
    import pyarrow as pa

    return pa.schema(
        [
            pa.field("id", pa.string()),
            pa.field("kind", pa.string()),
            pa.field("text", pa.string()),
            pa.field("payload", pa.string()),
            pa.field("digest", pa.string()),
            pa.field("vector", pa.list_(pa.float32(), DIMENSIONS)),
        ]
    )


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
