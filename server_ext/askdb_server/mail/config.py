"""Mail settings, as traitlets: ``c.AskDBMail.smtp_host = "smtp.example.com"`` and so on."""

from __future__ import annotations

from traitlets import Enum, Float, Int, TraitError, Unicode, validate
from traitlets.config import Configurable


class AskDBMail(Configurable):
    """How AskDB sends email (invitations, account verification, password resets)."""

    smtp_host = Unicode(
        "", help="SMTP server host. Empty: no email is sent; emails wait in the outbox."
    ).tag(config=True)
    smtp_port = Int(587, help="SMTP server port (587 for STARTTLS, 465 for SSL).").tag(config=True)
    smtp_security = Enum(
        ["starttls", "ssl", "none"],
        default_value="starttls",
        help="starttls: upgrade a plain connection; ssl: TLS from the start (SMTPS); none: "
        "plain text (only for a relay on loopback).",
    ).tag(config=True)
    smtp_username = Unicode("", help="SMTP login; empty: no login.").tag(config=True)
    smtp_password = Unicode("", help="SMTP password.").tag(config=True)
    smtp_ca_file = Unicode(
        "",
        help="A PEM file of certificate authorities to trust for the SMTP server's TLS "
        "certificate (e.g. a private relay). Empty: the system's.",
    ).tag(config=True)
    smtp_timeout = Float(30.0, help="Seconds to wait for the SMTP server.").tag(config=True)
    from_address = Unicode(
        "AskDB <askdb@localhost>", help="The From: address of AskDB's emails."
    ).tag(config=True)
    public_url = Unicode(
        "http://localhost:8888/",
        help="The address users reach AskDB at; links in emails start with it.",
    ).tag(config=True)
    poll_interval = Float(
        10.0, help="Seconds between two looks at the outbox for emails that are due."
    ).tag(config=True)
    max_attempts = Int(
        8,
        help="Attempts before an email is given up (status 'failed'); the delay between "
        "attempts doubles from retry_delay.",
    ).tag(config=True)
    retry_delay = Float(30.0, help="Seconds before the first retry of a failed email.").tag(
        config=True
    )
    invitation_expiry_days = Float(7.0, help="Days an invitation link stays valid.").tag(
        config=True
    )

    @validate("poll_interval", "retry_delay", "invitation_expiry_days", "smtp_timeout")
    def _positive(self, proposal):  # noqa: ANN001
        if proposal["value"] <= 0:
            raise TraitError(f"{proposal['trait'].name} must be positive")
        return proposal["value"]

    @validate("max_attempts")
    def _at_least_one(self, proposal):  # noqa: ANN001
        if proposal["value"] < 1:
            raise TraitError("max_attempts must be at least 1")
        return proposal["value"]

    def link(self, path: str) -> str:
        """An absolute link to ``path`` (no leading slash) under ``public_url``."""
        return self.public_url.rstrip("/") + "/" + path.lstrip("/")
