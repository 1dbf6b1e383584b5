"""The committed hostile-SQL corpus and the legitimate queries that must pass (issue 10).

Each entry is a plain dict: ``{"id", "dialect", "class", "sql", "note"}`` plus

- ``harm``: what it would do if it ran — ``"effect"`` (a write, a file, a lock, a killed
  session, changed session state), ``"leak"`` (data outside the project: files, hashes, other
  sessions' SQL, other schemas' tables, catalogs) or ``"overrun"`` (time or memory past the
  limits);
- ``expect``: ``"refuse"`` (the guard must raise) or ``"either"`` (the guard may let it through
  as long as what runs is harmless: lexer tricks whose regenerated SQL no longer holds the
  payload, settings carried by the connection URL that the guard cannot see);
- ``url_query`` (optional): query parameters added to the connection URL (lexing settings such
  as ``standard_conforming_strings=off`` or ``NO_BACKSLASH_ESCAPES``);
- ``functions`` (legit entries only, optional): extra allowed function names for the policy.

Hostile classes: ``lexer`` (a), ``function`` (b), ``table`` (c), ``write`` (d), ``resource`` (e).
The SQL may hold placeholders that ``corpus_world.World.render`` fills per run: ``__DB__``
(the project database), ``__HR__`` (the database or schema holding the canary table),
``__CANARY_DIR__``, ``__CANARY_FILE__`` (a file whose content is a canary),
``__CANARY_FILE_HEX__`` / ``__CANARY_FILE_CHR__`` (its path as a MySQL hex literal / a
PostgreSQL ``chr()`` chain, for payloads that may not hold quotes), ``__OTHER_DB__`` (SQLite:
another database file), ``__VICTIM__`` (the victim session's pid or thread id), ``__LOCK__``
(a named-lock name), ``__EVIL__`` (a prefix for objects a statement would create).
"""

from __future__ import annotations

from . import (
    hostile_mysql,
    hostile_postgres,
    hostile_sqlite,
    legit_mysql,
    legit_postgres,
    legit_sqlite,
)

CLASSES = ("lexer", "function", "table", "write", "resource")
HARMS = ("effect", "leak", "overrun")
DIALECTS = ("sqlite", "postgres", "mysql")

HOSTILE: list[dict] = [
    *hostile_sqlite.ENTRIES,
    *hostile_postgres.ENTRIES,
    *hostile_mysql.ENTRIES,
]
LEGIT: list[dict] = [*legit_sqlite.ENTRIES, *legit_postgres.ENTRIES, *legit_mysql.ENTRIES]


def hostile(dialect: str) -> list[dict]:
    return [e for e in HOSTILE if e["dialect"] == dialect]


def legit(dialect: str) -> list[dict]:
    return [e for e in LEGIT if e["dialect"] == dialect]


def _validate() -> None:
    ids = [e["id"] for e in HOSTILE + LEGIT]
    duplicates = {i for i in ids if ids.count(i) > 1}
    assert not duplicates, f"duplicate corpus ids: {sorted(duplicates)}"
    for e in HOSTILE:
        assert e["dialect"] in DIALECTS and e["class"] in CLASSES, e
        assert e["harm"] in HARMS and e["expect"] in ("refuse", "either"), e
        assert e["sql"] and e["note"], e
    for e in LEGIT:
        assert e["dialect"] in DIALECTS and e["class"] == "legit" and e["sql"], e


_validate()
