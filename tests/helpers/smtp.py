"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives (the ``smtp``
fixture is a pytest plugin), and reading the invitation emails it got."""

from __future__ import annotations

import email
import re
from collections.abc import Iterator
from email.message import Message

import pytest
from aiosmtpd.controller import Controller

from askdb_server.mail.config import AskDBMail
from tests.helpers.loopback import free_port

INVITATION_TOKEN = re.compile(r"token=([A-Za-z0-9_\-]+)")


class Inbox:
    """What the loopback server received, parsed."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]


class LoopbackSMTP:
    """An SMTP server on 127.0.0.1:``port`` that can be stopped and started again."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.inbox = Inbox()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def config(self, **overrides: object) -> AskDBMail:
        settings = {
            "smtp_host": "127.0.0.1",
            "smtp_port": self.port,
            "smtp_security": "none",
            "from_address": "AskDB <askdb@example.test>",
            "public_url": "https://askdb.example.test/",
            "smtp_timeout": 5.0,
        }
        return AskDBMail(**{**settings, **overrides})


@pytest.fixture
def smtp() -> Iterator[LoopbackSMTP]:
    """A running loopback SMTP server."""
    server = LoopbackSMTP(free_port())
    server.start()
    yield server
    server.stop()


def body_of(message: Message) -> str:
    return message.get_payload(decode=True).decode()


def invitation_token_sent_to(mail, smtp: LoopbackSMTP, address: str) -> str:
    """Deliver ``mail``'s due emails; the token in the one invitation ``address`` received."""
    mail.outbox.deliver_due()
    [message] = smtp.inbox.to(address)
    body = body_of(message)
    assert "https://askdb.example.test/askdb/invitations/accept?token=" in body
    return INVITATION_TOKEN.search(body).group(1)
