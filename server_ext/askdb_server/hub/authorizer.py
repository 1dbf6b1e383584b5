"""What a user may do on the ``askdb serve`` server: use the AskDB API, nothing else.

The service is a Jupyter server, so it also has Jupyter's own APIs (contents, kernels,
sessions, terminals…). On a shared service those would let any user read the service's files or
run code next to the store's URL and keys, so they are refused here; AskDB's own authorization
layer then decides each AskDB request.
"""

from __future__ import annotations

from typing import Any

from jupyter_server.auth import Authorizer

from ..base.handlers import AUTH_RESOURCE


class AskDBOnlyAuthorizer(Authorizer):
    """Allows the AskDB API (``auth_resource = "askdb"``) and refuses every other resource."""

    def is_authorized(self, handler: Any, user: Any, action: str, resource: str) -> bool:
        return resource == AUTH_RESOURCE
