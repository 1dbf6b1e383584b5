"""A live database → the normalised schema model, read with SQLAlchemy's inspector.

Only the connection's default schema is read (``public`` or the search path's first schema on
PostgreSQL, the URL's database on MySQL/MariaDB, ``main`` on SQLite).
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.engine.reflection import Inspector
from sqlalchemy.exc import SQLAlchemyError

from ..errors import DatabaseUnreachableError
from ..sqlrun.urls import redact, scrub
from .model import Column, ForeignKey, Schema, Table


def introspect(engine: Engine, dialect: str, *, url: str | None = None) -> Schema:
    """Read the tables, columns, keys and comments of ``engine``'s default schema.

    ``dialect`` is the sqlglot dialect name recorded on the result; ``url``, when given, is the
    database URL that errors name (the engine's own URL otherwise). Raises
    ``DatabaseUnreachableError`` (with the URL's password hidden) when the database cannot be
    reached or read.
    """
    shown = sa.engine.make_url(url) if url else engine.url
    url = redact(shown)
    _check_sqlite_file(engine)
    try:
        conn = engine.connect()
    except SQLAlchemyError as e:
        raise _unreachable(f"Cannot connect to {url}", shown, e) from e
    try:
        with conn:
            tables = _read_tables(conn)
    except SQLAlchemyError as e:
        raise _unreachable(f"Cannot read the schema of {url}", shown, e) from e
    return Schema(tables=tuple(tables), dialect=dialect)


def _read_tables(conn: Connection) -> list[Table]:
    inspector = sa.inspect(conn)
    return [_read_table(inspector, conn, name) for name in sorted(inspector.get_table_names())]


def _read_table(inspector: Inspector, conn: Connection, name: str) -> Table:
    pk = tuple(inspector.get_pk_constraint(name).get("constrained_columns") or ())
    pk_low = {c.lower() for c in pk}
    declared = _sqlite_declared_types(conn, name)
    columns = tuple(
        Column(
            name=col["name"],
            type=declared.get(col["name"]) or _type_name(col["type"], conn),
            # SQLite reports INTEGER PRIMARY KEY as nullable; a key column never holds NULL.
            nullable=bool(col.get("nullable", True)) and col["name"].lower() not in pk_low,
            primary_key=col["name"].lower() in pk_low,
            comment=col.get("comment") or None,
        )
        for col in inspector.get_columns(name)
    )
    fks = tuple(
        ForeignKey(
            columns=tuple(fk["constrained_columns"]),
            ref_table=fk["referred_table"],
            ref_columns=tuple(fk.get("referred_columns") or ()),
        )
        for fk in inspector.get_foreign_keys(name)
        if fk.get("referred_table")
    )
    return Table(
        name=name,
        columns=columns,
        primary_key=pk,
        foreign_keys=fks,
        comment=_comment(inspector, name),
    )


def _sqlite_declared_types(conn: Connection, table: str) -> dict[str, str]:
    # SQLite keeps each column's declared type verbatim, but SQLAlchemy maps unknown ones onto
    # an affinity (WEIRD(3) -> NUMERIC(3)) and typeless columns onto NullType; the declared
    # text, upper-cased as DDL uploads are, is what the user wrote.
    if conn.dialect.name != "sqlite":
        return {}
    quoted = table.replace('"', '""')
    rows = conn.exec_driver_sql(f'PRAGMA main.table_info("{quoted}")').all()
    return {row[1]: " ".join(str(row[2] or "").split()).upper() for row in rows}


def _type_name(type_: sa.types.TypeEngine, conn: Connection) -> str:
    if isinstance(type_, sa.types.NullType):
        return ""
    try:
        return type_.compile(dialect=conn.dialect)
    except Exception:  # a type the dialect cannot render still has a name
        return str(type_.__class__.__name__).upper()


def _comment(inspector: Inspector, name: str) -> str | None:
    try:
        return inspector.get_table_comment(name).get("text") or None
    except NotImplementedError:  # SQLite and others keep no table comments
        return None


def _check_sqlite_file(engine: Engine) -> None:
    # Connecting to a missing SQLite file would silently create an empty database.
    url = engine.url
    if url.get_backend_name() != "sqlite" or url.query.get("mode") == "memory":
        return
    database = url.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        if not Path(database).exists():
            raise DatabaseUnreachableError(
                f"Cannot connect to {redact(url)}: no such file {database!r}.",
                url=redact(url),
                reason="no such file",
            )


def _unreachable(prefix: str, shown: sa.URL, e: SQLAlchemyError) -> DatabaseUnreachableError:
    url = redact(shown)
    lines = str(getattr(e, "orig", None) or e).strip().splitlines()
    reason = lines[0] if lines else type(e).__name__
    # Drivers sometimes echo the DSN back; never let a password or a secret option through.
    reason = scrub(reason, shown)
    return DatabaseUnreachableError(f"{prefix}: {reason}", url=url, reason=reason)
