"""Row locks for check-then-insert: count what exists, refuse past a limit, insert.

Counting and inserting are two statements, so two transactions doing both at once could each
count the same rows and each insert one more. Locking one row that both must take first (the
organization whose plan counts, the project whose storage counts) makes them run one after the
other: the second counts after the first has committed.
"""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from .models import Organization, Project


def lock_row(s: Session, model: type[Organization | Project], row_id: str) -> None:
    """Hold the row ``row_id`` of ``model``'s table until ``s``'s transaction ends.

    PostgreSQL: ``SELECT ... FOR UPDATE`` locks that row only; a second transaction locking it
    waits until the first commits or rolls back, then reads what the first wrote (READ
    COMMITTED takes a fresh snapshot for each statement).

    SQLite has no row locks: one connection writes at a time and the others wait (the store's
    busy timeout, 30 s). But Python's sqlite3 begins a transaction only at the first write, so
    a count made before any write runs outside it, and two connections could both count before
    either writes. A write that changes nothing takes the database's write lock now, so the
    count that follows runs inside the writing transaction, after any other writer committed.
    """
    if s.get_bind().dialect.name == "sqlite":
        table = model.__tablename__
        s.execute(text(f'UPDATE "{table}" SET id = id WHERE id = :id'), {"id": row_id})
        return
    s.execute(select(model.id).where(model.id == row_id).with_for_update())
