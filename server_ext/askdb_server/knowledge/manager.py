"""A project's knowledge: documentation snippets and approved question/SQL pairs, retrieved.

The metadata store is the source of truth. The project's LanceDB index is derived from it (plus
the current schema's chunks) and brought in line lazily, before each search, so that a pair
approved by another process (the kernel's local mode, a second server) or a new schema version
is picked up on the next question. A pair is only ever added by a user's approval.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import func, select

from ..engine.builtin import Candidate
from ..engine.lexicon import tokenize
from ..engine.values import ValueIndex
from ..errors import (
    AskDBError,
    ConflictError,
    GoldenPairNotFoundError,
    InvalidInputError,
    KnowledgeDocNotFoundError,
    MessageNotFoundError,
)
from ..identity.who import Identity
from ..projects.manager import ProjectManager
from ..schemas.manager import SchemaManager
from ..schemas.model import Schema
from ..sqlrun.guard import check_sql
from ..store.db import Store
from ..store.models import Conversation, GoldenPair, KnowledgeDoc, Message, User
from .chunks import doc_chunk, pair_chunk, schema_chunks
from .golden import adapt_sql
from .index import KINDS, Chunk, Hit, IndexDirectory, SyncReport
from .synonyms import synonyms_from_docs

MAX_TEXT = 20_000
MAX_QUESTION = 2_000
# Approved questions retrieved per ask, and the least similarity worth trying to adapt. The
# similarity is low on purpose: swapping a value ("France" -> "Japan") moves MiniLM's vector a
# lot (cosine ~0.6), and adapt_sql's word-by-word check is what keeps the shape identical.
GOLDEN_LOOKUP = 10
GOLDEN_MIN_SIMILARITY = 0.5
CONFIDENCE_SAME_QUESTION = 0.99
CONFIDENCE_SWAPPED = 0.9


@dataclass(frozen=True)
class DocInfo:
    id: str
    project_id: str
    title: str
    body: str
    created_by: str | None
    created_at: datetime

    def to_dict(self) -> dict:
        return {**self.__dict__, "created_at": self.created_at.isoformat()}


@dataclass(frozen=True)
class PairInfo:
    id: str
    project_id: str
    question: str
    sql: str
    created_by: str | None
    created_at: datetime
    source_message_id: str | None

    def to_dict(self) -> dict:
        return {**self.__dict__, "created_at": self.created_at.isoformat()}


class KnowledgeManager:
    def __init__(
        self,
        store: Store,
        projects: ProjectManager,
        schemas: SchemaManager,
        index: IndexDirectory,
    ) -> None:
        self.store = store
        self.projects = projects
        self.schemas = schemas
        self.index = index
        self._locks: dict[str, threading.Lock] = {}
        self._locks_lock = threading.Lock()
        self._synced: dict[str, str] = {}  # project id -> fingerprint of what was last synced

    # -- docs ------------------------------------------------------------------------------
    def list_docs(self, who: Identity, project_id: str) -> list[DocInfo]:
        """The project's documentation snippets, oldest first."""
        self.projects.get(who, project_id)
        with self.store.session() as s:
            rows = s.execute(
                select(KnowledgeDoc, User.username)
                .outerjoin(User, User.id == KnowledgeDoc.created_by)
                .where(KnowledgeDoc.project_id == project_id)
                .order_by(KnowledgeDoc.created_at, KnowledgeDoc.id)
            ).all()
        return [_doc_info(d, u) for d, u in rows]

    def add_doc(self, who: Identity, project_id: str, body: str, title: str = "") -> DocInfo:
        """Add a snippet: a business term, what a column means, how the team counts things."""
        self.projects.get(who, project_id, action="knowledge:write")
        body, title = _text(body, "doc body", MAX_TEXT), " ".join((title or "").split())[:255]
        with self.store.session() as s:
            doc = KnowledgeDoc(
                project_id=project_id, title=title, body=body, created_by=who.user_id
            )
            s.add(doc)
            s.flush()
            return _doc_info(doc, who.username)

    def delete_doc(self, who: Identity, project_id: str, doc_id: str) -> None:
        self.projects.get(who, project_id, action="knowledge:write")
        with self.store.session() as s:
            doc = s.get(KnowledgeDoc, doc_id)
            if doc is None or doc.project_id != project_id:
                raise KnowledgeDocNotFoundError(f"No documentation snippet with id {doc_id!r}.")
            s.delete(doc)

    # -- approved pairs --------------------------------------------------------------------
    def list_pairs(self, who: Identity, project_id: str) -> list[PairInfo]:
        """The project's approved question/SQL pairs, oldest first."""
        self.projects.get(who, project_id)
        with self.store.session() as s:
            rows = s.execute(
                select(GoldenPair, User.username)
                .outerjoin(User, User.id == GoldenPair.created_by)
                .where(GoldenPair.project_id == project_id)
                .order_by(GoldenPair.created_at, GoldenPair.id)
            ).all()
        return [_pair_info(p, u) for p, u in rows]

    def approve(
        self,
        who: Identity,
        project_id: str,
        question: str,
        sql: str,
        *,
        source_message_id: str | None = None,
    ) -> PairInfo:
        """Approve ``sql`` as the answer to ``question``. The SQL must pass the guard on the
        project's current schema. Approving the same pair twice returns the first approval;
        a different SQL for an approved question is a conflict (delete the old pair first)."""
        project = self.projects.get(who, project_id, action="knowledge:write")
        question = " ".join(_text(question, "question", MAX_QUESTION).split())
        schema = self._current_schema(who, project_id)
        checked = check_sql(_text(sql, "SQL", MAX_TEXT), project.dialect or "sqlite", schema)
        with self.store.session() as s:
            existing = s.scalars(
                select(GoldenPair).where(GoldenPair.project_id == project_id)
            ).all()
            for pair in existing:
                if _same_question(pair.question, question):
                    if pair.sql.strip() == checked.sql.strip():
                        creator = s.get(User, pair.created_by) if pair.created_by else None
                        return _pair_info(pair, creator.username if creator else None)
                    raise ConflictError(
                        f"The question {question!r} already has an approved SQL; delete that "
                        "pair first to approve another.",
                        pair_id=pair.id,
                    )
            pair = GoldenPair(
                project_id=project_id,
                question=question,
                sql=checked.sql,
                created_by=who.user_id,
                source_message_id=source_message_id,
            )
            s.add(pair)
            s.flush()
            return _pair_info(pair, who.username)

    def approve_message(self, who: Identity, project_id: str, message_id: str) -> PairInfo:
        """Approve the question and SQL of an answered message in one of the caller's
        conversations on this project."""
        with self.store.session() as s:
            found = s.execute(
                select(Message, Conversation)
                .join(Conversation, Conversation.id == Message.conversation_id)
                .where(Message.id == message_id)
            ).first()
            if (
                found is None
                or found[1].user_id != who.user_id
                or found[1].project_id != project_id
            ):
                raise MessageNotFoundError(f"No message with id {message_id!r} in this project.")
            msg = found[0]
            question, sql, ok = msg.question, msg.sql, msg.kind == "ask" and msg.status == "ok"
        if not ok or not question or not sql:
            raise InvalidInputError(
                "Only a question that was answered successfully can be approved."
            )
        return self.approve(who, project_id, question, sql, source_message_id=message_id)

    def delete_pair(self, who: Identity, project_id: str, pair_id: str) -> None:
        self.projects.get(who, project_id, action="knowledge:write")
        with self.store.session() as s:
            pair = s.get(GoldenPair, pair_id)
            if pair is None or pair.project_id != project_id:
                raise GoldenPairNotFoundError(f"No approved pair with id {pair_id!r}.")
            s.delete(pair)

    # -- retrieval -------------------------------------------------------------------------
    def search(
        self,
        who: Identity,
        project_id: str,
        query: str,
        *,
        kinds: Sequence[str] | None = None,
        limit: int = 5,
    ) -> list[Hit]:
        """The project's chunks nearest to ``query`` (schema, docs, pairs), best first."""
        self.projects.get(who, project_id)
        if kinds and set(kinds) - set(KINDS):
            raise InvalidInputError(f"Unknown kind; use some of {', '.join(KINDS)}.")
        if not 1 <= limit <= 100:
            raise InvalidInputError("limit must be between 1 and 100.")
        return self.retrieve(
            project_id, query, self._current_schema(who, project_id), kinds=kinds, limit=limit
        )

    def rebuild(self, who: Identity, project_id: str) -> SyncReport:
        """Re-index the project from the store and its current schema, from scratch."""
        self.projects.get(who, project_id, action="knowledge:write")
        schema = self._current_schema(who, project_id)
        with self._lock(project_id):
            chunks = self._chunks(project_id, schema)
            report = self.index.project(project_id).rebuild(chunks)
            self._synced[project_id] = _fingerprint(chunks)
        return report

    def retrieve(
        self,
        project_id: str,
        query: str,
        schema: Schema | None,
        *,
        kinds: Sequence[str] | None = None,
        limit: int = 5,
    ) -> list[Hit]:
        """Like ``search``, for callers that already checked access (the pipeline, model
        providers wanting docs and schema chunks as context)."""
        self.sync(project_id, schema)
        return self.index.project(project_id).search(query, kinds=kinds, limit=limit)

    def sync(self, project_id: str, schema: Schema | None) -> SyncReport | None:
        """Bring the index in line with the store and ``schema``; None when it already was."""
        with self._lock(project_id):
            chunks = self._chunks(project_id, schema)
            fingerprint = _fingerprint(chunks)
            if self._synced.get(project_id) == fingerprint:
                return None
            report = self.index.project(project_id).sync(chunks)
            self._synced[project_id] = fingerprint
            return report

    def candidates(
        self,
        project_id: str,
        question: str,
        schema: Schema,
        values: ValueIndex | None = None,
    ) -> list[Candidate]:
        """SQL candidates from approved pairs whose question is the same as ``question`` up
        to its values, best first; [] when there is none (the engine answers instead)."""
        if not self._has_pairs(project_id):
            return []
        hits = self.retrieve(project_id, question, schema, kinds=["golden"], limit=GOLDEN_LOOKUP)
        out: list[Candidate] = []
        n_tokens = len(tokenize(question))
        for hit in hits:
            if hit.score < GOLDEN_MIN_SIMILARITY:
                continue
            approved_q, approved_sql = hit.payload["question"], hit.payload["sql"]
            adapted = adapt_sql(approved_q, approved_sql, question, schema.dialect, values)
            if adapted is None or any(c.sql == adapted.sql for c in out):
                continue
            if adapted.swaps:
                swaps = ", ".join(f"{old!r} → {new!r}" for old, new in adapted.swaps)
                why = f"approved answer to “{approved_q}”, with {swaps}"
                conf = CONFIDENCE_SWAPPED
            else:
                why, conf = f"approved answer to “{approved_q}”", CONFIDENCE_SAME_QUESTION
            out.append(Candidate(adapted.sql, why, conf, n_tokens))
        out.sort(key=lambda c: -c.confidence)  # stable: more similar questions stay first
        return out

    def synonyms(self, project_id: str, schema: Schema) -> dict[str, list[str]]:
        """Terms the project's docs define for its tables and columns, e.g.
        ``{"orders.total": ["revenue"]}`` (see ``synonyms.py`` for the forms understood)."""
        with self.store.session() as s:
            docs = s.execute(
                select(KnowledgeDoc.title, KnowledgeDoc.body)
                .where(KnowledgeDoc.project_id == project_id)
                .order_by(KnowledgeDoc.created_at, KnowledgeDoc.id)
            ).all()
        return synonyms_from_docs([(t, b) for t, b in docs], schema)

    # -- internals -------------------------------------------------------------------------
    def _chunks(self, project_id: str, schema: Schema | None) -> list[Chunk]:
        with self.store.session() as s:
            docs = s.execute(
                select(KnowledgeDoc.id, KnowledgeDoc.title, KnowledgeDoc.body).where(
                    KnowledgeDoc.project_id == project_id
                )
            ).all()
            pairs = s.execute(
                select(GoldenPair.id, GoldenPair.question, GoldenPair.sql).where(
                    GoldenPair.project_id == project_id
                )
            ).all()
        chunks = schema_chunks(schema) if schema is not None else []
        chunks += [doc_chunk(*d) for d in docs]
        chunks += [pair_chunk(*p) for p in pairs]
        return chunks

    def _has_pairs(self, project_id: str) -> bool:
        with self.store.session() as s:
            return bool(
                s.scalar(
                    select(func.count())
                    .select_from(GoldenPair)
                    .where(GoldenPair.project_id == project_id)
                )
            )

    def _current_schema(self, who: Identity, project_id: str) -> Schema | None:
        try:
            return self.schemas.current_schema(who, project_id)[1]
        except AskDBError as e:
            if e.code == "no_schema":
                return None
            raise

    def _lock(self, project_id: str) -> threading.Lock:
        with self._locks_lock:
            return self._locks.setdefault(project_id, threading.Lock())


def _text(value: object, what: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(f"The {what} is empty.")
    if len(value) > limit:
        raise InvalidInputError(f"The {what} is longer than {limit} characters.")
    return value.strip()


def _same_question(a: str, b: str) -> bool:
    return [t.low for t in tokenize(a)] == [t.low for t in tokenize(b)]


def _fingerprint(chunks: list[Chunk]) -> str:
    return hashlib.sha1(
        "\n".join(sorted(f"{c.id} {c.digest}" for c in chunks)).encode()
    ).hexdigest()


def _aware(dt: datetime) -> datetime:
    # SQLite hands back naive datetimes; they were stored in UTC.
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt


def _doc_info(d: KnowledgeDoc, username: str | None) -> DocInfo:
    return DocInfo(d.id, d.project_id, d.title, d.body, username, _aware(d.created_at))


def _pair_info(p: GoldenPair, username: str | None) -> PairInfo:
    return PairInfo(
        p.id,
        p.project_id,
        p.question,
        p.sql,
        username,
        _aware(p.created_at),
        p.source_message_id,
    )
