"""ApiKeyManager on SQLite and PostgreSQL: the key's life (create, rotate, revoke, expire) and
every reason a request is refused, with a clock the tests move."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from askdb_server.errors import (
    ApiKeyForbiddenError,
    ApiKeyNotFoundError,
    ApiKeyRejectedError,
    ForbiddenError,
    InvalidInputError,
    ProjectNotFoundError,
)
from askdb_server.keys.manager import KeyRequest
from askdb_server.store.models import ApiKey

ASK = dict(route="ask", scope="query:generate", method="POST", ip="127.0.0.1")


def _req(project_id, **kw):
    return KeyRequest(project_id=project_id, **{**ASK, **kw})


def _create(world, role="MANAGER", **fields):
    fields.setdefault("name", "etl")
    fields.setdefault("scopes", ["query:generate", "schema:read"])
    return world.services.keys.create(world.a[role], world.a.project_id, fields)


def test_a_key_is_shown_once_and_only_its_hash_is_stored(world, clock):
    view, token = _create(world)
    assert token.startswith(f"askdb_{view['id']}_") and "key" not in view
    secret = token.split("_", 2)[2]
    with world.services.store.session() as s:
        row = s.get(ApiKey, view["id"])
        assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert secret not in repr(row.__dict__)
    ctx = world.services.keys.authenticate(token, _req(world.a.project_id))
    assert ctx.identity == world.a["MANAGER"] and ctx.project_id == world.a.project_id
    assert (
        world.services.keys.get(world.a["ADMIN"], world.a.project_id, view["id"])["name"] == "etl"
    )


def test_wrong_and_unknown_keys_get_one_answer(world, clock):
    view, token = _create(world)
    other = f"askdb_{'0' * 16}_{token.split('_', 2)[2]}"
    answers = set()
    for bad in (token[:-1] + ("A" if token[-1] != "A" else "B"), other, "askdb_", "askdb_x"):
        with pytest.raises(ApiKeyRejectedError) as e:
            world.services.keys.authenticate(bad, _req(world.a.project_id))
        answers.add((e.value.message, e.value.reason, e.value.status))
    assert answers == {("The API key is not valid.", "invalid", 401)}


def test_expired_key_is_refused_at_once(world, clock):
    clock.advance(0)
    _view, token = _create(world, expires_at=(clock.now.replace(minute=5)).isoformat())
    world.services.keys.authenticate(token, _req(world.a.project_id))
    clock.advance(5 * 60 - 1)
    world.services.keys.authenticate(token, _req(world.a.project_id))
    clock.advance(1)
    with pytest.raises(ApiKeyRejectedError) as e:
        world.services.keys.authenticate(token, _req(world.a.project_id))
    assert e.value.reason == "expired" and e.value.status == 401
    with pytest.raises(InvalidInputError):
        _create(world, expires_at=clock.now.isoformat())


def test_revoked_key_is_refused(world, clock):
    view, token = _create(world)
    world.services.keys.revoke(world.a["ADMIN"], world.a.project_id, view["id"])
    with pytest.raises(ApiKeyRejectedError) as e:
        world.services.keys.authenticate(token, _req(world.a.project_id))
    assert e.value.reason == "revoked"


def test_rotation_keeps_the_old_key_for_the_overlap_only(world, clock):
    keys = world.services.keys
    view, old = _create(world, ip_allow=["127.0.0.0/8"])
    new_view, new = keys.rotate(world.a["MANAGER"], world.a.project_id, view["id"], 600)
    assert new != old and new_view["scopes"] == view["scopes"]
    assert new_view["ip_allow"] == ["127.0.0.0/8"]
    clock.advance(599)
    keys.authenticate(old, _req(world.a.project_id))
    keys.authenticate(new, _req(world.a.project_id))
    clock.advance(1)
    with pytest.raises(ApiKeyRejectedError) as e:
        keys.authenticate(old, _req(world.a.project_id))
    assert e.value.reason == "rotated"
    keys.authenticate(new, _req(world.a.project_id))
    with pytest.raises(InvalidInputError):
        keys.rotate(world.a["MANAGER"], world.a.project_id, view["id"], 10)


@pytest.mark.parametrize(
    "allow, ip, ok",
    [
        (["10.0.0.0/8"], "10.1.2.3", True),
        (["10.0.0.0/8"], "11.0.0.1", False),
        (["192.168.1.7"], "192.168.1.7", True),
        (["2001:db8::/32"], "2001:db8:1::5", True),
        (["2001:db8::/32"], "2001:db9::1", False),
        (["10.0.0.0/8"], "::ffff:10.0.0.9", True),
        (["2001:db8::/32", "10.0.0.0/8"], "fe80::1", False),
    ],
)
def test_ip_allow_list_v4_and_v6(world, clock, allow, ip, ok):
    _view, token = _create(world, ip_allow=allow)
    if ok:
        world.services.keys.authenticate(token, _req(world.a.project_id, ip=ip))
    else:
        with pytest.raises(ApiKeyForbiddenError) as e:
            world.services.keys.authenticate(token, _req(world.a.project_id, ip=ip))
        assert e.value.reason == "network" and e.value.status == 403


def test_scope_endpoint_and_project_denials(world, clock):
    keys = world.services.keys
    _view, token = _create(world, scopes=["schema:read"], endpoints=["schemas", "ask"])
    with pytest.raises(ApiKeyForbiddenError) as e:
        keys.authenticate(token, _req(world.a.project_id))  # ask needs query:generate
    assert e.value.reason == "scope" and "query:generate" in e.value.message
    with pytest.raises(ApiKeyForbiddenError) as e:
        keys.authenticate(token, _req(world.a.project_id, route="docs", scope="schema:read"))
    assert e.value.reason == "endpoint"
    with pytest.raises(ApiKeyForbiddenError) as e:
        keys.authenticate(token, _req(world.b.project_id, route="schemas", scope="schema:read"))
    assert e.value.reason == "project"
    keys.authenticate(token, _req(world.a.project_id, route="schemas", scope="schema:read"))
    _v, admin = _create(world, scopes=["admin:*"])
    keys.authenticate(admin, _req(world.a.project_id, route="run", scope="query:execute"))


def test_last_used_is_written_at_most_once_a_minute(world, clock):
    keys = world.services.keys
    view, token = _create(world)
    start = clock.now
    keys.authenticate(token, _req(world.a.project_id))
    for _ in range(3):
        clock.advance(20)
        keys.authenticate(token, _req(world.a.project_id))
    got = keys.get(world.a["MANAGER"], world.a.project_id, view["id"])["last_used_at"]
    assert got == start.isoformat()  # 60 s not yet passed since the first write
    clock.advance(1)
    keys.authenticate(token, _req(world.a.project_id))
    got = keys.get(world.a["MANAGER"], world.a.project_id, view["id"])["last_used_at"]
    assert got == clock.now.isoformat()


def test_activity_log_and_stats(world, clock):
    keys = world.services.keys
    view, token = _create(world, scopes=["query:generate"])
    keys.authenticate(token, _req(world.a.project_id, user_agent="etl/1.0"))
    with pytest.raises(ApiKeyForbiddenError):
        keys.authenticate(token, _req(world.a.project_id, route="schemas", scope="schema:read"))
    data = keys.activity(world.a["MANAGER"], world.a.project_id, view["id"])
    assert [(a["endpoint"], a["success"], a["reason"]) for a in data["activity"]] == [
        ("schemas", False, "scope"),
        ("ask", True, None),
    ] or [(a["endpoint"], a["success"]) for a in data["activity"]] == [
        ("ask", True),
        ("schemas", False),
    ]
    assert data["activity"][-1]["ip"] == "127.0.0.1"
    assert {a["user_agent"] for a in data["activity"]} == {"etl/1.0", None}
    stats = data["stats"]
    assert (stats["requests"], stats["succeeded"], stats["refused"]) == (2, 1, 1)
    assert stats["by_endpoint"] == {"ask": 1, "schemas": 1} and stats["last_24h"] == 2


def test_management_is_authorized(world, clock):
    keys = world.services.keys
    view, _token = _create(world)
    world.services.projects.share(
        world.a["ADMIN"], world.a.project_id, user_id=world.a["VIEWER"].user_id
    )
    world.services.keys.list(world.a["ADMIN"], world.a.project_id)
    with pytest.raises(ForbiddenError):  # VIEWER role: no keys:manage
        keys.list(world.a["VIEWER"], world.a.project_id)
    with pytest.raises(ProjectNotFoundError):  # another organization's project: invisible
        keys.list(world.b["ADMIN"], world.a.project_id)
    with pytest.raises(ApiKeyNotFoundError):  # a key of another project
        keys.get(world.b["ADMIN"], world.b.project_id, view["id"])
    assert [k["id"] for k in keys.list(world.a["MANAGER"], world.a.project_id)] == [view["id"]]


def test_invalid_fields_are_refused(world, clock):
    for fields in (
        {"scopes": ["query:generate", "root"]},
        {"scopes": []},
        {"name": "", "scopes": ["chat:read"]},
        {"ip_allow": ["10.0.0.0/33"]},
        {"endpoints": ["nope"]},
        {"expires_at": "tomorrow"},
        {"colour": "red"},
    ):
        with pytest.raises(InvalidInputError):
            _create(world, **fields)
    with world.services.store.session() as s:
        assert s.scalars(select(ApiKey)).all() == []
