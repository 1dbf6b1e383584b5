"""Fixtures: the two-organization world with quotas enforced, and a clock tests move."""

from __future__ import annotations

import pytest

from tests.helpers.clock import Clock


@pytest.fixture
def quotas(world):
    q = world.services.quotas
    q.enabled = True
    q.clock = Clock()
    return q
