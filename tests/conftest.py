"""What every test shares: the plugins that define the fixtures of more than one directory.

pytest takes ``pytest_plugins`` from the root conftest only, so the shared fixtures are
registered here and written in ``tests/helpers/``: real databases on loopback with one fresh
database per test (``pg_url``, ``mariadb_url``, ``store_url``), the two-organization ``world``
and the loopback ``smtp`` server.
"""

from __future__ import annotations

import os

pytest_plugins = [
    "pytest_jupyter.jupyter_server",
    "tests.helpers.databases",
    "tests.helpers.smtp",
    "tests.helpers.world",
]

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
