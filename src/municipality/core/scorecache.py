"""The Okapi BM25 scores of a word, computed once per catalog state.

ZCTextIndex's Okapi index scores a query word in a Python loop over every
document that holds it (``OkapiIndex._search_wids``: the loop "was
implemented in C before"). Greek folding gathers every spelling of a word
under one term, so the common ones hold most documents: «απόφαση» is in
every decision of the archive, and on the 50,000-page benchmark corpus the
loop was a third of an ``@search`` request's time (``py-spy``; see
``docs/performance.md``).

The scores of a word change only when the index does, so this module keeps
the scored postings (an ``IIBucket`` ``docid → score``, what the loop makes)
in memory, keyed by the word and the **catalog's state** — the catalog's
change counter and the serial of its last committed change, the key
:mod:`plone.app.caching` uses too — and by the database and the index:

* any change to the catalog, committed by any process, gives a new state:
  entries of the old one are never read again and age out;
* a request whose own transaction changed the catalog (the counter is
  changed and not committed) computes the scores as before and keeps nothing;
* queries that do not come through a catalog (an index used on its own)
  are not cached.

The cache is bounded by the number of postings it holds (:data:`MAX_POSTINGS`,
about 8 bytes each in an ``IIBucket``) and drops the least recently used
word first. The buckets are shared between requests and threads; the
ZCTextIndex query machinery only reads them (the Cosine index returns its
stored postings the same way).

:func:`patch` installs it (once, from :mod:`municipality.core.textindex`).
"""

from Acquisition import aq_base
from Acquisition import aq_chain
from collections import OrderedDict
from contextlib import contextmanager
from contextvars import ContextVar
from Products.ZCTextIndex.OkapiIndex import OkapiIndex
from Products.ZCTextIndex.ZCTextIndex import ZCTextIndex

import threading


#: Postings (documents × words) the cache may hold: ~8 bytes each.
MAX_POSTINGS = 1_000_000
#: Words with fewer documents than this are cheap to score: not cached.
MIN_POSTINGS = 200

_state = ContextVar("municipality_score_state", default=None)
_entries = OrderedDict()
_size = 0
_lock = threading.Lock()
_stats = {"hits": 0, "misses": 0}


def catalog_state(catalog):
    """A key that changes whenever ``catalog`` changes, or None when it
    cannot be told (no counter yet, or changed in this transaction)."""
    catalog = aq_base(catalog)
    counter = getattr(catalog, "_counter", None)
    if counter is None or getattr(counter, "_p_jar", None) is None:
        return None
    value = counter()  # loads a ghost: its serial is known after this
    if counter._p_changed:
        return None
    serial = counter._p_serial
    if not serial or serial == b"\0" * 8:
        return None
    return (id(counter._p_jar.db()), catalog._p_oid, value, serial)


def _catalog_of(index):
    """The ZCatalog an (acquisition-wrapped) index belongs to, or None."""
    for item in aq_chain(index)[1:]:
        if getattr(aq_base(item), "_counter", None) is not None:
            return item
    return None


@contextmanager
def scoring(state):
    """Within it, Okapi scores are cached under ``state`` (None: not cached)."""
    token = _state.set(state)
    try:
        yield
    finally:
        _state.reset(token)


def clear():
    """Forget every cached score (tests, benchmarks)."""
    global _size
    with _lock:
        _entries.clear()
        _size = 0
        _stats.update(hits=0, misses=0)


def stats():
    """``{"hits", "misses", "words", "postings"}`` since the last :func:`clear`."""
    with _lock:
        return {**_stats, "words": len(_entries), "postings": _size}


def _remember(key, scored):
    global _size
    size = len(scored)
    if size > MAX_POSTINGS:
        return
    with _lock:
        if key in _entries:
            return
        _entries[key] = scored
        _size += size
        while _size > MAX_POSTINGS:
            _old_key, old = _entries.popitem(last=False)
            _size -= len(old)


_original_search_wids = OkapiIndex._search_wids
_original_query_index = ZCTextIndex.query_index


def _search_wids(self, wids):
    state = _state.get()
    oid = getattr(self, "_p_oid", None)
    if state is None or oid is None or not wids:
        return _original_search_wids(self, wids)
    result = []
    for wid in wids:
        key = (state, oid, wid)
        with _lock:
            scored = _entries.get(key)
            if scored is not None:
                _entries.move_to_end(key)
                _stats["hits"] += 1
        if scored is None:
            [(scored, _weight)] = _original_search_wids(self, [wid])
            with _lock:
                _stats["misses"] += 1
            if len(scored) >= MIN_POSTINGS:
                _remember(key, scored)
        result.append((scored, 1))
    return result


def _query_index(self, record, resultset=None):
    catalog = _catalog_of(self)
    state = catalog_state(catalog) if catalog is not None else None
    with scoring(state):
        return _original_query_index(self, record, resultset)


def patch():
    """Cache Okapi scores for queries made through a catalog (idempotent)."""
    if OkapiIndex._search_wids is not _search_wids:
        OkapiIndex._search_wids = _search_wids
    if ZCTextIndex.query_index is not _query_index:
        ZCTextIndex.query_index = _query_index
