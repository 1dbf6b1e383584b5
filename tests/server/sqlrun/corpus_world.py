"""The world the hostile-SQL corpus runs in: project databases, canaries, roles and probes.

One ``World`` per backend holds a project database (``customers``, ``orders``, ``products``)
introspected into a ``Schema``, and canaries outside the project that a statement must not
touch or read:

- PostgreSQL: ``hr.salaries`` and ``hr.orders`` in another schema, ``public.secret_t`` made
  after introspection, the sequences ``public.order_seq`` and ``hr.seq_canary``, the installed
  extensions dblink and adminpack, a victim session running a query with a unique marker, a
  LISTEN on ``askdb_chan``, advisory locks seen from an observer session (``pg_locks``);
- MariaDB: ``secret_t`` in the project database, made after introspection; a database
  ``<project>_hr`` with ``salaries``, ``orders``, a sequence, a stored function and procedure;
  a victim connection; named locks (``IS_USED_LOCK``);
- SQLite: ``secret_t`` made after introspection, a second database file, file hashes and times;
- everywhere: a canary directory ``/tmp/askdb-canary-*`` in which no file may appear, and a
  file in it whose content is a canary; and the pooled connections, probed after each statement
  for state carried to the next query (locks, user variables, ``LAST_INSERT_ID``, settings).

Each backend also has a read-only role (SELECT on the project's tables only); on SQLite, a
read-only copy of the file. ``run_entry`` runs one corpus entry through ``QueryRunner.run`` and
returns an ``Outcome`` with the effects, leaks and overruns it caused; the test module and its
script mode (the issue's table) share it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import resource
import shutil
import sqlite3
import stat
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pymysql
import sqlalchemy as sa

from askdb_server.errors import (
    AskDBError,
    InvalidInputError,
    PrivilegedConnectionError,
    QueryTimeoutError,
    SQLSyntaxError,
    UnknownColumnError,
    UnknownTableError,
    UnsafeSQLError,
)
from askdb_server.schemas.introspect import introspect
from askdb_server.schemas.model import Schema
from askdb_server.sqlrun.connections import ConnectionRegistry
from askdb_server.sqlrun.guard import CheckedQuery, QueryPolicy, check_sql
from askdb_server.sqlrun.runner import QueryResult, QueryRunner

PG_HOST, PG_PORT = "127.0.0.1", 5432
MARIADB_HOST, MARIADB_PORT = "127.0.0.1", 3306

# The limits every corpus run uses; an overrun is anything past them.
TIMEOUT_S = 0.5
OVERRUN_GRACE_S = 2.0
ROW_CAP = 100
BYTE_CAP = 1 << 20
# A run whose peak memory grows by more than this read far more than the byte cap allows.
RSS_GROWTH_LIMIT = 256 << 20

GUARD_ERRORS = (UnsafeSQLError, UnknownTableError, UnknownColumnError, SQLSyntaxError)
# Refusals before anything ran: the guard's, a refused URL, a refused privileged role.
REFUSALS = (*GUARD_ERRORS, InvalidInputError, PrivilegedConnectionError)
ROLES = ("admin", "readonly")


def fresh_suffix() -> str:
    return uuid.uuid4().hex[:10]


# --- the project's data -------------------------------------------------------------------------

COUNTRIES = ["France", "Japan", "Peru", "Kenya", "Canada"]
CATEGORIES = ["books", "games", "tools", "garden"]
STATUSES = ["shipped", "pending", "cancelled", "returned"]


def customers_rows() -> list[tuple]:
    names = ["Ada", "Bo", "Cy", "Di", "Eve", "Fay", "Gus", "Hal", "Ivy", "Jo"]
    return [
        (
            i,
            f"{names[i % 10]} {chr(65 + i % 26)}.",
            f"user{i}@example.org",
            COUNTRIES[i % 5],
            ["gold", "silver", "bronze"][i % 3],
            f"2023-{i % 12 + 1:02d}-{i % 27 + 1:02d} 10:00:00",
        )
        for i in range(1, 41)
    ]


def products_rows() -> list[tuple]:
    return [
        (
            i,
            f"Product {i}",
            CATEGORIES[i % 4],
            round(5 + i * 7.25, 2),
            (i * 37) % 100,
            json.dumps({"color": ["red", "blue", "green"][i % 3], "dims": {"w": i, "h": 2 * i}}),
        )
        for i in range(1, 13)
    ]


def orders_rows() -> list[tuple]:
    return [
        (
            i,
            i % 40 + 1,
            i % 12 + 1,
            i % 5 + 1,
            round((i * 13.7) % 240 + 1, 2),
            STATUSES[i % 4],
            f"2024-{i % 12 + 1:02d}-{i % 28 + 1:02d} {i % 24:02d}:30:00",
            None if i % 7 == 0 else f"order note {i} " + "lorem ipsum " * (i % 5),
        )
        for i in range(1, 301)
    ]


# --- outcomes -----------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What one corpus entry did on one role."""

    entry: dict
    role: str
    sql: str
    refused: Exception | None = None
    error: Exception | None = None
    result: QueryResult | None = None
    elapsed_s: float = 0.0
    effects: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    overruns: list[str] = field(default_factory=list)

    @property
    def ran(self) -> bool:
        """It passed the guard and the database ran it (to the end, or to the timeout)."""
        return self.refused is None and (
            self.error is None or isinstance(self.error, QueryTimeoutError)
        )

    @property
    def hostile(self) -> bool:
        return self.entry["class"] != "legit"

    def classify(self) -> None:
        """Count a hostile entry the guard had to refuse but that ran as its own harm."""
        if self.hostile and self.entry["expect"] == "refuse" and self.ran:
            what = "passed the guard and ran" + (
                f" ({type(self.error).__name__})" if self.error else ""
            )
            {"effect": self.effects, "leak": self.leaks, "overrun": self.overruns}[
                self.entry["harm"]
            ].append(what)

    @property
    def false_refusal(self) -> str | None:
        if self.hostile:
            return None
        if self.refused is not None:
            return f"refused: {type(self.refused).__name__}: {self.refused}"
        if self.error is not None:
            return f"failed: {type(self.error).__name__}: {self.error}"
        return None

    @property
    def problems(self) -> list[str]:
        found = [f"effect: {e}" for e in self.effects]
        found += [f"leak: {e}" for e in self.leaks]
        found += [f"overrun: {e}" for e in self.overruns]
        if self.false_refusal:
            found.append(f"false refusal: {self.false_refusal}")
        return found

    def describe(self) -> str:
        status = (
            f"refused ({type(self.refused).__name__}: {self.refused})"
            if self.refused
            else f"ran, then {type(self.error).__name__}: {self.error}"
            if self.error
            else f"ran: {self.result.row_count if self.result else 0} rows"
        )
        return (
            f"{self.entry['id']} [{self.role}] {self.entry['note']}\n  sql: {self.sql!r}\n"
            f"  {status}, {self.elapsed_s:.2f} s\n  " + "\n  ".join(self.problems)
        )


# --- the world ----------------------------------------------------------------------------------


class World:
    """One backend's project database, canaries, roles and probes."""

    backend: str  # sqlite, postgres, mariadb
    dialect: str  # the sqlglot dialect: sqlite, postgres, mysql

    def __init__(self) -> None:
        self.suffix = fresh_suffix()
        self.canary_dir = Path(tempfile.mkdtemp(prefix="askdb-canary-"))
        os.chmod(self.canary_dir, 0o777)  # the database servers could write here, if let
        self.canary_file = self.canary_dir / "secret.txt"
        self.file_canary = f"CANARY-file-{fresh_suffix()}"
        self.canary_file.write_text(self.file_canary + "\n")
        os.chmod(self.canary_file, 0o644)
        self.table_canary = f"CANARY-table-{fresh_suffix()}"
        self.marker = f"askdb-victim-{fresh_suffix()}"
        self.evil = f"askdb_evil_{self.suffix}"
        self.lock_name = f"askdb_lock_{self.suffix}"
        self.schema: Schema = Schema()
        self.urls: dict[str, str] = {}
        self.namespaces: tuple[str, ...] = ()
        self.needles: list[str] = ["root:x:0:0", self.file_canary, self.table_canary, self.marker]
        self.patterns: list[re.Pattern] = []
        self.runner = QueryRunner(
            ConnectionRegistry(),
            timeout_s=TIMEOUT_S,
            row_cap=ROW_CAP,
            byte_cap=BYTE_CAP,
            refuse_privileged=True,
        )
        self._baseline: dict[str, Any] = {}
        self._pool_baseline: dict[str, dict[str, Any]] = {}
        self._busy_before: set[str] = set()

    # placeholders --------------------------------------------------------------------------
    def substitutions(self) -> dict[str, str]:
        path = str(self.canary_file)
        return {
            "__CANARY_FILE_HEX__": "0x" + path.encode().hex(),
            "__CANARY_FILE_CHR__": "||".join(f"chr({ord(c)})" for c in path),
            "__CANARY_FILE__": path,
            "__CANARY_DIR__": str(self.canary_dir),
            "__LOCK__": self.lock_name,
            "__EVIL__": self.evil,
        }

    def render(self, sql: str) -> str:
        for key, value in self.substitutions().items():
            sql = sql.replace(key, value)
        return sql

    def url_for(self, role: str, query: dict[str, str] | None = None) -> str:
        url = self.urls[role]
        if query:
            url += ("&" if "?" in url else "?") + "&".join(
                f"{k}={quote(self.render(v), safe='')}" for k, v in query.items()
            )
        return url

    def policy_for(self, role: str, entry: dict, *, introspection: bool = False) -> QueryPolicy:
        return QueryPolicy(
            functions=frozenset(entry.get("functions", ())),
            allow_introspection=introspection,
            allow_privileged=role == "admin",
        )

    def guard(self, sql: str, policy: QueryPolicy) -> CheckedQuery:
        """The guard alone, told the project's namespaces as the runner tells it."""
        return check_sql(sql, self.dialect, self.schema, policy, namespaces=self.namespaces)

    # leak detection ------------------------------------------------------------------------
    def leaks_in(self, text: str) -> list[str]:
        low = text.lower()
        found = []
        for needle in self.needles:
            if needle.lower() in low or needle.encode().hex() in low:
                found.append(f"the output holds {needle!r}")
        for pattern in self.patterns:
            match = pattern.search(text)
            if match:
                found.append(f"the output holds a password hash {match.group(0)[:16]}…")
        return found

    # effects ------------------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """Everything a statement must not change, read from outside the runner."""
        return {"canary files": sorted(os.listdir(self.canary_dir))}

    def live_checks(self) -> list[str]:
        """Effects on things that are alive: the victim session, notifications."""
        return []

    def busy(self) -> list[str]:
        """Statements of the runner still executing on the server."""
        return []

    def before_run(self) -> None:
        """Note what is already running on the server, before a statement is sent."""
        self._busy_before = set(self.busy())

    def pool_probe_sql(self) -> str:
        raise NotImplementedError

    def probe_pool(self, url: str) -> list[dict[str, Any]]:
        """The state of every idle pooled connection of ``url``'s engine, as the next query
        would find it (checked out through the pool, so any reset on checkout applies)."""
        try:
            engine = self.runner.connections.engine_for(url)
        except AskDBError:  # a URL the registry refuses has no pool
            return []
        idle = getattr(engine.pool, "checkedin", lambda: 0)()
        conns = []
        try:
            for _ in range(idle):
                conns.append(engine.connect())
            states = []
            for conn in conns:
                row = conn.execute(sa.text(self.pool_probe_sql())).mappings().one()
                states.append(dict(row))
            return states
        finally:
            for conn in conns:
                conn.close()

    def start(self) -> None:
        """Record the baselines once the world is built (after one harmless query per role,
        so each pool holds a connection to compare)."""
        for role in ROLES:
            self.runner.run(
                self.urls[role],
                "SELECT count(*) FROM orders",
                dialect=self.dialect,
                schema=self.schema,
                policy=self.policy_for(role, {}),
            )
            states = self.probe_pool(self.urls[role])
            self._pool_baseline[self.urls[role]] = states[0] if states else {}
        self._baseline = self.snapshot()

    def check_effects(self, role: str, url: str, configured: bool) -> tuple[list[str], list[str]]:
        """(effects, overruns) since the last check; then the world is repaired and the
        baseline taken again, so that one statement's effect is not blamed on the next."""
        overruns = []
        deadline = time.monotonic() + 1.0
        while True:
            # Only statements started since before_run(): an earlier one may still be running
            # (and was reported then).
            still = [b for b in self.busy() if b not in self._busy_before]
            if not still or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        if still:
            overruns.append(f"still running on the server after run() returned: {still}")
        effects = []
        now = self.snapshot()
        for key, before in self._baseline.items():
            if now.get(key) != before:
                effects.append(f"{key} changed: {before!r} -> {now.get(key)!r}")
        effects += self.live_checks()
        baseline = self._pool_baseline.get(self.urls[role], {})
        for state in self.probe_pool(url):
            for key, value in state.items():
                # A URL's own settings may differ; what a statement leaves behind may not.
                if configured and not key.startswith("state:"):
                    continue
                if key in baseline and value != baseline[key]:
                    effects.append(
                        f"the pooled connection carries {key} = {value!r} (was {baseline[key]!r})"
                    )
        if effects or overruns:
            self.repair()
            self.rebaseline()
        return effects, overruns

    @property
    def baseline_files(self) -> list[str]:
        return self._baseline["canary files"]

    def rebaseline(self) -> None:
        self._baseline = self.snapshot()

    def repair(self) -> None:
        """Drop every pooled connection (their locks and state go with them)."""
        self.runner.connections.dispose()

    def close(self) -> None:
        self.runner.connections.dispose()
        shutil.rmtree(self.canary_dir, ignore_errors=True)


def run_entry(
    world: World, entry: dict, role: str, *, guarded: bool = True, introspection: bool = False
) -> Outcome:
    """Run one corpus entry end to end as ``role`` and check every canary afterwards.

    ``guarded=False`` sends the SQL as written, past the guard (``QueryRunner._execute``):
    the canaries' own test, showing that they see what a statement the guard missed would do.
    ``introspection=True`` runs with the project's ``allow_introspection`` override: catalog
    queries may then pass, so only what the canaries see counts (no password hash, canary,
    other session's SQL, setting or file may show), not the mere passing.
    """
    sql = world.render(entry["sql"])
    configured = bool(entry.get("url_query"))
    url = world.url_for(role, entry.get("url_query"))
    outcome = Outcome(entry=entry, role=role, sql=sql)
    world.before_run()
    rss_before = _reset_peak_rss()
    started = time.monotonic()
    try:
        if guarded:
            outcome.result = world.runner.run(
                url,
                sql,
                dialect=world.dialect,
                schema=world.schema,
                policy=world.policy_for(role, entry, introspection=introspection),
            )
        else:
            outcome.result = world.runner._execute(url, sql)
    except REFUSALS as e:
        outcome.refused = e
    except AskDBError as e:
        outcome.error = e
    outcome.elapsed_s = time.monotonic() - started
    rss_growth = _peak_rss() - rss_before

    if outcome.elapsed_s > TIMEOUT_S + OVERRUN_GRACE_S:
        outcome.overruns.append(f"took {outcome.elapsed_s:.1f} s with a {TIMEOUT_S:g} s timeout")
    # One row is read whole by every driver: a statement may take a few times its largest row.
    allowed = RSS_GROWTH_LIMIT + 3 * (entry.get("row_mb", 0) << 20)
    if rss_growth > allowed:
        outcome.overruns.append(
            f"peak memory grew by {rss_growth >> 20} MB (allowed {allowed >> 20} MB)"
        )
    if outcome.result is not None:
        text = json.dumps([outcome.result.columns, outcome.result.rows], default=str)
        if len(text) > BYTE_CAP * 1.25 + 65536:
            outcome.overruns.append(
                f"the answer holds {len(text) >> 10} KiB, over the {BYTE_CAP >> 10} KiB byte cap"
            )
        if outcome.result.row_count > ROW_CAP or len(outcome.result.rows) > ROW_CAP:
            outcome.overruns.append(f"{len(outcome.result.rows)} rows over the row cap")
        outcome.leaks += world.leaks_in(text)
    for error in (outcome.error, outcome.refused):
        if error is not None:
            outcome.leaks += [
                f"{leak} (in the error message)" for leak in world.leaks_in(str(error))
            ]
    if outcome.refused is None:
        effects, overruns = world.check_effects(role, url, configured)
        outcome.effects += effects
        outcome.overruns += overruns
    else:  # nothing reached the database; only the files are cheap enough to look at
        now = sorted(os.listdir(world.canary_dir))
        if now != world.baseline_files:
            outcome.effects.append(f"canary files changed: {world.baseline_files} -> {now}")
            world.rebaseline()
    if not introspection:
        outcome.classify()
    return outcome


def _reset_peak_rss() -> int:
    """Reset the process's peak resident set size (Linux: clear_refs 5); the current RSS."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:  # not Linux: ru_maxrss never goes down, so later peaks may be missed
        pass
    return _peak_rss(current=True)


def _peak_rss(current: bool = False) -> int:
    field = "VmRSS:" if current else "VmHWM:"
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _url(driver: str, user: str, password: str | None, host: str, port: int, db: str) -> str:
    auth = quote(user, safe="") + (f":{quote(password, safe='')}" if password else "")
    return f"{driver}://{auth}@{host}:{port}/{db}"


# --- SQLite -------------------------------------------------------------------------------------

SQLITE_DDL = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL,
    country TEXT NOT NULL, tier TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT NOT NULL, category TEXT NOT NULL,
    price REAL NOT NULL, sleep_score INTEGER NOT NULL, attrs TEXT NOT NULL);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id),
    product_id INTEGER NOT NULL REFERENCES products(id), quantity INTEGER NOT NULL,
    total REAL NOT NULL, status TEXT NOT NULL, ordered_at TEXT NOT NULL, note TEXT);
"""


def _fill_sqlite(con: sqlite3.Connection) -> None:
    con.executescript(SQLITE_DDL)
    con.executemany("INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?)", customers_rows())
    con.executemany("INSERT INTO products VALUES (?, ?, ?, ?, ?, ?)", products_rows())
    con.executemany("INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?, ?)", orders_rows())


class SQLiteWorld(World):
    backend, dialect = "sqlite", "sqlite"

    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="askdb-corpus-sqlite-"))
        self.project = self.dir / "project.sqlite"
        self.other = self.dir / "other.sqlite"
        with sqlite3.connect(self.project) as con:
            _fill_sqlite(con)
        engine = sa.create_engine(f"sqlite:///{self.project}")
        try:
            self.schema = introspect(engine, "sqlite")
        finally:
            engine.dispose()
        with sqlite3.connect(self.project) as con:  # after introspection: not in the project
            con.execute("CREATE TABLE secret_t (secret TEXT)")
            con.execute("INSERT INTO secret_t VALUES (?)", (self.table_canary,))
        con.close()
        with sqlite3.connect(self.other) as con:
            con.execute("CREATE TABLE salaries (employee TEXT, ssn TEXT)")
            con.execute("INSERT INTO salaries VALUES ('ann', ?)", (self.table_canary,))
        con.close()
        # The read-only "role" of a file database: a copy the file system will not let us write.
        self.readonly = self.dir / "project-readonly.sqlite"
        shutil.copy(self.project, self.readonly)
        os.chmod(self.readonly, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        self.urls = {"admin": f"sqlite:///{self.project}", "readonly": f"sqlite:///{self.readonly}"}
        self.namespaces = ("main",)
        self.start()

    def substitutions(self) -> dict[str, str]:
        return {**super().substitutions(), "__OTHER_DB__": str(self.other)}

    def snapshot(self) -> dict[str, Any]:
        files = {}
        for path in sorted(self.dir.iterdir()):
            st = path.stat()
            files[path.name] = (
                st.st_size,
                st.st_mtime_ns,
                st.st_mode,
                hashlib.sha256(path.read_bytes()).hexdigest(),
            )
        return {**super().snapshot(), "database files": files}

    def pool_probe_sql(self) -> str:
        return (
            'SELECT (SELECT count(*) FROM temp.sqlite_master) AS "state:temp objects", '
            '(SELECT group_concat(name) FROM pragma_database_list) AS "state:databases", '
            "(SELECT trusted_schema FROM pragma_trusted_schema) AS trusted_schema, "
            '(SELECT writable_schema FROM pragma_writable_schema) AS "state:writable_schema"'
        )

    def close(self) -> None:
        super().close()
        os.chmod(self.readonly, 0o644)
        shutil.rmtree(self.dir, ignore_errors=True)


# --- PostgreSQL ---------------------------------------------------------------------------------

PG_DDL = """
CREATE TABLE customers (id integer PRIMARY KEY, name text NOT NULL, email text NOT NULL,
    country text NOT NULL, tier text NOT NULL, created_at timestamp NOT NULL);
CREATE TABLE products (id integer PRIMARY KEY, name text NOT NULL, category text NOT NULL,
    price numeric(10, 2) NOT NULL, sleep_score integer NOT NULL, attrs jsonb NOT NULL);
CREATE TABLE orders (id integer PRIMARY KEY, customer_id integer NOT NULL REFERENCES customers(id),
    product_id integer NOT NULL REFERENCES products(id), quantity integer NOT NULL,
    total numeric(10, 2) NOT NULL, status text NOT NULL, ordered_at timestamp NOT NULL, note text);
CREATE SEQUENCE public.order_seq;
CREATE FUNCTION public.sleep_score(integer) RETURNS integer LANGUAGE sql IMMUTABLE
    AS 'SELECT $1 * 2';
CREATE EXTENSION dblink;
CREATE EXTENSION adminpack;
"""


def _drop_pg_database(conn: sa.Connection, name: str, wait_s: float = 60.0) -> None:
    """DROP DATABASE ... WITH (FORCE), retried while a backend that cannot be interrupted (a
    statement the corpus caught running on) is still finishing."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return
        except sa.exc.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


class _Victim:
    """A second session that must stay alive, running a query that holds a unique marker."""

    def __init__(
        self,
        connect: Callable[[], Any],
        ident: Callable[[Any], int],
        sql: str,
        cancel: Callable[[Any], None],
    ) -> None:
        self._connect, self._ident, self._sql, self._cancel = connect, ident, sql, cancel
        self.start()

    def restarted(self) -> _Victim:
        self.stop()
        return _Victim(self._connect, self._ident, self._sql, self._cancel)

    def start(self) -> None:
        self.conn = self._connect()
        self.id = self._ident(self.conn)
        self.thread = threading.Thread(target=self._run, name="askdb-corpus-victim", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.conn.cursor().execute(self._sql)
        except Exception:  # killed or cancelled: the checks notice
            pass

    def stop(self) -> None:
        if self.thread.is_alive():
            try:
                self._cancel(self)
            except Exception:
                pass
            self.thread.join(5)
        try:
            self.conn.close()
        except Exception:
            pass


class PostgresWorld(World):
    backend, dialect = "postgres", "postgres"

    def __init__(self, admin_url: str) -> None:
        super().__init__()
        self.admin_url = admin_url
        try:
            self._build()
        except BaseException:
            self.close()  # what was made so far
            raise

    def _build(self) -> None:
        self.db = f"askdb_corpus_{self.suffix}"
        self.ro_user = f"askdb_ro_{self.suffix}"
        self.ro_password = f"pw-{fresh_suffix()}"
        admin = sa.create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as c:
                c.execute(sa.text(f'CREATE DATABASE "{self.db}"'))
        finally:
            admin.dispose()
        self.urls["admin"] = _url("postgresql+psycopg", "postgres", None, PG_HOST, PG_PORT, self.db)
        setup = self._connect()
        try:
            setup.execute(PG_DDL)
            with setup.cursor() as cur:
                cur.executemany(
                    "INSERT INTO customers VALUES (%s, %s, %s, %s, %s, %s)", customers_rows()
                )
                cur.executemany(
                    "INSERT INTO products VALUES (%s, %s, %s, %s, %s, %s)", products_rows()
                )
                cur.executemany(
                    "INSERT INTO orders VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", orders_rows()
                )
            engine = sa.create_engine(self.urls["admin"])
            try:
                self.schema = introspect(engine, "postgres")
            finally:
                engine.dispose()
            # After introspection: outside the project.
            setup.execute(
                "CREATE SCHEMA hr; "
                "CREATE TABLE hr.salaries (employee text, salary integer, ssn text); "
                "CREATE TABLE hr.orders (id integer, secret text); "
                "CREATE SEQUENCE hr.seq_canary; SELECT nextval('hr.seq_canary'); "
                "CREATE TABLE public.secret_t (secret text)"
            )
            setup.execute(
                "INSERT INTO hr.salaries VALUES ('ann', 100000, %s), ('bob', 90000, %s)",
                (self.table_canary, self.table_canary),
            )
            setup.execute("INSERT INTO hr.orders VALUES (1, %s)", (self.table_canary,))
            setup.execute("INSERT INTO public.secret_t VALUES (%s)", (self.table_canary,))
            setup.execute("ANALYZE hr.salaries")  # pg_statistic now samples the canary
            setup.execute(f"CREATE ROLE \"{self.ro_user}\" LOGIN PASSWORD '{self.ro_password}'")
            setup.execute(f'GRANT CONNECT ON DATABASE "{self.db}" TO "{self.ro_user}"')
            setup.execute(f'GRANT USAGE ON SCHEMA public TO "{self.ro_user}"')
            setup.execute(f'GRANT SELECT ON customers, orders, products TO "{self.ro_user}"')
            # A DBA's lexing default the runner must pin on every connection.
            setup.execute(f'ALTER ROLE "{self.ro_user}" SET standard_conforming_strings = off')
        finally:
            setup.close()
        self.urls["readonly"] = _url(
            "postgresql+psycopg", self.ro_user, self.ro_password, PG_HOST, PG_PORT, self.db
        )
        self.namespaces = ("public",)
        self.patterns = [re.compile(r"SCRAM-SHA-256\$", re.I), re.compile(r"md5[0-9a-f]{32}")]
        self.observer = self._connect()
        self.observer_pid = self.observer.info.backend_pid
        self.notifications: list[str] = []
        self.observer.add_notify_handler(lambda n: self.notifications.append(n.payload))
        self.observer.execute("LISTEN askdb_chan")
        self.victim = _Victim(
            self._connect,
            lambda c: c.info.backend_pid,
            f'SELECT pg_sleep(3600) AS "{self.marker}"',
            lambda v: v.conn.cancel(),
        )
        self._wait_for_victim()
        self.start()

    def _connect(self) -> psycopg.Connection:
        return psycopg.connect(
            host=PG_HOST, port=PG_PORT, user="postgres", dbname=self.db, autocommit=True
        )

    def _wait_for_victim(self) -> None:
        for _ in range(100):
            if self._victim_state() == "active":
                return
            time.sleep(0.02)

    def _victim_state(self) -> str | None:
        row = self.observer.execute(
            "SELECT state, query FROM pg_stat_activity WHERE pid = %s", (self.victim.id,)
        ).fetchone()
        if row is None:
            return None
        return row[0] if self.marker in (row[1] or "") else f"{row[0]} (another query)"

    def substitutions(self) -> dict[str, str]:
        return {
            **super().substitutions(),
            "__DB__": self.db,
            "__HR__": "hr",
            "__VICTIM__": str(self.victim.id),
        }

    def snapshot(self) -> dict[str, Any]:
        evil = self.evil + "%"
        row = self.observer.execute(
            """
            SELECT
              (SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM customers t),
              (SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM orders t),
              (SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM products t),
              (SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM hr.salaries t),
              (SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM hr.orders t),
              (SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM public.secret_t t),
              (SELECT string_agg(n.nspname || '.' || c.relname, ',' ORDER BY 1)
                 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
                   AND n.nspname NOT LIKE 'pg_toast%%'),
              (SELECT string_agg(schemaname || '.' || sequencename || '='
                 || coalesce(last_value::text, 'null'), ',' ORDER BY 1) FROM pg_sequences),
              (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')),
              (SELECT count(*) FROM pg_largeobject_metadata),
              (SELECT count(*) FROM pg_roles WHERE rolname LIKE %(evil)s),
              (SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE %(evil)s),
              (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database =
                 (SELECT oid FROM pg_database WHERE datname = current_database())),
              (SELECT md5(string_agg(coalesce(sourcefile, '') || name || coalesce(setting, ''),
                 ',' ORDER BY 1)) FROM pg_file_settings),
              (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
                 AND backend_type = 'client backend' AND state = 'idle in transaction')
            """,
            {"evil": evil},
        ).fetchone()
        keys = [
            "customers rows",
            "orders rows",
            "products rows",
            "hr.salaries rows",
            "hr.orders rows",
            "public.secret_t rows",
            "relations",
            "sequences",
            "functions",
            "large objects",
            "evil roles",
            "replication slots",
            "advisory locks (seen from another session)",
            "server config files",
            "sessions left idle in a transaction",
        ]
        return {**super().snapshot(), **dict(zip(keys, row, strict=True))}

    def live_checks(self) -> list[str]:
        found = []
        state = self._victim_state()
        if state != "active":
            found.append(f"the victim session was disturbed (now {state or 'gone'})")
            self.victim = self.victim.restarted()
            self._wait_for_victim()
        self.observer.execute("SELECT 1")  # delivers pending notifications
        if self.notifications:
            found.append(f"NOTIFY reached another session: {self.notifications}")
            self.notifications.clear()
        return found

    def busy(self) -> list[str]:
        rows = self.observer.execute(
            "SELECT pid, left(query, 60) FROM pg_stat_activity WHERE datname = "
            "current_database() AND backend_type = 'client backend' AND state = 'active' "
            "AND pid NOT IN (%s, %s)",
            (self.observer_pid, self.victim.id),
        ).fetchall()
        return [f"pid {pid}: {q}" for pid, q in rows]

    def pool_probe_sql(self) -> str:
        return (
            "SELECT (SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid() "
            "AND locktype = 'advisory') AS \"state:advisory locks\", "
            "coalesce(current_setting('askdb.evil', true), '') AS \"state:askdb.evil\", "
            "(SELECT count(*) FROM pg_prepared_statements WHERE left(name, 5) <> '_pg3_') "
            'AS "state:prepared statements", '
            '(SELECT count(*) FROM pg_cursors) AS "state:cursors", '
            '(SELECT count(*) FROM pg_listening_channels()) AS "state:listening channels", '
            "(SELECT count(*) FROM pg_class WHERE relnamespace = pg_my_temp_schema()) "
            'AS "state:temp relations", '
            'current_user AS "state:current_user", '
            "current_setting('search_path') AS search_path, "
            "current_setting('standard_conforming_strings') AS standard_conforming_strings, "
            "current_setting('statement_timeout') AS statement_timeout, "
            "current_setting('default_transaction_read_only') AS default_read_only"
        )

    def close(self) -> None:
        super().close()
        if getattr(self, "victim", None) is not None:
            self.victim.stop()
        if getattr(self, "observer", None) is not None:
            self.observer.close()
        admin = sa.create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as c:
                _drop_pg_database(c, self.db)
                c.execute(sa.text(f'DROP ROLE IF EXISTS "{self.ro_user}"'))
                for (name,) in c.execute(
                    sa.text("SELECT rolname FROM pg_roles WHERE rolname LIKE :e"),
                    {"e": self.evil + "%"},
                ).all():
                    c.execute(sa.text(f'DROP ROLE IF EXISTS "{name}"'))
                for (name,) in c.execute(
                    sa.text("SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE :e"),
                    {"e": self.evil + "%"},
                ).all():
                    c.execute(sa.text("SELECT pg_drop_replication_slot(:n)"), {"n": name})
        finally:
            admin.dispose()


# --- MariaDB ------------------------------------------------------------------------------------

MARIADB_DDL = [
    "CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(100) NOT NULL, "
    "email VARCHAR(100) NOT NULL, country VARCHAR(50) NOT NULL, tier VARCHAR(20) NOT NULL, "
    "created_at DATETIME NOT NULL)",
    "CREATE TABLE products (id INT PRIMARY KEY, name VARCHAR(100) NOT NULL, "
    "category VARCHAR(50) NOT NULL, price DECIMAL(10, 2) NOT NULL, sleep_score INT NOT NULL, "
    "attrs JSON NOT NULL)",
    "CREATE TABLE orders (id INT PRIMARY KEY, customer_id INT NOT NULL, product_id INT NOT NULL,"
    " quantity INT NOT NULL, total DECIMAL(10, 2) NOT NULL, status VARCHAR(20) NOT NULL, "
    "ordered_at DATETIME NOT NULL, note VARCHAR(200), "
    "FOREIGN KEY (customer_id) REFERENCES customers(id), "
    "FOREIGN KEY (product_id) REFERENCES products(id))",
    "CREATE FUNCTION sleep_score(x INT) RETURNS INT DETERMINISTIC RETURN x * 2",
]


def mysql_password_hash(password: str) -> str:
    """MySQL's native password hash, as mysql.user shows it."""
    return "*" + hashlib.sha1(hashlib.sha1(password.encode()).digest()).hexdigest().upper()


class MariaDBWorld(World):
    backend, dialect = "mariadb", "mysql"

    def __init__(self, admin_url: str) -> None:
        super().__init__()
        self.admin_url = admin_url
        try:
            self._build()
        except BaseException:
            self.close()  # what was made so far
            raise

    def _build(self) -> None:
        self.db = f"askdb_corpus_{self.suffix}"
        self.hr = f"{self.db}_hr"
        self.ro_user = f"askdb_ro_{self.suffix}"
        self.ro_password = f"pw-{fresh_suffix()}"
        setup = self._connect(None)
        try:
            cur = setup.cursor()
            cur.execute(f"CREATE DATABASE `{self.db}`")
            cur.execute(f"USE `{self.db}`")
            for ddl in MARIADB_DDL:
                cur.execute(ddl)
            cur.executemany(
                "INSERT INTO customers VALUES (%s, %s, %s, %s, %s, %s)", customers_rows()
            )
            cur.executemany("INSERT INTO products VALUES (%s, %s, %s, %s, %s, %s)", products_rows())
            cur.executemany(
                "INSERT INTO orders VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", orders_rows()
            )
            self.urls["admin"] = _url(
                "mysql+pymysql", "root", None, MARIADB_HOST, MARIADB_PORT, self.db
            )
            engine = sa.create_engine(self.urls["admin"])
            try:
                self.schema = introspect(engine, "mysql")
            finally:
                engine.dispose()
            # After introspection: in the project database, not in the project's schema.
            cur.execute("CREATE TABLE secret_t (secret VARCHAR(80))")
            cur.execute("INSERT INTO secret_t VALUES (%s)", (self.table_canary,))
            cur.execute(f"CREATE DATABASE `{self.hr}`")
            cur.execute(f"USE `{self.hr}`")
            cur.execute("CREATE TABLE salaries (employee VARCHAR(50), salary INT, ssn VARCHAR(80))")
            cur.execute(
                "INSERT INTO salaries VALUES ('ann', 100000, %s), ('bob', 90000, %s)",
                (self.table_canary, self.table_canary),
            )
            cur.execute("CREATE TABLE orders (id INT, secret VARCHAR(80))")
            cur.execute("INSERT INTO orders VALUES (1, %s)", (self.table_canary,))
            cur.execute("CREATE SEQUENCE seq_canary")
            cur.execute(
                "CREATE FUNCTION evil() RETURNS VARCHAR(400) READS SQL DATA "
                "RETURN (SELECT GROUP_CONCAT(ssn) FROM salaries)"
            )
            cur.execute("CREATE PROCEDURE evil_proc() SELECT ssn FROM salaries")
            cur.execute(f"CREATE USER '{self.ro_user}'@'%' IDENTIFIED BY '{self.ro_password}'")
            for table in ("customers", "orders", "products"):
                cur.execute(f"GRANT SELECT ON `{self.db}`.`{table}` TO '{self.ro_user}'@'%'")
            cur.execute(
                f"GRANT EXECUTE ON FUNCTION `{self.db}`.`sleep_score` TO '{self.ro_user}'@'%'"
            )
        finally:
            setup.close()
        self.urls["readonly"] = _url(
            "mysql+pymysql", self.ro_user, self.ro_password, MARIADB_HOST, MARIADB_PORT, self.db
        )
        self.namespaces = (self.db,)
        self.patterns = [re.compile(r"\*[0-9A-F]{40}")]
        self.needles.append(mysql_password_hash(self.ro_password))
        self.observer = self._connect(self.db)
        self.observer_id = self.observer.thread_id()
        self.victim = _Victim(
            lambda: self._connect(self.db),
            lambda c: c.thread_id(),
            f"SELECT SLEEP(3600) AS `{self.marker}`",
            lambda v: self._query(f"KILL {int(v.id)}"),
        )
        self._wait_for_victim()
        self.start()

    def _connect(self, db: str | None) -> pymysql.Connection:
        return pymysql.connect(
            host=MARIADB_HOST,
            port=MARIADB_PORT,
            user="root",
            database=db,
            charset="utf8mb4",
            autocommit=True,
        )

    def _query(self, sql: str, args: Any = None) -> list[tuple]:
        with self.observer.cursor() as cur:
            cur.execute(sql, args)
            return list(cur.fetchall())

    def _wait_for_victim(self) -> None:
        for _ in range(100):
            if self._victim_state() == "running":
                return
            time.sleep(0.02)

    def _victim_state(self) -> str | None:
        rows = self._query(
            "SELECT COMMAND, INFO FROM information_schema.PROCESSLIST WHERE ID = %s",
            (self.victim.id,),
        )
        if not rows:
            return None
        command, info = rows[0]
        return "running" if self.marker in (info or "") else f"{command} (no marker)"

    def substitutions(self) -> dict[str, str]:
        return {
            **super().substitutions(),
            "__DB__": self.db,
            "__HR__": self.hr,
            "__VICTIM__": str(self.victim.id),
        }

    def _lock_names(self) -> list[str]:
        return [self.lock_name, "as", *(f"{self.lock_name}{i}" for i in range(1, 4))]

    def snapshot(self) -> dict[str, Any]:
        checksums = self._query(
            f"CHECKSUM TABLE `{self.db}`.customers, `{self.db}`.orders, `{self.db}`.products, "
            f"`{self.db}`.secret_t, "
            f"`{self.hr}`.salaries, `{self.hr}`.orders"
        )
        tables = self._query(
            "SELECT GROUP_CONCAT(CONCAT(TABLE_SCHEMA, '.', TABLE_NAME) ORDER BY 1) "
            "FROM information_schema.TABLES WHERE TABLE_SCHEMA IN (%s, %s)",
            (self.db, self.hr),
        )
        locks = self._query(
            "SELECT " + ", ".join(["IS_USED_LOCK(%s)"] * len(self._lock_names())),
            self._lock_names(),
        )
        (row,) = self._query(
            f"SELECT (SELECT next_not_cached_value FROM `{self.hr}`.seq_canary), "
            "(SELECT COUNT(*) FROM mysql.user WHERE User LIKE %s), "
            "(SELECT COUNT(*) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = %s), "
            "@@global.general_log, @@global.sql_mode, @@global.read_only",
            (self.evil + "%", self.db),
        )
        return {
            **super().snapshot(),
            "table checksums": checksums,
            "tables": tables,
            "named locks held": [
                n for n, held in zip(self._lock_names(), locks[0], strict=True) if held
            ],
            "hr sequence": row[0],
            "evil users": row[1],
            "events": row[2],
            "global settings": row[3:],
        }

    def live_checks(self) -> list[str]:
        state = self._victim_state()
        if state == "running":
            return []
        self.victim = self.victim.restarted()
        self._wait_for_victim()
        return [f"the victim connection was disturbed (now {state or 'gone'})"]

    def busy(self) -> list[str]:
        rows = self._query(
            "SELECT ID, COMMAND, LEFT(INFO, 60) FROM information_schema.PROCESSLIST "
            "WHERE DB IN (%s, %s) AND ID NOT IN (%s, %s) AND COMMAND NOT IN ('Sleep') "
            "AND INFO IS NOT NULL",
            (self.db, self.hr, self.observer_id, self.victim.id),
        )
        return [f"thread {i} {c}: {q}" for i, c, q in rows]

    def pool_probe_sql(self) -> str:
        return (
            "SELECT (SELECT GROUP_CONCAT(VARIABLE_NAME) FROM information_schema.USER_VARIABLES)"
            " AS `state:user variables`, LAST_INSERT_ID() AS `state:LAST_INSERT_ID`, "
            "DATABASE() AS `state:database`, "
            f"IS_USED_LOCK('{self.lock_name}') = CONNECTION_ID() AS `state:holds the lock`, "
            "@@session.sql_mode AS sql_mode, @@session.tx_read_only AS tx_read_only, "
            "@@session.sql_select_limit AS sql_select_limit, "
            "@@session.max_statement_time AS max_statement_time, "
            "@@session.character_set_client AS character_set_client, "
            "@@session.time_zone AS time_zone, @@session.autocommit AS autocommit"
        )

    def close(self) -> None:
        super().close()
        if getattr(self, "victim", None) is not None:
            self.victim.stop()
        if getattr(self, "observer", None) is None:
            self.observer = self._connect(None)
        with self.observer.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{self.db}`")
            cur.execute(f"DROP DATABASE IF EXISTS `{self.hr}`")
            cur.execute(f"DROP USER IF EXISTS '{self.ro_user}'@'%'")
            cur.execute("SELECT User, Host FROM mysql.user WHERE User LIKE %s", (self.evil + "%",))
            for user, host in cur.fetchall():
                cur.execute(f"DROP USER IF EXISTS '{user}'@'{host}'")
        self.observer.close()


def build(backend: str, pg_admin_url: str, mariadb_admin_url: str) -> World:
    if backend == "sqlite":
        return SQLiteWorld()
    if backend == "postgres":
        return PostgresWorld(pg_admin_url)
    return MariaDBWorld(mariadb_admin_url)
