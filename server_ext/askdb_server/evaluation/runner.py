"""The evaluation loop: generate SQL for each question, run it and the gold SQL, compare.

Both queries go through the project's guard and run read-only (``QueryRunner``) with a short
timeout. Like the ask pipeline, the harness tries the model's candidates in order, up to
``max_attempts``, until one passes the guard and the database accepts it. Failures of any
kind are recorded on the question and the run goes on.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..engine.pipeline import REPAIRABLE
from ..errors import AskDBError, NoAnswerError, QueryTimeoutError
from ..sqlrun.runner import QueryRunner
from .compare import rows_match
from .dataset import DatabaseMissingError, DatabaseSource, EvalDatabase, EvalItem
from .models import SQLModel
from .shapes import classify, is_ordered

DEFAULT_TIMEOUT_S = 5.0
# Large enough that a cap never hides a difference between two results in practice.
ROW_CAP = 100_000


@dataclass
class QuestionResult:
    """What happened to one question."""

    db_id: str
    question: str
    gold_sql: str
    shape: str
    predicted_sql: str | None = None
    ms: float | None = None  # generation time
    error: str | None = None
    correct: bool = False
    first_on_db: bool = False
    attempts: list[dict[str, Any]] = field(default_factory=list)

    def to_prediction(self) -> dict[str, Any]:
        """The entry written to ``--out``."""
        return {
            "db_id": self.db_id,
            "question": self.question,
            "predicted_sql": self.predicted_sql,
            "ms": self.ms,
            "error": self.error,
            "correct": self.correct,
            "shape": self.shape,
        }


@dataclass
class EvalRun:
    model: str
    results: list[QuestionResult]
    setup_ms: dict[str, float]  # per database opened: schema, value index
    wall_s: float


@dataclass
class _Prediction:
    sql: str | None = None
    rows: list | None = None
    error: str | None = None
    attempts: list[dict[str, Any]] = field(default_factory=list)


class Evaluator:
    """Measures one model on questions whose databases ``source`` opens."""

    def __init__(
        self,
        model: SQLModel,
        source: DatabaseSource,
        runner: QueryRunner,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        max_attempts: int = 3,
    ) -> None:
        self.model = model
        self.source = source
        self.runner = runner
        self.timeout_s = timeout_s
        self.max_attempts = max_attempts
        self._open: dict[str, EvalDatabase | DatabaseMissingError] = {}
        self._setup_ms: dict[str, float] = {}

    def run(self, items: Iterable[EvalItem], *, progress: bool = True) -> EvalRun:
        """Evaluate every item in order; a progress bar goes to stderr when ``progress``."""
        from tqdm import tqdm

        items = list(items)
        started = time.perf_counter()
        results: list[QuestionResult] = []
        hits = 0
        bar = tqdm(
            items,
            desc="askdb eval",
            unit="q",
            file=sys.stderr,
            disable=not progress,
            dynamic_ncols=True,
            mininterval=0.5,
        )
        for item in bar:
            result = self.evaluate(item)
            results.append(result)
            hits += result.correct
            bar.set_postfix_str(f"accuracy {hits / len(results):.1%}", refresh=False)
        bar.close()
        return EvalRun(
            self.model.name, results, dict(self._setup_ms), time.perf_counter() - started
        )

    def evaluate(self, item: EvalItem) -> QuestionResult:
        """Generate, run and compare one question."""
        first = item.db_id not in self._open
        db = self._database(item.db_id)
        dialect = "sqlite" if isinstance(db, DatabaseMissingError) else db.dialect
        result = QuestionResult(
            item.db_id, item.question, item.gold_sql, classify(item.gold_sql, dialect)
        )
        if isinstance(db, DatabaseMissingError):
            result.error = str(db)
            return result
        result.first_on_db = first
        pred, result.ms = self._predict(item.question, db)
        result.predicted_sql, result.attempts = pred.sql, pred.attempts
        gold_rows, gold_error = self._gold(item.gold_sql, db)
        errors = [e for e in (gold_error, pred.error) if e]
        result.error = "; ".join(errors) or None
        if gold_rows is not None and pred.rows is not None:
            result.correct = rows_match(
                gold_rows, pred.rows, ordered=is_ordered(item.gold_sql, db.dialect)
            )
        return result

    def _database(self, db_id: str) -> EvalDatabase | DatabaseMissingError:
        if db_id not in self._open:
            started = time.perf_counter()
            try:
                self._open[db_id] = self.source.open(db_id)
            except DatabaseMissingError as e:
                self._open[db_id] = e
            self._setup_ms[db_id] = round((time.perf_counter() - started) * 1000, 2)
        return self._open[db_id]

    def _predict(self, question: str, db: EvalDatabase) -> tuple[_Prediction, float]:
        pred = _Prediction()
        started = time.perf_counter()
        try:
            candidates = self.model.generate(question, db.schema, db.values)
        except NoAnswerError as e:
            candidates, pred.error = [], f"declined: {e.message}"
        except Exception as e:  # a model bug is a miss to report, not the end of a run
            candidates, pred.error = [], f"model error: {type(e).__name__}: {e}"
        ms = round((time.perf_counter() - started) * 1000, 3)
        if not candidates:
            pred.error = pred.error or f"declined: {self._why_declined(question, db)}"
            return pred, ms
        for sql in candidates[: self.max_attempts]:
            pred.sql = sql
            try:
                result = self.runner.run(
                    db.url, sql, dialect=db.dialect, schema=db.schema, timeout_s=self.timeout_s
                )
            except QueryTimeoutError:
                pred.attempts.append({"sql": sql, "error": "timeout", "code": "query_timeout"})
                pred.error = "timeout"
                return pred, ms
            except REPAIRABLE as e:
                pred.attempts.append({"sql": sql, "error": e.message, "code": e.code})
                pred.error = f"prediction failed: {e.message}"
                continue
            except AskDBError as e:  # the database itself is the problem: no retry helps
                pred.attempts.append({"sql": sql, "error": e.message, "code": e.code})
                pred.error = f"prediction failed: {e.message}"
                return pred, ms
            pred.attempts.append({"sql": sql, "error": None, "code": None})
            pred.rows, pred.error = result.rows, None
            return pred, ms
        return pred, ms

    def _why_declined(self, question: str, db: EvalDatabase) -> str:
        explain = getattr(self.model, "why_declined", None)
        try:
            return explain(question, db.schema, db.values) if explain else "no candidate"
        except Exception as e:  # only the reason is lost
            return f"no candidate ({type(e).__name__} while explaining)"

    def _gold(self, sql: str, db: EvalDatabase) -> tuple[list | None, str | None]:
        # No schema for the guard: gold SQL is trusted to name real columns, but it still runs
        # read-only, with the same timeout.
        try:
            result = self.runner.run(db.url, sql, dialect=db.dialect, timeout_s=self.timeout_s)
        except QueryTimeoutError:
            return None, "gold query failed: timeout"
        except AskDBError as e:
            return None, f"gold query failed: {e.message}"
        return result.rows, None


def make_runner(connections: Any) -> QueryRunner:
    """A query runner for evaluation: a high row cap, timeouts set per query."""
    return QueryRunner(connections, timeout_s=DEFAULT_TIMEOUT_S, row_cap=ROW_CAP)
