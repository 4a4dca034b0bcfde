"""Issuing against the real simulators: the ΤΑΠ check at the finance system,
and the certificate emailed through the outbox to the mail catcher."""

from email import message_from_bytes
from email import policy
from io import BytesIO
from municipality.certificates import pdf
from municipality.certificates.issuing import issue
from municipality.certificates.issuing import IssuingError
from municipality.certificates.issuing import MAIL_KIND
from municipality.certificates.testing import create_application
from municipality.certificates.testing import create_clerk
from municipality.certificates.testing import create_verified_citizen
from municipality.certificates.testing import SUPPLY_WITH_DEBTS
from municipality.certificates.testing import SUPPLY_WITHOUT_DEBTS
from municipality.certificates.testing import transition
from municipality.core import outbox
from municipality.signing.testing import give_test_credential
from municipality.signing.testing import test_ca
from plone import api
from pyhanko.keys.internal import translate_pyca_cryptography_cert_to_asn1
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from zope.i18n import translate

import pytest
import time
import transaction


FAR_FUTURE = time.time() + 10 * 365 * 86400


@pytest.fixture
def site(wired):
    create_verified_citizen("maria", "Μαρία Παπαδοπούλου", "maria@example.gr")
    create_clerk("revenue", group="revenue-officers", fullname="Κώστας Εσόδων")
    give_test_credential("revenue")
    transaction.commit()
    return wired


def in_progress(**data):
    obj = create_application("maria", **data)
    transition(obj, "start", "revenue")
    transaction.commit()
    # The «received» mail and the protocol registration are not our subject.
    outbox.process_due(api.portal.get(), now=FAR_FUTURE)
    transaction.begin()
    return obj


def untouched(obj):
    assert api.content.get_state(obj) == "in_progress"
    assert obj.certificate_file is None
    assert getattr(obj, "verification_code", None) is None


def test_tap_without_debts_is_issued(site):
    obj = in_progress(kind="tap", property_supply_number=SUPPLY_WITHOUT_DEBTS)
    signed = issue(obj, "revenue")
    assert api.content.get_state(obj) == "issued"
    text = " ".join(pdf.read_text(signed).split())
    assert "ΒΕΒΑΙΩΣΗ ΜΗ ΟΦΕΙΛΗΣ ΤΕΛΟΥΣ ΑΚΙΝΗΤΗΣ ΠΕΡΙΟΥΣΙΑΣ (ΤΑΠ)" in text
    assert f"Αρ. παροχής ρεύματος: {SUPPLY_WITHOUT_DEBTS}" in text
    assert "δεν οφείλεται Τέλος Ακίνητης Περιουσίας (ΤΑΠ)" in text


def test_tap_prints_the_property_as_finance_knows_it(site):
    """The applicant's typed address is not what the municipality certifies."""
    obj = in_progress(
        kind="tap",
        property_supply_number=SUPPLY_WITHOUT_DEBTS,
        property_address="Οδός Άλλου Ακινήτου 99",
        property_area=400,
    )
    text = " ".join(pdf.read_text(issue(obj, "revenue")).split())
    assert "Ερμού 10" in text
    assert "Οδός Άλλου Ακινήτου 99" not in text
    assert "400 τ.μ." not in text
    assert "85 τ.μ." in text


def test_tap_with_debts_is_refused(site):
    obj = in_progress(kind="tap", property_supply_number=SUPPLY_WITH_DEBTS)
    with pytest.raises(IssuingError) as caught:
        issue(obj, "revenue")
    text = translate(caught.value.message, target_language="el")
    assert "οφείλει ΤΑΠ" in text
    assert "€" in text
    untouched(obj)


def test_finance_down_is_refused_with_try_again_later(site, simulators):
    obj = in_progress(kind="tap", property_supply_number=SUPPLY_WITHOUT_DEBTS)
    simulators.set_mode("finance", mode="down")
    with pytest.raises(IssuingError) as caught:
        issue(obj, "revenue")
    text = translate(caught.value.message, target_language="el")
    assert "δοκιμάστε ξανά αργότερα" in text
    untouched(obj)


def test_civil_registry_needs_no_finance_system(site, simulators):
    obj = in_progress()
    simulators.set_mode("finance", mode="down")
    issue(obj, "revenue")
    assert api.content.get_state(obj) == "issued"


def test_certificate_is_emailed_with_the_signed_pdf_and_marked_delivered(
    site, simulators
):
    obj = in_progress(delivery="email", delivery_email="maria.home@example.gr")
    signed = issue(obj, "revenue")
    transaction.commit()
    assert api.content.get_state(obj) == "issued"

    counts = outbox.process_due(site, now=FAR_FUTURE)
    assert counts["delivered"] >= 1
    transaction.begin()
    assert api.content.get_state(obj) == "delivered"
    assert not outbox.pending_items(obj, kind=MAIL_KIND)

    mails = [m for m in simulators.mail(to="maria.home@example.gr") if m["attachments"]]
    assert len(mails) == 1
    mail = mails[0]
    assert obj.reference_number in mail["subject"]
    assert obj.verification_code in mail["text"]
    (attachment,) = mail["attachments"]
    assert attachment["content_type"] == "application/pdf"
    assert attachment["filename"] == obj.reference_number.replace("/", "-") + ".pdf"

    raw = simulators.get(f"/mail/messages/{mail['id']}/raw").content
    message = message_from_bytes(raw, policy=policy.default)
    (part,) = list(message.iter_attachments())
    attached = part.get_payload(decode=True)
    assert attached == signed
    reader = PdfFileReader(BytesIO(attached), strict=False)
    (signature,) = reader.embedded_signatures
    status = validate_pdf_signature(
        signature,
        ValidationContext(
            trust_roots=[translate_pyca_cryptography_cert_to_asn1(test_ca().cert)],
            allow_fetching=False,
        ),
    )
    assert status.bottom_line

    # Once only: the worker runs again, nothing more is sent.
    outbox.process_due(site, now=FAR_FUTURE + 86400)
    again = [m for m in simulators.mail(to="maria.home@example.gr") if m["attachments"]]
    assert len(again) == 1


def test_mail_waits_while_smtp_is_down_and_then_goes(site, simulators):
    obj = in_progress(delivery="email", delivery_email="maria.home@example.gr")
    issue(obj, "revenue")
    transaction.commit()
    from municipality.core.setuphandlers import configure_mail

    # A port nobody listens on: the SMTP server is «down».
    configure_mail("127.0.0.1", 9, overwrite=True)
    transaction.commit()
    outbox.process_due(site, now=FAR_FUTURE)
    transaction.begin()
    (item,) = outbox.pending_items(obj, kind=MAIL_KIND)
    assert item.attempts == 1
    assert api.content.get_state(obj) == "issued"

    configure_mail("127.0.0.1", simulators.smtp_port, overwrite=True)
    transaction.commit()
    outbox.process_due(site, now=FAR_FUTURE + 86400)
    transaction.begin()
    assert api.content.get_state(obj) == "delivered"
    assert [m for m in simulators.mail(to="maria.home@example.gr") if m["attachments"]]
