"""Every domain error is built one way, ``Cls(message, **details)``, so the kernel client
rebuilds any of them from its problem+json body; one function writes the body, for error
responses and for a stream's error event alike."""

from __future__ import annotations

import json
import pickle

import pytest
from tornado import web

from askdb.client import error_from_problem
from askdb_server import errors
from askdb_server.base.handlers import problem_body
from askdb_server.knowledge import embedder  # noqa: F401 (its error class joins the walk)


def _error_classes() -> list[type[errors.AskDBError]]:
    found, pending = [], [errors.AskDBError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


CLASSES = _error_classes()


def test_the_walk_finds_the_errors() -> None:
    assert len(CLASSES) > 40 and errors.RateLimitedError in CLASSES


@pytest.mark.parametrize("cls", CLASSES[1:], ids=lambda c: c.__name__)
def test_no_error_has_a_constructor_of_its_own(cls: type[errors.AskDBError]) -> None:
    assert "__init__" not in vars(cls)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_an_error_comes_back_from_its_body_as_it_was(cls: type[errors.AskDBError]) -> None:
    original = cls("It went wrong.", reason="why", retry_after=7, field="name")
    body = json.loads(json.dumps(problem_body(original)))
    rebuilt = error_from_problem(cls.status, body)
    assert type(rebuilt) is cls
    assert (rebuilt.message, rebuilt.details) == (original.message, original.details)
    assert (rebuilt.reason, rebuilt.retry_after, rebuilt.field) == ("why", 7, "name")
    assert rebuilt.to_problem() == body


def test_composed_messages_come_from_class_methods() -> None:
    unsafe = errors.UnsafeSQLError.refusing("DELETE modifies data")
    assert (unsafe.message, unsafe.reason) == (
        "Refused: DELETE modifies data",
        "DELETE modifies data",
    )
    ddl = errors.DDLParseError.at("unexpected ')'", line=3, column=14)
    assert (ddl.message, ddl.line, ddl.column) == ("line 3, column 14: unexpected ')'", 3, 14)
    assert errors.DDLParseError("no CREATE TABLE statement found").line is None


def test_documented_details_default_to_none() -> None:
    # A detail that was None is not in the body, so the rebuilt error has the class default.
    err = error_from_problem(403, {"code": "connection_not_allowed", "detail": "no", "rule": "r"})
    assert (err.rule, err.setting) == ("r", None)
    assert errors.RateLimitedError("slow down").headers == {}


@pytest.mark.parametrize("name", sorted(errors.RESERVED_DETAILS))
def test_a_detail_cannot_take_an_errors_own_name(name: str) -> None:
    with pytest.raises(TypeError):
        errors.InvalidInputError("x", **{name: 1})


def test_errors_pickle_with_their_details() -> None:
    err = pickle.loads(pickle.dumps(errors.QuotaExceededError("Used up.", quota="q", limit=5)))
    assert type(err) is errors.QuotaExceededError
    assert (err.message, err.details, err.limit) == ("Used up.", {"quota": "q", "limit": 5}, 5)
    limited = errors.RateLimitedError("Slow down.", limit="per_key", retry_after=3)
    limited.headers = {"RateLimit-Remaining": "0"}
    assert pickle.loads(pickle.dumps(limited)).headers == {"RateLimit-Remaining": "0"}


def test_the_body_of_an_askdb_error_is_its_problem() -> None:
    err = errors.PlanLimitError("Full.", resource="projects", limit=None)
    assert problem_body(err) == {
        "type": "https://askdb.dev/problems/plan_limit_reached",
        "title": "Plan limit reached",
        "status": 403,
        "detail": "Full.",
        "code": "plan_limit_reached",
        "resource": "projects",
    }


def test_the_body_of_an_http_error_says_what_tornado_said() -> None:
    assert problem_body(web.HTTPError(403, "Blocked by the host check"), 403, "Forbidden") == {
        "type": "about:blank",
        "title": "Forbidden",
        "status": 403,
        "detail": "Blocked by the host check",
        "code": "http_error",
    }
    assert problem_body(web.HTTPError(405), 405)["detail"] == "Method Not Allowed"


def test_the_body_of_anything_else_hides_the_internals() -> None:
    body = problem_body(RuntimeError("password=hunter2"))
    assert body["status"] == 500 and body["code"] == "internal_error"
    assert "hunter2" not in json.dumps(body)
