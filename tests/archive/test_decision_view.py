"""The decision's page over real HTTP: the page image beside its text, the
thumbnails, the search's words marked, the permanent link, the PDF; page
images with their headers; nothing of an unpublished or withheld decision
for anonymous visitors; archivists correct a page's text."""

from .helpers import create_archivist
from .helpers import file_json
from .helpers import ingest_decision
from .helpers import jpeg_bytes
from .helpers import PASSWORD
from email.utils import formatdate
from municipality.archive import testpages
from plone import api
from zope.component.hooks import setSite

import pytest
import re
import requests
import subprocess
import time
import transaction


TIMEOUT = 30
NOT_SHOWN = (302, 401, 403, 404)
TEXTS = [
    "ΑΠΟΣΠΑΣΜΑ ΠΡΑΚΤΙΚΟΥ\nΤο Δημοτικό Συμβούλιο συνεδρίασε δημόσια.",
    "Αποφασίζει ομόφωνα την ανάπλαση της πλατείας <Ελευθερίας> & της οδού.",
    "Η παρούσα ἀπόφασις ἐλήφθη ὁμοφώνως.",
]


@pytest.fixture
def site(functional):
    portal = functional["portal"]
    setSite(portal)
    create_archivist()
    transaction.commit()
    return portal


@pytest.fixture
def published(site):
    decision = ingest_decision(
        texts=TEXTS,
        state="published",
        confidences=[95.0, 55.0, 90.0],
        review_reasons=["low_confidence:2"],
        source_volume="Τόμος 12",
    )
    transaction.commit()
    return decision


def _get(url, user=None, **kwargs):
    auth = (user, PASSWORD) if user else None
    kwargs.setdefault("allow_redirects", False)
    return requests.get(url, auth=auth, timeout=TIMEOUT, **kwargs)


def _page_section(html):
    match = re.search(
        r'<section class="archive-page row[^"]*".*?</section>', html, re.DOTALL
    )
    assert match, "no page section"
    return match.group(0)


class TestPublicPage:
    def test_the_page_image_beside_its_text(self, published):
        url = published.absolute_url()
        response = _get(url)
        assert response.status_code == 200
        html = response.text
        assert published.title in html
        assert "123/1987" in html
        assert "15/03/1987" in html
        assert "Τόμος 12" in html
        section = _page_section(html)
        # Side by side on wide screens (two halves of a row), stacked on phones.
        image_col, text_col = re.findall(r'<div class="col-lg-6 ([^"]+)"', section)
        assert (image_col, text_col) == ("archive-page-image", "archive-page-text")
        assert f'src="{url}/@@page/1/image"' in section
        assert f'href="{url}/@@page/1/image"' in section
        assert "Το Δημοτικό Συμβούλιο συνεδρίασε δημόσια." in section
        assert "Σελίδα 1 από 3" in section
        # Thumbnails of every page.
        for number in (1, 2, 3):
            assert f'src="{url}/@@page/{number}/thumbnail"' in html
        assert f'href="{url}/@@download/pdf"' in html
        assert "Λήψη του PDF" in html
        assert f'value="{api.portal.get().absolute_url()}/resolveuid/' in html
        assert "Μόνιμος σύνδεσμος" in html
        # Nothing for staff only.
        assert "archive-review-reasons" not in html
        assert "Βεβαιότητα OCR" not in html
        assert "Διόρθωση του κειμένου" not in html

    def test_another_page_escaped(self, published):
        response = _get(f"{published.absolute_url()}?page=2")
        section = _page_section(response.text)
        assert f'src="{published.absolute_url()}/@@page/2/image"' in section
        assert "πλατείας &lt;Ελευθερίας&gt; &amp; της οδού" in section
        assert "Σελίδα 2 από 3" in section
        # A page that does not exist shows the first.
        section = _page_section(_get(f"{published.absolute_url()}?page=9").text)
        assert "Σελίδα 1 από 3" in section

    @pytest.mark.parametrize(
        ("query", "page", "marked"),
        [
            ("ΠΛΑΤΕΙΑΣ", 2, "πλατείας"),
            ("αναπλαση", 2, "ανάπλαση"),
            ("ομοφωνως", 2, "ομόφωνα"),
            ("ελήφθη", 3, "ἐλήφθη"),
            ("ΠΑΡΟΥΣΑ", 3, "παρούσα"),
        ],
    )
    def test_the_search_opens_the_page_and_marks_the_words(
        self, published, query, page, marked
    ):
        response = _get(published.absolute_url(), params={"q": query})
        section = _page_section(response.text)
        assert f"Σελίδα {page} από 3" in section
        assert f"<mark>{marked}</mark>" in section
        assert "είναι επισημασμένες" in response.text
        # The thumbnails keep the search, and mark the pages that have it.
        assert f"page={page}&amp;q=" in response.text
        assert "archive-thumb-match" in response.text

    def test_polytonic_words_are_marked(self, published):
        response = _get(
            published.absolute_url(), params={"q": "απόφαση ομοφωνως", "page": "3"}
        )
        section = _page_section(response.text)
        assert "Σελίδα 3 από 3" in section
        assert "<mark>ἀπόφασις</mark>" in section
        assert "<mark>ὁμοφώνως</mark>" in section

    def test_a_search_not_in_the_text(self, published):
        response = _get(published.absolute_url(), params={"q": "γέφυρα"})
        assert "<mark>" not in response.text
        assert "δεν υπάρχουν στο κείμενο" in response.text

    def test_the_permanent_link_leads_to_the_decision(self, published):
        response = _get(
            f"{api.portal.get().absolute_url()}/resolveuid/{published.UID()}"
        )
        assert response.status_code in (301, 302)
        assert response.headers["Location"] == published.absolute_url()

    def test_page_images(self, published):
        url = published.absolute_url()
        response = _get(f"{url}/@@page/2/image")
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "image/jpeg"
        assert response.content == jpeg_bytes(seed=1)
        assert int(response.headers["Content-Length"]) == len(response.content)
        assert "public" in response.headers["Cache-Control"]
        assert "max-age=" in response.headers["Cache-Control"]
        assert response.headers["Last-Modified"].endswith("GMT")
        thumbnail = _get(f"{url}/@@page/2/thumbnail")
        assert thumbnail.status_code == 200
        assert thumbnail.content == jpeg_bytes((10, 14), seed=1)
        # Unchanged since: 304.
        later = formatdate(time.time() + 60, usegmt=True)
        again = _get(f"{url}/@@page/2/image", headers={"If-Modified-Since": later})
        assert again.status_code == 304
        assert again.content == b""

    @pytest.mark.parametrize(
        "path",
        [
            "@@page/0/image",
            "@@page/4/image",
            "@@page/x/image",
            "@@page/1/original",
            "@@page/1",
            "@@page/1/image/more",
        ],
    )
    def test_bad_page_addresses(self, published, path):
        response = _get(f"{published.absolute_url()}/{path}")
        assert response.status_code == 404

    def test_pdf(self, published):
        response = _get(f"{published.absolute_url()}/@@download/pdf")
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-")


class TestNotPublic:
    @pytest.mark.parametrize("state", ["ingested", "reviewed", "withheld"])
    def test_nothing_for_anonymous(self, site, state):
        decision = ingest_decision(state=state)
        transaction.commit()
        url = decision.absolute_url()
        for address in (
            url,
            f"{url}/view",
            f"{url}/@@page/1/image",
            f"{url}/@@page/1/thumbnail",
            f"{url}/@@download/pdf",
        ):
            response = _get(address)
            assert response.status_code in NOT_SHOWN, address
            assert response.headers.get("Content-Type", "").split(";")[0] not in (
                "image/jpeg",
                "application/pdf",
            ), address
            if response.status_code == 302:
                assert "login" in response.headers["Location"], address
            assert "ΑΠΟΣΠΑΣΜΑ" not in response.text, address

    def test_the_archivist_sees_state_reasons_and_private_images(self, site):
        decision = ingest_decision(
            state="withheld",
            review_reasons=["number_from_text", "no_text:1", "text_missing:1"],
        )
        transaction.commit()
        url = decision.absolute_url()
        response = _get(url, "archivist1")
        assert response.status_code == 200
        html = response.text
        assert "Εκτός δημοσιότητας" in html
        assert "Ο αριθμός αναγνώστηκε από το κείμενο." in html
        assert "Δεν αναγνώστηκε κείμενο στη σελίδα 1." in html
        assert "Η σάρωση της σελίδας 1 δείχνει κείμενο που δεν διαβάστηκε" in html
        assert "Προσωπικά δεδομένα" in html  # the history's comment
        image = _get(f"{url}/@@page/1/image", "archivist1")
        assert image.status_code == 200
        assert image.headers["Cache-Control"].startswith("private")


def pdf_pages_text(pdf):
    """The text poppler finds on each page of ``pdf``."""
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    return text.split("\f")[:-1]


class TestCorrectingAPage:
    def test_the_archivist_saves_a_page_text(self, site):
        decision = ingest_decision(texts=["Πρώτη σελίδα.", "Δευτερη σελιδα με λαθη."])
        transaction.commit()
        url = decision.absolute_url()
        session = requests.Session()
        session.auth = ("archivist1", PASSWORD)
        page = session.get(f"{url}?page=2", timeout=TIMEOUT)
        assert "Διόρθωση του κειμένου αυτής της σελίδας" in page.text
        token = re.search(r'name="_authenticator"[^>]*value="([^"]+)"', page.text)
        form = {
            "form.action": "save-page",
            "page": "2",
            "text": "Δεύτερη σελίδα χωρίς λάθη.\r\n",
        }
        # Without the token: refused, nothing changes.
        refused = session.post(f"{url}/@@view", data=form, timeout=TIMEOUT)
        assert refused.status_code == 403
        form["_authenticator"] = token.group(1)
        response = session.post(
            f"{url}/@@view", data=form, timeout=TIMEOUT, allow_redirects=False
        )
        assert response.status_code == 302
        assert response.headers["Location"] == f"{url}?page=2"
        transaction.begin()
        assert decision.pages[1].text == "Δεύτερη σελίδα χωρίς λάθη."
        assert decision.text == "Πρώτη σελίδα.\fΔεύτερη σελίδα χωρίς λάθη."
        catalog = api.portal.get_tool("portal_catalog")
        found = catalog.unrestrictedSearchResults(SearchableText="λαθη")
        assert [b.UID for b in found] == [decision.UID()]
        shown = session.get(f"{url}?page=2", timeout=TIMEOUT)
        assert "Το κείμενο της σελίδας 2 αποθηκεύτηκε." in shown.text

    def test_the_correction_goes_into_the_pdf(self, site):
        # Two pages read by Tesseract, their PDF/A as the ingestion makes it.
        from municipality.archive import ocr
        from municipality.archive import pdfa

        read = [
            ocr.ocr_page(
                testpages.render_page(line).crop((0, 0, 2480, 400)),
                read_number=False,
                read_date=False,
            )
            for line in ("Πρώτη σελίδα της απόφασης.", "Δεύτερη σελίδα της απόφασης.")
        ]
        pdf = pdfa.assemble([result.pdf for result in read], "Απόφαση 12/1987")
        decision = ingest_decision(
            texts=[result.text for result in read],
            pdf=file_json(pdf, "application/pdf", "12-1987.pdf"),
        )
        transaction.commit()
        url = decision.absolute_url()
        session = requests.Session()
        session.auth = ("archivist1", PASSWORD)
        page = session.get(f"{url}?page=2", timeout=TIMEOUT)
        token = re.search(r'name="_authenticator"[^>]*value="([^"]+)"', page.text)
        form = {
            "form.action": "save-page",
            "page": "2",
            "text": "Δεύτερη και τελευταία σελίδα της απόφασης.",
            "_authenticator": token.group(1),
        }
        response = session.post(
            f"{url}/@@view", data=form, timeout=TIMEOUT, allow_redirects=False
        )
        assert response.status_code == 302
        download = session.get(f"{url}/@@download/pdf", timeout=TIMEOUT)
        assert download.headers["Content-Type"] == "application/pdf"
        first, second = pdf_pages_text(download.content)
        assert " ".join(second.split()) == "Δεύτερη και τελευταία σελίδα της απόφασης."
        assert " ".join(first.split()) == " ".join(read[0].text.split())
        transaction.begin()
        assert decision.pdf.filename == "12-1987.pdf"

    def test_not_once_published(self, site):
        decision = ingest_decision(state="published")
        transaction.commit()
        response = _get(decision.absolute_url(), "archivist1")
        assert response.status_code == 200
        assert "Διόρθωση του κειμένου" not in response.text


def test_a_decision_without_pages_or_pdf(portal):
    """Made through Plone's add form: no pages, no PDF, no number."""
    from municipality.archive.interfaces import IArchiveLayer
    from municipality.archive.setuphandlers import get_archive
    from plone.app.testing import setRoles
    from plone.app.testing import TEST_USER_ID
    from plone.dexterity.utils import createContentInContainer
    from zope.interface import alsoProvides

    setRoles(portal, TEST_USER_ID, ["Manager"])
    decision = createContentInContainer(
        get_archive(portal),
        "HistoricalDecision",
        checkConstraints=False,
        year=1990,
        subject="Χωρίς σαρώσεις",
    )
    assert decision.title == "Απόφαση χωρίς αριθμό (1990) — Χωρίς σαρώσεις"
    request = portal.REQUEST
    alsoProvides(request, IArchiveLayer)
    request.form.update({"q": "σαρωσεις", "page": "3"})
    html = decision.restrictedTraverse("@@view")()
    assert "Χωρίς σαρώσεις" in html
    assert 'id="archive-page"' not in html
    assert "@@download/pdf" not in html
