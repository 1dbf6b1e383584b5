"""Invitations on a real store (SQLite and PostgreSQL) with the emails delivered to a real
SMTP server on loopback; then the whole flow over REST through a Jupyter server."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from askdb_server.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    InvalidTokenError,
    InvitationNotFoundError,
    TokenGoneError,
)
from askdb_server.mail.wiring import MailServices
from askdb_server.store.models import Invitation

from ..mail.loopback import body_of, smtp  # noqa: F401

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
TOKEN = re.compile(r"token=([A-Za-z0-9_\-]+)")


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def mail(world, smtp, clock):  # noqa: F811
    return MailServices.build(world.services, smtp.config(), clock)


def _token_sent_to(mail, smtp, address: str) -> str:  # noqa: F811
    mail.outbox.deliver_due()
    [message] = smtp.inbox.to(address)
    body = body_of(message)
    assert "https://askdb.example.test/askdb/invitations/accept?token=" in body
    return TOKEN.search(body).group(1)


def test_invite_emails_a_link_that_joins_with_the_role(world, mail, smtp):  # noqa: F811
    a = world.a
    inv = mail.invitations.invite(a["ADMIN"], "New.Person@Example.test", "DEVELOPER")
    assert (inv.email, inv.role, inv.status) == ("new.person@example.test", "DEVELOPER", "pending")
    assert inv.expires_at == T0 + timedelta(days=7)
    token = _token_sent_to(mail, smtp, "new.person@example.test")

    newcomer = world.services.users.ensure("newcomer")
    joined = mail.invitations.accept(newcomer, token)
    assert (joined.role, joined.org_id) == ("DEVELOPER", world.services.orgs.current(a["ADMIN"]).id)
    assert world.services.projects.list(newcomer) == []  # a member, yet shares nothing
    [listed] = mail.invitations.list(a["ADMIN"])
    assert listed.status == "accepted"
    with world.services.store.session() as s:
        stored = s.query(Invitation).one()
        assert token not in stored.token_hash and len(stored.token_hash) == 64


def test_a_token_works_once(world, mail, smtp):  # noqa: F811
    mail.invitations.invite(world.a["ADMIN"], "x@example.test", "VIEWER")
    token = _token_sent_to(mail, smtp, "x@example.test")
    mail.invitations.accept(world.services.users.ensure("x"), token)
    with pytest.raises(TokenGoneError) as e:
        mail.invitations.accept(world.services.users.ensure("y"), token)
    assert e.value.reason == "used" and e.value.status == 410


def test_expired_and_revoked_tokens_are_gone(world, mail, smtp, clock):  # noqa: F811
    admin = world.a["ADMIN"]
    mail.invitations.invite(admin, "late@example.test", "VIEWER")
    late = _token_sent_to(mail, smtp, "late@example.test")
    revoked = mail.invitations.invite(admin, "rev@example.test", "VIEWER")
    rev_token = _token_sent_to(mail, smtp, "rev@example.test")
    mail.invitations.revoke(admin, revoked.id)
    someone = world.services.users.ensure("someone")
    with pytest.raises(TokenGoneError) as e:
        mail.invitations.accept(someone, rev_token)
    assert e.value.reason == "revoked"
    clock.now = T0 + timedelta(days=7)
    with pytest.raises(TokenGoneError) as e:
        mail.invitations.accept(someone, late)
    assert e.value.reason == "expired"
    assert {i.email: i.status for i in mail.invitations.list(admin)} == {
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
    assert [i.id for i in mail.invitations.list(manager)] == [inv.id]
    mail.invitations.revoke(manager, inv.id)
    assert mail.invitations.list(manager)[0].status == "revoked"


def test_another_orgs_invitation_is_invisible(world, mail):
    inv = mail.invitations.invite(world.a["ADMIN"], "q@example.test", "VIEWER")
    assert mail.invitations.list(world.b["ADMIN"]) == []
    with pytest.raises(InvitationNotFoundError):
        mail.invitations.revoke(world.b["ADMIN"], inv.id)


def test_members_are_not_invited_twice_and_cannot_rejoin(world, mail, smtp):  # noqa: F811
    with pytest.raises(InvalidInputError):
        mail.invitations.invite(world.a["ADMIN"], "not an email", "VIEWER")
    mail.invitations.invite(world.a["ADMIN"], "b@example.test", "VIEWER")
    token = _token_sent_to(mail, smtp, "b@example.test")
    with pytest.raises(ConflictError):
        mail.invitations.accept(world.a["VIEWER"], token)  # already a member
    # The token was not spent by the refusal.
    mail.invitations.accept(world.b["VIEWER"], token)


def test_invite_accept_revoke_are_audited(world, mail, smtp):  # noqa: F811
    admin = world.a["ADMIN"]
    inv = mail.invitations.invite(admin, "c@example.test", "VIEWER")
    token = _token_sent_to(mail, smtp, "c@example.test")
    mail.invitations.accept(world.services.users.ensure("c"), token)
    other = mail.invitations.invite(admin, "d@example.test", "VIEWER")
    mail.invitations.revoke(admin, other.id)
    events = world.services.audit.read(admin, action="invitation")
    assert [(e.action, e.target) for e in events] == [
        ("invitation.sent", inv.email),
        ("invitation.accepted", inv.email),
        ("invitation.sent", "d@example.test"),
        ("invitation.revoked", "d@example.test"),
    ]


# -- over REST, with the server's background delivery ---------------------------------------
from ..authz.test_api import HeaderIdentityProvider, as_user  # noqa: E402, F401


@pytest.fixture
def jp_server_config(tmp_path, smtp):  # noqa: F811
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


async def _email_to(smtp, address: str, timeout: float = 10.0):  # noqa: F811
    import asyncio

    for _ in range(int(timeout / 0.05)):
        found = smtp.inbox.to(address)
        if found:
            return found[-1]
        await asyncio.sleep(0.05)
    raise AssertionError(f"no email reached {address}")


async def test_invitation_flow_over_rest(as_user, smtp):  # noqa: F811
    status, inv = await as_user(
        "boss", "POST", "orgs/current/invitations", {"email": "kim@example.test", "role": "MANAGER"}
    )
    assert status == 201, inv
    assert inv["status"] == "pending"
    message = await _email_to(smtp, "kim@example.test")
    token = TOKEN.search(body_of(message)).group(1)

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
    lee_token = TOKEN.search(body_of(await _email_to(smtp, "lee@example.test"))).group(1)
    status, problem = await as_user("lee", "POST", "invitations/accept", {"token": lee_token})
    assert (status, problem["reason"]) == (410, "revoked")
    status, listed = await as_user("boss", "GET", "orgs/current/invitations")
    assert [i["status"] for i in listed["invitations"]] == ["revoked", "accepted"]
    status, _ = await as_user(
        "kim", "POST", "orgs/current/invitations", {"email": "a@example.test", "role": "ADMIN"}
    )
    assert status == 403
