"""The models ``askdb eval`` can measure, behind one small protocol.

A model turns a question on a schema into SQL candidates, best first. The built-in engine is
the only one today; a model-provider issue adds its models to ``MODELS`` (a name → a factory
taking the shared embedder) and ``askdb eval --model NAME`` measures them the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

from ..engine.builtin import BuiltinEngine
from ..engine.values import ValueIndex
from ..errors import NoAnswerError, UnknownModelError
from ..schemas.model import Schema


@runtime_checkable
class SQLModel(Protocol):
    """What the harness needs from a model."""

    name: str

    def generate(self, question: str, schema: Schema, values: ValueIndex | None) -> list[str]:
        """Candidate SQL best first; ``[]`` (or ``NoAnswerError``) when the model declines."""
        ...


class BuiltinModel:
    """The built-in engine: deterministic, CPU-only, no download."""

    name = "builtin"

    def __init__(self, embedder: Any = None) -> None:
        self.engine = BuiltinEngine(embedder=embedder)

    def generate(self, question: str, schema: Schema, values: ValueIndex | None) -> list[str]:
        return [c.sql for c in self.engine.candidates(question, schema, values)]

    def why_declined(self, question: str, schema: Schema, values: ValueIndex | None) -> str:
        """The engine's own words for a question it declined (outside the timed call)."""
        try:
            self.engine.generate(question, schema, values)
        except NoAnswerError as e:
            return e.message
        return "no candidate"


# name -> factory(embedder); the embedder may be None (--no-embeddings).
MODELS: dict[str, Callable[[Any], SQLModel]] = {"builtin": BuiltinModel}


def load_model(name: str, embedder: Any = None) -> SQLModel:
    """The model called ``name``, sharing ``embedder``; ``UnknownModelError`` otherwise."""
    factory = MODELS.get(name)
    if factory is None:
        known = ", ".join(sorted(MODELS))
        raise UnknownModelError(f"Unknown model {name!r}: choose one of {known}.", model=name)
    return factory(embedder)
