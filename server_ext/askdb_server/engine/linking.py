"""Schema linking: which words of a question name which tables and columns.

Names are compared after splitting identifiers (snake_case, camelCase) and folding plurals; the
words that no name matches are compared with MiniLM embeddings of the tables' and columns'
natural names and comments. Nothing here knows any particular database.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from ..schemas.model import Column, Schema, Table
from .lexicon import (
    ABBREVIATIONS,
    CANONICAL,
    QUESTION_WORDS,
    STOP_WORDS,
    Token,
    singular,
    split_identifier,
)

EMBED_THRESHOLD = 0.58
_GENERIC_HEADS = frozenset({"id", "key", "code", "no", "num", "number", "type", "flag", "ref"})
_NUMERIC_TYPES = ("INT", "REAL", "NUM", "DEC", "FLOAT", "DOUBLE", "MONEY", "SERIAL")
_DATE_TYPES = ("DATE", "TIME")
_DATE_WORDS = frozenset({"date", "time", "timestamp", "day", "datetime", "at", "on", "when"})


@dataclass(frozen=True)
class Element:
    """A table (``column`` is None) or a column, with its natural-language words."""

    table: str
    column: str | None
    words: tuple[str, ...]
    text: str  # what is embedded: the natural name, singular

    @property
    def is_table(self) -> bool:
        return self.column is None


@dataclass(frozen=True)
class Mention:
    """Tokens ``span`` [start, end) that name ``candidates`` (element, score), best first."""

    span: tuple[int, int]
    candidates: tuple[tuple[Element, float], ...]
    how: str  # "name" or "embedding"

    @property
    def score(self) -> float:
        return self.candidates[0][1]

    def tables(self) -> list[Element]:
        return [e for e, _ in self.candidates if e.is_table]

    def columns(self) -> list[Element]:
        return [e for e, _ in self.candidates if not e.is_table]


def natural_words(name: str) -> list[str]:
    """The lowercase singular words of an identifier, common abbreviations spelled out."""
    out: list[str] = []
    for w in split_identifier(name):
        out.extend(ABBREVIATIONS.get(w, singular(w)).split())
    return out


def phrase_key(words: list[str]) -> str:
    """The look-up key of a phrase: "number of cities" and "num_cities" meet at "number city"."""
    return " ".join(CANONICAL.get(w, w) for w in words if w != "of")


def is_numeric(col: Column) -> bool:
    return any(t in (col.type or "").upper() for t in _NUMERIC_TYPES)


def is_date(col: Column) -> bool:
    typ = (col.type or "").upper()
    if any(t in typ for t in _DATE_TYPES):
        return True
    words = split_identifier(col.name)
    return bool(words) and words[-1] in _DATE_WORDS and not is_numeric(col)


def is_temporal(col: Column) -> bool:
    """Date columns, and numeric year columns ("published_year") that take year bounds."""
    return is_date(col) or is_year(col)


def is_year(col: Column) -> bool:
    """A column of years ("open_year", "Year"), however typed, that takes year bounds."""
    words = split_identifier(col.name)
    return (
        bool(words)
        and words[-1] in ("year", "yr")
        and not any(t in (col.type or "").upper() for t in _DATE_TYPES)
    )


def is_key(table: Table, col: Column) -> bool:
    """Primary or foreign key columns, which are never measured or listed as answers."""
    low = col.name.lower()
    if col.primary_key or low in (c.lower() for c in table.primary_key):
        return True
    if any(low in (c.lower() for c in fk.columns) for fk in table.foreign_keys):
        return True
    words = split_identifier(col.name)
    return bool(words) and words[-1] == "id"


ALSO_CALLED = "also called:"


def comment_synonyms(comment: str | None) -> list[str]:
    """The terms after "also called:" in a table or column comment (the convention by which
    a project's docs teach the engine business terms, see ``rag/synonyms.py``)."""
    if not comment or ALSO_CALLED not in comment.lower():
        return []
    tail = comment[comment.lower().index(ALSO_CALLED) + len(ALSO_CALLED) :]
    tail = tail.split(";", 1)[0]
    return [t.strip() for t in tail.split(",") if t.strip()]


class SchemaIndex:
    """Phrase look-up tables and element embeddings for one schema."""

    def __init__(self, schema: Schema, embedder=None) -> None:
        self.schema = schema
        self.elements: list[Element] = []
        self.phrases: dict[str, list[tuple[Element, float]]] = defaultdict(list)
        for table in schema.tables:
            self._add_table(table)
        self.max_words = max((len(p.split()) for p in self.phrases), default=1)
        self.vectors: np.ndarray | None = None
        self._embed_rows: list[Element] = []
        if embedder is not None and self.elements:
            self._embed(embedder, schema)

    def _add_table(self, table: Table) -> None:
        words = tuple(natural_words(table.name))
        element = Element(table.name, None, words, " ".join(words))
        self.elements.append(element)
        self._phrase(" ".join(words), element, 1.0)
        self._synonym_phrases(table.comment, element)
        if len(words) > 1 and words[-1] not in _GENERIC_HEADS:
            self._phrase(words[-1], element, 0.7)
        self._key_phrases(table, words)
        for col in table.columns:
            cw = tuple(natural_words(col.name))
            if not cw:
                continue
            ce = Element(table.name, col.name, cw, " ".join(cw))
            self.elements.append(ce)
            self._phrase(" ".join(cw), ce, 1.0)
            self._synonym_phrases(col.comment, ce)
            own = [w for w in cw if w not in words]
            if own and len(own) < len(cw):  # customer_name in customers also answers "name"
                self._phrase(" ".join(own), ce, 0.9)
            if len(cw) > 1 and cw[-1] in ("code", "number", "no", "num"):
                self._phrase(" ".join(cw[:-1]), ce, 0.85)  # "policy type": policy_type_code
            if len(cw) > 1 and cw[-1] not in _GENERIC_HEADS and not is_key(table, col):
                self._phrase(cw[-1], ce, 0.6)
                self._phrase(cw[0], ce, 0.55)

    def _synonym_phrases(self, comment: str | None, element: Element) -> None:
        """Terms a comment declares as names of the element ("also called: clients, buyers")
        link exactly like its own name, with or without embeddings."""
        for term in comment_synonyms(comment):
            self._phrase(" ".join(natural_words(term)), element, 1.0)

    def _key_phrases(self, table: Table, words: tuple[str, ...]) -> None:
        """ "student id", "the ids of employees": the table's one-column primary key."""
        if len(table.primary_key) != 1 or table.column(table.primary_key[0]) is None:
            return
        col = table.column(table.primary_key[0])
        cw = tuple(natural_words(col.name))
        element = Element(table.name, col.name, cw, " ".join(cw))
        self._phrase(" ".join(words) + " id", element, 1.0)
        self._phrase("id", element, 0.6)

    def _phrase(self, phrase: str, element: Element, score: float) -> None:
        phrase = phrase_key(phrase.split())
        if not phrase:
            return
        bucket = self.phrases[phrase]
        if all(e != element for e, _ in bucket):
            bucket.append((element, score))

    def _embed(self, embedder, schema: Schema) -> None:
        texts, rows = [], []
        comments = {}
        for t in schema.tables:
            comments[(t.name, None)] = t.comment
            for c in t.columns:
                comments[(t.name, c.name)] = c.comment
        for e in self.elements:
            texts.append(e.text)
            rows.append(e)
            comment = comments.get((e.table, e.column))
            if comment:
                texts.append(comment[:200])
                rows.append(e)
        self.vectors = embedder.embed(texts)
        self._embed_rows = rows

    def similar(self, vectors: np.ndarray) -> list[list[tuple[Element, float]]]:
        """For each query vector, elements with similarity above the threshold, best first."""
        if self.vectors is None or not len(vectors):
            return [[] for _ in range(len(vectors))]
        sims = vectors @ self.vectors.T
        out = []
        for row in sims:
            best: dict[Element, float] = {}
            for j in np.nonzero(row >= EMBED_THRESHOLD)[0]:
                e = self._embed_rows[j]
                best[e] = max(best.get(e, 0.0), float(row[j]))
            out.append(sorted(best.items(), key=lambda kv: -kv[1]))
        return out


class SchemaLinker:
    """Finds table and column mentions in a question; caches one ``SchemaIndex`` per schema."""

    def __init__(self, embedder=None, *, max_cached: int = 64) -> None:
        self.embedder = embedder
        self._indexes: dict[str, SchemaIndex] = {}
        self._max_cached = max_cached

    def index(self, schema: Schema) -> SchemaIndex:
        key = hashlib.sha1(json.dumps(schema.to_dict(), sort_keys=True).encode()).hexdigest()
        idx = self._indexes.get(key)
        if idx is None:
            if len(self._indexes) >= self._max_cached:
                self._indexes.pop(next(iter(self._indexes)))
            idx = self._indexes[key] = SchemaIndex(schema, self.embedder)
        return idx

    def link(self, tokens: list[Token], schema: Schema, blocked: set[int]) -> list[Mention]:
        """Mentions over tokens not in ``blocked``, left to right, longest names first."""
        idx = self.index(schema)
        free = [i not in blocked and _content(tokens[i]) for i in range(len(tokens))]
        mentions = self._by_name(tokens, idx, free, blocked)
        taken = {k for m in mentions for k in range(*m.span)}
        rest = [i for i in range(len(tokens)) if free[i] and i not in taken]
        mentions += self._by_embedding(tokens, idx, rest)
        return sorted(mentions, key=lambda m: m.span[0])

    def _by_name(
        self, tokens: list[Token], idx: SchemaIndex, free: list[bool], blocked: set[int]
    ) -> list[Mention]:
        out: list[Mention] = []
        i = 0
        while i < len(tokens):
            hit = None
            for n in range(min(idx.max_words + 1, len(tokens) - i), 0, -1):
                inner = range(i + 1, i + n - 1)
                if not (
                    free[i]
                    and free[i + n - 1]
                    and all(free[k] or (tokens[k].low == "of" and k not in blocked) for k in inner)
                ):
                    continue
                cands = idx.phrases.get(phrase_key([t.lemma for t in tokens[i : i + n]]))
                if cands:
                    hit = Mention((i, i + n), _ranked(cands, n > 1), "name")
                    break
            if hit:
                out.append(hit)
                i = hit.span[1]
            else:
                i += 1
        return out

    def _by_embedding(
        self, tokens: list[Token], idx: SchemaIndex, rest: list[int]
    ) -> list[Mention]:
        if self.embedder is None or idx.vectors is None or not rest:
            return []
        spans = [(i, i + 1) for i in rest]
        spans += [(i, i + 2) for i in rest if i + 1 in rest]
        texts = [" ".join(t.lemma for t in tokens[a:b]) for a, b in spans]
        matches = idx.similar(self.embedder.embed(texts))
        scored = [(m[0][1], s, m) for s, m in zip(spans, matches, strict=True) if m]
        out: list[Mention] = []
        used: set[int] = set()
        for _score, span, cands in sorted(scored, key=lambda x: (-x[0], x[1][0])):
            if used.intersection(range(*span)):
                continue
            used.update(range(*span))
            out.append(Mention(span, tuple(cands[:5]), "embedding"))
        return out


def _ranked(cands: list[tuple[Element, float]], twins: bool) -> tuple[tuple[Element, float], ...]:
    """Best first; on a tie a table wins over another table's column, but a column that
    shares its own table's name wins over that table when named in several words
    ("allergy type"; "artists" stays the table)."""
    out = sorted(cands, key=lambda c: (-c[1], not c[0].is_table))
    top, score = out[0]
    if top.is_table and twins:
        twin = next(
            (c for c in out if not c[0].is_table and c[0].table == top.table and c[1] >= score),
            None,
        )
        if twin is not None:
            out.remove(twin)
            out.insert(0, twin)
    return tuple(out)


def _content(token: Token) -> bool:
    if token.quoted or token.is_number:
        return False
    if token.low in STOP_WORDS or token.low in QUESTION_WORDS:
        return False
    return any(ch.isalpha() for ch in token.low) and len(token.low) > 1
