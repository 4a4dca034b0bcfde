"""The public search of the archive: query, filters, facets, ordering, snippets.

One engine behind the page ``@@archive-search``, the browse page
``@@archive-home`` and the REST service ``@archive-search``::

    query = search.parse(request.form)        # QueryError names bad fields
    results = search.run(context, query)      # Results: total, hits, facets

What is searched: the catalog's ``SearchableText`` (core's lexicon folds
case, accents, diaeresis, final sigma and polytonic marks, and stems, so
every spelling of a word finds the others), restricted to published
``HistoricalDecision`` items under the archive that the current user may
see (``allowedRolesAndUsers`` and ``effectiveRange``, exactly as the catalog
itself filters).

Why not ``portal_catalog(...)`` and brains: facet counts over 50,000
decisions would mean loading every brain of the result. Instead the engine
works on the catalog's record ids (``rid``) and the indexes' own BTrees:

- the set of visible, published decisions (the *base*) is computed once per
  catalog state and user roles and cached between requests (the key is the
  catalog's change counter and its last commit, so any indexing invalidates
  it; nothing is cached while the current transaction changed the catalog);
- the text query gives ``rid → score``; filters are intersections with the
  ``archive_year``/``archive_decade``/``archive_subject_terms`` index sets;
- facets count values through the indexes' reverse maps (``rid → value``)
  over the result, or, when the result is most of the archive, over what is
  *not* in it, subtracted from the base's cached counts;
- ordering by relevance keeps the best ``b_start + b_size`` scores, in the
  catalog's order (core's :class:`~municipality.core.relevance.ScoreOrder`);
  ordering by date walks the ``archive_date`` index from the newest (or
  oldest) date when the result is large, or sorts the result when it is
  small;
- only the decisions of the page shown are loaded (straight from the
  archive folder, not through brains: the catalog's metadata records hold a
  dozen dates each), for their fields, snippets and the page where the
  first match is; the snippets are core's ``highlight()``, which reads only
  the parts of the text it will show (see :func:`snippets`).
"""

from Acquisition import aq_base
from BTrees.IIBTree import difference
from BTrees.IIBTree import IISet
from BTrees.IIBTree import IITreeSet
from BTrees.IIBTree import intersection
from BTrees.IIBTree import weightedIntersection
from collections import Counter
from collections import OrderedDict
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from DateTime import DateTime
from datetime import date
from datetime import datetime
from DateTime.interfaces import DateTimeError
from functools import lru_cache
from itertools import chain
from municipality import _
from municipality.archive import settings
from municipality.archive.setuphandlers import get_archive
from municipality.core.relevance import ScoreOrder
from municipality.core.scorecache import catalog_state
from municipality.core.scorecache import scoring
from municipality.core.textindex import fold
from municipality.core.textindex import highlight
from municipality.core.textindex import inflection_key
from municipality.core.textindex import query_terms
from municipality.core.textindex import terms
from persistent.list import PersistentList
from plone import api
from Products.CMFCore.indexing import processQueue
from Products.CMFCore.utils import getToolByName
from Products.ZCTextIndex.ParseTree import ParseError
from Products.ZCTextIndex.ParseTree import QueryError as TextQueryError
from Products.ZCTextIndex.QueryParser import QueryParser
from urllib.parse import urlencode
from zope.i18nmessageid import Message

import bisect
import html
import re
import threading
import unicodedata


PORTAL_TYPE = "HistoricalDecision"
PUBLISHED = "published"

SORTS = ("relevance", "date", "date_asc")

# Limits of a query: beyond them a request is refused, not silently cut.
MAX_QUERY_LENGTH = 200
MAX_QUERY_WORDS = 12
MAX_TERMS = 10
MAX_TERM_LENGTH = 60
MAX_B_SIZE = 100
MAX_B_START = 1_000_000
MIN_YEAR = 1800
MAX_YEAR = 2100

# How many values a facet shows.
TOP_YEARS = 10
TOP_TERMS = 15

# The facets run() counts unless told otherwise.
FACETS = ("decade", "year", "term")

# Results up to this size are sorted by date in Python; larger ones are
# ordered by walking the date index (see _by_date).
SMALL_RESULT = 2000

# Base sets (and their facet counts) kept between requests.
CACHE_SIZE = 16

# Subject words are counted over a result (or the rest of the base) of at
# least this many decisions with a bit mask a word (:meth:`_Base.term_masks`):
# 1.2–1.8 ms against 3–5 ms for 5,000–9,000 of the 18,000 decisions of the
# benchmark corpus; below it counting each decision's words is as quick.
MASKS_FROM = 1500

# The text index of the catalog.
TEXT_INDEX = "SearchableText"
YEAR_INDEX = "archive_year"
DECADE_INDEX = "archive_decade"
TERMS_INDEX = "archive_subject_terms"
DATE_INDEX = "archive_date"
NUMBER_INDEX = "archive_number"

MSG_YEAR_NUMBER = _("Give the year as a number, e.g. 1987.")
MSG_YEAR_RANGE = _(
    "The year must be between ${low} and ${high}.",
    mapping={"low": str(MIN_YEAR), "high": str(MAX_YEAR)},
)
MSG_DECADE = _("Give the decade as its first year, e.g. 1980.")
MSG_SORT = _("Order the results by relevance, date or date_asc.")
MSG_B_START = _("The position must be a whole number, 0 or more.")
MSG_B_SIZE = _(
    "The number of results per page must be a whole number from 1 to ${max}.",
    mapping={"max": str(MAX_B_SIZE)},
)
MSG_Q_LONG = _(
    "The search is too long: up to ${max} characters.",
    mapping={"max": str(MAX_QUERY_LENGTH)},
)
MSG_Q_WORDS = _(
    "The search has too many words: up to ${max}.",
    mapping={"max": str(MAX_QUERY_WORDS)},
)
MSG_Q_EMPTY = _("Type at least one word (letters or digits) to search for.")
MSG_TERMS_MANY = _(
    "Choose up to ${max} subject words.", mapping={"max": str(MAX_TERMS)}
)
MSG_TERM = _(
    "A subject word must have from 1 to ${max} characters.",
    mapping={"max": str(MAX_TERM_LENGTH)},
)
MSG_ONE_VALUE = _("Give one value only.")


class QueryError(ValueError):
    """A query the engine refuses; ``errors`` lists ``(field, message)``.

    ``message`` is an i18n ``Message`` (translate it for the user).
    """

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__("; ".join(f"{name}: {msg}" for name, msg in self.errors))


@dataclass(frozen=True)
class ArchiveQuery:
    """A validated query (see :func:`parse`)."""

    q: str = ""
    year: int | None = None
    decade: int | None = None
    terms: tuple = ()
    sort: str = ""
    b_start: int = 0
    b_size: int = 20

    @property
    def words(self):
        """The words of ``q`` (letters and digits), in order."""
        return query_words(self.q)

    @property
    def order(self):
        """The order in effect: relevance needs words; otherwise by date."""
        if self.sort in ("date", "date_asc"):
            return self.sort
        if self.sort == "relevance" and self.words:
            return "relevance"
        if not self.sort and self.words:
            return "relevance"
        return "date"

    def params(self, **changes):
        """The query as URL parameters (a list of pairs), with ``changes``.

        Empty values are left out; ``b_start`` only when not 0; ``b_size``
        never (the page's setting decides it).
        """
        query = replace(self, **changes) if changes else self
        pairs = []
        if query.q:
            pairs.append(("q", query.q))
        if query.decade is not None:
            pairs.append(("decade", str(query.decade)))
        if query.year is not None:
            pairs.append(("year", str(query.year)))
        for term in query.terms:
            pairs.append(("term", term))
        if query.sort:
            pairs.append(("sort", query.sort))
        if query.b_start:
            pairs.append(("b_start", str(query.b_start)))
        return pairs


@dataclass
class FacetValue:
    """One value of a facet: ``value`` (as in the URL), its ``count``, a
    readable ``title``, and whether it is a filter of the query now."""

    value: object
    count: int
    title: str
    active: bool = False


@dataclass
class Hit:
    """One decision of the page shown."""

    rid: int
    url: str
    uid: str
    title: str
    number: str
    year: int | None
    meeting_date: date | None
    subject: str
    snippets: list = field(default_factory=list)
    page: int = 1
    pages: int = 0
    query_text: str = ""

    @property
    def thumbnail(self):
        """The thumbnail of the page where the first match is, or None."""
        if not self.pages:
            return None
        return f"{self.url}/@@page/{self.page}/thumbnail"

    @property
    def link(self):
        """The decision's page; with ``?q=…&page=…`` when words were searched,
        so that it opens at the page of the first match, words marked."""
        if not self.query_text:
            return self.url
        return f"{self.url}?{urlencode({'q': self.query_text, 'page': self.page})}"


@dataclass
class Results:
    """The answer of :func:`run`."""

    query: ArchiveQuery
    total: int
    hits: list
    facets: dict
    # Why the query found nothing although it is valid (e.g. only
    # punctuation): an i18n message, or None.
    notice: Message | None = None

    @property
    def b_end(self):
        return min(self.query.b_start + self.query.b_size, self.total)


# -- parsing ------------------------------------------------------------------------

_WORD = re.compile(r"\w+")
_PHRASE = re.compile(r'"([^"]*)"')
_OPERATORS = {"and", "or", "not"}


def query_words(text):
    """The words of a query: runs of letters/digits after NFC, in order."""
    return _WORD.findall(unicodedata.normalize("NFC", text or ""))


def _single(form, name, errors):
    value = form.get(name)
    if isinstance(value, (list, tuple)):
        values = [v for v in value if str(v).strip()]
        if len(values) > 1:
            errors.append((name, MSG_ONE_VALUE))
            return None
        value = values[0] if values else None
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _integer(text):
    text = text.strip()
    if not re.fullmatch(r"[+-]?\d{1,9}", text):
        raise ValueError(text)
    return int(text)


def parse(form, b_size=None):
    """A validated :class:`ArchiveQuery` from request parameters.

    ``form`` is a mapping (``request.form``): ``q``, ``year``, ``decade``,
    ``term`` (repeatable), ``sort``, ``b_start``, ``b_size`` (the setting
    ``results_per_page`` when absent, or ``b_size`` given here). Raises
    :class:`QueryError` listing every bad parameter.
    """
    errors = []
    q = _single(form, "q", errors) or ""
    q = unicodedata.normalize("NFC", " ".join(q.split()))
    if len(q) > MAX_QUERY_LENGTH:
        errors.append(("q", MSG_Q_LONG))
    elif len(query_words(q)) > MAX_QUERY_WORDS:
        errors.append(("q", MSG_Q_WORDS))

    year = _single(form, "year", errors)
    if year is not None:
        try:
            year = _integer(year)
        except ValueError:
            errors.append(("year", MSG_YEAR_NUMBER))
            year = None
        else:
            if not MIN_YEAR <= year <= MAX_YEAR:
                errors.append(("year", MSG_YEAR_RANGE))
                year = None

    decade = _single(form, "decade", errors)
    if decade is not None:
        try:
            decade = _integer(decade)
        except ValueError:
            decade = -1
        if not (MIN_YEAR <= decade <= MAX_YEAR and decade % 10 == 0):
            errors.append(("decade", MSG_DECADE))
            decade = None
    if year is not None and decade is not None and year // 10 * 10 != decade:
        # A year outside the decade chosen: the year wins (the decade was
        # left from an earlier click).
        decade = year // 10 * 10

    raw_terms = form.get("term") or ()
    if isinstance(raw_terms, str):
        raw_terms = [raw_terms]
    terms = []
    for term in raw_terms:
        term = unicodedata.normalize("NFC", str(term).strip())
        if not term:
            continue
        if len(term) > MAX_TERM_LENGTH:
            errors.append(("term", MSG_TERM))
            break
        if term not in terms:
            terms.append(term)
    if len(terms) > MAX_TERMS:
        errors.append(("term", MSG_TERMS_MANY))

    sort = _single(form, "sort", errors) or ""
    if sort and sort not in SORTS:
        errors.append(("sort", MSG_SORT))
        sort = ""

    b_start = _single(form, "b_start", errors)
    try:
        b_start = _integer(b_start) if b_start is not None else 0
        if not 0 <= b_start <= MAX_B_START:
            raise ValueError(b_start)
    except ValueError:
        errors.append(("b_start", MSG_B_START))
        b_start = 0

    size = _single(form, "b_size", errors)
    if size is None:
        size = b_size if b_size is not None else settings.get("results_per_page")
    else:
        try:
            size = _integer(size)
            if not 1 <= size <= MAX_B_SIZE:
                raise ValueError(size)
        except ValueError:
            errors.append(("b_size", MSG_B_SIZE))
            size = 20

    if errors:
        raise QueryError(errors)
    return ArchiveQuery(
        q=q,
        year=year,
        decade=decade,
        terms=tuple(terms),
        sort=sort,
        b_start=b_start,
        b_size=int(size),
    )


def text_query(words_or_text):
    """The ZCTextIndex query for a user's search: every word required.

    Quoted phrases stay phrases; the words ``and``/``or``/``not`` are
    searched as words, not read as operators. Returns "" when nothing is
    left to search for.
    """
    text = unicodedata.normalize("NFC", words_or_text or "")
    parts = []
    for phrase in _PHRASE.findall(text):
        words = query_words(phrase)
        if len(words) > 1:
            parts.append('"' + " ".join(words) + '"')
        elif words:
            parts.append(_quote(words[0]))
    for word in query_words(_PHRASE.sub(" ", text)):
        parts.append(_quote(word))
    return " AND ".join(parts)


def _quote(word):
    return f'"{word}"' if word.lower() in _OPERATORS else word


# -- the catalog state and its cache ------------------------------------------------


class _NoPlan:
    """The ZCatalog query plan's reporting, not needed here."""

    @staticmethod
    def start_split(*args, **kwargs):
        pass

    @staticmethod
    def stop_split(*args, **kwargs):
        pass


def _select(catalog, query):
    """The rid set of ``query`` (a catalog query), as ZCatalog computes it."""
    cat = catalog._catalog
    query = cat.make_query(query)
    rs = None
    for index_id in cat._sorted_search_indexes(query):
        rs = cat._search_index(_NoPlan, index_id, query, rs)
        if not rs:
            return IITreeSet()
    if rs is None:
        return IITreeSet()
    if hasattr(rs, "keys") and not isinstance(rs, (IISet, IITreeSet)):
        rs = IITreeSet(rs.keys())
    elif getattr(rs, "_p_jar", None) is not None:
        # An index's own row (a one-index query): a copy, which may outlive
        # this request's connection in the cache.
        rs = IITreeSet(rs)
    return rs


def _rows(index, value):
    """The rid set an index holds for ``value`` (empty when none)."""
    row = index._index.get(value)
    if row is None:
        return IITreeSet()
    if isinstance(row, int):
        return IITreeSet((row,))
    return row


class _Base:
    """The published decisions a user may see, with cached facet counts."""

    def __init__(self, rids):
        self.rids = rids
        self.size = len(rids)
        self._years = None
        self._terms = None
        self._masks = None

    def years(self, unindex):
        if self._years is None:
            self._years = _count(unindex, self.rids)
        return self._years

    def terms(self, unindex):
        if self._terms is None:
            self._terms = _count_keywords(unindex, self.rids)
        return self._terms

    def term_masks(self, index):
        """(where each decision is in the base, a bit mask of the base's
        decisions for each subject word of the keyword ``index``) — about
        50 ms for the 18,000 decisions of the benchmark corpus, then kept
        with the base (2.2 KB a word)."""
        if self._masks is None:
            positions = {rid: position for position, rid in enumerate(self.rids)}
            masks = {}
            for word in self.terms(index._unindex):
                rids = index._index.get(word, ())
                masks[word] = _mask(
                    positions, (rids,) if isinstance(rids, int) else rids
                )
            self._masks = positions, masks
        return self._masks


_CACHE = OrderedDict()
_CACHE_LOCK = threading.Lock()


def clear_cache():
    """Forget every cached base set (tests, benchmarks)."""
    with _CACHE_LOCK:
        _CACHE.clear()


def _minute():
    """Now, to the minute (the published decisions' effective range)."""
    return DateTime(DateTime().millis() // 60000 * 60000 / 1000.0)


def _base(catalog, archive):
    """The :class:`_Base` of the current user, from the cache when possible."""
    processQueue()
    user = api.user.get_current()
    roles = tuple(catalog._listAllowedRolesAndUsers(user))
    query = {
        "portal_type": PORTAL_TYPE,
        "review_state": PUBLISHED,
        "path": "/".join(archive.getPhysicalPath()),
        "allowedRolesAndUsers": list(roles),
    }
    now = None
    if not catalog.allow_inactive({}):
        # To the minute, so that a minute's requests share one base set.
        now = _minute()
        query["effectiveRange"] = now
    state = catalog_state(catalog)
    key = earlier = None
    if state is not None:
        key = (*state, query["path"], roles, now and now.millis())
        with _CACHE_LOCK:
            base = _CACHE.get(key)
            if base is not None:
                _CACHE.move_to_end(key)
                return base
            # The last minute's base, for the same catalog and user.
            earlier = next(
                (_CACHE[other] for other in reversed(_CACHE) if other[:-1] == key[:-1]),
                None,
            )
    rids = _select(catalog, query)
    if (
        earlier is not None
        and earlier.size == len(rids)
        and not len(difference(earlier.rids, rids))
    ):
        # Nothing came into effect or expired since: its counts and masks
        # serve this minute too.
        base = earlier
    else:
        base = _Base(rids)
    if key is not None:
        with _CACHE_LOCK:
            _CACHE[key] = base
            while len(_CACHE) > CACHE_SIZE:
                _CACHE.popitem(last=False)
    return base


# -- counting -----------------------------------------------------------------------


def _keys(rs):
    return rs.keys() if hasattr(rs, "values") else rs


def _count(unindex, rids):
    """``Counter`` of ``value → number of rids`` (rids without value skipped)."""
    counts = Counter(map(unindex.get, _keys(rids)))
    counts.pop(None, None)
    return counts


def _count_keywords(unindex, rids):
    """``Counter`` of ``keyword → number of rids having it``."""
    return Counter(chain.from_iterable(filter(None, map(unindex.get, _keys(rids)))))


def _mask(positions, rids):
    """An ``int`` with the bits of ``rids`` ' places in the base set."""
    bits = bytearray((len(positions) + 7) // 8)
    place = positions.get
    for rid in rids:
        at = place(rid)
        if at is not None:
            bits[at >> 3] |= 1 << (at & 7)
    return int.from_bytes(bits, "little")


def _count_terms(base, rs, index):
    """``Counter`` of the subject words of ``rs`` (a subset of the base):
    :func:`_count_in`, or, for a result (and a rest of the base) this
    large, the bits it shares with each word's mask."""
    size = len(rs)
    if min(size, base.size - size) < MASKS_FROM:
        unindex = index._unindex
        return _count_in(base, rs, base.terms(unindex), _count_keywords, unindex)
    positions, masks = base.term_masks(index)
    if size * 2 <= base.size:
        chosen = _mask(positions, _keys(rs))
    else:
        everything = (1 << base.size) - 1
        chosen = everything ^ _mask(positions, difference(base.rids, rs))
    counts = Counter()
    for word, mask in masks.items():
        number = (mask & chosen).bit_count()
        if number:
            counts[word] = number
    return counts


def _count_in(base, rs, base_counts, counter, unindex):
    """Counts over ``rs`` (a subset of the base): directly when ``rs`` is
    small, else the base's counts minus those of the rest."""
    size = len(rs)
    if size * 2 <= base.size:
        return counter(unindex, rs)
    rest = difference(base.rids, rs)
    counts = Counter(base_counts)
    counts.subtract(counter(unindex, rest))
    return Counter({key: value for key, value in counts.items() if value > 0})


# -- ordering -----------------------------------------------------------------------


_NUMBER = re.compile(r"\s*(\d+)")


def number_key(number):
    """«12» < «12Α» < «100» < «» (no number last)."""
    if not number:
        return (1, 0, "")
    match = _NUMBER.match(number)
    if match:
        return (0, int(match.group(1)), number[match.end() :].strip())
    return (0, 10**9, number)


def _walk(size, count, base_size):
    """Whether to order a result of ``size`` by walking the date index
    (visits about ``count × base_size / size`` decisions) rather than
    sorting it (touches all ``size``)."""
    return size > SMALL_RESULT and count * base_size < size * size


def _by_date(catalog, rs, count, reverse, base_size):
    """The first ``count`` rids of ``rs`` by date (then number); ``reverse``:
    newest first. Decisions with no date come last."""
    date_index = catalog._catalog.getIndex(DATE_INDEX)
    numbers = catalog._catalog.getIndex(NUMBER_INDEX)._unindex
    dates = date_index._unindex
    size = len(rs)

    def key(rid):
        return (dates.get(rid, -1), number_key(numbers.get(rid)), rid)

    if not _walk(size, count, base_size):
        dated = [rid for rid in _keys(rs) if rid in dates]
        ordered = sorted(dated, key=key, reverse=reverse)
    else:
        # Walk the index's dates in order; each day's decisions by number.
        ordered = []
        tree = date_index._index
        member = rs.has_key  # noqa: W601 - the BTrees API
        value = None
        while len(ordered) < count:
            try:
                if reverse:
                    value = tree.maxKey() if value is None else tree.maxKey(value - 1)
                else:
                    value = tree.minKey() if value is None else tree.minKey(value + 1)
            except ValueError:
                break
            row = tree[value]
            day = [row] if isinstance(row, int) else row
            found = [rid for rid in day if member(rid)]
            ordered.extend(sorted(found, key=key, reverse=reverse))
    if len(ordered) < count:
        undated = difference(IITreeSet(_keys(rs)), IITreeSet(dates.keys()))
        ordered.extend(sorted(undated, key=key, reverse=reverse))
    return ordered[:count]


def _by_score(rs, count):
    """The ``count`` best-scored rids of ``rs`` (``rid → score``), in the
    catalog's relevance order (score, then rid, both descending)."""
    return [rid for _score, rid in ScoreOrder(rs)[:count]]


# -- facets -------------------------------------------------------------------------


def decade_title(decade):
    """1980 → «1980–1989»."""
    return f"{decade}–{decade + 9}"


_label_cache = {}
_LABEL_CACHE_SIZE = 20000


def _label_from(text, term):
    """The word of ``text`` whose subject term (folded, its ending gone) is
    ``term``, as written there (small letters unless a capital inside the
    text says it is a name)."""
    for position, word in enumerate(query_words(text or "")):
        if word.isdigit() or inflection_key(fold(word)) != term:
            continue
        if word.isupper() or position == 0:
            return word.lower()
        return word
    return None


# Breathings, the grave, the circumflex and the iota subscript (decomposed).
_POLYTONIC = frozenset("\u0300\u0313\u0314\u0342\u0345")


def _polytonic(word):
    """True when ``word`` is written with polytonic marks («ὕδρευσις»)."""
    return any(char in _POLYTONIC for char in unicodedata.normalize("NFD", word))


def _term_label(catalog, term, rs, state=None):
    """A readable word for a subject term (the index keeps them folded,
    without their ending: «προυπολογισμ»): the word as a decision of the
    result writes it («προϋπολογισμού»), in monotonic spelling when one of
    the first few decisions has it (not «ὕδρευσις» when «ύδρευση» is
    there). Remembered between requests while the catalog (``state``, of
    ``catalog_state``: its database, its change counter) stays as it was."""
    key = (state, term)
    label = _label_cache.get(key) if state is not None else None
    if label is not None:
        return label
    cat = catalog._catalog
    rows = _rows(cat.getIndex(TERMS_INDEX), term)
    member = rs.has_key  # noqa: W601 - the BTrees API
    label = None
    checked = 0
    for rid in rows:
        if not member(rid):
            continue
        # The title holds the subject (maybe shortened): no object to load.
        title = cat.getMetadataForRID(rid).get("Title") or ""
        subject = title.split(" — ", 1)[1] if " — " in title else title
        found = _label_from(subject, term)
        if found is None:
            obj = cat[rid].getObject()
            found = _label_from(getattr(obj, "subject", ""), term)
        if label is None or (found is not None and _polytonic(label)):
            label = found
        checked += 1
        if (label is not None and not _polytonic(label)) or checked >= 5:
            break
    if label is None:
        return term
    if state is not None:
        if len(_label_cache) > _LABEL_CACHE_SIZE:
            _label_cache.clear()
        _label_cache[key] = label
    return label


# -- the search ---------------------------------------------------------------------


def get_catalog(context):
    return getToolByName(context, "portal_catalog")


def _resolve_term(catalog, term):
    """The index key of a subject word: as given when the index has it (a
    facet's link), else the word folded, its ending gone (a word typed by
    hand, «Προϋπολογισμού», or a link made when the index kept whole words,
    «προυπολογισμου»)."""
    index = catalog._catalog.getIndex(TERMS_INDEX)
    if term in index._index:
        return term
    return inflection_key(fold(term))


def run(context, query, facets=FACETS, request=None):
    """Search the archive with ``query`` (an :class:`ArchiveQuery`).

    Returns :class:`Results`: the total, the hits of the page
    (``b_start``/``b_size``; none for ``b_size`` 0), and the facets named in
    ``facets`` (``decade``, ``year``, ``term``) as lists of
    :class:`FacetValue` (the others empty).
    """
    portal = api.portal.get()
    archive = get_archive(portal)
    catalog = get_catalog(portal)
    request = request if request is not None else getattr(context, "REQUEST", None)
    empty = Results(query, 0, [], {"decade": [], "year": [], "term": []})
    if archive is None:
        return empty
    base = _base(catalog, archive)
    state = catalog_state(catalog)
    cat = catalog._catalog

    # Text, then subject words: the result before the time filters.
    notice = None
    scores = None
    rs = base.rids
    if query.words:
        text = text_query(query.q)
        index = cat.getIndex(TEXT_INDEX)
        try:
            tree = QueryParser(index.getLexicon()).parseQuery(text)
            with scoring(state):
                scores = tree.executeQuery(index.index)
        except (ParseError, TextQueryError):
            scores = None
            notice = MSG_Q_EMPTY
        if not scores:
            rs = IITreeSet()
        else:
            _weight, rs = weightedIntersection(scores, base.rids, 1, 0)
    elif query.q:
        notice = MSG_Q_EMPTY
        rs = IITreeSet()
    terms_index = cat.getIndex(TERMS_INDEX)
    resolved = [_resolve_term(catalog, term) for term in query.terms]
    for term in resolved:
        if not rs:
            break
        rs = _intersect(rs, _rows(terms_index, term))
    free = rs
    if query.year is not None:
        rs = _intersect(rs, _rows(cat.getIndex(YEAR_INDEX), query.year))
    elif query.decade is not None:
        rs = _intersect(rs, _rows(cat.getIndex(DECADE_INDEX), query.decade))
    total = len(rs) if rs else 0

    # The page.
    count = query.b_start + query.b_size
    rids = []
    if total and query.b_size and query.b_start < total:
        if query.order == "relevance" and hasattr(rs, "items"):
            rids = _by_score(rs, count)
        else:
            rids = _by_date(catalog, rs, count, query.order != "date_asc", base.size)
        rids = rids[query.b_start : count]
    hits = [_hit(portal, archive, cat, rid, query, request) for rid in rids]
    hits = [hit for hit in hits if hit is not None]

    result_facets = _facets(catalog, base, query, free, rs, resolved, facets, state)
    return Results(query, total, hits, result_facets, notice)


def _intersect(rs, rows):
    if hasattr(rs, "items"):
        return weightedIntersection(rs, rows, 1, 0)[1]
    return intersection(rs, rows)


def _facets(catalog, base, query, free, rs, resolved_terms, names, state=None):
    result = {"decade": [], "year": [], "term": []}
    if "decade" in names or "year" in names:
        result.update(_time_facets(catalog, base, query, free))
    if "term" in names and rs:
        result["term"] = _term_facet(catalog, base, query, rs, resolved_terms, state)
    return result


def _time_facets(catalog, base, query, free):
    cat = catalog._catalog
    years_unindex = cat.getIndex(YEAR_INDEX)._unindex
    if free:
        years = _count_in(base, free, base.years(years_unindex), _count, years_unindex)
    else:
        years = Counter()
    decades = Counter()
    for year, number in years.items():
        decades[year // 10 * 10] += number
    chosen_decade = query.year // 10 * 10 if query.year is not None else query.decade
    decade_facet = [
        FacetValue(decade, number, decade_title(decade), decade == chosen_decade)
        for decade, number in sorted(decades.items())
    ]
    if chosen_decade is not None:
        shown = sorted(
            (year, number)
            for year, number in years.items()
            if year // 10 * 10 == chosen_decade
        )
    else:
        shown = sorted(years.items(), key=lambda item: (-item[1], item[0]))[:TOP_YEARS]
    year_facet = [
        FacetValue(year, number, str(year), year == query.year)
        for year, number in shown
    ]
    return {"decade": decade_facet, "year": year_facet}


def _term_facet(catalog, base, query, rs, resolved_terms, state=None):
    """The subject words chosen (first, active), then the most frequent
    others of the result."""
    counts = _count_terms(base, rs, catalog._catalog.getIndex(TERMS_INDEX))
    total = len(rs)
    facet = [
        FacetValue(given, total, _term_label(catalog, term, rs, state), True)
        for term, given in zip(resolved_terms, query.terms, strict=True)
    ]
    for term in resolved_terms:
        counts.pop(term, None)
    top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    facet.extend(
        FacetValue(term, number, _term_label(catalog, term, rs, state))
        for term, number in top[:TOP_TERMS]
    )
    return facet


def as_date(value):
    """A metadata value (date, datetime, DateTime, ISO string) as a date."""
    if value is None or value == "" or value == "None":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            try:
                value = DateTime(value)
            except (DateTimeError, SyntaxError):
                return None
    if isinstance(value, DateTime):
        return date(value.year(), value.month(), value.day())
    return None


# -- snippets and the page of the first match ---------------------------------------
#
# core's highlight() reads every word of a text and asks the lexicon for its
# term: about 2 ms for a decision of three pages, 40 ms for a page of 20
# results. Here a regular expression (C speed) first finds the words that
# can match — those that begin with the first letters of a query term in
# any case, accent or breathing — and the lexicon checks only those. The
# stemmer only ever changes a word's ending, so a word's term always begins
# with the word's own first letters. The windows highlight() would choose
# are found from those matches (best_windows), and highlight() reads only
# them: it marks what it would have marked reading the whole text.

_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_TOKEN_CHAR = rf"[\w{_MARKS}]"
_INSIDE_WORD = re.compile(_TOKEN_CHAR)
PREFIX_LETTERS = 3
SNIPPETS = 3
SNIPPET_WIDTH = 160


@lru_cache(maxsize=1)
def _letter_classes():
    """Folded character → the characters that fold to it (a regex class)."""
    variants = {}
    ranges = (range(0x30, 0x2000), range(0x2100, 0x2200), range(0xFF10, 0xFF5B))
    for code in chain.from_iterable(ranges):
        char = chr(code)
        folded = fold(char)
        if len(folded) == 1 and (folded.isalnum() or folded == "_"):
            variants.setdefault(folded, set()).add(char)
    return {
        folded: "[" + "".join(re.escape(c) for c in sorted(chars)) + "]"
        for folded, chars in variants.items()
    }


def _prefix_pattern(prefix):
    classes = _letter_classes()
    parts = []
    for char in prefix:
        cls = classes.get(char, re.escape(char))
        parts.append(f"{cls}[{_MARKS}]*")
    return "".join(parts)


@lru_cache(maxsize=2000)
def _query_matcher(q):
    """``(candidates regex, exact terms, glob regexes)`` for a query, or
    None when the query has nothing to look for; the regex is None when a
    term gives no prefix to look for (a glob like ``*ση``)."""
    qterms = query_terms(q)
    if not qterms:
        return None
    exact = {}
    globs = []
    prefixes = set()
    for index, term in enumerate(qterms):
        if "*" in term or "?" in term:
            globs.append((index, re.compile(_glob(term))))
            head = re.split(r"[*?]", term, maxsplit=1)[0]
        else:
            exact.setdefault(term, index)
            head = term
        if not head:
            return (None, exact, globs)
        prefixes.add(head[:PREFIX_LETTERS])
    alternatives = "|".join(
        _prefix_pattern(p) for p in sorted(prefixes, key=len, reverse=True)
    )
    # No look-behind for the word's start: it slows the scan threefold;
    # matches() checks the character before each candidate instead.
    regex = re.compile(rf"(?:{alternatives}){_TOKEN_CHAR}*")
    return (regex, exact, globs)


def _glob(term):
    return "".join(
        ".*" if c == "*" else "." if c == "?" else re.escape(c) for c in term
    )


@lru_cache(maxsize=100_000)
def _token_terms(token):
    return tuple(terms(token))


def _term_of(token, exact, globs):
    """The index of the query term ``token`` matches (as highlight() decides)."""
    for term in _token_terms(token):
        index = exact.get(term)
        if index is not None:
            return index
        for index, regex in globs:
            if regex.fullmatch(term):
                return index
    return None


def matches(text, q):
    """The words of ``text`` that match the query ``q``: a list of
    ``(start, end, term index)`` in text order; None when the query has no
    prefix to look for (then only a full reading can tell)."""
    matcher = _query_matcher(q)
    if matcher is None:
        return []
    regex, exact, globs = matcher
    if regex is None:
        return None
    found = []
    inside_word = _INSIDE_WORD.match
    for candidate in regex.finditer(text):
        start = candidate.start()
        if start and inside_word(text, start - 1):
            continue  # the letters are inside a longer word
        index = _term_of(candidate.group(), exact, globs)
        if index is not None:
            found.append((candidate.start(), candidate.end(), index))
    return found


def _boundary(text, position, step):
    """``position`` moved to the nearest whitespace in direction ``step``."""
    if step < 0:
        cut = max(text.rfind(" ", 0, position), text.rfind("\n", 0, position))
        return max(cut, 0)
    cuts = [c for c in (text.find(" ", position), text.find("\n", position)) if c >= 0]
    return min(cuts) if cuts else len(text)


def snippets(text, q, max_snippets=SNIPPETS, width=SNIPPET_WIDTH):
    """``(snippets, page)``: core's highlight() snippets of ``text`` for the
    query ``q`` and the page (1-based; pages are separated by form feeds)
    of the first matching word (1 when none matches)."""
    if not text or not q:
        return [], 1
    found = matches(text, q)
    if not found:
        # No word begins like a query term, or the query can only be read
        # whole: let highlight() read the whole text (it rarely finds more).
        shown = list(highlight(text, q, max_snippets=max_snippets, width=width))
        return shown, _first_page(text, shown)
    page = text.count("\f", 0, found[0][0]) + 1
    windows = best_windows(found, len(text), max_snippets, width)
    regions = []
    for begin, stop in sorted(windows):
        begin = _boundary(text, begin, -1)
        stop = _boundary(text, stop, 1)
        if regions and begin <= regions[-1][1]:
            regions[-1][1] = max(regions[-1][1], stop)
        else:
            regions.append([begin, stop])
    # Blanks wider than a snippet between the pieces: no snippet spans two,
    # and one cut at a piece's edge gets its «…» as in the whole text.
    gap = "\n" + " " * (width + 2) + "\n"
    excerpt = gap.join(text[begin:stop] for begin, stop in regions)
    if regions[0][0] > 0:
        excerpt = gap + excerpt
    if regions[-1][1] < len(text):
        excerpt = excerpt + gap
    shown = highlight(excerpt, q, max_snippets=max_snippets, width=width)
    return list(shown), page


def best_windows(found, length, max_snippets=SNIPPETS, width=SNIPPET_WIDTH):
    """The parts of a text highlight() makes its snippets of, as it chooses
    them: ``[(begin, stop)]`` for the matches ``found`` (see :func:`matches`).

    A window starts a fifth of its width before a match; the windows with
    the most distinct query terms, then the most matches, then the earliest
    win, none overlapping another.
    """
    width = max(int(width), 20)
    lead = width // 5
    starts = [match[0] for match in found]
    candidates = []
    for position, (start, end, _index) in enumerate(found):
        begin = max(0, min(start - lead, length - width))
        stop = begin + width
        first = bisect.bisect_left(starts, begin)
        last = bisect.bisect_right(starts, stop)
        inside = [m for m in found[first:last] if m[1] <= stop]
        if not inside:  # a single word longer than the window
            inside = [found[position]]
            stop = end
        distinct = len({m[2] for m in inside})
        candidates.append((-distinct, -len(inside), begin, stop))
    candidates.sort()
    chosen = []
    for _distinct, _count, begin, stop in candidates:
        if any(begin < c_stop and c_begin < stop for c_begin, c_stop in chosen):
            continue
        chosen.append((begin, stop))
        if len(chosen) >= max_snippets:
            break
    return chosen


_MARK = re.compile(r"<mark>(.*?)</mark>", re.S)


def _first_page(text, shown):
    """The page of the earliest word marked in ``shown`` (highlight()'s
    snippets), found in ``text``; 1 when none is found."""
    best = None
    for snippet in shown:
        for marked in _MARK.findall(snippet):
            word = html.unescape(marked).strip()
            if not word:
                continue
            match = re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text)
            if match and (best is None or match.start() < best):
                best = match.start()
    if best is None:
        return 1
    return text.count("\f", 0, best) + 1


def _hit(portal, archive, cat, rid, query, request):
    """The :class:`Hit` of ``rid``, read from the decision itself (the
    catalog's metadata records hold a dozen dates each: slower to load)."""
    path = cat.paths.get(rid)
    if path is None:
        return None
    parent, _slash, name = path.rpartition("/")
    if parent == "/".join(archive.getPhysicalPath()):
        obj = archive._getOb(name, None)
    else:
        obj = portal.unrestrictedTraverse(path, None)
    if obj is None:
        return None
    if request is not None:
        url = request.physicalPathToURL(path)
    else:
        url = obj.absolute_url()
    year = getattr(obj, "year", None)
    text = getattr(obj, "text", None) or ""
    # The text holds the pages' texts joined by form feeds: counting them
    # spares loading the list of pages (a decision without a list of pages,
    # added by hand, has no page images).
    pages = aq_base(obj).__dict__.get("pages")
    if isinstance(pages, PersistentList):  # a type check does not load it
        pages = text.count("\f") + 1 if text else len(pages)
    else:
        pages = len(pages or ())
    hit = Hit(
        rid=rid,
        url=url,
        uid=obj.UID(),
        title=obj.Title() or "",
        number=getattr(obj, "number", None) or "",
        year=int(year) if year else None,
        meeting_date=as_date(getattr(obj, "meeting_date", None)),
        subject=getattr(obj, "subject", None) or "",
        pages=pages,
        query_text=query.q if query.words else "",
    )
    if query.words:
        hit.snippets, hit.page = snippets(text, query.q)
        if hit.page > max(hit.pages, 1):
            hit.page = 1
    return hit
