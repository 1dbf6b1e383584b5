"""Accepting an invitation past the plan's member count is refused (quotas enforced)."""

from __future__ import annotations

import pytest

from askdb_server.errors import PlanLimitError
from askdb_server.mail.wiring import MailServices
from tests.helpers.clock import Clock
from tests.helpers.smtp import invitation_token_sent_to


def test_accepting_past_the_member_count_is_refused(world, quotas, smtp):
    mail = MailServices.build(world.services, smtp.config(), Clock())
    admin = world.a["ADMIN"]
    world.set_plan("FREE", {"team_members": 4})  # a has 4 members
    mail.invitations.invite(admin, "late@example.test", "VIEWER")
    token = invitation_token_sent_to(mail, smtp, "late@example.test")
    late = world.services.users.ensure("late")
    with pytest.raises(PlanLimitError):
        mail.invitations.accept(late, token)
    world.set_plan("FREE", {"team_members": 5})
    assert mail.invitations.accept(late, token).username == "late"
