"""``askdb serve``: its starting configuration alone and under a hub, and its command line."""

from __future__ import annotations

import pytest
from traitlets.config import Config

from askdb_server import cli
from askdb_server.hub.serve import in_hub, serve_config
from tests.helpers.hub import HUB_ENV


def test_alone_it_runs_only_the_askdb_extension() -> None:
    c = serve_config({})
    assert c.ServerApp.jpserver_extensions == {"askdb_server": True}
    assert c.ServerApp.authorizer_class.endswith("AskDBOnlyAuthorizer")
    assert c.ServerApp.terminals_enabled is False
    assert "identity_provider_class" not in c.ServerApp and "AskDBApp" not in c
    assert not in_hub({**HUB_ENV, "JUPYTERHUB_API_TOKEN": ""})


def test_under_a_hub_it_binds_where_the_hub_says_and_takes_users_from_it() -> None:
    c = serve_config(HUB_ENV)
    assert (c.ServerApp.ip, c.ServerApp.port, c.ServerApp.base_url) == (
        "10.0.0.5",
        10101,
        "/services/askdb/",
    )
    assert c.ServerApp.identity_provider_class.endswith("hub.identity.HubIdentityProvider")
    assert c.AskDBApp.local_user == "" and c.ServerApp.port_retries == 0
    https = serve_config({**HUB_ENV, "JUPYTERHUB_SERVICE_URL": "https://svc.internal"})
    assert (https.ServerApp.ip, https.ServerApp.port) == ("svc.internal", 443)


def test_the_command_line_passes_server_options_through(monkeypatch) -> None:
    seen: list = []
    monkeypatch.setattr(
        "askdb_server.hub.serve.serve", lambda argv, standalone: seen.append((argv, standalone))
    )
    argv = ["serve", "--port", "9999", "--AskDBApp.database_url=postgresql://x/y"]
    cli.main(argv)
    cli.main(["serve", "--standalone", "--ip=0.0.0.0"])
    assert seen == [
        (["--port", "9999", "--AskDBApp.database_url=postgresql://x/y"], False),
        (["--ip=0.0.0.0"], True),
    ]
    with pytest.raises(SystemExit):  # other commands still refuse unknown options
        cli.main(["demo-db", "x.db", "--port", "1"])


def test_standalone_takes_accounts_even_under_a_hub() -> None:
    pytest.importorskip("askdb_server.identity.standalone")
    c = serve_config(HUB_ENV, standalone=True)
    assert c.ServerApp.identity_provider_class.endswith("StandaloneIdentityProvider")
    assert c.AskDBApp.local_user == "" and "base_url" not in c.ServerApp


def test_hub_mapping_is_configured_with_traitlets() -> None:
    pytest.importorskip("jupyterhub")
    from askdb_server.errors import InvalidInputError
    from askdb_server.hub.identity import AskDBHub

    config = Config()
    config.AskDBHub.organization = "Acme"
    config.AskDBHub.group_roles = {"managers": "MANAGER"}
    config.AskDBHub.default_role = ""
    mapping = AskDBHub(config=config).mapping()
    assert (mapping.organization, dict(mapping.group_roles), mapping.default_role) == (
        "Acme",
        {"managers": "MANAGER"},
        "",
    )
    config.AskDBHub.group_roles = {"managers": "BOSS"}
    with pytest.raises(InvalidInputError):
        AskDBHub(config=config).mapping()


@pytest.mark.parametrize(
    ("resource", "allowed"),
    [("askdb", True), ("contents", False), ("kernels", False), ("terminals", False), ("", False)],
)
def test_only_the_askdb_api_is_authorized(resource: str, allowed: bool) -> None:
    from askdb_server.hub.authorizer import AskDBOnlyAuthorizer

    assert AskDBOnlyAuthorizer().is_authorized(None, None, "write", resource) is allowed


@pytest.mark.parametrize(
    ("service_url", "proxies"),
    [
        ("http://127.0.0.1:10101", ["127.0.0.1/32"]),  # JupyterHub's usual managed service
        ("http://10.0.0.5:10101", ["10.0.0.5/32"]),
        ("http://[::1]:10101", ["::1/128"]),
        ("http://0.0.0.0:10101", ["127.0.0.1/32", "::1/128"]),
        ("http://no-such-host.invalid:10101", []),  # unknown: only configuration can say
    ],
)
def test_under_a_hub_the_proxy_is_trusted_for_x_forwarded_for(service_url, proxies) -> None:
    c = serve_config({**HUB_ENV, "JUPYTERHUB_SERVICE_URL": service_url})
    assert c.AskDBApp.trusted_proxies == proxies
    assert "trusted_proxies" not in serve_config({}).get("AskDBApp", {})  # alone: nobody


def test_configured_trusted_proxies_win_over_the_hub_default() -> None:
    from askdb_server.app import AskDBApp

    c = serve_config(HUB_ENV)
    assert AskDBApp(config=c).trusted_proxies == ["10.0.0.5/32"]
    c.merge(Config({"AskDBApp": {"trusted_proxies": ["192.0.2.0/24"]}}))  # a config file
    assert AskDBApp(config=c).trusted_proxies == ["192.0.2.0/24"]
    c.merge(Config({"AskDBApp": {"trusted_proxies": []}}))  # an empty list: nobody
    assert AskDBApp(config=c).trusted_proxies == []
