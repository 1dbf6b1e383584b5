"""Values of low-cardinality text columns, matched against the words of a question.

``ValueIndex.build`` reads a bounded sample of distinct values from the user's database once;
``match`` then finds them in a question exactly (case-insensitive, whole words), inside quotes,
or with a small typo, so the engine can write ``WHERE col = 'Value'``.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa

from ..errors import DatabaseUnreachableError
from ..schemas.model import Schema, Table
from .lexicon import STOP_WORDS, Token, tokenize

_TEXT_TYPES = ("CHAR", "TEXT", "STRING", "CLOB", "ENUM", "NAME", "CITEXT")
_NOT_A_WORD = re.compile(r"^[\d\s\-:/.,+]*$")  # numbers and dates are not matched as words
MAX_VALUE_WORDS = 6
FUZZY_RATIO = 0.85


@dataclass(frozen=True)
class ValueMatch:
    table: str
    column: str
    value: str  # as stored in the database
    span: tuple[int, int]  # token indexes [start, end) in the question's tokens
    score: float  # 1.0 exact, lower for fuzzy matches
    part: bool = False  # one word of a quoted full name; its sibling parts apply as well


@dataclass
class ValueIndex:
    """Lowercased value -> [(table, column, stored value)] for the columns worth matching."""

    entries: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)
    columns: list[tuple[str, str]] = field(default_factory=list)
    _by_length: dict[int, list[str]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        buckets: dict[int, list[str]] = defaultdict(list)
        for key in self.entries:
            buckets[len(key)].append(key)
        self._by_length = dict(buckets)

    @classmethod
    def build(
        cls,
        engine: sa.Engine,
        schema: Schema,
        *,
        max_distinct: int = 1000,
        max_tables: int = 200,
        max_columns: int = 1000,
    ) -> ValueIndex:
        """Read up to ``max_distinct`` distinct values of each text column of the schema."""
        entries: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
        columns: list[tuple[str, str]] = []
        quote = engine.dialect.identifier_preparer.quote
        try:
            conn = engine.connect()
        except sa.exc.DBAPIError as e:
            raise DatabaseUnreachableError(
                "Could not connect to the database to read its values."
            ) from e
        with conn:
            for table in schema.tables[:max_tables]:
                for col in _text_columns(table):
                    if len(columns) >= max_columns:
                        break
                    sql = (
                        f"SELECT DISTINCT {quote(col)} FROM {quote(table.name)} "
                        f"WHERE {quote(col)} IS NOT NULL LIMIT {max_distinct + 1}"
                    )
                    try:
                        rows = conn.execute(sa.text(sql)).fetchall()
                    except sa.exc.DBAPIError:
                        conn.rollback()  # a view or table we may not read: skip it
                        continue
                    if len(rows) > max_distinct:
                        continue
                    columns.append((table.name, col))
                    for (value,) in rows:
                        _add(entries, table.name, col, value)
        return cls(entries=dict(entries), columns=columns)

    @classmethod
    def from_values(cls, values: dict[tuple[str, str], list[str]]) -> ValueIndex:
        """An index from ``{(table, column): [values]}`` (samples kept in a schema version)."""
        entries: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
        for (table, col), vals in values.items():
            for value in vals:
                _add(entries, table, col, value)
        return cls(entries=dict(entries), columns=list(values))

    def __len__(self) -> int:
        return len(self.entries)

    def match(self, question: str | list[Token]) -> list[ValueMatch]:
        """Values found in the question, best first; overlapping matches are all kept."""
        tokens = tokenize(question) if isinstance(question, str) else question
        found: list[ValueMatch] = []
        exact_spans: set[tuple[int, int]] = set()
        for i in range(len(tokens)):
            for n in range(min(MAX_VALUE_WORDS, len(tokens) - i), 0, -1):
                key = " ".join(t.low for t in tokens[i : i + n])
                if n == 1 and not tokens[i].quoted and key in STOP_WORDS:
                    continue
                for table, col, value in self.entries.get(key, ()):
                    found.append(ValueMatch(table, col, value, (i, i + n), 1.0))
                    exact_spans.add((i, i + n))
        found.extend(self._fuzzy(tokens, exact_spans))
        found.sort(key=lambda m: (-m.score, -(m.span[1] - m.span[0]), m.span[0]))
        return found

    def _fuzzy(self, tokens: list[Token], exact: set[tuple[int, int]]) -> list[ValueMatch]:
        covered = {k for a, b in exact for k in range(a, b)}
        out = []
        for i in range(len(tokens)):
            for n in (1, 2):
                span = tokens[i : i + n]
                if len(span) < n or any(i + k in covered for k in range(n)):
                    continue
                if any(t.low in STOP_WORDS or t.is_number for t in span):
                    continue
                key = " ".join(t.low for t in span)
                if len(key) < 5:
                    continue
                for cand, ratio in self._close(key):
                    if len(key) < 7 and ratio < 0.9:
                        continue  # short words: "teach" is not a typo of "TECH"
                    for table, col, value in self.entries[cand]:
                        score = round(ratio * 0.95, 3)
                        out.append(ValueMatch(table, col, value, (i, i + n), score))
        return out

    def lookup(self, text: str) -> list[tuple[str, str, str]]:
        """Exact (case-insensitive) matches of one phrase: [(table, column, stored value)]."""
        return list(self.entries.get(" ".join(t.low for t in tokenize(text)), ()))

    def _close(self, key: str) -> list[tuple[str, float]]:
        hits = []
        for length in range(len(key) - 2, len(key) + 3):
            for cand in self._by_length.get(length, ()):
                sm = difflib.SequenceMatcher(None, key, cand)
                if sm.real_quick_ratio() < FUZZY_RATIO or sm.quick_ratio() < FUZZY_RATIO:
                    continue
                ratio = _typo_ratio(key, cand, sm.ratio())
                if ratio >= FUZZY_RATIO:
                    hits.append((cand, ratio))
        return hits


def _typo_ratio(a: str, b: str, ratio: float) -> float:
    """difflib's ratio, counting one swapped pair of letters as one small typo."""
    if len(a) == len(b):
        diff = [k for k in range(len(a)) if a[k] != b[k]]
        if len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]:
            return max(ratio, 1 - 0.5 / len(a))
    return ratio


def _text_columns(table: Table) -> list[str]:
    """Text columns, keys included: a person's name may be the key others refer to."""
    out = []
    for col in table.columns:
        typ = (col.type or "").upper()
        if typ and not any(t in typ for t in _TEXT_TYPES):
            continue
        out.append(col.name)
    return out


def _add(entries: dict, table: str, col: str, value: object) -> None:
    if not isinstance(value, str):
        return
    text = value.strip()
    if len(text) < 2 or len(text) > 80 or _NOT_A_WORD.match(text):
        return
    key = " ".join(t.low for t in tokenize(text))
    if key and len(key.split()) <= MAX_VALUE_WORDS:
        entries[key].append((table, col, value))
