"""The SQL guard: only one read-only query, over the project's own tables, calling only
side-effect-free functions, may pass; and what runs is what was checked.

``check_sql`` is the single gate between generated (or user-typed) SQL and a database. It works
on sqlglot's tokens and syntax tree, never on regexes over the text:

- *Run what you checked.* The statement sent to the database is the one sqlglot generates from
  the checked tree, in the connection's dialect, without comments; and that text must read back
  to itself. Input whose tokens a server could read differently from sqlglot (non-ASCII
  whitespace, control characters outside string literals, MySQL's executable comments) is
  refused before parsing.
- *Allow-lists, resolved names.* Every function call, named as the server resolves it (quoting
  and case folded, ``pg_catalog.`` qualified), must be on the dialect's allow-list
  (``functions.py``) or the project's own list.
- *Tables.* Every table reference that is not a CTE visible in its scope must be a table of the
  project's schema, in the connection's own schema or database; system catalogs are refused
  unless the project allows introspection queries.

Column checks stay lenient (a column the guard cannot resolve is left to the database): a wrong
column is an error message, not a boundary.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeGuard

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.dialects.mysql import MySQL
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
from .functions import ALLOWED_FUNCTIONS, SYNTAX_EXPRESSIONS


@dataclass(frozen=True)
class QueryPolicy:
    """What a project allows beyond the defaults; set by a project admin.

    ``functions``: extra function names (lower case; ``schema.name`` for a qualified one), for
    user-defined functions. ``allow_introspection``: queries of the catalog views that describe
    tables and columns (``information_schema``, ``pg_catalog.pg_tables``, ``sqlite_master``…);
    never the ones holding passwords, settings or other sessions. ``allow_privileged``: the
    explicit, unsafe override that lets a privileged database role connect in a shared
    deployment (the runner decides; the guard holds either way).
    """

    functions: frozenset[str] = frozenset()
    allow_introspection: bool = False
    allow_privileged: bool = False

    @classmethod
    def of(cls, project: object) -> QueryPolicy:
        """The policy stored with a project row (or any object with the same attributes)."""
        names = getattr(project, "sql_functions", None) or ()
        return cls(
            functions=frozenset(str(n).strip().lower() for n in names if str(n).strip()),
            allow_introspection=bool(getattr(project, "allow_introspection", False)),
            allow_privileged=bool(getattr(project, "allow_privileged", False)),
        )


DEFAULT_POLICY = QueryPolicy()


@dataclass(frozen=True)
class CheckedQuery:
    """A query the guard let through; ``sql`` is what the runner sends (see ``capped``)."""

    sql: str
    dialect: str
    tables: tuple[str, ...]
    has_order_by: bool
    tree: exp.Expr | None = field(default=None, compare=False, repr=False)

    def capped(self, limit: int) -> str:
        """``sql`` returning at most ``limit`` rows: the query's own literal LIMIT lowered to
        ``limit`` if larger, one added if it has none, or the query wrapped when its limit is
        an expression. The database then stops producing rows past the cap."""
        if self.tree is None or not isinstance(self.tree, exp.Query):
            return self.sql
        tree = self.tree.copy()
        current = tree.args.get("limit")
        offset_only = tree.args.get("offset") is not None and current is None
        if tree.args.get("fetch") is not None or offset_only:
            tree = _wrapped(tree, limit)
        elif current is None:
            tree = tree.limit(limit, copy=False)
        else:
            value = current.expression
            if isinstance(value, exp.Literal) and value.is_int:
                if int(value.name) > limit:
                    current.set("expression", exp.Literal.number(limit))
            else:
                tree = _wrapped(tree, limit)
        return _render(tree, self.dialect)


def _wrapped(tree: exp.Query, limit: int) -> exp.Query:
    return exp.select("*").from_(tree.subquery("_askdb_rows", copy=False)).limit(limit)


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
    "Parameter": "variables and parameters (@name, $1) are not allowed",
    "SessionParameter": "server variables (@@name) are not allowed",
    "Placeholder": "placeholders are not allowed",
    "PropertyEQ": "assignments (:=) are not allowed",
}
_REFUSED_TYPES: tuple[tuple[type, str], ...] = tuple(
    (getattr(exp, name), reason) for name, reason in _REFUSED_NODES.items() if hasattr(exp, name)
)

_DIALECT_ALIASES = {"mariadb": "mysql", "postgresql": "postgres", "sqlite3": "sqlite"}

# Qualifiers an unqualified name resolves in when the caller does not say (the runner does).
_DEFAULT_NAMESPACES = {
    "postgres": frozenset({"public"}),
    "sqlite": frozenset({"main"}),
    "duckdb": frozenset({"main"}),
    "mysql": frozenset(),
}

# System schemas: never part of a project; a few of their views with introspection allowed.
_SYSTEM_SCHEMAS = {
    "information_schema",
    "pg_catalog",
    "pg_toast",
    "mysql",
    "performance_schema",
    "sys",
}
_INTROSPECTION_VIEWS: dict[str, frozenset[tuple[str, str]]] = {
    "postgres": frozenset(
        [
            ("information_schema", v)
            for v in (
                "tables",
                "columns",
                "views",
                "key_column_usage",
                "table_constraints",
                "referential_constraints",
                "constraint_column_usage",
                "check_constraints",
                "schemata",
                "element_types",
            )
        ]
        + [
            ("pg_catalog", v)
            for v in (
                "pg_tables",
                "pg_views",
                "pg_matviews",
                "pg_indexes",
                "pg_class",
                "pg_attribute",
                "pg_namespace",
                "pg_type",
                "pg_constraint",
                "pg_description",
                "pg_index",
                "pg_attrdef",
                "pg_enum",
                "pg_sequences",
                "pg_am",
                "pg_inherits",
            )
        ]
    ),
    "mysql": frozenset(
        ("information_schema", v)
        for v in (
            "tables",
            "columns",
            "views",
            "key_column_usage",
            "table_constraints",
            "referential_constraints",
            "statistics",
            "schemata",
            "check_constraints",
            "partitions",
        )
    ),
    "sqlite": frozenset({("main", "sqlite_master"), ("main", "sqlite_schema")}),
    "duckdb": frozenset(
        ("information_schema", v)
        for v in ("tables", "columns", "views", "schemata", "key_column_usage", "table_constraints")
    ),
}
_INTROSPECTION_FUNCTIONS = {
    "sqlite": frozenset(
        {
            "pragma_table_info",
            "pragma_table_xinfo",
            "pragma_index_list",
            "pragma_index_info",
            "pragma_foreign_key_list",
        }
    ),
    "postgres": frozenset(
        {
            "format_type",
            "pg_get_constraintdef",
            "pg_get_viewdef",
            "pg_get_indexdef",
            "obj_description",
            "col_description",
            "pg_table_is_visible",
        }
    ),
}
# Hidden columns every row has.
_PSEUDO_COLUMNS = {"rowid", "_rowid_", "oid", "ctid", "xmin", "xmax", "cmin", "cmax", "tableoid"}
# Tokens whose source text is a literal: whatever they hold, sqlglot re-escapes it.
_LITERAL_TOKENS = {
    getattr(TokenType, n)
    for n in (
        "STRING",
        "NATIONAL_STRING",
        "BYTE_STRING",
        "HEX_STRING",
        "BIT_STRING",
        "RAW_STRING",
        "HEREDOC_STRING",
        "UNICODE_STRING",
        "IDENTIFIER",
    )
    if hasattr(TokenType, n)
}
# sqlglot expressions that render as keywords, not calls, yet have an effect.
_KEYWORD_FORMS_REFUSED = frozenset({"NextValueFor"})
_FUNCTION_NAME = re.compile(r"([A-Za-z_][A-Za-z0-9_$]*)\s*\(")


def check_sql(
    sql: str,
    dialect: str,
    schema: Schema | None = None,
    policy: QueryPolicy | None = None,
    *,
    namespaces: Iterable[str] | None = None,
    catalogs: Iterable[str] = (),
) -> CheckedQuery:
    """Check ``sql`` in ``dialect`` and return it as a ``CheckedQuery``, or raise.

    ``namespaces``: the schema (PostgreSQL) or database (MySQL) names a qualified table may
    use, as the server spells them; ``catalogs``: the database names a three-part PostgreSQL
    name may use. Raises ``UnsafeSQLError`` for anything but one read-only query over the
    project's tables with allowed functions, ``SQLSyntaxError`` for SQL sqlglot cannot parse,
    and, when ``schema`` is given, ``UnknownTableError`` or ``UnknownColumnError``.
    """
    dialect = normalize_dialect(dialect)
    policy = policy or DEFAULT_POLICY
    sql = sql or ""
    tokens = _tokenize(sql, dialect)
    _check_characters(sql, tokens, dialect)
    statement = _single_statement(tokens, dialect)
    text = sql[statement[0].start : statement[-1].end + 1]
    tree = _parse(text, dialect, statement)
    _check_read_only(tree)
    _check_functions(tree, dialect, policy)
    spaces = (
        frozenset(namespaces)
        if namespaces is not None
        else _DEFAULT_NAMESPACES.get(dialect, frozenset())
    )
    ctes = _cte_references(tree, dialect)
    _check_tables(tree, dialect, schema, policy, ctes, spaces, frozenset(catalogs))
    if schema is not None:
        _check_columns(tree, schema, dialect, ctes)
    _bound_amplifiers(tree, dialect)
    _drop_dual(tree)
    rendered = _render(tree, dialect)
    _check_round_trip(rendered, dialect)
    return CheckedQuery(
        sql=rendered,
        dialect=dialect,
        tables=tuple(_base_tables(tree, ctes)),
        has_order_by=_has_order_by(tree),
        tree=tree,
    )


def normalize_dialect(name: str) -> str:
    """The sqlglot name for a dialect: ``mariadb`` reads as ``mysql``, ``postgresql`` as
    ``postgres``."""
    return _DIALECT_ALIASES.get(name.lower(), name.lower())


if TYPE_CHECKING:
    # What MySQL.Generator is; mypy reads that class attribute as a variable, not a base class.
    from sqlglot.generators.mysql import MySQLGenerator as _MySQLGenerator
else:
    _MySQLGenerator = MySQL.Generator


class _MySQL(MySQL):
    """sqlglot's MySQL, writing ``x REGEXP y`` (MySQL and MariaDB) for REGEXP_LIKE (MySQL 8
    only): the SQL the runner sends must run on both."""

    class Generator(_MySQLGenerator):
        TRANSFORMS = {
            **_MySQLGenerator.TRANSFORMS,
            exp.RegexpLike: lambda self, e: self.binary(e, "REGEXP"),
            exp.Median: lambda self, e: self.func("MEDIAN", e.this),
        }


_WRITERS: dict[str, type[Dialect]] = {"mysql": _MySQL}


def _render(tree: exp.Expr, dialect: str) -> str:
    writer = _WRITERS.get(dialect, dialect)
    return tree.sql(dialect=writer, comments=False, normalize_functions=False)


def _tokenize(sql: str, dialect: str) -> list[Token]:
    try:
        return list(sqlglot.tokenize(sql, read=dialect))
    except TokenError as e:
        raise SQLSyntaxError(f"Could not read the SQL: {e}") from e
    except ValueError as e:  # an unknown dialect name
        raise InvalidInputError(f"Unknown SQL dialect {dialect!r}.") from e


def _unsafe_char(c: str) -> bool:
    """Whitespace or a control/format character a server's lexer may read differently."""
    if c in " \t\n\r":
        return False
    return c.isspace() or unicodedata.category(c)[0] in ("C", "Z")


def _check_characters(sql: str, tokens: list[Token], dialect: str) -> None:
    """Refuse characters outside literals that servers and sqlglot may lex differently, and
    MySQL's executable comments (``/*!…*/``, ``/*M!…*/``), which the server runs as SQL."""
    position = 0
    for token in [*tokens, None]:
        end = token.start if token is not None else len(sql)
        gap = sql[position:end]  # whitespace and comments
        if token is not None and token.token_type not in _LITERAL_TOKENS:
            gap += sql[token.start : token.end + 1]
        for c in gap:
            if _unsafe_char(c):
                name = unicodedata.name(c, f"U+{ord(c):04X}")
                raise UnsafeSQLError.refusing(
                    f"the SQL contains the character {name} (U+{ord(c):04X}) outside a string: "
                    "servers may read it differently, so it is not allowed"
                )
        if dialect == "mysql" and re.search(r"/\*M?!", sql[position:end], re.IGNORECASE):
            raise UnsafeSQLError.refusing("executable comments (/*! ... */) are not allowed")
        if token is not None:
            position = token.end + 1


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
        raise UnsafeSQLError.refusing("the SQL is empty: there is no query to run")
    if len(statements) > 1:
        raise UnsafeSQLError.refusing(
            f"only one statement may run at a time, and this SQL has {len(statements)}"
        )
    statement = statements[0]
    first = statement[0]
    if first.token_type not in _QUERY_STARTS | _DIALECT_QUERY_STARTS.get(dialect, set()):
        raise UnsafeSQLError.refusing(
            f"only read-only queries (SELECT) may run, and this statement starts with "
            f"{first.text.upper()}"
        )
    return statement


def _parse(text: str, dialect: str, tokens: list[Token]) -> exp.Expr:
    try:
        trees = sqlglot.parse(text, read=dialect, error_level=sqlglot.ErrorLevel.RAISE)
    except ParseError as e:
        if any(t.token_type == TokenType.INTO for t in tokens):
            # sqlglot cannot parse MySQL's INTO OUTFILE/DUMPFILE: refuse it as what it is.
            raise UnsafeSQLError.refusing("SELECT ... INTO creates a table or writes a file") from e
        raise _syntax_error(e) from e
    except (SqlglotError, RecursionError) as e:
        raise SQLSyntaxError(f"Could not parse the SQL: {e}") from e
    statements = [t for t in trees if t is not None and not isinstance(t, exp.Semicolon)]
    if len(statements) != 1:
        raise UnsafeSQLError.refusing("only one statement may run at a time")
    return statements[0]


def _drop_dual(tree: exp.Expr) -> None:
    """``SELECT … FROM DUAL`` is ``SELECT …`` (sqlglot would quote DUAL as a table name)."""
    for select in tree.find_all(exp.Select):
        source = select.args.get("from_") or select.args.get("from")
        table = source.this if isinstance(source, exp.From) else None
        if (
            isinstance(table, exp.Table)
            and isinstance(table.this, exp.Identifier)
            and table.name.lower() == "dual"
            and not table.db
            and not table.this.quoted
            and not select.args.get("joins")
        ):
            select.set("from_" if "from_" in select.args else "from", None)


def _check_round_trip(rendered: str, dialect: str) -> None:
    """The text that will run must read back, in the same dialect, to the same text."""
    try:
        again = sqlglot.parse(rendered, read=dialect, error_level=sqlglot.ErrorLevel.RAISE)
        same = len(again) == 1 and again[0] is not None and _render(again[0], dialect) == rendered
    except (SqlglotError, RecursionError):
        same = False
    if not same:
        raise UnsafeSQLError.refusing(
            "the query could not be rewritten unambiguously for the database; simplify it"
        )


def _syntax_error(e: ParseError) -> SQLSyntaxError:
    first = e.errors[0] if e.errors else {}
    description = first.get("description") or str(e).splitlines()[0]
    line, col = first.get("line"), first.get("col")
    near = first.get("highlight")
    where = f"line {line}, column {col}: " if line else ""
    message = f"SQL syntax error at {where}{description}" + (f" (near {near!r})" if near else "")
    return SQLSyntaxError(message, line=line, column=col)


def _check_read_only(tree: exp.Expr) -> None:
    if not isinstance(tree, (exp.Query, exp.Values)):
        raise UnsafeSQLError.refusing(f"only read-only queries may run, not {tree.key.upper()}")
    for node in tree.walk():
        for kind, reason in _REFUSED_TYPES:
            if isinstance(node, kind):
                raise UnsafeSQLError.refusing(reason)
        if isinstance(node, exp.Select) and node.args.get("locks"):
            raise UnsafeSQLError.refusing("locking reads (FOR UPDATE/SHARE) are not allowed")


# -- functions ----------------------------------------------------------------------------
def _resolve(identifier: exp.Identifier | str, dialect: str) -> str:
    """A name as the server resolves it: PostgreSQL folds unquoted names to lower case and
    keeps quoted ones; MySQL keeps table names as written (case-sensitive on Linux); SQLite
    and DuckDB compare without case."""
    if isinstance(identifier, exp.Identifier):
        name, quoted = identifier.name, bool(identifier.args.get("quoted"))
    else:
        name, quoted = str(identifier), False
    if dialect == "postgres":
        return name if quoted else name.lower()
    if dialect == "mysql":
        return name
    return name.lower()


def _function_identity(func: exp.Func, dialect: str) -> tuple[str | None, str] | None:
    """(qualifier, name) of the function the server will call, or None for plain syntax."""
    if isinstance(func, (exp.Anonymous, exp.AnonymousAggFunc)):
        this = func.this
        name = _resolve(this, dialect) if isinstance(this, exp.Identifier) else str(this)
        if dialect != "postgres" or not (isinstance(this, exp.Identifier) and this.quoted):
            name = name.lower()  # functions are case-insensitive except quoted PostgreSQL
    elif type(func).__name__ in SYNTAX_EXPRESSIONS:
        return None
    else:
        match = _FUNCTION_NAME.match(func.sql(dialect=dialect, normalize_functions="lower"))
        if match is None:
            # Rendered as an operator or keyword, not as a call of a named function; only
            # keyword forms with an effect of their own are refused.
            if type(func).__name__ in _KEYWORD_FORMS_REFUSED:
                raise UnsafeSQLError.refusing(f"{type(func).__name__} is not allowed")
            return None
        name = match.group(1).lower()
    qualifier = None
    parent = func.parent
    if isinstance(parent, exp.Dot) and parent.expression is func:
        qualifier = ".".join(_resolve(p, dialect) for p in _dotted_parts(parent.this)).lower()
    return qualifier, name


def _dotted_parts(node: exp.Expr) -> list[exp.Identifier | str]:
    if isinstance(node, exp.Dot):
        return _dotted_parts(node.this) + _dotted_parts(node.expression)
    if isinstance(node, exp.Column):
        return [p if isinstance(p, exp.Identifier) else p.sql() for p in node.parts]
    if isinstance(node, exp.Identifier):
        return [node]
    return [node.sql()]


def _check_functions(tree: exp.Expr, dialect: str, policy: QueryPolicy) -> None:
    allowed = ALLOWED_FUNCTIONS.get(
        dialect,
        ALLOWED_FUNCTIONS["postgres"] & ALLOWED_FUNCTIONS["mysql"] & ALLOWED_FUNCTIONS["sqlite"],
    )
    if policy.allow_introspection:
        allowed = allowed | _INTROSPECTION_FUNCTIONS.get(dialect, frozenset())
    for func in tree.find_all(exp.Func):
        identity = _function_identity(func, dialect)
        if identity is None:
            continue
        qualifier, name = identity
        if qualifier is None or (dialect == "postgres" and qualifier == "pg_catalog"):
            ok = name in allowed or name in policy.functions
        else:
            ok = f"{qualifier}.{name}" in policy.functions
        if not ok:
            shown = f"{qualifier}.{name}" if qualifier else name
            raise UnsafeSQLError.refusing(
                f"the function {shown.upper()}() is not allowed (not on the list of "
                "side-effect-free functions; a project admin can allow a function by name)"
            )


# -- amplifiers --------------------------------------------------------------------------
# Most characters a padding or repeating function may produce. PostgreSQL builds lpad()/rpad()
# and format() widths in one loop that no statement timeout interrupts (150 MB took 3 s past a
# 0.5 s timeout here), so their sizes are bounded in the query itself.
MAX_GENERATED_LENGTH = 100_000
_PRINTF_WIDTH = re.compile(r"%(?:\d+\$)?[-0 +#]*(\*(?:\d+\$)?|\d+)?")


def _bounded(node: exp.Expr) -> exp.Expr:
    """``node`` if it is a small integer literal, else LEAST(node, MAX_GENERATED_LENGTH)."""
    if isinstance(node, exp.Literal) and node.is_int and int(node.name) <= MAX_GENERATED_LENGTH:
        return node
    return exp.Least(this=node.copy(), expressions=[exp.Literal.number(MAX_GENERATED_LENGTH)])


# Functions whose work is (length of one argument) x (length of another) in a single step
# that servers do not interrupt (trim sets, translate, searches, LIKE patterns): the
# pattern-like argument is cut to this many characters, which no real pattern reaches.
MAX_PATTERN_LENGTH = 100
_PATTERN_ARGS: dict[type[exp.Expr], tuple[str, ...]] = {
    exp.Trim: ("expression",),
    exp.Translate: ("from_", "to"),
    exp.StrPosition: ("substr",),
    exp.Replace: ("expression",),
    exp.SplitPart: ("delimiter",),
    exp.SubstringIndex: ("delimiter",),
    exp.Like: ("expression",),
    exp.ILike: ("expression",),
    exp.Glob: ("expression",),
    exp.StringToArray: ("expression",),
}
# Untyped functions with a pattern argument, by name: argument positions.
_PATTERN_POSITIONS: dict[str, tuple[int, ...]] = {
    "json_search": (2,),
    "locate": (0,),
    "instr": (1,),
    "strpos": (1,),
    "position": (0,),
    "btrim": (1,),
    "ltrim": (1,),
    "rtrim": (1,),
    "translate": (1, 2),
    "split_part": (1,),
    "substring_index": (1,),
    "replace": (1,),
    "string_to_array": (1,),
    "string_to_table": (1,),
}
# Containment and overlap of arrays and jsonb compare every element with every element in one
# step that PostgreSQL does not interrupt; each side must be a column or a literal (a
# user's own data or a written value), never a value the query builds.
_CONTAINMENT = tuple(
    getattr(exp, n)
    for n in (
        "ArrayContainsAll",
        "ArrayContainedBy",
        "ArrayOverlaps",
        "JSONBContains",
        "ArrayContains",
    )
    if hasattr(exp, n)
)


def _simple_operand(node: exp.Expr) -> bool:
    while isinstance(node, (exp.Cast, exp.Paren)):
        node = node.this
    if isinstance(node, (exp.Column, exp.Literal, exp.Null)):
        return True
    if isinstance(node, exp.Array):
        return len(node.expressions) <= 1000 and all(_simple_operand(e) for e in node.expressions)
    return False


def _cut(node: exp.Expr) -> exp.Expr:
    """``node`` if it is a short string literal, else its first MAX_PATTERN_LENGTH characters."""
    if isinstance(node, exp.Literal) and node.is_string and len(node.name) <= MAX_PATTERN_LENGTH:
        return node
    return exp.Substring(
        this=node.copy(),
        start=exp.Literal.number(1),
        length=exp.Literal.number(MAX_PATTERN_LENGTH),
    )


def _bound_amplifiers(tree: exp.Expr, dialect: str) -> None:
    """Bound the sizes that padding and repeating functions take from their arguments, and
    the pattern-like arguments of functions whose work is the product of two lengths."""
    for func in list(tree.find_all(exp.Pad, exp.Repeat, exp.Space)):
        key = {exp.Pad: "expression", exp.Repeat: "times", exp.Space: "this"}[type(func)]
        size = func.args.get(key)
        if isinstance(size, exp.Expression):
            func.set(key, _bounded(size))
    for node in list(tree.find_all(*_PATTERN_ARGS)):
        for key in _PATTERN_ARGS[type(node)]:
            arg = node.args.get(key)
            if isinstance(arg, exp.Expression):
                node.set(key, _cut(arg))
    if dialect in ("postgres", "duckdb"):
        for node in tree.find_all(*_CONTAINMENT):
            if not all(
                _simple_operand(node.args[k])
                for k in ("this", "expression")
                if isinstance(node.args.get(k), exp.Expression)
            ):
                raise UnsafeSQLError.refusing(
                    "array and JSON containment (@>, <@, &&) compare a column or a literal "
                    "with a column or a literal, not computed values"
                )
    for func in tree.find_all(exp.Anonymous):
        if str(func.name).lower() != "array_fill":
            continue
        # array_fill(value, ARRAY[dims]) allocates and fills in one step: each dimension is
        # bounded like any other generated size, and the dimensions must be written out.
        dims = func.expressions[1] if len(func.expressions) > 1 else None
        if not isinstance(dims, exp.Array):
            raise UnsafeSQLError.refusing("array_fill() needs its dimensions written as ARRAY[...]")
        dims.set("expressions", [_bounded(d) for d in dims.expressions])
    for func in list(tree.find_all(exp.Anonymous)):
        positions = _PATTERN_POSITIONS.get(str(func.name).lower(), ())
        args = list(func.expressions)
        for i in positions:
            if i < len(args):
                args[i] = _cut(args[i])
        if positions:
            func.set("expressions", args)
    if dialect != "postgres":
        return  # SQLite's printf is checked as it runs; MySQL caps values at max_allowed_packet
    for func in tree.find_all(exp.Func):
        identity = _function_identity(func, dialect)
        if identity is None or identity[1] != "format":
            continue
        args = (
            list(func.expressions)
            if isinstance(func, exp.Anonymous)
            else [v for v in func.args.values() if isinstance(v, exp.Expression)]
        )
        template = args[0] if args else None
        if not (isinstance(template, exp.Literal) and template.is_string):
            raise UnsafeSQLError.refusing("format() needs a literal format string")
        for match in _PRINTF_WIDTH.finditer(template.name):
            width = match.group(1) or ""
            if width.startswith("*") or (width.isdigit() and int(width) > MAX_GENERATED_LENGTH):
                raise UnsafeSQLError.refusing(
                    f"format() widths must be literal and at most {MAX_GENERATED_LENGTH:,}"
                )


# -- tables -------------------------------------------------------------------------------
def _with_of(node: exp.Expr) -> exp.With | None:
    w = node.args.get("with_") if "with_" in node.args else node.args.get("with")
    return w if isinstance(w, exp.With) else None


def _cte_references(tree: exp.Expr, dialect: str) -> set[int]:
    """Ids of the Table nodes that name a CTE visible where they stand, as the server sees it.

    A CTE is visible in its query's body and in later CTEs of its WITH; with RECURSIVE also in
    itself (and, on PostgreSQL, in every CTE of the list). A qualified name (``public.t``) is
    never a CTE, and names compare as the server compares them (PostgreSQL: ``"T"`` is not
    ``t``). Where unsure, a name counts as a table, which the table check then checks.
    """
    found: set[int] = set()
    for table in tree.find_all(exp.Table):
        if (
            not isinstance(table.this, exp.Identifier)
            or table.args.get("db")
            or table.args.get("catalog")
        ):
            continue
        name = _resolve(table.this, dialect)
        child: exp.Expr = table
        node = table.parent
        while node is not None:
            if isinstance(node, exp.With) and isinstance(child, exp.CTE):
                ctes = list(node.expressions)
                index = next(i for i, c in enumerate(ctes) if c is child)
                recursive = bool(node.args.get("recursive"))
                if recursive and dialect == "postgres":
                    visible = ctes
                else:
                    visible = ctes[: index + 1] if recursive else ctes[:index]
                if any(_cte_name(c, dialect) == name for c in visible):
                    found.add(id(table))
                    break
                child, node = node, node.parent
                if node is not None:  # skip the owner's own WITH: it was just considered
                    child, node = node, node.parent
                continue
            w = _with_of(node)
            if w is not None and child is not w:
                if any(_cte_name(c, dialect) == name for c in w.expressions):
                    found.add(id(table))
                    break
            child, node = node, node.parent
    return found


def _cte_name(cte: exp.CTE, dialect: str) -> str:
    alias = cte.args.get("alias")
    identifier = alias.this if isinstance(alias, exp.TableAlias) else None
    if isinstance(identifier, exp.Identifier):
        return _resolve(identifier, dialect)
    return _resolve(cte.alias_or_name, dialect)


def _table_refs(tree: exp.Expr, ctes: set[int]) -> Iterator[exp.Table]:
    """The named tables a query reads (not table functions, not CTEs, not MySQL's DUAL)."""
    for table in tree.find_all(exp.Table):
        if isinstance(table.this, exp.Identifier) and id(table) not in ctes:
            if table.name.lower() == "dual" and not table.db and not table.this.quoted:
                continue  # FROM DUAL: no table at all
            yield table


def _system_relation(table: exp.Table, dialect: str) -> tuple[str, str] | None:
    """(schema, name) when ``table`` is a system catalog relation, else None."""
    name = table.name.lower()
    db = table.db.lower()
    if db in _SYSTEM_SCHEMAS:
        return db, name
    if not db:
        if dialect == "postgres" and name.startswith("pg_"):
            return "pg_catalog", name  # pg_catalog comes first in every search path
        if dialect in ("sqlite", "duckdb") and (
            name.startswith(("sqlite_", "pragma_", "duckdb_")) or name == "dbstat"
        ):
            return "main", name
    return None


def _check_tables(
    tree: exp.Expr,
    dialect: str,
    schema: Schema | None,
    policy: QueryPolicy,
    ctes: set[int],
    namespaces: frozenset[str],
    catalogs: frozenset[str],
) -> None:
    for node in tree.find_all(exp.Table):
        if not isinstance(node.this, (exp.Identifier, exp.Func)):
            # DuckDB reads FROM 'file.csv'; only named tables and table functions may be read.
            raise UnsafeSQLError.refusing("only tables and table functions may appear in FROM")
    for datatype in tree.find_all(exp.DataType):
        if datatype.this == exp.DataType.Type.USERDEFINED:
            _check_user_type(datatype, dialect, schema, namespaces)
    for table in _table_refs(tree, ctes):
        shown = ".".join(p for p in (table.catalog, table.db, table.name) if p)
        system = _system_relation(table, dialect)
        if system is not None:
            if policy.allow_introspection and system in _INTROSPECTION_VIEWS.get(dialect, ()):
                continue
            raise UnsafeSQLError.refusing(
                f"the system table {shown} is not part of the project"
                + (
                    ""
                    if policy.allow_introspection
                    else " (a project admin can allow introspection queries)"
                )
            )
        catalog = table.args.get("catalog")
        if catalog is not None and _resolve(catalog, dialect) not in catalogs:
            raise UnsafeSQLError.refusing(f"the table {shown} is outside the project's database")
        db = table.args.get("db")
        if db is not None and _resolve(db, dialect) not in namespaces:
            raise UnsafeSQLError.refusing(f"the table {shown} is outside the project's schema")
        if schema is not None and _schema_table(table, schema, dialect) is None:
            raise _unknown_table(table.name, schema)


def _check_user_type(
    datatype: exp.DataType, dialect: str, schema: Schema | None, namespaces: frozenset[str]
) -> None:
    """A type the dialect does not define: on PostgreSQL every table is also a row type
    (``NULL::hr.salaries`` describes a table), so only the project's own tables may be named."""
    kind = datatype.args.get("kind")
    parts = _dotted_parts(kind) if isinstance(kind, exp.Expression) else [str(kind or "")]
    names = [_resolve(p, dialect) for p in parts]
    shown = ".".join(str(n) for n in names)
    qualifier, name = (names[-2] if len(names) > 1 else None), names[-1]
    last = parts[-1]
    identifier = last if isinstance(last, exp.Identifier) else exp.to_identifier(str(last))
    # Compared with the project's tables as a table reference is (_schema_table).
    project_table = (
        schema is None or _schema_table(exp.Table(this=identifier), schema, dialect) is not None
    )
    outside = qualifier is not None and qualifier not in namespaces
    if len(names) > 2 or outside or name.lower().startswith("pg_") or not project_table:
        raise UnsafeSQLError.refusing(
            f"the type {shown} is not allowed (only the project's tables)"
        )


def _schema_table(table: exp.Table, schema: Schema, dialect: str) -> Table | None:
    """The project table ``table`` names, compared as the server compares names."""
    found = schema.table(table.name)
    if found is None or dialect not in ("postgres", "mysql"):
        return found
    wanted = _resolve(table.this, dialect)
    exact = [t for t in schema.tables if t.name == wanted]
    return exact[0] if exact else None


def _base_tables(tree: exp.Expr, ctes: set[int]) -> list[str]:
    seen, names = set(), []
    for table in _table_refs(tree, ctes):
        if table.name.lower() not in seen:
            seen.add(table.name.lower())
            names.append(table.name)
    return names


def _has_order_by(tree: exp.Expr) -> bool:
    while isinstance(tree, exp.Subquery):
        tree = tree.this
    return bool(tree.args.get("order"))


# -- columns ------------------------------------------------------------------------------
def _check_columns(tree: exp.Expr, schema: Schema, dialect: str, ctes: set[int]) -> None:
    try:
        scopes = traverse_scope(tree)
    except (SqlglotError, RecursionError):
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
    node: exp.Expr | None = column
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


def _is_project_table(source: object, ctes: set[int]) -> TypeGuard[exp.Table]:
    return (
        isinstance(source, exp.Table)
        and isinstance(source.this, exp.Identifier)
        and id(source) not in ctes
        and not source.db
    )


def _check_column(
    column: exp.Column,
    scope: Scope,
    schema: Schema,
    dialect: str,
    ctes: set[int],
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
    qualifier: str, scope: Scope | None, schema: Schema, ctes: set[int]
) -> Table | None:
    """The schema table a column qualifier names, looking outwards for correlated references."""
    low = qualifier.lower()
    while scope is not None:
        for alias, source in scope.sources.items():
            if alias.lower() == low:
                if _is_project_table(source, ctes):
                    return schema.table(source.name)
                return None
        scope = scope.parent
    return None


def _visible_tables(scope: Scope, schema: Schema, ctes: set[int]) -> list[Table]:
    """The schema tables an unqualified column may come from; empty when any is unknowable."""
    tables: list[Table] = []
    current: Scope | None = scope
    while current is not None:
        for alias, source in current.sources.items():
            table = schema.table(source.name) if _is_project_table(source, ctes) else None
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
