"""The signed-document behavior and the registry of signed documents
(``municipality.signing.verification``) in a Plone site."""

from municipality.signing import verification
from municipality.signing.behaviors import ISignedDocument
from plone import api
from plone.app.testing import setRoles
from plone.app.testing import TEST_USER_ID
from plone.dexterity.interfaces import IDexterityFTI
from zope.component import getUtility

import hashlib
import pytest


BEHAVIOR = "municipality.signed_document"
PDF = b"%PDF-1.7\n a signed document \n%%EOF\n"


def enable_behavior(portal_type="Document"):
    fti = getUtility(IDexterityFTI, name=portal_type)
    behaviors = list(fti.behaviors)
    for name in (BEHAVIOR, "municipality.reference_number"):
        if name not in behaviors:
            behaviors.append(name)
    fti.behaviors = tuple(behaviors)


@pytest.fixture
def site(integration):
    portal = integration["portal"]
    setRoles(portal, TEST_USER_ID, ["Manager"])
    enable_behavior()
    return portal


@pytest.fixture
def document(site):
    return api.content.create(container=site, type="Document", title="Βεβαίωση")


def test_codes_are_random_short_and_canonical(site):
    codes = {verification.new_verification_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) == 19
        assert verification.normalize_code(code) == code
        assert code.isascii()
    code = sorted(codes)[0]
    typed = code.upper().replace("-", " ")
    assert verification.normalize_code(typed) == code
    for bad in (
        "",
        "abc",
        "0000-0000-0000-0000",
        "k7m2-x9qp-4hrt-w8c",
        None,
        12,
        "x" * 100,
    ):
        assert verification.normalize_code(bad) is None


def test_verification_url(site):
    code = verification.new_verification_code()
    assert verification.verification_url(code) == (
        f"{site.absolute_url()}/@@verify-document/{code}"
    )
    with pytest.raises(ValueError, match="Not a verification code"):
        verification.verification_url("../../etc")


def test_behavior_fields_are_not_in_forms(site, document):
    from plone.autoform.interfaces import OMITTED_KEY

    assert ISignedDocument.providedBy(document)
    omitted = {
        name
        for _iface, name, value in ISignedDocument.queryTaggedValue(OMITTED_KEY, [])
        if value == "true"
    }
    assert omitted == {"verification_code", "signed_sha256", "signed_by", "signed_at"}
    assert document.verification_code is None


def test_record_and_find(site, document):
    code = verification.new_verification_code()
    verification.record_signed_document(document, code, PDF, TEST_USER_ID)
    assert document.verification_code == code
    assert document.signed_sha256 == hashlib.sha256(PDF).hexdigest()
    assert document.signed_by == TEST_USER_ID
    assert document.signed_at.tzinfo is not None

    assert verification.find_by_code(code) == document
    assert verification.find_by_code(code.upper().replace("-", "")) == document
    assert verification.find_by_hash(hashlib.sha256(PDF).hexdigest()) == document
    assert (
        verification.find_by_hash(hashlib.sha256(PDF).hexdigest().upper()) == document
    )
    assert verification.find_by_code(verification.new_verification_code()) is None
    assert verification.find_by_hash(hashlib.sha256(b"other").hexdigest()) is None
    assert verification.find_by_hash("not a hash") is None
    assert verification.find_by_code({"query": code}) is None

    # Signing again replaces the entry.
    again = verification.new_verification_code()
    verification.record_signed_document(document, again, PDF + b" ", TEST_USER_ID)
    assert verification.find_by_code(code) is None
    assert verification.find_by_hash(hashlib.sha256(PDF).hexdigest()) is None
    assert verification.find_by_code(again) == document


def test_found_whatever_the_user_may_see(site, document):
    code = verification.new_verification_code()
    verification.record_signed_document(document, code, PDF, TEST_USER_ID)
    # Private (the default state) and looked up as Anonymous.
    assert api.content.get_state(document) == "private"
    with api.env.adopt_roles(["Anonymous"]):
        assert not api.user.has_permission("View", obj=document)
        assert verification.find_by_code(code) == document


def test_record_refuses_what_it_cannot_index(site):
    folder = api.content.create(container=site, type="Folder", title="Φάκελος")
    code = verification.new_verification_code()
    with pytest.raises(TypeError):
        verification.record_signed_document(folder, code, PDF, TEST_USER_ID)
    document = api.content.create(container=site, type="Document", title="Β")
    with pytest.raises(ValueError, match="Not a verification code"):
        verification.record_signed_document(document, "bad code", PDF, TEST_USER_ID)
    with pytest.raises(ValueError, match="No signed PDF"):
        verification.record_signed_document(document, code, b"", TEST_USER_ID)
    assert document.verification_code is None


def test_a_copy_has_no_entry(site, document):
    code = verification.new_verification_code()
    verification.record_signed_document(document, code, PDF, TEST_USER_ID)
    copy = api.content.copy(source=document, target=site, id="copy")
    assert copy.verification_code is None
    assert copy.signed_sha256 is None
    assert verification.find_by_code(code) == document


def test_catalog_indexes(site, document):
    catalog = api.portal.get_tool("portal_catalog")
    assert catalog.Indexes["verification_code"].meta_type == "FieldIndex"
    assert catalog.Indexes["signed_sha256"].meta_type == "FieldIndex"
    # An unsigned document is not in the indexes at all.
    assert not catalog.Indexes["verification_code"].getEntryForObject(
        catalog.getrid("/".join(document.getPhysicalPath()))
    )
