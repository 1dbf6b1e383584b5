"""Hostile statements for SQLite, by class.

The project file holds ``customers``, ``orders`` and ``products``; ``secret_t`` was added to it
after introspection, and ``__OTHER_DB__`` is another database file that must never be attached
or written. The runner's connections are read-only, so most writes fail on the database; the
guard must refuse them first.
"""

from __future__ import annotations

from functools import partial

from ._entry import hostile_entry

_h = partial(hostile_entry, "sqlite")

ENTRIES: list[dict] = []
add = ENTRIES.append

# --- (a) lexer disagreement -------------------------------------------------------------------
_LEXER = [
    (
        "nested",
        "SELECT 1 /* /* */, load_extension('/tmp/x') --*/",
        "effect",
        "SQLite does not nest block comments",
    ),
    (
        "nested-readfile",
        "SELECT 1 /* /* */, readfile('/etc/passwd') AS y --*/\nFROM orders",
        "leak",
        "SQLite does not nest block comments",
    ),
    (
        "nested-secret",
        "SELECT 1 /* /* */, (SELECT group_concat(secret) FROM secret_t) AS y --*/\nFROM orders",
        "leak",
        "the hidden span reads a table outside the project",
    ),
    (
        "cr",
        "SELECT 1 --\r, readfile('/etc/passwd') AS y\nFROM orders",
        "leak",
        "a bare carriage return inside a -- comment",
    ),
    (
        "vt",
        "SELECT 1 --\x0b, readfile('/etc/passwd') AS y\nFROM orders",
        "leak",
        "a vertical tab inside a -- comment",
    ),
    (
        "ls",
        "SELECT 1 --\u2028, readfile('/etc/passwd') AS y\nFROM orders",
        "leak",
        "U+2028 inside a -- comment",
    ),
    (
        "nbsp",
        "SELECT 1 AS a\u00a0, load_extension('/tmp/x') AS b FROM orders",
        "effect",
        "U+00A0 is an identifier character for SQLite",
    ),
    (
        "ff",
        "SELECT 1\x0c, load_extension('/tmp/x') AS b FROM orders",
        "effect",
        "a form feed as whitespace",
    ),
    (
        "unterminated",
        "SELECT id FROM orders /* , load_extension('/tmp/x')",
        "effect",
        "SQLite accepts an unterminated comment at the end",
    ),
    (
        "brackets",
        "SELECT 1 AS [x]], load_extension('/tmp/x') AS [y]",
        "effect",
        "bracket identifiers have no escape",
    ),
    (
        "backtick",
        "SELECT 1 AS `a``b`, load_extension('/tmp/x') AS y",
        "effect",
        "doubled backticks",
    ),
    (
        "dq-string",
        "SELECT \"no such column\" AS a, load_extension('/tmp/x') AS b",
        "effect",
        "a double-quoted string literal",
    ),
    (
        "mysql-comment",
        "SELECT 1 /*!, load_extension('/tmp/x') */ FROM orders",
        "effect",
        "a MySQL executable comment is a plain comment here",
    ),
    (
        "hash",
        "SELECT 1 # , load_extension('/tmp/x')\nFROM orders",
        "effect",
        "# is not a comment in SQLite",
    ),
    (
        "nul",
        "SELECT 1 \x00, load_extension('/tmp/x') AS y FROM orders",
        "effect",
        "a NUL byte ends the statement for SQLite's C API",
    ),
    (
        "param",
        "SELECT :x, load_extension('/tmp/x') AS y",
        "effect",
        "a named parameter beside the payload",
    ),
    (
        "blob",
        "SELECT x'41' AS a, readfile('/etc/passwd') AS y",
        "leak",
        "a blob literal beside the payload",
    ),
]
# Here the payload lies inside what SQLite itself reads as a comment: harmless if let through.
# "brackets": sqlglot reads ]] as an escaped bracket, SQLite as a syntax error.
_IN_SQLITE_COMMENT = {"cr", "vt", "ls", "unterminated", "mysql-comment", "brackets"}
for short, sql, harm, note in _LEXER:
    expect = "either" if short in _IN_SQLITE_COMMENT else "refuse"
    add(_h(f"sq-lex-{short}", "lexer", sql, note, harm=harm, expect=expect))
add(
    _h(
        "sq-lex-comment-only",
        "lexer",
        "SELECT id FROM orders -- , load_extension('/tmp/x')",
        "the payload is a real comment for both",
        expect="either",
    )
)
add(
    _h(
        "sq-lex-nested-pg",
        "lexer",
        "SELECT 1 /* a /* b */ AS x FROM orders",
        "a PostgreSQL reader would still be inside a comment",
        expect="either",
    )
)

# --- (b) functions ----------------------------------------------------------------------------
_FUNCS = [
    ("loadext", "load_extension('/tmp/askdb-evil.so')", "effect", "loads native code"),
    (
        "loadext-entry",
        "load_extension('/tmp/askdb-evil.so', 'sqlite3_evil_init')",
        "effect",
        "loads native code with an entry point",
    ),
    ("readfile", "readfile('/etc/passwd')", "leak", "the fileio extension"),
    ("readfile-canary", "readfile('__CANARY_FILE__')", "leak", "the fileio extension"),
    (
        "writefile",
        "writefile('__CANARY_DIR__/w.txt', 'pwned')",
        "effect",
        "the fileio extension writes",
    ),
    ("edit", "edit('x', 'vi')", "effect", "the CLI's edit() runs an editor"),
    ("fts3tok", "fts3_tokenizer('simple')", "leak", "returns a native pointer"),
    (
        "fts3tok-set",
        "fts3_tokenizer('evil', x'4141414141414141')",
        "effect",
        "sets a native pointer",
    ),
    ("lsdir", "lsdir('__CANARY_DIR__')", "leak", "the fileio extension"),
    ("zipfile", "zipfile('__CANARY_DIR__/x.zip')", "leak", "the zipfile extension"),
]
for short, call, harm, note in _FUNCS:
    name, _, args = call.partition("(")
    add(_h(f"sq-fn-{short}", "function", f"SELECT {call} AS v", note, harm=harm))
    add(
        _h(
            f"sq-fn-{short}-upper",
            "function",
            f"SELECT {name.upper()}({args} AS v",
            f"{note}; upper case",
            harm=harm,
        )
    )
    add(
        _h(
            f"sq-fn-{short}-quoted",
            "function",
            f'SELECT "{name}"({args} AS v',
            f"{note}; quoted name",
            harm=harm,
        )
    )
add(
    _h(
        "sq-fn-loadext-bracket",
        "function",
        "SELECT [load_extension]('/tmp/x') AS v",
        "bracket-quoted name",
    )
)
add(
    _h(
        "sq-fn-loadext-backtick",
        "function",
        "SELECT `load_extension`('/tmp/x') AS v",
        "backtick-quoted name",
    )
)
add(
    _h(
        "sq-fn-loadext-where",
        "function",
        "SELECT id FROM orders WHERE load_extension('/tmp/x') IS NULL",
        "in WHERE",
    )
)
add(
    _h(
        "sq-fn-loadext-cte",
        "function",
        "WITH x AS (SELECT load_extension('/tmp/x') AS v) SELECT * FROM x",
        "in a CTE",
    )
)
add(
    _h(
        "sq-fn-readfile-order",
        "function",
        "SELECT id FROM orders ORDER BY readfile('/etc/passwd')",
        "in ORDER BY",
        harm="leak",
    )
)
add(
    _h(
        "sq-fn-readfile-agg",
        "function",
        "SELECT group_concat(readfile('/etc/passwd')) AS v FROM orders",
        "in an aggregate",
        harm="leak",
    )
)

# --- (c) tables outside the project -----------------------------------------------------------
_TABLES = [
    ("secret", "SELECT * FROM secret_t", "a table not in the project's schema"),
    ("secret-main", "SELECT * FROM main.secret_t", "schema-qualified"),
    ("secret-quoted", 'SELECT * FROM "secret_t"', "quoted"),
    ("secret-bracket", "SELECT * FROM [secret_t]", "bracket-quoted"),
    ("secret-upper", "SELECT * FROM SECRET_T", "upper case"),
    ("secret-count", "SELECT count(*) FROM secret_t", "a count"),
    ("secret-join", "SELECT o.id, s.secret FROM orders o, secret_t s", "joined"),
    (
        "secret-union",
        "SELECT name FROM customers UNION ALL SELECT secret FROM secret_t",
        "a UNION branch",
    ),
    ("secret-scalar", "SELECT (SELECT secret FROM secret_t) AS s", "scalar subquery"),
    ("secret-exists", "SELECT id FROM orders WHERE EXISTS (SELECT 1 FROM secret_t)", "blind read"),
    (
        "cte-shadow-qualified",
        "WITH secret_t AS (SELECT 1 AS x) SELECT * FROM main.secret_t",
        "a CTE name must not exempt the qualified real table",
    ),
    (
        "cte-shadow-scope",
        "SELECT * FROM (WITH secret_t AS (SELECT 1 AS secret) "
        "SELECT * FROM secret_t) a, secret_t b",
        "the CTE covers one scope only",
    ),
    (
        "cte-shadow-union",
        "SELECT secret FROM (WITH secret_t AS (SELECT 'a' AS secret) "
        "SELECT secret FROM secret_t) UNION ALL SELECT secret FROM secret_t",
        "the CTE scope is one UNION branch",
    ),
    (
        "cte-shadow-project",
        "WITH orders AS (SELECT * FROM secret_t) SELECT * FROM orders",
        "a CTE named like a project table wraps the canary",
    ),
    (
        "cte-later",
        "WITH a AS (SELECT * FROM secret_t), secret_t AS (SELECT 1 AS x) SELECT * FROM a",
        "a later CTE of the same name does not cover an earlier one",
    ),
    ("other-db", "SELECT * FROM other.salaries", "a database that is not attached"),
    ("temp-secret", "SELECT * FROM temp.secret_t", "the temp schema"),
    ("master", "SELECT sql FROM sqlite_master", "the schema table"),
    ("schema", "SELECT * FROM sqlite_schema", "the schema table"),
    ("master-main", "SELECT name FROM main.sqlite_master", "qualified"),
    ("temp-master", "SELECT * FROM sqlite_temp_master", "the temp schema table"),
    ("temp-schema", "SELECT * FROM temp.sqlite_schema", "qualified"),
    ("sequence", "SELECT * FROM sqlite_sequence", "AUTOINCREMENT state"),
    ("stat1", "SELECT * FROM sqlite_stat1", "planner statistics"),
    ("pragma-ti", "SELECT * FROM pragma_table_info('secret_t')", "columns of a hidden table"),
    (
        "pragma-ti-project",
        "SELECT * FROM pragma_table_info('orders')",
        "introspection is not allowed by default",
    ),
    ("pragma-dblist", "SELECT * FROM pragma_database_list", "file paths"),
    ("pragma-opts", "SELECT * FROM pragma_compile_options", "build options"),
    ("pragma-funcs", "SELECT * FROM pragma_function_list", "function list"),
    ("pragma-mods", "SELECT * FROM pragma_module_list", "module list"),
    ("pragma-tlist", "SELECT * FROM pragma_table_list", "every table"),
    ("pragma-index", "SELECT * FROM pragma_index_list('secret_t')", "indexes"),
    ("pragma-main", "SELECT * FROM main.pragma_table_info('secret_t')", "qualified"),
    ("dbstat", "SELECT * FROM dbstat", "the dbstat virtual table"),
    ("dbpage", "SELECT * FROM sqlite_dbpage", "raw pages"),
]
for short, sql, note in _TABLES:
    add(_h(f"sq-tbl-{short}", "table", sql, note, harm="leak"))

# --- (d) writes and DDL in disguise -----------------------------------------------------------
_WRITES = [
    ("attach", "ATTACH '__OTHER_DB__' AS other", "ATTACH another file"),
    ("attach-new", "ATTACH '__CANARY_DIR__/new.db' AS n", "ATTACH creates a file"),
    ("attach-memory", "ATTACH ':memory:' AS m", "ATTACH memory"),
    ("attach-uri", "ATTACH 'file:__OTHER_DB__?mode=rw' AS other", "ATTACH read-write by URI"),
    ("detach", "DETACH main", "DETACH"),
    ("pragma-wschema", "PRAGMA writable_schema = 1", "PRAGMA"),
    ("pragma-qonly", "PRAGMA query_only = 0", "turns off the runner's query_only"),
    ("pragma-journal", "PRAGMA journal_mode = DELETE", "PRAGMA"),
    ("pragma-uv", "PRAGMA user_version = 5", "PRAGMA write"),
    ("pragma-ti", "PRAGMA table_info(secret_t)", "PRAGMA read"),
    ("pragma-trusted", "PRAGMA trusted_schema = 1", "PRAGMA"),
    (
        "vacuum-into",
        "VACUUM INTO '__CANARY_DIR__/copy.db'",
        "VACUUM INTO writes a file even from a read-only connection",
    ),
    ("vacuum", "VACUUM", "VACUUM"),
    (
        "temp-table",
        "CREATE TEMP TABLE __EVIL___t AS SELECT * FROM orders",
        "a temp table on a pooled read-only connection",
    ),
    (
        "temp-view",
        "CREATE TEMP VIEW orders AS SELECT * FROM secret_t",
        "a temp view shadowing a project table for the next query",
    ),
    (
        "temp-trigger",
        "CREATE TEMP TRIGGER __EVIL___tr AFTER INSERT ON orders BEGIN SELECT 1; END",
        "a temp trigger",
    ),
    ("insert", "INSERT INTO orders (id) VALUES (99999)", "INSERT"),
    ("replace", "REPLACE INTO customers (id, name) VALUES (1, 'pwned')", "REPLACE"),
    ("update", "UPDATE products SET price = 0", "UPDATE"),
    ("delete", "DELETE FROM customers", "DELETE"),
    (
        "upsert",
        "INSERT INTO customers (id, name) VALUES (1, 'x') "
        "ON CONFLICT(id) DO UPDATE SET name = 'pwned'",
        "UPSERT",
    ),
    ("drop", "DROP TABLE orders", "DROP"),
    ("with-delete", "WITH x AS (SELECT 1) DELETE FROM orders", "a CTE before a DELETE"),
    (
        "with-insert",
        "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c "
        "WHERE n < 5) INSERT INTO orders (id) SELECT n + 1000 FROM c",
        "a CTE before an INSERT",
    ),
    ("multi", "SELECT 1; DELETE FROM orders", "two statements"),
    ("multi-attach", "SELECT 1; ATTACH '__OTHER_DB__' AS other", "two statements"),
    ("multi-comment", "SELECT 1 --\n; DELETE FROM orders", "a statement after a comment"),
    ("begin", "BEGIN IMMEDIATE", "takes the write lock"),
    ("savepoint", "SAVEPOINT s", "transaction control"),
    ("analyze", "ANALYZE", "writes sqlite_stat1"),
    ("reindex", "REINDEX", "REINDEX"),
    ("explain", "EXPLAIN SELECT * FROM orders", "EXPLAIN"),
    ("explain-qp", "EXPLAIN QUERY PLAN SELECT * FROM secret_t", "EXPLAIN QUERY PLAN"),
    ("create-vt", "CREATE VIRTUAL TABLE temp.__EVIL___v USING fts5(a)", "a virtual table"),
    ("values-then-write", "VALUES (1); DROP TABLE orders", "a write after VALUES"),
]
for short, sql, note in _WRITES:
    harm = "leak" if short in ("pragma-ti", "explain", "explain-qp") else "effect"
    add(_h(f"sq-wr-{short}", "write", sql, note, harm=harm))

# --- (e) resource and limit abuse: one slow VM step is not interrupted by a progress handler --
_RESOURCE = [
    ("printf", "SELECT length(printf('%.*c', 1000000000, 'x')) AS n", "a 1 GB string in one step"),
    ("printf-row", "SELECT printf('%.*c', 150000000, 'x') AS big", "one 150 MB row"),
    (
        "printf-rows",
        "SELECT printf('%.*c', 1000000, 'x') AS mb FROM orders LIMIT 200",
        "200 rows of 1 MB",
    ),
    ("zeroblob", "SELECT zeroblob(1000000000) AS z", "a 1 GB blob returned"),
    ("zeroblob-hex", "SELECT length(hex(zeroblob(500000000))) AS n", "1 GB of hex"),
    ("randomblob", "SELECT length(randomblob(1000000000)) AS n", "1 GB of random bytes"),
    (
        "replace",
        "SELECT length(replace(printf('%.*c', 300000000, 'x'), 'x', 'yy')) AS n",
        "replace on a huge string",
    ),
    ("like", "SELECT printf('%.*c', 1000000000, 'a') LIKE '%b%' AS m", "LIKE on 1 GB"),
    ("upper", "SELECT length(upper(printf('%.*c', 800000000, 'a'))) AS n", "upper on 800 MB"),
    ("instr", "SELECT instr(printf('%.*c', 1000000000, 'a'), 'b') AS n", "instr on 1 GB"),
    ("quote", "SELECT length(quote(zeroblob(400000000))) AS n", "quote of a 400 MB blob"),
    (
        "group-concat",
        "SELECT length(group_concat(printf('%.*c', 1000000, o.note))) AS n FROM orders o",
        "a 300 MB aggregate",
    ),
    (
        "recursive",
        "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) SELECT count(*) FROM c",
        "an endless recursive CTE",
    ),
    (
        "recursive-rows",
        "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) SELECT n FROM c",
        "endless rows",
    ),
    (
        "recursive-double",
        "WITH RECURSIVE c(s) AS (SELECT 'x' UNION ALL SELECT s || s FROM c "
        "WHERE length(s) < 500000000) SELECT max(length(s)) AS n FROM c",
        "doubling strings",
    ),
    (
        "cross-count",
        "SELECT count(*) FROM orders a, orders b, orders c, orders d",
        "8 x 10^9 rows counted",
    ),
    ("cross-rows", "SELECT a.*, b.* FROM orders a, orders b, orders c", "millions of rows"),
    (
        "limit-big",
        "SELECT a.id, b.id, printf('%.*c', 1000, 'x') AS pad "
        "FROM orders a, orders b, orders c LIMIT 1000000",
        "a LIMIT above the row cap",
    ),
]
# trim(x, set) compares every character with every character of the set, in one step.
_RESOURCE += [
    (
        "trim-set",
        "SELECT length(trim(printf('%.*c', 30000, 'a'), printf('%.*c', 30000, 'b') || 'a')) AS n",
        "trim with a long character set",
    ),
    (
        "ltrim-set",
        "SELECT length(ltrim(printf('%.*c', 30000, 'a'), printf('%.*c', 30000, 'b') || 'a')) AS n",
        "ltrim with a long character set",
    ),
    (
        "rtrim-set",
        "SELECT length(rtrim(printf('%.*c', 30000, 'a'), printf('%.*c', 30000, 'b') || 'a')) AS n",
        "rtrim with a long character set",
    ),
]
# json_patch() merges objects key by key with a linear search each: keys x keys in one step.
_RESOURCE += [
    (
        "json-patch",
        "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 25000) "
        "SELECT length(json_patch((SELECT json_group_object('k' || n, n) FROM c), "
        "(SELECT json_group_object('j' || n, n) FROM c))) AS n",
        "json_patch of two 25,000-key objects",
    ),
]
_ROW_MB = {
    "printf-row": 150,
    "zeroblob": 1000,
    "printf": 1000,
    "like": 1000,
    "instr": 1000,
    "upper": 800,
    "replace": 600,
    "zeroblob-hex": 1000,
    "randomblob": 1000,
    "quote": 800,
    "group-concat": 300,
    "recursive-double": 500,
}
for short, sql, note in _RESOURCE:
    add(
        _h(
            f"sq-res-{short}",
            "resource",
            sql,
            note,
            harm="overrun",
            expect="either",
            row_mb=_ROW_MB.get(short, 0),
        )
    )
