"""api.sign_pdf with a stored PKCS#12 credential: PAdES that pyHanko validates."""

from io import BytesIO
from municipality.signing import api
from municipality.signing import credentials
from municipality.signing.testing import give_test_credential
from municipality.signing.testing import greek_pdf
from municipality.signing.testing import test_ca
from municipality.signing.testing import validate
from plone import api as plone_api
from pyhanko.pdf_utils.reader import PdfFileReader

import pytest


@pytest.fixture
def pdf():
    return greek_pdf()


@pytest.fixture
def clerk(portal):
    give_test_credential("clerk", "Ελένη Γεωργίου")
    return "clerk"


def _signature_dict(signed):
    reader = PdfFileReader(BytesIO(signed), strict=False)
    (signature,) = reader.embedded_signatures
    return signature.sig_object


def test_signed_pdf_validates_against_the_ca(clerk, pdf):
    signed = api.sign_pdf(pdf, clerk, reason="Έκδοση πιστοποιητικού")

    assert signed.startswith(pdf)  # an incremental update
    (status,) = validate(signed)
    assert status.intact
    assert status.valid
    assert status.trusted
    assert status.bottom_line
    assert status.signing_cert.subject.native["common_name"] == "Ελένη Γεωργίου"
    signature = _signature_dict(signed)
    assert signature["/SubFilter"] == "/ETSI.CAdES.detached"
    assert signature["/Reason"] == "Έκδοση πιστοποιητικού"
    assert status.md_algorithm == "sha256"


def test_one_changed_byte_breaks_the_signature(clerk, pdf):
    signed = api.sign_pdf(pdf, clerk)
    position = signed.index(b"ReportLab")
    tampered = signed[:position] + b"X" + signed[position + 1 :]

    (status,) = validate(tampered)
    # The document's digest no longer matches (the CMS signature over the
    # signed attributes, pyHanko's «valid», is still sound).
    assert not status.intact
    assert not status.bottom_line


def test_a_foreign_ca_is_not_trusted(clerk, pdf):
    from municipality.signing import pki

    (status,) = validate(api.sign_pdf(pdf, clerk), trusted=[pki.create_ca("Άλλη").cert])
    assert status.intact
    assert not status.trusted


def test_location_and_reason_default_to_the_settings(clerk, pdf):
    signature = _signature_dict(api.sign_pdf(pdf, clerk))
    assert signature["/Location"] == plone_api.portal.get_registry_record(
        "municipality.name_el"
    )
    assert signature["/Reason"] == plone_api.portal.get_registry_record(
        "municipality.signing.reason"
    )

    plone_api.portal.set_registry_record(
        "municipality.signing.location", "Δημαρχείο, Πλατεία 1"
    )
    signature = _signature_dict(api.sign_pdf(pdf, clerk))
    assert signature["/Location"] == "Δημαρχείο, Πλατεία 1"


def test_a_signed_document_can_be_signed_again(portal, clerk, pdf):
    give_test_credential("supervisor-1", "Αναστασία Μιχαήλ")
    twice = api.sign_pdf(api.sign_pdf(pdf, clerk), "supervisor-1")

    statuses = validate(twice)
    assert [s.signing_cert.subject.native["common_name"] for s in statuses] == [
        "Ελένη Γεωργίου",
        "Αναστασία Μιχαήλ",
    ]
    assert all(s.intact and s.valid and s.trusted for s in statuses)


def test_no_credential(portal, pdf):
    assert not api.has_credential("nobody")
    with pytest.raises(api.NoCredential) as raised:
        api.sign_pdf(pdf, "nobody")
    assert isinstance(raised.value, api.SigningError)
    assert raised.value.message  # a message for the user


def test_has_credential(clerk):
    assert api.has_credential(clerk)
    credentials.remove_credential(clerk)
    assert not api.has_credential(clerk)


def test_not_a_pdf(clerk):
    with pytest.raises(api.SigningError):
        api.sign_pdf(b"%PDF-1.7 this is no PDF", clerk)


def test_replaced_credential_is_used_at_once(portal, pdf):
    give_test_credential("changer", "Πρώτο Όνομα")
    first = credentials.get_credential("changer")
    api.sign_pdf(pdf, "changer")
    assert ("changer", first.version) in api.cached_versions()

    give_test_credential("changer", "Δεύτερο Όνομα")
    second = credentials.get_credential("changer")
    assert second.version != first.version
    (status,) = validate(api.sign_pdf(pdf, "changer"))

    assert status.signing_cert.subject.native["common_name"] == "Δεύτερο Όνομα"
    assert ("changer", first.version) not in api.cached_versions()
    assert ("changer", second.version) in api.cached_versions()


def test_the_test_ca_is_trusted_by_the_settings(clerk):
    bundle = plone_api.portal.get_registry_record(
        "municipality.signing.trusted_certificates"
    )
    assert test_ca().cert_pem().decode().strip() in bundle
