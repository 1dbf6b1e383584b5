"""The ``askdb`` command line: ``askdb demo-db PATH``, ``askdb eval DATA_DIR``, ``askdb serve``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .evaluation.command import add_eval_parser


def _demo_db(args: argparse.Namespace) -> int:
    from .demo import create_demo_database

    path = create_demo_database(Path(args.path), seed=args.seed)
    print(f"Demo database written to {path}")
    print(f"Connect from a notebook with:  %askdb connect sqlite:///{path.resolve()}")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from .hub.serve import serve

    return serve(args.extra, standalone=args.standalone)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="askdb", description="AskDB command line tools.")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo-db", help="create the demo shop database (SQLite)")
    demo.add_argument("path", help="where to write the SQLite file")
    demo.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    demo.set_defaults(func=_demo_db)
    add_eval_parser(sub)
    serve = sub.add_parser(
        "serve",
        help="run the AskDB API alone (no JupyterLab); a JupyterHub service when the hub starts it",
        description="Any Jupyter server option passes through: --ip, --port, --config FILE, "
        "--AskDBApp.database_url=URL, --AskDBHub.organization=NAME, ...",
    )
    serve.add_argument(
        "--standalone",
        action="store_true",
        help="AskDB's own accounts (register, log in) instead of Jupyter's token or a hub",
    )
    serve.set_defaults(func=_serve, passes_options=True)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from .errors import AskDBError

    parser = build_parser()
    # `serve` hands every option it does not know to the Jupyter server (--port, --Class.trait=…)
    args, extra = parser.parse_known_args(argv)
    if extra and not getattr(args, "passes_options", False):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.extra = extra
    try:
        return args.func(args)
    except AskDBError as e:
        print(f"askdb: {e.message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
