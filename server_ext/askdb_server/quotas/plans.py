"""The plans, as data (roadmap item 10's numbers); -1 means unlimited."""

from __future__ import annotations

UNLIMITED = -1
LIMITS = ("api_calls_per_day", "tokens_per_month", "projects", "api_keys", "team_members")

PLANS: dict[str, dict[str, int]] = {
    "FREE": {
        "api_calls_per_day": 1_000,
        "tokens_per_month": 100_000,
        "projects": 3,
        "api_keys": 5,
        "team_members": 1,
    },
    "STARTER": {
        "api_calls_per_day": 10_000,
        "tokens_per_month": 1_000_000,
        "projects": 10,
        "api_keys": 20,
        "team_members": 5,
    },
    "PROFESSIONAL": {
        "api_calls_per_day": 100_000,
        "tokens_per_month": 10_000_000,
        "projects": 50,
        "api_keys": 100,
        "team_members": 20,
    },
    "ENTERPRISE": dict.fromkeys(LIMITS, UNLIMITED),
}


def limits_of(plan: str, custom: dict[str, int] | None = None) -> dict[str, int]:
    """The limits of ``plan`` with an organization's custom ones laid over them."""
    return {**PLANS.get(plan, PLANS["FREE"]), **(custom or {})}
