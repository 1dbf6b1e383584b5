"""Errors the client raises, and the mapping from problem+json bodies back to error classes.

A REST error comes back as ``application/problem+json`` with a machine-readable ``code``. When
``askdb_server`` is importable (it ships in the same distribution) the client re-raises the very
class the server raised, so local and REST mode fail alike; otherwise ``AskDBClientError``.
"""

from __future__ import annotations

from typing import Any

try:  # the kernel may run where only the client half is installed
    from askdb_server.errors import RESERVED_DETAILS, AskDBError
except ImportError:  # pragma: no cover - both halves ship together today
    AskDBError = None  # type: ignore[assignment,misc]
    RESERVED_DETAILS = frozenset()


class AskDBClientError(Exception):
    """An error reported by the AskDB API (or about reaching it) with no matching local class."""

    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def user_error_types() -> tuple[type[Exception], ...]:
    """The exception classes that mean "the user can fix this" (shown without a traceback)."""
    return (AskDBClientError,) if AskDBError is None else (AskDBClientError, AskDBError)


def _error_classes() -> dict[str, type]:
    """Every ``AskDBError`` subclass by its ``code`` (subclasses win over their parents)."""
    if AskDBError is None:
        return {}
    found: dict[str, type] = {}
    pending: list[type] = [AskDBError]
    while pending:
        cls = pending.pop(0)
        found[cls.code] = cls
        pending.extend(cls.__subclasses__())
    return found


def error_from_problem(status: int, body: dict[str, Any]) -> Exception:
    """Turn a problem+json body into the exception the server raised: its class (by
    ``code``) built as every AskDB error is, ``cls(detail, **details)``, where the details
    are the body's fields other than the problem+json ones."""
    code = str(body.get("code") or f"http_{status}")
    detail = str(body.get("detail") or body.get("message") or body.get("title") or code)
    cls = _error_classes().get(code)
    if cls is None:
        return AskDBClientError(code, detail, status)
    details = {k: v for k, v in body.items() if k not in RESERVED_DETAILS}
    return cls(detail, **details)
