"""Issuing: the signed PDF, its record, the transition; and when it must not happen.

A certificate is signed with the issuing employee's own credential (from the
test CA), validates with pyHanko against that CA and stops validating after
one byte changes. Every refusal leaves the application exactly as it was.
"""

from io import BytesIO
from municipality.certificates import pdf
from municipality.certificates.issuing import certificate_filename
from municipality.certificates.issuing import issue
from municipality.certificates.issuing import IssuingError
from municipality.certificates.issuing import MAIL_KIND
from municipality.certificates.issuing import transliterate
from municipality.certificates.testing import create_application
from municipality.certificates.testing import create_clerk
from municipality.certificates.testing import create_verified_citizen
from municipality.certificates.testing import transition
from municipality.core.outbox import pending_items
from municipality.signing.testing import give_test_credential
from municipality.signing.testing import test_ca
from plone import api
from pyhanko.keys.internal import translate_pyca_cryptography_cert_to_asn1
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from zope.i18n import translate

import hashlib
import pytest


def validate(data):
    """pyHanko's verdict on the one signature of ``data``, trusting the test CA."""
    context = ValidationContext(
        trust_roots=[translate_pyca_cryptography_cert_to_asn1(test_ca().cert)],
        allow_fetching=False,
    )
    reader = PdfFileReader(BytesIO(data), strict=False)
    (signature,) = reader.embedded_signatures
    return validate_pdf_signature(signature, context)


def greek(message):
    return translate(message, target_language="el")


@pytest.fixture
def people(portal):
    create_verified_citizen(
        "maria", "Μαρία Παπαδοπούλου", "maria@example.gr", fathername="Γεώργιος"
    )
    create_clerk("clerk", fullname="Ελένη Κλητήρα")
    create_clerk("nocred", fullname="Χωρίς Πιστοποιητικό")
    create_verified_citizen("nikos", "Νίκος Γεωργίου", "nikos@example.gr")
    give_test_credential("clerk")
    # A citizen with a signing certificate is still not staff.
    give_test_credential("nikos")
    return portal


@pytest.fixture
def application(people):
    obj = create_application("maria")
    transition(obj, "start", "clerk")
    return obj


def untouched(obj, state="in_progress"):
    assert api.content.get_state(obj) == state
    assert obj.certificate_file is None
    assert obj.issued_by is None
    assert obj.issued_at is None
    assert getattr(obj, "verification_code", None) is None
    assert getattr(obj, "signed_sha256", None) is None
    assert not pending_items(obj, kind=MAIL_KIND)


def test_issue_signs_stores_records_and_transitions(application):
    signed = issue(application, "clerk")

    assert api.content.get_state(application) == "issued"
    blob = application.certificate_file
    assert bytes(blob.data) == signed
    assert blob.contentType == "application/pdf"
    reference = application.reference_number
    assert blob.filename == reference.replace("/", "-") + ".pdf"
    assert application.issued_by == "clerk"
    assert application.issued_at is not None
    assert application.signed_by == "clerk"
    assert application.signed_sha256 == hashlib.sha256(signed).hexdigest()
    # The workflow history says who issued it.
    history = application.workflow_history["certificate_application_workflow"]
    assert history[-1]["action"] == "issue"
    assert history[-1]["actor"] == "clerk"
    # Findable by its code, as the public verification page does.
    catalog = api.portal.get_tool("portal_catalog")
    found = catalog.unrestrictedSearchResults(
        verification_code=application.verification_code
    )
    assert [b.UID for b in found] == [application.UID()]


def test_the_pdf_says_what_was_applied_for(application):
    signed = issue(application, "clerk")
    text = " ".join(pdf.read_text(signed).split())
    assert "ΠΙΣΤΟΠΟΙΗΤΙΚΟ ΟΙΚΟΓΕΝΕΙΑΚΗΣ ΚΑΤΑΣΤΑΣΗΣ" in text
    assert "Ονοματεπώνυμο: Μαρία Παπαδοπούλου" in text
    assert "Πατρώνυμο: Γεώργιος" in text
    assert application.reference_number in text
    assert "Ελένη Κλητήρα" in text
    assert "Το παρόν χορηγείται για την εγγραφή του παιδιού μου στο σχολείο." in text
    url = f"{api.portal.get().absolute_url()}/@@verify-document/"
    url += application.verification_code
    assert url in text
    assert pdf.read_qr_modules(signed) == pdf.qr_modules(url)


def test_signature_validates_against_the_test_ca_and_breaks_with_one_byte(
    application,
):
    signed = issue(application, "clerk")
    status = validate(signed)
    assert status.intact
    assert status.valid
    assert status.trusted
    assert status.bottom_line
    assert "Ελένη Κλητήρα" in status.signing_cert.subject.human_friendly

    # One byte inside the signed range: the producer's name in the Info
    # dictionary, so the file still parses.
    position = signed.index(b"ReportLab PDF Library") + len(b"ReportLab PDF Librar")
    tampered = signed[:position] + b"z" + signed[position + 1 :]
    assert len(tampered) == len(signed)
    assert not validate(tampered).intact
    assert not validate(tampered).bottom_line


def test_signature_is_not_trusted_without_the_ca(application):
    signed = issue(application, "clerk")
    reader = PdfFileReader(BytesIO(signed), strict=False)
    (signature,) = reader.embedded_signatures
    status = validate_pdf_signature(
        signature, ValidationContext(trust_roots=[], allow_fetching=False)
    )
    assert status.intact
    assert not status.trusted


def test_no_credential_refuses_and_changes_nothing(application):
    with pytest.raises(IssuingError) as caught:
        issue(application, "nocred")
    text = greek(caught.value.message)
    assert "πιστοποιητικό υπογραφής" in text
    assert "@@my-signing-certificate" in text
    untouched(application)


def test_a_citizen_with_a_credential_may_not_issue(application):
    with pytest.raises(IssuingError) as caught:
        issue(application, "nikos")
    assert "may not issue" in str(caught.value)
    untouched(application)


def test_unknown_actor_may_not_issue(application):
    with pytest.raises(IssuingError):
        issue(application, "nobody-at-all")
    untouched(application)


def test_only_an_application_in_progress_is_issued(people):
    obj = create_application("maria")
    with pytest.raises(IssuingError) as caught:
        issue(obj, "clerk")
    assert "start handling" in str(caught.value)
    untouched(obj, state="submitted")


def test_issued_once_only(application):
    first = issue(application, "clerk")
    code = application.verification_code
    with pytest.raises(IssuingError) as caught:
        issue(application, "clerk")
    assert "already been issued" in str(caught.value)
    assert bytes(application.certificate_file.data) == first
    assert application.verification_code == code


def test_a_failure_while_storing_rolls_everything_back(people):
    # Delivery by email with no address anywhere: found only after the file
    # and the record were written, so the savepoint must undo them.
    obj = create_application("maria", delivery="email", delivery_email="m@example.gr")
    transition(obj, "start", "clerk")
    obj.delivery_email = ""
    api.user.get(userid="maria").setMemberProperties({"email": ""})
    with pytest.raises(IssuingError) as caught:
        issue(obj, "clerk")
    assert "no address" in str(caught.value)
    untouched(obj)
    catalog = api.portal.get_tool("portal_catalog")
    brain = catalog.unrestrictedSearchResults(UID=obj.UID())[0]
    assert brain.review_state == "in_progress"


def test_email_delivery_enqueues_one_mail_without_the_pdf_in_it(people):
    obj = create_application("maria", delivery="email", delivery_email="m@example.gr")
    transition(obj, "start", "clerk")
    issue(obj, "clerk")
    (item,) = pending_items(obj, kind=MAIL_KIND)
    assert item.key == f"certificates.mail:{obj.UID()}"
    assert item.payload["to"] == "m@example.gr"
    assert obj.reference_number in item.payload["subject"]
    assert obj.verification_code in item.payload["body"]
    assert "%PDF" not in repr(dict(item.payload))
    # Issued, not yet delivered: that waits for the mail to go out.
    assert api.content.get_state(obj) == "issued"


def test_download_delivery_enqueues_no_certificate_mail(application):
    issue(application, "clerk")
    assert not pending_items(application, kind=MAIL_KIND)


def test_file_names():
    class Application:
        reference_number = "ΠΙΣ-2026/000123"

    assert certificate_filename(Application()) == "ΠΙΣ-2026-000123.pdf"
    assert transliterate("ΠΙΣ-2026-000123.pdf") == "PIS-2026-000123.pdf"
    assert transliterate("Βεβαίωση ΤΑΠ") == "Vevaiosi TAP"
