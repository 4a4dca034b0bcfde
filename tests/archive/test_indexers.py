"""The catalog's view of a decision: the archive's indexes and metadata, the
subject's facet words, and SearchableText through core's Greek lexicon."""

from .helpers import ingest_decision
from DateTime import DateTime
from datetime import date
from municipality.archive.indexers import subject_terms
from municipality.core.textindex import fold
from municipality.core.textindex import inflection_key
from plone import api
from zope.lifecycleevent import modified

import pytest


@pytest.fixture
def catalog(portal):
    return api.portal.get_tool("portal_catalog")


def _brain(catalog, decision):
    (brain,) = catalog.unrestrictedSearchResults(UID=decision.UID())
    return brain


def _index_value(catalog, name, decision):
    """What index ``name`` holds for the decision (None: not indexed)."""
    rid = _brain(catalog, decision).getRID()  # the search runs queued indexing
    return catalog._catalog.getIndex(name).getEntryForObject(rid, None)


def _found(catalog, **query):
    return {
        b.UID
        for b in catalog.unrestrictedSearchResults(
            portal_type="HistoricalDecision", **query
        )
    }


def test_indexes_and_metadata(catalog):
    decision = ingest_decision(
        texts=["α", "β", "γ"],
        confidences=[90, 80, None],
        number="45Α",
        year=1975,
        meeting_date="1975-06-30",
        source_volume="Τόμος 3",
        review_reasons=["number_from_text"],
    )
    uid = decision.UID()
    assert _found(catalog, archive_year=1975) == {uid}
    assert _found(catalog, archive_decade=1970) == {uid}
    assert _found(catalog, archive_number="45Α") == {uid}
    assert _found(catalog, archive_source_hash=decision.source_hash) == {uid}
    assert _found(catalog, archive_needs_review=True) == {uid}
    assert _found(catalog, archive_volume="Τόμος 3") == {uid}
    assert _found(
        catalog,
        archive_date={
            "query": (DateTime("1975-06-30 00:00"), DateTime("1975-06-30 23:59")),
            "range": "min:max",
        },
    ) == {uid}
    brain = _brain(catalog, decision)
    assert brain.archive_year == 1975
    assert brain.archive_number == "45Α"
    assert brain.archive_meeting_date == date(1975, 6, 30)
    assert brain.archive_confidence == 85.0
    assert brain.archive_pages == 3
    assert brain.archive_needs_review is True
    assert brain.review_state == "ingested"


def test_what_a_decision_lacks_is_not_indexed(catalog):
    decision = ingest_decision(number=None, year=None, meeting_date=None)
    assert _index_value(catalog, "archive_year", decision) is None
    assert _index_value(catalog, "archive_decade", decision) is None
    assert _index_value(catalog, "archive_number", decision) is None
    assert _index_value(catalog, "archive_date", decision) is None
    assert _found(catalog, archive_needs_review=False) == {decision.UID()}


def test_the_date_falls_back_to_the_first_of_the_year(catalog):
    decision = ingest_decision(year=1962, meeting_date=None)
    assert _found(
        catalog,
        archive_date={
            "query": (DateTime("1962-01-01 00:00"), DateTime("1962-01-01 23:59")),
            "range": "min:max",
        },
    ) == {decision.UID()}


def test_subject_terms():
    terms = subject_terms(
        "Έγκριση του προϋπολογισμού του Δήμου για το έτος 1987 και "
        "ΕΓΚΡΙΣΗ της σχετικής μελέτης"
    )
    assert terms == ["εγκρισ", "προυπολογισμ", "μελετ"]
    assert subject_terms("") == []
    assert subject_terms(None) == []
    # Every form of a word is one subject word; words the search's stem
    # joins (οικ-) stay apart.
    assert subject_terms("Ἀνάπλασις πλατείας· ανάπλαση Πλατεία ΑΝΑΠΛΑΣΕΩΣ") == [
        "αναπλασ",
        "πλατει",
    ]
    assert subject_terms("Οικισμός, οικισμού, οικία") == ["οικισμ", "οικι"]


def test_subject_terms_are_indexed(catalog):
    decision = ingest_decision(subject="Ανάπλαση της Πλατείας Ελευθερίας")
    assert set(_index_value(catalog, "archive_subject_terms", decision)) == {
        "αναπλασ",
        "πλατει",
        "ελευθερι",
    }
    assert _found(catalog, archive_subject_terms=inflection_key(fold("Πλατεία"))) == {
        decision.UID()
    }


class TestSearchableText:
    @pytest.fixture
    def decision(self, catalog):
        return ingest_decision(
            texts=[
                "Το Δημοτικό Συμβούλιο συνεδρίασε.",
                "Αποφασίζει την ανάπλαση της πλατείας και ἀποφαίνεται ὁμοφώνως.",
            ],
            number="77",
            year=1968,
            meeting_date=None,
            subject="Διαμόρφωση κοινοχρήστων χώρων",
        )

    @pytest.mark.parametrize(
        "query",
        [
            "πλατείας",
            "ΠΛΑΤΕΙΑΣ",
            "πλατειας",
            "πλατεία",
            "ανάπλαση πλατείας",
            "αποφαινεται",
            "ομοφωνως",
            "κοινόχρηστων",
            "77/1968",
            "Απόφαση 77",
        ],
    )
    def test_found_in_any_spelling(self, catalog, decision, query):
        assert decision.UID() in _found(catalog, SearchableText=query)

    def test_not_found(self, catalog, decision):
        assert decision.UID() not in _found(catalog, SearchableText="γέφυρα")

    def test_an_edit_is_searchable(self, catalog, decision):
        decision.subject = "Ονοματοδοσία οδών"
        modified(decision)
        assert decision.UID() in _found(catalog, SearchableText="ονοματοδοσια")
        assert decision.title.startswith("Απόφαση 77/1968 — Ονοματοδοσία")
        assert _brain(catalog, decision).Title == decision.title
