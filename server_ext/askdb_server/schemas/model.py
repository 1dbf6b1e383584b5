"""The one normalised schema model every part of AskDB shares.

DDL uploads, live introspection, the engine, the guard and schema diffs all speak in these
immutable dataclasses. They serialise to plain JSON (``to_dict``/``from_dict``) for the store.
Name look-ups are case-insensitive, as in most SQL dialects.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    name: str
    type: str = ""
    nullable: bool = True
    primary_key: bool = False
    comment: str | None = None

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "type": self.type,
            "nullable": self.nullable,
            "primary_key": self.primary_key,
            "comment": self.comment,
        }


@dataclass(frozen=True)
class ForeignKey:
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]

    def to_dict(self) -> dict:
        return {
            "columns": list(self.columns),
            "ref_table": self.ref_table,
            "ref_columns": list(self.ref_columns),
        }


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    comment: str | None = None

    def column(self, name: str) -> Column | None:
        low = name.lower()
        return next((c for c in self.columns if c.name.lower() == low), None)

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "comment": self.comment,
            "primary_key": list(self.primary_key),
            "columns": [c.to_dict() for c in self.columns],
            "foreign_keys": [fk.to_dict() for fk in self.foreign_keys],
        }


@dataclass(frozen=True)
class Schema:
    tables: tuple[Table, ...] = ()
    dialect: str = "sqlite"
    _index: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._index.update({t.name.lower(): t for t in self.tables})

    def table(self, name: str) -> Table | None:
        return self._index.get(name.lower())

    @property
    def table_names(self) -> list[str]:
        return [t.name for t in self.tables]

    def to_dict(self) -> dict:
        return {"dialect": self.dialect, "tables": [t.to_dict() for t in self.tables]}

    @classmethod
    def from_dict(cls, data: dict) -> Schema:
        tables = []
        for t in data.get("tables", []):
            tables.append(
                Table(
                    name=t["name"],
                    comment=t.get("comment"),
                    primary_key=tuple(t.get("primary_key", ())),
                    columns=tuple(
                        Column(
                            name=c["name"],
                            type=c.get("type", ""),
                            nullable=c.get("nullable", True),
                            primary_key=c.get("primary_key", False),
                            comment=c.get("comment"),
                        )
                        for c in t.get("columns", [])
                    ),
                    foreign_keys=tuple(
                        ForeignKey(
                            columns=tuple(fk["columns"]),
                            ref_table=fk["ref_table"],
                            ref_columns=tuple(fk.get("ref_columns", ())),
                        )
                        for fk in t.get("foreign_keys", [])
                    ),
                )
            )
        return cls(tables=tuple(tables), dialect=data.get("dialect", "sqlite"))
