"""What the ingestion reads from a decision's text for its metadata, and the
review reasons it adds (``ingest.payload.read_metadata``; no site)."""

from municipality.archive.ingest.journal import PageRecord
from municipality.archive.ingest.manifest import Decision
from municipality.archive.ingest.payload import Facts
from municipality.archive.ingest.payload import page_reasons
from municipality.archive.ingest.payload import read_metadata

import datetime
import pytest


TEXT = (
    "ΑΠΟΣΠΑΣΜΑ\nΑριθμός Απόφασης 389/2009\n"
    "Κατά τη συνεδρίαση της 3ης Μαρτίου 2009 το Δημοτικό Συμβούλιο"
)


def decision(**values):
    return Decision(key="d1", files=["d1.tif"], **values)


def test_nothing_in_the_manifest():
    facts = read_metadata(decision(), TEXT)
    assert (facts.number, facts.year) == ("389", 2009)
    assert facts.meeting_date == datetime.date(2009, 3, 3)
    assert facts.reasons == ["number_from_text", "date_from_text", "year_from_text"]


@pytest.mark.parametrize(
    ("checks", "extra"),
    [
        ((None, "confirmed"), []),
        ((None, "corrected", "unresolved"), ["number_corrected"]),
        (("unresolved",), ["number_unconfirmed"]),
        (("failed", "confirmed"), ["number_unconfirmed"]),
        ((None, None), []),
        ((), []),
    ],
)
def test_the_second_reading_of_the_number(checks, extra):
    """The first page with a number phrase decides (None: no phrase there)."""
    facts = read_metadata(decision(), TEXT, checks)
    assert facts.reasons == [
        "number_from_text",
        *extra,
        "date_from_text",
        "year_from_text",
    ]


@pytest.mark.parametrize(
    ("checks", "extra"),
    [
        ((None, "confirmed"), []),
        (("corrected",), ["date_corrected"]),
        ((None, "unresolved"), ["date_unconfirmed"]),
        (("failed",), ["date_unconfirmed"]),
        ((), []),
    ],
)
def test_the_second_reading_of_the_date(checks, extra):
    facts = read_metadata(decision(), TEXT, (), checks)
    assert facts.reasons == [
        "number_from_text",
        "date_from_text",
        *extra,
        "year_from_text",
    ]


def test_the_manifests_date_needs_no_second_reading():
    facts = read_metadata(
        decision(meeting_date=datetime.date(2009, 3, 3)), TEXT, (), ("unresolved",)
    )
    assert "date_unconfirmed" not in facts.reasons
    assert "date_from_text" not in facts.reasons


def test_the_manifests_number_needs_no_second_reading():
    facts = read_metadata(
        decision(number="389", year=2009, meeting_date=datetime.date(2009, 3, 3)),
        TEXT,
        ("unresolved",),
    )
    assert facts.reasons == []


def page(text="Το Δημοτικό Συμβούλιο", confidence=91.0, lines_check=None):
    return PageRecord(
        key="ab-1",
        text=text,
        confidence=confidence,
        languages="ell",
        image_width=1240,
        thumbnail_width=200,
        lines_check=lines_check,
    )


@pytest.mark.parametrize(
    ("record", "reasons", "low", "empty"),
    [
        (page(), [], [], []),
        (page(lines_check="recovered"), [], [], []),
        (page(lines_check="unresolved"), ["text_missing:3"], [], []),
        (page(lines_check="failed"), ["text_missing:3"], [], []),
        (
            page(confidence=52.5, lines_check="unresolved"),
            ["low_confidence:3", "text_missing:3"],
            [(3, "v1.pdf", 7, 52.5)],
            [],
        ),
        # A page with no text at all says only that.
        (
            page(text=" \n", confidence=None, lines_check="failed"),
            ["no_text:3"],
            [],
            [3],
        ),
    ],
)
def test_a_pages_reasons(record, reasons, low, empty):
    facts = Facts()
    page_reasons(facts, 3, record, "v1.pdf", 7, threshold=80)
    assert facts.reasons == reasons
    assert facts.low_confidence == low
    assert facts.empty_pages == empty
