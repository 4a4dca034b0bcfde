"""The digitized archive in a real browser: a visitor finds a decision
written in the polytonic system by typing capitals without accents."""

from base64 import b64encode
from datetime import date
from io import BytesIO
from municipality.archive import api as archive_api
from municipality.archive import store
from municipality.archive.setuphandlers import get_archive
from plone import api
from zope.component.hooks import setSite

import hashlib
import pytest
import re
import transaction


pytestmark = pytest.mark.browser

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def _file(data, content_type, name):
    return {
        "data": b64encode(data).decode("ascii"),
        "encoding": "base64",
        "content-type": content_type,
        "filename": name,
    }


def _page_jpeg(text, width):
    """A page image with its text drawn on it."""
    from PIL import Image
    from PIL import ImageDraw
    from PIL import ImageFont

    image = Image.new("RGB", (width, int(width * 1.41)), (250, 248, 240))
    font = ImageFont.truetype(FONT, max(width // 30, 8))
    ImageDraw.Draw(image).multiline_text(
        (width // 12, width // 10), text, font=font, fill=(20, 20, 20)
    )
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def ingest_decision(state, texts, number, year, meeting_date, subject):
    """A decision through the real ingestion, page images drawn from its text."""
    from PIL import Image

    hashes = [
        hashlib.sha256(f"{number}/{year}/{i}".encode()).hexdigest()
        for i in range(len(texts))
    ]
    files = [f"vol/{number}-{year}-{i}.tif" for i in range(len(texts))]
    blank = BytesIO()
    Image.new("RGB", (60, 85), (255, 255, 255)).save(blank, "PDF")
    payload = {
        "source_hash": archive_api.source_hash(hashes),
        "source_files": files,
        "number": number,
        "year": year,
        "meeting_date": meeting_date,
        "subject": subject,
        "source_volume": "",
        "source_box": "",
        "languages": "ell+grc",
        "review_reasons": [],
        "pages": [
            {
                "number": i,
                "text": text,
                "confidence": 91.0,
                "source_file": files[i - 1],
                "source_page": 1,
                "image": _file(_page_jpeg(text, 600), "image/jpeg", f"p{i}.jpg"),
                "thumbnail": _file(_page_jpeg(text, 100), "image/jpeg", f"t{i}.jpg"),
            }
            for i, text in enumerate(texts, 1)
        ],
        "pdf": _file(blank.getvalue(), "application/pdf", "d.pdf"),
    }
    with api.env.adopt_roles(["Manager"]):
        decision, _created = store.ingest(get_archive(), payload)
        api.content.transition(obj=decision, transition="review")
        if state == "published":
            api.content.transition(obj=decision, transition="publish")
    return decision


@pytest.fixture
def site(functional):
    """Published decisions of the 1960s and the 1980s, with page images."""
    portal = functional["portal"]
    setSite(portal)
    ingest_decision(
        state="published",
        texts=[
            "Πρακτικὸν τῆς συνεδριάσεως τοῦ Δημοτικοῦ Συμβουλίου.",
            "Ἡ ὕδρευσις τῆς Κάτω Πόλεως ἐνεκρίθη ὁμοφώνως.",
        ],
        number="5",
        year=1964,
        meeting_date="1964-05-10",
        subject="Ὕδρευσις Κάτω Πόλεως",
    )
    ingest_decision(
        state="published",
        texts=["Η ύδρευση του οικισμού Λόφου: έγκριση μελέτης."],
        number="12",
        year=1987,
        meeting_date="1987-03-15",
        subject="Ύδρευση οικισμού Λόφου",
    )
    transaction.commit()
    return portal


def test_a_visitor_searches_narrows_and_opens_a_decision(site, page):
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(site.absolute_url())
    page.get_by_role("link", name="Ψηφιοποιημένο αρχείο").click()
    page.wait_for_url(re.compile(r".*/@@archive-search$"))
    assert page.locator("h1").inner_text() == "Αναζήτηση στο ιστορικό αρχείο"

    page.get_by_label("Λέξεις για αναζήτηση").fill("ΥΔΡΕΥΣΗ")
    page.locator(".archive-search-form").get_by_role("button", name="Αναζήτηση").click()
    page.wait_for_url(re.compile(r".*q=.*"))
    assert "2 αποτελέσματα" in page.locator(".archive-summary").inner_text()
    # The matched words are marked as the decisions write them.
    marks = page.locator(".archive-snippet mark").all_inner_texts()
    assert "ὕδρευσις" in marks
    assert "ύδρευση" in marks

    # Narrow by decade: the 1960s.
    page.locator(".archive-facet-decade a", has_text="1960–1969").click()
    page.wait_for_url(re.compile(r".*decade=1960.*"))
    assert "1 αποτέλεσμα" in page.locator(".archive-summary").inner_text()
    assert "Δεκαετία: 1960–1969" in page.locator(".archive-active-filters").inner_text()
    # The thumbnail is the page where the word is: the second.
    thumbnail = page.locator(".archive-hit-thumbnail img")
    assert thumbnail.get_attribute("src").endswith("/@@page/2/thumbnail")
    assert thumbnail.evaluate("img => img.complete && img.naturalWidth > 0")

    # Open the decision: the page image beside its text, the word marked.
    page.locator(".archive-hit-title a").click()
    page.wait_for_url(re.compile(r".*page=2.*"))
    image = page.locator(".archive-page-image img")
    text = page.locator(".archive-page-text")
    assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    assert "Κάτω Πόλεως" in text.inner_text()
    assert "ὕδρευσις" in text.locator("mark").all_inner_texts()
    image_box = image.bounding_box()
    text_box = text.bounding_box()
    assert image_box["x"] + image_box["width"] <= text_box["x"] + 1  # side by side
    assert abs(image_box["y"] - text_box["y"]) < 200


def test_browsing_by_decade_and_year(site, page):
    page.goto(f"{site.absolute_url()}/archive")
    assert "1980–1989 (1 απόφαση)" in page.locator(".archive-decades").inner_text()
    page.locator(".archive-decades a", has_text="1980–1989").click()
    page.locator(".archive-years a", has_text="1987").click()
    page.wait_for_url(re.compile(r".*year=1987$"))
    row = page.locator(".archive-year-table tbody tr").first
    assert "15/03/1987" in row.inner_text()
    assert date(1987, 3, 15).strftime("%d/%m/%Y") in row.inner_text()
