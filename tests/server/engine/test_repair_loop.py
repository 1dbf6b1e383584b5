"""The repair loop: after a candidate fails the guard or the database, the pipeline tries the
engine's next candidate, a bounded number of times, and records every attempt.

Real parts: a SQLite user database, the metadata store on SQLite, the guard and the runner; the
engine is the built-in one with its candidates fixed by the test.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from askdb_server.engine.builtin import BuiltinEngine, Candidate
from askdb_server.errors import QueryFailedError, QueryTimeoutError, UnknownColumnError
from askdb_server.services import Services, Settings

UNKNOWN_COLUMN = "SELECT colour FROM animal"
UNKNOWN_TABLE = "SELECT count(*) FROM animals_archive"
REJECTED_BY_DB = "SELECT count(*) FROM animal GROUP BY 1"  # passes the guard; SQLite refuses
VALID = "SELECT count(*) AS n FROM animal"
SLOW = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"


class FixedEngine(BuiltinEngine):
    """The built-in engine, answering every question with the same candidates, best first."""

    def __init__(self, sqls: list[str]) -> None:
        super().__init__(embedder=None)
        self.sqls = sqls

    def candidates(self, question, schema, values=None, *, context=None) -> list[Candidate]:
        return [
            Candidate(sql, f"candidate {i + 1}", 0.9 - 0.1 * i, 4)
            for i, sql in enumerate(self.sqls)
        ]


@pytest.fixture
def zoo(tmp_path: Path):
    db = tmp_path / "zoo.sqlite"
    with sqlite3.connect(db) as conn:
        conn.executescript(
            "CREATE TABLE animal (id INTEGER PRIMARY KEY, name TEXT, age INTEGER);"
            "INSERT INTO animal VALUES (1, 'Leo', 5), (2, 'Zara', 3), (3, 'Gus', 7);"
        )
    conn.close()
    services = Services.build(
        Settings.defaults(tmp_path / "askdb", use_embeddings=False, statement_timeout=0.5)
    )
    who = services.users.ensure("ana")
    project = services.projects.create(who, "zoo", connection_url=f"sqlite:///{db}")
    services.schemas.introspect(who, project.id)
    yield services, who, project.id
    services.close()


def _stored_message(services: Services, who, conversation_id: str) -> dict:
    return services.conversations.get(who, conversation_id)["messages"][-1]


def _only_conversation(services: Services, who, project_id: str) -> str:
    (conv,) = services.conversations.list(who, project_id)
    return conv["id"]


def test_the_next_candidate_answers_after_a_failure(zoo) -> None:
    services, who, project_id = zoo
    services.pipeline.engine = FixedEngine([UNKNOWN_COLUMN, VALID])
    answer = services.pipeline.ask(who, project_id, "How many animals are there?")
    assert answer.sql == VALID and answer.rows == [[3]]
    assert answer.explanation == "candidate 2"
    assert [a["sql"] for a in answer.attempts] == [UNKNOWN_COLUMN, VALID]
    assert answer.attempts[0]["code"] == UnknownColumnError.code
    assert "colour" in answer.attempts[0]["error"]
    assert answer.attempts[1]["error"] is None
    stored = _stored_message(services, who, answer.conversation_id)
    assert stored["status"] == "ok" and stored["sql"] == VALID
    assert stored["timings_ms"]["attempts"] == answer.attempts


def test_a_database_error_is_repaired_too(zoo) -> None:
    services, who, project_id = zoo
    services.pipeline.engine = FixedEngine([REJECTED_BY_DB, VALID])
    answer = services.pipeline.ask(who, project_id, "How many animals are there?")
    assert answer.rows == [[3]]
    assert answer.attempts[0]["code"] == QueryFailedError.code


def test_attempts_are_bounded_and_the_last_error_is_raised(zoo) -> None:
    services, who, project_id = zoo
    services.pipeline.max_attempts = 2
    services.pipeline.engine = FixedEngine([UNKNOWN_COLUMN, REJECTED_BY_DB, UNKNOWN_TABLE])
    with pytest.raises(QueryFailedError) as raised:
        services.pipeline.ask(who, project_id, "How many animals are there?")
    assert "aggregate" in raised.value.message  # the second candidate's error, the last tried
    stored = _stored_message(services, who, _only_conversation(services, who, project_id))
    assert stored["status"] == "error"
    assert stored["error"] == {"code": QueryFailedError.code, "message": raised.value.message}
    assert stored["sql"] == REJECTED_BY_DB
    attempts = stored["timings_ms"]["attempts"]
    assert [a["sql"] for a in attempts] == [UNKNOWN_COLUMN, REJECTED_BY_DB]
    assert [a["code"] for a in attempts] == [UnknownColumnError.code, QueryFailedError.code]


def test_a_timeout_is_not_repaired_but_is_recorded(zoo) -> None:
    services, who, project_id = zoo
    services.pipeline.engine = FixedEngine([SLOW, VALID])
    with pytest.raises(QueryTimeoutError):
        services.pipeline.ask(who, project_id, "How many animals are there?")
    stored = _stored_message(services, who, _only_conversation(services, who, project_id))
    assert stored["sql"] == SLOW
    assert [(a["sql"], a["code"]) for a in stored["timings_ms"]["attempts"]] == [
        (SLOW, QueryTimeoutError.code)
    ]


def test_max_attempts_must_be_positive(zoo) -> None:
    services, _, _ = zoo
    pipeline = services.pipeline
    with pytest.raises(ValueError, match="at least 1"):
        type(pipeline)(
            projects=pipeline.projects,
            schemas=pipeline.schemas,
            engine=pipeline.engine,
            runner=pipeline.runner,
            conversations=pipeline.conversations,
            connections=pipeline.connections,
            max_attempts=0,
        )
