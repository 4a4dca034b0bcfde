"""What the municipality certifies about a person comes from what was verified."""

from municipality.certificates.api import applicant_snapshot
from municipality.core.identity import taxisnet
from municipality.core.identity import verification
from municipality.core.identity.identity import verified_identity
from municipality.integrations.taxisnet import TaxisNetUser
from plone import api

import pytest


PASSWORD = "a-long-test-password-1"


def _user(userid, fullname, afm="", fathername=""):
    with api.env.adopt_roles(["Manager"]):
        user = api.user.create(
            username=userid,
            email=f"{userid}@example.org",
            password=PASSWORD,
            properties={"fullname": fullname},
        )
    user.setMemberProperties({"afm": afm, "fathername": fathername})
    return user


@pytest.fixture
def portal(integration):
    portal = integration["portal"]
    _user("clerk", "Υπάλληλος")
    with api.env.adopt_roles(["Manager"]):
        api.group.add_user(groupname="protocol-clerks", username="clerk")
    return portal


def test_not_verified_has_no_verified_identity(portal):
    _user("maria", "Μαρία Παπαδοπούλου", afm="094259216")
    assert verified_identity("maria") is None
    assert verified_identity("nobody") is None


def test_in_person_identity_survives_a_profile_edit(portal):
    user = _user("maria", "Μαρία Παπαδοπούλου", afm="094259216", fathername="Γεώργιος")
    verification.verify_citizen("maria", "identity_card", "clerk")
    # The owner renames herself in her profile afterwards.
    user.setMemberProperties({"fullname": "Άλλο Πρόσωπο"})
    identity = verified_identity("maria")
    assert identity == {
        "fullname": "Μαρία Παπαδοπούλου",
        "afm": "094259216",
        "fathername": "Γεώργιος",
        "source": "in_person",
    }
    snapshot = applicant_snapshot(
        api.portal.get_tool("portal_membership").getMemberById("maria")
    )
    assert snapshot["applicant_fullname"] == "Μαρία Παπαδοπούλου"
    assert snapshot["applicant_afm"] == "094259216"


def test_taxisnet_identity_comes_from_gsis(portal):
    gsis = TaxisNetUser(
        userid="User068933130",
        taxid="068933130",
        lastname="ΒΑΒΟΥΛΑ",
        firstname="ΕΥΤΥΧΙΑ",
        fathername="ΕΜΜΑΝΟΥΗΛ",
    )
    userid, created = taxisnet.login_taxpayer(api.portal.get(), gsis)
    assert created
    member = api.portal.get_tool("portal_membership").getMemberById(userid)
    member.setMemberProperties({"fullname": "Κάποιος Άλλος", "afm": "094259216"})
    assert verified_identity(userid) == {
        "fullname": "ΕΥΤΥΧΙΑ ΒΑΒΟΥΛΑ",
        "afm": "068933130",
        "fathername": "ΕΜΜΑΝΟΥΗΛ",
        "source": "taxisnet",
    }
    snapshot = applicant_snapshot(member)
    assert snapshot["applicant_fullname"] == "ΕΥΤΥΧΙΑ ΒΑΒΟΥΛΑ"
    assert snapshot["applicant_afm"] == "068933130"
    assert snapshot["applicant_fathername"] == "ΕΜΜΑΝΟΥΗΛ"
