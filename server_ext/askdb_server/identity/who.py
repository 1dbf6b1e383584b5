"""Who is asking: the caller of a request, resolved to a row in ``users``.

Kept apart from the managers so that the audit log and the authorization layer can name it
without importing them. Roles and organizations are not cached here: the authorization layer
reads them from the store on every request, so that a change takes effect at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Identity:
    """The caller of a request, resolved to a row in ``users``."""

    user_id: str
    username: str
    # One of the deployment's operators besides AskDBApp.operators (``Authorizer.is_operator``):
    # set by the hub sign-in for a hub admin and by the in-process client for the store's
    # owner; never from a request's input.
    operator: bool = field(default=False, compare=False)
