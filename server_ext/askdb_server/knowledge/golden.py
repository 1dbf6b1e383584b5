"""Reuse an approved question's SQL for a near-identical question, with its values swapped.

An approved pair "how many orders from France?" → ``... WHERE country = 'France'`` answers
"how many orders from Japan?" with ``'Japan'`` in place of ``'France'``. The two questions are
compared word by word: every difference must be a value (a word or phrase that is a literal of
the approved SQL), otherwise the question has a different shape and nothing is adapted. The
SQL is edited on sqlglot's tokens, so the approved text keeps its formatting and nothing but
the literals changes.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import SqlglotError
from sqlglot.tokens import Token as SQLToken
from sqlglot.tokens import TokenType

from ..engine.lexicon import Token, parse_number, tokenize
from ..engine.values import ValueIndex

# Words whose presence or absence does not change what a question asks.
FILLER_WORDS = frozenset({"the", "a", "an", "please", "all"})
_STRING_TYPES = {TokenType.STRING, TokenType.NATIONAL_STRING}


@dataclass(frozen=True)
class Adaptation:
    """The approved SQL made to answer the new question; ``swaps`` is [(old, new)] values."""

    sql: str
    swaps: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class _Literal:
    start: int  # first character in the SQL (the opening quote for strings)
    end: int  # last character, inclusive
    text: str  # the value, unquoted and unescaped
    is_string: bool


def adapt_sql(
    approved_question: str,
    approved_sql: str,
    question: str,
    dialect: str = "sqlite",
    values: ValueIndex | None = None,
) -> Adaptation | None:
    """The approved SQL adapted to ``question``, or ``None`` when the questions differ in more
    than values (or a swapped value cannot be found among the SQL's literals)."""
    spans = _differences(tokenize(approved_question), tokenize(question))
    if spans is None:
        return None
    if not spans:
        return Adaptation(approved_sql, ())
    try:
        literals = _literals(approved_sql, dialect)
    except SqlglotError:
        return None
    edits: dict[tuple[int, int], str] = {}
    swaps = []
    for old, new in spans:
        if values is not None and not _same_column(values, old, new):
            return None
        found = _edits_for(old, new, literals, values)
        if not found:
            return None
        edits.update(found)
        swaps.append((old, new))
    sql = approved_sql
    for (start, end), text in sorted(edits.items(), reverse=True):
        sql = sql[:start] + text + sql[end + 1 :]
    return Adaptation(sql, tuple(swaps))


def _differences(old: list[Token], new: list[Token]) -> list[tuple[str, str]] | None:
    """[(old phrase, new phrase)] where the questions differ, or None when they differ in
    anything but replaced phrases (words added or removed change the question's shape)."""
    a = [_key(t) for t in old]
    b = [_key(t) for t in new]
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        removed = [w for w in a[i1:i2] if w not in FILLER_WORDS]
        added = [w for w in b[j1:j2] if w not in FILLER_WORDS]
        if not removed and not added:
            continue
        if op != "replace" or not removed or not added:
            return None
        out.append((_phrase(old[i1:i2]), _phrase(new[j1:j2])))
    return out


def _key(t: Token) -> str:
    return t.low


def _phrase(tokens: list[Token]) -> str:
    words = [t.text for t in tokens]
    while len(words) > 1 and words[0].lower() in FILLER_WORDS:
        words = words[1:]
    return " ".join(words)


def _literals(sql: str, dialect: str) -> list[_Literal]:
    tokens: list[SQLToken] = Dialect.get_or_raise(dialect).tokenize(sql)
    return [
        _Literal(t.start, t.end, t.text, t.token_type in _STRING_TYPES)
        for t in tokens
        if t.token_type in _STRING_TYPES or t.token_type == TokenType.NUMBER
    ]


def _edits_for(
    old: str, new: str, literals: list[_Literal], values: ValueIndex | None
) -> dict[tuple[int, int], str]:
    """Replacement texts keyed by (start, end) of the literals that hold ``old``."""
    old_num, new_num = parse_number(old.lower()), parse_number(new.lower())
    if (old_num is None) != (new_num is None):
        return {}  # a number replaced by a word (or back) is another kind of question
    edits: dict[tuple[int, int], str] = {}
    for lit in literals:
        if not lit.is_string:
            if old_num is not None and parse_number(lit.text) == old_num:
                edits[(lit.start, lit.end)] = _number_text(new_num)
            continue
        if lit.text.lower() == old.lower():
            value = _stored_spelling(values, new) or _cased_like(lit.text, old, new)
            edits[(lit.start, lit.end)] = _quoted(value)
            continue
        # A value inside a longer literal: a LIKE pattern ('%Ada%') or a date ('2023-01-01').
        pattern = re.compile(rf"(?<![0-9A-Za-z]){re.escape(old)}(?![0-9A-Za-z])", re.IGNORECASE)
        if pattern.search(lit.text):
            replaced = pattern.sub(lambda m: _cased_like(m.group(0), old, new), lit.text)
            edits[(lit.start, lit.end)] = _quoted(replaced)
    return edits


def _same_column(values: ValueIndex, old: str, new: str) -> bool:
    """False when ``old`` is a known value of a column that does not hold ``new``.

    The value index samples only columns with few distinct values, and keeps all of them, so
    a new value missing from such a column would match no row: better no candidate than that.
    """
    old_cols = {(t, c) for t, c, _ in values.entries.get(old.lower(), ())}
    if not old_cols:
        return True  # not a sampled value (a number, a name in a large column): cannot tell
    new_cols = {(t, c) for t, c, _ in values.entries.get(new.lower(), ())}
    return bool(old_cols & new_cols)


def _stored_spelling(values: ValueIndex | None, new: str) -> str | None:
    if values is None:
        return None
    stored = {v for _, _, v in values.entries.get(new.lower(), ())}
    return stored.pop() if len(stored) == 1 else None


def _cased_like(literal: str, old: str, new: str) -> str:
    """``new`` written the way the SQL writes ``old``: questions are often typed lowercase,
    while the stored value is 'Japan'; a value typed with capitals is kept as typed."""
    if literal.isupper() and literal != old:
        return new.upper()
    if literal.islower():
        return new.lower()
    if literal == old and new != new.lower():
        return new
    if literal in (literal.title(), literal.capitalize()):
        return new.title() if literal == literal.title() else new.capitalize()
    return new


def _quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))
