"""What changed between two schema versions: tables and columns added, removed or altered.

Names are compared case-insensitively, as the model looks them up.
"""

from __future__ import annotations

from .model import Schema, Table


def diff_schemas(old: Schema, new: Schema) -> dict:
    """A JSON-ready summary of the changes from ``old`` to ``new``.

    ``tables_added``/``tables_removed`` list names; ``tables_changed`` lists, per table present
    in both, its added and removed columns, columns whose type or nullability changed, and
    whether its primary key or foreign keys changed. Unchanged tables are left out.
    """
    old_names = {t.name.lower(): t for t in old.tables}
    new_names = {t.name.lower(): t for t in new.tables}
    changed = []
    for key, table in new_names.items():
        if key in old_names:
            change = _table_diff(old_names[key], table)
            if change:
                changed.append(change)
    return {
        "tables_added": [t.name for k, t in new_names.items() if k not in old_names],
        "tables_removed": [t.name for k, t in old_names.items() if k not in new_names],
        "tables_changed": changed,
    }


def _table_diff(old: Table, new: Table) -> dict | None:
    old_cols = {c.name.lower(): c for c in old.columns}
    new_cols = {c.name.lower(): c for c in new.columns}
    altered = []
    for key, col in new_cols.items():
        before = old_cols.get(key)
        if before is None:
            continue
        if before.type != col.type or before.nullable != col.nullable:
            altered.append(
                {
                    "column": col.name,
                    "from_type": before.type,
                    "to_type": col.type,
                    "from_nullable": before.nullable,
                    "to_nullable": col.nullable,
                }
            )
    change = {
        "table": new.name,
        "columns_added": [c.name for k, c in new_cols.items() if k not in old_cols],
        "columns_removed": [c.name for k, c in old_cols.items() if k not in new_cols],
        "columns_changed": altered,
        "primary_key_changed": _lower(old.primary_key) != _lower(new.primary_key),
        "foreign_keys_changed": _fks(old) != _fks(new),
    }
    return change if any(v for k, v in change.items() if k != "table") else None


def _lower(names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(n.lower() for n in names)


def _fks(table: Table) -> set[tuple]:
    return {
        (_lower(fk.columns), fk.ref_table.lower(), _lower(fk.ref_columns))
        for fk in table.foreign_keys
    }
