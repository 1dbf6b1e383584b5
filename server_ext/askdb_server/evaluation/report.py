"""The printed summary of an evaluation run and the predictions file."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from .runner import EvalRun, QuestionResult
from .shapes import SHAPES, UNPARSED


@dataclass
class Summary:
    """Accuracy overall and by shape, failures by kind, latency of generation."""

    model: str
    total: int
    correct: int
    databases: int
    by_shape: dict[str, tuple[int, int]]  # shape -> (questions, correct)
    failures: dict[str, int]
    latency_ms: dict[str, float] = field(default_factory=dict)
    first_ms: dict[str, float] = field(default_factory=dict)
    setup_s: float = 0.0
    wall_s: float = 0.0

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @classmethod
    def from_run(cls, run: EvalRun) -> Summary:
        results = run.results
        by_shape: dict[str, tuple[int, int]] = {}
        for shape in (*SHAPES, UNPARSED):
            mine = [r for r in results if r.shape == shape]
            if mine or shape in SHAPES:
                by_shape[shape] = (len(mine), sum(r.correct for r in mine))
        later = [r.ms for r in results if r.ms is not None and not r.first_on_db]
        first = [r.ms for r in results if r.ms is not None and r.first_on_db]
        return cls(
            model=run.model,
            total=len(results),
            correct=sum(r.correct for r in results),
            databases=len({r.db_id for r in results}),
            by_shape=by_shape,
            failures=_failures(results),
            latency_ms=_latency(later),
            first_ms=_latency(first),
            setup_s=sum(run.setup_ms.values()) / 1000,
            wall_s=run.wall_s,
        )


def _failures(results: list[QuestionResult]) -> dict[str, int]:
    kinds = {
        "declined": 0,
        "model error": 0,
        "prediction failed": 0,
        "timeout": 0,
        "gold query failed": 0,
        "database missing": 0,
        "wrong result": 0,
    }
    for r in results:
        if r.correct:
            continue
        error = r.error or "wrong result"
        for kind in kinds:
            if error.startswith(kind):
                kinds[kind] += 1
                break
    return kinds


def _latency(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {
        "n": len(values),
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "max": max(values),
        "mean": sum(values) / len(values),
    }


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank ``q``-th percentile of ``values`` (non-empty)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def format_summary(s: Summary) -> str:
    """The summary as printed by ``askdb eval``."""
    lines = [
        f"askdb eval — model {s.model}: {s.total} questions on {s.databases} databases",
        f"execution accuracy: {_pct(s.correct, s.total)} ({s.correct}/{s.total})",
        "",
        f"{'shape':<28}{'questions':>10}{'correct':>9}{'accuracy':>10}",
    ]
    for shape, (n, ok) in s.by_shape.items():
        lines.append(f"{shape:<28}{n:>10}{ok:>9}{_pct(ok, n):>10}")
    lines += ["", "misses: " + ", ".join(f"{k} {v}" for k, v in s.failures.items())]
    if s.latency_ms:
        lat = s.latency_ms
        lines.append(
            f"latency per question (generation, after the first question on a database, "
            f"n={lat['n']:.0f}): p50 {lat['p50']:.1f} ms, p95 {lat['p95']:.1f} ms, "
            f"max {lat['max']:.1f} ms"
        )
    if s.first_ms:
        first = s.first_ms
        lines.append(
            f"first question on a database (n={first['n']:.0f}): p50 {first['p50']:.1f} ms, "
            f"max {first['max']:.1f} ms; opening the databases (schema, values): "
            f"{s.setup_s:.1f} s in all"
        )
    lines.append(f"wall time: {s.wall_s:.1f} s")
    return "\n".join(lines)


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def write_predictions(path: str | Path, results: list[QuestionResult]) -> Path:
    """Write one entry per question, in the questions' order, as a JSON list."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps([r.to_prediction() for r in results], indent=1, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    return path
