"""A whole-site path query skipped by the catalog (``municipality.core.sitepath``):
which queries count as the whole site, the same results in the same order
as ZCatalog's own way with and without other criteria, and the path index
not asked when it would filter nothing."""

from municipality.core import sitepath
from plone import api
from Products.ExtendedPathIndex.ExtendedPathIndex import ExtendedPathIndex
from Products.ZCatalog.Catalog import Catalog

import pytest
import transaction


TEXTS = {
    "one": "Η ύδρευση του οικισμού και η ύδρευση της πλατείας.",
    "two": "ΥΔΡΕΥΣΗ ΚΑΙ ΑΠΟΧΕΤΕΥΣΗ ΤΟΥ ΔΗΜΟΥ.",
    "three": "Ἡ ὕδρευσις τῆς κοινότητος, ἀπόφασις τοῦ Συμβουλίου.",
}


@pytest.fixture
def site(functional):
    portal = functional["portal"]
    with api.env.adopt_roles(["Manager"]):
        folder = api.content.create(
            container=portal, type="Folder", id="sub", title="sub"
        )
        for id_, text in TEXTS.items():
            api.content.create(
                container=portal, type="Document", id=id_, title=id_, description=text
            )
            api.content.create(
                container=folder,
                type="Document",
                id=f"sub-{id_}",
                title=f"sub-{id_}",
                description=text,
            )
    transaction.commit()
    return portal


def _root(portal):
    return "/".join(portal.getPhysicalPath())


def _whole(portal, path):
    catalog = portal.portal_catalog._catalog
    query = catalog.make_query({"path": path, "SearchableText": "υδρευση"})
    return sitepath.whole_site(catalog.getIndex("path"), query)


def test_which_path_queries_are_the_whole_site(site):
    root = _root(site)
    assert _whole(site, root)
    assert _whole(site, root + "/")
    assert _whole(site, "/")
    assert _whole(site, {"query": root})
    assert _whole(site, {"query": root, "depth": -1, "level": 0})
    assert _whole(site, {"query": [root, "/"], "operator": "or"})
    # Below the root, or limited: the index filters something.
    assert not _whole(site, root + "/sub")
    assert not _whole(site, {"query": [root, root + "/sub"], "operator": "or"})
    assert not _whole(site, {"query": root, "depth": 1})
    assert not _whole(site, {"query": root, "depth": 0})
    assert not _whole(site, {"query": root, "navtree": 1})
    assert not _whole(site, {"query": root, "level": 1})
    assert not _whole(site, {"query": "/other-site"})
    catalog = site.portal_catalog._catalog
    query = catalog.make_query({"SearchableText": "υδρευση"})
    assert not sitepath.whole_site(catalog.getIndex("path"), query)  # no path
    assert not sitepath.whole_site(catalog.getIndex("Title"), query)  # not a path


def _results(portal, query):
    brains = portal.portal_catalog.unrestrictedSearchResults(**query)
    return [(brain.getPath(), brain.data_record_score_) for brain in brains]


@pytest.mark.parametrize(
    "extra",
    [
        {"SearchableText": "υδρευση"},
        {"SearchableText": "ΥΔΡΕΥΣΗ", "portal_type": "Document"},
        {"portal_type": "Document", "sort_on": "id"},
        {"review_state": "private", "sort_on": "id"},
        {},
    ],
)
def test_the_same_results_in_the_same_order(site, extra, monkeypatch):
    query = {"path": _root(site), **extra}
    ours = _results(site, query)
    with monkeypatch.context() as patched:
        patched.setattr(Catalog, "_search_index", sitepath._original_search_index)
        upstream = _results(site, query)
    assert [path for path, _score in ours] == [path for path, _score in upstream]
    assert len(ours) >= 3  # the query finds something
    if "SearchableText" in extra:
        # The whole site's set no longer adds 1 to every score.
        assert [score for _path, score in ours] == [s - 1 for _p, s in upstream]


def test_the_path_index_is_not_asked_for_the_whole_site(site, monkeypatch):
    asked = []
    search = ExtendedPathIndex.search

    def counting(self, path, *args, **kwargs):
        asked.append(path)
        return search(self, path, *args, **kwargs)

    monkeypatch.setattr(ExtendedPathIndex, "search", counting)
    root = _root(site)
    found = _results(site, {"path": root, "SearchableText": "υδρευση"})
    assert len(found) == 6  # every text, in the root and in «sub»
    assert asked == []
    # A path below the root filters: asked, and it filters.
    found = _results(site, {"path": root + "/sub", "SearchableText": "υδρευση"})
    assert sorted(path for path, _score in found) == [
        f"{root}/sub/sub-{id_}" for id_ in sorted(TEXTS)
    ]
    assert asked == [root + "/sub"]
    # The path alone: the index gives the result, as before.
    asked.clear()
    everything = _results(site, {"path": root})
    assert asked == [root]
    assert len(everything) == len(site.portal_catalog._catalog)
