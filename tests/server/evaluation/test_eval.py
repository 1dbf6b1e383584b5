"""``askdb eval`` end to end on a small Spider-layout folder: real SQLite databases, the real
guard and runner, the built-in engine or a model the test injects."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from askdb_server.errors import EvalDataError, NoAnswerError, UnknownModelError
from askdb_server.evaluation.dataset import SpiderData, SpiderSource
from askdb_server.evaluation.models import BuiltinModel, load_model
from askdb_server.evaluation.report import Summary, format_summary, percentile
from askdb_server.evaluation.runner import Evaluator, make_runner
from askdb_server.evaluation.shapes import GROUPED, ONE_JOIN, SINGLE
from askdb_server.sqlrun.connections import ConnectionRegistry
from tests.helpers.spider import QUESTIONS, make_spider_folder

SLOW_SQL = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"


class FixedModel:
    """A model whose candidates the test decides, question by question."""

    name = "fixed"

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers

    def generate(self, question, schema, values) -> list[str]:
        if question not in self.answers:
            raise NoAnswerError("not in my list")
        return self.answers[question]


@pytest.fixture
def connections():
    registry = ConnectionRegistry()
    yield registry
    registry.dispose()


def _evaluate(folder: Path, model, connections, *, timeout_s: float = 5.0):
    data = SpiderData(folder)
    source = SpiderSource(data, connections)
    evaluator = Evaluator(model, source, make_runner(connections), timeout_s=timeout_s)
    return evaluator.run(data.questions(), progress=False)


def test_builtin_engine_end_to_end(spider_dir: Path, connections) -> None:
    run = _evaluate(spider_dir, BuiltinModel(), connections)
    by_index = run.results
    assert [r.db_id for r in by_index] == [d for d, _, _ in QUESTIONS]
    assert [r.correct for r in by_index] == [True, True, False, False, False, False, True]
    assert by_index[0].predicted_sql and "animal" in by_index[0].predicted_sql.lower()
    assert by_index[2].error is None  # a plain wrong result: both queries ran
    assert by_index[3].error.startswith("gold query failed: ")
    assert "nickname" in by_index[3].error
    missing = spider_dir / "database" / "ghost" / "ghost.sqlite"
    assert by_index[4].error == f"database missing: {missing}"
    assert by_index[5].error == by_index[4].error and by_index[4].ms is None
    summary = Summary.from_run(run)
    assert (summary.total, summary.correct, summary.databases) == (7, 3, 3)
    assert summary.failures["database missing"] == 2
    assert summary.failures["gold query failed"] == 1
    assert summary.failures["wrong result"] == 1
    text = format_summary(summary)
    assert "execution accuracy: 42.9% (3/7)" in text
    # first questions on zoo and shop are reported apart from the rest
    assert summary.first_ms["n"] == 2 and summary.latency_ms["n"] == 3


def test_the_next_candidate_is_tried_after_a_failure(spider_dir: Path, connections) -> None:
    model = FixedModel(
        {
            "How many animals are there?": [
                "SELECT count(*) FROM animal WHERE colour = 'red'",
                "SELECT count(animal_id) FROM animal",
            ],
            "How many keepers are there?": [
                "SELECT count(*) FROM keepers",
                "SELECT count(*) FROM keeper WHERE",
                "SELECT 3",
                "SELECT count(*) FROM keeper",
            ],
        }
    )
    run = _evaluate(spider_dir, model, connections)
    first, second = run.results[0], run.results[1]
    assert first.correct and first.error is None
    assert first.predicted_sql == "SELECT count(animal_id) FROM animal"
    assert [a["error"] is None for a in first.attempts] == [False, True]
    assert "colour" in first.attempts[0]["error"]
    # at most three candidates are tried: the third ran, so the fourth is never reached
    assert [a["sql"] for a in second.attempts] == model.answers["How many keepers are there?"][:3]
    assert second.predicted_sql == "SELECT 3" and second.correct  # 3 keepers


def test_all_candidates_failing_is_a_miss_with_the_last_error(spider_dir, connections) -> None:
    model = FixedModel(
        {
            "How many products are there?": [
                "SELECT nope FROM product",
                "SELECT count(*) FROM nowhere",
            ]
        }
    )
    run = _evaluate(spider_dir, model, connections)
    shop = run.results[6]
    assert not shop.correct and len(shop.attempts) == 2
    assert shop.predicted_sql == "SELECT count(*) FROM nowhere"
    assert shop.error.startswith("prediction failed: ") and "nowhere" in shop.error
    assert run.results[0].error == "declined: not in my list"
    assert run.results[0].predicted_sql is None


def test_a_slow_prediction_times_out_and_the_run_goes_on(spider_dir, connections) -> None:
    model = FixedModel(
        {
            "How many animals are there?": [SLOW_SQL, "SELECT count(*) FROM animal"],
            "How many keepers are there?": ["SELECT count(*) FROM keeper"],
        }
    )
    started = time.perf_counter()
    run = _evaluate(spider_dir, model, connections, timeout_s=0.5)
    assert time.perf_counter() - started < 10
    slow = run.results[0]
    assert slow.error == "timeout" and not slow.correct
    assert slow.predicted_sql == SLOW_SQL and len(slow.attempts) == 1  # a timeout is not retried
    assert run.results[1].correct  # the next question is answered as usual


def test_accuracy_by_shape(tmp_path: Path, connections) -> None:
    questions = [
        ("zoo", "q1", "SELECT name FROM animal WHERE species = 'lion'"),
        ("zoo", "q2", "SELECT species, count(*) FROM animal GROUP BY species"),
        (
            "zoo",
            "q3",
            "SELECT k.name FROM keeper AS k JOIN animal AS a "
            "ON a.keeper_id = k.keeper_id WHERE a.age > 4",
        ),
        ("zoo", "q4", "SELECT name FROM animal ORDER BY weight_kg DESC"),
    ]
    folder = make_spider_folder(tmp_path / "s", questions=questions)
    model = FixedModel(
        {
            "q1": ["SELECT name FROM animal WHERE species LIKE 'LION'"],
            "q2": ["SELECT species, count(animal_id) FROM animal GROUP BY 1 ORDER BY 2"],
            "q3": ["SELECT name FROM keeper"],  # wrong: all keepers
            "q4": ["SELECT name FROM animal ORDER BY weight_kg"],  # wrong order
        }
    )
    summary = Summary.from_run(_evaluate(folder, model, connections))
    assert summary.by_shape[SINGLE] == (2, 1)
    assert summary.by_shape[GROUPED] == (1, 1)
    assert summary.by_shape[ONE_JOIN] == (1, 0)
    assert summary.correct == 2


def test_schema_from_the_database_alone_or_with_tables_json(tmp_path, connections) -> None:
    with_json = SpiderSource(SpiderData(make_spider_folder(tmp_path / "a")), connections)
    without = SpiderSource(
        SpiderData(make_spider_folder(tmp_path / "b", tables_json=False)), connections
    )
    plain = without.open("zoo").schema
    assert sorted(plain.table_names) == ["animal", "keeper"]
    assert plain.table("animal").foreign_keys == ()
    assert plain.table("animal").column("weight_kg").comment is None
    rich = with_json.open("zoo")
    animal = rich.schema.table("animal")
    fks = [(fk.columns, fk.ref_table) for fk in animal.foreign_keys]
    assert fks == [(("keeper_id",), "keeper")]
    assert animal.column("weight_kg").comment == "weight in kilograms"
    assert animal.column("species").comment is None  # says nothing more than the name
    assert rich.schema.table("keeper").comment == "zoo keeper"
    assert rich.values is not None and rich.values.match("lion")


def test_bad_folders_and_models_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(EvalDataError, match="questions.json"):
        SpiderData(tmp_path)
    (tmp_path / "questions.json").write_text(json.dumps([{"db_id": "x", "question": "q"}]))
    with pytest.raises(EvalDataError, match="entry 0"):
        SpiderData(tmp_path).questions()
    with pytest.raises(UnknownModelError, match="builtin"):
        load_model("gpt-99")


def test_percentile_is_nearest_rank() -> None:
    values = list(range(1, 101))
    assert (percentile(values, 50), percentile(values, 95), percentile([7.0], 95)) == (50, 95, 7.0)


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "askdb_server.cli", "eval", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=240,
    )


def test_cli_prints_the_summary_and_writes_aligned_predictions(
    spider_dir_without_tables: Path, tmp_path: Path
) -> None:
    out = tmp_path / "preds" / "predictions.json"
    done = _cli(str(spider_dir_without_tables), "--out", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "execution accuracy: 42.9% (3/7)" in done.stdout
    assert "single table" in done.stdout and "p95" in done.stdout
    assert "askdb eval: 100%" in done.stderr  # the progress bar
    preds = json.loads(out.read_text())
    assert [(p["db_id"], p["question"]) for p in preds] == [(d, q) for d, q, _ in QUESTIONS]
    for p in preds:
        assert {"db_id", "question", "predicted_sql", "ms", "error"} <= set(p)
    assert preds[0]["predicted_sql"] and preds[0]["ms"] > 0 and preds[0]["error"] is None
    assert preds[4]["predicted_sql"] is None and preds[4]["error"].startswith("database missing")


def test_cli_filters_and_refuses_bad_arguments(spider_dir: Path, tmp_path: Path) -> None:
    done = _cli(
        str(spider_dir),
        "--db",
        "shop",
        "zoo",
        "--limit",
        "2",
        "--no-embeddings",
        "--no-progress",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "2 questions on 1 databases" in done.stdout and "(2/2)" in done.stdout
    assert done.stderr == ""
    bad = _cli(str(tmp_path / "nowhere"), cwd=tmp_path)
    assert bad.returncode == 2 and "No such folder" in bad.stderr
    both = _cli(str(spider_dir), "--project", "p", cwd=tmp_path)
    assert both.returncode == 2 and "either a data folder or --project" in both.stderr


class CrashingModel(FixedModel):
    """A model with a bug on one question."""

    def generate(self, question, schema, values) -> list[str]:
        if question == "How many keepers are there?":
            raise TypeError("expected string, got None")
        return super().generate(question, schema, values)


def test_a_model_crash_is_a_miss_and_the_run_goes_on(spider_dir: Path, connections) -> None:
    model = CrashingModel({"How many animals are there?": ["SELECT count(*) FROM animal"]})
    run = _evaluate(spider_dir, model, connections)
    crashed = run.results[1]
    assert crashed.error == "model error: TypeError: expected string, got None"
    assert crashed.predicted_sql is None and not crashed.correct
    assert run.results[0].correct and len(run.results) == len(QUESTIONS)
    assert Summary.from_run(run).failures["model error"] == 1
