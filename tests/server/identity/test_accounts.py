"""Standalone accounts on a real store (SQLite and PostgreSQL), with verification and reset
emails delivered to a real SMTP server on loopback; then over REST through a Jupyter server
whose identity provider is ``StandaloneIdentityProvider``."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pytest

from askdb_server.accounts.manager import AccountPolicy
from askdb_server.errors import (
    AuthenticationFailedError,
    EmailNotVerifiedError,
    ForbiddenError,
    InvalidInputError,
    InvalidTokenError,
    TokenGoneError,
    TooManyAttemptsError,
)
from askdb_server.mail.wiring import MailServices
from askdb_server.openapi import openapi_document
from askdb_server.services import Services, Settings
from askdb_server.store.models import Account, AccountToken
from tests.helpers.openapi import path_template, response_validator
from tests.helpers.smtp import body_of

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
TOKEN = re.compile(r"token=([A-Za-z0-9_\-]+)")
PASSWORD = "correct horse battery"


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def services(store_url, tmp_path):
    s = Services.build(
        Settings.defaults(tmp_path / "askdb", database_url=store_url, use_embeddings=False)
    )
    yield s
    s.close()


@pytest.fixture
def mail(services, smtp, clock):
    return MailServices.build(services, smtp.config(), clock, AccountPolicy())


@pytest.fixture
def accounts(mail):
    return mail.accounts


def _last_token(mail, smtp, address: str, path: str) -> str:
    mail.outbox.deliver_due()
    body = body_of(smtp.inbox.to(address)[-1])
    assert f"https://askdb.example.test/{path}?token=" in body, body
    return TOKEN.search(body).group(1)


def _registered(accounts, mail, smtp, email="ada@example.test"):
    accounts.register(email, PASSWORD, name="Ada")
    accounts.verify(_last_token(mail, smtp, email, "askdb/auth/verify"))


def test_register_verify_login_logout(accounts, mail, smtp, services):
    accounts.register("Ada@Example.test", PASSWORD, name="Ada")
    with pytest.raises(EmailNotVerifiedError):
        accounts.login("ada@example.test", PASSWORD)
    token = _last_token(mail, smtp, "ada@example.test", "askdb/auth/verify")
    who = accounts.verify(token)
    assert who.username == "ada@example.test"
    with pytest.raises(TokenGoneError):
        accounts.verify(token)  # single use

    session = accounts.login("ada@example.test", PASSWORD)
    assert accounts.session_user(session.token) == who
    me = services.users.me(services.users.ensure(who.username))
    assert (me.name, me.email, me.role) == ("Ada", "ada@example.test", "ADMIN")
    accounts.logout(session.token)
    assert accounts.session_user(session.token) is None
    with services.store.session() as s:
        stored = s.get(Account, who.user_id).password_hash
        assert stored.startswith("$argon2id$") and PASSWORD not in stored
        assert session.token not in {t.token_hash for t in s.query(AccountToken)}


def test_wrong_password_and_unknown_email_fail_alike(accounts, mail, smtp):
    _registered(accounts, mail, smtp)
    with pytest.raises(AuthenticationFailedError) as wrong:
        accounts.login("ada@example.test", "not the password")
    with pytest.raises(AuthenticationFailedError) as unknown:
        accounts.login("nobody@example.test", PASSWORD)
    assert wrong.value.message == unknown.value.message


def test_register_answers_alike_and_emails_the_owner(accounts, mail, smtp):
    _registered(accounts, mail, smtp)
    assert accounts.register("ada@example.test", "another password!") is None
    mail.outbox.deliver_due()
    last = smtp.inbox.to("ada@example.test")[-1]
    assert "already has one" in body_of(last)
    # The existing password still holds.
    accounts.login("ada@example.test", PASSWORD)
    with pytest.raises(AuthenticationFailedError):
        accounts.login("ada@example.test", "another password!")


def test_sessions_expire(accounts, mail, smtp, clock):
    _registered(accounts, mail, smtp)
    session = accounts.login("ada@example.test", PASSWORD)
    clock.now = T0 + timedelta(days=14)
    assert accounts.session_user(session.token) is None
    accounts.login("ada@example.test", PASSWORD)  # signing in again sweeps expired tokens
    with accounts.store.session() as s:
        assert [t.purpose for t in s.query(AccountToken)] == ["session"]


def test_deactivated_users_cannot_sign_in(accounts, mail, smtp, services):
    _registered(accounts, mail, smtp)
    session = accounts.login("ada@example.test", PASSWORD)
    with services.store.session() as s:
        from askdb_server.store.models import User

        s.query(User).filter_by(username="ada@example.test").update({"is_active": False})
    assert accounts.session_user(session.token) is None
    with pytest.raises(ForbiddenError):
        accounts.login("ada@example.test", PASSWORD)


def test_change_password_ends_other_sessions(accounts, mail, smtp):
    _registered(accounts, mail, smtp)
    here = accounts.login("ada@example.test", PASSWORD)
    there = accounts.login("ada@example.test", PASSWORD)
    with pytest.raises(AuthenticationFailedError):
        accounts.change_password(here.identity, "wrong", "a new password 1")
    with pytest.raises(InvalidInputError):
        accounts.change_password(here.identity, PASSWORD, "short")
    accounts.change_password(here.identity, PASSWORD, "a new password 1", keep_session=here.token)
    assert accounts.session_user(here.token) == here.identity
    assert accounts.session_user(there.token) is None
    accounts.login("ada@example.test", "a new password 1")


def test_password_reset(accounts, mail, smtp, clock):
    _registered(accounts, mail, smtp)
    session = accounts.login("ada@example.test", PASSWORD)
    assert accounts.request_reset("nobody@example.test") is None  # same answer, no email
    accounts.request_reset("ada@example.test")
    token = _last_token(mail, smtp, "ada@example.test", "askdb/auth/reset")
    assert smtp.inbox.to("nobody@example.test") == []
    accounts.confirm_reset(token, "brand new password")
    assert accounts.session_user(session.token) is None  # every session ended
    accounts.login("ada@example.test", "brand new password")
    with pytest.raises(TokenGoneError) as e:
        accounts.confirm_reset(token, "yet another password")
    assert e.value.reason == "used"
    with pytest.raises(InvalidTokenError):
        accounts.confirm_reset("made-up", "yet another password")
    accounts.request_reset("ada@example.test")
    late = _last_token(mail, smtp, "ada@example.test", "askdb/auth/reset")
    clock.now = T0 + timedelta(hours=1)
    with pytest.raises(TokenGoneError) as e:
        accounts.confirm_reset(late, "yet another password")
    assert e.value.reason == "expired"


def test_failed_logins_are_limited_per_email_and_address(accounts, mail, smtp, clock):
    _registered(accounts, mail, smtp)
    for _ in range(5):
        with pytest.raises(AuthenticationFailedError):
            accounts.login("ada@example.test", "wrong password", ip="10.0.0.1")
    with pytest.raises(TooManyAttemptsError) as e:
        accounts.login("ada@example.test", PASSWORD, ip="10.0.0.1")  # even the right one
    assert e.value.retry_after == 15 * 60 + 1
    accounts.login("ada@example.test", PASSWORD, ip="10.0.0.2")  # another address
    clock.now = T0 + timedelta(minutes=15)
    accounts.login("ada@example.test", PASSWORD, ip="10.0.0.1")  # the window passed


def test_reset_requests_are_limited(accounts, mail, smtp, clock):
    for _ in range(5):
        accounts.request_reset("x@example.test", ip="10.0.0.1")
    clock.now = T0 + timedelta(minutes=5)
    with pytest.raises(TooManyAttemptsError) as e:
        accounts.request_reset("x@example.test", ip="10.0.0.1")
    assert e.value.retry_after == 10 * 60 + 1


def test_limit_holds_across_processes(accounts, mail, smtp, services, clock):
    # A second manager on the same store (another server process) sees the same attempts.
    other = MailServices.build(services, smtp.config(), clock).accounts
    for manager in (accounts, other, accounts, other, accounts):
        manager.request_reset("y@example.test", ip="10.0.0.9")
    with pytest.raises(TooManyAttemptsError):
        other.request_reset("y@example.test", ip="10.0.0.9")


@pytest.mark.parametrize("password", ["", "short", None, 12345678901, "x" * 1025])
def test_weak_or_odd_passwords_are_refused(accounts, password):
    with pytest.raises(InvalidInputError):
        accounts.register("z@example.test", password)


def test_reregistering_before_verifying_voids_the_first_link(accounts, mail, smtp):
    accounts.register("w@example.test", "first password!")
    first = _last_token(mail, smtp, "w@example.test", "askdb/auth/verify")
    accounts.register("w@example.test", "second password")
    second = _last_token(mail, smtp, "w@example.test", "askdb/auth/verify")
    with pytest.raises(InvalidTokenError):
        accounts.verify(first)
    accounts.verify(second)
    accounts.login("w@example.test", "second password")


# -- over REST: a Jupyter server signed in by AskDB's session cookie ----------------------
DOC = openapi_document()
XSRF = "5f3c2a9b7d1e4f60a8b2c3d4e5f6a7b8"


@pytest.fixture
def jp_server_config(tmp_path, smtp):
    from askdb_server.identity.standalone import standalone_config

    config = standalone_config()
    config["ServerApp"]["jpserver_extensions"] = {"askdb_server": True}
    config["AskDBApp"].update({"data_dir": str(tmp_path / "askdb-data"), "use_embeddings": False})
    config["AskDBMail"] = {
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp.port,
        "smtp_security": "none",
        "public_url": "https://askdb.example.test/",
        "poll_interval": 0.1,
    }
    config["AskDBAccounts"] = {"attempt_limit": 3}
    return config


@pytest.fixture
def browser(api):
    """A browser: keeps the session cookie and sends the XSRF pair Jupyter asks of cookie
    sign-ins. ``await browser("POST", "auth/login", {...})`` → (status, json, response)."""
    jar: dict[str, str] = {"_xsrf": XSRF}

    async def call(method, path, body=None):
        cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
        headers = {"Cookie": cookie, "X-XSRFToken": XSRF}
        resp = await api(method, path, body, headers=headers, raw=True)
        for header in resp.headers.get_list("Set-Cookie"):
            name, _, rest = header.partition("=")
            value = rest.split(";")[0].strip('"')
            if value:
                jar[name] = value
            else:
                jar.pop(name, None)
        text = resp.body.decode() if resp.body else ""
        data = json.loads(text) if text else None
        if resp.code != 204:  # every answer is what the OpenAPI document says
            template = path_template(DOC, "/askdb/api/" + path)
            response_validator(DOC, method, template, resp.code).validate(data)
        return resp.code, data, resp

    call.jar = jar
    return call


async def _email(smtp, address, count=1):
    import asyncio

    for _ in range(200):
        if len(smtp.inbox.to(address)) >= count:
            return body_of(smtp.inbox.to(address)[count - 1])
        await asyncio.sleep(0.05)
    raise AssertionError(f"no email {count} to {address}")


async def test_accounts_over_rest(browser, smtp):
    status, _, _ = await browser("GET", "users/me")
    assert status == 403  # no session: the server's token does not sign in here

    status, body, _ = await browser(
        "POST", "auth/register", {"email": "ada@example.test", "password": PASSWORD}
    )
    assert (status, body) == (202, {"detail": body["detail"]})
    status, again, _ = await browser(
        "POST", "auth/register", {"email": "ada@example.test", "password": PASSWORD}
    )
    assert (status, again) == (202, body)  # the same answer for a known address
    # The second registration (not yet verified) voided the first link: use the second.
    token = TOKEN.search(await _email(smtp, "ada@example.test", 2)).group(1)
    status, verified, _ = await browser("POST", "auth/verify", {"token": token})
    assert (status, verified["username"]) == (200, "ada@example.test")

    status, me, resp = await browser(
        "POST", "auth/login", {"email": "ada@example.test", "password": PASSWORD}
    )
    assert status == 200, me
    assert (me["username"], me["role"]) == ("ada@example.test", "ADMIN")
    [cookie] = [c for c in resp.headers.get_list("Set-Cookie") if c.startswith("askdb_session=")]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http on loopback; https adds it

    status, me, _ = await browser("GET", "users/me")
    assert (status, me["username"]) == (200, "ada@example.test")
    status, _, _ = await browser(
        "POST", "auth/password", {"current_password": PASSWORD, "new_password": "new password 1"}
    )
    assert status == 204
    status, _, _ = await browser("GET", "users/me")
    assert status == 200  # this session stays

    old = browser.jar["askdb_session"]
    status, _, _ = await browser("POST", "auth/logout")
    assert status == 204
    assert "askdb_session" not in browser.jar
    status, _, _ = await browser("GET", "users/me")
    assert status == 403
    browser.jar["askdb_session"] = old  # a copy of the cookie kept after logging out
    status, _, _ = await browser("GET", "users/me")
    assert status == 403


async def test_reset_and_rate_limit_over_rest(browser, smtp):
    await browser("POST", "auth/register", {"email": "bo@example.test", "password": PASSWORD})
    token = TOKEN.search(await _email(smtp, "bo@example.test")).group(1)
    await browser("POST", "auth/verify", {"token": token})

    status, unknown, _ = await browser("POST", "auth/password-reset", {"email": "no@example.test"})
    status2, known, _ = await browser("POST", "auth/password-reset", {"email": "bo@example.test"})
    assert (status, unknown) == (status2, known) == (202, known)
    reset = TOKEN.search(await _email(smtp, "bo@example.test", 2)).group(1)
    status, _, _ = await browser(
        "POST", "auth/password-reset/confirm", {"token": reset, "password": "reset password 1"}
    )
    assert status == 204
    status, problem, _ = await browser(
        "POST", "auth/password-reset/confirm", {"token": reset, "password": "reset password 2"}
    )
    assert (status, problem["code"], problem["reason"]) == (410, "token_gone", "used")

    wrong = {"email": "bo@example.test", "password": PASSWORD}  # the old password
    for _ in range(3):
        status, problem, _ = await browser("POST", "auth/login", wrong)
        assert (status, problem["code"]) == (401, "authentication_failed")
    status, problem, resp = await browser(
        "POST", "auth/login", {"email": "bo@example.test", "password": "reset password 1"}
    )
    assert (status, problem["code"]) == (429, "too_many_attempts")
    assert int(resp.headers["Retry-After"]) > 0
    assert resp.headers["Content-Type"].startswith("application/problem+json")


async def test_emailed_links_open_pages_that_spend_nothing(browser, smtp, jp_fetch):
    await browser("POST", "auth/register", {"email": "cy@example.test", "password": PASSWORD})
    token = TOKEN.search(await _email(smtp, "cy@example.test")).group(1)
    for page in (("auth", "verify"), ("auth", "reset"), ("invitations", "accept")):
        resp = await jp_fetch("askdb", *page, params={"token": token})
        html = resp.body.decode()
        assert resp.code == 200 and resp.headers["Content-Type"].startswith("text/html")
        assert token not in html  # read from the URL by the page's script, never echoed
        assert resp.headers["Referrer-Policy"] == "no-referrer"
        assert any(c.startswith("_xsrf=") for c in resp.headers.get_list("Set-Cookie"))
    # The GETs (as a mail scanner would make) did not spend the token: a click still can.
    status, verified, _ = await browser("POST", "auth/verify", {"token": token})
    assert status == 200, verified
    resp = await jp_fetch("askdb", "auth", "login")
    assert 'data-api="auth/login"' in resp.body.decode()


async def test_jupyter_login_goes_to_the_askdb_sign_in_page(jp_fetch):
    from tornado.httpclient import HTTPClientError

    with pytest.raises(HTTPClientError) as e:
        await jp_fetch("login", params={"next": "/lab"}, follow_redirects=False)
    assert e.value.code == 302
    location = e.value.response.headers["Location"]
    assert location.endswith("askdb/auth/login?next=%2Flab")


class TestBehindATLSProxy:
    @pytest.fixture
    def jp_server_config(self, jp_server_config):
        jp_server_config["AskDBAccounts"]["secure_cookie"] = True
        return jp_server_config

    async def test_session_cookie_is_secure(self, browser, smtp):
        await browser("POST", "auth/register", {"email": "di@example.test", "password": PASSWORD})
        token = TOKEN.search(await _email(smtp, "di@example.test")).group(1)
        await browser("POST", "auth/verify", {"token": token})
        status, _, resp = await browser(
            "POST", "auth/login", {"email": "di@example.test", "password": PASSWORD}
        )
        assert status == 200
        [cookie] = [c for c in resp.headers.get_list("Set-Cookie") if "askdb_session=" in c]
        assert "Secure" in cookie and "HttpOnly" in cookie
