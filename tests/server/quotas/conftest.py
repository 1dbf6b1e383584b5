"""Fixtures: the two-organization world with quotas enforced, and a clock tests move."""

from __future__ import annotations

import pytest

from ..authz.world import world  # noqa: F401
from ..keys.conftest import Clock


@pytest.fixture
def quotas(world):  # noqa: F811
    q = world.services.quotas
    q.enabled = True
    q.clock = Clock()
    return q
