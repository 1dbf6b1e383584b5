"""``askdb eval``: measure a model on a Spider-layout folder or on a project's approved pairs."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import TYPE_CHECKING

from ..errors import EvalDataError

if TYPE_CHECKING:
    from ..sqlrun.connections import ConnectionRegistry
    from .dataset import DatabaseSource, EvalItem
    from .models import SQLModel
    from .runner import EvalRun

# Mirrors runner.DEFAULT_TIMEOUT_S; the runner's imports are too heavy for `askdb --help`.
DEFAULT_TIMEOUT_S = 5.0


def add_eval_parser(sub: argparse._SubParsersAction) -> None:
    """The ``eval`` subcommand and its options."""
    p = sub.add_parser(
        "eval",
        help="measure a model's execution accuracy on questions with gold SQL",
        description="Generate SQL for every question, run it and the gold SQL read-only, and "
        "print execution accuracy overall and by shape, with generation latency.",
    )
    p.add_argument(
        "data_dir",
        nargs="?",
        help="a folder in Spider's layout: questions.json, "
        "database/<db_id>/<db_id>.sqlite, optionally tables.json",
    )
    p.add_argument("--project", help="evaluate on this project's approved question/SQL pairs")
    p.add_argument("--out", help="write predictions here (JSON, aligned with the questions)")
    p.add_argument("--model", default="builtin", help="the model to measure (default builtin)")
    p.add_argument("--limit", type=int, help="only the first N questions")
    p.add_argument(
        "--db",
        nargs="+",
        action="extend",
        metavar="DB_ID",
        help="only questions on these databases",
    )
    p.add_argument(
        "--no-embeddings", action="store_true", help="link the schema by names only, without MiniLM"
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_S,
        help=f"seconds each query may run (default {DEFAULT_TIMEOUT_S:g})",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument(
        "--askdb-data-dir",
        help="with --project: AskDB's data folder (default: the Jupyter data folder's askdb/)",
    )
    p.add_argument("--user", help="with --project: whose project (default: the OS user)")
    p.set_defaults(func=run_eval_command)


def run_eval_command(args: argparse.Namespace) -> int:
    """Run the evaluation ``args`` describe, print the summary, write ``--out``."""
    # Heavy imports (the engine, SQLAlchemy) only when a run starts.
    from ..sqlrun.connections import ConnectionRegistry
    from .dataset import SpiderData, SpiderSource
    from .models import load_model
    from .report import Summary, format_summary, write_predictions

    if bool(args.data_dir) == bool(args.project):
        raise EvalDataError("Give either a data folder or --project NAME (not both).")
    if args.limit is not None and args.limit < 1:
        raise EvalDataError("--limit must be at least 1.")
    if args.timeout <= 0:
        raise EvalDataError("--timeout must be positive.")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the embedder never reaches a model hub
    embedder = None
    if not args.no_embeddings:
        from ..knowledge.embedder import MiniLMEmbedder

        embedder = MiniLMEmbedder()
    model = load_model(args.model, embedder)
    connections = ConnectionRegistry()
    try:
        if args.project:
            run = _run_on_project(args, model, connections)
        else:
            data = SpiderData(args.data_dir)
            items = data.questions(args.db, args.limit)
            if not items:
                raise EvalDataError("No questions to evaluate (check --db).")
            source = SpiderSource(data, connections)
            run = _evaluate(args, model, source, connections, items)
    finally:
        connections.dispose()
    print(format_summary(Summary.from_run(run)))
    if args.out:
        path = write_predictions(args.out, run.results)
        print(f"predictions written to {path}")
    return 0


def _evaluate(
    args: argparse.Namespace,
    model: SQLModel,
    source: DatabaseSource,
    connections: ConnectionRegistry,
    items: list[EvalItem],
) -> EvalRun:
    from .runner import Evaluator, make_runner

    evaluator = Evaluator(model, source, make_runner(connections), timeout_s=args.timeout)
    return evaluator.run(items, progress=not args.no_progress and sys.stderr is not None)


def _run_on_project(
    args: argparse.Namespace, model: SQLModel, connections: ConnectionRegistry
) -> EvalRun:
    from ..services import Services, Settings
    from .project import ProjectSource, project_items

    # No --askdb-data-dir: the server's own data_dir default.
    settings = Settings.defaults(args.askdb_data_dir or None, use_embeddings=False)
    services = Services.build(settings)
    try:
        who = services.users.ensure(args.user or getpass.getuser())
        items = project_items(services, who, args.project)[: args.limit]
        source = ProjectSource(services, who, args.project)
        return _evaluate(args, model, source, connections, items)
    finally:
        services.close()
