"""Invitations on a real store (SQLite and PostgreSQL) with the emails delivered to a real
SMTP server on loopback; then the whole flow over REST through a Jupyter server."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from askdb_server.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    InvalidTokenError,
    InvitationNotFoundError,
    TokenGoneError,
    UserNotFoundError,
)
from askdb_server.mail.wiring import MailServices
from askdb_server.store.models import Invitation
from tests.helpers.clock import Clock
from tests.helpers.servers import HeaderIdentityProvider
from tests.helpers.smtp import INVITATION_TOKEN, body_of, invitation_token_sent_to

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def clock():
    return Clock(T0)


@pytest.fixture
def mail(world, smtp, clock):
    return MailServices.build(world.services, smtp.config(), clock)


def _by_email(invitations: list) -> list:
    """The invitations sent by email (the world's members joined by invitations to names)."""
    return [i for i in invitations if i.email]


def test_invite_emails_a_link_that_joins_with_the_role(world, mail, smtp):
    a = world.a
    inv = mail.invitations.invite(a["ADMIN"], "New.Person@Example.test", "DEVELOPER")
    assert (inv.email, inv.role, inv.status) == ("new.person@example.test", "DEVELOPER", "pending")
    assert inv.expires_at == T0 + timedelta(days=7)
    token = invitation_token_sent_to(mail, smtp, "new.person@example.test")

    newcomer = world.services.users.ensure("newcomer")
    joined = mail.invitations.accept(newcomer, token)
    assert (joined.role, joined.org_id) == ("DEVELOPER", world.services.orgs.current(a["ADMIN"]).id)
    assert world.services.projects.list(newcomer) == []  # a member, yet shares nothing
    [listed] = _by_email(mail.invitations.list(a["ADMIN"]))
    assert listed.status == "accepted"
    with world.services.store.session() as s:
        stored = s.query(Invitation).filter(Invitation.email.is_not(None)).one()
        assert token not in stored.token_hash and len(stored.token_hash) == 64


def test_a_token_works_once(world, mail, smtp):
    mail.invitations.invite(world.a["ADMIN"], "x@example.test", "VIEWER")
    token = invitation_token_sent_to(mail, smtp, "x@example.test")
    mail.invitations.accept(world.services.users.ensure("x"), token)
    with pytest.raises(TokenGoneError) as e:
        mail.invitations.accept(world.services.users.ensure("y"), token)
    assert e.value.reason == "used" and e.value.status == 410


def test_expired_and_revoked_tokens_are_gone(world, mail, smtp, clock):
    admin = world.a["ADMIN"]
    mail.invitations.invite(admin, "late@example.test", "VIEWER")
    late = invitation_token_sent_to(mail, smtp, "late@example.test")
    revoked = mail.invitations.invite(admin, "rev@example.test", "VIEWER")
    rev_token = invitation_token_sent_to(mail, smtp, "rev@example.test")
    mail.invitations.revoke(admin, revoked.id)
    someone = world.services.users.ensure("someone")
    with pytest.raises(TokenGoneError) as e:
        mail.invitations.accept(someone, rev_token)
    assert e.value.reason == "revoked"
    clock.now = T0 + timedelta(days=7)
    with pytest.raises(TokenGoneError) as e:
        mail.invitations.accept(someone, late)
    assert e.value.reason == "expired"
    assert {i.email: i.status for i in _by_email(mail.invitations.list(admin))} == {
        "late@example.test": "expired",
        "rev@example.test": "revoked",
    }
    with pytest.raises(InvalidTokenError):
        mail.invitations.accept(someone, "not-a-token")


@pytest.mark.parametrize(
    "inviter, role, error",
    [
        ("MANAGER", "ADMIN", ForbiddenError),  # no stronger role than one's own
        ("DEVELOPER", "VIEWER", ForbiddenError),
        ("VIEWER", "VIEWER", ForbiddenError),
        ("ADMIN", "OWNER", InvalidInputError),
    ],
)
def test_who_may_invite_whom(world, mail, inviter, role, error):
    with pytest.raises(error):
        mail.invitations.invite(world.a[inviter], "z@example.test", role)
    assert mail.outbox.pending() == []


def test_manager_invites_and_revokes(world, mail):
    manager = world.a["MANAGER"]
    inv = mail.invitations.invite(manager, "m@example.test", "MANAGER")
    assert [i.id for i in _by_email(mail.invitations.list(manager))] == [inv.id]
    mail.invitations.revoke(manager, inv.id)
    [revoked] = [i for i in mail.invitations.list(manager) if i.id == inv.id]
    assert revoked.status == "revoked"


def test_another_orgs_invitation_is_invisible(world, mail):
    inv = mail.invitations.invite(world.a["ADMIN"], "q@example.test", "VIEWER")
    assert _by_email(mail.invitations.list(world.b["ADMIN"])) == []
    with pytest.raises(InvitationNotFoundError):
        mail.invitations.revoke(world.b["ADMIN"], inv.id)


def test_members_are_not_invited_twice_and_cannot_rejoin(world, mail, smtp):
    with pytest.raises(InvalidInputError):
        mail.invitations.invite(world.a["ADMIN"], "not an email", "VIEWER")
    mail.invitations.invite(world.a["ADMIN"], "b@example.test", "VIEWER")
    token = invitation_token_sent_to(mail, smtp, "b@example.test")
    with pytest.raises(ConflictError):
        mail.invitations.accept(world.a["VIEWER"], token)  # already a member
    # The token was not spent by the refusal.
    mail.invitations.accept(world.b["VIEWER"], token)


def test_invite_accept_revoke_are_audited(world, mail, smtp):
    admin = world.a["ADMIN"]
    inv = mail.invitations.invite(admin, "c@example.test", "VIEWER")
    token = invitation_token_sent_to(mail, smtp, "c@example.test")
    mail.invitations.accept(world.services.users.ensure("c"), token)
    other = mail.invitations.invite(admin, "d@example.test", "VIEWER")
    mail.invitations.revoke(admin, other.id)
    events = world.services.audit.read(admin, action="invitation")
    assert [(e.action, e.target) for e in events if "@" in e.target] == [
        ("invitation.sent", inv.email),
        ("invitation.accepted", inv.email),
        ("invitation.sent", "d@example.test"),
        ("invitation.revoked", "d@example.test"),
    ]


# -- over REST, with the server's background delivery ---------------------------------------
@pytest.fixture
def jp_server_config(tmp_path, smtp):
    return {
        "ServerApp": {
            "jpserver_extensions": {"askdb_server": True},
            "identity_provider_class": HeaderIdentityProvider,
        },
        "AskDBApp": {
            "data_dir": str(tmp_path / "askdb-data"),
            "use_embeddings": False,
            "local_user": "",
        },
        "AskDBMail": {
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp.port,
            "smtp_security": "none",
            "public_url": "https://askdb.example.test/",
            "poll_interval": 0.1,
        },
    }


async def _email_to(smtp, address: str, timeout: float = 10.0):
    import asyncio

    for _ in range(int(timeout / 0.05)):
        found = smtp.inbox.to(address)
        if found:
            return found[-1]
        await asyncio.sleep(0.05)
    raise AssertionError(f"no email reached {address}")


async def test_invitation_flow_over_rest(as_user, smtp):
    status, inv = await as_user(
        "boss", "POST", "orgs/current/invitations", {"email": "kim@example.test", "role": "MANAGER"}
    )
    assert status == 201, inv
    assert inv["status"] == "pending"
    message = await _email_to(smtp, "kim@example.test")
    token = INVITATION_TOKEN.search(body_of(message)).group(1)

    # Kim signs in (her own personal organization) and accepts.
    status, joined = await as_user("kim", "POST", "invitations/accept", {"token": token})
    assert status == 200, joined
    assert joined["role"] == "MANAGER"
    _, boss = await as_user("boss", "GET", "users/me")
    assert joined["org_id"] == boss["org_id"]
    _, members = await as_user("boss", "GET", "orgs/current/members")
    assert {m["username"]: m["role"] for m in members["members"]} == {
        "boss": "ADMIN",
        "kim": "MANAGER",
    }
    # Used: 410, with a problem+json body saying so.
    status, problem = await as_user("other", "POST", "invitations/accept", {"token": token})
    assert (status, problem["code"], problem["reason"]) == (410, "token_gone", "used")
    status, problem = await as_user("other", "POST", "invitations/accept", {"token": "nope"})
    assert (status, problem["code"]) == (400, "invalid_token")

    # Kim, now a manager, may invite and revoke; a viewer she invites may not invite.
    status, second = await as_user(
        "kim", "POST", "orgs/current/invitations", {"email": "lee@example.test", "role": "VIEWER"}
    )
    assert status == 201
    status, _ = await as_user("kim", "DELETE", f"orgs/current/invitations/{second['id']}")
    assert status == 204
    lee_token = INVITATION_TOKEN.search(body_of(await _email_to(smtp, "lee@example.test"))).group(1)
    status, problem = await as_user("lee", "POST", "invitations/accept", {"token": lee_token})
    assert (status, problem["reason"]) == (410, "revoked")
    status, listed = await as_user("boss", "GET", "orgs/current/invitations")
    assert [i["status"] for i in listed["invitations"]] == ["revoked", "accepted"]
    status, _ = await as_user(
        "kim", "POST", "orgs/current/invitations", {"email": "a@example.test", "role": "ADMIN"}
    )
    assert status == 403


# -- membership by invitation only: an existing user, by name ---------------------------------
def test_adding_a_user_by_name_is_an_invitation_they_accept(world, mail):
    s, a, b = world.services, world.a, world.b
    admin, stranger = a["ADMIN"], b["VIEWER"]
    inv = mail.invitations.invite_user(admin, "b-viewer", "DEVELOPER")
    assert (inv.username, inv.email, inv.role, inv.status) == (
        "b-viewer",
        None,
        "DEVELOPER",
        "pending",
    )
    assert not hasattr(inv, "is_active") and not hasattr(inv, "last_login")  # no profile
    with pytest.raises(UserNotFoundError):  # not a member until they accept
        s.users.get(admin, stranger.user_id)
    [seen] = mail.invitations.received(stranger)
    assert (seen.id, seen.org_name, seen.role, seen.invited_by) == (
        inv.id,
        "a-admin",
        "DEVELOPER",
        "a-admin",
    )
    for other in (a["VIEWER"], b["ADMIN"]):  # nobody else sees or answers it
        assert mail.invitations.received(other) == []
        with pytest.raises(InvitationNotFoundError):
            mail.invitations.accept_received(other, inv.id)
        with pytest.raises(InvitationNotFoundError):
            mail.invitations.decline(other, inv.id)
    joined = mail.invitations.accept_received(stranger, inv.id)
    assert (joined.role, joined.org_id) == ("DEVELOPER", a.org_id)  # the current org now
    assert s.users.get(admin, stranger.user_id).role == "DEVELOPER"
    assert mail.invitations.received(stranger) == []
    with pytest.raises(TokenGoneError):
        mail.invitations.accept_received(stranger, inv.id)
    with pytest.raises(ConflictError):
        mail.invitations.invite_user(admin, "b-viewer", "VIEWER")  # a member already


def test_a_declined_invitation_adds_nobody(world, mail):
    a, b = world.a, world.b
    inv = mail.invitations.invite_user(a["ADMIN"], "b-admin", "ADMIN")
    with pytest.raises(ConflictError):  # one pending invitation per user and organization
        mail.invitations.invite_user(a["ADMIN"], "b-admin", "VIEWER")
    mail.invitations.decline(b["ADMIN"], inv.id)
    with pytest.raises(TokenGoneError):
        mail.invitations.accept_received(b["ADMIN"], inv.id)
    listed = mail.invitations.list(a["ADMIN"])
    assert [i.status for i in listed if i.username == "b-admin"] == ["declined"]
    assert {m.username for m in world.services.orgs.members(a["ADMIN"])} == {
        "a-admin",
        "a-manager",
        "a-developer",
        "a-viewer",
    }


def test_a_name_nobody_has_yet_gets_the_same_answer(world, mail):
    a = world.a
    known = mail.invitations.invite_user(a["ADMIN"], "b-manager", "VIEWER")
    unknown = mail.invitations.invite_user(a["ADMIN"], "not-yet-here", "VIEWER")
    assert set(known.to_dict()) == set(unknown.to_dict())
    assert unknown.status == known.status == "pending"
    later = world.services.users.ensure("not-yet-here")  # signs up under that name later
    assert [i.id for i in mail.invitations.received(later)] == [unknown.id]
    with world.services.store.session() as s:  # inviting created no user
        from askdb_server.store.models import User

        assert s.query(User).filter_by(username="never-seen").count() == 0
    mail.invitations.invite_user(a["ADMIN"], "never-seen", "VIEWER")
    with world.services.store.session() as s:
        assert s.query(User).filter_by(username="never-seen").count() == 0


def test_a_username_invitation_needs_the_inviters_rights(world, mail):
    a = world.a
    with pytest.raises(ForbiddenError):
        mail.invitations.invite_user(a["MANAGER"], "x", "ADMIN")  # above one's own role
    for role in ("DEVELOPER", "VIEWER"):
        with pytest.raises(ForbiddenError):
            mail.invitations.invite_user(a[role], "x", "VIEWER")
    assert mail.invitations.invite_user(a["MANAGER"], "x", "MANAGER").status == "pending"
    with pytest.raises(InvalidInputError):
        mail.invitations.invite_user(a["ADMIN"], "", "VIEWER")


async def test_members_post_invites_over_rest(as_user, smtp):
    _, me = await as_user("lee", "GET", "users/me")  # an existing user of their own org
    status, inv = await as_user(
        "boss", "POST", "orgs/current/members", {"username": "lee", "role": "DEVELOPER"}
    )
    assert status == 201, inv
    assert set(inv) == {
        "id",
        "email",
        "username",
        "role",
        "status",
        "invited_by",
        "created_at",
        "expires_at",
    }
    _, members = await as_user("boss", "GET", "orgs/current/members")
    assert [m["username"] for m in members["members"]] == ["boss"]  # not added
    status, listed = await as_user("lee", "GET", "users/me/invitations")
    assert status == 200 and [i["id"] for i in listed["invitations"]] == [inv["id"]]
    status, _ = await as_user("kim", "POST", f"invitations/{inv['id']}/accept")
    assert status == 404  # someone else's
    status, joined = await as_user("lee", "POST", f"invitations/{inv['id']}/accept")
    assert status == 200 and joined["role"] == "DEVELOPER" and joined["id"] == me["id"]
    _, members = await as_user("boss", "GET", "orgs/current/members")
    assert sorted(m["username"] for m in members["members"]) == ["boss", "lee"]
    # The admin manages the membership, not lee's account (lee has a personal org too).
    status, problem = await as_user("boss", "PATCH", f"users/{me['id']}", {"name": "Lee!"})
    assert (status, problem["code"]) == (403, "forbidden")
    status, _ = await as_user("boss", "PATCH", f"users/{me['id']}", {"is_active": False})
    assert status == 403
    status, _ = await as_user(
        "boss", "PATCH", f"orgs/current/members/{me['id']}", {"role": "VIEWER"}
    )
    assert status == 200
    status, second = await as_user(
        "boss", "POST", "orgs/current/members", {"username": "kim", "role": "VIEWER"}
    )
    status, _ = await as_user("kim", "POST", f"invitations/{second['id']}/decline")
    assert status == 204
    _, listed = await as_user("boss", "GET", "orgs/current/invitations")
    assert [i["status"] for i in listed["invitations"]] == ["declined", "accepted"]
