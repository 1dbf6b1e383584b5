"""The permission matrix as data: table-driven checks of what each role and permission may do."""

import pytest

from askdb_server.authz.policy import (
    PROJECT_ACTIONS,
    ROLE_ACTIONS,
    Permission,
    Role,
    allowed,
    effective_permission,
    matrix_rows,
)

A, M, D, V = Role.ADMIN, Role.MANAGER, Role.DEVELOPER, Role.VIEWER
OWN, EDIT, READ = Permission.OWNER, Permission.EDITOR, Permission.VIEWER

ORG_CASES = [
    # action, roles allowed
    ("users:manage", {A}),
    ("users:read", {A, M}),
    ("users:invite", {A, M}),
    ("org:manage", {A}),
    ("projects:create", {A, M, D}),
    ("keys:manage", {A, M, D}),
    ("webhooks:manage", {A, M}),
    ("models:manage", {A}),
    ("analytics:read", {A, M}),
    ("audit:read", {A}),
]

PROJECT_CASES = [
    # action, roles allowed, permissions allowed
    ("project:read", {A, M, D, V}, {OWN, EDIT, READ}),
    ("query:ask", {A, M, D, V}, {OWN, EDIT, READ}),
    ("query:run", {A, M, D}, {OWN, EDIT, READ}),
    ("project:write", {A, M, D}, {OWN, EDIT}),
    ("schema:write", {A, M, D}, {OWN, EDIT}),
    ("knowledge:write", {A, M, D}, {OWN, EDIT}),
    ("project:archive", {A, M, D}, {OWN}),
    ("project:share", {A, M, D}, {OWN}),
    ("project:transfer", {A, M, D}, {OWN}),
    ("project:guard", {A, M}, {OWN}),
]


@pytest.mark.parametrize("action,roles", ORG_CASES)
def test_org_actions(action, roles):
    for role in Role:
        assert allowed(action, role) == (role in roles), (action, role)


@pytest.mark.parametrize("action,roles,perms", PROJECT_CASES)
def test_project_actions_need_both_role_and_permission(action, roles, perms):
    for role in Role:
        for perm in Permission:
            assert allowed(action, role, perm) == (role in roles and perm in perms)
        assert not allowed(action, role, None)  # no permission: nothing on the project


def test_every_action_is_in_a_case_and_documented():
    assert {a for a, *_ in ORG_CASES + PROJECT_CASES} | {"org:read", "projects:manage"} == set(
        ROLE_ACTIONS
    )
    assert {a for a, *_ in PROJECT_CASES} == set(PROJECT_ACTIONS)
    assert [row[0] for row in matrix_rows()] == list(ROLE_ACTIONS)


def test_admins_and_managers_own_every_project_of_their_org():
    assert effective_permission(A, None) == OWN and effective_permission(M, READ) == OWN
    assert effective_permission(D, None) is None and effective_permission(V, EDIT) == EDIT


def test_an_unknown_action_is_a_bug_not_a_refusal():
    with pytest.raises(KeyError):
        allowed("project:delete_everything", A, OWN)


def test_the_readme_table_is_the_matrix():
    from pathlib import Path

    readme = (Path(__file__).parents[3] / "README.md").read_text()
    section = readme.split("## Teams and permissions", 1)[1]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 6 and cells[0].startswith("`"):
            roles = [r.value for r, mark in zip(Role, cells[1:5], strict=True) if mark == "✓"]
            perms = [] if cells[5] == "—" else cells[5].split(", ")
            rows.append((cells[0].strip("`"), roles, perms))
    assert rows == matrix_rows()
