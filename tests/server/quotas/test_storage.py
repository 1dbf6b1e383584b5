"""Storage quotas per project on SQLite and PostgreSQL: schema versions and conversation
messages refused at the plan's count with nothing written, room again after a deletion or a
bigger plan, alerts at 80/90/100%, and usage counts."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from askdb_server.errors import InvalidInputError, PlanLimitError, UnsafeSQLError
from askdb_server.store.models import Conversation, DomainEvent, Message

DDL = "CREATE TABLE t{n} (id INTEGER PRIMARY KEY);"


def _plan(world, **limits):
    return world.set_plan("FREE", limits)


def _upload(world, n, who="ADMIN"):
    return world.services.schemas.upload_ddl(world.a[who], world.a.project_id, DDL.format(n=n))


def _rows(world, model):
    with world.services.store.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def _alerts(quotas, who, resource):
    notes = quotas.notifications(who)
    return sorted(n["data"]["percent"] for n in notes if n["data"]["quota"] == resource)


def test_schema_versions_stop_at_the_plans_count(world, quotas):
    _plan(world, schema_versions=10)  # the project has v1 already
    for n in range(2, 11):
        assert _upload(world, n).version == n
    with pytest.raises(PlanLimitError) as e:
        _upload(world, 11)
    assert e.value.status == 403 and e.value.details["resource"] == "schema_versions"
    assert "keeps 10 schema versions" in e.value.message and "raise the plan" in e.value.message
    versions = world.services.schemas.list_versions(world.a["ADMIN"], world.a.project_id)
    assert versions[0].version == 10  # nothing stored
    assert _alerts(quotas, world.a["VIEWER"], "schema_versions") == [80, 90, 100]
    with world.services.store.session() as s:
        events = s.scalars(select(DomainEvent).where(DomainEvent.type == "quota.threshold"))
        assert sorted(e.payload["percent"] for e in events) == [80, 90, 100]
    _plan(world, schema_versions=11)
    assert _upload(world, 11).version == 11
    # the other organization's project is on plain FREE (20)
    world.services.schemas.upload_ddl(world.b["ADMIN"], world.b.project_id, DDL.format(n=2))


def _run(world, sql="SELECT 1", conversation_id=None):
    return world.services.pipeline.run_sql(
        world.a["ADMIN"], world.a.project_id, sql, conversation_id=conversation_id
    )


def test_a_full_history_refuses_the_question_before_anything_runs(world, quotas):
    _plan(world, conversation_messages=5)
    first = _run(world)
    with pytest.raises(UnsafeSQLError):  # a refused query is a message too
        _run(world, "DELETE FROM customers", first.conversation_id)
    _run(world, conversation_id=first.conversation_id)
    world.services.pipeline.ask(world.a["ADMIN"], world.a.project_id, "how many customers?")
    last = _run(world)
    assert _rows(world, Message) == 5
    conversations = _rows(world, Conversation)
    for conversation_id in (None, first.conversation_id):  # a new one or a follow-up
        with pytest.raises(PlanLimitError) as e:
            _run(world, conversation_id=conversation_id)
        assert e.value.details["resource"] == "conversation_messages"
        assert "history is full" in e.value.message
        assert "Delete old conversations" in e.value.message
    with pytest.raises(PlanLimitError):
        world.services.pipeline.ask(world.a["ADMIN"], world.a.project_id, "how many?")
    # nothing half-written: no message, no empty conversation
    assert (_rows(world, Message), _rows(world, Conversation)) == (5, conversations)
    assert _alerts(quotas, world.a["ADMIN"], "conversation_messages") == [80, 90, 100]
    usage = quotas.usage(world.a["ADMIN"], world.a.project_id)
    assert (usage["conversation_messages"], usage["schema_versions"]) == (5, 1)
    assert usage["limits"]["conversation_messages"] == 5
    # deleting a conversation makes room at once; other projects were never limited
    world.services.conversations.delete(world.a["ADMIN"], last.conversation_id)
    _run(world)
    world.services.pipeline.run_sql(world.b["ADMIN"], world.b.project_id, "SELECT 1")


def test_an_empty_conversation_is_refused_too_and_a_bigger_plan_lifts_it(world, quotas):
    _plan(world, conversation_messages=1)
    _run(world)
    conversations = world.services.conversations
    with pytest.raises(PlanLimitError):
        conversations.open(world.a["ADMIN"], world.a.project_id, None, "New conversation")
    world.set_plan("STARTER")
    assert conversations.open(world.a["ADMIN"], world.a.project_id, None, "New")


def test_custom_limits_take_the_storage_keys(world, quotas):
    plan = _plan(world, schema_versions=None, conversation_messages=0)
    assert (plan["limits"]["schema_versions"], plan["limits"]["conversation_messages"]) == (-1, 0)
    with pytest.raises(PlanLimitError):
        _run(world)
    _upload(world, 2)  # null: unlimited (-1 in the limits)
    for bad in (-1, -2, True):
        with pytest.raises(InvalidInputError):
            _plan(world, conversation_messages=bad)


def test_nothing_is_limited_when_quotas_are_off(world, quotas):
    _plan(world, schema_versions=1, conversation_messages=0)
    quotas.enabled = False
    _upload(world, 2)
    _run(world)
    assert quotas.notifications(world.a["ADMIN"]) == []
    usage = quotas.usage(world.a["ADMIN"], world.a.project_id)
    assert (usage["schema_versions"], usage["conversation_messages"], usage["enforced"]) == (
        2,
        1,
        False,
    )


def test_concurrent_uploads_store_exactly_the_plans_count(world, quotas):
    _plan(world, schema_versions=4)  # v1 exists: room for 3 more, 8 try at once
    start = threading.Barrier(8)
    outcomes: list[str] = []

    def upload(n: int) -> None:
        start.wait()
        try:
            _upload(world, n)
            outcomes.append("stored")
        except PlanLimitError:
            outcomes.append("refused")

    threads = [threading.Thread(target=upload, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["refused"] * 5 + ["stored"] * 3
    versions = world.services.schemas.list_versions(world.a["ADMIN"], world.a.project_id)
    assert sorted(v.version for v in versions) == [1, 2, 3, 4]
