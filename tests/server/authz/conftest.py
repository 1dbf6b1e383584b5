"""Fixtures: the two-organization world."""

from .world import world  # noqa: F401
