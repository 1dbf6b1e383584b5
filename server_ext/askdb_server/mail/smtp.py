"""Sending one email over SMTP (smtplib): the only module that talks to the mail server."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from .config import AskDBMail


class SMTPSender:
    """Sends plain-text emails with the settings of ``AskDBMail``; raises on any failure."""

    def __init__(self, config: AskDBMail) -> None:
        self.config = config

    @property
    def configured(self) -> bool:
        return bool(self.config.smtp_host)

    def send(self, to: str, subject: str, body: str) -> None:
        """Send one email; ``smtplib.SMTPException`` or ``OSError`` when it could not."""
        c = self.config
        msg = EmailMessage()
        msg["From"] = c.from_address
        msg["To"] = to
        msg["Subject"] = subject
        msg.set_content(body)
        context = ssl.create_default_context(cafile=c.smtp_ca_file or None)
        client: smtplib.SMTP
        if c.smtp_security == "ssl":
            client = smtplib.SMTP_SSL(
                c.smtp_host, c.smtp_port, timeout=c.smtp_timeout, context=context
            )
        else:
            client = smtplib.SMTP(c.smtp_host, c.smtp_port, timeout=c.smtp_timeout)
        with client:
            if c.smtp_security == "starttls":
                client.starttls(context=context)
            if c.smtp_username:
                client.login(c.smtp_username, c.smtp_password)
            client.send_message(msg)
