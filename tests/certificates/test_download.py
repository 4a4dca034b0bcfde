"""``@@certificate.pdf`` over real HTTP: who gets the signed PDF, and how."""

from io import BytesIO
from municipality.certificates.issuing import issue
from municipality.certificates.testing import create_application
from municipality.certificates.testing import create_clerk
from municipality.certificates.testing import create_verified_citizen
from municipality.certificates.testing import PASSWORD
from municipality.certificates.testing import transition
from municipality.signing.testing import give_test_credential
from municipality.signing.testing import test_ca
from plone import api
from pyhanko.keys.internal import translate_pyca_cryptography_cert_to_asn1
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from urllib.parse import quote

import pytest
import requests
import transaction


TIMEOUT = 30


@pytest.fixture
def site(functional):
    portal = functional["portal"]
    create_verified_citizen("maria", "Μαρία Παπαδοπούλου", "maria@example.gr")
    create_verified_citizen("nikos", "Νίκος Γεωργίου", "nikos@example.gr")
    create_clerk("clerk", fullname="Ελένη Κλητήρα")
    create_clerk("other-clerk", group="supervisors", fullname="Άλλος Προϊστάμενος")
    give_test_credential("clerk")
    transaction.commit()
    return portal


@pytest.fixture
def application(site):
    obj = create_application("maria")
    transition(obj, "start", "clerk")
    transaction.commit()
    return obj


@pytest.fixture
def issued(application):
    issue(application, "clerk")
    transaction.commit()
    return application


def get(obj, user=None):
    session = requests.Session()
    if user:
        session.auth = (user, PASSWORD)
    return session.get(
        f"{obj.absolute_url()}/@@certificate.pdf",
        timeout=TIMEOUT,
        allow_redirects=False,
    )


def refused(response):
    assert response.status_code in (302, 401, 403, 404), response.status_code
    assert b"%PDF" not in response.content
    return True


def test_the_applicant_downloads_the_signed_pdf(issued):
    response = get(issued, "maria")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    stored = bytes(issued.certificate_file.data)
    assert response.content == stored
    assert int(response.headers["Content-Length"]) == len(stored)
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    filename = issued.reference_number.replace("/", "-") + ".pdf"
    assert f"filename*=UTF-8''{quote(filename, safe='')}" in disposition
    assert 'filename="PIS-' in disposition
    assert "no-store" in response.headers["Cache-Control"]

    reader = PdfFileReader(BytesIO(response.content), strict=False)
    (signature,) = reader.embedded_signatures
    status = validate_pdf_signature(
        signature,
        ValidationContext(
            trust_roots=[translate_pyca_cryptography_cert_to_asn1(test_ca().cert)],
            allow_fetching=False,
        ),
    )
    assert status.bottom_line


def test_staff_download_it(issued):
    assert get(issued, "clerk").status_code == 200
    assert get(issued, "other-clerk").status_code == 200


def test_staff_still_download_it_once_the_case_is_closed(issued):
    # Delivered: the workflow takes the case-handling permission off the
    # application, yet staff must be able to hand out a copy.
    transition(issued, "deliver", "clerk")
    transaction.commit()
    assert api.content.get_state(issued) == "delivered"
    assert get(issued, "clerk").status_code == 200
    assert get(issued, "maria").status_code == 200
    assert refused(get(issued, "nikos"))


def test_another_citizen_does_not(issued):
    assert refused(get(issued, "nikos"))


def test_anonymous_does_not(issued):
    assert refused(get(issued))


def test_someone_who_can_view_but_is_neither_applicant_nor_staff_does_not(issued):
    # Shared by mistake: a local role gives nikos View on the application,
    # which the view must not take as a reason to hand over the certificate.
    issued.manage_setLocalRoles("nikos", ["Owner"])
    issued.reindexObjectSecurity()
    transaction.commit()
    with api.env.adopt_user(username="nikos"):
        assert api.user.has_permission("View", obj=issued)
    response = get(issued, "nikos")
    assert response.status_code == 404
    assert b"%PDF" not in response.content


def test_no_certificate_yet_is_404(application):
    assert get(application, "maria").status_code == 404
    assert get(application, "clerk").status_code == 404


def test_the_verification_page_says_valid_and_then_altered(issued):
    """The downloaded certificate, checked on the public page, then tampered."""
    pdf = get(issued, "maria").content
    page_url = f"{api.portal.get().absolute_url()}/@@verify-document"

    def check(data):
        response = requests.post(
            page_url,
            files={"file": ("certificate.pdf", data, "application/pdf")},
            timeout=TIMEOUT,
        )
        assert response.status_code == 200
        return response.text

    page = check(pdf)
    assert "Έγκυρη υπογραφή" in page
    assert issued.reference_number in page
    assert "Ελένη Κλητήρα" in page  # who signed

    tampered = bytearray(pdf)
    # One byte inside the signed range (the page content, before the signature).
    position = len(pdf) // 4
    tampered[position] ^= 0x01
    page = check(bytes(tampered))
    assert "Αλλοιωμένο έγγραφο" in page
    assert "Έγκυρη υπογραφή" not in page

    # The QR code's address shows the registry entry, without personal data.
    qr = requests.get(f"{page_url}/{issued.verification_code}", timeout=TIMEOUT)
    assert qr.status_code == 200
    assert issued.reference_number in qr.text
    assert "Μαρία Παπαδοπούλου" not in qr.text
