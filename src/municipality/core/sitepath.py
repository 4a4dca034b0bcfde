"""A path query for the whole site filters nothing: the catalog skips it.

plone.restapi's ``@search`` and Plone's search page restrict every query to
a path, the context's or the navigation root's; on the site root that path
holds every document the catalog has. ExtendedPathIndex answers it with a
set of all of them, made anew for each query (``IISet(self._unindex)``:
0.65 ms for the 18,000 decisions of the 50,000-page benchmark corpus), and
ZCatalog intersects the result found so far with that set, which removes
nothing — about a tenth of an ``@search`` request that finds something
(``docs/performance.md``, seventh part of issue 6).

:func:`patch` makes ``Catalog._search_index`` return the result found so far
as it is when the index is an ExtendedPathIndex and the query is a path
(or paths) above the index's own place, at any depth, from level 0, not a
navigation tree: ExtendedPathIndex itself answers such a query with every
document it holds. When the path index is the first index of the query's
plan (no result yet), it is asked as before.

The results and their order are the same. One thing differs: ZCatalog
counts a set's members as scoring 1 in ``weightedIntersection``, so the
whole-site set added 1 to every score of a full-text query; without it each
``data_record_score_`` is 1 lower (the order does not change, and the
normalised score, a percentage of the best, moves by less than one point
for the Okapi scores of real text).
"""

from Products.ExtendedPathIndex.ExtendedPathIndex import ExtendedPathIndex
from Products.ZCatalog.Catalog import Catalog
from Products.ZCatalog.query import IndexQuery


def whole_site(index, query):
    """Whether ``query`` (a catalog query made by ``make_query``) asks
    ``index`` for every document it holds."""
    if not isinstance(index, ExtendedPathIndex) or index.id not in query:
        return False
    record = IndexQuery(
        query, index.id, index.query_options, index.operators, index.useOperator
    )
    if not record.keys:
        return False
    if (
        record.get("level", 0) != 0
        or getattr(record, "depth", -1) != -1
        or record.get("navtree", 0)
    ):
        return False
    # ExtendedPathIndex.search drops the components a path shares with the
    # index's own path (the site's, then the catalog's); a path with none left
    # is «everything».
    place = [part for part in index.getPhysicalPath() if part]
    for key in record.keys:
        if not isinstance(key, str):
            return False
        parts = [part for part in key.split("/") if part]
        if parts != place[: len(parts)]:
            return False
    return True


_original_search_index = Catalog._search_index


def _search_index(self, cr, index_id, query, rs):
    if rs is not None and index_id in self.indexes:
        if whole_site(self.getIndex(index_id), query):
            return rs
    return _original_search_index(self, cr, index_id, query, rs)


def patch():
    """Whole-site path queries skipped after the first index (idempotent)."""
    if Catalog._search_index is not _search_index:
        Catalog._search_index = _search_index
