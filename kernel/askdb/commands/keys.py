"""``%askdb keys``: list, create, revoke and rotate the connected project's API keys.

A new key's secret is printed once and returned nowhere: a return value would be the cell's
``Out`` (saved in the notebook beside the printed text, and kept in ``_``/``Out`` history).
"""

from __future__ import annotations

from ..account_views import KeysView, when
from ..client import JSON, AskDBClient

SHOWN_ONCE = "Copy it now: it will not be shown again (AskDB stores only its hash)."


def list_keys(client: AskDBClient, project: JSON) -> KeysView:
    """The project's keys, newest first, revoked and rotated ones marked."""
    return KeysView(client.list_keys(project["id"]))


def create_key(
    client: AskDBClient,
    project: JSON,
    name: str,
    scopes: list[str],
    *,
    expires_at: str | None = None,
    ip_allow: list[str] | None = None,
) -> None:
    """Create a key and print its secret once."""
    fields: JSON = {"name": name, "scopes": scopes}
    if expires_at is not None:
        fields["expires_at"] = expires_at
    if ip_allow is not None:
        fields["ip_allow"] = ip_allow
    created = client.create_key(project["id"], fields)
    expiry = when(created.get("expires_at"), "never")
    _print_secret(
        f"Created API key {created['name']!r} (id {created['id']}; scopes "
        f"{', '.join(created.get('scopes') or [])}; expires {expiry}).",
        created["key"],
    )


def revoke_key(client: AskDBClient, project: JSON, key_id: str) -> None:
    """Revoke a key at once; requests made with it are refused from now on."""
    key = client.revoke_key(project["id"], key_id)
    print(f"Revoked API key {key['name']!r} (id {key['id']}).")


def rotate_key(client: AskDBClient, project: JSON, key_id: str, overlap_seconds: int) -> None:
    """Replace a key by a new one with the same settings, printing the new secret once."""
    new = client.rotate_key(project["id"], key_id, overlap_seconds)
    old = "stops working now" if overlap_seconds == 0 else f"works {overlap_seconds} s more"
    _print_secret(
        f"Rotated API key {new['name']!r}: the new key's id is {new['id']}; "
        f"the old key ({key_id}) {old}.",
        new["key"],
    )


def _print_secret(summary: str, secret: str) -> None:
    print(f"{summary}\n\n    {secret}\n\n{SHOWN_ONCE}")
