"""Roles, groups and permissions for the people of the platform."""

from municipality.core.roles import GROUPS
from municipality.core.roles import ROLES
from municipality.demo import create_demo_users
from municipality.demo import DEMO_USERS
from plone import api

import pytest


@pytest.mark.parametrize("role", sorted(ROLES))
def test_role_exists(portal, role):
    assert role in portal.validRoles()


@pytest.mark.parametrize("group_id", sorted(GROUPS))
def test_group_exists_with_its_roles(portal, group_id):
    group = api.group.get(groupname=group_id)
    assert group is not None
    assert set(GROUPS[group_id][2]) <= set(group.getRoles())


def test_group_titles_are_greek(portal):
    assert api.group.get(groupname="verified-citizens").getProperty("title") == (
        "Πιστοποιημένοι πολίτες"
    )


@pytest.mark.parametrize(
    ("role", "permission", "granted"),
    [
        ("Citizen", "municipality: Use citizen services", True),
        ("Citizen", "municipality: Use verified services", False),
        ("VerifiedCitizen", "municipality: Use verified services", True),
        ("Business", "municipality: Use business services", False),
        ("VerifiedBusiness", "municipality: Use business services", True),
        ("Employee", "municipality: Access staff area", True),
        ("Employee", "municipality: Manage revenue", False),
        ("RevenueOfficer", "municipality: Manage revenue", True),
        ("ProtocolClerk", "municipality: Register in protocol", True),
        ("CouncilSecretary", "municipality: Manage council", True),
        ("LegalOfficer", "municipality: Manage legal cases", True),
        ("HROfficer", "municipality: Manage leave", True),
        ("Supervisor", "municipality: Approve leave", True),
        ("Archivist", "municipality: Ingest archive", True),
        ("Archivist", "municipality: Review archive", True),
        ("Archivist", "municipality: Approve leave", False),
        ("Archivist", "municipality: Handle citizen cases", False),
        ("Archivist", "municipality: Sign documents", False),
        ("CouncilSecretary", "municipality: Review archive", True),
        ("CouncilSecretary", "municipality: Ingest archive", False),
        ("Employee", "municipality: Review archive", False),
        ("Citizen", "municipality: Manage settings", False),
        ("Site Administrator", "municipality: Manage settings", True),
    ],
)
def test_permission_map(portal, role, permission, granted):
    roles = {r["name"] for r in portal.rolesOfPermission(permission) if r["selected"]}
    assert (role in roles) is granted


def test_demo_users_belong_to_their_groups(portal):
    create_demo_users()
    for user_id, (_fullname, groups) in DEMO_USERS.items():
        user = api.user.get(username=user_id)
        assert user is not None, user_id
        user_groups = {g.getId() for g in api.group.get_groups(user=user)}
        assert set(groups) <= user_groups


def test_revenue_officer_holds_exactly_the_revenue_permissions(portal):
    create_demo_users()
    user = api.user.get(username="revenue")
    assert api.user.has_permission("municipality: Manage revenue", user=user)
    assert api.user.has_permission("municipality: Access staff area", user=user)
    assert not api.user.has_permission("municipality: Manage council", user=user)
    assert not api.user.has_permission("municipality: Manage settings", user=user)


def test_new_user_joins_the_citizens(portal):
    user = api.user.create(
        username="newcomer", email="newcomer@example.org", password="secret-123456"
    )
    groups = {g.getId() for g in api.group.get_groups(user=user)}
    assert "citizens" in groups
    assert "Citizen" in api.user.get_roles(user=user)
