"""problem+json bodies turn back into the server's own error classes."""

from __future__ import annotations

from askdb.client import AskDBClientError, error_from_problem
from askdb_server import errors


def test_known_code_gives_the_server_class_with_its_message() -> None:
    original = errors.UnsafeSQLError.refusing("DELETE modifies data")
    err = error_from_problem(400, original.to_problem())
    assert type(err) is errors.UnsafeSQLError
    assert str(err) == str(original) == "Refused: DELETE modifies data"
    assert err.reason == "DELETE modifies data"


def test_every_server_error_round_trips() -> None:
    pending, seen = [errors.AskDBError], 0
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        err = error_from_problem(cls.status, {"code": cls.code, "detail": "boom"})
        assert type(err) is cls and str(err) == "boom"
        seen += 1
    assert seen > 10


def test_unknown_code_gives_a_client_error() -> None:
    err = error_from_problem(418, {"code": "teapot", "detail": "short and stout"})
    assert isinstance(err, AskDBClientError)
    assert (err.code, err.status, str(err)) == ("teapot", 418, "short and stout")
