"""Fixtures: the two-organization world."""

from ..authz.world import world  # noqa: F401
