"""The plans, as data (roadmap item 10's numbers); -1 means unlimited.

``schema_versions`` and ``conversation_messages`` are storage per project (not in the roadmap's
table; sized so that a plan's projects can keep a working history). Plans and custom limits are
the deployment operators' to set (``QuotaManager.set_plan``), not an organization's."""

from __future__ import annotations

from ..errors import InvalidInputError

UNLIMITED = -1
# The largest limit the store's counters (BIGINT) can compare with.
MAX_LIMIT = 2**63 - 1
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


def check_limit(name: str, value: object, most: int = MAX_LIMIT) -> int | None:
    """``value`` as a limit: an integer from 0 to ``most``, or None. A JSON ``true`` is not a
    number here, although Python's ``bool`` is an ``int``."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= most:
        raise InvalidInputError(
            f"{name} must be null (unlimited) or an integer from 0 to {most}.",
            field=name,
        )
    return value


def check_custom_limits(custom: object) -> dict[str, int]:
    """An organization's custom limits as stored: each of ``LIMITS`` an integer >= 0 or null
    (unlimited, stored as -1)."""
    if not isinstance(custom, dict):
        raise InvalidInputError(f"limits must be an object with some of: {', '.join(LIMITS)}.")
    unknown = sorted(str(k) for k in custom if k not in LIMITS)
    if unknown:
        raise InvalidInputError(
            f"Unknown limit(s) {', '.join(unknown)}; limits: {', '.join(LIMITS)}."
        )
    checked = {name: check_limit(name, value) for name, value in custom.items()}
    return {name: UNLIMITED if value is None else value for name, value in checked.items()}
