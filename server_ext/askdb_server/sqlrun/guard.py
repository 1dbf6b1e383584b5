"""The SQL guard: only one read-only query, with known tables and columns, may pass.

``check_sql`` is the single gate between generated (or user-typed) SQL and a database. It works
on sqlglot's tokens and syntax tree, never on regexes over the text, and it is conservative in
one direction only: anything it cannot classify as a plain query is refused, while schema checks
skip what they cannot resolve, because refusing valid SQL is worse than missing a bad column
(the database reports that one anyway).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, SqlglotError, TokenError
from sqlglot.optimizer.scope import Scope, traverse_scope
from sqlglot.tokens import Token, TokenType

from ..errors import (
    InvalidInputError,
    SQLSyntaxError,
    UnknownColumnError,
    UnknownTableError,
    UnsafeSQLError,
)
from ..schemas.model import Schema, Table


@dataclass(frozen=True)
class CheckedQuery:
    """A query the guard let through; ``sql`` is what the runner sends."""

    sql: str
    dialect: str
    tables: tuple[str, ...]
    has_order_by: bool


# Tokens a single read-only query may start with (duckdb also allows FROM-first queries).
_QUERY_STARTS = {TokenType.SELECT, TokenType.WITH, TokenType.VALUES, TokenType.L_PAREN}
_DIALECT_QUERY_STARTS = {"duckdb": {TokenType.FROM}}

# Statement kinds refused anywhere in the tree, with the words used in the refusal.
_REFUSED_NODES: dict[str, str] = {
    "Insert": "INSERT writes data",
    "Update": "UPDATE writes data",
    "Delete": "DELETE writes data",
    "Merge": "MERGE writes data",
    "Create": "CREATE changes the schema",
    "Drop": "DROP changes the schema",
    "Alter": "ALTER changes the schema",
    "AlterRename": "RENAME changes the schema",
    "TruncateTable": "TRUNCATE deletes data",
    "Comment": "COMMENT ON changes the schema",
    "Set": "SET changes session settings",
    "Transaction": "transaction control is not allowed",
    "Commit": "transaction control is not allowed",
    "Rollback": "transaction control is not allowed",
    "Pragma": "PRAGMA is not allowed",
    "Attach": "ATTACH opens another database",
    "Detach": "DETACH is not allowed",
    "Analyze": "ANALYZE writes statistics",
    "Copy": "COPY reads or writes files",
    "Grant": "GRANT changes permissions",
    "Revoke": "REVOKE changes permissions",
    "Use": "USE switches databases",
    "Install": "INSTALL loads extensions",
    "LoadData": "LOAD DATA writes data",
    "Kill": "KILL is not allowed",
    "Cache": "CACHE is not allowed",
    "Uncache": "UNCACHE is not allowed",
    "Refresh": "REFRESH is not allowed",
    "Export": "EXPORT writes files",
    "Declare": "DECLARE is not allowed",
    "Execute": "EXECUTE runs dynamic SQL",
    "Into": "SELECT ... INTO creates a table or writes a file",
    "Lock": "locking reads (FOR UPDATE/SHARE) are not allowed",
    "Command": "statement not recognised as a query",
}
_REFUSED_TYPES: tuple[tuple[type, str], ...] = tuple(
    (getattr(exp, name), reason) for name, reason in _REFUSED_NODES.items() if hasattr(exp, name)
)

# Functions with side effects, file access, unbounded waits or dynamic SQL, per dialect.
# Names are lower case; entries ending in "*" match by prefix. Any name containing "sleep"
# is refused in every dialect.
_DENIED_FUNCTIONS: dict[str, frozenset[str]] = {
    "postgres": frozenset(
        {
            "pg_read_*", "pg_ls_*", "pg_stat_file", "pg_file_*", "pg_logdir_ls",
            "lo_*", "dblink*", "pg_terminate_backend", "pg_cancel_backend",
            "pg_wait_for_backend_termination", "pg_reload_conf", "pg_rotate_logfile",
            "pg_promote", "pg_switch_wal", "pg_create_restore_point", "pg_start_backup",
            "pg_stop_backup", "pg_backup_start", "pg_backup_stop", "pg_create_*",
            "pg_drop_replication_slot", "pg_replication_origin_*", "pg_stat_reset*",
            "pg_notify", "pg_log_backend_memory_contexts", "pg_import_system_collations",
            "set_config", "pg_advisory_*", "pg_try_advisory_*", "txid_current",
            "pg_current_xact_id", "nextval", "setval", "query_to_xml*", "query_to_xmlschema",
            "cursor_to_xml*",
        }
    ),
    "sqlite": frozenset(
        {"load_extension", "readfile", "writefile", "edit", "fts3_tokenizer", "lsdir", "zipfile"}
    ),
    "mysql": frozenset(
        {
            "benchmark", "load_file", "get_lock", "release_lock", "release_all_locks",
            "master_pos_wait", "source_pos_wait", "wait_for_executed_gtid_set",
            "wait_until_sql_thread_after_gtids", "sys_exec", "sys_eval", "sys_get", "sys_set",
            "lib_mysqludf_*",
        }
    ),
    "duckdb": frozenset(
        {
            "read_*", "parquet_scan", "parquet_metadata", "parquet_schema", "sniff_csv",
            "glob", "getenv", "iceberg_*", "delta_scan", "sqlite_scan", "sqlite_attach",
            "postgres_*", "mysql_*", "nextval", "setval", "install_extension", "load_extension",
        }
    ),
}
_DIALECT_ALIASES = {"mariadb": "mysql", "postgresql": "postgres", "sqlite3": "sqlite"}
_DIALECT_FAMILY = {"postgres": "postgres", "sqlite": "sqlite", "mysql": "mysql", "duckdb": "duckdb"}
_ALL_DENIED = frozenset().union(*_DENIED_FUNCTIONS.values())

# Tables every database of a dialect has; not part of a project's schema, but readable.
_SYSTEM_SCHEMAS = {"information_schema", "pg_catalog", "mysql", "performance_schema", "sys"}
_SYSTEM_TABLES = {"sqlite_master", "sqlite_schema", "sqlite_temp_master", "sqlite_sequence", "dual"}
# Hidden columns every row has.
_PSEUDO_COLUMNS = {"rowid", "_rowid_", "oid", "ctid", "xmin", "xmax", "cmin", "cmax", "tableoid"}


def check_sql(sql: str, dialect: str, schema: Schema | None = None) -> CheckedQuery:
    """Check ``sql`` in ``dialect`` and return it as a ``CheckedQuery``, or raise.

    Raises ``UnsafeSQLError`` for anything but one read-only query, ``SQLSyntaxError`` for SQL
    sqlglot cannot parse, and, when ``schema`` is given, ``UnknownTableError`` or
    ``UnknownColumnError`` for names the schema does not have.
    """
    dialect = normalize_dialect(dialect)
    tokens = _tokenize(sql or "", dialect)
    statement = _single_statement(tokens, dialect)
    text = sql[statement[0].start : statement[-1].end + 1]
    tree = _parse(text, dialect, statement)
    _check_read_only(tree)
    _check_functions(tree, dialect)
    if schema is not None:
        _check_names(tree, schema, dialect)
    return CheckedQuery(
        sql=text,
        dialect=dialect,
        tables=tuple(_base_tables(tree)),
        has_order_by=_has_order_by(tree),
    )


def normalize_dialect(name: str) -> str:
    """The sqlglot name for a dialect: ``mariadb`` reads as ``mysql``, ``postgresql`` as
    ``postgres``."""
    return _DIALECT_ALIASES.get(name.lower(), name.lower())


def _tokenize(sql: str, dialect: str) -> list[Token]:
    try:
        return list(sqlglot.tokenize(sql, read=dialect))
    except TokenError as e:
        raise SQLSyntaxError(f"Could not read the SQL: {e}") from e
    except ValueError as e:  # an unknown dialect name
        raise InvalidInputError(f"Unknown SQL dialect {dialect!r}.") from e


def _single_statement(tokens: list[Token], dialect: str) -> list[Token]:
    """The tokens of the one statement, or refuse empty SQL and statement lists."""
    statements: list[list[Token]] = [[]]
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            statements.append([])
        else:
            statements[-1].append(token)
    statements = [s for s in statements if s]
    if not statements:
        raise UnsafeSQLError("the SQL is empty: there is no query to run")
    if len(statements) > 1:
        raise UnsafeSQLError(
            f"only one statement may run at a time, and this SQL has {len(statements)}"
        )
    statement = statements[0]
    first = statement[0]
    if first.token_type not in _QUERY_STARTS | _DIALECT_QUERY_STARTS.get(dialect, set()):
        raise UnsafeSQLError(
            f"only read-only queries (SELECT) may run, and this statement starts with "
            f"{first.text.upper()}"
        )
    for token in statement:
        if dialect == "mysql" and any(c.lstrip().startswith(("!", "M!")) for c in token.comments):
            # MySQL and MariaDB execute the body of /*! ... */ comments as SQL.
            raise UnsafeSQLError("executable comments (/*! ... */) are not allowed")
    return statement


def _parse(text: str, dialect: str, tokens: list[Token]) -> exp.Expression:
    try:
        trees = sqlglot.parse(text, read=dialect, error_level=sqlglot.ErrorLevel.RAISE)
    except ParseError as e:
        if any(t.token_type == TokenType.INTO for t in tokens):
            # sqlglot cannot parse MySQL's INTO OUTFILE/DUMPFILE: refuse it as what it is.
            raise UnsafeSQLError("SELECT ... INTO creates a table or writes a file") from e
        raise _syntax_error(e) from e
    except SqlglotError as e:
        raise SQLSyntaxError(f"Could not parse the SQL: {e}") from e
    trees = [t for t in trees if t is not None and not isinstance(t, exp.Semicolon)]
    if len(trees) != 1:
        raise UnsafeSQLError("only one statement may run at a time")
    return trees[0]


def _syntax_error(e: ParseError) -> SQLSyntaxError:
    first = e.errors[0] if e.errors else {}
    description = first.get("description") or str(e).splitlines()[0]
    line, col = first.get("line"), first.get("col")
    near = first.get("highlight")
    where = f"line {line}, column {col}: " if line else ""
    message = f"SQL syntax error at {where}{description}" + (f" (near {near!r})" if near else "")
    return SQLSyntaxError(message, line=line, column=col)


def _check_read_only(tree: exp.Expression) -> None:
    if not isinstance(tree, (exp.Query, exp.Values)):
        raise UnsafeSQLError(f"only read-only queries may run, not {tree.key.upper()}")
    for node in tree.walk():
        for kind, reason in _REFUSED_TYPES:
            if isinstance(node, kind):
                raise UnsafeSQLError(reason)
        if isinstance(node, exp.Select) and node.args.get("locks"):
            raise UnsafeSQLError("locking reads (FOR UPDATE/SHARE) are not allowed")


def _check_functions(tree: exp.Expression, dialect: str) -> None:
    denied = _DENIED_FUNCTIONS.get(_DIALECT_FAMILY.get(dialect, ""), _ALL_DENIED)
    for func in tree.find_all(exp.Func):
        for name in _function_names(func):
            if "sleep" in name or _is_denied(name, denied):
                raise UnsafeSQLError(f"the function {name.upper()}() is not allowed")


def _function_names(func: exp.Func) -> set[str]:
    if isinstance(func, exp.Anonymous):
        return {func.name.lower()}
    return {n.lower() for n in type(func).sql_names()}


def _is_denied(name: str, denied: Iterable[str]) -> bool:
    return any(name.startswith(d[:-1]) if d.endswith("*") else name == d for d in denied)


def _cte_names(tree: exp.Expression) -> set[str]:
    return {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}


def _is_base_table(table: exp.Table, ctes: set[str]) -> bool:
    """A named table (not a table function, CTE or system catalog)."""
    if not isinstance(table.this, exp.Identifier) or table.name.lower() in ctes:
        return False
    return table.db.lower() not in _SYSTEM_SCHEMAS and table.name.lower() not in _SYSTEM_TABLES


def _base_tables(tree: exp.Expression) -> list[str]:
    ctes, seen, names = _cte_names(tree), set(), []
    for table in tree.find_all(exp.Table):
        if _is_base_table(table, ctes) and table.name.lower() not in seen:
            seen.add(table.name.lower())
            names.append(table.name)
    return names


def _has_order_by(tree: exp.Expression) -> bool:
    while isinstance(tree, exp.Subquery):
        tree = tree.this
    return bool(tree.args.get("order"))


def _check_names(tree: exp.Expression, schema: Schema, dialect: str) -> None:
    ctes = _cte_names(tree)
    for table in tree.find_all(exp.Table):
        if _is_base_table(table, ctes) and schema.table(table.name) is None:
            raise _unknown_table(table.name, schema)
    try:
        scopes = traverse_scope(tree)
    except SqlglotError:
        return  # sqlglot cannot scope this query; the database will check the columns
    aliases = {a.alias.lower() for a in tree.find_all(exp.Alias) if a.alias}
    by_expression = {id(scope.expression): scope for scope in scopes}
    for scope in scopes:
        for column in scope.columns:
            # A scope also lists the columns its correlated subqueries use; check each
            # column once, in the innermost scope that contains it.
            if _owning_scope(column, by_expression) is scope:
                _check_column(column, scope, schema, dialect, ctes, aliases)


def _owning_scope(column: exp.Column, by_expression: dict[int, Scope]) -> Scope | None:
    node: exp.Expression | None = column
    while node is not None and id(node) not in by_expression:
        node = node.parent
    return by_expression.get(id(node)) if node is not None else None


def _unknown_table(name: str, schema: Schema) -> UnknownTableError:
    known = schema.table_names
    close = _nearest(name, known)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    listed = ", ".join(known[:20]) or "none"
    return UnknownTableError(
        f"Unknown table {name!r}.{hint} Known tables: {listed}.",
        table=name,
        suggestions=close,
    )


def _nearest(name: str, known: list[str]) -> list[str]:
    by_lower = {k.lower(): k for k in known}
    return [by_lower[m] for m in difflib.get_close_matches(name.lower(), list(by_lower), 3, 0.5)]


def _check_column(
    column: exp.Column,
    scope: Scope,
    schema: Schema,
    dialect: str,
    ctes: set[str],
    aliases: set[str],
) -> None:
    name = column.name.lower()
    if not name or name in _PSEUDO_COLUMNS or isinstance(column.this, exp.Star):
        return
    if column.table:
        table = _resolve_qualifier(column.table, scope, schema, ctes)
        if table is not None and table.column(name) is None:
            raise _unknown_column(column.name, [table], qualifier=column.table)
        return
    if name in aliases or name in {a.lower() for a in scope.sources}:
        return  # a select-list alias, or a whole-row reference to a table alias
    if dialect == "sqlite" and column.this.args.get("quoted"):
        return  # SQLite reads an unknown "double-quoted" name as a string literal
    tables = _visible_tables(scope, schema, ctes)
    if tables and not any(t.column(name) for t in tables):
        raise _unknown_column(column.name, tables)


def _resolve_qualifier(
    qualifier: str, scope: Scope | None, schema: Schema, ctes: set[str]
) -> Table | None:
    """The schema table a column qualifier names, looking outwards for correlated references."""
    low = qualifier.lower()
    while scope is not None:
        for alias, source in scope.sources.items():
            if alias.lower() == low:
                if isinstance(source, exp.Table) and _is_base_table(source, ctes):
                    return schema.table(source.name)
                return None
        scope = scope.parent
    return None


def _visible_tables(scope: Scope, schema: Schema, ctes: set[str]) -> list[Table]:
    """The schema tables an unqualified column may come from; empty when any is unknowable."""
    tables: list[Table] = []
    current: Scope | None = scope
    while current is not None:
        for alias, source in current.sources.items():
            table = None
            if isinstance(source, exp.Table) and _is_base_table(source, ctes):
                table = schema.table(source.name)
            if table is None or not alias:
                return []  # a derived table, CTE, table function or catalog: cannot resolve
            tables.append(table)
        current = current.parent
    return tables


def _unknown_column(name: str, tables: list[Table], qualifier: str | None = None) -> Exception:
    candidates = [c.name for t in tables for c in t.columns]
    close = _nearest(name, candidates)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    owner = ", ".join(t.name for t in tables)
    shown = f"{qualifier}.{name}" if qualifier else name
    return UnknownColumnError(
        f"Unknown column {shown!r}: not in {owner}.{hint}",
        column=name,
        tables=[t.name for t in tables],
        suggestions=close,
    )
