"""A real JupyterHub with AskDB as its managed service (``askdb serve``) on PostgreSQL.

JupyterHub (PyPI) and configurable-http-proxy (npm, installed by ``make hub-deps`` into
``tests/e2e/.chp``) run on loopback ports with the dummy authenticator. Two users in two hub
groups, each group mapped to its own organization, call the service through the hub's proxy at
``/services/askdb/`` with hub API tokens: each sees only their own organization's projects, and
the state lives in the service's PostgreSQL store. Browsers sign in through the hub's login form,
the OAuth redirect and the service's callback, then use its cookie (with its XSRF token for
writes): once with a plain HTTP client following redirects, once with Chromium.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.helpers.loopback import free_port

pytestmark = pytest.mark.postgres

CHP = Path(__file__).parent / ".chp" / "node_modules" / ".bin" / "configurable-http-proxy"
PASSWORD = "hub-test-password"
START_TIMEOUT_S = 60


@dataclass
class Hub:
    url: str  # the proxy: what users and kernels reach
    admin_token: str
    log: Path

    def call(self, method: str, path: str, token: str, body: dict | None = None):
        """``(status, json)`` of a request to ``{url}{path}`` with a hub token."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            self.url + path,
            data=data,
            method=method,
            headers={"Authorization": f"token {token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as e:
            text = e.read()
            return e.code, json.loads(text) if text.startswith(b"{") else text.decode()

    def token_for(self, user: str) -> str:
        status, body = self.call(
            "POST", f"/hub/api/users/{user}/tokens", self.admin_token, {"note": "askdb test"}
        )
        assert status == 201, body
        return body["token"]


def _service_config(path: Path) -> Path:
    """The service's own config file: the store URL and keys come from its environment."""
    path.write_text(
        textwrap.dedent(
            """
            import os
            c.AskDBApp.database_url = os.environ["ASKDB_DATABASE_URL"]
            c.AskDBApp.encryption_keys = [os.environ["ASKDB_ENCRYPTION_KEY"]]
            c.AskDBApp.use_embeddings = False
            c.AskDBHub.group_orgs = {"red-team": "Red", "blue-team": "Blue"}
            c.AskDBHub.group_roles = {"red-team": "DEVELOPER", "blue-team": "DEVELOPER"}
            c.HubOAuth.cache_max_age = 1  # the hub's answers are kept 1 s (0 would keep them)
            """
        )
    )
    return path


def _hub_config(tmp: Path, pg_url: str, ports: dict[str, int], admin_token: str) -> Path:
    from cryptography.fernet import Fernet

    service_cmd = [sys.executable, "-m", "askdb_server.cli", "serve"]
    service_cmd += ["--config", str(_service_config(tmp / "askdb_config.py"))]
    service_cmd += [f"--AskDBApp.data_dir={tmp / 'askdb-data'}"]
    if os.geteuid() == 0:
        service_cmd.append("--allow-root")
    config = {
        "JupyterHub": {
            "ip": "127.0.0.1",
            "port": ports["proxy"],
            "hub_ip": "127.0.0.1",
            "hub_port": ports["hub"],
            "db_url": f"sqlite:///{tmp / 'hub.sqlite'}",
            "cookie_secret": secrets.token_hex(32),
            "authenticator_class": "dummy",
            "load_groups": {
                "red-team": {"users": ["ann"]},
                "blue-team": {"users": ["bob"]},
            },
            "load_roles": [
                {"name": "user", "scopes": ["self", "access:services!service=askdb"]},
                {
                    "name": "tester",
                    "scopes": ["admin:users", "admin:groups", "tokens"],
                    "services": ["tester"],
                },
            ],
            "services": [
                {
                    "name": "askdb",
                    "url": f"http://127.0.0.1:{ports['service']}",
                    "command": service_cmd,
                    "oauth_no_confirm": True,
                    "environment": {
                        "ASKDB_DATABASE_URL": pg_url,
                        "ASKDB_ENCRYPTION_KEY": Fernet.generate_key().decode(),
                        "HF_HUB_OFFLINE": "1",
                    },
                },
                {"name": "tester", "api_token": admin_token},
            ],
        },
        "DummyAuthenticator": {"password": PASSWORD},
        "Authenticator": {"allow_all": True},
        "ConfigurableHTTPProxy": {
            "command": [str(CHP)],
            "api_url": f"http://127.0.0.1:{ports['proxy_api']}",
        },
    }
    path = tmp / "jupyterhub_config.py"
    lines = ["c = get_config()  # noqa"]
    for section, values in config.items():
        lines += [f"c.{section}.{key} = {value!r}" for key, value in values.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def _wait_until_answering(hub: Hub, proc: subprocess.Popen) -> None:
    """The hub answers, and so does the service behind the proxy (401/403 without a user)."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"JupyterHub exited ({proc.returncode}):\n{hub.log.read_text()[-4000:]}")
        try:
            status, _ = hub.call("GET", "/services/askdb/askdb/api/openapi.json", hub.admin_token)
            if status in (200, 401, 403):
                return
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.3)
    pytest.fail(f"JupyterHub or AskDB did not answer:\n{hub.log.read_text()[-4000:]}")


@pytest.fixture
def hub(tmp_path: Path, pg_url: str) -> Iterator[Hub]:
    if not CHP.exists() or shutil.which("node") is None:
        pytest.skip(f"configurable-http-proxy (node) is missing at {CHP}: run `make hub-deps`")
    pytest.importorskip("jupyterhub", reason="jupyterhub is not installed")
    ports = {name: free_port() for name in ("proxy", "hub", "proxy_api", "service")}
    admin_token = secrets.token_hex(16)
    config = _hub_config(tmp_path, pg_url, ports, admin_token)
    log = tmp_path / "hub.log"
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(config)],
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # the hub, its proxy and the service: one process group
        )
    hub = Hub(f"http://127.0.0.1:{ports['proxy']}", admin_token, log)
    try:
        _wait_until_answering(hub, proc)
        yield hub
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()
    try:  # the proxy and the service may outlive the hub when it is killed hard
        os.killpg(proc.pid, 9)
    except ProcessLookupError:
        pass


API = "/services/askdb/askdb/api"


def test_two_hub_groups_two_organizations_through_the_proxy(hub: Hub, pg_url: str) -> None:
    ann, bob = hub.token_for("ann"), hub.token_for("bob")

    status, me = hub.call("GET", f"{API}/users/me", ann)
    assert status == 200, me
    assert (me["username"], me["role"]) == ("ann", "DEVELOPER")
    status, org = hub.call("GET", f"{API}/orgs/current", bob)
    assert status == 200, org
    assert (org["name"], org["role"]) == ("Blue", "DEVELOPER")

    status, red = hub.call("POST", f"{API}/projects", ann, {"name": "red sales"})
    assert status == 201, red
    status, blue = hub.call("POST", f"{API}/projects", bob, {"name": "blue stock"})
    assert status == 201, blue

    for token, mine, theirs in ((ann, red, blue), (bob, blue, red)):
        status, listed = hub.call("GET", f"{API}/projects", token)
        assert status == 200
        assert [p["id"] for p in _projects(listed)] == [mine["id"]]
        status, problem = hub.call("GET", f"{API}/projects/{theirs['id']}", token)
        assert status == 404, problem

    # Jupyter's own APIs on the service (files, kernels next to the store's keys): refused
    for method, path in (("GET", "api/contents"), ("POST", "api/kernels"), ("GET", "api/sessions")):
        status, _ = hub.call(
            method, f"/services/askdb/{path}", ann, {} if method == "POST" else None
        )
        assert status == 403, (method, path, status)

    # no hub token: refused; a token the hub does not know: refused
    assert hub.call("GET", f"{API}/projects", "")[0] == 403
    assert hub.call("GET", f"{API}/projects", "not-a-hub-token")[0] == 403

    # ann moves from red-team to blue-team on the hub: at her next request she is in Blue only
    for method, group in (("POST", "blue-team"), ("DELETE", "red-team")):
        status, _ = hub.call(
            method, f"/hub/api/groups/{group}/users", hub.admin_token, {"users": ["ann"]}
        )
        assert status == 200
    time.sleep(1.2)  # HubOAuth.cache_max_age
    status, org = hub.call("GET", f"{API}/orgs/current", ann)
    assert (status, org["name"], org["role"]) == (200, "Blue", "DEVELOPER")
    assert hub.call("GET", f"{API}/projects/{red['id']}", ann)[0] == 404

    engine = sa.create_engine(pg_url)
    try:
        with engine.connect() as c:
            rows = c.execute(
                sa.text(
                    "SELECT p.name, o.name, u.username FROM projects p "
                    "JOIN organizations o ON o.id = p.org_id "
                    "JOIN users u ON u.id = p.owner_id ORDER BY p.name"
                )
            ).all()
    finally:
        engine.dispose()
    assert [tuple(r) for r in rows] == [("blue stock", "Blue", "bob"), ("red sales", "Red", "ann")]


def test_browser_sign_in_through_the_hub_oauth_flow(hub: Hub) -> None:
    """The hub's login form, then the OAuth redirect to the service and its cookie."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    start = f"{hub.url}/services/askdb/askdb/login"
    with opener.open(start, timeout=30) as resp:  # → hub login page (not signed in to the hub)
        assert "/hub/login" in resp.url
        page = resp.read().decode()
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page)
    form = {"username": "ann", "password": PASSWORD, **({"_xsrf": xsrf[1]} if xsrf else {})}
    login = urllib.request.Request(
        resp.url, data=urllib.parse.urlencode(form).encode(), method="POST"
    )
    with opener.open(login, timeout=30) as resp:  # → authorize → callback → login → /users/me
        assert resp.url.endswith("/services/askdb/askdb/api/users/me"), resp.url
        me = json.loads(resp.read())
    assert (me["username"], me["role"]) == ("ann", "DEVELOPER")
    with opener.open(f"{hub.url}{API}/projects", timeout=30) as resp:  # the cookie alone
        assert resp.status == 200


def _projects(listed) -> list[dict]:
    return listed["projects"] if isinstance(listed, dict) else listed


def test_chromium_signs_in_with_the_hub_and_posts_with_its_cookie(hub: Hub, chromium) -> None:
    """Real Chromium: hub login form → OAuth → the service's cookie; a POST with the XSRF
    token the service set, then a GET of what it made."""
    context = chromium.new_context()
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{hub.url}/services/askdb/askdb/login")
    page.fill("input[name=username]", "bob")
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_url("**/services/askdb/askdb/api/users/me")
    assert json.loads(page.inner_text("body"))["username"] == "bob"
    # The API's own pages forbid scripts (CSP), so the script runs on the hub's home page, as a
    # lab panel would run on the user's server: same origin, another path.
    cookies = context.cookies()
    xsrf = next(
        c["value"] for c in cookies if (c["name"], c["path"]) == ("_xsrf", "/services/askdb/")
    )
    page.goto(f"{hub.url}/hub/home")
    post = """async ([api, xsrf]) => {
            const r = await fetch(api + "/projects", {
                method: "POST",
                headers: {"Content-Type": "application/json", "X-XSRFToken": xsrf},
                body: JSON.stringify({name: "from the browser"}),
            });
            return [r.status, await r.json()];
        }"""
    made = page.evaluate(post, [API, xsrf])
    forged = page.evaluate(post, [API, ""])  # a cookie without the XSRF token: refused
    assert forged[0] == 403, forged
    assert made[0] == 201, made
    page.goto(f"{hub.url}{API}/projects")
    assert "from the browser" in page.inner_text("body")
    context.close()
