"""A certificate from application to signed PDF, in a real browser.

A verified citizen applies for a civil-registry certificate, a clerk with a
signing certificate issues it («Έκδοση και υπογραφή»), the citizen downloads
the PDF from the application's page, and pyHanko finds it signed by the
clerk and intact.
"""

from concurrent.futures import ThreadPoolExecutor
from io import BytesIO
from municipality.certificates import pdf
from municipality.certificates.testing import create_clerk
from municipality.certificates.testing import create_verified_citizen
from municipality.certificates.testing import PASSWORD
from municipality.signing.testing import give_test_credential
from municipality.signing.testing import test_ca
from pyhanko.keys.internal import translate_pyca_cryptography_cert_to_asn1
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

import pytest
import re
import transaction


pytestmark = pytest.mark.browser

REFERENCE = re.compile(r"ΠΙΣ-\d{4}/\d{6}")


@pytest.fixture
def site(functional):
    portal = functional["portal"]
    create_verified_citizen(
        "maria", "Μαρία Παπαδοπούλου", "maria@example.gr", fathername="Γεώργιος"
    )
    create_clerk("clerk", fullname="Ελένη Κλητήρα")
    give_test_credential("clerk")
    transaction.commit()
    return portal


def validate(data):
    reader = PdfFileReader(BytesIO(data), strict=False)
    (signature,) = reader.embedded_signatures
    return validate_pdf_signature(
        signature,
        ValidationContext(
            trust_roots=[translate_pyca_cryptography_cert_to_asn1(test_ca().cert)],
            allow_fetching=False,
        ),
    )


def log_in(page, url, user):
    page.goto(f"{url}/login")
    page.locator("input[name='__ac_name']").fill(user)
    page.locator("input[name='__ac_password']").fill(PASSWORD)
    page.locator("input[name='__ac_password']").press("Enter")
    page.wait_for_load_state()
    assert page.locator("input[name='__ac_password']").count() == 0, "login failed"


def test_apply_issue_and_download_in_the_browser(site, chromium, page):
    url = site.absolute_url()

    # The citizen applies.
    log_in(page, url, "maria")
    page.goto(f"{url}/certificates/@@apply-certificate?kind=civil_registry")
    assert "Μαρία Παπαδοπούλου" in page.locator("#content-core").inner_text()
    page.locator("#apply-certificate-certificate_type").select_option("family_status")
    page.locator("#apply-certificate-purpose").fill(
        "Για την εγγραφή του παιδιού μου στο σχολείο."
    )
    page.locator("#apply-certificate-submit").click()
    page.wait_for_url(re.compile(r".*/@@application-submitted$"))
    reference = page.locator("#certificates-reference").inner_text().strip()
    assert REFERENCE.fullmatch(reference), reference
    page.locator("#certificates-detail-link").click()
    page.wait_for_load_state()
    application_url = page.url.split("?")[0].removesuffix("/view")
    assert page.locator("#certificates-download").count() == 0

    # A clerk, in a browser of their own, starts handling it and issues it.
    clerk = chromium.new_context(locale="el-GR").new_page()
    clerk.set_default_timeout(15000)
    try:
        log_in(clerk, url, "clerk")
        clerk.goto(application_url)
        assert reference in clerk.content()
        clerk.locator("#certificates-start").click()
        clerk.wait_for_load_state()
        issue_button = clerk.locator("#certificates-issue")
        assert issue_button.inner_text().strip() == "Έκδοση και υπογραφή"
        issue_button.click()
        clerk.wait_for_load_state()
        assert clerk.locator("#certificates-issue-error").count() == 0, clerk.locator(
            "#certificates-issue-error"
        ).inner_text()
        assert clerk.locator("#certificates-download").count() == 1
    finally:
        clerk.context.close()

    # The citizen sees it issued and downloads the signed PDF.
    page.reload()
    assert page.locator("#certificates-issued").is_visible()
    with page.expect_download() as download_info:
        page.locator("#certificates-download").click()
    download = download_info.value
    assert download.suggested_filename == reference.replace("/", "-") + ".pdf"
    data = download.path().read_bytes()
    assert data.startswith(b"%PDF")

    text = " ".join(pdf.read_text(data).split())
    assert "ΠΙΣΤΟΠΟΙΗΤΙΚΟ ΟΙΚΟΓΕΝΕΙΑΚΗΣ ΚΑΤΑΣΤΑΣΗΣ" in text
    assert "Μαρία Παπαδοπούλου" in text
    assert reference in text

    # pyHanko's validation runs its own event loop: not in the thread where
    # Playwright's runs.
    with ThreadPoolExecutor(1) as pool:
        status = pool.submit(validate, data).result()
    assert status.intact
    assert status.bottom_line
    assert "Ελένη Κλητήρα" in status.signing_cert.subject.human_friendly
