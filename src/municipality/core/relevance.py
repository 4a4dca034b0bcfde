"""Results ordered by relevance, sorted only as far as they are read.

For a full-text query ZCatalog orders the hits by score with
``IIBucket.byValue(0)``: every hit, each made a ``(score, rid)`` tuple, all
sorted — 15–20 ms for the 18,000 hits of «απόφαση» in the archive, the
largest single cost of an ``@search`` request on the benchmark corpus once
the scores are cached (``py-spy``; ``docs/performance.md``), though a page
shows 25 of them. plone.restapi's ``@search`` and Plone's search pages do
not tell the catalog how many they will read, so ZCatalog cannot limit the
sort itself.

:class:`ScoreOrder` is the same sequence, made lazily: reading its first
items picks a score that about twice k hits reach (the k-th best of an
evenly spaced sample of the scores; the k-th best of all when the sample
falls short), takes the hits scoring at least that (``byValue(score)``,
which skips the others in C) and sorts only those; reading further doubles
k; reading past a quarter of the hits (or from the end) sorts them all with
``byValue(0)``. The order is exactly ``byValue(0)``'s — score, then rid,
both descending — for any access. For the 18,000 hits of «απόφαση» the
first page's order costs 0.35 ms (1.5 ms with ``heapq.nlargest`` over
every score and a Python filter; ``docs/performance.md``).

:func:`patch` makes ``Catalog.search`` use it: a copy of the method of
Products.ZCatalog 7.4 (pinned in ``constraints.txt``) with that one line
changed; ``tests/search/test_relevance.py`` fails when the upstream method
changes, so that the copy is looked at again.
"""

from Products.ZCatalog.Catalog import Catalog
from ZTUtils.Lazy import LazyCat
from ZTUtils.Lazy import LazyMap

import heapq


class ScoreOrder:
    """The ``(score, rid)`` pairs of ``scores`` (an ``IIBucket`` rid →
    score), best first, as ``scores.byValue(0)`` gives them."""

    #: Pairs sorted on the first read.
    FIRST = 100
    #: Scores sampled per pair wanted, to pick the score the wanted reach.
    SAMPLE = 16

    def __init__(self, scores):
        self._scores = scores
        self._length = len(scores)
        self._head = []
        self._all = None

    def __len__(self):
        return self._length

    def _read(self, count):
        """The sorted pairs, at least ``count`` of them (or all)."""
        if self._all is not None:
            return self._all
        if len(self._head) >= count:
            return self._head
        wanted = max(count, self.FIRST, 2 * len(self._head))
        if wanted * 4 > self._length:
            self._all = self._scores.byValue(0)
            self._head = []
            return self._all
        values = self._scores.values()
        if not isinstance(values, list):
            values = list(values)  # a BTree's values are a lazy sequence
        step = len(values) // (self.SAMPLE * wanted)
        head = []
        if step > 1:
            sample = values[::step]
            # About twice `wanted` hits score at least this.
            reach = 2 * wanted * len(sample) // len(values) + 1
            head = self._at_least(heapq.nlargest(reach, sample)[-1])
        if len(head) < wanted:
            head = self._at_least(heapq.nlargest(wanted, values)[-1])
        self._head = head
        return self._head

    def _at_least(self, least):
        """Every hit scoring at least ``least``, sorted: the start of the
        whole order (ties at ``least`` included)."""
        # byValue(least) leaves out the lower scores without making them
        # pairs; it divides the others by `least`, so the order is made
        # again from the scores.
        score = self._scores.__getitem__
        return sorted(
            ((score(rid), rid) for _value, rid in self._scores.byValue(least)),
            reverse=True,
        )

    def __getitem__(self, index):
        if isinstance(index, slice):
            start, stop, step = index.indices(self._length)
            if step < 0 or start < 0:
                return self._read(self._length)[index]
            return self._read(stop)[index]
        if index < 0:
            index += self._length
        if not 0 <= index < self._length:
            raise IndexError(index)
        return self._read(index + 1)[index]

    def __iter__(self):
        for index in range(self._length):
            yield self[index]


def search(self, query, sort_index=None, reverse=False, limit=None, merge=True):
    """``Catalog.search`` of Products.ZCatalog 7.4, scores in a
    :class:`ScoreOrder` instead of ``rs.byValue(0)``."""

    # Canonicalize the request into a sensible query before passing it on
    query = self.make_query(query)

    cr = self.getCatalogPlan(query)
    cr.start()

    plan = cr.plan()
    if not plan:
        plan = self._sorted_search_indexes(query)

    rs = None  # result set
    for index_id in plan:
        # The actual core loop over all indices.
        if index_id not in self.indexes:
            # We can have bogus keys or the plan can contain index names
            # that have been removed in the meantime.
            continue

        rs = self._search_index(cr, index_id, query, rs)
        if not rs:
            break

    if not rs:
        # None of the indexes found anything to do with the query.
        result = LazyCat([])
        cr.stop()
        return result

    # Try to deduce the sort limit from batching arguments.
    b_start, b_size, limit, sort_report_name = self._sort_limit_arguments(
        query, sort_index, reverse, limit
    )

    # We got some results from the indexes, sort and convert to sequences.
    rlen = len(rs)
    if sort_index is None and hasattr(rs, "items"):
        # Having a 'items' means we have a data structure with
        # scores. Build a new result set, sort it by score, reverse
        # it, compute the normalized score, and Lazify it.

        if not merge:
            # Don't bother to sort here, return a list of
            # three tuples to be passed later to mergeResults.
            # Note that data_record_normalized_score_ cannot be
            # calculated and will always be 1 in this case.
            result = [
                (score, (1, score, rid), self.__getitem__) for rid, score in rs.items()
            ]
        else:
            cr.start_split("sort_on#score")

            # Sort it by score — as far as it is read (the one change).
            rs = ScoreOrder(rs)
            max = float(rs[0][0])  # noqa: A001 - as upstream

            # Here we define our getter function inline so that
            # we can conveniently store the max value as a default arg
            # and make the normalized score computation lazy
            def getScoredResult(item, max=max, self=self):  # noqa: A002
                """
                Returns instances of self._v_brains, or whatever is
                passed into self.useBrains.
                """
                score, key = item
                norm_score = int(100.0 * score / max)
                return self.instantiate(
                    (key, self.data[key]), score_data=(score, norm_score)
                )

            sequence, slen = self._limit_sequence(rs, rlen, b_start, b_size)
            result = LazyMap(getScoredResult, sequence, slen, actual_result_count=rlen)
            cr.stop_split("sort_on#score", None)

    elif sort_index is None and not hasattr(rs, "values"):
        # no scores
        if hasattr(rs, "keys"):
            rs = rs.keys()
        sequence, slen = self._limit_sequence(rs, rlen, b_start, b_size)
        result = LazyMap(self.__getitem__, sequence, slen, actual_result_count=rlen)
    else:
        # Sort. If there are scores, then this block is not
        # reached, therefore 'sort-on' does not happen in the
        # context of a text index query.  This should probably
        # sort by relevance first, then the 'sort-on' attribute.
        cr.start_split(sort_report_name)
        result = self.sortResults(
            rs,
            sort_index,
            reverse,
            limit,
            merge,
            actual_result_count=rlen,
            b_start=b_start,
            b_size=b_size,
        )
        cr.stop_split(sort_report_name, None)

    cr.stop()
    return result


_original_search = Catalog.search


def patch():
    """``Catalog.search`` with :class:`ScoreOrder` (idempotent)."""
    if Catalog.search is not search:
        Catalog.search = search
