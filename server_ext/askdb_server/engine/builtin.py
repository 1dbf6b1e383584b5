"""The built-in question -> SQL engine: a deterministic semantic parser over any schema.

It reads the question's structure words (``cues``), matches database values (``values``),
links the remaining words to tables and columns by name and MiniLM similarity (``linking``),
gives each link a role (``reading``) and composes a query plan (``compose``) that ``plan``
renders in the schema's dialect with joins along foreign keys. It knows no particular database.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import NoAnswerError
from ..schemas.model import Schema
from .compose import ambiguous_slots, compose, resolve
from .lexicon import tokenize
from .linking import SchemaLinker
from .plan import render
from .reading import read_question
from .values import ValueIndex

CONFIDENCE_THRESHOLD = 0.3
MAX_CANDIDATES = 3
# Openers of a follow-up that refines the previous question instead of asking a new one.
_FOLLOW_UP_OPENERS = (
    "now",
    "only",
    "and",
    "but",
    "what about",
    "how about",
    "same",
    "also",
    "just",
    "sort",
    "sorted",
    "order",
    "ordered",
    "then",
    "limit",
)


@dataclass(frozen=True)
class Candidate:
    sql: str  # in the schema's dialect
    explanation: str  # what was linked, e.g. "table customers; count of customers; ..."
    confidence: float  # 0..1
    tokens: int = 0  # question tokens processed (the engine's token count for quotas)


class BuiltinEngine:
    """Turns a question into ranked SQL candidates for one schema; never guesses wildly."""

    def __init__(self, embedder=None) -> None:
        self.embedder = embedder
        self.linker = SchemaLinker(embedder)

    def candidates(
        self,
        question: str,
        schema: Schema,
        values: ValueIndex | None = None,
        *,
        context: list[tuple[str, str]] | None = None,
    ) -> list[Candidate]:
        """Candidates best first; [] when the question cannot be answered on this schema."""
        try:
            return self._answer(question, schema, values, context)
        except NoAnswerError:
            return []

    def generate(
        self,
        question: str,
        schema: Schema,
        values: ValueIndex | None = None,
        *,
        context: list[tuple[str, str]] | None = None,
    ) -> Candidate:
        """The best candidate, or NoAnswerError saying what could not be linked."""
        return self._answer(question, schema, values, context)[0]

    def _answer(
        self,
        question: str,
        schema: Schema,
        values: ValueIndex | None,
        context: list[tuple[str, str]] | None,
    ) -> list[Candidate]:
        if not schema.tables:
            raise NoAnswerError("The schema has no tables, so there is nothing to ask about.")
        text = _with_context(question, context)
        n_tokens = len(tokenize(question))
        reading = read_question(text, schema, self.linker, values)
        out: list[Candidate] = []
        errors: list[NoAnswerError] = []
        for flip in [None, *ambiguous_slots(reading)][:MAX_CANDIDATES]:
            try:
                in_play = resolve(reading, schema, flip)
                composed = compose(reading, schema, in_play)
                sql = render(composed.plan, schema)
            except NoAnswerError as e:
                errors.append(e)
                continue
            conf = composed.confidence * (1.0 if flip is None else 0.8)
            if all(c.sql != sql for c in out):
                out.append(Candidate(sql, composed.explanation, conf, n_tokens))
        if not out:
            raise errors[0]
        out.sort(key=lambda c: -c.confidence)
        if out[0].confidence < CONFIDENCE_THRESHOLD:
            raise NoAnswerError(
                "I am not confident enough to answer: too few words of the question match "
                f"this schema ({out[0].explanation})."
            )
        return [c for c in out if c.confidence >= CONFIDENCE_THRESHOLD]


def _with_context(question: str, context: list[tuple[str, str]] | None) -> str:
    """A follow-up ("now only for 2024", "sort by name") is read together with the previous
    question; cues and values in the follow-up come later, so they take precedence."""
    if not context:
        return question
    low = question.strip().lower()
    if any(low.startswith(w + " ") or low == w for w in _FOLLOW_UP_OPENERS):
        return f"{context[-1][0].rstrip(' ?.!')} {question}"
    return question
