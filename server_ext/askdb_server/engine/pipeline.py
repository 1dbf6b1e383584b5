"""The question → SQL → rows pipeline: link, generate, check, run, record.

Every ask is recorded in its conversation, whether it succeeds or fails, with its timings and
every attempt the repair loop made. Steps are reported through ``on_event`` as they happen so
the REST layer can stream them (Server-Sent Events) and the panel can show progress.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from ..chat.manager import ConversationManager, MessageRecord
from ..errors import (
    AskDBError,
    EmptyQuestionError,
    InvalidInputError,
    NoAnswerError,
    QueryCancelledError,
    QueryFailedError,
    SQLSyntaxError,
    UnknownColumnError,
    UnknownTableError,
    UnsafeSQLError,
)
from ..knowledge.synonyms import with_synonyms
from ..projects.manager import ProjectManager
from ..schemas.manager import SchemaManager
from ..schemas.model import Schema
from ..sqlrun.connections import ConnectionRegistry
from ..sqlrun.guard import QueryPolicy, check_sql
from ..sqlrun.runner import QueryResult, QueryRunner
from ..users.manager import Identity
from .builtin import BuiltinEngine, Candidate
from .values import ValueIndex

if TYPE_CHECKING:
    from ..knowledge.manager import KnowledgeManager

EventSink = Callable[[str, dict], None]

# Errors that mean "this candidate is wrong", so the next candidate may still succeed.
REPAIRABLE = (
    UnsafeSQLError,
    SQLSyntaxError,
    UnknownTableError,
    UnknownColumnError,
    QueryFailedError,
)
MAX_QUESTION_LENGTH = 2000


@dataclass
class Answer:
    conversation_id: str
    message_id: str
    question: str | None
    sql: str
    explanation: str | None
    columns: list[str]
    rows: list[list]
    row_count: int
    truncated: bool
    schema_version: int | None
    timings_ms: dict[str, float] = field(default_factory=dict)
    attempts: list[dict[str, Any]] = field(default_factory=list)
    # Why rows were cut ("rows": the row cap, "bytes": the byte cap), or None.
    truncated_reason: str | None = None
    # What the user should know about this answer (e.g. a privileged database role).
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


class _Clock:
    def __init__(self) -> None:
        self.start = self.mark = time.perf_counter()
        self.timings: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = round(self.timings.get(name, 0.0) + (now - self.mark) * 1000, 2)
        self.mark = now

    def done(self) -> dict[str, float]:
        self.timings["total"] = round((time.perf_counter() - self.start) * 1000, 2)
        return self.timings


class AskPipeline:
    def __init__(
        self,
        *,
        projects: ProjectManager,
        schemas: SchemaManager,
        engine: BuiltinEngine,
        runner: QueryRunner,
        conversations: ConversationManager,
        connections: ConnectionRegistry,
        knowledge: KnowledgeManager | None = None,
        max_attempts: int = 3,
    ) -> None:
        self.projects = projects
        self.schemas = schemas
        self.engine = engine
        self.runner = runner
        self.conversations = conversations
        self.connections = connections
        self.knowledge = knowledge
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.max_attempts = max_attempts
        self._values: dict[tuple[str, int], ValueIndex] = {}
        self._values_lock = threading.Lock()

    def ask(
        self,
        who: Identity,
        project_id: str,
        question: str,
        *,
        conversation_id: str | None = None,
        on_event: EventSink | None = None,
        cancel: threading.Event | None = None,
    ) -> Answer:
        """Answer ``question`` on the project's database; raises an ``AskDBError`` on failure
        (after recording it in the conversation)."""
        emit = on_event or (lambda _e, _d: None)
        question = " ".join((question or "").split())
        if not question:
            raise EmptyQuestionError("The question is empty: ask something about your data.")
        if len(question) > MAX_QUESTION_LENGTH:
            raise InvalidInputError(
                f"The question is longer than {MAX_QUESTION_LENGTH} characters."
            )
        clock = _Clock()
        project = self.projects.get(who, project_id, action="query:ask")
        url = self.projects.connection_url(who, project_id)
        emit("status", {"step": "linking"})
        version, schema = self.schemas.current_schema(who, project_id)
        rec = MessageRecord(
            kind="ask", status="error", question=question, schema_version=version, model="builtin"
        )
        # Recorded from here on: the message exists ("running") before any slow step.
        conv_id, msg_id = self.conversations.admit(who, project_id, conversation_id, rec)
        try:
            values = (
                self._value_index(project_id, version, url, schema)
                if project.allow_value_lookup
                else None
            )
            context = self.conversations.history(conv_id) if conversation_id else []
            clock.lap("linking")
            _check_cancel(cancel)
            emit("status", {"step": "generating"})
            candidates, golden = self._candidates(project_id, question, schema, values, context)
            clock.lap("generating")
            rec.tokens = candidates[0].tokens
            result, chosen = self._try_candidates(
                candidates,
                project.dialect,
                url,
                schema,
                rec,
                clock,
                emit,
                cancel,
                QueryPolicy.of(project),
            )
        except BaseException as e:
            self._record_failure(msg_id, rec, clock, e)
            raise
        if chosen in golden:
            rec.model = "golden"
        return self._finish(
            conv_id, msg_id, rec, chosen.sql, chosen.explanation, result, clock, emit
        )

    def run_sql(
        self,
        who: Identity,
        project_id: str,
        sql: str,
        *,
        conversation_id: str | None = None,
        on_event: EventSink | None = None,
        cancel: threading.Event | None = None,
    ) -> Answer:
        """Run the user's own SQL through the guard, read-only, and record it."""
        emit = on_event or (lambda _e, _d: None)
        sql = (sql or "").strip()
        if not sql:
            raise InvalidInputError("The SQL is empty.")
        clock = _Clock()
        project = self.projects.get(who, project_id, action="query:run")
        url = self.projects.connection_url(who, project_id)
        try:
            version, schema = self.schemas.current_schema(who, project_id)
        except AskDBError:
            version, schema = None, None  # running SQL does not need an uploaded schema
        rec = MessageRecord(kind="run", status="error", sql=sql, schema_version=version)
        conv_id, msg_id = self.conversations.admit(who, project_id, conversation_id, rec)
        try:
            emit("status", {"step": "checking"})
            policy = QueryPolicy.of(project)
            checked = check_sql(sql, project.dialect or "sqlite", schema, policy)
            clock.lap("checking")
            emit("sql", {"sql": checked.sql, "explanation": None})
            emit("status", {"step": "running"})
            result = self.runner.run(
                url, sql, dialect=project.dialect, schema=schema, policy=policy, cancel=cancel
            )
            clock.lap("running")
        except BaseException as e:
            self._record_failure(msg_id, rec, clock, e)
            raise
        return self._finish(conv_id, msg_id, rec, checked.sql, None, result, clock, emit)

    # -- steps -----------------------------------------------------------------------------
    def _candidates(
        self,
        project_id: str,
        question: str,
        schema: Schema,
        values: ValueIndex | None,
        context: list[tuple[str, str]],
    ) -> tuple[list[Candidate], list[Candidate]]:
        """All candidates, best first, and those among them from approved ("golden") SQL.

        Approved SQL adapted to the question comes first, then the engine's candidates.
        Raises ``NoAnswerError`` (saying what could not be linked) when there are none.
        """
        golden: list[Candidate] = []
        engine_schema = schema
        if self.knowledge is not None:
            # The raw question, not merged with the conversation: a golden pair is reused only
            # for the same question up to its values.
            golden = self.knowledge.candidates(project_id, question, schema, values)
            terms = self.knowledge.synonyms(project_id, schema)
            if terms:
                engine_schema = with_synonyms(schema, terms)
        seen = {c.sql for c in golden}
        generated = self.engine.candidates(question, engine_schema, values, context=context)
        candidates = golden + [c for c in generated if c.sql not in seen]
        if not candidates:
            # Let the engine say what it could not link.
            self.engine.generate(question, engine_schema, values, context=context)
            raise NoAnswerError("No answer found for this question.")
        return candidates, golden

    def _record_failure(
        self, msg_id: str, rec: MessageRecord, clock: _Clock, error: BaseException
    ) -> None:
        """Complete the admitted message with how it failed; a failure that is no
        ``AskDBError`` (a bug, an interrupt) is recorded as an internal error, never left
        "running"."""
        rec.status = "cancelled" if isinstance(error, QueryCancelledError) else "error"
        if isinstance(error, AskDBError):
            rec.error_code, rec.error_message = error.code, error.message
        else:
            rec.error_code, rec.error_message = "internal_error", "Internal error: see the log."
        rec.timings_ms = clock.done()
        self.conversations.complete(msg_id, rec)

    def _try_candidates(
        self,
        candidates: list[Candidate],
        dialect: str | None,
        url: str,
        schema,
        rec: MessageRecord,
        clock: _Clock,
        emit: EventSink,
        cancel: threading.Event | None,
        policy: QueryPolicy,
    ) -> tuple[QueryResult, Candidate]:
        """The repair loop for the built-in engine: the next-best candidate after a failure."""
        last_error: AskDBError | None = None
        for cand in candidates[: self.max_attempts]:
            _check_cancel(cancel)
            try:
                emit("status", {"step": "checking"})
                checked = check_sql(cand.sql, dialect or "sqlite", schema, policy)
                clock.lap("checking")
                emit("sql", {"sql": checked.sql, "explanation": cand.explanation})
                emit("status", {"step": "running"})
                result = self.runner.run(
                    url, cand.sql, dialect=dialect, schema=schema, policy=policy, cancel=cancel
                )
                clock.lap("running")
                rec.attempts.append({"sql": cand.sql, "error": None, "code": None})
                return result, cand
            except AskDBError as e:
                clock.lap("checking")
                rec.attempts.append({"sql": cand.sql, "error": e.message, "code": e.code})
                rec.sql = cand.sql
                if not isinstance(e, REPAIRABLE):
                    raise  # a timeout, a cancel, an unreachable database: no candidate helps
                last_error = e
        assert last_error is not None  # max_attempts >= 1 and there was a candidate
        raise last_error

    def _finish(
        self,
        conv_id: str,
        msg_id: str,
        rec: MessageRecord,
        sql: str,
        explanation: str | None,
        result: QueryResult,
        clock: _Clock,
        emit: EventSink,
    ) -> Answer:
        rec.status, rec.sql, rec.explanation = "ok", sql, explanation
        rec.columns, rec.rows = result.columns, result.rows
        rec.row_count, rec.truncated = result.row_count, result.truncated
        rec.timings_ms = clock.done()
        message_id = self.conversations.complete(msg_id, rec)
        emit(
            "rows",
            {
                "columns": result.columns,
                "rows": result.rows,
                "row_count": result.row_count,
                "truncated": result.truncated,
                "truncated_reason": result.truncated_reason,
            },
        )
        for warning in result.warnings:
            emit("warning", {"message": warning})
        return Answer(
            conversation_id=conv_id,
            message_id=message_id,
            question=rec.question,
            sql=sql,
            explanation=explanation,
            columns=result.columns,
            rows=result.rows,
            row_count=result.row_count,
            truncated=result.truncated,
            schema_version=rec.schema_version,
            timings_ms=rec.timings_ms,
            attempts=rec.attempts,
            truncated_reason=result.truncated_reason,
            warnings=list(result.warnings),
        )

    def _value_index(self, project_id: str, version: int, url: str, schema) -> ValueIndex | None:
        """The project's value index for this schema version, built once and cached."""
        key = (project_id, version)
        with self._values_lock:
            if key not in self._values:
                try:
                    self._values[key] = ValueIndex.build(self.connections.engine_for(url), schema)
                except AskDBError:
                    return (
                        None  # values are a help, not a requirement: the engine still links names
                    )
            return self._values[key]


def _check_cancel(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise QueryCancelledError("The question was cancelled.")
