"""The connection-target policy: the metadata store, the data directory, private networks and
files outside allowed folders are refused, however the URL spells them, at project creation, at
every URL change and before every query."""

from __future__ import annotations

import os
import socket
import sqlite3
from pathlib import Path

import pytest
from traitlets import TraitError

from askdb_server.app import AskDBApp
from askdb_server.errors import (
    ConnectionNotAllowedError,
    DatabaseUnreachableError,
    InvalidDatabaseURLError,
)
from askdb_server.services import Services, Settings
from askdb_server.sqlrun.targets import TargetPolicy, TargetRules
from askdb_server.sqlrun.urls import parse_database_url
from tests.helpers.servers import HeaderIdentityProvider, askdb_server_config
from tests.helpers.shop import SHOP_DDL

REFUSED = (ConnectionNotAllowedError, InvalidDatabaseURLError)
SHARED = TargetRules(shared=True)
LOCAL = TargetRules(shared=False)


def check(policy: TargetPolicy, url: str):
    return policy.check(parse_database_url(url))


def refusal(policy: TargetPolicy, url: str) -> str:
    """The rule that refuses ``url`` ('invalid_url' when it does not even parse)."""
    try:
        check(policy, url)
    except ConnectionNotAllowedError as e:
        return e.rule
    except InvalidDatabaseURLError:
        return "invalid_url"
    return "allowed"


def _sqlite(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE IF NOT EXISTS t (a INTEGER)")
    return path


@pytest.fixture
def layout(tmp_path, monkeypatch):
    """A data dir with its store, a store kept outside it, a symlink and a hard link to that
    store, a home folder with a link to it, and a folder of user databases."""
    data = tmp_path / "data"
    store = _sqlite(data / "askdb.sqlite")
    (data / "askdb_secret.key").write_text("k")
    outside = _sqlite(tmp_path / "elsewhere" / "store.sqlite")
    links = tmp_path / "links"
    links.mkdir()
    (links / "store-link.db").symlink_to(outside)
    os.link(outside, links / "store-hard.db")
    (links / "datadir").symlink_to(data, target_is_directory=True)
    home = tmp_path / "home"
    home.mkdir()
    (home / "s.db").symlink_to(outside)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path / "elsewhere")
    user_dbs = tmp_path / "dbs"
    shop = _sqlite(user_dbs / "shop.db")
    (user_dbs / "escape.db").symlink_to(outside)
    return {
        "tmp": tmp_path,
        "data": data,
        "store": store,
        "outside": outside,
        "links": links,
        "dbs": user_dbs,
        "shop": shop,
    }


def _policy(layout, rules: TargetRules, store: str = "store") -> TargetPolicy:
    return TargetPolicy(
        rules,
        data_dir=layout["data"],
        store_url=f"sqlite:///{layout[store]}",
        protected_files=[layout["data"] / "askdb_secret.key"],
    )


# Spellings of the store kept outside the data dir (so that only its identity refuses it).
OUTSIDE_STORE_SPELLINGS = [
    "sqlite:///{outside}",
    "sqlite:////{outside}",  # doubled slashes
    "sqlite://///{outside}",
    "sqlite:///{tmp}/elsewhere/./store.sqlite",
    "sqlite:///{tmp}//elsewhere//store.sqlite",
    "sqlite:///{tmp}/dbs/../elsewhere/store.sqlite",
    "sqlite:///store.sqlite",  # relative to the working directory
    "sqlite:///./store.sqlite",
    "sqlite:///../elsewhere/store.sqlite",
    "sqlite:///{links}/store-link.db",  # symlink
    "sqlite:///{links}/store-hard.db",  # hard link: same inode
    "sqlite:///~/s.db",  # home folder, then a symlink
    "sqlite+pysqlite:///{outside}",
    "duckdb:///{outside}",
    "duckdb:///{links}/store-hard.db",
]
# URI spellings, refused as such (or as unparseable) whatever they point at.
URI_SPELLINGS = [
    "sqlite:///file:{outside}",
    "sqlite:///file://{outside}",
    "sqlite:///file:{outside}?mode=ro&uri=true",
    "sqlite:///FILE:{outside}",
    "duckdb:///file:{outside}",
    "duckdb:///md:store",
    "SQLITE:///{outside}",
    "Sqlite:///{outside}",
]
DATA_DIR_SPELLINGS = [
    "sqlite:///{data}/askdb.sqlite",
    "sqlite:///{data}/askdb_secret.key",
    "sqlite:///{data}/lancedb/x.lance",
    "sqlite:///{links}/datadir/askdb.sqlite",
    "sqlite:///{data}/../data/askdb.sqlite",
    "duckdb:///{data}/askdb.sqlite",
    "duckdb:///{data}/new.duckdb",
]


@pytest.mark.parametrize("rules", [SHARED, LOCAL], ids=["shared", "local"])
@pytest.mark.parametrize("spelling", OUTSIDE_STORE_SPELLINGS + URI_SPELLINGS)
def test_the_store_file_is_refused_however_spelled(layout, rules, spelling):
    policy = _policy(layout, rules, store="outside")
    url = spelling.format(**layout)
    assert refusal(policy, url) in ("metadata_store", "file_uri", "invalid_url", "sqlite_roots")
    if rules is LOCAL or spelling in URI_SPELLINGS:  # no roots rule in local mode
        assert refusal(policy, url) in ("metadata_store", "file_uri", "invalid_url")


@pytest.mark.parametrize("rules", [SHARED, LOCAL], ids=["shared", "local"])
@pytest.mark.parametrize("spelling", DATA_DIR_SPELLINGS)
def test_the_data_dir_is_refused(layout, rules, spelling):
    policy = _policy(layout, rules)
    assert refusal(policy, spelling.format(**layout)) in ("metadata_store", "data_dir")


def test_the_data_dir_stays_refused_inside_an_allowed_root(layout):
    policy = _policy(layout, TargetRules(shared=True, sqlite_roots=(str(layout["tmp"]),)))
    assert refusal(policy, f"sqlite:///{layout['data']}/askdb.sqlite") == "metadata_store"
    assert refusal(policy, f"sqlite:///{layout['links']}/datadir/x.db") == "data_dir"
    assert refusal(policy, f"sqlite:///{layout['shop']}") == "allowed"


def test_files_in_shared_mode_need_allowed_roots(layout):
    shop = f"sqlite:///{layout['shop']}"
    assert refusal(_policy(layout, SHARED), shop) == "sqlite_roots"
    assert refusal(_policy(layout, SHARED), "duckdb:///:memory:") == "sqlite_roots"
    assert refusal(_policy(layout, SHARED), "sqlite://") == "allowed"  # an empty database
    rooted = _policy(layout, TargetRules(shared=True, sqlite_roots=(str(layout["dbs"]),)))
    assert refusal(rooted, shop) == "allowed"
    assert refusal(rooted, f"sqlite:///{layout['dbs']}/sub/new.db") == "allowed"
    assert (
        refusal(rooted, f"sqlite:///{layout['dbs']}/escape.db") == "sqlite_roots"
    )  # a symlink out
    assert refusal(rooted, f"sqlite:///{layout['dbs']}/../elsewhere/other.db") == "sqlite_roots"
    assert refusal(rooted, "sqlite:////etc/passwd") == "sqlite_roots"
    # local mode: any file but the store and the data dir; roots restrict it when set
    assert refusal(_policy(layout, LOCAL), shop) == "allowed"
    assert refusal(_policy(layout, LOCAL), "sqlite:////etc/passwd") == "allowed"
    local_rooted = _policy(layout, TargetRules(sqlite_roots=(str(layout["dbs"]),)))
    assert refusal(local_rooted, "sqlite:////etc/passwd") == "sqlite_roots"


def test_a_checked_file_url_names_the_resolved_file(layout):
    pinned = check(_policy(layout, LOCAL), f"sqlite:///{layout['dbs']}/../dbs/./shop.db")
    assert pinned.database == str(layout["shop"])


# -- PostgreSQL store: the same server by any alias ---------------------------------------------
STORE_DB = "askdb_store_db"
PG_STORE = f"postgresql+psycopg://postgres@127.0.0.1:5432/{STORE_DB}"
ALIASES = [
    "localhost",
    "LOCALHOST",
    "localhost.",
    "127.0.0.1",
    "127.0.0.2",
    "127.1",
    "2130706433",
    "[::1]",
    "[::ffff:127.0.0.1]",
    "0.0.0.0",
    "[::]",
    socket.gethostname(),
]


def _pg_policy(tmp_path, rules: TargetRules, store: str = PG_STORE) -> TargetPolicy:
    return TargetPolicy(rules, data_dir=tmp_path / "data", store_url=store)


@pytest.mark.parametrize("rules", [SHARED, LOCAL], ids=["shared", "local"])
@pytest.mark.parametrize("host", ALIASES + [""])
def test_the_pg_store_database_is_refused_by_any_host_alias(tmp_path, rules, host):
    policy = _pg_policy(tmp_path, rules)
    assert refusal(policy, f"postgresql://someone@{host}:5432/{STORE_DB}") == "metadata_store"
    assert refusal(policy, f"postgres://someone@{host}/{STORE_DB}") == "metadata_store"


@pytest.mark.parametrize("host", ALIASES + [""])
def test_other_databases_on_the_store_server_are_refused_in_shared_mode(tmp_path, host):
    shared = _pg_policy(tmp_path, TargetRules(shared=True, allow_private_networks=True))
    assert refusal(shared, f"postgresql://someone@{host}/postgres") == "store_server"
    assert refusal(shared, f"postgresql://someone@{host}:5433/postgres") == "allowed"
    lenient = _pg_policy(
        tmp_path, TargetRules(shared=True, allow_private_networks=True, allow_store_server=True)
    )
    assert refusal(lenient, f"postgresql://someone@{host}/postgres") == "allowed"
    assert refusal(lenient, f"postgresql://someone@{host}/{STORE_DB}") == "metadata_store"
    local = _pg_policy(tmp_path, LOCAL)
    assert refusal(local, f"postgresql://someone@{host}/postgres") == "allowed"


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://someone@127.0.0.1/postgres?host=/var/run/postgresql&dbname={STORE_DB}",
        f"postgresql://someone@127.0.0.1/postgres?dbname={STORE_DB}",
        "postgresql://someone@/x?host=/var/run/postgresql",
        "postgresql://someone@8.8.8.8/x?hostaddr=127.0.0.1",
        "postgresql://someone@h1,h2/x",
        "postgresql://someone@%2Fvar%2Frun%2Fpostgresql/x",
        f"postgresql://{STORE_DB}@127.0.0.1/",  # libpq's default database: the user's name
        f"postgresql://{STORE_DB}@localhost",
    ],
)
def test_other_spellings_of_the_store_database_are_refused(tmp_path, url):
    assert refusal(_pg_policy(tmp_path, LOCAL), url) != "allowed"


def test_the_store_password_is_never_usable(tmp_path):
    store = f"postgresql+psycopg://askdb:st0re-secret@127.0.0.1:5432/{STORE_DB}"
    for rules in (SHARED, LOCAL):
        policy = _pg_policy(tmp_path, rules, store=store)
        assert refusal(policy, "postgresql://anyone:st0re-secret@8.8.8.8/db") == (
            "store_credentials"
        )
        assert refusal(policy, "mysql://askdb@8.8.8.8/db?password=st0re-secret") == (
            "store_credentials"
        )
        assert refusal(policy, "postgresql://askdb:other@8.8.8.8/db") == "allowed"


# -- networks ---------------------------------------------------------------------------------
NOT_PUBLIC = [
    "127.0.0.1",
    "localhost",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "100.64.0.1",  # CGNAT
    "169.254.1.1",  # link-local
    "0.0.0.0",
    "[fd00::1]",  # ULA
    "[fe80::1]",
    "[::]",
    "[::ffff:10.0.0.1]",
    "[64:ff9b::a00:1]",  # NAT64 of 10.0.0.1
    "[2002:a00:1::]",  # 6to4 of 10.0.0.1
    "0x7f000001",
    "",  # PostgreSQL: a Unix socket; MySQL: localhost
]
PUBLIC = ["8.8.8.8", "1.1.1.1", "[2001:4860:4860::8888]"]


@pytest.mark.parametrize("driver", ["postgresql", "mysql"])
@pytest.mark.parametrize("host", NOT_PUBLIC)
def test_private_hosts_are_refused_in_shared_mode_and_allowed_in_local_mode(layout, driver, host):
    url = f"{driver}://u@{host}/db"
    assert refusal(_policy(layout, SHARED), url) == "private_network"
    assert refusal(_policy(layout, LOCAL), url) == "allowed"
    opened = _policy(layout, TargetRules(shared=True, allow_private_networks=True))
    assert refusal(opened, url) == "allowed"


@pytest.mark.parametrize("host", PUBLIC)
def test_public_hosts_are_allowed_in_both_modes(layout, host):
    for rules in (SHARED, LOCAL):
        assert refusal(_policy(layout, rules), f"postgresql://u@{host}/db") == "allowed"


@pytest.mark.parametrize("host", ["169.254.169.254", "[fd00:ec2::254]", "[::ffff:169.254.169.254]"])
def test_cloud_metadata_addresses_are_refused_everywhere_unless_named(layout, host):
    url = f"postgresql://u@{host}/db"
    assert refusal(_policy(layout, LOCAL), url) == "metadata_address"
    opened = TargetRules(shared=True, allow_private_networks=True)
    assert refusal(_policy(layout, opened), url) == "metadata_address"
    named = TargetRules(allowed_networks=("169.254.169.254/32", "fd00:ec2::254/128"))
    assert refusal(_policy(layout, named), url) == "allowed"


def test_allowed_networks_and_hosts_are_an_allow_list(layout):
    nets = _policy(layout, TargetRules(shared=True, allowed_networks=("10.0.0.0/8",)))
    assert refusal(nets, "postgresql://u@10.1.2.3/db") == "allowed"
    assert refusal(nets, "postgresql://u@192.168.1.1/db") == "not_allowed_host"
    assert refusal(nets, "postgresql://u@8.8.8.8/db") == "not_allowed_host"
    hosts = _policy(layout, TargetRules(shared=True, allowed_hosts=("localhost", "*.corp.test")))
    assert refusal(hosts, "postgresql://u@localhost/db") == "allowed"
    assert refusal(hosts, "postgresql://u@127.0.0.1/db") == "not_allowed_host"
    assert refusal(hosts, "postgresql://u@8.8.8.8/db") == "not_allowed_host"
    # names that do not resolve: admitted when listed, refused when not, and at connect time
    # the name must resolve
    hosts.admit(parse_database_url("postgresql://u@db.corp.test/db"))
    with pytest.raises(ConnectionNotAllowedError):
        hosts.admit(parse_database_url("postgresql://u@corp.test.evil.invalid/db"))
    with pytest.raises(DatabaseUnreachableError, match="does not resolve"):
        check(hosts, "postgresql://u@db.corp.test/db")


def test_denied_networks_ports_and_drivers(layout):
    denied = _policy(layout, TargetRules(denied_networks=("8.8.8.0/24",)))
    assert refusal(denied, "postgresql://u@8.8.8.8/db") == "denied_network"
    assert refusal(denied, "postgresql://u@8.8.4.4/db") == "allowed"
    ports = _policy(layout, TargetRules(allowed_ports=(5432,)))
    assert refusal(ports, "postgresql://u@8.8.8.8/db") == "allowed"
    assert refusal(ports, "postgresql://u@8.8.8.8:6432/db") == "port"
    assert refusal(ports, "mysql://u@8.8.8.8/db") == "port"  # MySQL's default port, 3306
    drivers = _policy(layout, TargetRules(allowed_drivers=("postgresql",)))
    assert refusal(drivers, f"sqlite:///{layout['shop']}") == "driver"
    assert refusal(drivers, "mysql://u@8.8.8.8/db") == "driver"
    assert refusal(drivers, "postgresql://u@8.8.8.8/db") == "allowed"


def test_server_files_in_options_are_refused_in_shared_mode(layout):
    opened = TargetRules(shared=True, allow_private_networks=True)
    for url in (
        "postgresql://u@8.8.8.8/db?sslrootcert=/etc/passwd",
        "postgresql://u@8.8.8.8/db?sslmode=verify-full&sslkey=/data/askdb_secret.key",
        "postgresql://u@8.8.8.8/db?passfile=/root/.pgpass",
        "mysql://u@8.8.8.8/db?ssl_ca=/etc/shadow",
    ):
        assert refusal(_policy(layout, opened), url) == "server_files"
        assert refusal(_policy(layout, LOCAL), url) == "allowed"
    ok = "postgresql://u@8.8.8.8/db?sslmode=verify-full&sslrootcert=system"
    assert refusal(_policy(layout, opened), ok) == "allowed"


def test_a_checked_url_connects_to_the_checked_address(layout):
    policy = _policy(layout, LOCAL)
    pg = check(policy, "postgresql://u@localhost/db")
    assert pg.host == "localhost" and pg.query["hostaddr"] in ("127.0.0.1", "::1")
    my = check(policy, "mysql://u@localhost/db")
    assert my.host in ("127.0.0.1", "::1")
    assert check(policy, "postgresql://u@8.8.8.8/db").query.get("hostaddr") is None


def test_refusals_say_which_rule_and_which_setting(layout):
    with pytest.raises(ConnectionNotAllowedError) as e:
        check(_policy(layout, SHARED), "postgresql://u:pw@10.0.0.1/db")
    problem = e.value.to_problem()
    assert problem["status"] == 403 and problem["code"] == "connection_not_allowed"
    assert problem["rule"] == "private_network"
    assert problem["setting"] == "allow_private_networks"
    assert "c.AskDBApp.allow_private_networks" in problem["detail"]
    assert "pw" not in problem["detail"].replace("postgresql", "")


def test_rules_are_validated_at_start_up():
    with pytest.raises(ValueError):
        TargetRules(allowed_networks=("not-a-cidr",))
    with pytest.raises(ValueError):
        TargetRules(allowed_drivers=("oracle",))
    with pytest.raises(TraitError):
        AskDBApp(denied_networks=["10.0.0.0/33"])
    with pytest.raises(TraitError):
        AskDBApp(allowed_ports=[70000])
    app = AskDBApp(local_user="")
    assert app._target_rules().shared and not app._target_rules().private_networks_allowed
    assert not AskDBApp(local_user="alice")._target_rules().shared


# -- through the managers: creation, change, clone and query ---------------------------------
@pytest.fixture
def services(tmp_path, store_url):
    svc = Services.build(
        Settings.defaults(
            tmp_path / "askdb",
            database_url=store_url,
            use_embeddings=False,
            local_user="",  # a shared deployment
            sqlite_roots=[str(tmp_path / "dbs")],
        )
    )
    yield svc
    svc.close()


def _store_spelling(store_url: str) -> str:
    """The store's own URL, written another way."""
    url = parse_database_url(store_url)
    if url.get_backend_name() == "sqlite":
        return f"sqlite:///{Path(url.database).parent}/../{Path(url.database).parent.name}/" + (
            Path(url.database).name
        )
    return url.set(host="localhost").render_as_string(hide_password=False)


def test_managers_refuse_the_store_at_creation_change_clone_and_query(services, store_url):
    alice = services.users.ensure("alice")
    projects = services.projects
    tmp = services.settings.data_dir.parent
    shop = _sqlite(tmp / "dbs" / "shop.db")
    store = _store_spelling(store_url)
    with pytest.raises(ConnectionNotAllowedError):
        projects.create(alice, "steal", connection_url=store)
    assert projects.list(alice) == []
    p = projects.create(alice, "shop", connection_url=f"sqlite:///{shop}")
    with pytest.raises(ConnectionNotAllowedError):
        projects.update(alice, p.id, connection_url=store)
    assert projects.connection_url(alice, p.id) == f"sqlite:///{shop}"
    assert services.runner.run(projects.connection_url(alice, p.id), "SELECT 1").rows == [[1]]
    # A URL stored before the policy existed: it cannot be cloned, introspected or queried.
    policy, projects.targets = projects.targets, None
    old = projects.create(alice, "old", connection_url=store)
    projects.targets = policy
    with pytest.raises(ConnectionNotAllowedError):
        projects.clone(alice, old.id, "old copy")
    with pytest.raises(ConnectionNotAllowedError):
        services.runner.run(projects.connection_url(alice, old.id), "SELECT 1")
    with pytest.raises(ConnectionNotAllowedError):
        services.schemas.introspect(alice, old.id)
    assert [x.name for x in projects.list(alice)] == ["old", "shop"]


# -- over REST, in a shared deployment (local_user ''), on SQLite and PostgreSQL stores -------
@pytest.fixture(params=["sqlite", "postgresql"])
def jp_server_config(request, tmp_path):
    store = {"database_url": request.getfixturevalue("pg_url")} if request.param != "sqlite" else {}
    config = askdb_server_config(
        tmp_path, local_user="", sqlite_roots=[str(tmp_path / "dbs")], **store
    )
    config["ServerApp"]["identity_provider_class"] = HeaderIdentityProvider
    return config


async def test_a_shared_deployment_refuses_the_store_over_rest(api, jp_serverapp, tmp_path):
    services = jp_serverapp.web_app.settings["askdb_services"]
    store = _store_spelling(services.settings.store_url)
    shop = _sqlite(tmp_path / "dbs" / "shop.db")
    me = {"X-Test-User": "mallory"}

    async def call(method, path, body=None):
        return await api(method, path, body, headers=me)

    status, problem = await call("POST", "projects", {"name": "steal", "connection_url": store})
    assert status == 403 and problem["code"] == "connection_not_allowed", problem
    assert problem["rule"] in ("metadata_store", "data_dir")
    for url in (
        "postgresql://postgres@127.0.0.1:5432/postgres",  # the store's server, or loopback
        "mysql://root@localhost/mysql",
        f"sqlite:///{tmp_path / 'elsewhere.db'}",
    ):
        status, problem = await call("POST", "projects", {"name": "x", "connection_url": url})
        assert status == 403 and problem["code"] == "connection_not_allowed", (url, problem)
    status, project = await call(
        "POST", "projects", {"name": "shop", "connection_url": f"sqlite:///{shop}"}
    )
    assert status == 201, project
    status, problem = await call("PATCH", f"projects/{project['id']}", {"connection_url": store})
    assert status == 403 and problem["code"] == "connection_not_allowed"
    status, ans = await call("POST", f"projects/{project['id']}/run", {"sql": "SELECT 1 AS one"})
    assert status == 200 and ans["rows"] == [[1]]
    # stored before the policy: refused when it runs
    mallory = services.users.ensure("mallory")
    policy, services.projects.targets = services.projects.targets, None
    try:
        old = services.projects.create(mallory, "old", connection_url=store)
    finally:
        services.projects.targets = policy
    status, problem = await call("POST", f"projects/{old.id}/run", {"sql": "SELECT 1"})
    assert status == 403 and problem["code"] == "connection_not_allowed", problem
    status, problem = await call("POST", f"projects/{old.id}/schemas", {"introspect": True})
    assert status == 403 and problem["code"] == "connection_not_allowed", problem
    status, problem = await call("POST", f"projects/{old.id}/schemas", {"ddl": SHOP_DDL})
    assert status == 201
    status, problem = await call(
        "POST", f"projects/{old.id}/ask", {"question": "how many customers are there?"}
    )
    assert status == 403 and problem["code"] == "connection_not_allowed", problem
