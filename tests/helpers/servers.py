"""Configuring the Jupyter server that ``jp_fetch`` tests call: AskDB enabled, and a test-only
identity provider for tests that act as several users."""

from __future__ import annotations

from jupyter_server.auth.identity import IdentityProvider, User


def askdb_server_config(tmp_path, **askdb) -> dict:
    """A Jupyter server config with AskDB enabled, its data in ``tmp_path``, no MiniLM, and
    ``askdb`` as further ``AskDBApp`` settings (a module's ``jp_server_config`` returns it)."""
    return {
        "ServerApp": {"jpserver_extensions": {"askdb_server": True}},
        "AskDBApp": {
            "data_dir": str(tmp_path / "askdb-data"),
            "use_embeddings": False,
            **askdb,
        },
    }


class HeaderIdentityProvider(IdentityProvider):
    """Test only: after the token check, ``X-Test-User`` names the user."""

    async def _get_user(self, handler):
        user = await super()._get_user(handler)
        name = handler.request.headers.get("X-Test-User")
        return User(username=name) if user is not None and name else user
