"""Okapi scores cached per catalog state (``municipality.core.scorecache``):
the same results and scores as computed afresh, a new state after every
committed change, nothing kept from a transaction that changed the catalog,
and a bounded size."""

from municipality.core import scorecache
from plone import api
from Products.ZCTextIndex.OkapiIndex import OkapiIndex
from Products.ZCTextIndex.QueryParser import QueryParser

import pytest
import transaction


TEXTS = {
    "one": "Η ύδρευση του οικισμού και η ύδρευση της πλατείας.",
    "two": "ΥΔΡΕΥΣΗ ΚΑΙ ΑΠΟΧΕΤΕΥΣΗ ΤΟΥ ΔΗΜΟΥ.",
    "three": "Ἡ ὕδρευσις τῆς κοινότητος, ἀπόφασις τοῦ Συμβουλίου.",
    "four": "Ο ηλεκτροφωτισμός της πλατείας.",
}


@pytest.fixture
def site(functional, monkeypatch):
    """Documents committed (so the catalog has a committed state); every
    word cached whatever its number of documents."""
    monkeypatch.setattr(scorecache, "MIN_POSTINGS", 0)
    scorecache.clear()
    portal = functional["portal"]
    with api.env.adopt_roles(["Manager"]):
        for id_, text in TEXTS.items():
            api.content.create(
                container=portal, type="Document", id=id_, title=id_, description=text
            )
    transaction.commit()
    yield portal
    scorecache.clear()


def _scores(portal, query):
    """``{id: score}`` of a SearchableText query through the catalog."""
    brains = portal.portal_catalog.unrestrictedSearchResults(SearchableText=query)
    return {brain.getId: brain.data_record_score_ for brain in brains}


def _fresh(portal, query, monkeypatch):
    """The same query with the cache out of the way."""
    with monkeypatch.context() as patch:
        patch.setattr(OkapiIndex, "_search_wids", scorecache._original_search_wids)
        return _scores(portal, query)


def test_second_query_is_served_from_the_cache_with_the_same_scores(site, monkeypatch):
    fresh = _fresh(site, "υδρευση", monkeypatch)
    assert set(fresh) == {"one", "two", "three"}
    assert _scores(site, "υδρευση") == fresh  # computed, kept
    assert scorecache.stats()["misses"] == 1
    assert _scores(site, "ΥΔΡΕΥΣΗ") == fresh  # another spelling, the same term
    assert _scores(site, "ὕδρευσις") == fresh
    stats = scorecache.stats()
    assert stats["hits"] == 2
    assert stats["misses"] == 1
    assert stats["words"] == 1
    assert stats["postings"] == 3


def test_several_words_each_cached(site, monkeypatch):
    fresh = _fresh(site, "υδρευση πλατειας", monkeypatch)
    assert set(fresh) == {"one"}
    assert _scores(site, "υδρευση πλατειας") == fresh
    assert _scores(site, "ΠΛΑΤΕΙΑΣ ΥΔΡΕΥΣΗ") == fresh
    stats = scorecache.stats()
    assert (stats["misses"], stats["hits"], stats["words"]) == (2, 2, 2)


def test_a_committed_change_is_a_new_state(site, monkeypatch):
    before = _scores(site, "υδρευση")
    assert set(before) == {"one", "two", "three"}
    with api.env.adopt_roles(["Manager"]):
        site["four"].description = "Η ύδρευση, η ύδρευση, η ύδρευση."
        site["four"].reindexObject()
    transaction.commit()
    after = _scores(site, "υδρευση")
    assert set(after) == {"one", "two", "three", "four"}
    assert after == _fresh(site, "υδρευση", monkeypatch)
    assert after["one"] != before["one"]  # another document count: other scores
    assert scorecache.stats()["misses"] == 2


def test_nothing_kept_from_a_transaction_that_changed_the_catalog(site, monkeypatch):
    _scores(site, "υδρευση")
    with api.env.adopt_roles(["Manager"]):
        api.content.delete(site["one"])
    # Not committed: this transaction sees its own change, not the cache.
    assert set(_scores(site, "υδρευση")) == {"two", "three"}
    assert set(_scores(site, "υδρευση")) == {"two", "three"}
    stats = scorecache.stats()
    assert stats["hits"] == 0
    assert stats["words"] == 1  # only the committed state's entry
    transaction.abort()
    assert set(_scores(site, "υδρευση")) == {"one", "two", "three"}
    assert scorecache.stats()["hits"] == 1


def test_the_cache_keeps_at_most_its_size(site, monkeypatch):
    monkeypatch.setattr(scorecache, "MAX_POSTINGS", 4)
    _scores(site, "υδρευση")  # 3 documents
    _scores(site, "πλατειας")  # 2: the first word is dropped
    stats = scorecache.stats()
    assert (stats["words"], stats["postings"]) == (1, 2)
    _scores(site, "υδρευση")
    assert scorecache.stats()["misses"] == 3


def test_an_index_queried_outside_a_catalog_is_not_cached(site):
    index = site.portal_catalog._catalog.getIndex("SearchableText")
    tree = QueryParser(index.getLexicon()).parseQuery("υδρευση")
    assert len(tree.executeQuery(index.index)) == 3
    assert scorecache.stats() == {"hits": 0, "misses": 0, "words": 0, "postings": 0}
