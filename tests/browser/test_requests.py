"""Citizens' requests in a real browser: one named, one anonymous."""

from io import BytesIO
from plone import api

import pytest
import re
import transaction


pytestmark = pytest.mark.browser

REFERENCE = re.compile(r"ΑΙΤ-\d{4}/\d{6}")
PASSWORD = "a-long-test-password-1"


def _png():
    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def site(functional):
    """The functional site with a citizen, and room for more than a few
    anonymous submissions from 127.0.0.1 in one test run."""
    portal = functional["portal"]
    with api.env.adopt_roles(["Manager"]):
        api.user.create(
            email="eleni@example.org",
            username="eleni",
            password=PASSWORD,
            properties={"fullname": "Ελένη Κωνσταντίνου"},
        )
    api.portal.set_registry_record("municipality.requests.anonymous_per_hour", 1000)
    transaction.commit()
    return portal


def test_named_request_in_the_browser(site, page):
    url = site.absolute_url()
    page.goto(f"{url}/requests/@@new-request")
    # Anonymous visitors are offered to log in first.
    page.locator("a[href*='/login?came_from=']").first.click()
    page.locator("input[name='__ac_name']").fill("eleni")
    page.locator("input[name='__ac_password']").fill(PASSWORD)
    page.locator("input[name='__ac_password']").press("Enter")
    page.wait_for_url(re.compile(r".*/requests/@@new-request$"))

    assert page.locator("h1").inner_text() == "Νέο αίτημα, καταγγελία ή πρόταση"
    page.get_by_label("Καταγγελία").check()
    page.locator("#new-request-category").select_option("lighting")
    page.get_by_label("Θέμα").fill("Σβηστή λάμπα στην οδό Ερμού")
    page.locator("#new-request-text").fill("Η λάμπα μπροστά στο 12 είναι σβηστή.")
    page.locator("#new-request-desired_action").fill("Αντικατάσταση της λάμπας.")
    page.locator("#new-request-attachments").set_input_files(
        files=[{"name": "lampa.png", "mimeType": "image/png", "buffer": _png()}]
    )
    page.get_by_role("button", name="Υποβολή").click()
    page.wait_for_url(re.compile(r".*/@@request-submitted$"))

    reference = page.locator("#requests-reference").inner_text().strip()
    assert REFERENCE.fullmatch(reference), reference
    assert page.locator("h1").inner_text() == "Το αίτημά σας υποβλήθηκε"

    # The request's page: the same reference, the attachment, the status.
    page.locator("#requests-detail-link").click()
    page.wait_for_load_state()
    assert reference in page.locator(".requests-reference-value").inner_text()
    assert page.get_by_role("link", name="lampa.png").is_visible()
    assert "Αριθμός πρωτοκόλλου σε αναμονή" in page.content()

    # «My requests» lists it.
    page.get_by_role("link", name="Τα αιτήματά μου").first.click()
    page.wait_for_load_state()
    assert page.locator("#my-requests").get_by_text(reference).is_visible()


def test_anonymous_request_in_the_browser(site, page):
    url = site.absolute_url()
    page.goto(f"{url}/requests/@@anonymous-request")
    assert page.locator("h1").inner_text() == "Ανώνυμο αίτημα ή καταγγελία"
    # The honeypot is not where people look.
    box = page.locator("#anonymous-request-homepage").bounding_box()
    assert box is None or box["x"] + box["width"] <= 0
    page.get_by_label("Θέμα").fill("Λακκούβα στην πλατεία")
    page.locator("#anonymous-request-text").fill("Μεγάλη λακκούβα στο περίπτερο.")
    page.locator("#anonymous-request-email").fill("polites@example.org")
    page.get_by_role("button", name="Υποβολή").click()
    page.wait_for_load_state()

    assert page.locator("h1").inner_text() == "Το αίτημά σας στάλθηκε"
    reference = page.locator("#requests-reference").inner_text().strip()
    assert REFERENCE.fullmatch(reference), reference
    link = page.locator("#requests-tracking-url")
    tracking_url = link.get_attribute("href")
    assert re.fullmatch(
        rf"{re.escape(url)}/requests/@@track/[\w-]{{20,}}", tracking_url
    )
    assert "ο μόνος τρόπος" in page.locator(".requests-tracking-note").inner_text()

    # The tracking link opens, in a fresh browser too.
    other = page.context.browser.new_context(locale="el-GR")
    try:
        tracking = other.new_page()
        response = tracking.goto(tracking_url)
        assert response.status == 200
        assert tracking.locator("#requests-reference").inner_text() == reference
        assert "Υποβλήθηκε" in tracking.content()
        assert "polites@example.org" not in tracking.content()
    finally:
        other.close()
