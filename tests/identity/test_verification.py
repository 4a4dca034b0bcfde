"""In-person verification through its API: groups, roles, history, bad input."""

from municipality.core.identity import verification
from municipality.core.identity.demo import create_demo_identities
from municipality.core.identity.verification import VerificationError
from plone import api
from plone.app.testing import login
from plone.app.testing import logout
from zope.annotation.interfaces import IAnnotations

import pytest


PASSWORD = "a-long-test-password-1"
USE_VERIFIED = "municipality: Use verified services"
USE_BUSINESS = "municipality: Use business services"


def _user(userid, afm=None, groups=()):
    with api.env.adopt_roles(["Manager"]):
        user = api.user.create(
            username=userid,
            email=f"{userid}@example.org",
            password=PASSWORD,
            properties={"fullname": userid.title()},
        )
        for group in groups:
            api.group.add_user(groupname=group, username=userid)
    if afm:
        user.setMemberProperties({"afm": afm})
    return user


@pytest.fixture
def portal(integration):
    portal = integration["portal"]
    _user("maria", afm="094259216")
    _user("acme", afm="800000002", groups=("businesses",))
    _user("clerk", groups=("protocol-clerks",))
    return portal


def _groups(userid):
    return {g.getId() for g in api.group.get_groups(username=userid)}


def _can(portal, userid, permission):
    login(portal, userid)
    try:
        return api.user.has_permission(permission, obj=portal)
    finally:
        logout()


def test_verify_citizen_grants_the_role_and_revoke_takes_it(portal):
    assert not _can(portal, "maria", USE_VERIFIED)
    assert not verification.is_verified("maria")

    record = verification.verify_citizen(
        "maria", "identity_card", "clerk", note="Πρόσωπο ίδιο", document_digits="a123"
    )
    assert record["afm"] == "094259216"
    assert record["document_digits"] == "A123"
    assert "verified-citizens" in _groups("maria")
    assert _can(portal, "maria", USE_VERIFIED)
    assert not _can(portal, "maria", USE_BUSINESS)
    assert verification.is_verified("maria")
    status = verification.verification_status("maria")
    assert status["kind"] == "citizen"
    assert status["verified_by"] == "clerk"
    assert status["verified_by_name"] == "Clerk"
    assert status["document_kind"] == "identity_card"
    assert status["verified_at"].tzinfo is not None

    verification.revoke("maria", "Λάθος πρόσωπο στο γκισέ", "clerk")
    assert "verified-citizens" not in _groups("maria")
    assert not _can(portal, "maria", USE_VERIFIED)
    assert not verification.is_verified("maria")
    assert verification.verification_status("maria")["kind"] is None

    history = verification.history("maria")
    assert [r["action"] for r in history] == ["verify", "revoke"]
    assert history[0]["actor"] == history[1]["actor"] == "clerk"
    assert history[1]["reason"] == "Λάθος πρόσωπο στο γκισέ"
    assert history[0]["at"] <= history[1]["at"]


def test_verify_business_by_representative(portal):
    verification.verify_business(
        "acme",
        "  Κωνσταντίνος   Κωνσταντίνου ",
        "152 637 480",
        "legal_representative",
        "gemi_certificate",
        "clerk",
    )
    assert "verified-businesses" in _groups("acme")
    assert _can(portal, "acme", USE_BUSINESS)
    assert _can(portal, "acme", USE_VERIFIED)
    status = verification.verification_status("acme")
    assert status["kind"] == "business"
    assert status["representative_name"] == "Κωνσταντίνος Κωνσταντίνου"
    assert status["representative_afm"] == "152637480"
    assert status["afm"] == "800000002"
    verification.revoke("acme", "Έληξε η εκπροσώπηση", "clerk")
    assert "verified-businesses" not in _groups("acme")
    assert not _can(portal, "acme", USE_BUSINESS)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: verification.verify_citizen("nobody", "passport", "clerk"), "userid"),
        (
            lambda: verification.verify_citizen("maria", "scan", "clerk"),
            "document_kind",
        ),
        (
            lambda: verification.verify_citizen(
                "maria", "passport", "clerk", document_digits="AB123456"
            ),
            "document_digits",
        ),
        (
            lambda: verification.verify_citizen(
                "maria", "passport", "clerk", "x" * 501
            ),
            "note",
        ),
        (lambda: verification.verify_citizen("maria", "passport", "maria"), "userid"),
        (lambda: verification.verify_citizen("maria", "passport", ""), "actor"),
        (
            lambda: verification.verify_business(
                "acme", "", "152637480", "administrator", "articles", "clerk"
            ),
            "representative_name",
        ),
        (
            lambda: verification.verify_business(
                "acme", "Κώστας Κ.", "123456781", "administrator", "articles", "clerk"
            ),
            "representative_afm",
        ),
        (
            lambda: verification.verify_business(
                "acme", "Κώστας Κ.", "152637480", "boss", "articles", "clerk"
            ),
            "capacity",
        ),
        (
            lambda: verification.verify_business(
                "acme", "Κώστας Κ.", "152637480", "administrator", "a letter", "clerk"
            ),
            "document",
        ),
        (lambda: verification.revoke("maria", "—", "clerk"), "reason"),
        (
            lambda: verification.revoke("maria", "Δεν ήταν ταυτοποιημένη", "clerk"),
            "userid",
        ),
    ],
)
def test_bad_input_changes_nothing(portal, call, field):
    before = _groups("maria") | _groups("acme")
    with pytest.raises(VerificationError) as raised:
        call()
    assert raised.value.field == field
    assert verification.history("maria") == []
    assert verification.history("acme") == []
    assert _groups("maria") | _groups("acme") == before


def test_a_valid_afm_is_needed(portal):
    _user("nikos")
    with pytest.raises(VerificationError) as raised:
        verification.verify_citizen("nikos", "passport", "clerk")
    assert raised.value.field == "afm"
    api.user.get(userid="nikos").setMemberProperties({"afm": "123456781"})
    with pytest.raises(VerificationError):
        verification.verify_citizen("nikos", "passport", "clerk")
    api.user.get(userid="acme").setMemberProperties({"afm": ""})
    with pytest.raises(VerificationError) as raised:
        verification.verify_business(
            "acme", "Κώστας Κ.", "152637480", "administrator", "articles", "clerk"
        )
    assert raised.value.field == "afm"
    assert "verified-citizens" not in _groups("nikos")


def test_one_active_verification_per_account_and_per_afm(portal):
    verification.verify_citizen("maria", "passport", "clerk")
    with pytest.raises(VerificationError):
        verification.verify_citizen("maria", "passport", "clerk")
    with pytest.raises(VerificationError):
        verification.verify_business(
            "maria",
            "Μαρία Π.",
            "094259216",
            "sole_proprietor",
            "tax_registration",
            "clerk",
        )
    # A second account with the same ΑΦΜ cannot be verified too.
    _user("maria2", afm="094259216")
    with pytest.raises(VerificationError) as raised:
        verification.verify_citizen("maria2", "passport", "clerk")
    assert raised.value.field == "afm"
    assert verification.verified_with_afm("094259216") == ["maria"]


def test_a_changed_afm_ends_the_verification(portal):
    verification.verify_citizen("maria", "passport", "clerk")
    # e.g. changed over a route that does not check (REST, a script)
    api.user.get(userid="maria").setMemberProperties({"afm": "123456783"})
    status = verification.verification_status("maria")
    assert not status["verified"]
    assert status["afm_changed"]
    assert not verification.is_verified("maria")
    verification.revoke("maria", "Άλλαξε ο ΑΦΜ", "clerk")
    verification.verify_citizen("maria", "passport", "clerk")
    assert verification.is_verified("maria")
    assert verification.verification_status("maria")["afm"] == "123456783"


def test_revoke_a_membership_given_by_hand(portal):
    api.group.add_user(groupname="verified-citizens", username="maria")
    assert not verification.is_verified("maria")
    assert verification.verification_status("maria")["groups"] == ["verified-citizens"]
    verification.revoke("maria", "Χωρίς αυτοπρόσωπο έλεγχο", "clerk")
    assert "verified-citizens" not in _groups("maria")
    assert verification.history("maria")[0]["kind"] == "citizen"


def test_deleted_account_history_is_archived(portal):
    verification.verify_citizen("maria", "passport", "clerk")
    with api.env.adopt_roles(["Manager"]):
        api.user.delete(username="maria")
    assert verification.history("maria") == []
    archived = verification.archived_history("maria")
    assert len(archived) == 1
    assert archived[0]["records"][0]["action"] == "verify"
    # Somebody else registers with the same id: not verified, no history.
    _user("maria", afm="094259216")
    assert not verification.is_verified("maria")
    assert verification.history("maria") == []
    verification.verify_citizen("maria", "identity_card", "clerk")
    assert verification.is_verified("maria")


def test_find_people(portal):
    found = lambda text: [u.getId() for u in verification.find_people(text)]  # noqa: E731
    assert "maria" in found("094 259 216")
    assert "maria" in found("94259216")
    assert "acme" in found("acme@example")
    assert "maria" in found("Maria")
    assert found("") == []


def test_install_and_upgrade_are_idempotent(portal):
    storage = IAnnotations(portal)[verification.ANNOTATION_KEY]
    verification.verify_citizen("maria", "passport", "clerk")
    verification.install(portal)
    verification.upgrade(None)
    assert IAnnotations(portal)[verification.ANNOTATION_KEY] is storage
    assert len(verification.history("maria")) == 1
    actions = portal.portal_actions.user.objectIds()
    assert actions.count(verification.USER_ACTION) == 1
    # A site without the storage (before upgrade 1003) gets it.
    del IAnnotations(portal)[verification.ANNOTATION_KEY]
    assert verification.history("maria") == []
    assert not verification.is_verified("maria")
    verification.upgrade(None)
    assert verification.ANNOTATION_KEY in IAnnotations(portal)


def test_demo_identities_match_the_demo_groups(portal):
    from municipality.demo import create_demo_users

    create_demo_users()
    create_demo_identities(portal)
    create_demo_identities(portal)  # twice: nothing doubles
    assert verification.is_verified("verified")
    assert verification.verification_status("verified")["verified_by"] == "protocol"
    assert verification.verification_status("verified-business")["kind"] == "business"
    assert not verification.is_verified("citizen")
    assert not verification.is_verified("business")
    assert len(verification.history("verified")) == 1
    assert api.user.get(userid="citizen").getProperty("afm") == "094259216"
    assert api.user.get(userid="employee").getProperty("phone") == "2101111111"
