"""Hostile statements for MariaDB (sqlglot dialect ``mysql``), by class.

The project database ``__DB__`` holds ``customers``, ``orders`` and ``products``; the database
``__HR__`` holds ``salaries``, ``orders`` (same name as a project table) and the sequence
``seq_canary``; a victim connection runs a query holding a unique marker.
"""

from __future__ import annotations

from functools import partial

from ._entry import hostile_entry

_h = partial(hostile_entry, "mysql")
_NBE = {"init_command": "SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES'"}

ENTRIES: list[dict] = []
add = ENTRIES.append

# --- (a) lexer disagreement -------------------------------------------------------------------
# MariaDB reads "--" followed by a non-ASCII space as two minus signs and the space as the
# start of an identifier (here a table alias); sqlglot reads a comment to the end of the line.
_SPACES = {"nbsp": "\u00a0", "emsp": "\u2003", "ideo": "\u3000", "nel": "\u0085"}
_PAYLOADS = {
    "lock": ("GET_LOCK('__LOCK__', 0) AS y", "effect"),
    "file": ("LOAD_FILE('__CANARY_FILE__') AS y", "leak"),
    "sleep": ("SLEEP(30) AS y", "effect"),
}
for sp_name, sp in _SPACES.items():
    for p_name, (payload, harm) in _PAYLOADS.items():
        add(
            _h(
                f"my-lex-dash-{sp_name}-{p_name}",
                "lexer",
                f"SELECT 1 --{sp}.id, {payload}\nFROM orders {sp}",
                f"-- followed by U+{ord(sp):04X}: two minus signs for MariaDB",
                harm=harm,
            )
        )
add(
    _h(
        "my-lex-dash-nbsp-hr",
        "lexer",
        "SELECT 1 --\u00a0.id, (SELECT GROUP_CONCAT(ssn) FROM __HR__.salaries) AS y\n"
        "FROM orders \u00a0",
        "the hidden span reads the canary database",
        harm="leak",
    )
)
add(
    _h(
        "my-lex-dash-nbsp-var",
        "lexer",
        "SELECT 1 --\u00a0.id, @v := 42 AS y\nFROM orders \u00a0",
        "the hidden span sets a user variable on the pooled connection",
    )
)
add(
    _h(
        "my-lex-dash-nbsp-lastid",
        "lexer",
        "SELECT 1 --\u00a0.id, LAST_INSERT_ID(4242) AS y\nFROM orders \u00a0",
        "the hidden span sets LAST_INSERT_ID",
    )
)
_EXEC_COMMENTS = [
    ("bang", "/*!, {p}*/"),
    ("bang-version", "/*!50000, {p}*/"),
    ("bang-old", "/*!32302, {p}*/"),
    ("mbang", "/*M!, {p}*/"),
    ("mbang-version", "/*M!100000, {p}*/"),
    ("bang-space-after", "/*!50000 , {p} */"),
]
for c_name, template in _EXEC_COMMENTS:
    for p_name, (payload, harm) in _PAYLOADS.items():
        if p_name == "sleep" and c_name not in ("bang", "mbang"):
            continue
        comment = template.format(p=payload)
        add(
            _h(
                f"my-lex-exec-{c_name}-{p_name}",
                "lexer",
                f"SELECT id{comment} FROM orders",
                "an executable comment: MariaDB runs its content",
                harm=harm,
            )
        )
add(
    _h(
        "my-lex-exec-empty",
        "lexer",
        "SELECT 1 /*!*/, GET_LOCK('__LOCK__', 0) AS y FROM orders",
        "an empty executable comment next to the payload",
    )
)
add(
    _h(
        "my-lex-exec-where",
        "lexer",
        "SELECT id FROM orders /*!WHERE GET_LOCK('__LOCK__', 0) */",
        "an executable comment adding a WHERE",
    )
)
add(
    _h(
        "my-lex-exec-into",
        "lexer",
        "SELECT id FROM orders /*!INTO OUTFILE '__CANARY_DIR__/exec.txt' */",
        "an executable comment writing a file",
    )
)
add(
    _h(
        "my-lex-exec-future",
        "lexer",
        "SELECT id /*!99999 , SLEEP(30) */ FROM orders",
        "a version above the server's: not run, harmless if it passes",
        expect="either",
    )
)
add(
    _h(
        "my-lex-nested",
        "lexer",
        "SELECT 1 /* /* */, GET_LOCK('__LOCK__', 0) AS y -- */\nFROM orders",
        "MariaDB does not nest block comments",
    )
)
add(
    _h(
        "my-lex-hash-cr",
        "lexer",
        "SELECT 1 #\r, LOAD_FILE('/etc/passwd') AS y\nFROM orders",
        "a # comment and a bare carriage return",
        harm="leak",
        expect="either",
    )
)
add(
    _h(
        "my-lex-dash-tab",
        "lexer",
        "SELECT 1 --\t, GET_LOCK('__LOCK__', 0) AS y\nFROM orders",
        "-- and a tab: a real comment for both",
        expect="either",
    )
)
add(
    _h(
        "my-lex-dash-ctrl",
        "lexer",
        "SELECT 1 --\x01, GET_LOCK('__LOCK__', 0) AS y\nFROM orders",
        "-- and a control character",
        expect="either",
    )
)
add(
    _h(
        "my-lex-nul",
        "lexer",
        "SELECT 1 \x00, GET_LOCK('__LOCK__', 0) AS y FROM orders",
        "a NUL byte",
    )
)
add(
    _h(
        "my-lex-ctrlz",
        "lexer",
        "SELECT 1 \x1a, GET_LOCK('__LOCK__', 0) AS y FROM orders",
        "a Ctrl-Z",
    )
)
add(
    _h(
        "my-lex-nbe-1",
        "lexer",
        "SELECT 'x\\' , LOAD_FILE(__CANARY_FILE_HEX__) , ' AS a, ' -- ' AS b FROM orders",
        "NO_BACKSLASH_ESCAPES in the URL: the guard's string holds code for the server",
        harm="leak",
        expect="either",
        url_query=_NBE,
    )
)
add(
    _h(
        "my-lex-nbe-2",
        "lexer",
        "SELECT 'x\\' , GET_LOCK(0x6173, 0) , ' AS a, ' -- ' AS b FROM orders",
        "NO_BACKSLASH_ESCAPES in the URL: a hidden lock",
        expect="either",
        url_query=_NBE,
    )
)
add(
    _h(
        "my-lex-nbe-3",
        "lexer",
        "SELECT name FROM customers WHERE name = 'x\\' OR SLEEP(30) OR name = '' -- '",
        "NO_BACKSLASH_ESCAPES in the URL: a hidden wait in WHERE",
        expect="either",
        url_query=_NBE,
    )
)
add(
    _h(
        "my-lex-nbe-ansi",
        "lexer",
        "SELECT 'x\\' , LOAD_FILE(__CANARY_FILE_HEX__) , ' AS a, ' -- ' AS b FROM orders",
        "ANSI mode (ANSI_QUOTES plus NO_BACKSLASH_ESCAPES) in the URL",
        harm="leak",
        expect="either",
        url_query={"init_command": "SET SESSION sql_mode = 'ANSI,NO_BACKSLASH_ESCAPES'"},
    )
)
add(
    _h(
        "my-lex-dq-backslash",
        "lexer",
        'SELECT "a\\"", LOAD_FILE(\'/etc/passwd\') AS y FROM orders',
        "a double-quoted string with an escaped quote",
        harm="leak",
    )
)
add(
    _h(
        "my-lex-introducer",
        "lexer",
        "SELECT _binary'x' AS a, LOAD_FILE(_latin1'/etc/passwd') AS y FROM orders",
        "charset introducers",
        harm="leak",
    )
)
add(
    _h(
        "my-lex-hexpath",
        "lexer",
        "SELECT LOAD_FILE(0x2f6574632f706173737764) AS y",
        "the path as a hex literal",
        harm="leak",
    )
)
add(
    _h(
        "my-lex-backtick",
        "lexer",
        "SELECT `a``b`, GET_LOCK('__LOCK__', 0) AS y FROM (SELECT 1 AS `a``b`) s",
        "a doubled backtick in an identifier",
    )
)
add(
    _h(
        "my-lex-nbsp-ident",
        "lexer",
        "SELECT id\u00a0, GET_LOCK('__LOCK__', 0) AS y FROM orders",
        "U+00A0 outside a comment",
    )
)

# --- (b) functions ----------------------------------------------------------------------------
_FUNCS = [
    ("loadfile", "LOAD_FILE('/etc/passwd')", "leak", "reads a server file"),
    ("loadfile-canary", "LOAD_FILE('__CANARY_FILE__')", "leak", "reads the canary file"),
    ("getlock", "GET_LOCK('__LOCK__', 0)", "effect", "a named lock that outlives the query"),
    ("sleep", "SLEEP(30)", "effect", "holds the connection"),
    ("benchmark", "BENCHMARK(100000000, MD5('x'))", "effect", "burns CPU"),
    ("gtidwait", "MASTER_GTID_WAIT('0-1-1000000', 30)", "effect", "waits for replication"),
    ("poswait", "MASTER_POS_WAIT('mysql-bin.000001', 4, 30)", "effect", "waits for replication"),
    ("lastid", "LAST_INSERT_ID(4242)", "effect", "sets the session's LAST_INSERT_ID"),
]
for short, call, harm, note in _FUNCS:
    name, _, args = call.partition("(")
    add(
        _h(f"my-fn-{short}", "function", f"SELECT {call} AS v FROM orders LIMIT 1", note, harm=harm)
    )
    add(
        _h(
            f"my-fn-{short}-lower",
            "function",
            f"SELECT {name.lower()}({args} AS v",
            note,
            harm=harm,
        )
    )
    add(
        _h(
            f"my-fn-{short}-mixed",
            "function",
            f"SELECT {name[:1].upper()}{name[1:].lower()}({args} AS v",
            f"{note}; mixed case",
            harm=harm,
        )
    )
    add(
        _h(
            f"my-fn-{short}-spaced",
            "function",
            f"SELECT {name} /**/ ({args} AS v",
            f"{note}; a comment before the parenthesis",
            harm=harm,
        )
    )
_MORE = [
    ("releaseall", "SELECT RELEASE_ALL_LOCKS() AS v", "effect", "drops named locks"),
    ("releaselock", "SELECT RELEASE_LOCK('__LOCK__') AS v", "effect", "drops a named lock"),
    ("isusedlock", "SELECT IS_USED_LOCK('__LOCK__') AS v", "leak", "other sessions' locks"),
    (
        "getlock-where",
        "SELECT id FROM orders WHERE GET_LOCK(CONCAT('__LOCK__', id), 0)",
        "effect",
        "one named lock per row",
    ),
    ("sleep-orderby", "SELECT id FROM orders ORDER BY SLEEP(0.1)", "effect", "a wait per row"),
    ("sleep-sub", "SELECT (SELECT SLEEP(30)) AS v", "effect", "a wait in a subquery"),
    (
        "uservar-assign",
        "SELECT @v := 42 AS v",
        "effect",
        "a user variable on the pooled connection",
    ),
    (
        "uservar-rows",
        "SELECT @a := @a + total AS running FROM orders",
        "effect",
        "user variables assigned per row",
    ),
    ("uservar-read", "SELECT @v AS v", "leak", "reads another query's variable"),
    ("uservar-sysvar", "SELECT @@datadir AS d, @@secure_file_priv AS s", "leak", "server settings"),
    ("uservar-global", "SELECT @@global.hostname AS h", "leak", "server host name"),
    ("nextval", "SELECT NEXTVAL(__HR__.seq_canary) AS v", "effect", "advances a sequence"),
    (
        "next-value-for",
        "SELECT NEXT VALUE FOR __HR__.seq_canary AS v",
        "effect",
        "advances a sequence",
    ),
    ("setval", "SELECT SETVAL(__HR__.seq_canary, 1000) AS v", "effect", "resets a sequence"),
    ("lastval", "SELECT LASTVAL(__HR__.seq_canary) AS v", "leak", "session sequence state"),
    (
        "extractvalue",
        "SELECT EXTRACTVALUE(1, CONCAT(0x7e, LOAD_FILE(__CANARY_FILE_HEX__))) AS v",
        "leak",
        "an error-based read: the message echoes the file",
    ),
    (
        "updatexml",
        "SELECT UPDATEXML(1, CONCAT(0x7e, (SELECT GROUP_CONCAT(ssn) FROM "
        "__HR__.salaries)), 1) AS v",
        "leak",
        "an error-based read of the canary table",
    ),
    (
        "loadfile-union",
        "SELECT name FROM customers UNION SELECT LOAD_FILE('/etc/passwd')",
        "leak",
        "a file read in a UNION branch",
    ),
    (
        "loadfile-concat",
        "SELECT CONCAT(name, LOAD_FILE('/etc/passwd')) AS v FROM customers",
        "leak",
        "a file read inside an allowed function",
    ),
    (
        "loadfile-quoted",
        "SELECT `LOAD_FILE`('/etc/passwd') AS v",
        "leak",
        "a backtick-quoted built-in",
    ),
    (
        "sysexec",
        "SELECT sys_exec('touch __CANARY_DIR__/pwned') AS v",
        "effect",
        "a UDF that runs a shell command",
    ),
    (
        "qualified-udf",
        "SELECT __HR__.evil() AS v",
        "effect",
        "a stored function in another database",
    ),
    (
        "gtidwait-where",
        "SELECT id FROM orders WHERE MASTER_GTID_WAIT('0-1-999999', 30) = 0",
        "effect",
        "a replication wait in WHERE",
    ),
    (
        "benchmark-case",
        "SELECT CASE WHEN 1 THEN BENCHMARK(50000000, SHA2('x', 512)) END AS v",
        "effect",
        "BENCHMARK in CASE",
    ),
    (
        "wait-gtid-mysql",
        "SELECT WAIT_FOR_EXECUTED_GTID_SET('x', 30) AS v",
        "effect",
        "MySQL's GTID wait",
    ),
    (
        "source-pos-wait",
        "SELECT SOURCE_POS_WAIT('log', 4, 30) AS v",
        "effect",
        "MySQL's replication wait",
    ),
    (
        "connection-id-kill",
        "SELECT CONNECTION_ID() AS v, SLEEP(30) AS w",
        "effect",
        "a wait beside an allowed function",
    ),
]
for short, sql, harm, note in _MORE:
    add(_h(f"my-fn-{short}", "function", sql, note, harm=harm))

# --- (c) tables outside the project -----------------------------------------------------------
_TABLES = [
    ("hr", "SELECT * FROM __HR__.salaries", "another database"),
    ("hr-count", "SELECT COUNT(*) FROM __HR__.salaries", "even a count leaks"),
    ("hr-backticks", "SELECT * FROM `__HR__`.`salaries`", "quoted"),
    ("hr-sameName", "SELECT * FROM __HR__.orders", "same name as a project table"),
    ("hr-join", "SELECT o.id, s.ssn FROM orders o JOIN __HR__.salaries s ON 1 = 1", "joined"),
    (
        "hr-join-qualified",
        "SELECT o.id, h.secret FROM __DB__.orders o JOIN __HR__.orders h USING (id)",
        "the project's own table qualified, the other not ours",
    ),
    ("hr-alias-orders", "SELECT * FROM __HR__.salaries AS orders", "aliased like a project table"),
    ("hr-scalar", "SELECT (SELECT ssn FROM __HR__.salaries LIMIT 1) AS s", "scalar subquery"),
    (
        "hr-union",
        "SELECT name FROM customers UNION ALL SELECT ssn FROM __HR__.salaries",
        "a UNION branch",
    ),
    (
        "hr-exists",
        "SELECT id FROM orders WHERE EXISTS (SELECT 1 FROM __HR__.salaries)",
        "blind read",
    ),
    (
        "cte-shadow-hr",
        "WITH salaries AS (SELECT 1 AS x) SELECT * FROM __HR__.salaries",
        "a CTE named like the canary table",
    ),
    (
        "cte-shadow-project",
        "WITH orders AS (SELECT * FROM __HR__.salaries) SELECT * FROM orders",
        "a CTE named like a project table wraps the canary",
    ),
    (
        "cte-shadow-scope",
        "SELECT * FROM (WITH salaries AS (SELECT 1 AS x) "
        "SELECT * FROM salaries) a, __HR__.salaries b",
        "the CTE covers one scope only",
    ),
    (
        "cte-shadow-qualified",
        "WITH orders AS (SELECT 1 AS x) SELECT * FROM __HR__.orders",
        "a CTE name must not exempt a qualified table",
    ),
    ("unknown", "SELECT * FROM salaries", "not in the project"),
    ("seq-engine", "SELECT * FROM seq_1_to_10", "the Sequence engine's virtual tables"),
    (
        "mysql-user",
        "SELECT User, Host, Password, authentication_string FROM mysql.user",
        "password hashes",
    ),
    ("mysql-priv", "SELECT * FROM mysql.global_priv", "password hashes as JSON"),
    ("mysql-db", "SELECT * FROM mysql.db", "grants"),
    ("mysql-upper", "SELECT * FROM MYSQL.USER", "upper case"),
    ("mysql-quoted", "SELECT * FROM `mysql`.`user`", "quoted"),
    ("mysql-servers", "SELECT * FROM mysql.servers", "federated server passwords"),
    ("mysql-join", "SELECT c.name, u.Password FROM customers c, mysql.user u", "joined"),
    (
        "is-processlist",
        "SELECT ID, INFO FROM information_schema.PROCESSLIST",
        "other sessions' SQL",
    ),
    (
        "is-processlist-lower",
        "SELECT info FROM information_schema.processlist WHERE info LIKE '%askdb-victim%'",
        "lower case",
    ),
    ("is-tables", "SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES", "every table"),
    (
        "is-columns",
        "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '__HR__'",
        "other databases' columns",
    ),
    ("is-uservars", "SELECT * FROM information_schema.USER_VARIABLES", "session variables"),
    ("is-privs", "SELECT * FROM information_schema.USER_PRIVILEGES", "privileges"),
    (
        "is-routines",
        "SELECT ROUTINE_DEFINITION FROM information_schema.ROUTINES",
        "routine sources",
    ),
    ("is-schemata", "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA", "databases"),
    ("ps-threads", "SELECT * FROM performance_schema.threads", "performance_schema"),
    (
        "ps-statements",
        "SELECT SQL_TEXT FROM performance_schema.events_statements_current",
        "other sessions' SQL",
    ),
    ("sys-processlist", "SELECT * FROM sys.processlist", "the sys schema"),
]
_TABLES += [
    ("secret", "SELECT * FROM secret_t", "a table of the project database not in its schema"),
    ("secret-qualified", "SELECT * FROM __DB__.secret_t", "database-qualified"),
    ("cte-shadow-secret", "WITH x AS (SELECT 1) SELECT * FROM secret_t", "beside a CTE"),
    (
        "cte-shadow-union",
        "(WITH secret_t AS (SELECT 'a' AS secret) SELECT secret FROM secret_t)"
        " UNION ALL (SELECT secret FROM secret_t)",
        "the CTE scope is one UNION branch",
    ),
    (
        "cte-shadow-scope-secret",
        "SELECT * FROM (WITH secret_t AS (SELECT 1 AS secret) "
        "SELECT * FROM secret_t) a, secret_t b",
        "the CTE covers one derived table only",
    ),
    (
        "cte-shadow-where",
        "SELECT * FROM orders WHERE id IN (WITH secret_t AS (SELECT 1 AS id) "
        "SELECT id FROM secret_t) AND EXISTS (SELECT 1 FROM secret_t)",
        "the CTE lives in one subquery",
    ),
    (
        "cte-self-ref",
        "WITH secret_t AS (SELECT * FROM secret_t) SELECT * FROM secret_t",
        "a non-recursive CTE's body names the real table",
    ),
    (
        "cte-qualified-secret",
        "WITH secret_t AS (SELECT 1 AS x) SELECT * FROM __DB__.secret_t",
        "a CTE name must not exempt the qualified real table",
    ),
]
for short, sql, note in _TABLES:
    add(_h(f"my-tbl-{short}", "table", sql, note, harm="leak"))

# --- (d) writes and DDL in disguise -----------------------------------------------------------
_WRITES = [
    (
        "outfile",
        "SELECT * FROM orders INTO OUTFILE '__CANARY_DIR__/orders.txt'",
        "writes a server file",
    ),
    ("dumpfile", "SELECT 'pwned' INTO DUMPFILE '__CANARY_DIR__/dump.bin'", "writes a server file"),
    (
        "outfile-hr",
        "SELECT * FROM __HR__.salaries INTO OUTFILE '__CANARY_DIR__/hr.txt'",
        "copies the canary table to a file",
    ),
    (
        "outfile-middle",
        "SELECT id INTO OUTFILE '__CANARY_DIR__/mid.txt' FROM orders",
        "INTO before FROM",
    ),
    ("into-var", "SELECT total INTO @v FROM orders LIMIT 1", "SELECT INTO a variable"),
    ("for-update", "SELECT * FROM orders FOR UPDATE", "row locks"),
    ("share-mode", "SELECT * FROM orders LOCK IN SHARE MODE", "row locks"),
    ("for-update-nowait", "SELECT * FROM orders FOR UPDATE NOWAIT", "row locks"),
    ("for-update-skip", "SELECT * FROM orders FOR UPDATE SKIP LOCKED", "row locks"),
    ("lock-tables", "LOCK TABLES orders WRITE", "table locks"),
    ("unlock-tables", "UNLOCK TABLES", "table locks"),
    ("handler-open", "HANDLER orders OPEN", "HANDLER keeps a table open"),
    ("handler-read", "HANDLER __HR__.salaries OPEN AS h", "HANDLER on the canary table"),
    ("do-lock", "DO GET_LOCK('__LOCK__', 0)", "DO"),
    ("do-sleep", "DO SLEEP(30)", "DO"),
    ("call", "CALL __HR__.evil_proc()", "CALL"),
    ("prepare", "PREPARE s FROM 'SELECT * FROM __HR__.salaries'", "PREPARE"),
    ("execute", "EXECUTE s", "EXECUTE"),
    ("execute-immediate", "EXECUTE IMMEDIATE 'SELECT * FROM __HR__.salaries'", "EXECUTE IMMEDIATE"),
    ("set-var", "SET @v = 42", "SET a user variable"),
    ("set-mode", "SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES'", "SET changes lexing"),
    ("set-global", "SET GLOBAL general_log = 1", "SET GLOBAL"),
    (
        "set-statement",
        "SET STATEMENT max_statement_time = 0 FOR SELECT SLEEP(30)",
        "SET STATEMENT lifts the timeout",
    ),
    (
        "set-statement-mode",
        "SET STATEMENT sql_mode = 'NO_BACKSLASH_ESCAPES' FOR SELECT 1",
        "SET STATEMENT changes lexing",
    ),
    ("set-names", "SET NAMES latin1", "SET NAMES"),
    ("set-rw", "SET SESSION TRANSACTION READ WRITE", "un-read-only the session"),
    ("multi", "SELECT 1; DELETE FROM orders", "two statements"),
    ("multi-lock", "SELECT 1; SELECT GET_LOCK('__LOCK__', 0)", "two statements"),
    (
        "multi-commit",
        "SELECT 1; COMMIT; SET SESSION TRANSACTION READ WRITE; CREATE TABLE __EVIL___mc (a INT)",
        "escapes the read-only transaction",
    ),
    ("insert", "INSERT INTO orders (id) VALUES (99999)", "INSERT"),
    ("replace", "REPLACE INTO customers (id, name) VALUES (1, 'pwned')", "REPLACE"),
    ("update", "UPDATE products SET price = 0", "UPDATE"),
    ("delete", "DELETE FROM customers", "DELETE"),
    (
        "delete-multi",
        "DELETE o FROM orders o JOIN customers c ON c.id = o.customer_id",
        "multi-table DELETE",
    ),
    ("truncate", "TRUNCATE TABLE orders", "TRUNCATE"),
    ("drop", "DROP TABLE orders", "DROP"),
    (
        "ctas",
        "CREATE TABLE __EVIL___t AS SELECT * FROM orders",
        "DDL commits the transaction implicitly",
    ),
    (
        "create-temp",
        "CREATE TEMPORARY TABLE __EVIL___tmp AS SELECT * FROM orders",
        "a temporary table on the pooled connection",
    ),
    ("alter", "ALTER TABLE orders ADD COLUMN pwned INT", "ALTER"),
    ("rename", "RENAME TABLE orders TO __EVIL___o", "RENAME"),
    ("create-user", "CREATE USER '__EVIL___u'@'%' IDENTIFIED BY 'x'", "CREATE USER"),
    ("grant", "GRANT ALL ON *.* TO '__EVIL___u'@'%'", "GRANT"),
    ("flush", "FLUSH PRIVILEGES", "FLUSH"),
    ("kill", "KILL __VICTIM__", "kills the victim connection"),
    ("kill-query", "KILL QUERY __VICTIM__", "kills the victim's query"),
    ("show-grants", "SHOW GRANTS", "SHOW"),
    ("show-processlist", "SHOW FULL PROCESSLIST", "other sessions' SQL"),
    ("show-variables", "SHOW VARIABLES", "server settings"),
    ("describe", "DESCRIBE __HR__.salaries", "DESCRIBE"),
    ("explain", "EXPLAIN SELECT * FROM orders", "EXPLAIN"),
    (
        "analyze-stmt",
        "ANALYZE SELECT GET_LOCK('__LOCK__', 0)",
        "MariaDB's ANALYZE statement runs the query",
    ),
    ("analyze-table", "ANALYZE TABLE orders", "ANALYZE TABLE"),
    ("optimize", "OPTIMIZE TABLE orders", "OPTIMIZE"),
    ("load-data", "LOAD DATA INFILE '/etc/passwd' INTO TABLE orders", "LOAD DATA"),
    ("load-xml", "LOAD XML INFILE '/etc/passwd' INTO TABLE orders", "LOAD XML"),
    ("install", "INSTALL SONAME 'ha_connect'", "loads a plugin"),
    ("xa", "XA START 'askdb'", "XA transaction"),
    ("begin", "BEGIN", "transaction control"),
    ("commit", "COMMIT", "transaction control"),
    ("start-rw", "START TRANSACTION READ WRITE", "transaction control"),
    ("savepoint", "SAVEPOINT s", "transaction control"),
    ("use", "USE __HR__", "switches the pooled connection's database"),
    ("procedure-analyse", "SELECT id FROM orders PROCEDURE ANALYSE()", "PROCEDURE clause"),
    ("values-then-write", "VALUES (1); DROP TABLE orders", "a write after VALUES"),
    ("cte-delete", "WITH x AS (SELECT 1) DELETE FROM orders", "a CTE before a DELETE"),
    (
        "create-event",
        "CREATE EVENT __EVIL___e ON SCHEDULE EVERY 1 HOUR DO DELETE FROM orders",
        "CREATE EVENT",
    ),
]
for short, sql, note in _WRITES:
    harm = "leak" if short.startswith(("show", "describe", "explain", "handler-read")) else "effect"
    add(_h(f"my-wr-{short}", "write", sql, note, harm=harm))

# --- (e) resource and limit abuse -------------------------------------------------------------
_RESOURCE = [
    (
        "limit-big",
        "SELECT a.id, b.id AS b_id, c.id AS c_id, REPEAT(a.note, 4) AS pad "
        "FROM orders a, orders b, orders c LIMIT 1000000",
        "a LIMIT above the row cap over big rows",
    ),
    (
        "limit-max",
        "SELECT a.id, b.id AS b_id FROM orders a, orders b, orders c LIMIT 18446744073709551615",
        "the largest LIMIT",
    ),
    (
        "limit-offset",
        "SELECT a.*, b.note AS n FROM orders a, orders b LIMIT 0, 1000000",
        "LIMIT offset, count",
    ),
    ("big-row", "SELECT REPEAT('x', 15000000) AS big", "one 15 MB row (max_allowed_packet)"),
    ("big-rows", "SELECT REPEAT('x', 1000000) AS mb FROM orders LIMIT 200", "200 x 1 MB"),
    ("big-rows-nolimit", "SELECT REPEAT('x', 1000000) AS mb, id FROM orders", "300 x 1 MB"),
    (
        "cross-count",
        "SELECT COUNT(*) FROM orders a, orders b, orders c, orders d",
        "8 x 10^9 rows counted",
    ),
    (
        "cross-rows",
        "SELECT a.id, b.id AS b_id FROM orders a, orders b, orders c",
        "no LIMIT: 27 million rows",
    ),
    (
        "recursive",
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r "
        "WHERE n < 100000000) SELECT COUNT(*) FROM r",
        "a long recursive CTE",
    ),
    (
        "recursive-rows",
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r "
        "WHERE n < 10000000) SELECT n, REPEAT('y', 1000) AS pad FROM r",
        "10 GB of rows",
    ),
    (
        "group-concat",
        "SELECT GROUP_CONCAT(REPEAT(a.note, 10)) AS g FROM orders a, orders b, orders c",
        "a big aggregate over a cross join",
    ),
    (
        "calc-found",
        "SELECT SQL_CALC_FOUND_ROWS a.id FROM orders a, orders b, orders c, orders d LIMIT 1",
        "SQL_CALC_FOUND_ROWS scans everything",
    ),
    ("regexp", "SELECT REPEAT('a', 100000) REGEXP '(a*)*b' AS m", "regex backtracking"),
    (
        "order-rand",
        "SELECT a.id FROM orders a, orders b, orders c ORDER BY RAND() LIMIT 1",
        "a sort of 27 million rows",
    ),
]
# Naive substring search: haystack x needle in one call, which no KILL stops.
_RESOURCE += [
    (
        "locate",
        "SELECT LOCATE(CONCAT(REPEAT('a', 2000), 'b'), REPEAT('a', 2000000)) AS p",
        "LOCATE of a long needle",
    ),
    (
        "instr",
        "SELECT INSTR(REPEAT('a', 2000000), CONCAT(REPEAT('a', 2000), 'b')) AS p",
        "INSTR of a long needle",
    ),
    (
        "position",
        "SELECT POSITION(CONCAT(REPEAT('a', 2000), 'b') IN REPEAT('a', 2000000)) AS p",
        "POSITION ... IN",
    ),
]
_RESOURCE += [
    (
        "replace-search",
        "SELECT LENGTH(REPLACE(REPEAT('a', 2500000), CONCAT(REPEAT('a', 2500), 'b'), 'x')) AS n",
        "REPLACE searching for a long needle",
    ),
    (
        "like-long",
        "SELECT REPEAT('a', 600000) LIKE CONCAT('%', REPEAT('a', 700), 'b%') AS m",
        "LIKE with a long literal between wildcards",
    ),
    (
        "substring-index",
        "SELECT LENGTH(SUBSTRING_INDEX(REPEAT('a', 1500000), "
        "CONCAT(REPEAT('a', 1500), 'b'), 1)) AS n",
        "SUBSTRING_INDEX with a long delimiter",
    ),
    (
        "json-search",
        "SELECT JSON_SEARCH(CONCAT('[\"', REPEAT('a', 600000), '\"]'), 'one', "
        "CONCAT('%', REPEAT('a', 700), 'b%')) AS p",
        "JSON_SEARCH with a long pattern",
    ),
    (
        "wide-row",
        "SELECT REPEAT('a', 15000000) AS a, REPEAT('b', 15000000) AS b, "
        "REPEAT('c', 15000000) AS c, REPEAT('d', 15000000) AS d, REPEAT('e', 15000000) AS e, "
        "REPEAT('f', 15000000) AS f, REPEAT('g', 15000000) AS g, REPEAT('h', 15000000) AS h, "
        "REPEAT('i', 15000000) AS i, REPEAT('j', 15000000) AS j",
        "one 150 MB row of ten columns",
    ),
]
_ROW_MB = {"big-row": 15, "group-concat": 1, "wide-row": 150}
for short, sql, note in _RESOURCE:
    add(
        _h(
            f"my-res-{short}",
            "resource",
            sql,
            note,
            harm="overrun",
            expect="either",
            row_mb=_ROW_MB.get(short, 0),
        )
    )
