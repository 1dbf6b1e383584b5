"""Fixtures: a clock tests move, set on the two-organization world's key manager."""

from __future__ import annotations

import pytest

from tests.helpers.clock import Clock


@pytest.fixture
def clock(world) -> Clock:
    c = Clock()
    world.services.keys.clock = c
    return c
