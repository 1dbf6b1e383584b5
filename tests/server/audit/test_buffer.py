"""The background writer of audit events that ride along with no change (PostgreSQL store):
events reach the table within moments and in order, readers in the process see them at once,
a clean stop writes what is queued, and a store that cannot be written loses nothing."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from askdb_server.audit.buffer import AuditBuffer
from askdb_server.audit.log import RECORD, AuditLog
from askdb_server.store.db import Store
from askdb_server.store.models import AuditEvent


@pytest.fixture
def log(world):
    log = world.services.keys.audit
    if log.buffer is None:
        pytest.skip("the writer serves PostgreSQL stores")
    return log


def _stored(store: Store, action: str) -> list[AuditEvent]:
    with store.session() as s:
        return list(
            s.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.at))
        )


def _eventually(fn, timeout: float = 5.0):
    deadline = time.monotonic() + timeout
    while not (result := fn()) and time.monotonic() < deadline:
        time.sleep(0.01)
    return result


def test_recorded_events_reach_the_table_in_order(world, log):
    who, pid = world.a["ADMIN"], world.a.project_id
    for i in range(250):  # more than one batch
        log.record(who, "bench.call", project_id=pid, target=f"t{i}")
    rows = _eventually(lambda: len(_stored(world.services.store, "bench.call")) == 250)
    assert rows, "the writer did not write the events"
    events = _stored(world.services.store, "bench.call")
    assert [e.target for e in events] == [f"t{i}" for i in range(250)]
    assert {e.org_id for e in events} == {_org_of(world, pid)}  # looked up from the project


def _org_of(world, project_id):
    return world.services.projects.get(world.a["ADMIN"], project_id).org_id


def test_a_reader_in_the_process_sees_every_event_at_once(world, log):
    who, pid = world.a["ADMIN"], world.a.project_id
    log.buffer.interval = 60.0  # the writer would wait a minute
    time.sleep(0.05)
    log.record(who, "access.denied", project_id=pid, target="project:archive", outcome="denied")
    read = world.services.audit.read(who, action="access.denied")
    assert [(e.target, e.outcome) for e in read] == [("project:archive", "denied")]


def test_a_clean_stop_writes_what_is_queued(world, log, store_url):
    store = Store(store_url, raw_synchronous_commit=False)
    log = AuditLog(store, buffered=True)
    log.buffer.interval = 60.0
    for i in range(5):
        log.record(world.a["ADMIN"], "stop.test", target=str(i))
    log.close()
    assert [e.target for e in _stored(world.services.store, "stop.test")] == list("01234")
    store.dispose()


def test_an_unwritable_store_loses_nothing(world, log, store_url):
    who, store = world.a["ADMIN"], world.services.store
    db = store_url.rsplit("/", 1)[1]
    with store.engine.connect() as c:  # new connections give up on a lock after 100 ms
        c.exec_driver_sql(f"ALTER DATABASE \"{db}\" SET lock_timeout = '100ms'")
        c.commit()
    writer_store = Store(store_url, raw_synchronous_commit=False)
    writer = AuditLog(writer_store, buffered=True)
    with store.engine.connect() as c:  # hold the table: the writer's INSERTs fail
        tx = c.begin()
        c.exec_driver_sql("LOCK TABLE audit_events IN ACCESS EXCLUSIVE MODE")
        for i in range(3):
            writer.record(who, "held.test", target=str(i))
        time.sleep(0.5)  # a few failed tries
        assert writer.buffer._pending, "the events were dropped"
        tx.rollback()
    assert _eventually(lambda: len(_stored(store, "held.test")) == 3, timeout=15)
    assert [e.target for e in _stored(store, "held.test")] == ["0", "1", "2"]
    writer.close()
    writer_store.dispose()


def test_past_max_pending_the_caller_writes_its_event(world, log):
    calls = []
    buffer = AuditBuffer(log.store.raw, RECORD, max_pending=0)
    buffer.add({"x": 1}, calls.append)
    assert calls == [{"x": 1}]
    buffer.close()


def test_unbuffered_log_writes_on_the_callers_thread(world, store_url):
    store = Store(store_url)
    log = AuditLog(store, buffered=False)
    assert log.buffer is None
    log.record(world.a["ADMIN"], "sync.test")
    with world.services.store.session() as s:
        n = s.scalar(select(func.count()).where(AuditEvent.action == "sync.test"))
    assert n == 1
    store.dispose()
