"""``%askdb usage``, ``%askdb keys ...`` and ``%askdb notifications`` in a real IPython shell.

The local client runs the real managers on a fresh store; "enforced" tests build it with
``enforce_quotas=True``, as ``c.AskDBApp.enforce_quotas`` does for a server. The last tests run
the same client calls and magics over REST against a real Jupyter server.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from IPython.core.error import UsageError

from askdb.account_views import NOT_ENFORCED, UsageView, percent, when
from askdb.client import LocalClient, RestClient
from askdb.commands.keys import SHOWN_ONCE
from askdb.magics import NOT_CONNECTED, AskDBMagics
from askdb_server.errors import (
    ApiKeyNotFoundError,
    ApiKeyRejectedError,
    InvalidInputError,
)
from askdb_server.keys.manager import KeyRequest
from askdb_server.services import Services, Settings
from tests.helpers.rest_server import TOKEN
from tests.helpers.shell import connect, printed, user_error

TOKEN_RE = re.compile(r"askdb_[0-9a-f]+_[\w-]+")


@pytest.fixture
def enforced(shell, askdb_env: Path) -> Iterator[AskDBMagics]:
    """Magics on a local client whose quotas are enforced (as on a shared server)."""
    settings = Settings.defaults(askdb_env, use_embeddings=False, enforce_quotas=True)
    client = LocalClient(Services.build(settings))
    instance = AskDBMagics(shell, client_factory=lambda: client)
    shell.register_magics(instance)
    yield instance
    instance.close()


def _authenticates(magics: AskDBMagics, token: str) -> bool:
    request = KeyRequest(project_id=magics.project["id"], route="ask", scope="query:generate")
    try:
        magics.client.services.keys.authenticate(token, request)
    except ApiKeyRejectedError:
        return False
    return True


def _set_limits(magics: AskDBMagics, **limits: int) -> None:
    magics.client.services.quotas.set_plan(magics.client.who, "FREE", limits)


def _charge_calls(magics: AskDBMagics, n: int) -> None:
    for _ in range(n):
        magics.client.services.quotas.charge_call(magics.project["id"])


# -- %askdb usage ---------------------------------------------------------------------------------


def test_usage_shows_calls_and_tokens_against_the_plan(
    shell, enforced: AskDBMagics, shop_db: Path, capsys
) -> None:
    connect(shell, shop_db)
    _charge_calls(enforced, 12)
    enforced.client.services.quotas.charge_tokens(enforced.project["id"], 3_400)
    lines = printed(shell, capsys, "usage").splitlines()
    assert lines[0] == "Usage of project 'shop'"
    assert lines[2].split() == ["calls", "today", "12", "1,000", "1%"]
    assert lines[3].split() == ["tokens", "this", "month", "3,400", "100,000", "3%"]
    assert NOT_ENFORCED not in "\n".join(lines)


def test_usage_warns_from_80_percent(shell, enforced: AskDBMagics, shop_db: Path, capsys) -> None:
    connect(shell, shop_db)
    _set_limits(enforced, api_calls_per_day=10)
    _charge_calls(enforced, 9)
    out = printed(shell, capsys, "usage")
    assert "90%" in out
    assert "Calls today at 90% of the plan: an admin can raise the plan." in out


def test_usage_says_when_quotas_are_not_enforced(
    shell, magics: AskDBMagics, shop_db: Path, capsys
) -> None:
    connect(shell, shop_db)
    assert NOT_ENFORCED in printed(shell, capsys, "usage")


def test_usage_shows_extra_counts_when_the_server_sends_them() -> None:
    usage = {
        "limits": {"api_calls_per_day": -1, "tokens_per_month": 100_000},
        "calls_today": 5,
        "tokens_this_month": 90_000,
        "schema_versions": 3,
        "conversation_messages": 1_234,
        "enforced": True,
    }
    view = UsageView({"name": "shop"}, usage)
    assert view.rows() == [
        ["calls today", "5", "unlimited", ""],
        ["tokens this month", "90,000", "100,000", "90%"],
        ["schema versions", "3", "", ""],
        ["conversation messages", "1,234", "", ""],
    ]
    assert "Tokens this month at 90%" in view.note()
    assert "<table class='askdb-usage'>" in view._repr_html_()


@pytest.mark.parametrize(
    ("used", "limit", "expected"),
    [
        (0, 1000, 0),
        (799, 1000, 79),
        (800, 1000, 80),
        (1000, 1000, 100),
        (5, -1, None),
        (5, 0, None),
    ],
)
def test_percent_of_a_limit(used: int, limit: int, expected: int | None) -> None:
    assert percent(used, limit) == expected


@pytest.mark.parametrize(
    ("iso", "shown"),
    [
        ("2027-01-01T00:00:00+00:00", "2027-01-01 00:00 UTC"),
        ("2027-01-01T09:30:00+02:00", "2027-01-01 07:30 UTC"),
        ("2027-01-01T09:30:00", "2027-01-01 09:30 UTC"),
        (None, "never"),
    ],
)
def test_times_are_shown_in_utc(iso: str | None, shown: str) -> None:
    assert when(iso, "never") == shown


# -- %askdb keys ----------------------------------------------------------------------------------


def test_keys_create_prints_the_key_once_and_returns_nothing(
    shell, magics: AskDBMagics, shop_db: Path, capsys
) -> None:
    connect(shell, shop_db)
    capsys.readouterr()
    result = shell.run_cell(
        '%askdb keys create "nightly report" --scopes query:generate,query:execute '
        "--expires 2030-01-01T00:00:00Z"
    )
    assert result.success, result.error_in_exec
    assert result.result is None  # no Out[]: the secret is not saved a second time
    out = capsys.readouterr().out
    [token] = TOKEN_RE.findall(out)
    assert out.count(token) == 1
    assert SHOWN_ONCE in out
    assert "Created API key 'nightly report'" in out and "2030-01-01 00:00 UTC" in out
    assert _authenticates(magics, token)
    [key] = magics.client.list_keys(magics.project["id"])
    assert key["name"] == "nightly report"
    assert key["scopes"] == ["query:execute", "query:generate"]
    assert token.startswith(key["prefix"])


def test_keys_lists_name_prefix_scopes_expiry_and_revocation(
    shell, magics: AskDBMagics, shop_db: Path, capsys
) -> None:
    connect(shell, shop_db)
    assert "No API keys yet" in printed(shell, capsys, "keys")
    shell.run_line_magic("askdb", "keys create reports --scopes schema:read --ip 10.0.0.0/8")
    shell.run_line_magic("askdb", "keys create old --scopes chat:read")
    keys = {k["name"]: k for k in magics.client.list_keys(magics.project["id"])}
    revoked = printed(shell, capsys, f"keys revoke {keys['old']['id']}")
    assert f"Revoked API key 'old' (id {keys['old']['id']})" in revoked

    header, *rows = printed(shell, capsys, "keys").splitlines()
    assert header.split() == [
        "id",
        "name",
        "prefix",
        "scopes",
        "expires",
        "last",
        "used",
        "revoked",
    ]
    by_name = {row.split()[1]: row for row in rows}
    assert keys["reports"]["prefix"] in by_name["reports"]
    assert "schema:read" in by_name["reports"] and "never" in by_name["reports"]
    assert re.search(r"never\s+\d{4}-\d\d-\d\d \d\d:\d\d UTC$", by_name["old"])
    assert not TOKEN_RE.search("\n".join(rows))  # the list never shows a secret


def test_keys_revoke_stops_the_key(shell, magics: AskDBMagics, shop_db: Path, capsys) -> None:
    connect(shell, shop_db)
    [token] = TOKEN_RE.findall(printed(shell, capsys, "keys create ci --scopes query:generate"))
    key_id = magics.client.list_keys(magics.project["id"])[0]["id"]
    shell.run_line_magic("askdb", f"keys revoke {key_id}")
    assert not _authenticates(magics, token)


def test_keys_rotate_prints_the_new_key_and_keeps_the_old_for_the_overlap(
    shell, magics: AskDBMagics, shop_db: Path, capsys
) -> None:
    connect(shell, shop_db)
    [old_token] = TOKEN_RE.findall(printed(shell, capsys, "keys create ci --scopes query:generate"))
    old_id = magics.client.list_keys(magics.project["id"])[0]["id"]

    out = printed(shell, capsys, f"keys rotate {old_id} --overlap 3600")
    [new_token] = TOKEN_RE.findall(out)
    assert new_token != old_token and SHOWN_ONCE in out
    assert f"the old key ({old_id}) works 3600 s more" in out
    assert _authenticates(magics, new_token) and _authenticates(magics, old_token)

    assert "rotated, works until" in printed(shell, capsys, "keys")
    with pytest.raises(UsageError, match="Only a live key"):
        shell.run_line_magic("askdb", f"keys rotate {old_id}")


@pytest.mark.parametrize(
    ("line", "needle"),
    [
        ("keys revoke no-such-key", "No API key with id 'no-such-key'"),
        ("keys rotate no-such-key", "No API key with id 'no-such-key'"),
        ("keys create ci --scopes query:frobnicate", "Unknown scope(s): query:frobnicate"),
        ("keys create ci", "%askdb keys create: the following arguments are required: --scopes"),
        ("keys create --scopes chat:read", "the following arguments are required: name"),
        ("keys create ci --scopes chat:read --expires tomorrow", "not an ISO 8601 date-time"),
        ("keys create ci --scopes chat:read --expires 2001-01-01", "must be in the future"),
        ("keys create ci --scopes chat:read --ip 10.0.0.300/8", "Not an IP network"),
        ("keys rotate abc --overlap soon", "%askdb keys rotate: argument --overlap: invalid int"),
        ("keys rotate abc --overlap 99999999", "overlap_seconds must be an integer"),
        ("keys revoke", "%askdb keys revoke: the following arguments are required: key_id"),
        ("keys delete abc", "Unknown command: %askdb keys delete abc"),
        ("keys extra", "Unknown command: %askdb keys extra"),
        ("usage now", "Unknown command: %askdb usage now"),
    ],
)
def test_key_and_usage_mistakes_are_usage_errors(
    shell, magics: AskDBMagics, shop_db: Path, capsys, line: str, needle: str
) -> None:
    connect(shell, shop_db)
    capsys.readouterr()  # the connect message
    message = user_error(shell, f"%askdb {line}", capsys)
    assert needle in message
    assert magics.client.list_keys(magics.project["id"]) == []


@pytest.mark.parametrize(
    "line", ["usage", "keys", "keys create ci --scopes chat:read", "keys revoke abc"]
)
def test_project_commands_need_a_connected_project(
    shell, magics: AskDBMagics, capsys, line: str
) -> None:
    assert user_error(shell, f"%askdb {line}", capsys) == NOT_CONNECTED


# -- %askdb notifications -------------------------------------------------------------------------


def test_notifications_list_quota_alerts(
    shell, enforced: AskDBMagics, shop_db: Path, capsys
) -> None:
    assert "No notifications." in printed(shell, capsys, "notifications")  # needs no project
    connect(shell, shop_db)
    _set_limits(enforced, api_calls_per_day=10)
    _charge_calls(enforced, 9)
    header, *rows = printed(shell, capsys, "notifications").splitlines()
    assert header.split() == ["when", "kind", "message"]
    assert len(rows) == 2  # 80% and 90%, newest first
    assert "reached 90%" in rows[0] and "reached 80%" in rows[1]
    assert all(" quota " in row for row in rows)


def test_usage_listing_mentions_the_new_commands(shell, magics: AskDBMagics, capsys) -> None:
    shell.run_line_magic("askdb", "")
    out = capsys.readouterr().out
    for command in ("%askdb usage", "%askdb notifications", "%askdb keys create NAME --scopes"):
        assert command in out


# -- the same over REST, against a real Jupyter server --------------------------------------------


def test_keys_usage_and_notifications_over_rest(server_url: str, shop_db: Path) -> None:
    client = RestClient(server_url, TOKEN)
    try:
        pid = client.create_project("rest-keys", connection_url=f"sqlite:///{shop_db}")["id"]
        usage = client.usage(pid)
        assert usage["enforced"] is False
        assert usage["limits"]["api_calls_per_day"] == 1_000
        assert {"calls_today", "tokens_this_month"} <= set(usage)

        created = client.create_key(pid, {"name": "ci", "scopes": ["query:generate"]})
        assert created["key"].startswith(created["prefix"])
        [listed] = client.list_keys(pid)
        assert listed["id"] == created["id"] and "key" not in listed
        rotated = client.rotate_key(pid, created["id"], overlap_seconds=60)
        assert rotated["key"] != created["key"]
        assert client.revoke_key(pid, rotated["id"])["revoked_at"]
        with pytest.raises(ApiKeyNotFoundError):
            client.revoke_key(pid, "no-such-key")
        # Over REST the request check answers before the manager, naming the field.
        with pytest.raises(InvalidInputError, match=r"scopes\.0 must be one of .*chat:read"):
            client.create_key(pid, {"name": "bad", "scopes": ["nope"]})
        assert isinstance(client.notifications(), list)
    finally:
        client.close()


def test_magics_over_rest(
    shell,
    server_url: str,
    shop_db: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys,
) -> None:
    monkeypatch.setenv("ASKDB_URL", server_url)
    monkeypatch.setenv("ASKDB_TOKEN", TOKEN)
    magics = AskDBMagics(shell)
    shell.register_magics(magics)
    try:
        connect(shell, shop_db)
        assert isinstance(magics.client, RestClient)
        assert NOT_ENFORCED in printed(shell, capsys, "usage")
        out = printed(shell, capsys, "keys create rest-ci --scopes query:generate")
        assert len(TOKEN_RE.findall(out)) == 1 and SHOWN_ONCE in out
        assert "rest-ci" in printed(shell, capsys, "keys")
        with pytest.raises(UsageError, match="No API key with id 'missing'"):
            shell.run_line_magic("askdb", "keys revoke missing")
        assert "No notifications." in printed(shell, capsys, "notifications")
    finally:
        magics.close()
