"""Domain errors a user can cause.

Managers raise these; the HTTP layer maps each class to a status code in one place
(``askdb_server.base.handlers``) and the kernel magics turn them into ``UsageError``.
Each error carries a short machine-readable ``code`` and a message written for the user.

Every error is built the same way, ``Cls(message, **details)``: no class has a constructor of
its own, so the kernel client rebuilds any of them from a problem+json body as
``cls(body["detail"], **the other fields)``. The details are the body's extra fields and the
error's attributes (``e.reason``, ``e.retry_after``); a class names the details it documents,
with their defaults, as class attributes. Where a message is composed from its details, a
class method composes it (``UnsafeSQLError.refusing(reason)``, ``DDLParseError.at(...)``).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

# What a detail may not be called: the error's own attributes (``headers``: response
# headers, never in the body) and the problem+json fields.
RESERVED_DETAILS = frozenset(
    {"message", "details", "args", "headers", "type", "title", "status", "detail", "code"}
)


class AskDBError(Exception):
    """Root of every error AskDB reports to a user."""

    code = "askdb_error"
    status = 400
    title = "AskDB error"
    # Response headers to send with the error (``RateLimit-*``): never part of the body.
    headers: Mapping[str, str] = MappingProxyType({})

    def __init__(self, message: str, **details: object) -> None:
        reserved = RESERVED_DETAILS.intersection(details)
        if reserved:
            raise TypeError(f"Not a detail of an error: {', '.join(sorted(reserved))}.")
        super().__init__(message)
        self.message = message
        self.details = details
        for name, value in details.items():
            setattr(self, name, value)

    def __reduce__(self) -> tuple:
        # Pickled (a worker process's error) as it is built, message and details, then the
        # attributes set after (``headers``).
        return _rebuild, (type(self), self.message, self.details), self.__dict__

    def to_problem(self) -> dict:
        """An ``application/problem+json`` body for this error."""
        body = {
            "type": f"https://askdb.dev/problems/{self.code}",
            "title": self.title,
            "status": self.status,
            "detail": self.message,
            "code": self.code,
        }
        body.update({k: v for k, v in self.details.items() if v is not None})
        return body


def _rebuild(cls: type[AskDBError], message: str, details: dict) -> AskDBError:
    return cls(message, **details)


class NotFoundError(AskDBError):
    code, status, title = "not_found", 404, "Not found"


class ProjectNotFoundError(NotFoundError):
    code = "project_not_found"
    title = "Unknown project"


class ConversationNotFoundError(NotFoundError):
    code = "conversation_not_found"
    title = "Unknown conversation"


class SchemaVersionNotFoundError(NotFoundError):
    code = "schema_version_not_found"
    title = "Unknown schema version"


class ConflictError(AskDBError):
    code, status, title = "conflict", 409, "Conflict"


class InvalidInputError(AskDBError):
    code, status, title = "invalid_input", 400, "Invalid input"


class EmptyQuestionError(InvalidInputError):
    code = "empty_question"
    title = "Empty question"


class InvalidDatabaseURLError(InvalidInputError):
    code = "invalid_database_url"
    title = "Invalid database URL"


class DDLParseError(InvalidInputError):
    """DDL that could not be parsed; ``line`` and ``column`` point at the fault (1-based)."""

    code = "ddl_parse_error"
    title = "Malformed DDL"
    line: int | None = None
    column: int | None = None

    @classmethod
    def at(cls, message: str, line: int | None, column: int | None = None) -> DDLParseError:
        """The error at ``line`` (and ``column``), its message prefixed with where."""
        where = f"line {line}" + (f", column {column}" if column else "") if line else ""
        return cls(f"{where}: {message}" if where else message, line=line, column=column)


class NoSchemaError(InvalidInputError):
    code = "no_schema"
    title = "No schema"


class UnsafeSQLError(AskDBError):
    """SQL the guard refuses; ``reason`` says why. Nothing was run."""

    code, status, title = "unsafe_sql", 400, "Unsafe SQL"
    reason: str | None = None

    @classmethod
    def refusing(cls, reason: str) -> UnsafeSQLError:
        """The guard's refusal: "Refused: <reason>", with ``reason`` in the details."""
        return cls(f"Refused: {reason}", reason=reason)


class PrivilegedConnectionError(AskDBError):
    """The project's database role can read server files, run programs, signal other sessions
    or administer the server; a shared deployment refuses it unless an admin overrides it."""

    code, status, title = "privileged_connection", 403, "Privileged database role"


class SQLSyntaxError(AskDBError):
    code, status, title = "sql_syntax_error", 400, "SQL syntax error"


class UnknownTableError(AskDBError):
    code, status, title = "unknown_table", 400, "Unknown table"


class UnknownColumnError(AskDBError):
    code, status, title = "unknown_column", 400, "Unknown column"


class NoAnswerError(AskDBError):
    """The engine could not turn the question into SQL it trusts."""

    code, status, title = "no_answer", 422, "No answer found"


class DatabaseUnreachableError(AskDBError):
    code, status, title = "database_unreachable", 502, "Database unreachable"


class ConnectionNotAllowedError(AskDBError):
    """The deployment's connection-target policy refuses this database URL (sqlrun/targets.py):
    ``rule`` names the rule, ``setting`` the ``AskDBApp`` trait an operator changes to allow
    it (None where no setting does, e.g. the metadata store itself)."""

    code, status, title = "connection_not_allowed", 403, "Connection not allowed"
    rule: str | None = None
    setting: str | None = None


class QueryTimeoutError(AskDBError):
    code, status, title = "query_timeout", 504, "Query timed out"


class QueryFailedError(AskDBError):
    """The database rejected a query that passed the guard."""

    code, status, title = "query_failed", 400, "Query failed"


class QueryCancelledError(AskDBError):
    code, status, title = "query_cancelled", 499, "Query cancelled"


class EmptySchemaError(InvalidInputError):
    """Introspection found no tables, so there is no schema version to record."""

    code = "empty_schema"
    title = "No tables found"


class EvalDataError(InvalidInputError):
    """An evaluation folder that is not in Spider's layout, or a malformed questions file."""

    code = "eval_data_invalid"
    title = "Invalid evaluation data"


class UnknownModelError(InvalidInputError):
    """A model name that no provider knows."""

    code = "unknown_model"
    title = "Unknown model"


class NoApprovedPairsError(InvalidInputError):
    """``askdb eval --project`` on a project with no approved question/SQL pairs."""

    code = "no_approved_pairs"
    title = "No approved question/SQL pairs"


class KnowledgeDocNotFoundError(NotFoundError):
    code = "doc_not_found"
    title = "Unknown documentation snippet"


class GoldenPairNotFoundError(NotFoundError):
    code = "golden_pair_not_found"
    title = "Unknown approved question"


class MessageNotFoundError(NotFoundError):
    code = "message_not_found"
    title = "Unknown message"


class ForbiddenError(AskDBError):
    """The caller may see the resource but their role or project permission does not allow
    the action (a Viewer's write, a Developer managing users, a deactivated account)."""

    code, status, title = "forbidden", 403, "Forbidden"


class UserNotFoundError(NotFoundError):
    code = "user_not_found"
    title = "Unknown user"


class InvitationNotFoundError(NotFoundError):
    code = "invitation_not_found"
    title = "Unknown invitation"


class InvalidTokenError(InvalidInputError):
    """A link token that matches nothing (mistyped, cut short, or never issued)."""

    code = "invalid_token"
    title = "Invalid token"


class TokenGoneError(AskDBError):
    """A link token that was valid once: used, revoked or expired (``reason`` says which)."""

    code, status, title = "token_gone", 410, "Link no longer valid"
    reason: str | None = None


class AuthenticationFailedError(AskDBError):
    """Wrong email or password (the message never says which)."""

    code, status, title = "authentication_failed", 401, "Authentication failed"


class EmailNotVerifiedError(AskDBError):
    code, status, title = "email_not_verified", 403, "Email not verified"


class TooManyAttemptsError(AskDBError):
    """Too many attempts of one account action from one address; ``retry_after`` in seconds."""

    code, status, title = "too_many_attempts", 429, "Too many attempts"
    retry_after: int | None = None


class ApiKeyNotFoundError(NotFoundError):
    code = "api_key_not_found"
    title = "Unknown API key"


class ApiKeyRejectedError(AskDBError):
    """A request's API key does not authenticate: unknown or wrong (one message for both, so
    that nobody learns whether a key id exists), revoked, expired or rotated out
    (``reason`` says which once the secret matched)."""

    code, status, title = "api_key_rejected", 401, "API key rejected"
    reason: str | None = None


class ApiKeyForbiddenError(AskDBError):
    """A valid API key that may not make this request: out of scope, endpoint, project or
    network (``reason`` says which)."""

    code, status, title = "api_key_forbidden", 403, "API key not allowed here"
    reason: str | None = None


class QuotaExceededError(AskDBError):
    """A quota on calls or tokens is used up for this period: 429 until it resets
    (``retry_after`` in seconds) or the plan is raised."""

    code, status, title = "quota_exceeded", 429, "Quota exceeded"
    quota: str | None = None
    limit: int | None = None
    retry_after: int | None = None


class PlanLimitError(AskDBError):
    """Creating one more project, API key or member, or storing one more schema version or
    conversation message in a project, would pass the plan's count (``resource`` names which;
    403: waiting does not help, a bigger plan or a deletion does)."""

    code, status, title = "plan_limit_reached", 403, "Plan limit reached"


class RateLimitedError(AskDBError):
    """Too many requests in a short window for one API key or one client address (``limit``
    names which); ``retry_after`` in seconds. Whoever refuses the request sets ``headers``,
    the ``RateLimit-*`` response headers."""

    code, status, title = "rate_limited", 429, "Too many requests"
    limit: str | None = None
    retry_after: int | None = None


class BodyTooLargeError(AskDBError):
    """A request body past the request check's size limit (base/validation.py)."""

    code, status, title = "body_too_large", 413, "Request body too large"


class UnknownEndpointError(NotFoundError):
    """A path under askdb/api/ that no handler serves."""

    code, title = "unknown_endpoint", "Unknown endpoint"
