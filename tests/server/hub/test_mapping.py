"""Hub users → organizations and roles, on SQLite and PostgreSQL stores."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from askdb_server.errors import ForbiddenError, InvalidInputError, NotFoundError
from askdb_server.hub.mapping import GroupMapping, HubMembershipSync, HubUser
from askdb_server.mail.config import AskDBMail
from askdb_server.mail.wiring import MailServices
from askdb_server.services import Services, Settings

GROUP_ROLES = {"analysts": "DEVELOPER", "managers": "MANAGER"}


@pytest.fixture
def services(store_url, tmp_path):
    s = Services.build(
        # as hub/serve.py configures the service: no local user, so no default operator
        Settings.defaults(
            tmp_path / "data", database_url=store_url, use_embeddings=False, local_user=""
        )
    )
    yield s
    s.close()


def sync(services, **mapping) -> HubMembershipSync:
    return HubMembershipSync(services.store, services.users, GroupMapping(**mapping))


def role_of(services, who) -> tuple[str, str]:
    """The caller's current organization's name and their role there."""
    me = services.users.me(who)
    return services.orgs.current(who).name, me.role


MAPPING_CASES = [
    # (name, mapping, hub user, expected {org: role})
    ("shared org, no group → default", {"organization": "Acme"}, HubUser("u"), {"Acme": "VIEWER"}),
    (
        "shared org, strongest group role",
        {"organization": "Acme", "group_roles": GROUP_ROLES},
        HubUser("u", groups=("analysts", "managers", "other")),
        {"Acme": "MANAGER"},
    ),
    (
        "hub admin is ADMIN",
        {"organization": "Acme", "group_roles": GROUP_ROLES},
        HubUser("u", admin=True, groups=("analysts",)),
        {"Acme": "ADMIN"},
    ),
    (
        "no default role keeps ungrouped users out",
        {"organization": "Acme", "default_role": ""},
        HubUser("u", groups=("other",)),
        {},
    ),
    (
        "an organization per group",
        {"group_orgs": {"red": "Red", "blue": "Blue"}, "group_roles": {"red": "MANAGER"}},
        HubUser("u", groups=("red", "blue")),
        {"Red": "MANAGER", "Blue": "VIEWER"},
    ),
    (
        "lowercase role names are accepted",
        {"organization": "Acme", "group_roles": {"g": "developer"}},
        HubUser("u", groups=("g",)),
        {"Acme": "DEVELOPER"},
    ),
]


@pytest.mark.parametrize(
    ("mapping", "user", "expected"),
    [c[1:] for c in MAPPING_CASES],
    ids=[c[0] for c in MAPPING_CASES],
)
def test_roles_for(mapping, user, expected):
    got = GroupMapping(**mapping).roles_for(user)
    assert {org: role.value for org, role in got.items()} == expected


def test_unknown_role_is_refused():
    with pytest.raises(InvalidInputError, match="not a role"):
        GroupMapping(group_roles={"g": "OWNER"})


def test_user_model_from_the_hub():
    model = {"kind": "user", "name": "ann", "admin": True, "groups": ["a", "b"], "scopes": []}
    assert HubUser.from_model(model) == HubUser("ann", True, ("a", "b"))
    assert HubUser.from_model({"kind": "service", "name": "cron"}) == HubUser("service:cron")


def test_two_groups_two_orgs_see_only_their_own_projects(services):
    hub = sync(
        services,
        group_orgs={"red": "Red", "blue": "Blue"},
        group_roles=GROUP_ROLES | {"red": "DEVELOPER", "blue": "DEVELOPER"},
    )
    ann = hub.apply(HubUser("ann", groups=("red",)))
    bob = hub.apply(HubUser("bob", groups=("blue",)))
    assert role_of(services, ann) == ("Red", "DEVELOPER")
    assert role_of(services, bob) == ("Blue", "DEVELOPER")
    p = services.projects.create(ann, "red project")
    assert [x.name for x in services.projects.list(ann)] == ["red project"]
    assert services.projects.list(bob) == []
    with pytest.raises(NotFoundError):
        services.projects.get(bob, p.id)
    # a red manager joins the same organization and sees the project
    cy = hub.apply(HubUser("cy", groups=("red", "managers")))
    assert role_of(services, cy) == ("Red", "DEVELOPER")
    cy = hub.apply(HubUser("cy", admin=True, groups=("red",)))
    assert role_of(services, cy) == ("Red", "ADMIN")
    assert [x.id for x in services.projects.list(cy)] == [p.id]


def test_roles_follow_hub_groups_at_each_sign_in(services):
    hub = sync(services, organization="Acme", group_roles=GROUP_ROLES)
    ann = hub.apply(HubUser("ann", groups=("analysts",)))
    assert role_of(services, ann) == ("Acme", "DEVELOPER")
    assert hub.apply(HubUser("ann", groups=("managers",))) == ann
    assert role_of(services, ann) == ("Acme", "MANAGER")
    hub.apply(HubUser("ann", admin=True))
    assert role_of(services, ann) == ("Acme", "ADMIN")
    hub.apply(HubUser("ann"))
    assert role_of(services, ann) == ("Acme", "VIEWER")
    admin = hub.apply(HubUser("root", admin=True))
    changes = [
        (e.target, e.details["from"], e.details["to"])
        for e in services.audit.read(admin, action="member.role_changed")
    ]
    assert sorted(changes) == sorted(
        [("ann", "DEVELOPER", "MANAGER"), ("ann", "MANAGER", "ADMIN"), ("ann", "ADMIN", "VIEWER")]
    )


def test_leaving_the_group_leaves_the_org_for_a_personal_one(services):
    hub = sync(services, organization="Acme", default_role="", group_roles=GROUP_ROLES)
    ann = hub.apply(HubUser("ann", groups=("analysts",)))
    acme = services.orgs.current(ann).id
    p = services.projects.create(ann, "acme project")
    hub.apply(HubUser("ann", groups=()))
    org = services.orgs.current(ann)
    assert org.id != acme and (org.name, org.role) == ("ann", "ADMIN")
    assert [x.id for x in services.projects.list(ann)] == []
    with pytest.raises(NotFoundError):
        services.projects.get(ann, p.id)
    hub.apply(HubUser("ann", groups=("analysts",)))  # back in the group: back in Acme
    assert services.users.update_me(ann, org_id=acme).role == "DEVELOPER"
    assert [x.id for x in services.projects.list(ann)] == [p.id]


def test_unmapped_deployment_behaves_like_local_mode(services):
    ann = sync(services).apply(HubUser("ann", groups=("analysts",)))
    assert role_of(services, ann) == ("ann", "ADMIN")


def test_orgs_not_named_by_the_mapping_are_left_alone(services):
    hub = sync(services, organization="Acme")
    bob = hub.apply(HubUser("bob"))
    carol = services.users.ensure("carol")  # carol's personal organization
    acme = services.orgs.current(bob).id
    invitations = MailServices.build(services, AskDBMail()).invitations
    invitation = invitations.invite_user(carol, "bob", "DEVELOPER")
    invitations.accept_received(bob, invitation.id)  # bob joins carol's organization
    services.users.update_me(bob, org_id=acme)  # and goes back to work in Acme
    hub.apply(HubUser("bob", groups=("x",)))  # a later sign-in keeps carol's organization
    assert services.users.get(carol, bob.user_id).role == "DEVELOPER"
    assert role_of(services, bob) == ("Acme", "VIEWER")


@pytest.fixture
def enforced(services):
    services.quotas.enabled = True
    return services


def test_a_sign_in_past_the_member_count_works_outside_the_org(enforced):
    services = enforced
    hub = HubMembershipSync(
        services.store, services.users, GroupMapping(organization="Acme"), services.quotas
    )
    root = hub.apply(HubUser("root", admin=True))  # Acme on FREE: one team member
    assert role_of(services, root) == ("Acme", "ADMIN")
    bob = hub.sign_in(HubUser("bob"))
    assert bob.refused == ("Acme",)
    assert role_of(services, bob.identity) == ("bob", "ADMIN")  # his personal organization
    assert [m.username for m in services.orgs.members(root)] == ["root"]
    hub.sign_in(HubUser("bob"))  # signing in again tells the admins nothing new
    notes = services.quotas.notifications(root)
    assert [(n["kind"], n["data"]["username"], n["data"]["limit"]) for n in notes] == [
        ("plan_limit", "bob", 1)
    ]
    assert "bob signed in through JupyterHub but was not added to Acme" in notes[0]["message"]
    assert [e.target for e in services.audit.read(root, action="member.refused")] == ["bob"]
    services.quotas.set_plan(root, "STARTER")
    bob = hub.sign_in(HubUser("bob"))
    assert bob.refused == ()
    assert services.orgs.current(bob.identity).name == "bob"  # still working where he was
    assert services.users.update_me(bob.identity, org_id=services.orgs.current(root).id).role
    assert sorted(m.username for m in services.orgs.members(root)) == ["bob", "root"]


def test_role_changes_of_members_are_not_counted(enforced):
    services = enforced
    hub = HubMembershipSync(
        services.store, services.users, GroupMapping(organization="Acme"), services.quotas
    )
    hub.apply(HubUser("root", admin=True))
    assert hub.sign_in(HubUser("root")).refused == ()  # one member, the plan's one: a change
    assert role_of(services, hub.apply(HubUser("root"))) == ("Acme", "VIEWER")


def test_the_service_tries_a_refused_sign_in_again_later(enforced):
    pytest.importorskip("jupyterhub")
    from askdb_server.hub.identity import AskDBHub, HubIdentityProvider

    services = enforced
    handler = SimpleNamespace(settings={"askdb_services": services, "askdb_identities": {}})

    def provider(retry_seconds: float) -> HubIdentityProvider:
        p = HubIdentityProvider(hub_config=AskDBHub(organization="Acme"))
        p.retry_refused_seconds = retry_seconds
        return p

    def sign_in(p: HubIdentityProvider, user: HubUser):
        asyncio.run(p._sync(handler, user))
        return handler.settings["askdb_identities"][user.name]

    def members(who) -> list[str]:
        return sorted(m.username for m in services.orgs.members(who))

    hub = provider(60)
    root = sign_in(hub, HubUser("root", admin=True))
    sign_in(hub, HubUser("bob"))  # refused: FREE has one team member
    services.quotas.set_plan(root, "STARTER")
    sign_in(hub, HubUser("bob"))  # within a minute of the refusal: not applied again
    assert members(root) == ["root"]
    hub = provider(0)
    services.quotas.set_plan(root, "FREE")
    sign_in(hub, HubUser("carol"))  # refused, to be tried at her next request
    services.quotas.set_plan(root, "STARTER")
    sign_in(hub, HubUser("carol"))
    assert members(root) == ["carol", "root"]


def test_a_hub_admin_operates_the_deployment(services):
    hub = sync(services, organization="Acme")
    root, bob = hub.apply(HubUser("root", admin=True)), hub.apply(HubUser("bob"))
    assert (root.operator, bob.operator) == (True, False)
    acme = services.orgs.current(bob).id
    assert services.quotas.set_plan(root, "STARTER", None, acme)["plan"] == "STARTER"
    with pytest.raises(ForbiddenError):  # once the hub no longer calls root an admin
        services.quotas.set_plan(hub.apply(HubUser("root")), "ENTERPRISE", None, acme)
