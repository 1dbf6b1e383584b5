"""The hostile-SQL corpus (issue 10): through the guard alone, then end to end with canaries.

Every hostile statement of ``corpus/`` goes (i) through ``check_sql`` with the project's
schema, where it must be refused (or, for entries marked ``either``, be let through harmlessly),
and (ii) through ``QueryRunner.run`` against real SQLite, PostgreSQL (as ``postgres``) and
MariaDB (as ``root``) with the unsafe ``allow_privileged`` override, then (iii) again as a
read-only role. After each statement ``corpus_world`` checks every canary: no effect (rows,
files, sequences, locks, the victim session, state on the pooled connection), no leak (canary
strings, /etc/passwd, password hashes, the victim's SQL — in rows or error messages), no overrun
(time past the timeout plus 2 s, answers past the byte cap, memory). Every legitimate query must
pass the guard and run.

Script mode prints the issue's table (and every failing statement)::

    .venv/bin/python -m tests.server.sqlrun.test_corpus [--backend sqlite|postgres|mariadb]
        [--role admin|readonly] [--id ID-PREFIX] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator

import pytest

from tests.helpers.databases import MARIADB_ADMIN_URL, PG_ADMIN_URL

from . import corpus
from .corpus_world import GUARD_ERRORS, ROLES, Outcome, World, build, run_entry

BACKEND_OF = {"sqlite": "sqlite", "postgres": "postgres", "mysql": "mariadb"}
_MARKS = {"postgres": [pytest.mark.postgres], "mysql": [pytest.mark.mariadb], "sqlite": []}


@pytest.fixture(scope="module")
def worlds() -> Iterator[Callable[[str], World]]:
    """Each backend's world, built on first use and shared by every test of the module."""
    built: dict[str, World] = {}

    def get(dialect: str) -> World:
        backend = BACKEND_OF[dialect]
        if backend not in built:
            built[backend] = build(backend, PG_ADMIN_URL, MARIADB_ADMIN_URL)
        return built[backend]

    yield get
    for world in built.values():
        world.close()


def _params(entries: list[dict], roles: tuple[str, ...] = ()) -> list:
    if not roles:
        return [pytest.param(e, id=e["id"], marks=_MARKS[e["dialect"]]) for e in entries]
    return [
        pytest.param(role, e, id=f"{role}-{e['id']}", marks=_MARKS[e["dialect"]])
        for role in roles
        for e in entries
    ]


def test_the_corpus_is_large_and_spans_dialects_and_classes() -> None:
    assert len(corpus.HOSTILE) >= 300 and len(corpus.LEGIT) >= 100
    for dialect in corpus.DIALECTS:
        assert len(corpus.legit(dialect)) >= 30
        for cls in corpus.CLASSES:
            assert any(e["class"] == cls for e in corpus.hostile(dialect)), (dialect, cls)


@pytest.mark.parametrize("entry", _params(corpus.HOSTILE))
def test_the_guard_refuses_hostile_sql(entry: dict, worlds: Callable[[str], World]) -> None:
    world = worlds(entry["dialect"])
    sql = world.render(entry["sql"])
    policy = world.policy_for("readonly", entry)
    if entry["expect"] == "refuse":
        with pytest.raises(GUARD_ERRORS):
            world.guard(sql, policy)
    else:  # harmless if let through (checked end to end); the guard must not crash on it
        try:
            world.guard(sql, policy)
        except GUARD_ERRORS:
            pass


@pytest.mark.parametrize("entry", _params(corpus.LEGIT))
def test_the_guard_passes_legitimate_sql(entry: dict, worlds: Callable[[str], World]) -> None:
    world = worlds(entry["dialect"])
    world.guard(world.render(entry["sql"]), world.policy_for("readonly", entry))


@pytest.mark.parametrize(("role", "entry"), _params(corpus.HOSTILE, ROLES))
def test_hostile_sql_has_no_effect_leak_or_overrun(
    role: str, entry: dict, worlds: Callable[[str], World]
) -> None:
    outcome = run_entry(worlds(entry["dialect"]), entry, role)
    assert not outcome.problems, outcome.describe()


@pytest.mark.parametrize(("role", "entry"), _params(corpus.LEGIT, ROLES))
def test_legitimate_sql_runs(role: str, entry: dict, worlds: Callable[[str], World]) -> None:
    outcome = run_entry(worlds(entry["dialect"]), entry, role)
    assert not outcome.problems, outcome.describe()
    assert outcome.result is not None


_TABLE_ENTRIES = [e for e in corpus.HOSTILE if e["class"] == "table"]


@pytest.mark.parametrize("entry", _params(_TABLE_ENTRIES))
def test_with_introspection_allowed_no_secret_leaks(
    entry: dict, worlds: Callable[[str], World]
) -> None:
    """A project that allows introspection queries still shows no password hashes, canaries,
    other sessions' SQL or server files (as the read-only role, the recommended setup)."""
    outcome = run_entry(worlds(entry["dialect"]), entry, "readonly", introspection=True)
    assert not outcome.problems, outcome.describe()


# The canaries' own test, last because it leaves files and tables behind: statements sent past
# the guard (as the privileged roles) must show up as the effect or leak they are.
_CANARY_CHECKS = [
    ("sqlite", "SELECT * FROM secret_t", "leak"),
    ("sqlite", "VACUUM INTO '__CANARY_DIR__/selftest.db'", "effect"),
    ("postgres", "SELECT ssn FROM hr.salaries", "leak"),
    ("postgres", "SELECT pg_read_file('__CANARY_FILE__')", "leak"),
    ("postgres", "SELECT CAST(pg_read_file('/etc/passwd') AS int)", "leak"),
    ("postgres", "SELECT query FROM pg_stat_activity", "leak"),
    ("postgres", "SELECT rolpassword FROM pg_authid", "leak"),
    ("postgres", "SELECT pg_cancel_backend(__VICTIM__)", "effect"),
    (
        "postgres",
        "SELECT dblink_exec('dbname=__DB__', 'CREATE TABLE __EVIL___self (a int)')",
        "effect",
    ),
    ("postgres", "COPY (SELECT 1) TO PROGRAM 'touch __CANARY_DIR__/selftest'", "effect"),
    ("mysql", "SELECT LOAD_FILE('__CANARY_FILE__')", "leak"),
    ("mysql", "SELECT LOAD_FILE('/etc/passwd')", "leak"),
    ("mysql", "SELECT INFO FROM information_schema.PROCESSLIST", "leak"),
    ("mysql", "SELECT authentication_string FROM mysql.user", "leak"),
    ("mysql", "SELECT * FROM __HR__.salaries", "leak"),
    ("mysql", "KILL QUERY __VICTIM__", "effect"),
    ("mysql", "SELECT 1 INTO OUTFILE '__CANARY_DIR__/selftest.txt'", "effect"),
]


@pytest.mark.parametrize(
    ("dialect", "sql", "kind"),
    [
        pytest.param(d, sql, kind, id=f"{d}-{i}", marks=_MARKS[d])
        for i, (d, sql, kind) in enumerate(_CANARY_CHECKS)
    ],
)
def test_the_canaries_see_what_a_statement_past_the_guard_does(
    dialect: str, sql: str, kind: str, worlds: Callable[[str], World]
) -> None:
    entry = {
        "id": "canary-check",
        "dialect": dialect,
        "class": "write",
        "sql": sql,
        "note": "sent past the guard",
        "harm": kind,
        "expect": "either",
    }
    outcome = run_entry(worlds(dialect), entry, "admin", guarded=False)
    found = outcome.effects if kind == "effect" else outcome.leaks
    assert found, outcome.describe()


# --- script mode: the table -------------------------------------------------------------

_ROWS = [
    ("passed the guard and executed with an effect", lambda o: bool(o.hostile and o.effects)),
    ("passed the guard and leaked", lambda o: bool(o.hostile and o.leaks)),
    ("ran past the limits (time, bytes, memory)", lambda o: bool(o.overruns)),
    ("legitimate read-only queries refused", lambda o: bool(o.false_refusal)),
]
_COLUMNS = [("sqlite", "SQLite"), ("postgres", "PostgreSQL"), ("mysql", "MariaDB")]


def report(outcomes: list[Outcome], out=sys.stdout) -> None:
    """Print the issue's table per role, then every statement that counts in it."""
    for role in ROLES:
        mine = [o for o in outcomes if o.role == role]
        if not mine:
            continue
        label = {
            "admin": "superuser/root with the allow_privileged override",
            "readonly": "read-only roles",
        }[role]
        dialects = [(d, name) for d, name in _COLUMNS if any(o.entry["dialect"] == d for o in mine)]
        print(f"\n### {label}\n", file=out)
        print("| outcome | " + " | ".join(name for _, name in dialects) + " |", file=out)
        print("|---|" + "---|" * len(dialects), file=out)
        for title, counts in _ROWS:
            cells = [
                sum(1 for o in mine if o.entry["dialect"] == d and counts(o)) for d, _ in dialects
            ]
            print(f"| {title} | " + " | ".join(map(str, cells)) + " |", file=out)
        totals = Counter(o.entry["dialect"] for o in mine if o.hostile)
        legit = Counter(o.entry["dialect"] for o in mine if not o.hostile)
        passed = Counter(o.entry["dialect"] for o in mine if o.hostile and o.refused is None)
        print(
            "| (hostile statements / let through by the guard / legitimate) | "
            + " | ".join(f"{totals[d]} / {passed[d]} / {legit[d]}" for d, _ in dialects)
            + " |",
            file=out,
        )
    bad = [o for o in outcomes if o.problems]
    if bad:
        print(f"\n{len(bad)} statements with problems:\n", file=out)
        for o in bad:
            print(o.describe(), file=out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", action="append", choices=["sqlite", "postgres", "mariadb"])
    parser.add_argument("--role", action="append", choices=list(ROLES))
    parser.add_argument("--id", action="append", help="only entries whose id starts with this")
    parser.add_argument("--json", help="write every outcome to this file")
    args = parser.parse_args(argv)
    backends = args.backend or ["sqlite", "postgres", "mariadb"]
    roles = tuple(args.role or ROLES)
    outcomes: list[Outcome] = []
    started = time.monotonic()
    for dialect, backend in BACKEND_OF.items():
        if backend not in backends:
            continue
        world = build(backend, PG_ADMIN_URL, MARIADB_ADMIN_URL)
        try:
            for role in roles:
                for entry in corpus.hostile(dialect) + corpus.legit(dialect):
                    if args.id and not entry["id"].startswith(tuple(args.id)):
                        continue
                    outcomes.append(run_entry(world, entry, role))
        finally:
            try:
                world.close()
            except Exception as e:  # the figures still stand; say what was left behind
                print(f"warning: could not clean up the {backend} world: {e}", file=sys.stderr)
    report(outcomes)
    print(f"\n{len(outcomes)} runs in {time.monotonic() - started:.0f} s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(
                [
                    {
                        "id": o.entry["id"],
                        "role": o.role,
                        "sql": o.sql,
                        "refused": repr(o.refused) if o.refused else None,
                        "error": repr(o.error) if o.error else None,
                        "elapsed_s": round(o.elapsed_s, 3),
                        "problems": o.problems,
                    }
                    for o in outcomes
                ],
                f,
                indent=1,
            )
    return 1 if any(o.problems for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
