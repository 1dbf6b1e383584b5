"""Database URLs: per-driver allow-lists of connection options, and credentials redacted in
every rendering (responses, errors, logs, stored messages)."""

from __future__ import annotations

import sqlite3

import pytest

from askdb_server.errors import InvalidDatabaseURLError
from askdb_server.sqlrun.connections import unreachable
from askdb_server.sqlrun.urls import parse_database_url, redact, render, scrub
from tests.helpers.shop import SHOP_DDL


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u@h/db?sslmode=require&connect_timeout=5&application_name=askdb",
        "postgresql://u@h/db?sslmode=verify-full&sslrootcert=/etc/ssl/ca.pem",
        "postgresql://u@h/db?keepalives=1&target_session_attrs=read-only",
        "postgresql://u@h/db?sslpassword=x&sslcert=/c.pem&sslkey=/k.pem",
        "mysql://u@h/db?charset=utf8mb4&connect_timeout=5",
        "mariadb://u@h/db?charset=latin1&read_timeout=30&ssl_ca=/ca.pem",
        "sqlite:////tmp/x.db",
        "duckdb:////tmp/x.duckdb",
    ],
)
def test_harmless_options_pass(url):
    assert parse_database_url(url).query == parse_database_url(url).query  # no error


@pytest.mark.parametrize(
    "url,option",
    [
        ("postgresql://u@h/db?options=-c%20standard_conforming_strings%3Doff", "options"),
        ("postgresql://u@h/db?service=prod", "service"),
        ("postgresql://u@h/db?host=/var/run/postgresql", "host"),
        ("postgresql://u@h/db?host=127.0.0.1", "host"),
        ("postgresql://u@h/db?hostaddr=127.0.0.1", "hostaddr"),
        ("postgresql://u@h/db?port=5433", "port"),
        ("postgresql://u@h/db?dbname=other", "dbname"),
        ("postgresql://u@h/db?client_encoding=SJIS", "client_encoding"),
        ("postgresql://u@h/db?replication=database", "replication"),
        ("postgresql://u@h/db?sslmode=bogus", "sslmode"),
        ("postgresql://u@h/db?connect_timeout=5s", "connect_timeout"),
        ("postgresql://u@h/db?sslmode=require&sslmode=disable", "sslmode"),
        ("mysql://u@h/db?init_command=SET%20sql_mode%3D%27%27", "init_command"),
        ("mysql://u@h/db?sql_mode=NO_BACKSLASH_ESCAPES", "sql_mode"),
        ("mysql://u@h/db?local_infile=1", "local_infile"),
        ("mysql://u@h/db?read_default_file=/etc/mysql/my.cnf", "read_default_file"),
        ("mysql://u@h/db?read_default_group=client", "read_default_group"),
        ("mysql://u@h/db?autocommit=true", "autocommit"),
        ("mysql://u@h/db?client_flag=128", "client_flag"),
        ("mysql://u@h/db?unix_socket=/run/mysqld/mysqld.sock", "unix_socket"),
        ("mysql://u@h/db?charset=gbk", "charset"),
        ("mysql://u@h/db?charset=sjis", "charset"),
        ("mariadb://u@h/db?init_command=x", "init_command"),
        ("sqlite:////tmp/x.db?mode=rw", "mode"),
        ("sqlite:////tmp/x.db?uri=true", "uri"),
        ("duckdb:////tmp/x.duckdb?enable_external_access=true", "enable_external_access"),
        ("duckdb:///:memory:?allow_unsigned_extensions=true", "allow_unsigned_extensions"),
    ],
)
def test_options_outside_the_allow_list_are_refused(url, option):
    with pytest.raises(InvalidDatabaseURLError) as e:
        parse_database_url(url)
    assert e.value.details.get("option") == option


def test_other_drivers_than_ours_are_refused():
    for url in ("postgresql+psycopg2://u@h/db", "mysql+mysqldb://u@h/db", "postgres+pg8000://h/d"):
        with pytest.raises(InvalidDatabaseURLError):
            parse_database_url(url)
    assert parse_database_url("postgres://u@h/db").drivername == "postgresql+psycopg"


def test_a_query_password_becomes_the_url_password():
    url = parse_database_url("postgresql://u@h/db?password=s3cr%26t&sslmode=require")
    assert url.password == "s3cr&t" and dict(url.query) == {"sslmode": "require"}
    url = parse_database_url("mysql://h/db?user=bob&password=pw")
    assert (url.username, url.password) == ("bob", "pw")
    with pytest.raises(InvalidDatabaseURLError):
        parse_database_url("postgresql://u:one@h/db?password=two")
    with pytest.raises(InvalidDatabaseURLError):
        parse_database_url("postgresql://u@h/db?password=a&password=b")


SECRET = "Sup3r-s3cret"
SECRET_URLS = [
    f"postgresql://u:{SECRET}@h/db",
    f"postgresql://u@h/db?password={SECRET}",
    f"postgresql://u@h/db?sslpassword={SECRET}&sslmode=require",
    f"postgresql://u:{SECRET.replace('-', '%2D')}@h/db",
    f"mysql://u@h/db?password={SECRET}",
    f"duckdb:///md:db?motherduck_token={SECRET}",
    f"postgresql://u@h/db?token={SECRET}",
    f"postgresql://u@h/db?access_token={SECRET}",
    f"postgresql://u@h/db?api_key={SECRET}",
    f"postgresql://u@h/db?secret={SECRET}",
    f"postgresql://u@h/db?key={SECRET}",
    f"postgresql://u@h/db?PASSWORD={SECRET}",
    f"postgresql://u@h/db?pwd={SECRET}",
]


@pytest.mark.parametrize("url", SECRET_URLS)
def test_redact_hides_every_credential(url):
    assert SECRET not in redact(url)
    try:
        parsed = parse_database_url(url)
    except InvalidDatabaseURLError as e:
        assert SECRET not in str(e)
        return
    assert SECRET not in redact(parsed) and SECRET not in redact(render(parsed))
    assert "***" in redact(parsed)


def test_redact_keeps_what_is_not_secret():
    url = "postgresql+psycopg://u:pw@h:5432/db?sslmode=require&application_name=a+b"
    assert (
        redact(url) == "postgresql+psycopg://u:***@h:5432/db?sslmode=require&application_name=a+b"
    )
    assert redact("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert redact("::not a url::") == "<unparseable URL>"


@pytest.mark.parametrize(
    "text",
    [
        f'FATAL: could not connect with password "{SECRET}"',
        f"connection string: host=h password={SECRET} dbname=db",
        f"bad dsn postgresql://u:{SECRET}@h/db",
        f"sslpassword='{SECRET}' rejected",
        f"token: {SECRET}",
    ],
)
def test_scrub_removes_a_urls_secrets_from_any_text(text):
    assert SECRET not in scrub(text, f"postgresql://u@h/db?password={SECRET}")
    assert SECRET not in scrub(text, f"postgresql://u:{SECRET}@h/db")
    assert SECRET not in scrub(text, f"postgresql://u@h/db?sslpassword={SECRET}")


def test_scrub_removes_quoted_forms_of_a_secret():
    url = parse_database_url("postgresql://u:p%40ss%20w0rd%21@h/db")
    for form in ("p@ss w0rd!", "p%40ss%20w0rd%21", "p%40ss+w0rd%21"):
        assert "w0rd" not in scrub(f"failed near {form} here", url)


def test_scrub_masks_secret_shaped_text_of_any_url_and_spares_words():
    assert scrub("password=hunter2 failed", None) == "password=*** failed"
    assert scrub("mysql://root:hunter2@db failed", None) == "mysql://root:***@db failed"
    # a short password is masked where it stands alone, not inside other words
    assert scrub("user ab: abc failed for ab", "postgresql://u:ab@h/db") == (
        "user ***: abc failed for ***"
    )


def test_unreachable_errors_hide_a_query_password():
    url = parse_database_url(f"postgresql://u@127.0.0.1:1/db?password={SECRET}")
    error = unreachable(url, f"could not connect: password {SECRET} rejected")
    assert SECRET not in error.message and SECRET not in str(error.to_problem())


# -- over REST: responses, errors and stored messages never carry the password --------------
async def test_a_query_password_never_leaves_the_server(api, jp_serverapp, tmp_path):
    url = f"postgresql://postgres@127.0.0.1:1/nowhere?password={SECRET}&sslmode=disable"
    status, project = await api(
        "POST", "projects", {"name": "p", "connection_url": url, "allow_value_lookup": False}
    )
    assert status == 201, project
    assert SECRET not in str(project)
    assert project["connection_url"].startswith("postgresql+psycopg://postgres:***@127.0.0.1:1/")
    pid = project["id"]
    status, listed = await api("GET", "projects")
    assert SECRET not in str(listed)
    status, patched = await api("PATCH", f"projects/{pid}", {"connection_url": url + "&x=1"})
    assert status == 400 and SECRET not in str(patched)
    status, problem = await api("POST", f"projects/{pid}/run", {"sql": "SELECT 1"})
    assert status == 502 and problem["code"] == "database_unreachable"
    assert SECRET not in str(problem)
    status, problem = await api("POST", f"projects/{pid}/schemas", {"introspect": True})
    assert status == 502 and SECRET not in str(problem)
    assert (await api("POST", f"projects/{pid}/schemas", {"ddl": SHOP_DDL}))[0] == 201
    status, conv = await api("POST", f"projects/{pid}/conversations", {"title": "t"})
    status, problem = await api(
        "POST",
        f"projects/{pid}/ask",
        {"question": "how many customers are there?", "conversation_id": conv["id"]},
    )
    assert status == 502 and SECRET not in str(problem), problem
    status, full = await api("GET", f"conversations/{conv['id']}")
    assert [m["status"] for m in full["messages"]] == ["error"]
    assert full["messages"][0]["error"]["code"] == "database_unreachable"
    assert SECRET not in str(full)
    status, audit = await api("GET", "audit")
    assert SECRET not in str(audit)
    # nor is it anywhere in the store in plaintext (the URL is encrypted at rest)
    data_dir = tmp_path / "askdb-data"
    with sqlite3.connect(data_dir / "askdb.sqlite") as con:
        con.execute("PRAGMA wal_checkpoint(FULL)")
        rows = [
            r
            for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'")
            for r in con.execute(f'SELECT * FROM "{table}"')
        ]
    assert SECRET not in str(rows)
    for path in data_dir.glob("askdb.sqlite*"):
        assert not path.is_file() or SECRET.encode() not in path.read_bytes()
