"""Hostile statements for PostgreSQL, by class (see ``corpus/__init__.py`` for the fields).

The project's tables are ``customers``, ``orders`` and ``products`` in ``public``; outside it
lie ``hr.salaries``, ``hr.orders`` (same name as a project table), ``public.secret_t`` (made
after introspection), the sequences ``public.order_seq`` and ``hr.seq_canary``, the installed
extensions ``dblink`` and ``adminpack``, a victim session and a canary directory.
"""

from __future__ import annotations

from functools import partial

from ._entry import hostile_entry

_h = partial(hostile_entry, "postgres")
_OFF = {"options": "-c standard_conforming_strings=off"}
_FILE = "'__CANARY_FILE__'"

ENTRIES: list[dict] = []
add = ENTRIES.append

# --- (a) lexer disagreement -------------------------------------------------------------------
# With standard_conforming_strings=off (set through the URL) a backslash escapes the quote, so
# the string the guard saw ends later on the server and the payload between runs as code.
add(
    _h(
        "pg-lex-001",
        "lexer",
        "SELECT 'a\\' AS p, ' , pg_read_file(__CANARY_FILE_CHR__) AS q, ' AS r FROM orders",
        "scs=off in the URL: the server reads pg_read_file outside any string",
        harm="leak",
        expect="either",
        url_query=_OFF,
    )
)
add(
    _h(
        "pg-lex-002",
        "lexer",
        "SELECT 'x\\' AS p, ' , pg_advisory_lock(4201) AS q, ' AS r",
        "scs=off in the URL: an advisory lock hides in what the guard reads as a string",
        expect="either",
        url_query=_OFF,
    )
)
add(
    _h(
        "pg-lex-003",
        "lexer",
        "SELECT name FROM customers WHERE name = 'a\\' OR pg_sleep(30) IS NULL OR name = ''",
        "scs=off in the URL: WHERE clause payload, a wait",
        expect="either",
        url_query=_OFF,
    )
)
add(
    _h(
        "pg-lex-004",
        "lexer",
        "SELECT 'a\\' AS p, ' , (SELECT string_agg(ssn, '') FROM hr.salaries) AS q, ' AS r",
        "scs=off in the URL: a canary table read inside the hidden span",
        harm="leak",
        expect="either",
        url_query=_OFF,
    )
)
add(
    _h(
        "pg-lex-005",
        "lexer",
        "SELECT 'a\\' AS p, ' , pg_read_file(__CANARY_FILE_CHR__) AS q, ' AS r FROM orders",
        "standard_conforming_strings=off through PGOPTIONS-style options with spaces",
        harm="leak",
        expect="either",
        url_query={"options": "-c standard_conforming_strings=off -c escape_string_warning=off"},
    )
)
add(
    _h(
        "pg-lex-006",
        "lexer",
        "SELECT 'a\\' AS p, ' , pg_read_file(__CANARY_FILE_CHR__) AS q, ' AS r FROM orders",
        "backslash_quote=on plus scs=off in the URL",
        harm="leak",
        expect="either",
        url_query={"options": "-c standard_conforming_strings=off -c backslash_quote=on"},
    )
)
add(
    _h(
        "pg-lex-007",
        "lexer",
        "SELECT id FROM orders WHERE note = 'x' --\r, pg_read_file('/etc/passwd') AS y\nLIMIT 1",
        "a -- comment ends at a bare carriage return for PostgreSQL",
        harm="leak",
        expect="either",
    )
)
add(
    _h(
        "pg-lex-008",
        "lexer",
        "SELECT 1 /* /* */ , pg_read_file('/etc/passwd') AS y -- */ FROM orders",
        "nested block comments: PostgreSQL nests them",
        harm="leak",
        expect="either",
    )
)
add(
    _h(
        "pg-lex-009",
        "lexer",
        "SELECT 1 /* a /* b */ c */, pg_advisory_lock(4202) AS y FROM orders",
        "nested comment closed properly, the payload after it is real code",
    )
)
add(
    _h(
        "pg-lex-010",
        "lexer",
        "SELECT $a$ $$ , pg_read_file('/etc/passwd') AS y, $$ $a$ AS z FROM orders",
        "dollar quotes inside a tagged dollar quote",
        harm="leak",
        expect="either",
    )
)
add(
    _h(
        "pg-lex-011",
        "lexer",
        "SELECT 1 AS x$$, pg_read_file('/etc/passwd') AS y, 2 AS z$$ FROM orders",
        "identifiers may hold $: x$$ is not the start of a dollar quote",
        harm="leak",
    )
)
add(
    _h(
        "pg-lex-012",
        "lexer",
        "SELECT $q$a$q$ AS a, pg_advisory_lock(4203) AS b, $q$b$q$ AS c",
        "a tagged dollar quote next to the payload",
    )
)
add(
    _h(
        "pg-lex-013",
        "lexer",
        "SELECT E'\\'' AS a, pg_read_file('/etc/passwd') AS b",
        "E'' string with a backslash-escaped quote",
        harm="leak",
    )
)
add(
    _h(
        "pg-lex-014",
        "lexer",
        "SELECT E'\\\\' AS a, ' , pg_advisory_lock(4204) AS b, ' AS c",
        "E'' string ending in an escaped backslash",
        expect="either",
    )
)
add(
    _h(
        "pg-lex-015",
        "lexer",
        "SELECT e'\\x27' || pg_read_file('/etc/passwd') AS a",
        "lower-case e'' with a hex escape for the quote",
        harm="leak",
    )
)
add(
    _h(
        "pg-lex-016",
        "lexer",
        "SELECT U&'\\0027' || pg_read_file('/etc/passwd') AS a",
        "U&'' string holding a quote",
        harm="leak",
    )
)
add(
    _h(
        "pg-lex-017",
        "lexer",
        "SELECT U&'!0027' UESCAPE '!' AS a, pg_advisory_lock(4205) AS b",
        "UESCAPE clause",
    )
)
add(
    _h(
        "pg-lex-018",
        "lexer",
        "SELECT 1 AS a\u00a0, pg_advisory_lock(4206) AS b FROM orders",
        "U+00A0 is an identifier character for PostgreSQL, whitespace for Python",
    )
)
add(
    _h(
        "pg-lex-019",
        "lexer",
        "SELECT 1 --\u2028, pg_read_file('/etc/passwd') AS y\nFROM orders",
        "U+2028 is a line break for Python's splitlines, not for PostgreSQL",
        harm="leak",
        expect="either",
    )
)
add(
    _h(
        "pg-lex-020",
        "lexer",
        "SELECT 1 --\x0b, pg_read_file('/etc/passwd') AS y\nFROM orders",
        "a vertical tab inside a line comment",
        harm="leak",
        expect="either",
    )
)
add(
    _h(
        "pg-lex-021",
        "lexer",
        "SELECT 1\x0c, pg_advisory_lock(4207) AS y FROM orders",
        "a form feed as whitespace before the payload",
    )
)
add(
    _h(
        "pg-lex-022",
        "lexer",
        "SELECT 'a' -- c\n 'b' AS s, pg_advisory_lock(4208) AS y",
        "string continuation across a comment and newline",
    )
)
add(
    _h(
        "pg-lex-023",
        "lexer",
        "SELECT B'1' AS b, X'1F' AS x, pg_advisory_lock(4209) AS y",
        "bit-string literals next to the payload",
    )
)
add(
    _h(
        "pg-lex-024",
        "lexer",
        "SELECT 1 /* unterminated , pg_read_file('/etc/passwd')",
        "an unterminated block comment",
        harm="leak",
        expect="either",
    )
)
add(
    _h(
        "pg-lex-025",
        "lexer",
        "SELECT 'a\\' AS p, ' ; SET standard_conforming_strings = on; ' AS r",
        "scs=off in the URL: a second statement hidden in the string",
        expect="either",
        url_query=_OFF,
    )
)
add(_h("pg-lex-026", "lexer", "SELECT 1 \\; SELECT pg_advisory_lock(4210)", "psql's \\; separator"))

# --- (b) functions ----------------------------------------------------------------------------
_DANGEROUS = [
    # (short id, call, harm, note)
    ("readfile", f"pg_read_file({_FILE})", "leak", "reads a server file"),
    ("readpasswd", "pg_read_file('/etc/passwd')", "leak", "reads /etc/passwd"),
    ("readbin", f"pg_read_binary_file({_FILE})", "leak", "reads a server file as bytea"),
    ("lsdir", "pg_ls_dir('__CANARY_DIR__')", "leak", "lists a server directory"),
    ("statfile", f"pg_stat_file({_FILE})", "leak", "stats a server file"),
    ("loimport", f"lo_import({_FILE})", "effect", "imports a file as a large object"),
    (
        "loexport",
        "lo_export(lo_from_bytea(0, 'pwned'), '__CANARY_DIR__/lo.out')",
        "effect",
        "writes a server file",
    ),
    ("terminate", "pg_terminate_backend(__VICTIM__)", "effect", "kills the victim session"),
    ("cancel", "pg_cancel_backend(__VICTIM__)", "effect", "cancels the victim's query"),
    ("advlock", "pg_advisory_lock(4242)", "effect", "a session-level advisory lock"),
    ("sleep", "pg_sleep(30)", "effect", "holds the connection for the whole timeout"),
    ("nextval", "nextval('public.order_seq')", "effect", "advances a sequence"),
    (
        "setconfig",
        "set_config('search_path', 'hr, public', false)",
        "effect",
        "changes the pooled session's search_path",
    ),
    (
        "query2xml",
        "query_to_xml('SELECT * FROM hr.salaries', true, true, '')",
        "leak",
        "runs SQL given as text",
    ),
]
for short, call, harm, note in _DANGEROUS:
    name, _, args = call.partition("(")
    add(_h(f"pg-fn-{short}-plain", "function", f"SELECT {call} AS v", note, harm=harm))
    add(
        _h(
            f"pg-fn-{short}-upper",
            "function",
            f"SELECT {name.upper()}({args} AS v",
            f"{note}; upper-case name",
            harm=harm,
        )
    )
    add(
        _h(
            f"pg-fn-{short}-catalog",
            "function",
            f"SELECT pg_catalog.{call} AS v",
            f"{note}; pg_catalog-qualified",
            harm=harm,
        )
    )
    add(
        _h(
            f"pg-fn-{short}-quoted",
            "function",
            f'SELECT "pg_catalog"."{name}"({args} AS v',
            f"{note}; quoted and qualified",
            harm=harm,
        )
    )
    escaped = "".join(f"\\{ord(ch):04x}" if i == 0 else ch for i, ch in enumerate(name))
    add(
        _h(
            f"pg-fn-{short}-uescape",
            "function",
            f'SELECT U&"{escaped}"({args} AS v',
            f"{note}; Unicode-escaped identifier",
            harm=harm,
        )
    )

add(
    _h(
        "pg-fn-uescape-bang",
        "function",
        "SELECT U&\"!0070g_read_file\" UESCAPE '!'('/etc/passwd') AS v",
        "Unicode-escaped identifier with UESCAPE",
        harm="leak",
    )
)
add(
    _h(
        "pg-fn-uescape-all",
        "function",
        'SELECT U&"\\0070\\0067\\005f\\006c\\0073\\005f\\0064\\0069\\0072"'
        "('__CANARY_DIR__') AS v",
        "every character escaped: pg_ls_dir",
        harm="leak",
    )
)
add(
    _h(
        "pg-fn-spaced-catalog",
        "function",
        "SELECT pg_catalog /* x */ . pg_read_file('/etc/passwd') AS v",
        "a comment between schema and name",
        harm="leak",
    )
)
_MORE = [
    (
        "readfile-from",
        "SELECT * FROM pg_read_file('/etc/passwd') AS f(v)",
        "leak",
        "a file-reading function in FROM",
    ),
    (
        "lsdir-from",
        "SELECT * FROM pg_ls_dir('__CANARY_DIR__') AS d(name)",
        "leak",
        "pg_ls_dir as a table function",
    ),
    (
        "lsdir-lateral",
        "SELECT g, d FROM generate_series(1, 2) g, LATERAL pg_ls_dir('/tmp') d",
        "leak",
        "pg_ls_dir in a lateral join beside an allowed table function",
    ),
    (
        "rowsfrom",
        "SELECT * FROM ROWS FROM (pg_ls_dir('__CANARY_DIR__')) AS r(n)",
        "leak",
        "ROWS FROM (...)",
    ),
    (
        "convfrom",
        "SELECT convert_from(pg_read_binary_file('/etc/passwd'), 'UTF8') AS v",
        "leak",
        "binary read decoded",
    ),
    (
        "readhba",
        "SELECT pg_read_file(current_setting('hba_file')) AS v",
        "leak",
        "reads pg_hba.conf",
    ),
    (
        "readfile-where",
        "SELECT id FROM orders WHERE pg_read_file('/etc/passwd') LIKE 'root%'",
        "leak",
        "file read in WHERE: a blind oracle",
    ),
    (
        "cast-error",
        "SELECT CAST(pg_read_file(__CANARY_FILE_CHR__) AS integer) AS v",
        "leak",
        "the error message echoes the file",
    ),
    ("lsdir-logdir", "SELECT * FROM pg_ls_logdir()", "leak", "lists the log directory"),
    ("lsdir-waldir", "SELECT * FROM pg_ls_waldir()", "leak", "lists the WAL directory"),
    ("lsdir-tmpdir", "SELECT * FROM pg_ls_tmpdir()", "leak", "lists temp files"),
    ("curlogfile", "SELECT pg_current_logfile() AS v", "leak", "server log path"),
    ("datadir", "SELECT current_setting('data_directory') AS v", "leak", "server configuration"),
    ("showall", "SELECT * FROM pg_show_all_settings()", "leak", "every setting"),
    ("showfile", "SELECT * FROM pg_show_all_file_settings()", "leak", "config files"),
    ("hbarules", "SELECT * FROM pg_hba_file_rules()", "leak", "pg_hba.conf as rows"),
    ("lo-create", "SELECT lo_create(0) AS v", "effect", "creates a large object"),
    ("lo-fromb", "SELECT lo_from_bytea(0, 'x') AS v", "effect", "creates a large object"),
    ("lo-get", "SELECT lo_get(oid) FROM pg_largeobject_metadata", "leak", "reads large objects"),
    (
        "terminate-all",
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE query LIKE '%askdb-victim%' AND pid <> pg_backend_pid()",
        "effect",
        "kills every session whose query matches",
    ),
    (
        "cancel-all",
        "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE datname = current_database()",
        "effect",
        "cancels every query in the database",
    ),
    (
        "wait-term",
        "SELECT pg_wait_for_backend_termination(__VICTIM__, 10) AS v",
        "effect",
        "waits on another session",
    ),
    (
        "advlock-shared",
        "SELECT pg_advisory_lock_shared(4243) AS v",
        "effect",
        "shared advisory lock",
    ),
    ("advlock-2key", "SELECT pg_advisory_lock(42, 43) AS v", "effect", "two-key advisory lock"),
    ("advlock-try", "SELECT pg_try_advisory_lock(4244) AS v", "effect", "try-lock"),
    (
        "advlock-tryshared",
        "SELECT pg_try_advisory_lock_shared(4245) AS v",
        "effect",
        "try shared lock",
    ),
    (
        "advlock-xact",
        "SELECT pg_advisory_xact_lock(4246) AS v",
        "effect",
        "transaction advisory lock",
    ),
    (
        "advlock-where",
        "SELECT id FROM orders WHERE pg_try_advisory_lock(id)",
        "effect",
        "one advisory lock per row, in WHERE",
    ),
    (
        "advunlock",
        "SELECT pg_advisory_unlock_all() AS v",
        "effect",
        "drops locks the session holds",
    ),
    ("sleep-for", "SELECT pg_sleep_for('30 seconds') AS v", "effect", "a wait"),
    (
        "sleep-until",
        "SELECT pg_sleep_until(now() + interval '30 seconds') AS v",
        "effect",
        "a wait",
    ),
    (
        "sleep-orderby",
        "SELECT id FROM orders ORDER BY pg_sleep(0.1)",
        "effect",
        "a wait per row, in ORDER BY",
    ),
    (
        "sleep-limit",
        "SELECT id FROM orders LIMIT (SELECT 1 FROM pg_sleep(30))",
        "effect",
        "a wait in LIMIT",
    ),
    (
        "sleep-case",
        "SELECT CASE WHEN id > 0 THEN pg_sleep(30) END FROM orders",
        "effect",
        "a wait inside CASE",
    ),
    (
        "sleep-cte-unused",
        "WITH w AS (SELECT pg_sleep(30)) SELECT id FROM orders",
        "effect",
        "a wait in an unused CTE",
    ),
    ("setval", "SELECT setval('hr.seq_canary', 1000) AS v", "effect", "resets a sequence"),
    (
        "currval",
        "SELECT currval('public.order_seq') AS v",
        "effect",
        "reads session sequence state",
    ),
    (
        "nextval-regclass",
        "SELECT nextval('order_seq'::regclass) AS v",
        "effect",
        "nextval with a regclass",
    ),
    (
        "setconfig-custom",
        "SELECT set_config('askdb.evil', 'on', false) AS v",
        "effect",
        "a custom session setting that outlives the query",
    ),
    (
        "setconfig-timeout",
        "SELECT set_config('statement_timeout', '0', true) AS v",
        "effect",
        "turns the statement timeout off",
    ),
    (
        "setconfig-scs",
        "SELECT set_config('standard_conforming_strings', 'off', false) AS v",
        "effect",
        "changes lexing for the next query on the pooled connection",
    ),
    ("notify", "SELECT pg_notify('askdb_chan', 'pwned') AS v", "effect", "sends a NOTIFY"),
    (
        "emit",
        "SELECT pg_logical_emit_message(false, 'askdb', 'pwned') AS v",
        "effect",
        "non-transactional WAL message",
    ),
    ("txid", "SELECT txid_current() AS v", "effect", "assigns a transaction id"),
    ("xactid", "SELECT pg_current_xact_id() AS v", "effect", "assigns a transaction id"),
    (
        "table2xml",
        "SELECT table_to_xml('hr.salaries', true, true, '') AS v",
        "leak",
        "dumps a table outside the project",
    ),
    ("schema2xml", "SELECT schema_to_xml('hr', true, true, '') AS v", "leak", "dumps a schema"),
    ("db2xml", "SELECT database_to_xml(true, true, '') AS v", "leak", "dumps the whole database"),
    (
        "query2xml-file",
        "SELECT query_to_xml('SELECT pg_read_file(''/etc/passwd'')', true, false, '') AS v",
        "leak",
        "nested dynamic SQL reading a file",
    ),
    (
        "query2xml-schema",
        "SELECT query_to_xml_and_xmlschema('SELECT * FROM public.secret_t', true, true, '') AS v",
        "leak",
        "dynamic SQL variant",
    ),
    (
        "query2xml-lock",
        "SELECT query_to_xml('SELECT pg_advisory_lock(4247)', true, false, '') AS v",
        "effect",
        "dynamic SQL taking a lock",
    ),
    (
        "xpath",
        "SELECT xpath('//text()', query_to_xml('SELECT ssn FROM hr.salaries', true, "
        "true, '')) AS v",
        "leak",
        "query_to_xml wrapped in xpath",
    ),
    (
        "xmlexists",
        "SELECT id FROM orders WHERE xmlexists('//ssn' PASSING BY REF "
        "query_to_xml('SELECT ssn FROM hr.salaries', true, true, ''))",
        "leak",
        "dynamic SQL inside XMLEXISTS",
    ),
    (
        "xxe",
        'SELECT xmlparse(document \'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM '
        '"file:///etc/passwd">]><x>&e;</x>\') AS v',
        "leak",
        "XML external entity",
    ),
    (
        "tsstat",
        "SELECT * FROM ts_stat('SELECT to_tsvector(''simple'', ssn) FROM hr.salaries')",
        "leak",
        "ts_stat runs SQL text",
    ),
    (
        "tsrewrite",
        "SELECT ts_rewrite('a'::tsquery, 'SELECT to_tsquery(''a''), "
        "plainto_tsquery(''simple'', ssn) FROM hr.salaries') AS v",
        "leak",
        "ts_rewrite runs SQL text",
    ),
    (
        "dblink",
        "SELECT * FROM dblink('dbname=__DB__', 'SELECT secret FROM public.secret_t') AS t(s text)",
        "leak",
        "an installed extension reading through a new connection",
    ),
    (
        "dblink-exec",
        "SELECT dblink_exec('dbname=__DB__', 'CREATE TABLE __EVIL___dbl (a int)') AS v",
        "effect",
        "dblink_exec writes through a connection that is not read-only",
    ),
    (
        "dblink-connect",
        "SELECT dblink_connect('askdb_evil', 'dbname=__DB__') AS v",
        "effect",
        "a connection that outlives the query",
    ),
    (
        "dblink-public",
        "SELECT * FROM public.dblink('dbname=__DB__', 'SELECT ssn FROM hr.salaries') AS t(s text)",
        "leak",
        "schema-qualified dblink",
    ),
    (
        "filewrite",
        "SELECT pg_file_write('__CANARY_DIR__/adminpack.out', 'pwned', false) AS v",
        "effect",
        "adminpack writes a server file",
    ),
    (
        "filerename",
        "SELECT pg_file_rename(__CANARY_FILE__, '__CANARY_DIR__/moved') AS v",
        "effect",
        "adminpack renames a file",
    ),
    ("reload", "SELECT pg_reload_conf() AS v", "effect", "reloads the server config"),
    ("rotate", "SELECT pg_rotate_logfile() AS v", "effect", "rotates the server log"),
    ("statreset", "SELECT pg_stat_reset() AS v", "effect", "resets statistics"),
    ("switchwal", "SELECT pg_switch_wal() AS v", "effect", "forces a WAL switch"),
    (
        "slot",
        "SELECT pg_create_physical_replication_slot('__EVIL___slot') AS v",
        "effect",
        "creates a replication slot",
    ),
    (
        "stat-activity-fn",
        "SELECT query FROM pg_stat_get_activity(NULL)",
        "leak",
        "other sessions' SQL through a function",
    ),
    (
        "backend-activity",
        "SELECT pg_stat_get_backend_activity(s) AS q FROM pg_stat_get_backend_idset() s",
        "leak",
        "other sessions' SQL by backend id",
    ),
    (
        "memctx",
        "SELECT pg_log_backend_memory_contexts(__VICTIM__) AS v",
        "effect",
        "writes another backend's memory to the server log",
    ),
    (
        "format-readfile",
        "SELECT format('%s', pg_read_file('/etc/passwd')) AS v",
        "leak",
        "a file read inside an allowed function",
    ),
    (
        "agg-readfile",
        "SELECT string_agg(pg_read_file('/etc/passwd'), '') AS v FROM orders",
        "leak",
        "a file read inside an aggregate",
    ),
    (
        "window-lock",
        "SELECT id, pg_try_advisory_lock(4248) OVER () FROM orders",
        "effect",
        "a lock function written as a window call",
    ),
    (
        "values-lock",
        "SELECT * FROM (VALUES (pg_advisory_lock(4249))) v(x)",
        "effect",
        "a lock inside VALUES",
    ),
    (
        "join-lock",
        "SELECT o.id FROM orders o JOIN customers c "
        "ON c.id = o.customer_id AND pg_try_advisory_lock(4250)",
        "effect",
        "a lock in ON",
    ),
    (
        "having-read",
        "SELECT status FROM orders GROUP BY status HAVING length(pg_read_file('/etc/passwd')) > 0",
        "leak",
        "a file read in HAVING",
    ),
    (
        "regproc-call",
        "SELECT 'pg_read_file'::regproc AS v, pg_read_file('/etc/passwd') AS w",
        "leak",
        "a regproc cast beside the call",
    ),
]
for short, sql, harm, note in _MORE:
    add(_h(f"pg-fn-{short}", "function", sql, note, harm=harm))

# --- (c) tables outside the project -----------------------------------------------------------
_TABLES = [
    ("hr", "SELECT * FROM hr.salaries", "a table in another schema"),
    ("hr-count", "SELECT count(*) FROM hr.salaries", "even a count leaks"),
    ("hr-quoted", 'SELECT * FROM "hr"."salaries"', "quoted"),
    ("hr-upper", "SELECT * FROM HR.SALARIES", "upper case folds to hr.salaries"),
    ("hr-catalog", "SELECT * FROM __DB__.hr.salaries", "database-qualified"),
    ("hr-only", "SELECT * FROM ONLY hr.salaries", "ONLY"),
    ("hr-table", "TABLE hr.salaries", "the TABLE statement"),
    ("hr-sameName", "SELECT * FROM hr.orders", "same name as a project table, other schema"),
    (
        "hr-join",
        "SELECT o.id, s.ssn FROM orders o JOIN hr.salaries s ON true",
        "joined with a project table",
    ),
    (
        "hr-scalar",
        "SELECT (SELECT ssn FROM hr.salaries LIMIT 1) AS s FROM orders",
        "scalar subquery",
    ),
    (
        "hr-exists",
        "SELECT id FROM orders WHERE EXISTS (SELECT 1 FROM hr.salaries WHERE ssn LIKE 'CANARY%')",
        "blind boolean read",
    ),
    ("hr-rowjson", "SELECT row_to_json(s) AS j FROM hr.salaries s", "whole rows as JSON"),
    (
        "hr-union",
        "SELECT name FROM customers UNION ALL SELECT ssn FROM hr.salaries",
        "a UNION branch",
    ),
    (
        "hr-lateral",
        "SELECT c.id, x.ssn FROM customers c, LATERAL (SELECT ssn FROM hr.salaries LIMIT 1) x",
        "a lateral subquery",
    ),
    ("secret", "SELECT * FROM secret_t", "a public table not in the project's schema"),
    ("secret-public", "SELECT * FROM public.secret_t", "schema-qualified"),
    ("secret-quoted", 'SELECT * FROM public."secret_t"', "quoted"),
    ("secret-catalog", "SELECT * FROM __DB__.public.secret_t", "database-qualified"),
    (
        "cte-shadow-qualified",
        "WITH secret_t AS (SELECT 1 AS x) SELECT * FROM public.secret_t",
        "a CTE name must not exempt the qualified real table",
    ),
    (
        "cte-shadow-hr",
        "WITH salaries AS (SELECT 1 AS x) SELECT * FROM hr.salaries",
        "a CTE named like the canary table",
    ),
    (
        "cte-shadow-scope",
        "SELECT * FROM (WITH secret_t AS (SELECT 1 AS secret) "
        "SELECT * FROM secret_t) a, secret_t b",
        "the CTE is defined in one subquery, the real table used in another scope",
    ),
    (
        "cte-shadow-union",
        "(WITH secret_t AS (SELECT 'a' AS secret) SELECT secret FROM secret_t)"
        " UNION ALL (SELECT secret FROM secret_t)",
        "the CTE scope is one UNION branch",
    ),
    (
        "cte-shadow-where",
        "SELECT secret FROM secret_t WHERE EXISTS "
        "(WITH secret_t AS (SELECT 1) SELECT * FROM secret_t)",
        "the CTE lives in WHERE only",
    ),
    (
        "cte-shadow-inner-ref",
        "WITH x AS (SELECT * FROM secret_t) SELECT * FROM x",
        "a CTE body reads the non-project table",
    ),
    (
        "cte-shadow-project",
        "WITH orders AS (SELECT * FROM hr.salaries) SELECT * FROM orders",
        "a CTE named like a project table wraps the canary",
    ),
    (
        "cte-recursive-shadow",
        "WITH RECURSIVE secret_t(secret) AS (SELECT 'a' UNION ALL "
        "SELECT secret FROM public.secret_t) SELECT * FROM secret_t LIMIT 5",
        "a recursive CTE whose recursive part names the real table",
    ),
    (
        "cte-self-scope",
        "WITH a AS (SELECT * FROM secret_t), secret_t AS (SELECT 1 AS x) SELECT * FROM a",
        "a later CTE of the same name does not cover an earlier one",
    ),
    ("authid", "SELECT rolname, rolpassword FROM pg_authid", "password hashes"),
    ("authid-catalog", "SELECT rolpassword FROM pg_catalog.pg_authid", "qualified"),
    ("authid-upper", "SELECT ROLPASSWORD FROM PG_CATALOG.PG_AUTHID", "upper case"),
    ("authid-uescape", 'SELECT rolpassword FROM U&"pg_\\0061uthid"', "Unicode-escaped name"),
    ("shadow", "SELECT usename, passwd FROM pg_shadow", "password hashes"),
    ("user", "SELECT * FROM pg_user", "users"),
    ("roles", "SELECT rolname, rolpassword FROM pg_roles", "roles (masked password)"),
    ("activity", "SELECT pid, query FROM pg_stat_activity", "other sessions' SQL"),
    (
        "activity-catalog",
        "SELECT query FROM pg_catalog.pg_stat_activity WHERE query LIKE '%askdb-victim%'",
        "qualified",
    ),
    ("file-settings", "SELECT * FROM pg_file_settings", "configuration files"),
    ("hba", "SELECT * FROM pg_hba_file_rules", "authentication rules"),
    ("ident", "SELECT * FROM pg_ident_file_mappings", "ident map"),
    ("settings", "SELECT name, setting FROM pg_settings", "server settings"),
    ("statistic", "SELECT stavalues1::text FROM pg_statistic", "sampled values of any table"),
    (
        "stats",
        "SELECT most_common_vals::text FROM pg_stats WHERE schemaname = 'hr'",
        "sampled canary values",
    ),
    ("proc", "SELECT proname, prosrc FROM pg_proc", "function sources"),
    ("class", "SELECT relname FROM pg_class", "every relation"),
    ("tables", "SELECT schemaname, tablename FROM pg_tables", "every table"),
    ("database", "SELECT datname FROM pg_database", "every database"),
    ("locks", "SELECT * FROM pg_locks", "other sessions' locks"),
    ("largeobject", "SELECT * FROM pg_largeobject", "large object data"),
    ("usermappings", "SELECT * FROM pg_user_mappings", "foreign server passwords"),
    ("subscription", "SELECT subconninfo FROM pg_subscription", "connection strings"),
    ("config", "SELECT * FROM pg_config", "build paths"),
    ("views", "SELECT definition FROM pg_views", "view sources"),
    ("repl", "SELECT * FROM pg_replication_slots", "replication slots"),
    (
        "is-tables",
        "SELECT table_schema, table_name FROM information_schema.tables",
        "information_schema",
    ),
    (
        "is-columns",
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'hr'",
        "columns of other schemas",
    ),
    (
        "is-routines",
        "SELECT routine_definition FROM information_schema.routines",
        "function sources",
    ),
    ("is-grants", "SELECT * FROM information_schema.role_table_grants", "grants"),
    ("is-upper", "SELECT * FROM INFORMATION_SCHEMA.TABLES", "upper case"),
]
_TABLES += [
    (
        "rowtype",
        "SELECT * FROM json_populate_recordset(null::hr.salaries, '[{}]')",
        "the row type of a table outside the project shows its columns",
    ),
    (
        "rowtype-secret",
        "SELECT (jsonb_populate_record(null::public.secret_t, '{}')).*",
        "the row type of a non-project table in public",
    ),
    (
        "cte-nested-with",
        "WITH a AS (WITH secret_t AS (SELECT 1 AS x) SELECT * FROM secret_t) "
        "SELECT * FROM a, secret_t",
        "a CTE inside a CTE does not cover the outer query",
    ),
    (
        "cte-scalar-scope",
        "SELECT (WITH secret_t AS (SELECT 1 AS s) SELECT s FROM secret_t) "
        "AS a, (SELECT secret FROM secret_t) AS b",
        "two scalar subqueries, one CTE",
    ),
    (
        "cte-lateral-scope",
        "SELECT * FROM orders o, LATERAL (WITH secret_t AS (SELECT 1 AS x) "
        "SELECT * FROM secret_t) l, LATERAL (SELECT * FROM secret_t) m",
        "two lateral subqueries, one CTE",
    ),
    (
        "cte-self-ref",
        "WITH secret_t AS (SELECT * FROM secret_t) SELECT * FROM secret_t",
        "a non-recursive CTE's body names the real table",
    ),
    (
        "cte-materialized",
        "WITH secret_t AS MATERIALIZED (SELECT * FROM public.secret_t) SELECT * FROM secret_t",
        "MATERIALIZED",
    ),
    (
        "alias-lateral",
        "SELECT * FROM (SELECT 1) AS secret_t, LATERAL (SELECT * FROM secret_t) z",
        "a derived-table alias is not a table for a later FROM",
    ),
]
for short, sql, note in _TABLES:
    add(_h(f"pg-tbl-{short}", "table", sql, note, harm="leak"))
add(
    _h(
        "pg-fn-xml-cast-xxe",
        "function",
        "SELECT CAST('<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>' "
        "AS xml) AS v",
        "an external entity through a cast to xml: PostgreSQL must not load it",
        harm="leak",
        expect="either",
    )
)

# --- (d) writes and DDL in disguise -----------------------------------------------------------
_WRITES = [
    (
        "cte-delete",
        "WITH x AS (DELETE FROM orders RETURNING *) SELECT count(*) FROM x",
        "data-modifying CTE",
    ),
    (
        "cte-update",
        "WITH x AS (UPDATE customers SET name = 'pwned' RETURNING 1) SELECT * FROM x",
        "data-modifying CTE",
    ),
    (
        "cte-insert",
        "WITH x AS (INSERT INTO orders (id, customer_id, product_id, quantity, "
        "total, status, ordered_at) VALUES (99999, 1, 1, 1, 1, 'x', now()) RETURNING id) "
        "SELECT * FROM x",
        "data-modifying CTE",
    ),
    (
        "cte-delete-hr",
        "WITH x AS (DELETE FROM hr.salaries RETURNING ssn) SELECT * FROM x",
        "data-modifying CTE on the canary table",
    ),
    (
        "cte-nested",
        "SELECT * FROM (WITH x AS (DELETE FROM orders RETURNING 1) SELECT * FROM x) s",
        "data-modifying CTE in a subquery",
    ),
    ("select-into", "SELECT * INTO __EVIL___copy FROM orders", "SELECT INTO creates a table"),
    ("select-into-temp", "SELECT * INTO TEMP __EVIL___tmp FROM orders", "SELECT INTO TEMP"),
    ("ctas", "CREATE TABLE __EVIL___t AS SELECT * FROM orders", "CREATE TABLE AS"),
    ("copy-to", "COPY orders TO '__CANARY_DIR__/orders.csv'", "COPY to a server file"),
    (
        "copy-query-to",
        "COPY (SELECT * FROM hr.salaries) TO '__CANARY_DIR__/hr.csv'",
        "COPY a query to a file",
    ),
    ("copy-program", "COPY (SELECT 1) TO PROGRAM 'touch __CANARY_DIR__/pwned'", "a shell command"),
    ("copy-from", "COPY orders FROM '/etc/passwd'", "COPY from a file"),
    ("copy-stdout", "COPY (SELECT * FROM hr.salaries) TO STDOUT", "COPY to the client"),
    ("call", "CALL __EVIL___proc()", "CALL"),
    ("do-lock", "DO $$ BEGIN PERFORM pg_advisory_lock(4251); END $$", "DO block"),
    (
        "do-ddl",
        "DO $$ BEGIN EXECUTE 'CREATE TABLE __EVIL___do (a int)'; END $$",
        "DO with dynamic DDL",
    ),
    ("explain-analyze", "EXPLAIN ANALYZE DELETE FROM orders", "EXPLAIN ANALYZE runs it"),
    (
        "explain-analyze-lock",
        "EXPLAIN (ANALYZE) SELECT pg_advisory_lock(4252)",
        "EXPLAIN ANALYZE runs a lock",
    ),
    ("explain", "EXPLAIN SELECT * FROM orders", "EXPLAIN is not a query"),
    ("lock", "LOCK TABLE orders IN ACCESS EXCLUSIVE MODE", "LOCK TABLE"),
    ("lock-share", "LOCK TABLE customers IN SHARE MODE", "LOCK TABLE, a mode allowed read-only"),
    ("for-update", "SELECT * FROM orders FOR UPDATE", "row locks"),
    ("for-share", "SELECT * FROM orders FOR SHARE", "row locks"),
    ("for-nokey", "SELECT * FROM orders FOR NO KEY UPDATE", "row locks"),
    ("for-keyshare", "SELECT * FROM orders FOR KEY SHARE", "row locks"),
    (
        "for-update-of",
        "SELECT o.id FROM orders o JOIN customers c ON c.id = o.customer_id FOR UPDATE OF c NOWAIT",
        "row locks on one table",
    ),
    (
        "for-update-sub",
        "SELECT * FROM (SELECT * FROM orders FOR UPDATE SKIP LOCKED) s",
        "row locks in a subquery",
    ),
    ("multi-lock", "SELECT 1; SELECT pg_advisory_lock(4253)", "two statements"),
    ("multi-delete", "SELECT 1; DELETE FROM orders", "two statements"),
    (
        "multi-commit",
        "SELECT 1; COMMIT; SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE;"
        " CREATE TABLE __EVIL___mc (a int)",
        "escapes the read-only transaction",
    ),
    ("multi-comment", "SELECT 1 --\n; DELETE FROM orders", "a statement after a comment"),
    ("set", "SET search_path = hr", "SET"),
    ("set-timeout", "SET statement_timeout = 0", "SET turns the timeout off"),
    ("set-local", "SET LOCAL statement_timeout = 0", "SET LOCAL"),
    ("set-role", "SET ROLE postgres", "SET ROLE"),
    ("set-auth", "SET SESSION AUTHORIZATION postgres", "SET SESSION AUTHORIZATION"),
    ("set-rw", "SET TRANSACTION READ WRITE", "un-read-only the transaction"),
    ("reset", "RESET ALL", "RESET"),
    ("prepare", "PREPARE __EVIL___p AS SELECT * FROM hr.salaries", "PREPARE"),
    ("execute", "EXECUTE __EVIL___p", "EXECUTE"),
    ("deallocate", "DEALLOCATE ALL", "DEALLOCATE"),
    ("listen", "LISTEN askdb_chan", "LISTEN outlives the query"),
    ("notify-stmt", "NOTIFY askdb_chan, 'pwned'", "NOTIFY"),
    ("declare", "DECLARE c CURSOR WITH HOLD FOR SELECT * FROM orders", "a cursor"),
    ("vacuum", "VACUUM orders", "VACUUM"),
    ("analyze", "ANALYZE orders", "ANALYZE"),
    ("checkpoint", "CHECKPOINT", "CHECKPOINT"),
    ("discard", "DISCARD ALL", "DISCARD"),
    ("truncate", "TRUNCATE orders", "TRUNCATE"),
    ("alter-system", "ALTER SYSTEM SET log_statement = 'all'", "ALTER SYSTEM"),
    ("create-ext", "CREATE EXTENSION IF NOT EXISTS pageinspect", "CREATE EXTENSION"),
    ("grant", "GRANT SELECT ON hr.salaries TO PUBLIC", "GRANT"),
    ("create-role", "CREATE ROLE __EVIL___r SUPERUSER LOGIN", "CREATE ROLE"),
    ("comment", "COMMENT ON TABLE orders IS 'pwned'", "COMMENT ON"),
    ("begin", "BEGIN", "transaction control"),
    ("start-rw", "START TRANSACTION READ WRITE", "transaction control"),
    ("commit", "COMMIT", "transaction control"),
    ("savepoint", "SAVEPOINT s", "transaction control"),
    ("load", "LOAD 'auto_explain'", "loads a shared library"),
    ("show", "SHOW hba_file", "SHOW"),
    (
        "merge",
        "MERGE INTO orders o USING customers c ON o.customer_id = c.id WHEN MATCHED THEN DELETE",
        "MERGE",
    ),
    ("insert", "INSERT INTO orders (id) VALUES (99998)", "INSERT"),
    ("update", "UPDATE products SET price = 0", "UPDATE"),
    ("delete", "DELETE FROM customers", "DELETE"),
    ("drop", "DROP TABLE orders", "DROP"),
    (
        "create-func",
        "CREATE FUNCTION __EVIL___f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
        "CREATE FUNCTION",
    ),
    ("values-then-write", "VALUES (1); DROP TABLE orders", "a write after VALUES"),
    ("table-then-write", "TABLE orders; DELETE FROM orders", "a write after TABLE"),
    (
        "cte-in-where",
        "SELECT * FROM orders WHERE id IN "
        "(WITH d AS (DELETE FROM orders RETURNING id) SELECT id FROM d)",
        "data-modifying CTE in WHERE",
    ),
    ("refresh", "REFRESH MATERIALIZED VIEW __EVIL___mv", "REFRESH"),
    ("security-label", "SECURITY LABEL ON TABLE orders IS 'x'", "SECURITY LABEL"),
    ("import-foreign", "IMPORT FOREIGN SCHEMA hr FROM SERVER s INTO public", "IMPORT"),
]
for short, sql, note in _WRITES:
    add(_h(f"pg-wr-{short}", "write", sql, note))

# --- (e) resource and limit abuse -------------------------------------------------------------
_RESOURCE = [
    ("big-row", "SELECT repeat('x', 150000000) AS big", "one 150 MB row"),
    (
        "mb-rows",
        "SELECT g, repeat('x', 1000000) AS mb FROM generate_series(1, 200) g",
        "200 rows of 1 MB",
    ),
    ("lpad", "SELECT lpad('x', 150000000, 'y') AS big", "one 150 MB row through lpad"),
    (
        "rpad-rows",
        "SELECT rpad(name, 1000000, 'z') AS wide FROM customers",
        "wide rows from a project table",
    ),
    ("nested-repeat", "SELECT repeat(repeat('x', 10000), 10000) AS big", "100 MB"),
    (
        "string-agg",
        "SELECT string_agg(md5(g::text), '') AS big FROM generate_series(1, 5000000) g",
        "a 160 MB aggregate",
    ),
    ("array-agg", "SELECT array_agg(g) AS a FROM generate_series(1, 20000000) g", "a huge array"),
    (
        "cross-count",
        "SELECT count(*) FROM generate_series(1, 100000) a, generate_series(1, 100000) b",
        "10^10 rows",
    ),
    (
        "cross-project",
        "SELECT count(*) FROM orders a, orders b, orders c, orders d",
        "a cross join of project tables",
    ),
    ("cross-rows", "SELECT * FROM orders a, orders b, orders c", "millions of rows"),
    ("series", "SELECT * FROM generate_series(1, 100000000) g", "10^8 rows"),
    (
        "series-wide",
        "SELECT g, repeat('y', 10000) AS w FROM generate_series(1, 1000000) g",
        "10 GB of rows",
    ),
    (
        "recursive",
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r",
        "an endless recursive CTE",
    ),
    (
        "recursive-double",
        "WITH RECURSIVE r(s) AS (SELECT 'x'::text UNION ALL SELECT s || s "
        "FROM r WHERE length(s) < 200000000) SELECT length(s) FROM r",
        "doubling strings",
    ),
    ("regex", "SELECT repeat('a', 50000) ~ '(a*)*b' AS m", "a regex with backtracking"),
    ("numeric-power", "SELECT length((9::numeric ^ 9000000)::text) AS n", "a numeric power"),
    ("factorial", "SELECT length(factorial(200000)::text) AS n", "a huge factorial"),
    (
        "limit-huge",
        "SELECT o.* FROM orders o, generate_series(1, 10000) LIMIT 1000000",
        "a LIMIT above the row cap",
    ),
]
# One function call that never checks for interrupts: the statement timeout cannot stop it,
# and neither can a cancel request. Every function here is on the allow-list.
_RESOURCE += [
    (
        "format-width",
        "SELECT length(format('%900000000s', 'x')) AS n",
        "format() pads to a 900 MB width in one call",
    ),
    (
        "format-width-row",
        "SELECT format('%1$-900000000s', 'x') AS big",
        "format() with a positional argument and a width",
    ),
    ("array-fill", "SELECT array_fill(1, ARRAY[50000000]) AS a", "array_fill of 50 million"),
    (
        "array-fill-2d",
        "SELECT cardinality(array_fill(1, ARRAY[8000, 8000])) AS n",
        "a two-dimensional array_fill",
    ),
    (
        "btrim",
        "SELECT length(btrim(lpad('', 30000, 'a'), lpad('', 30000, 'b') || 'a')) AS n",
        "btrim with a long character set: length x set size in one call",
    ),
    (
        "ltrim-set",
        "SELECT length(ltrim(lpad('', 30000, 'a'), lpad('', 30000, 'b') || 'a')) AS n",
        "ltrim with a long character set",
    ),
    (
        "trim-both",
        "SELECT length(trim(both lpad('', 30000, 'b') || 'a' FROM lpad('', 30000, 'a'))) AS n",
        "TRIM(BOTH set FROM x) syntax",
    ),
    (
        "translate",
        "SELECT length(translate(lpad('', 30000, 'a'), lpad('', 30000, 'b') || 'a', 'c')) AS n",
        "translate with a long 'from' set",
    ),
    (
        "initcap-lpad",
        "SELECT length(initcap(lpad('', 200000000, 'ab '))) AS n",
        "lpad with a multi-character fill, then initcap",
    ),
    (
        "reverse-lpad",
        "SELECT length(reverse(lpad('', 250000000, 'xy'))) AS n",
        "lpad, then reverse",
    ),
]
_RESOURCE += [
    (
        "wide-row",
        "SELECT repeat('a', 50000000) AS a, repeat('b', 50000000) AS b, repeat('c', 50000000) AS c",
        "one 150 MB row of three columns",
    ),
]
# Containment and overlap compare every element with every element, with no interrupt check.
_RESOURCE += [
    (
        "array-contains",
        "SELECT (array_fill(0, ARRAY[45000]) || 1) @> array_fill(1, ARRAY[45000]) AS c",
        "array @> of two 45,000-element arrays",
    ),
    (
        "array-contained",
        "SELECT array_fill(1, ARRAY[45000]) <@ (array_fill(0, ARRAY[45000]) || 1) AS c",
        "array <@",
    ),
    (
        "array-overlap",
        "SELECT (array_fill(0, ARRAY[50000]) || 1) && array_fill(2, ARRAY[50000]) AS o",
        "array && of two 50,000-element arrays",
    ),
    (
        "jsonb-contains",
        "SELECT (SELECT jsonb_agg(0) FROM generate_series(1, 22000)) || "
        "'[1]'::jsonb @> (SELECT jsonb_agg(1) FROM generate_series(1, 22000)) AS c",
        "jsonb @> of two 22,000-element arrays",
    ),
    (
        "string-to-array",
        "SELECT cardinality(string_to_array(array_to_string(array_fill("
        "'a'::text, ARRAY[3000000]), ''), 'b' || lpad('', 3000, 'a'))) AS n",
        "string_to_array with a long delimiter (the delimiter is not cut)",
    ),
]
_ROW_MB = {
    "wide-row": 150,
    "big-row": 150,
    "lpad": 150,
    "nested-repeat": 100,
    "string-agg": 160,
    "array-agg": 200,
    "recursive-double": 200,
}
for short, sql, note in _RESOURCE:
    add(
        _h(
            f"pg-res-{short}",
            "resource",
            sql,
            note,
            harm="overrun",
            expect="either",
            row_mb=_ROW_MB.get(short, 0),
        )
    )
