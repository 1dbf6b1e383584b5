"""Fixtures: the two-organization world (SQLite and PostgreSQL) and a clock tests move."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from ..authz.world import world  # noqa: F401


class Clock:
    """A clock that stands still until a test moves it."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(world) -> Clock:  # noqa: F811
    c = Clock()
    world.services.keys.clock = c
    return c
