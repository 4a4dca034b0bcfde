"""Greek full-text search: one spelling-blind lexicon for the whole site.

Plone's ``plone_lexicon`` (the lexicon of the ``Title``, ``Description`` and
``SearchableText`` indexes) lower-cases words and strips accents only from
words that start with a Latin letter: ``αποφαση`` does not find ``απόφαση``.
:func:`install` puts two pipeline elements of ours around Plone's own::

    Greek folding  →  Unicode Whitespace splitter  →
        Unicode Ignoring Accents Case Normalizer  →  Greek stemming

* **folding** (:func:`fold`, on the whole text, before the splitter):
  compatibility decomposition (NFKD: ``µ``→``μ``, ``ϲ``→``σ``, ``ϐ``→``β``,
  ligatures), combining marks dropped (tonos, dialytika, psili, dasia,
  varia, perispomeni, ypogegrammeni …), case folded (``ς``→``σ``).
* **stemming** (:func:`stem`, per word, after Plone's case normalizer): the
  Snowball Greek stemmer on words of Greek letters only, with a few rules
  of ours so that katharevousa and polytonic forms meet the demotic ones
  (``ἀπόφασις``, ``αποφάσεως``, ``αποφάσεις`` and ``απόφαση`` are one term).
  Latin words, numbers and the pieces of reference numbers pass unchanged.

The same pipeline gives :func:`terms` (what the index stores for a text),
:func:`query_terms` (what a query looks for) and :func:`highlight`
(snippets with the matched words marked), so pages that show results mark
exactly the words the catalog matched.

Changing the pipeline of a lexicon that has words in it would leave the
indexes pointing at the old words; :func:`install` and :func:`uninstall`
therefore clear the lexicon and rebuild every ZCTextIndex that uses it.
"""

from functools import lru_cache
from html import escape
from municipality import logger
from municipality.core import relevance
from municipality.core import scorecache
from municipality.core import sitepath
from Products.CMFPlone.UnicodeSplitter.splitter import I18NNormalizer
from Products.CMFPlone.UnicodeSplitter.splitter import Splitter
from Products.ZCTextIndex.PipelineFactory import element_factory

import bisect
import re
import snowballstemmer
import threading
import time
import unicodedata


LEXICON_ID = "plone_lexicon"

# The combining marks of Latin, Greek and Cyrillic text (U+0300–U+036F holds
# every Greek accent and breathing once decomposed) and their supplements.
# Other scripts' marks (Japanese voicing marks, Indic vowel signs) are kept:
# Plone's splitter composes them back (NFKC) into the letters it expects.
_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
_COMBINING = re.compile(f"[{_MARKS}]+")

# A word of folded Greek letters (α–ω; ς never survives folding).
_GREEK_WORD = re.compile("[\u03b1-\u03c9]+")

# Words of the original text, accents and decomposed marks included.
_TEXT_WORD = re.compile(rf"[\w{_MARKS}]+")

_CONSONANTS = frozenset("βγδζθκλμνξπρστφχψ")

# Glob patterns (`αποφαση*`) stem their prefix only from this many letters
# on, and use the stem as a prefix only when it keeps this many letters.
GLOB_MIN_PREFIX = 4
GLOB_MIN_STEM = 4


def fold(text):
    """Return ``text`` without case, accents, breathings or compatibility forms.

    ``fold("Ἀπόφασις ΔΗΜΟΤΙΚΟΥ Μαΐου")`` is ``"αποφασισ δημοτικου μαιου"``.
    Glob characters (``*``, ``?``) and punctuation are kept, so the result
    can still be split and parsed as a query. Folding twice changes nothing.
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFKD", text)
    # Marks go before case folding: casefold() turns the ypogegrammeni
    # (U+0345) into a full iota, and «τῇ» is «τη», not «τηι».
    text = _COMBINING.sub("", text)
    return text.casefold()


# --- Stemming ---------------------------------------------------------------

# Snowball's stemmer objects keep the word being stemmed as state: one per
# thread (Zope serves requests from several).
_local = threading.local()


def _snowball():
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = snowballstemmer.stemmer("greek")
    return stemmer


def _demotic(word):
    """Rewrite a katharevousa ending into the demotic one Snowball knows.

    Each rule was measured against the plain stemmer (see tests/search):

    * ``-σις/-ξις/-ψις`` and ``-σιν/-ξιν/-ψιν`` (απόφασις, πράξιν) → ``-η``:
      Snowball keeps «αποφασισ» apart from «αποφασ»;
    * ``-σεις/-ξεις/-ψεις`` (κρίσεις, εγκρίσεις) → ``-η``: Snowball reads
      some of them as verbs («κρ», «εγκρ»);
    * ``πόλις/πόλιν`` and its compounds (μητρόπολις) → ``-πολη``;
    * ``-ότης`` (κοινότης, ποσότης) → ``-ότητα``, the stem of κοινότητος,
      but not the agent nouns in ``-δότης``/``-πότης`` (εκδότης, δεσπότης);
    * neuter ``-ον`` (συμβούλιον, δημοτικόν, ταμείον) → ``-ο``;
    * feminine accusative ``-ην`` (τακτικήν, Κυριακήν) → ``-η``; not ``-αν``,
      which demotic verbs end in (παραδόθηκαν, αναμενόταν);
    * ``-εύς`` (γραμματεύς) → ``-έας``, the demotic noun;
    * the dative ``-ματι`` (Ἐν Παραδείγματι, καταστήματι) → ``-ματος``;
    * adverbs in ``-ως`` after a consonant (ὁμοφώνως, νομίμως, αμέσως) →
      ``-α``, the demotic adverb (ομόφωνα); ``-εως`` genitives are left to
      Snowball.
    """
    # Folded words end in «σ», never «ς».
    n = len(word)
    if n < 4:
        return word
    end2 = word[-2:]
    if end2 in ("ισ", "ιν"):
        if word[-3] in "σξψ" or word.endswith(("πολισ", "πολιν")):
            return word[:-2] + "η"
    if n < 5:
        return word
    if end2 == "ον":
        return word[:-1]
    if end2 == "ην":
        return word[:-1]
    if n >= 6:
        if word.endswith("εισ") and word[-4] in "σξψ":
            return word[:-3] + "η"
        if word.endswith("οτησ") and not word.endswith(("δοτησ", "ποτησ")):
            return word[:-1] + "τα"
        if word.endswith("ευσ"):
            return word[:-2] + "ασ"
        if word.endswith("ματι"):
            return word[:-1] + "οσ"
        if end2 == "ωσ" and word[-3] in _CONSONANTS:
            return word[:-2] + "α"
    return word


@lru_cache(maxsize=100_000)
def stem(word):
    """The lexicon's term for one folded word.

    Greek words (folded, 3 letters or more) go through :func:`_demotic`, the
    Snowball Greek stemmer, then three rules of ours on the stem: a final
    ``ι`` after a consonant goes (Snowball gives «συμβουλι» for συμβούλιο
    but «συμβουλ» for συμβουλίου), so does a final ``ε`` after a consonant
    («γραμματε» for γραμματέας, «γραμματ» for γραμματέως) and a final
    ``ικ`` («δημοτικ» for δημοτική but «δημοτ» for δημοτικού). Anything
    else — Latin words, numbers, mixed tokens — is returned unchanged.
    """
    if len(word) < 3 or not _GREEK_WORD.fullmatch(word):
        return word
    result = _snowball().stemWord(_demotic(word))
    if not result:
        # Snowball takes some short words for a bare ending («ιδιο», «ειτε»).
        result = word.rstrip("αεηιουω") or word
    if len(result) >= 3 and result[-1] == "ι" and result[-2] in _CONSONANTS:
        result = result[:-1]
    elif len(result) >= 5 and result[-1] == "ε" and result[-2] in _CONSONANTS:
        result = result[:-1]
    if len(result) >= 5 and result.endswith("ικ"):
        result = result[:-2]
    return result or word


# The endings of Greek nouns and adjectives (folded), longest first: what
# :func:`inflection_key` takes off. «-ατος/-ατων/-ατα» only after «μ»: the
# nouns in «-μα» (απόρριμμα, απορρίμματος, απορρίμματα).
_INFLECTIONS = tuple(
    sorted(
        """ατοσ ατων ατα εωσ εων εισ ουσ ου οσ ον οι ο ων ω εσ ησ η ασ α""".split(),
        key=len,
        reverse=True,
    )
)


@lru_cache(maxsize=20_000)
def inflection_key(word):
    """One key for the inflected forms of a folded Greek noun or adjective.

    Lighter than :func:`stem`, for what people read rather than what a
    search matches (the archive's subject-word facets): only the case and
    number ending goes, after :func:`_demotic` has made katharevousa forms
    demotic. «ύδρευση», «ύδρευσης», «Ὕδρευσις», «υδρεύσεως» are
    ``υδρευσ``; «οικισμός», «οικισμού» are ``οικισμ`` and «οικία» ``οικι``
    (Snowball stems all three «οικ»); «οδός», «οδού», «οδών» ``οδ``. At
    least two letters stay. Other words — Latin, numbers, mixed — are
    returned unchanged.
    """
    if len(word) < 4 or not _GREEK_WORD.fullmatch(word):
        return word
    word = _demotic(word)
    for ending in _INFLECTIONS:
        if not word.endswith(ending) or len(word) - len(ending) < 2:
            continue
        rest = word[: -len(ending)]
        if ending.startswith("ατ") and not rest.endswith("μ"):
            continue  # κράτος is κρατ-, not κρ-
        return rest
    return word


def stem_glob(pattern):
    """Stem the prefix of a glob pattern (``αποφαση*`` → ``αποφασ*``).

    Only a trailing ``*`` after at least :data:`GLOB_MIN_PREFIX` Greek letters
    is stemmed. The new prefix is the part the word and its stem share, so
    the pattern never asks for letters the stored term lacks
    (``κοινοτησ*`` → ``κοινοτη*``, which finds «κοινοτητ»). When that shared
    part is shorter than :data:`GLOB_MIN_STEM` letters the word is short and
    complete, and a prefix that short would find hundreds of unrelated words
    (``πολη*`` would become ``πολ*``: πολίτης, πολλά …): the pattern becomes
    the word's exact term (``πολη*`` → ``πολ``). Other patterns
    (``απ?φαση``, ``δημ*``, ``plone*``) are returned unchanged.
    """
    prefix = pattern.rstrip("*")
    if (
        not prefix
        or len(prefix) == len(pattern)
        or "*" in prefix
        or "?" in prefix
        or len(prefix) < GLOB_MIN_PREFIX
        or not _GREEK_WORD.fullmatch(prefix)
    ):
        return pattern
    term = stem(prefix)
    shared = 0
    for a, b in zip(prefix, term, strict=False):
        if a != b:
            break
        shared += 1
    if shared >= GLOB_MIN_STEM:
        return prefix[:shared] + "*"
    if term != prefix:
        return term
    return pattern


def _text(item):
    # Plone's splitter hands words on as bytes when it strips glob characters
    # (process_post_glob); its case normalizer gives str back. Be lenient.
    if isinstance(item, bytes):
        return item.decode("utf-8", "replace")
    return item


# --- Pipeline elements ------------------------------------------------------


class GreekFolder:
    """Lexicon element: :func:`fold` every string, before the splitter."""

    def process(self, lst):
        return [fold(_text(s)) for s in lst]

    processGlob = process
    process_post_glob = process

    def __eq__(self, other):
        # Lexicons compare pipelines on GenericSetup import: equal elements
        # leave the lexicon (and its words) alone.
        return type(other) is type(self)

    def __hash__(self):
        return hash(type(self))


class GreekStemmer:
    """Lexicon element: :func:`stem` every word, after the case normalizer.

    A query passes through the pipeline twice: ``parseTerms`` (here
    ``processGlob``) turns the query's words into terms, then
    ``termToWordIds`` (here ``process_post_glob``) looks those terms up.
    Stemming a stem may shorten it again («αποφασ» → «αποφ»), so the second
    pass leaves the terms as they are.
    """

    def process(self, lst):
        return [stem(_text(w)) for w in lst]

    def processGlob(self, lst):
        result = []
        for word in lst:
            word = _text(word)
            if "*" in word or "?" in word:
                result.append(stem_glob(word))
            else:
                result.append(stem(word))
        return result

    def process_post_glob(self, lst):
        return [_text(w) for w in lst]

    def __eq__(self, other):
        return type(other) is type(self)

    def __hash__(self):
        return hash(type(self))


FOLDING_GROUP = "Greek Folding"
FOLDING_NAME = "Fold case, accents and polytonic marks"
STEMMING_GROUP = "Greek Stemming"
STEMMING_NAME = "Greek stemmer (Snowball, katharevousa forms)"


def _register(group, name, factory):
    try:
        element_factory.registerFactory(group, name, factory)
    except ValueError:
        pass  # already registered (module reloaded)


# The ZMI's «Add Lexicon» form preselects the first name of each group (in
# sorted order): a leading-space «no» choice keeps our elements out of
# lexicons made there unless picked, as ZCTextIndex does for stop words.
_register(FOLDING_GROUP, " No folding", None)
_register(FOLDING_GROUP, FOLDING_NAME, GreekFolder)
_register(STEMMING_GROUP, " No stemming", None)
_register(STEMMING_GROUP, STEMMING_NAME, GreekStemmer)
# Folding gathers every spelling of a word under one term: common terms
# hold most documents, and Okapi scores them in a Python loop; computed
# once per catalog state (:mod:`municipality.core.scorecache`).
scorecache.patch()
# … and the catalog sorted all of them by score for the 25 a page shows
# (:mod:`municipality.core.relevance`).
relevance.patch()
# … and intersected every result with the set of the whole site when a
# query's path is the site root's (:mod:`municipality.core.sitepath`).
sitepath.patch()


# --- Terms, query terms and snippets ----------------------------------------

_SPLITTER = Splitter()
_NORMALIZER = I18NNormalizer()
_FOLDER = GreekFolder()
_STEMMER = GreekStemmer()


def terms(text):
    """The terms the lexicon stores for ``text``, in order (repeats kept).

    ``terms("Η Απόφαση του Δημοτικού Συμβουλίου")`` is
    ``["η", "αποφασ", "τ", "δημοτ", "συμβουλ"]``: fold, Plone's splitter,
    Plone's case normalizer, stem — the pipeline :func:`install` sets.
    """
    if not text:
        return []
    words = _SPLITTER.process([fold(text)])
    words = _NORMALIZER.process([w for w in words if w])
    return _STEMMER.process(words)


_QUERY_TOKEN = re.compile(r'[()]|-?(?:"[^"]*"|[^()\s"]+)')
_OPERATORS = frozenset(("AND", "OR", "NOT"))


def query_terms(query, prefix=False):
    """The terms a catalog query for ``query`` looks for, each once, in order.

    ``query`` is parsed as ZCTextIndex parses ``SearchableText``: operators
    (``AND``, ``OR``, ``NOT``) and parentheses are skipped, words after
    ``NOT`` or with a leading ``-`` are left out (they are not looked for),
    quoted phrases give each of their words. Globs keep their ``*``
    (``αποφαση*`` → ``αποφασ*``). With ``prefix=True`` every word is taken
    as if it ended in ``*``, as Plone's ``@@search`` sends it.
    """
    if not query:
        return []
    result = []
    seen = set()
    negate_next = False
    for token in _QUERY_TOKEN.findall(query):
        upper = token.upper()
        if upper in _OPERATORS:
            negate_next = upper == "NOT"
            continue
        if token in ("(", ")"):
            continue
        negated = negate_next or token.startswith("-")
        negate_next = False
        if negated:
            continue
        phrase = token.startswith('"')
        for word in _query_words(token.strip('"'), prefix and not phrase):
            if word not in seen:
                seen.add(word)
                result.append(word)
    return result


def _query_words(text, prefix):
    words = _SPLITTER.processGlob(_FOLDER.processGlob([text]))
    words = _NORMALIZER.process([w for w in words if w])
    if prefix:
        words = [w if w.endswith("*") else w + "*" for w in words]
    return _STEMMER.processGlob(words)


@lru_cache(maxsize=50_000)
def _token_terms(token):
    return tuple(terms(token))


class _Matcher:
    """Tells whether a word of a text matches one of a query's terms."""

    def __init__(self, qterms):
        self.exact = {}
        globs = []
        for index, term in enumerate(qterms):
            if "*" in term or "?" in term:
                globs.append((index, _glob_regex(term)))
            else:
                self.exact.setdefault(term, index)
        self.globs = globs

    def __bool__(self):
        return bool(self.exact or self.globs)

    def match(self, token):
        """The index of the query term ``token`` matches, or None."""
        for term in _token_terms(token):
            index = self.exact.get(term)
            if index is not None:
                return index
            for index, regex in self.globs:
                if regex.fullmatch(term):
                    return index
        return None


def _glob_regex(pattern):
    return re.compile(
        "".join(
            ".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern
        )
    )


def highlight(text, query, max_snippets=3, width=160, prefix=False):
    """Snippets of ``text`` around the words that match ``query``.

    A word matches when its term is one of :func:`query_terms` (so case,
    accents, polytonic marks and inflection do not matter, and ``word*``
    matches by prefix). Each snippet is about ``width`` characters, cut at
    word boundaries, HTML-escaped, with the matched words — as written in
    ``text`` — wrapped in ``<mark>…</mark>`` and ``…`` where text was cut.
    The best snippets come first: the most distinct query terms, then the
    most matches, then the earliest. No match gives ``[]``.
    """
    if not text or not query or max_snippets < 1:
        return []
    matcher = _Matcher(query_terms(query, prefix=prefix))
    if not matcher:
        return []
    matches = []  # (start, end, query term index)
    for found in _TEXT_WORD.finditer(text):
        index = matcher.match(found.group())
        if index is not None:
            matches.append((found.start(), found.end(), index))
    if not matches:
        return []

    width = max(int(width), 20)
    length = len(text)
    starts = [m[0] for m in matches]
    lead = width // 5
    candidates = []
    for i, (start, _end, _index) in enumerate(matches):
        begin = max(0, min(start - lead, length - width))
        stop = begin + width
        first = bisect.bisect_left(starts, begin)
        inside = [m for m in matches[first:] if m[0] >= begin and m[1] <= stop]
        if not inside:  # a single word longer than the window
            inside = [matches[i]]
            stop = matches[i][1]
        distinct = len({m[2] for m in inside})
        candidates.append(((-distinct, -len(inside), begin), begin, stop, inside))
    candidates.sort(key=lambda c: c[0])

    chosen = []
    for _key, begin, stop, inside in candidates:
        if any(begin < c_stop and c_begin < stop for c_begin, c_stop, _ in chosen):
            continue
        chosen.append((begin, stop, inside))
        if len(chosen) >= max_snippets:
            break
    return [_snippet(text, begin, stop, inside) for begin, stop, inside in chosen]


_SPACE = re.compile(r"\s+")


def _snippet(text, begin, stop, inside):
    # Cut at word boundaries, never inside the first or last matched word.
    if begin > 0 and _TEXT_WORD.match(text, begin - 1):
        boundary = re.compile(r"\W").search(text, begin, inside[0][0])
        begin = boundary.end() if boundary else inside[0][0]
    if stop < len(text) and _TEXT_WORD.match(text, stop):
        cut = stop
        while cut > inside[-1][1] and _TEXT_WORD.match(text, cut - 1):
            cut -= 1
        stop = cut
    parts = []
    position = begin
    for start, end, _index in inside:
        parts.append(escape(_SPACE.sub(" ", text[position:start]), quote=False))
        parts.append(f"<mark>{escape(text[start:end], quote=False)}</mark>")
        position = end
    parts.append(escape(_SPACE.sub(" ", text[position:stop]), quote=False))
    html = "".join(parts).strip()
    if begin > 0:
        html = "…" + html
    if stop < len(text):
        html = html + "…"
    return html


# --- Installing into plone_lexicon -----------------------------------------


def _lexicon(site):
    catalog = site.portal_catalog
    return catalog, catalog._getOb(LEXICON_ID)


def is_installed(site):
    """Whether ``plone_lexicon`` folds and stems Greek."""
    _catalog, lexicon = _lexicon(site)
    return _is_ours(lexicon._pipeline)


def _is_ours(pipeline):
    return (
        len(pipeline) >= 2
        and isinstance(pipeline[0], GreekFolder)
        and isinstance(pipeline[-1], GreekStemmer)
    )


def _others(pipeline):
    return [e for e in pipeline if not isinstance(e, GreekFolder | GreekStemmer)]


def install(site, force=False):
    """Make ``plone_lexicon`` fold and stem Greek; rebuild its indexes.

    The pipeline becomes: Greek folding, the lexicon's own elements in their
    order (on a stock site Plone's «Unicode Whitespace splitter» and
    «Unicode Ignoring Accents Case Normalizer»), Greek stemming. The
    lexicon's words are cleared and every ZCTextIndex using it (``Title``,
    ``Description``, ``SearchableText``) is rebuilt from the objects. Does
    nothing when the pipeline is already ours, unless ``force``. Returns the
    number of objects reindexed (None when nothing was done).
    """
    _catalog, lexicon = _lexicon(site)
    if _is_ours(lexicon._pipeline) and not force:
        logger.info("Greek search: %s already folds Greek", LEXICON_ID)
        return None
    others = _others(lexicon._pipeline) or [Splitter(), I18NNormalizer()]
    lexicon._pipeline = (GreekFolder(), *others, GreekStemmer())
    return rebuild(site)


def uninstall(site):
    """Give ``plone_lexicon`` back its own pipeline; rebuild its indexes."""
    _catalog, lexicon = _lexicon(site)
    if not any(isinstance(e, GreekFolder | GreekStemmer) for e in lexicon._pipeline):
        return None
    others = _others(lexicon._pipeline) or [Splitter(), I18NNormalizer()]
    lexicon._pipeline = tuple(others)
    return rebuild(site)


def text_indexes(site):
    """The ids of the ZCTextIndexes that use ``plone_lexicon``."""
    catalog = site.portal_catalog
    return sorted(
        index.getId()
        for index in catalog.getIndexObjects()
        if index.meta_type == "ZCTextIndex"
        and getattr(index, "lexicon_id", None) == LEXICON_ID
    )


def rebuild(site, savepoint_every=1000):
    """Clear ``plone_lexicon`` and rebuild its indexes in one pass.

    One pass over the catalog: each object is woken once and its three
    texts indexed again (as ZCatalog's ``manage_reindexIndex`` does, but for
    the three indexes at once). Metadata and other indexes are untouched.
    A savepoint every ``savepoint_every`` objects keeps memory flat on large
    sites. Returns the number of objects reindexed.
    """
    from Products.CMFCore.indexing import processQueue

    import transaction

    # Objects created or changed earlier in this transaction may still wait
    # in the indexing queue: catalog them first, or the pass would miss them.
    processQueue()
    catalog, lexicon = _lexicon(site)
    names = text_indexes(site)
    lexicon.clear()
    for name in names:
        catalog._catalog.getIndex(name).clear()
    paths = list(catalog._catalog.uids.keys())
    began = time.monotonic()
    count = 0
    for count, path in enumerate(paths, 1):
        obj = catalog.resolve_path(path)
        if obj is None:
            logger.warning("Greek search: cannot reach %s to reindex it", path)
            continue
        catalog.catalog_object(obj, path, idxs=names, update_metadata=0)
        if count % savepoint_every == 0:
            transaction.savepoint(optimistic=True)
            site._p_jar.cacheGC()
            logger.info(
                "Greek search: reindexed %d of %d objects (%.0f s)",
                count,
                len(paths),
                time.monotonic() - began,
            )
    logger.info(
        "Greek search: %s rebuilt for %d objects in %.1f s (%s); %d words",
        ", ".join(names),
        count,
        time.monotonic() - began,
        LEXICON_ID,
        lexicon.length(),
    )
    return count
