"""DDL files → the normalised schema model, parsed with sqlglot.

Only what describes tables matters here: CREATE TABLE (columns, types, NOT NULL, primary and
foreign keys, comments), the constraints pg_dump moves into ALTER TABLE, ``COMMENT ON`` and
DROP TABLE. Every other statement (indexes, views, inserts, SET, functions...) is skipped.
Errors point at the line of the fault in the text the user uploaded.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field, replace

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import TokenType

from ..errors import DDLParseError, InvalidInputError
from .model import Column, ForeignKey, Schema, Table

# Expression.meta key holding a column type's text as written in the DDL.
SOURCE_TEXT = "askdb_source_text"
_QUOTED = re.compile(r"""('(?:[^']|'')*'|"[^"]*"|`[^`]*`)""")
# Tried in turn when the caller names no dialect; "" is sqlglot's generic dialect.
FALLBACK_DIALECTS = ("", "postgres", "mysql")


def parse_ddl(text: str, dialect: str | None = None) -> Schema:
    """Parse DDL ``text`` into a ``Schema``, or raise ``DDLParseError`` with the fault's line.

    With no ``dialect``, the generic dialect is tried, then PostgreSQL and MySQL; the error
    reported is the one that got furthest into the text.
    """
    if not text or not text.strip():
        raise DDLParseError("no CREATE TABLE statement found")
    candidates = (dialect,) if dialect else FALLBACK_DIALECTS
    errors: list[DDLParseError] = []
    for name in candidates:
        try:
            statements = parse_statements(text, name)
        except DDLParseError as e:
            errors.append(e)
            continue
        return build_schema(statements, name, dialect or name or "sqlite")
    raise max(errors, key=lambda e: (e.line or 0, e.column or 0))


def parse_statements(text: str, dialect: str) -> list[exp.Expr]:
    """Every statement in ``text``, parsed strictly: a CREATE TABLE sqlglot cannot fully
    understand is an error rather than an opaque command."""
    try:
        d = Dialect.get_or_raise(dialect)
    except ValueError as e:
        raise InvalidInputError(f"Unknown SQL dialect {dialect!r}.") from e
    try:
        tokens = d.tokenize(text)
    except TokenError as e:
        raise DDLParseError.at(_token_error_message(e), line=_token_error_line(text, e)) from e
    parser = _strict_parser_class(type(d).parser_class)(dialect=d)
    try:
        return [s for s in parser.parse(tokens, text) if s is not None]
    except ParseError as e:
        first = e.errors[0] if e.errors else {}
        line, column = first.get("line"), _start_column(first)
        raise DDLParseError.at(_parse_error_message(first, e), line=line, column=column) from e


def build_schema(statements: list[exp.Expr], parse_dialect: str, dialect: str) -> Schema:
    """Fold parsed statements into a ``Schema`` labelled ``dialect``.

    Column types are kept as written; ``parse_dialect`` renders any type whose text is lost.
    """
    builder = _SchemaBuilder(parse_dialect)
    for stmt in statements:
        builder.apply(stmt)
    if not builder.tables:
        raise DDLParseError("no CREATE TABLE statement found")
    return builder.build(dialect)


# -- strict parsing -----------------------------------------------------------------------------


@functools.cache
def _strict_parser_class(base: type) -> type:
    """A subclass of the dialect's parser that refuses to fall back to an opaque command on a
    CREATE TABLE (sqlglot's default), so garbage inside a table definition is reported."""

    class StrictDDLParser(base):
        def _parse_as_command(self, start):  # sqlglot's hook
            if _starts_create_table(self._tokens, start):
                self.raise_error("Unexpected or unsupported syntax in CREATE TABLE", self._curr)
            return super()._parse_as_command(start)

        def _warn_unsupported(self) -> None:
            pass  # statements we skip anyway (functions, grants...) need no log line

        def _parse_types(self, *args, **kwargs):
            # Keep each type as the user wrote it: sqlglot's rendering maps types onto its
            # own (SQLite's BOOLEAN would come back as INTEGER, NUMERIC as REAL).
            start = self._curr
            result = super()._parse_types(*args, **kwargs)
            end = self._prev
            if isinstance(result, exp.DataType) and start and end and end.end >= start.start:
                result.meta[SOURCE_TEXT] = self.sql[start.start : end.end + 1]
            return result

    return StrictDDLParser


def _starts_create_table(tokens: list, start: object) -> bool:
    if getattr(start, "token_type", None) != TokenType.CREATE:
        return False
    index = next((i for i, tok in enumerate(tokens) if tok is start), None)
    if index is None:
        return False
    # CREATE [OR REPLACE] [GLOBAL] [TEMPORARY|UNLOGGED] TABLE ...
    return any(tok.token_type == TokenType.TABLE for tok in tokens[index + 1 : index + 5])


def _token_error_line(text: str, e: TokenError) -> int:
    # sqlglot's tokenizer reports an unterminated string as "Missing ' from LINE:OFFSET",
    # where OFFSET is where the string began: the place the user must fix.
    found = re.search(r"from \d+:(\d+)", str(e.__cause__ or ""))
    if found:
        return _line_of(text, int(found.group(1)))
    opened = text.rfind("/*")
    if opened != -1 and text.find("*/", opened + 2) == -1:
        return _line_of(text, opened)
    return _line_of(text, e.end if e.end is not None else len(text))


def _token_error_message(e: TokenError) -> str:
    cause = str(e.__cause__ or "")
    if cause.startswith("Missing"):
        return f"Unterminated {cause.split()[1]} quote"
    if isinstance(e.__cause__, IndexError):
        return "Unterminated comment or quote"
    return cause or "could not read the text as SQL"


def _parse_error_message(error: dict, e: ParseError) -> str:
    description = error.get("description") or str(e).split("\n", 1)[0]
    # sqlglot's internal wording ("Required keyword: 'this' missing for <class ...>") means
    # nothing to a user; say what they can act on.
    if description.startswith(("Required keyword", "Invalid expression")):
        description = "Unexpected or incomplete syntax"
    description = re.sub(r" but got <Token .*>$", "", description)
    highlight = " ".join((error.get("highlight") or "").split())
    return f"{description} near {highlight!r}" if highlight else description


def _start_column(error: dict) -> int | None:
    # sqlglot reports the column where the offending token ends; users look for its start.
    col, highlight = error.get("col"), error.get("highlight") or ""
    if not col:
        return None
    return max(1, col - len(highlight) + 1) if "\n" not in highlight else col


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, max(0, min(offset, len(text)))) + 1


# -- folding statements into tables ---------------------------------------------------------------


@dataclass
class _TableDraft:
    schema: str
    name: str
    line: int | None
    columns: list[Column] = field(default_factory=list)
    primary_key: list[str] = field(default_factory=list)
    foreign_keys: list[tuple[tuple[str, ...], str, str, tuple[str, ...]]] = field(
        default_factory=list
    )  # (columns, ref schema, ref table, ref columns)
    comment: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.schema.lower(), self.name.lower())


class _SchemaBuilder:
    """Accumulates tables statement by statement; names are resolved once all are known,
    so foreign keys and comments may refer to tables defined later in the file."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        self.tables: dict[tuple[str, str], _TableDraft] = {}
        self.comments: list[exp.Comment] = []

    def apply(self, stmt: exp.Expr) -> None:
        if isinstance(stmt, exp.Create) and str(stmt.args.get("kind", "")).upper() == "TABLE":
            self._create(stmt)
        elif isinstance(stmt, exp.Alter) and str(stmt.args.get("kind", "")).upper() == "TABLE":
            self._alter(stmt)
        elif isinstance(stmt, exp.Drop) and str(stmt.args.get("kind", "")).upper() == "TABLE":
            for table in stmt.args.get("tables") or []:
                draft = self._find(table.db, table.name)
                if draft is not None:
                    del self.tables[draft.key]
        elif isinstance(stmt, exp.Comment):
            self.comments.append(stmt)

    # -- statements ---------------------------------------------------------------------------
    def _create(self, stmt: exp.Create) -> None:
        target = stmt.this
        if not isinstance(target, exp.Schema):
            return  # CREATE TABLE ... AS SELECT / LIKE: no column list to read
        table = target.this
        draft = _TableDraft(schema=table.db, name=table.name, line=_line(table))
        if draft.key in self.tables:
            if stmt.args.get("exists"):
                return  # IF NOT EXISTS on a table already defined: a no-op, as in SQL
            first = self.tables[draft.key].line
            raise DDLParseError.at(
                f"table {draft.name!r} is already defined on line {first}", line=draft.line
            )
        for item in target.expressions:
            self._add_item(draft, item)
        draft.comment = _table_comment(stmt) or draft.comment
        self.tables[draft.key] = draft

    def _alter(self, stmt: exp.Alter) -> None:
        draft = self._find(stmt.this.db, stmt.this.name)
        if draft is None:
            return
        for action in stmt.args.get("actions") or []:
            items = action.expressions if isinstance(action, exp.AddConstraint) else [action]
            for item in items:
                self._add_item(draft, item)

    def _add_item(self, draft: _TableDraft, item: exp.Expr) -> None:
        if isinstance(item, exp.ColumnDef):
            draft.columns.append(self._column(draft, item))
        elif isinstance(item, exp.Identifier):  # SQLite allows columns with no type at all
            draft.columns.append(Column(name=item.name))
        elif isinstance(item, exp.Constraint):
            for inner in item.expressions:
                self._add_item(draft, inner)
        elif isinstance(item, exp.PrimaryKey):
            draft.primary_key = [_ident(e) for e in item.expressions]
        elif isinstance(item, exp.ForeignKey):
            draft.foreign_keys.append(_foreign_key(item.expressions, item.args.get("reference")))

    def _column(self, draft: _TableDraft, col: exp.ColumnDef) -> Column:
        name = col.name
        kind = col.args.get("kind")
        nullable, comment = True, None
        for constraint in col.constraints:
            kind_ = constraint.args.get("kind")
            if isinstance(kind_, exp.NotNullColumnConstraint):
                nullable = bool(kind_.args.get("allow_null"))
            elif isinstance(kind_, exp.PrimaryKeyColumnConstraint):
                draft.primary_key = [name]
            elif isinstance(kind_, exp.Reference):
                draft.foreign_keys.append(_foreign_key([col.this], kind_))
            elif isinstance(kind_, exp.CommentColumnConstraint):
                comment = _string(kind_.this)
        return Column(name=name, type=self._type(kind), nullable=nullable, comment=comment)

    def _type(self, kind: exp.Expr | None) -> str:
        if kind is None:
            return ""
        written = kind.meta.get(SOURCE_TEXT) if isinstance(kind, exp.DataType) else None
        if not written:
            return kind.sql(dialect=self.dialect)
        # Upper-case like introspected types, leaving quoted parts (enum values) alone.
        parts = _QUOTED.split(" ".join(written.split()))
        return "".join(p if i % 2 else p.upper() for i, p in enumerate(parts))

    # -- resolution ---------------------------------------------------------------------------
    def _find(self, schema: str, name: str) -> _TableDraft | None:
        exact = self.tables.get((schema.lower(), name.lower()))
        if exact is not None:
            return exact
        same_name = [t for t in self.tables.values() if t.name.lower() == name.lower()]
        return same_name[0] if len(same_name) == 1 else None

    def build(self, dialect: str) -> Schema:
        names = self._final_names()
        for comment in self.comments:
            self._apply_comment(comment)
        tables = []
        for draft in self.tables.values():
            pk = tuple(draft.primary_key)
            pk_low = {c.lower() for c in pk}
            columns = tuple(
                replace(c, primary_key=True, nullable=False) if c.name.lower() in pk_low else c
                for c in draft.columns
            )
            fks = tuple(self._resolve_fk(fk, names) for fk in draft.foreign_keys)
            tables.append(
                Table(
                    name=names[draft.key],
                    columns=columns,
                    primary_key=pk,
                    foreign_keys=fks,
                    comment=draft.comment,
                )
            )
        return Schema(tables=tuple(tables), dialect=dialect)

    def _final_names(self) -> dict[tuple[str, str], str]:
        # A table keeps its own name; only when two schemas hold tables of the same name does
        # the schema qualifier stay, so that neither hides the other.
        counts: dict[str, int] = {}
        for draft in self.tables.values():
            counts[draft.name.lower()] = counts.get(draft.name.lower(), 0) + 1
        return {
            key: f"{d.schema}.{d.name}" if counts[d.name.lower()] > 1 and d.schema else d.name
            for key, d in self.tables.items()
        }

    def _resolve_fk(self, fk: tuple, names: dict[tuple[str, str], str]) -> ForeignKey:
        columns, ref_schema, ref_name, ref_columns = fk
        target = self._find(ref_schema, ref_name)
        if target is None:
            return ForeignKey(columns=columns, ref_table=ref_name, ref_columns=ref_columns)
        return ForeignKey(
            columns=columns,
            ref_table=names[target.key],
            ref_columns=ref_columns or tuple(target.primary_key),
        )

    def _apply_comment(self, stmt: exp.Comment) -> None:
        kind = str(stmt.args.get("kind", "")).upper()
        text = _string(stmt.expression)
        target = stmt.this
        if kind == "TABLE" and isinstance(target, exp.Table):
            draft = self._find(target.db, target.name)
            if draft is not None:
                draft.comment = text
        elif kind == "COLUMN" and isinstance(target, exp.Column):
            draft = self._find(target.db, target.table)
            if draft is None:
                return
            low = target.name.lower()
            draft.columns = [
                replace(c, comment=text) if c.name.lower() == low else c for c in draft.columns
            ]


def _foreign_key(columns: list[exp.Expr], reference: exp.Expr | None) -> tuple:
    ref_schema, ref_name = "", ""
    ref_columns: tuple[str, ...] = ()
    if isinstance(reference, exp.Reference):
        target = reference.this
        if isinstance(target, exp.Schema):
            ref_columns = tuple(_ident(e) for e in target.expressions)
            target = target.this
        if isinstance(target, exp.Table):
            ref_schema, ref_name = target.db, target.name
    return (tuple(_ident(c) for c in columns), ref_schema, ref_name, ref_columns)


def _table_comment(stmt: exp.Create) -> str | None:
    props = stmt.args.get("properties")
    for prop in props.expressions if props else []:
        if isinstance(prop, exp.SchemaCommentProperty):
            return _string(prop.this)
    return None


def _ident(e: exp.Expr) -> str:
    return e.name if isinstance(e, (exp.Identifier, exp.Column)) else e.sql()


def _string(e: exp.Expr | None) -> str | None:
    if e is None or isinstance(e, exp.Null):
        return None
    return e.name if isinstance(e, (exp.Literal, exp.RawString)) else e.sql()


def _line(table: exp.Table) -> int | None:
    ident = table.this
    return ident.meta.get("line") if isinstance(ident, exp.Identifier) else None
