"""The plans, as data (roadmap item 10's numbers); -1 means unlimited.

``schema_versions`` and ``conversation_messages`` are storage per project (not in the roadmap's
table; sized so that a plan's projects can keep a working history)."""

from __future__ import annotations

UNLIMITED = -1
LIMITS = (
    "api_calls_per_day",
    "tokens_per_month",
    "projects",
    "api_keys",
    "team_members",
    "schema_versions",
    "conversation_messages",
)

PLANS: dict[str, dict[str, int]] = {
    "FREE": {
        "api_calls_per_day": 1_000,
        "tokens_per_month": 100_000,
        "projects": 3,
        "api_keys": 5,
        "team_members": 1,
        "schema_versions": 20,
        "conversation_messages": 2_000,
    },
    "STARTER": {
        "api_calls_per_day": 10_000,
        "tokens_per_month": 1_000_000,
        "projects": 10,
        "api_keys": 20,
        "team_members": 5,
        "schema_versions": 100,
        "conversation_messages": 20_000,
    },
    "PROFESSIONAL": {
        "api_calls_per_day": 100_000,
        "tokens_per_month": 10_000_000,
        "projects": 50,
        "api_keys": 100,
        "team_members": 20,
        "schema_versions": 500,
        "conversation_messages": 200_000,
    },
    "ENTERPRISE": dict.fromkeys(LIMITS, UNLIMITED),
}


def limits_of(plan: str, custom: dict[str, int] | None = None) -> dict[str, int]:
    """The limits of ``plan`` with an organization's custom ones laid over them."""
    return {**PLANS.get(plan, PLANS["FREE"]), **(custom or {})}
