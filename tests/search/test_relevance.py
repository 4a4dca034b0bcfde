"""Relevance order sorted only as far as it is read
(``municipality.core.relevance``): the same sequence as ZCatalog's
``byValue(0)`` for every way of reading it, the same results and scores
through the catalog, and a guard on the upstream method it copies."""

from BTrees.IIBTree import IIBTree
from BTrees.IIBTree import IIBucket
from municipality.core import relevance
from plone import api
from Products.ZCatalog.Catalog import Catalog

import hashlib
import inspect
import pytest
import random
import transaction


def _bucket(size, seed, scores=1000):
    rng = random.Random(seed)
    # Few distinct scores: many ties, ordered by rid as byValue orders them.
    return IIBucket(
        [(rng.randrange(2**30), rng.randrange(1, scores)) for _ in range(size)]
    )


@pytest.mark.parametrize(
    ("size", "scores"), [(1, 10), (50, 5), (5000, 20), (20000, 60000)]
)
def test_every_read_gives_what_byvalue_gives(size, scores):
    bucket = _bucket(size, size, scores)
    expected = bucket.byValue(0)
    assert len(relevance.ScoreOrder(bucket)) == len(expected)
    order = relevance.ScoreOrder(bucket)
    assert [order[i] for i in range(min(size, 300))] == expected[:300]
    assert relevance.ScoreOrder(bucket)[0] == expected[0]
    assert relevance.ScoreOrder(bucket)[-1] == expected[-1]
    assert relevance.ScoreOrder(bucket)[25:50] == expected[25:50]
    assert relevance.ScoreOrder(bucket)[size // 2 :] == expected[size // 2 :]
    assert relevance.ScoreOrder(bucket)[::-1] == expected[::-1]
    assert list(relevance.ScoreOrder(bucket)) == expected
    with pytest.raises(IndexError):
        relevance.ScoreOrder(bucket)[size]


def test_the_first_page_does_not_sort_everything():
    bucket = _bucket(20000, 1, 60000)
    order = relevance.ScoreOrder(bucket)
    assert order[24] == bucket.byValue(0)[24]
    assert order._all is None
    # About twice the first read's pairs: a sample of the scores picks them.
    assert relevance.ScoreOrder.FIRST <= len(order._head) < 4 * order.FIRST
    order[450]  # further: more of the head, still not all
    assert order._all is None
    assert len(order._head) >= 451
    assert list(order[:451]) == bucket.byValue(0)[:451]


def test_a_btree_of_scores_reads_as_a_bucket_does():
    # A result the catalog merged may be a BTree: its values are a lazy
    # sequence, not a list.
    bucket = _bucket(30000, 3, 50000)
    tree = IIBTree(bucket)
    order = relevance.ScoreOrder(tree)
    assert order[:200] == bucket.byValue(0)[:200]
    assert order._all is None


def test_a_sample_that_falls_short_gives_way_to_every_score():
    # The scores the evenly spaced sample reads are the best ones, and few:
    # the score it picks is reached by fewer hits than the first read wants.
    size = 20000
    step = size // (relevance.ScoreOrder.SAMPLE * relevance.ScoreOrder.FIRST)
    bucket = IIBucket(
        [(rid, 5000 + rid if rid % step == 0 else rid % 997 + 1) for rid in range(size)]
    )
    order = relevance.ScoreOrder(bucket)
    assert order[:30] == bucket.byValue(0)[:30]
    assert len(order._head) >= relevance.ScoreOrder.FIRST
    assert order._all is None


TEXTS = [
    "Η ύδρευση του οικισμού.",
    "Ύδρευση, ύδρευση και πάλι ύδρευση της πλατείας.",
    "ΥΔΡΕΥΣΗ ΚΑΙ ΑΠΟΧΕΤΕΥΣΗ",
    "Ἡ ὕδρευσις τῆς κοινότητος και ἡ ἀποχέτευσις.",
    "Ηλεκτροφωτισμός.",
]


@pytest.fixture
def site(functional):
    portal = functional["portal"]
    with api.env.adopt_roles(["Manager"]):
        for number, text in enumerate(TEXTS):
            api.content.create(
                container=portal,
                type="Document",
                id=f"d{number}",
                title=f"d{number}",
                description=text,
            )
    transaction.commit()
    return portal


def _results(portal, **query):
    brains = portal.portal_catalog.unrestrictedSearchResults(**query)
    return [
        (b.getId, b.data_record_score_, b.data_record_normalized_score_) for b in brains
    ]


@pytest.mark.parametrize(
    "query",
    [
        {"SearchableText": "υδρευση"},
        {"SearchableText": "υδρευση", "b_start": 1, "b_size": 2},
        {"SearchableText": "υδρευση αποχετευση"},
        {"SearchableText": "υδρευση", "portal_type": "Document"},
    ],
)
def test_the_catalog_gives_the_same_results(site, query, monkeypatch):
    ours = _results(site, **query)
    with monkeypatch.context() as patched:
        patched.setattr(Catalog, "search", relevance._original_search)
        upstream = _results(site, **query)
    assert ours == upstream
    assert ours  # the query finds something


# The source of Products.ZCatalog 7.4's Catalog.search, which relevance.search
# copies with one line changed. When this fails, ZCatalog changed: compare
# the new method with the copy, carry the change over, update the hash.
UPSTREAM_SHA256 = "439d07655af3ef24c1b46db223d75607027889fd5ab8b3e428a385ac0fc875d0"


def test_the_copied_method_is_upstream_s():
    source = inspect.getsource(relevance._original_search)
    digest = hashlib.sha256(source.encode()).hexdigest()
    assert digest == UPSTREAM_SHA256, digest
