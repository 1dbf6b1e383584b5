"""The audit log: what is recorded, in the change's transaction, filters, and the export
formats (CSV, JSON, RFC 5424 syslog lines). Store on SQLite and PostgreSQL."""

import csv
import io
import json
import re
from datetime import datetime, timedelta, timezone

import pytest

from askdb_server.errors import ConflictError, ForbiddenError, NoAnswerError

# RFC 5424: <PRI>VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP SD [SP MSG]
SD_PARAM = r' \w+="(?:[^"\\\]]|\\.)*"'
SYSLOG = re.compile(
    rf"^<(\d{{1,3}})>1 (\S+) (\S{{1,255}}) askdb - (\S{{1,32}}) \[askdb@32473({SD_PARAM})*\] .*$"
)


def _actions(services, who, **filters):
    return [(e.actor, e.action, e.outcome) for e in services.audit.read(who, **filters)]


def test_changes_questions_and_refusals_are_recorded(world):
    s, a, pid = world.services, world.a, world.a.project_id
    s.projects.share(a["ADMIN"], pid, username="a-viewer", permission="VIEWER")
    s.pipeline.ask(a["VIEWER"], pid, "how many customers are there?")
    with pytest.raises(NoAnswerError):
        s.pipeline.ask(a["VIEWER"], pid, "zzz qqq")
    with pytest.raises(ForbiddenError):
        s.projects.archive(a["VIEWER"], pid)
    s.pipeline.run_sql(a["ADMIN"], pid, "SELECT name FROM customers")
    events = _actions(s, a["ADMIN"], project_id=pid)
    assert events == [
        ("a-admin", "project.created", "ok"),
        ("a-admin", "schema.uploaded", "ok"),
        ("a-admin", "project.shared", "ok"),
        ("a-viewer", "query.asked", "ok"),
        ("a-viewer", "query.asked", "error"),
        ("a-viewer", "access.denied", "denied"),
        ("a-admin", "query.run", "ok"),
    ]
    # Members join by invitation only: each one is sent, then accepted by the invited user.
    org_events = _actions(s, a["ADMIN"], action="invitation")
    assert sorted(e[1] for e in org_events) == ["invitation.accepted"] * 3 + ["invitation.sent"] * 3
    assert _actions(s, world.b["ADMIN"], actor="a-admin") == []  # b sees none of a's events


def test_an_event_rolls_back_with_its_change(world):
    s, a = world.services, world.a
    before = len(s.audit.read(a["ADMIN"]))
    with pytest.raises(ConflictError):
        s.projects.create(a["ADMIN"], "shop")  # name taken: nothing written, nothing logged
    assert len(s.audit.read(a["ADMIN"])) == before


def test_only_admins_read_the_log(world):
    for role in ("MANAGER", "DEVELOPER", "VIEWER"):
        with pytest.raises(ForbiddenError):
            world.services.audit.read(world.a[role])


def test_filters_by_actor_action_and_dates(world):
    s, a = world.services, world.a
    now = datetime.now(timezone.utc)
    assert _actions(s, a["ADMIN"], actor="a-admin", action="project.created") == [
        ("a-admin", "project.created", "ok")
    ]
    assert s.audit.read(a["ADMIN"], since=(now + timedelta(minutes=1)).isoformat()) == []
    assert s.audit.read(a["ADMIN"], until=(now - timedelta(days=1)).date().isoformat()) == []
    assert len(s.audit.read(a["ADMIN"], since=(now - timedelta(minutes=5)).isoformat())) > 3


def test_exports(world):
    s, a = world.services, world.a
    s.projects.update(a["ADMIN"], a.project_id, name="=SUM(A1)")  # a spreadsheet formula
    s.projects.update(a["ADMIN"], a.project_id, name='shop]"\\')
    events = s.audit.read(a["ADMIN"])

    ctype, body = s.audit.export(a["ADMIN"], "json")
    assert ctype == "application/json"
    assert [e["action"] for e in json.loads(body)["events"]] == [e.action for e in events]

    ctype, body = s.audit.export(a["ADMIN"], "csv")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert ctype.startswith("text/csv") and len(rows) == len(events)
    assert rows[0]["actor"] == "a-admin" and json.loads(rows[-1]["details"]) == {"fields": ["name"]}
    assert rows[-2]["target"] == "'=SUM(A1)"  # quoted as text, not run as a formula

    _, body = s.audit.export(a["ADMIN"], "syslog")
    lines = body.splitlines()
    assert len(lines) == len(events)
    for line, event in zip(lines, events, strict=True):
        m = SYSLOG.match(line)
        assert m, line
        assert int(m.group(1)) == 13 * 8 + 6 and m.group(4) == event.action
    assert 'target="shop\\]\\"\\\\"' in lines[-1]  # RFC 5424 escapes in SD-PARAM values
