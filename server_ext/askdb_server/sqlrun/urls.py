"""Database URLs of user databases: validation, driver choice and redaction.

A URL's query string goes to the driver as connection options, and some options change what
the database does with every statement (``options=-c standard_conforming_strings=off``,
``init_command``, ``sql_mode``, ``local_infile``) or make the driver read files of the server
(``service``, ``read_default_file``). So each driver has an allow-list of options
(``QUERY_OPTIONS``): anything else is refused when the URL is parsed, before any connection.
"""

from __future__ import annotations

import re
from urllib.parse import quote, quote_plus

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from ..errors import InvalidDatabaseURLError

# backend name -> (driver we install, sqlglot dialect)
SUPPORTED_BACKENDS: dict[str, tuple[str | None, str]] = {
    "sqlite": (None, "sqlite"),
    "postgresql": ("psycopg", "postgres"),
    "postgres": ("psycopg", "postgres"),
    "mysql": ("pymysql", "mysql"),
    "mariadb": ("pymysql", "mysql"),
    "duckdb": (None, "duckdb"),
}

# Options that name a file on the server (a certificate, a key, a password file). They are
# harmless on a personal server and refused in shared deployments (sqlrun/targets.py).
FILE_OPTIONS: dict[str, frozenset[str]] = {
    "postgresql": frozenset(
        {"sslrootcert", "sslcert", "sslkey", "sslcrl", "sslcrldir", "passfile"}
    ),
    "mysql": frozenset({"ssl_ca", "ssl_cert", "ssl_key", "ssl_capath"}),
}
FILE_OPTIONS["mariadb"] = FILE_OPTIONS["mysql"]

_ANY = None  # an option whose value is free text (the driver quotes it)
_INT = re.compile(r"[0-9]{1,9}")
_BOOL = frozenset({"0", "1", "true", "false", "yes", "no", "on", "off"})
_PG_SSLMODES = frozenset({"disable", "allow", "prefer", "require", "verify-ca", "verify-full"})
_PG_TLS_VERSIONS = frozenset({"TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"})
# MySQL escapes with backslashes; in GBK, Big5 or SJIS a multi-byte character may end in the
# byte 0x5c and hide an escape from any parser that reads the text as UTF-8. Only charsets
# in which 0x5c is always a backslash pass.
_MYSQL_CHARSETS = frozenset({"utf8mb4", "utf8", "utf8mb3", "latin1", "ascii"})

# backend -> option -> allowed values (a set), a pattern, or _ANY. Not listed: refused. Among
# those refused on purpose: PostgreSQL's options, service, host, hostaddr, port, dbname, user,
# client_encoding, replication; MySQL's init_command, sql_mode, local_infile, client_flag,
# autocommit, read_default_file, read_default_group, unix_socket, defer_connect; every SQLite
# and DuckDB option (SQLite files are opened read-only by path; DuckDB options are its config).
QUERY_OPTIONS: dict[str, dict[str, object]] = {
    "postgresql": {
        "sslmode": _PG_SSLMODES,
        "connect_timeout": _INT,
        "application_name": _ANY,
        "fallback_application_name": _ANY,
        "keepalives": frozenset({"0", "1"}),
        "keepalives_idle": _INT,
        "keepalives_interval": _INT,
        "keepalives_count": _INT,
        "tcp_user_timeout": _INT,
        "sslsni": frozenset({"0", "1"}),
        "sslcompression": frozenset({"0", "1"}),
        "ssl_min_protocol_version": _PG_TLS_VERSIONS,
        "ssl_max_protocol_version": _PG_TLS_VERSIONS,
        "sslnegotiation": frozenset({"postgres", "direct"}),
        "sslcertmode": frozenset({"disable", "allow", "require"}),
        "gssencmode": frozenset({"disable", "prefer", "require"}),
        "channel_binding": frozenset({"disable", "prefer", "require"}),
        "require_auth": re.compile(r"!?[a-z0-9-]+(,!?[a-z0-9-]+)*"),
        "target_session_attrs": frozenset(
            {"any", "read-write", "read-only", "primary", "standby", "prefer-standby"}
        ),
        "krbsrvname": _ANY,
        "sslpassword": _ANY,
        **{name: _ANY for name in FILE_OPTIONS["postgresql"]},
    },
    "mysql": {
        "charset": _MYSQL_CHARSETS,
        "connect_timeout": _INT,
        "read_timeout": _INT,
        "write_timeout": _INT,
        "program_name": _ANY,
        "ssl_check_hostname": _BOOL,
        "ssl_verify_cert": _BOOL,
        "ssl_verify_identity": _BOOL,
        "ssl_disabled": _BOOL,
        **{name: _ANY for name in FILE_OPTIONS["mysql"]},
    },
    "sqlite": {},
    "duckdb": {},
}
QUERY_OPTIONS["mariadb"] = QUERY_OPTIONS["mysql"]

# Query parameters whose values are credentials, whatever the driver: redacted everywhere.
_SECRET_NAME = re.compile(r"pass|pwd|secret|token|key|credential|auth|signature", re.I)
# A "key=value" or "key: value" of such a parameter inside free text (a driver's message).
_SECRET_IN_TEXT = re.compile(
    r"""(?ix)\b([a-z_]*(?:password|passwd|pwd|secret|token|api_?key|access_?key)[a-z_]*)
        (\s*[=:]\s*)('[^']*'|"[^"]*"|[^\s&;,'")]+)"""
)
# The password of a URL written inside free text: scheme://user:password@
_USERINFO_IN_TEXT = re.compile(r"([a-z][a-z0-9+.-]*://[^\s:/@]*):[^\s@/]*@", re.I)
MASK = "***"


def parse_database_url(url: str) -> URL:
    """Parse and normalise a user database URL, or raise ``InvalidDatabaseURLError``.

    A ``password`` or ``user`` query parameter moves into the URL's user part (so that
    redaction and the store-credential check see it); query options outside the driver's
    allow-list are refused.
    """
    if not isinstance(url, str) or not url.strip():
        raise InvalidDatabaseURLError("The database URL is empty.")
    if "\x00" in url:
        raise InvalidDatabaseURLError("The database URL contains a NUL character.")
    try:
        parsed = make_url(url.strip())
    except (ArgumentError, ValueError) as e:
        raise InvalidDatabaseURLError(
            f"Not a database URL: {redact(url)!r}. Expected e.g. sqlite:///path/to/file.db "
            "or postgresql://user@host/dbname."
        ) from e
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED_BACKENDS:
        raise InvalidDatabaseURLError(
            f"Unsupported database {backend!r}; "
            "supported: sqlite, postgresql, mysql, mariadb, duckdb."
        )
    driver, _ = SUPPORTED_BACKENDS[backend]
    if backend == "postgres":
        parsed = parsed.set(drivername="postgresql" + parsed.drivername[len("postgres") :])
        backend = "postgresql"
    if driver and parsed.drivername == backend:
        parsed = parsed.set(drivername=f"{backend}+{driver}")
    elif driver and parsed.drivername != f"{backend}+{driver}":
        raise InvalidDatabaseURLError(
            f"Unsupported driver {parsed.drivername!r}: write {backend}:// "
            f"(AskDB connects with {driver})."
        )
    return _checked_query(_credentials_in_userinfo(parsed))


def _credentials_in_userinfo(url: URL) -> URL:
    query = dict(url.query)
    moves = {"password": "password", "user": "username"}
    for option, attribute in moves.items():
        if option not in query:
            continue
        value = query.pop(option)
        if not isinstance(value, str):
            raise InvalidDatabaseURLError(f"The URL gives {option!r} more than once.")
        if getattr(url, attribute) not in (None, ""):
            raise InvalidDatabaseURLError(
                f"The URL gives the {attribute} twice (before the host and as ?{option}=)."
            )
        url = url.set(password=value) if attribute == "password" else url.set(username=value)
    return url.set(query=query)


def _checked_query(url: URL) -> URL:
    backend = url.get_backend_name()
    allowed = QUERY_OPTIONS[backend]
    for name, value in url.query.items():
        if name not in allowed:
            accepted = ", ".join(sorted(allowed)) or "none"
            raise InvalidDatabaseURLError(
                f"The connection option {name!r} is not allowed for {backend} "
                f"(accepted: {accepted}).",
                option=name,
            )
        if not isinstance(value, str):
            raise InvalidDatabaseURLError(f"The URL gives {name!r} more than once.", option=name)
        rule = allowed[name]
        ok = (
            rule is _ANY
            or (isinstance(rule, frozenset) and value.lower() in {v.lower() for v in rule})
            or (isinstance(rule, re.Pattern) and rule.fullmatch(value) is not None)
        )
        if not ok:
            shown = MASK if is_secret_option(name) else repr(value)
            raise InvalidDatabaseURLError(
                f"The connection option {name}={shown} is not accepted for {backend}.",
                option=name,
            )
    return url


def is_secret_option(name: str) -> bool:
    """Whether a query parameter of that name holds a credential (and is never shown)."""
    return _SECRET_NAME.search(name) is not None


def sqlglot_dialect(url: URL | str) -> str:
    """The sqlglot dialect name for a database URL."""
    parsed = make_url(url) if isinstance(url, str) else url
    return SUPPORTED_BACKENDS[parsed.get_backend_name()][1]


def redact(url: URL | str) -> str:
    """The URL with its password and every credential query parameter replaced by ``***``
    (safe to show, return, log and store)."""
    try:
        parsed = make_url(url) if isinstance(url, str) else url
    except (ArgumentError, ValueError):
        return "<unparseable URL>"
    base = parsed.set(query={}).render_as_string(hide_password=True)
    pairs = []
    for name, values in parsed.query.items():
        for value in (values,) if isinstance(values, str) else values:
            shown = MASK if is_secret_option(name) else quote_plus(value)
            pairs.append(f"{quote_plus(name)}={shown}")
    return base + ("?" + "&".join(pairs) if pairs else "")


def secrets_of(url: URL | str | None) -> list[str]:
    """Every credential a URL carries: its password and its secret query values."""
    if url is None:
        return []
    try:
        parsed = make_url(url) if isinstance(url, str) else url
    except (ArgumentError, ValueError):
        return []
    found = [str(parsed.password)] if parsed.password else []
    for name, values in parsed.query.items():
        if is_secret_option(name):
            found.extend((values,) if isinstance(values, str) else values)
    return [s for s in found if s]


def scrub(text: str, url: URL | str | None = None) -> str:
    """``text`` (a driver's message, a log line) with every secret of ``url`` replaced by
    ``***``, in plain and URL-quoted forms, and any ``password=…`` or ``user:password@`` it
    contains masked whatever URL it came from."""
    if not text:
        return text
    if isinstance(url, str):
        try:
            make_url(url)
        except (ArgumentError, ValueError):
            text = text.replace(url, "<unparseable URL>")
    for secret in sorted(set(secrets_of(url)), key=len, reverse=True):
        for form in {secret, quote(secret, safe=""), quote_plus(secret)}:
            if len(form) >= 4:
                text = text.replace(form, MASK)
            else:  # a very short secret: only where it stands alone, not inside words
                text = re.sub(rf"(?<![A-Za-z0-9]){re.escape(form)}(?![A-Za-z0-9])", MASK, text)
    text = _USERINFO_IN_TEXT.sub(rf"\1:{MASK}@", text)
    return _SECRET_IN_TEXT.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)


def render(url: URL) -> str:
    """The full URL, password included: for storing encrypted and for the driver only."""
    return url.render_as_string(hide_password=False)
