"""The email outbox against a real SMTP server on loopback (aiosmtpd), on SQLite and
PostgreSQL: delivery, a dead server (nothing lost, retried with backoff), giving up."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from traitlets import TraitError

from askdb_server.mail.config import AskDBMail
from askdb_server.mail.outbox import EmailOutbox
from askdb_server.mail.smtp import SMTPSender
from askdb_server.store.db import Store
from askdb_server.store.models import OutboxEmail
from tests.helpers.loopback import free_port
from tests.helpers.smtp import LoopbackSMTP, body_of

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def store(store_url):
    s = Store(store_url)
    s.migrate()
    yield s
    s.dispose()


def _outbox(store: Store, config: AskDBMail, clock: Clock, **kw) -> EmailOutbox:
    return EmailOutbox(store, SMTPSender(config), clock=clock, retry_delay_s=30, **kw)


def _queue(outbox: EmailOutbox, store: Store, to: str = "ada@example.test") -> None:
    with store.session() as s:
        outbox.enqueue(s, to, "Hello", "The body, line one.\nLine two.")


def test_due_email_is_delivered_once(store, smtp):
    clock = Clock()
    outbox = _outbox(store, smtp.config(), clock)
    _queue(outbox, store)
    result = outbox.deliver_due()
    assert (result.sent, result.failed) == (1, 0)
    [message] = smtp.inbox.messages
    assert message["To"] == "ada@example.test"
    assert message["Subject"] == "Hello"
    assert message["From"] == "AskDB <askdb@example.test>"
    assert "Line two." in body_of(message)
    assert outbox.pending() == []
    with store.session() as s:  # the body (it may hold a single-use link) is not kept
        assert "Line two." not in s.query(OutboxEmail).one().body
    assert outbox.deliver_due().sent == 0  # sent once, never again
    assert len(smtp.inbox.messages) == 1


def test_email_rolled_back_with_its_transaction_is_never_sent(store, smtp):
    outbox = _outbox(store, smtp.config(), Clock())
    with pytest.raises(RuntimeError), store.session() as s:
        outbox.enqueue(s, "ada@example.test", "Hello", "body")
        raise RuntimeError("the change failed")
    assert outbox.deliver_due().sent == 0
    assert smtp.inbox.messages == []


def test_dead_server_loses_nothing_and_backs_off(store):
    server = LoopbackSMTP(free_port())  # not started: connections are refused
    clock = Clock()
    outbox = _outbox(store, server.config(), clock)
    _queue(outbox, store)

    assert outbox.deliver_due().failed == 1
    [email] = outbox.pending()
    assert email.attempts == 1
    assert "Connection" in email.last_error or "refused" in email.last_error.lower()
    # Not due again before the retry delay (30 s), then twice as long (60 s).
    assert outbox.deliver_due(T0 + timedelta(seconds=29)).failed == 0
    assert outbox.deliver_due(T0 + timedelta(seconds=30)).failed == 1
    [email] = outbox.pending()
    assert email.attempts == 2
    assert outbox.deliver_due(T0 + timedelta(seconds=30 + 59)).failed == 0

    server.start()
    try:
        result = outbox.deliver_due(T0 + timedelta(seconds=30 + 60))
        assert result.sent == 1
        assert [m["Subject"] for m in server.inbox.messages] == ["Hello"]
        assert outbox.pending() == []
    finally:
        server.stop()


def test_gives_up_after_max_attempts(store):
    server = LoopbackSMTP(free_port())
    clock = Clock()
    outbox = _outbox(store, server.config(), clock, max_attempts=2)
    _queue(outbox, store)
    assert outbox.deliver_due(T0).failed == 1
    assert outbox.deliver_due(T0 + timedelta(hours=1)).given_up == 1
    assert outbox.pending() == []
    assert outbox.deliver_due(T0 + timedelta(days=1)).given_up == 0


def test_several_emails_in_one_pass(store, smtp):
    outbox = _outbox(store, smtp.config(), Clock())
    for n in range(3):
        _queue(outbox, store, f"user{n}@example.test")
    assert outbox.deliver_due().sent == 3
    assert sorted(m["To"] for m in smtp.inbox.messages) == [
        f"user{n}@example.test" for n in range(3)
    ]


@pytest.mark.parametrize(
    "setting, value",
    [("poll_interval", 0), ("retry_delay", -1), ("max_attempts", 0), ("smtp_security", "tls")],
)
def test_settings_are_checked(setting, value):
    with pytest.raises(TraitError):
        AskDBMail(**{setting: value})


def test_links_start_with_the_public_url():
    assert AskDBMail(public_url="https://x.test/lab").link("/askdb/a?b=1") == (
        "https://x.test/lab/askdb/a?b=1"
    )


def test_without_an_smtp_host_emails_wait(store):
    outbox = _outbox(store, AskDBMail(smtp_host=""), Clock())
    _queue(outbox, store)
    assert outbox.deliver_due(T0 + timedelta(days=1)).failed == 0
    [email] = outbox.pending()
    assert email.attempts == 0


def test_two_servers_on_postgresql_never_send_twice(pg_url, smtp):
    import threading

    stores = [Store(pg_url), Store(pg_url)]
    stores[0].migrate()
    outboxes = [_outbox(s, smtp.config(), Clock()) for s in stores]
    for n in range(12):
        _queue(outboxes[0], stores[0], f"user{n}@example.test")
    results = []
    threads = [
        threading.Thread(target=lambda o=o: results.append(o.deliver_due())) for o in outboxes
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.sent for r in results) == 12
    assert sorted(m["To"] for m in smtp.inbox.messages) == sorted(
        f"user{n}@example.test" for n in range(12)
    )
    for s in stores:
        s.dispose()
