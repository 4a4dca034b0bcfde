"""Storing an ingested decision (``store.ingest``): what is stored, ids and
titles, idempotency by ``source_hash``, and every bad field refused with its
name and nothing written."""

from .helpers import create_archivist
from .helpers import file_json
from .helpers import ingest_decision
from .helpers import jpeg_bytes
from .helpers import make_payload
from .helpers import pdf_bytes
from base64 import b64encode
from datetime import date
from io import BytesIO
from municipality.archive import store
from municipality.archive.content.decision import Page
from municipality.archive.setuphandlers import get_archive
from persistent.list import PersistentList
from PIL import Image
from plone import api
from plone.namedfile.file import NamedBlobFile
from plone.namedfile.file import NamedBlobImage
from zope.lifecycleevent import modified

import copy
import pytest
import re


GREEK = re.compile(r"[α-ωΑ-Ω]")


@pytest.fixture
def archive(portal):
    return get_archive(portal)


def _count(archive):
    return len(archive.objectIds())


class TestStored:
    def test_everything_of_the_payload_is_stored(self, archive):
        create_archivist()
        payload = make_payload(
            ["Σελίδα πρώτη.", "Σελίδα δεύτερη."],
            confidences=[90.0, 80.0],
            review_reasons=["date_from_text", "low_confidence:2"],
        )
        with api.env.adopt_user(username="archivist1"):
            decision, created = store.ingest(archive, payload)
        assert created is True
        assert decision.portal_type == "HistoricalDecision"
        assert decision.__parent__ is archive
        assert decision.number == "123"
        assert decision.year == 1987
        assert decision.meeting_date == date(1987, 3, 15)
        assert decision.subject == payload["subject"]
        assert decision.source_volume == "Τόμος 12"
        assert decision.source_box == "Κουτί 3"
        assert decision.source_hash == payload["source_hash"]
        assert decision.source_files == ("vol12/0001.tif", "vol12/0002.tif")
        assert decision.languages == "ell"
        assert decision.text == "Σελίδα πρώτη.\fΣελίδα δεύτερη."
        assert decision.confidence == 85.0
        assert decision.needs_review is True
        assert decision.review_reasons == ["date_from_text", "low_confidence:2"]

        assert isinstance(decision.pages, PersistentList)
        assert [type(p) for p in decision.pages] == [Page, Page]
        first, second = decision.pages
        assert (first.number, second.number) == (1, 2)
        assert second.text == "Σελίδα δεύτερη."
        assert second.confidence == 80.0
        assert second.source_file == "vol12/0002.tif"
        assert isinstance(first.image, NamedBlobImage)
        assert first.image.contentType == "image/jpeg"
        assert first.image.data == jpeg_bytes(seed=0)
        assert first.image.filename == "p0001.jpg"
        assert isinstance(first.thumbnail, NamedBlobImage)
        assert isinstance(decision.pdf, NamedBlobFile)
        assert decision.pdf.contentType == "application/pdf"
        assert decision.pdf.data.startswith(b"%PDF-")

        assert api.content.get_state(decision) == "ingested"
        assert decision.getOwner().getId() == "archivist1"
        assert "Owner" in decision.get_local_roles_for_userid("archivist1")
        assert decision.Creator() == "archivist1"

    def test_texts_are_normalised(self, archive):
        # Decomposed accents and a ligature (NFKC); a form feed inside a page.
        decision = ingest_decision(
            texts=["απο\u0301φαση ﬁnal\fσυνέχεια"], subject="  Θέμα  \n δεύτερο "
        )
        assert decision.pages[0].text == "απόφαση final\nσυνέχεια"
        assert decision.text == decision.pages[0].text
        assert decision.subject == "Θέμα  \n δεύτερο"

    def test_the_year_comes_from_the_date_when_missing(self, archive):
        decision = ingest_decision(year=None, meeting_date="1979-11-02")
        assert decision.year == 1979

    def test_no_confidence_on_any_page(self, archive):
        decision = ingest_decision(texts=["", ""], confidences=[None, None])
        assert decision.confidence is None
        assert [p.confidence for p in decision.pages] == [None, None]


class TestIdsAndTitles:
    def test_number_and_year_give_the_id_and_title(self, archive):
        decision = ingest_decision(number="45Α", year=1975, meeting_date=None)
        assert decision.getId() == "apofasi-45a-1975"
        assert decision.title.startswith("Απόφαση 45Α/1975 — Έγκριση")

    def test_same_number_twice_gets_a_suffix(self, archive):
        first = ingest_decision()
        second = ingest_decision()
        third = ingest_decision()
        assert first.getId() == "apofasi-123-1987"
        assert second.getId() == "apofasi-123-1987-2"
        assert third.getId() == "apofasi-123-1987-3"

    def test_without_a_number_the_hash_names_it(self, archive):
        decision = ingest_decision(number=None, subject="")
        assert decision.getId() == f"eggrafo-{decision.source_hash[:12]}"
        assert decision.title == "Απόφαση χωρίς αριθμό (15/03/1987)"
        by_year = ingest_decision(number=None, meeting_date=None, subject="")
        assert by_year.title == "Απόφαση χωρίς αριθμό (1987)"
        # A number without a year does not make a reliable id.
        no_year = ingest_decision(number="7", year=None, meeting_date=None)
        assert no_year.getId().startswith("eggrafo-")
        assert no_year.title.startswith("Απόφαση 7 — ")

    def test_a_long_subject_is_shortened_in_the_title(self, archive):
        subject = "Έγκριση " + " ".join(["τροποποίησης του τεχνικού προγράμματος"] * 6)
        decision = ingest_decision(subject=subject)
        assert decision.subject == subject
        assert decision.title.endswith("…")
        assert len(decision.title) < len(subject)
        assert decision.title.startswith("Απόφαση 123/1987 — Έγκριση τροποποίησης")
        without = ingest_decision(subject="")
        assert without.title == "Απόφαση 123/1987"


class TestIdempotency:
    def test_the_same_hash_again_changes_nothing(self, archive):
        payload = make_payload()
        with api.env.adopt_roles(["Manager"]):
            decision, created = store.ingest(archive, payload)
            modified = decision.modified()
            other = copy.deepcopy(payload)
            other["subject"] = "Κάτι άλλο"
            other["number"] = "999"
            again, created_again = store.ingest(archive, other)
        assert created is True
        assert created_again is False
        assert again.UID() == decision.UID()
        assert again.number == "123"
        assert again.modified() == modified
        assert _count(archive) == 1

    def test_find_by_hash_and_known_hashes(self, archive):
        first = ingest_decision()
        second = ingest_decision(state="withheld")
        assert store.find_by_hash(archive, first.source_hash).UID() == first.UID()
        assert store.find_by_hash(archive, second.source_hash).UID() == second.UID()
        assert store.find_by_hash(archive, "0" * 64) is None
        assert store.find_by_hash(archive, None) is None
        assert set(store.known_hashes(archive)) == {
            first.source_hash,
            second.source_hash,
        }


def _png_b64():
    out = BytesIO()
    Image.new("RGB", (8, 8)).save(out, "PNG")
    return b64encode(out.getvalue()).decode("ascii")


def _set(path, value):
    """A change to the payload: set ``path`` (``pages.0.image.data``) to value."""

    def change(payload):
        target = payload
        keys = path.split(".")
        for key in keys[:-1]:
            target = target[int(key)] if isinstance(target, list) else target[key]
        last = keys[-1]
        if isinstance(target, list):
            target[int(last)] = value
        elif value is _DELETE:
            del target[last]
        else:
            target[last] = value

    return change


_DELETE = object()


def _pages(count):
    def change(payload):
        payload["pages"] = [copy.deepcopy(payload["pages"][0]) for _ in range(count)]

    return change


def _renumber(*numbers):
    def change(payload):
        template = payload["pages"][0]
        payload["pages"] = []
        for number in numbers:
            page = copy.deepcopy(template)
            page["number"] = number
            payload["pages"].append(page)

    return change


BAD = [
    (_set("source_hash", _DELETE), "source_hash"),
    (_set("source_hash", "xyz"), "source_hash"),
    (_set("source_hash", "A" * 64), "source_hash"),
    (_set("source_hash", 12), "source_hash"),
    (_set("source_files", []), "source_files"),
    (_set("source_files", "vol12/0001.tif"), "source_files"),
    (_set("source_files", [""]), "source_files[0]"),
    (_set("number", "1" * 21), "number"),
    (_set("number", ["1"]), "number"),
    (_set("year", 1700), "year"),
    (_set("year", "1987"), "year"),
    (_set("year", True), "year"),
    (_set("meeting_date", "15/03/1987"), "meeting_date"),
    (_set("meeting_date", "1987-02-30"), "meeting_date"),
    (_set("meeting_date", "1986-03-15"), "meeting_date"),
    (_set("subject", "α" * 5001), "subject"),
    (_set("subject", {"text": "α"}), "subject"),
    (_set("source_volume", "Τόμος\x0712"), "source_volume"),
    (_set("source_box", "κ" * 201), "source_box"),
    (_set("languages", "deu"), "languages"),
    (_set("languages", "ell+ell"), "languages"),
    (_set("review_reasons", ["whatever"]), "review_reasons[0]"),
    (_set("review_reasons", ["low_confidence"]), "review_reasons[0]"),
    (_set("review_reasons", ["low_confidence:5"]), "review_reasons[0]"),
    (_set("review_reasons", "no_date"), "review_reasons"),
    (_set("pages", []), "pages"),
    (_set("pages", {"1": {}}), "pages"),
    (_pages(store.MAX_PAGES + 1), "pages"),
    (_set("pages.0", "page"), "pages[0]"),
    (_set("pages.0.number", 2), "pages[0].number"),
    (_set("pages.0.number", "1"), "pages[0].number"),
    (_renumber(1, 3), "pages[1].number"),
    (_set("pages.0.text", 123), "pages[0].text"),
    (_set("pages.0.confidence", 101), "pages[0].confidence"),
    (_set("pages.0.confidence", "high"), "pages[0].confidence"),
    (_set("pages.0.source_file", "vol99/0001.tif"), "pages[0].source_file"),
    (_set("pages.0.source_page", 0), "pages[0].source_page"),
    (_set("pages.0.colour", "grey"), "pages[0].colour"),
    (_set("pages.0.image", _DELETE), "pages[0].image"),
    (_set("pages.0.image.data", "not base64!"), "pages[0].image.data"),
    (_set("pages.0.image.data", ""), "pages[0].image.data"),
    (_set("pages.0.image.data", _png_b64()), "pages[0].image.data"),
    (_set("pages.0.image.content-type", "image/png"), "pages[0].image.content-type"),
    (_set("pages.0.image.encoding", "hex"), "pages[0].image.encoding"),
    (_set("pages.0.thumbnail", _DELETE), "pages[0].thumbnail"),
    (_set("pages.0.thumbnail", "a.jpg"), "pages[0].thumbnail"),
    (_set("pdf", _DELETE), "pdf"),
    (
        _set("pdf", file_json(jpeg_bytes(), "application/pdf", "x.pdf")),
        "pdf.data",
    ),
    (_set("pdf.content-type", "image/jpeg"), "pdf.content-type"),
    (_set("extra", "value"), "extra"),
]


@pytest.mark.parametrize(("change", "field"), BAD)
def test_a_bad_field_is_named_and_nothing_is_written(archive, change, field):
    payload = make_payload()
    change(payload)
    before = _count(archive)
    with api.env.adopt_roles(["Manager"]), pytest.raises(store.IngestError) as info:
        store.ingest(archive, payload)
    assert info.value.field == field
    assert GREEK.search(info.value.message), info.value.message
    assert _count(archive) == before
    assert store.find_by_hash(archive, payload.get("source_hash")) is None


def test_not_an_object(archive):
    with pytest.raises(store.IngestError) as info:
        store.ingest(archive, ["not", "a", "dict"])
    assert info.value.field == ""


def test_every_bad_field_is_listed(archive):
    payload = make_payload(year=1700, languages="xx")
    payload["pages"][0]["image"]["data"] = "@@@"
    with pytest.raises(store.IngestError) as info:
        store.ingest(archive, payload)
    assert [field for field, _message in info.value.errors] == [
        "year",
        "languages",
        "pages[0].image.data",
    ]
    assert _count(archive) == 0


def test_the_greek_messages(archive):
    payload = make_payload(meeting_date="1986-01-02")
    with pytest.raises(store.IngestError) as info:
        store.ingest(archive, payload)
    assert info.value.message == (
        "Η ημερομηνία συνεδρίασης δεν είναι στο έτος της απόφασης (1987)."
    )


def test_a_bigger_valid_decision(archive):
    # Several pages, several source files, a multi-page PDF, page reasons.
    texts = [f"Σελίδα {i}" for i in range(1, 7)]
    payload = make_payload(
        texts,
        source_files=["vol1/a.pdf"],
        review_reasons=["no_text:6", "number_from_text", "number_from_text"],
        pdf=file_json(pdf_bytes(6), "application/pdf", "a.pdf"),
    )
    for index, page in enumerate(payload["pages"]):
        page["source_page"] = index + 1
    with api.env.adopt_roles(["Manager"]):
        decision, created = store.ingest(archive, payload)
    assert created
    assert len(decision.pages) == 6
    assert [p.source_page for p in decision.pages] == [1, 2, 3, 4, 5, 6]
    assert decision.review_reasons == ["no_text:6", "number_from_text"]


class TestEdits:
    def test_the_title_follows_the_fields(self, archive):
        decision = ingest_decision()
        decision.number = "88"
        decision.year = 1990
        decision.meeting_date = date(1990, 5, 4)
        decision.subject = "Νέο θέμα"
        modified(decision)
        assert decision.title == "Απόφαση 88/1990 — Νέο θέμα"
        decision.number = None
        modified(decision)
        assert decision.title == "Απόφαση χωρίς αριθμό (04/05/1990) — Νέο θέμα"

    def test_an_edited_text_goes_back_into_its_pages(self, archive):
        decision = ingest_decision(texts=["Α σελίδα", "Β σελίδα"])
        decision.text = "Α σελίδα διορθωμένη\f  Β σελίδα διορθωμένη\n"
        modified(decision)
        assert [p.text for p in decision.pages] == [
            "Α σελίδα διορθωμένη",
            "Β σελίδα διορθωμένη",
        ]
        # Without one part per page the pages cannot be told apart: they stay.
        decision.text = "Όλο το κείμενο σε ένα"
        modified(decision)
        assert [p.text for p in decision.pages] == [
            "Α σελίδα διορθωμένη",
            "Β σελίδα διορθωμένη",
        ]
        catalog = api.portal.get_tool("portal_catalog")
        found = catalog.unrestrictedSearchResults(SearchableText="ενα κειμενο")
        assert [b.UID for b in found] == [decision.UID()]
