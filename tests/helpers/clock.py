"""A clock that stands still until a test moves it, for managers that take ``clock=``."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

START = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


class Clock:
    """Calling it tells the time; ``now`` is set, or moved with ``advance``, by the test."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
