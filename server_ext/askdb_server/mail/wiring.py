"""Builds the email outbox and the managers that send email, from the server's traitlets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..accounts.manager import AccountManager, AccountPolicy
from ..invitations.manager import InvitationManager
from ..services import Services
from ..store.models import utcnow
from .config import AskDBMail
from .outbox import EmailOutbox
from .smtp import SMTPSender


@dataclass
class MailServices:
    """The outbox and what writes to it: invitations and standalone accounts."""

    config: AskDBMail
    outbox: EmailOutbox
    invitations: InvitationManager
    accounts: AccountManager

    @classmethod
    def build(
        cls,
        services: Services,
        config: AskDBMail,
        clock: Callable[[], datetime] = utcnow,
        accounts: AccountPolicy | None = None,
    ) -> MailServices:
        outbox = EmailOutbox(
            services.store,
            SMTPSender(config),
            max_attempts=config.max_attempts,
            retry_delay_s=config.retry_delay,
            clock=clock,
        )
        invitations = InvitationManager(
            services.users,
            outbox,
            services.quotas,
            link=config.link,
            expiry=timedelta(days=config.invitation_expiry_days),
            clock=clock,
        )
        return cls(
            config=config,
            outbox=outbox,
            invitations=invitations,
            accounts=AccountManager(
                services.users,
                outbox,
                link=config.link,
                policy=accounts or AccountPolicy(),
                clock=clock,
            ),
        )
