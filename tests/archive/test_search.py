"""The archive's search engine (``municipality.archive.search``): every
spelling, filters, facets counted against a brute-force count, orderings,
batching, snippets and the page of the first match, what anonymous visitors
may find, and the parameters it refuses."""

from .search_helpers import add
from .search_helpers import day
from .search_helpers import ingest
from collections import Counter
from municipality.archive import corpus
from municipality.archive import indexers
from municipality.archive import search
from municipality.core.textindex import highlight
from municipality.core.textindex import query_terms
from municipality.core.textindex import terms
from plone import api

import pytest
import random


def run(portal, **form):
    return search.run(portal, search.parse(form))


def uids(results):
    return {hit.uid for hit in results.hits}


# -- spellings --------------------------------------------------------------------


def test_every_spelling_finds_the_same_decisions(portal):
    monotonic = add(1, 1990, "Η ανάπλαση της πλατείας εγκρίθηκε.")
    capitals = add(2, 1970, "ΑΝΑΠΛΑΣΙΣ ΤΗΣ ΠΛΑΤΕΙΑΣ ΤΟΥ ΔΗΜΟΥ")
    polytonic = add(3, 1960, "Ἡ ἀνάπλασις τῆς πλατείας ἐνεκρίθη ὁμοφώνως.")
    genitive = add(4, 1975, "Μελέτη αναπλάσεως της παραλίας.")
    add(5, 1990, "Η ύδρευση της Κάτω Πόλης.")
    expected = {d.UID() for d in (monotonic, capitals, polytonic, genitive)}
    for q in ("ανάπλαση", "αναπλαση", "ΑΝΑΠΛΑΣΗ", "Ανάπλασης", "ἀνάπλασις", "ΑΝΆΠΛΑΣΗ"):
        results = run(portal, q=q)
        assert results.total == 4, q
        assert uids(results) == expected, q


def test_several_words_must_all_be_there(portal):
    both = add(1, 1985, "Επέκταση του δημοτικού κοιμητηρίου στη θέση Λόφος.")
    add(2, 1985, "Καθαρισμός του κοιμητηρίου της κοινότητας.")
    add(3, 1985, "Επισκευή του δημοτικού σχολείου.")
    for q in (
        "δημοτικό κοιμητήριο",
        "ΔΗΜΟΤΙΚΟ ΚΟΙΜΗΤΗΡΙΟ",
        "κοιμητηριο δημοτικου",
        "δημοτικοῦ κοιμητηρίου",
        '"δημοτικού κοιμητηρίου"',
    ):
        results = run(portal, q=q)
        assert uids(results) == {both.UID()}, q


def test_operators_and_punctuation_are_not_syntax(portal):
    add(1, 1985, "Η πρόταση του Δημάρχου και των συμβούλων.")
    # «and», «or», «not» are words here, never operators.
    assert run(portal, q="not").total == 0
    assert run(portal, q="συμβούλων AND OR").total == 0
    assert run(portal, q="(συμβούλων").total == 1
    assert run(portal, q='"συμβούλων').total == 1
    # Nothing to look for: a notice, no results, no error.
    results = run(portal, q="!!! ;;")
    assert results.total == 0
    assert results.notice == search.MSG_Q_EMPTY


# -- filters, facets and counts -----------------------------------------------------

WORDS = ("ύδρευση", "ηλεκτροφωτισμός", "σχολείο", "οδοποιία", "κοιμητήριο")
SUBJECTS = (
    "Έγκριση προϋπολογισμού",
    "Επέκταση δικτύου ύδρευσης",
    "Ηλεκτροφωτισμός οδών",
    "Επισκευή σχολείου",
    "Ασφαλτόστρωση οδών",
    "Μίσθωση ακινήτου για σχολείο",
)
STATES = ("published",) * 5 + ("ingested", "reviewed", "withheld")


@pytest.fixture
def dataset(portal):
    """Forty decisions over 1951–2008, of every state; returns them."""
    rng = random.Random(6)
    decisions = []
    for number in range(1, 41):
        year = rng.randint(1951, 2008)
        words = rng.sample(WORDS, rng.randint(1, 3))
        text = f"Το Δημοτικό Συμβούλιο αποφασίζει για {' και '.join(words)}."
        if rng.random() < 0.3:
            text = text.upper()
        decisions.append(
            add(
                number,
                year,
                text,
                subject=rng.choice(SUBJECTS),
                meeting_date=day(year, rng.randint(1, 12), rng.randint(1, 28)),
                state=rng.choice(STATES),
            )
        )
    return decisions


def brute_force(decisions, q="", year=None, decade=None, terms_=()):
    """The published decisions that match, found the slow way: the
    lexicon's terms of each decision's searchable text."""
    wanted = set(query_terms(q)) if q else set()
    found = []
    for decision in decisions:
        if api.content.get_state(decision) != "published":
            continue
        if wanted and not wanted <= set(terms(indexers.searchable_text(decision))):
            continue
        subject_terms = indexers.subject_terms(decision.subject)
        if any(
            search.inflection_key(search.fold(term)) not in subject_terms
            for term in terms_
        ):
            continue
        found.append(decision)
    free = found
    if year is not None:
        found = [d for d in found if d.year == year]
    elif decade is not None:
        found = [d for d in found if d.year // 10 * 10 == decade]
    return free, found


def facet(results, name):
    return {value.value: value.count for value in results.facets[name]}


@pytest.mark.parametrize(
    "form",
    [
        {"decade": "1990"},
        {"q": "υδρευση"},
        {"q": "ΣΧΟΛΕΙΟ"},
        {"q": "ύδρευση σχολείο"},
        {"q": "σχολείο", "decade": "1970"},
        {"q": "αποφασιζει", "year": "1988"},
        {"term": "εγκριση"},
        {"q": "οδοποιία", "term": "οδων"},
    ],
)
def test_totals_and_facets_match_a_brute_force_count(portal, dataset, form):
    results = run(portal, **form)
    year = int(form["year"]) if "year" in form else None
    decade = int(form["decade"]) if "decade" in form else None
    terms_ = (form["term"],) if "term" in form else ()
    free, found = brute_force(dataset, form.get("q", ""), year, decade, terms_)

    assert results.total == len(found)
    if len(found) <= 20:  # one page holds them all
        assert uids(results) == {d.UID() for d in found}
    else:
        assert len(results.hits) == 20
        assert uids(results) < {d.UID() for d in found}
    # Decades and years are counted before the time filters: one can move
    # to another decade; years shown are those of the chosen decade.
    assert facet(results, "decade") == Counter(d.year // 10 * 10 for d in free)
    chosen = year // 10 * 10 if year else decade
    if chosen is None:  # the years with the most results
        counts = Counter(d.year for d in free)
        top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        assert facet(results, "year") == dict(top[: search.TOP_YEARS])
    else:
        years = Counter(d.year for d in free if d.year // 10 * 10 == chosen)
        assert facet(results, "year") == years
    # Subject words are counted in the result itself.
    words = Counter(w for d in found for w in indexers.subject_terms(d.subject))
    shown = {v.value: v.count for v in results.facets["term"] if not v.active}
    for term in terms_:
        words.pop(search.inflection_key(search.fold(term)), None)
    assert shown == dict(words.most_common(search.TOP_TERMS)) or (
        len(words) > search.TOP_TERMS and set(shown.values()) <= set(words.values())
    )
    active = [v for v in results.facets["term"] if v.active]
    assert [(v.value, v.count) for v in active] == [(t, len(found)) for t in terms_]


def test_subject_words_counted_with_bit_masks(portal, dataset, monkeypatch):
    # A large result is counted with a bit mask a word (search.MASKS_FROM
    # decisions or more); here every result is, to the same counts.
    catalog = api.portal.get_tool("portal_catalog")
    index = catalog._catalog.getIndex(search.TERMS_INDEX)
    base = search._base(catalog, portal.archive)
    rids = list(base.rids)
    assert len(rids) > 10
    monkeypatch.setattr(search, "MASKS_FROM", 0)
    rng = random.Random(3)
    for size in range(len(rids) + 1):  # the result, then the rest, the smaller
        rs = search.IITreeSet(rng.sample(rids, size))
        expected = +search._count_keywords(index._unindex, rs)
        assert search._count_terms(base, rs, index) == expected, size
    # Through a search: the same facet as counted decision by decision.
    for form in ({"decade": "1990"}, {"q": "σχολείο"}, {"term": "εγκριση"}):
        masked = run(portal, **form).facets["term"]
        monkeypatch.setattr(search, "MASKS_FROM", 10**9)
        search.clear_cache()
        assert run(portal, **form).facets["term"] == masked, form
        monkeypatch.setattr(search, "MASKS_FROM", 0)
        search.clear_cache()


def test_top_years_without_a_decade(portal, dataset):
    results = run(portal, q="δημοτικό")
    free, _found = brute_force(dataset, "δημοτικό")
    counts = Counter(d.year for d in free)
    shown = [(v.value, v.count) for v in results.facets["year"]]
    assert len(shown) == min(search.TOP_YEARS, len(counts))
    assert [n for _y, n in shown] == sorted(counts.values(), reverse=True)[: len(shown)]
    for value, number in shown:
        assert counts[value] == number


def test_subject_words_read_as_written(portal):
    add(1, 1987, "Κείμενο.", subject="Έγκριση του προϋπολογισμού του 1987")
    add(2, 1988, "Κείμενο.", subject="Τροποποίηση προϋπολογισμού")
    add(3, 1958, "Κείμενο.", subject="Ψήφισις τοῦ Προϋπολογισμοῦ")
    add(4, 1989, "Κείμενο.", subject="Ο προϋπολογισμός του 1990")
    results = run(portal, q="κείμενο")
    labels = {v.value: v.title for v in results.facets["term"]}
    # Every form of the word is one subject word, shown as a decision of
    # the result writes it.
    assert labels["προυπολογισμ"] in ("προϋπολογισμού", "προϋπολογισμός")
    assert labels["εγκρισ"] == "έγκριση"
    counts = {v.value: v.count for v in results.facets["term"]}
    assert counts["προυπολογισμ"] == 4
    assert counts["εγκρισ"] == 1
    # The facet's value narrows to the four.
    assert run(portal, q="κείμενο", term="προυπολογισμ").total == 4
    # A word typed by hand, in any form, is folded and stemmed to the
    # index's form; so is a link made when the words were only folded.
    assert run(portal, q="κείμενο", term="Τροποποίηση").total == 1
    assert run(portal, q="κείμενο", term="ΠΡΟΫΠΟΛΟΓΙΣΜΟΣ").total == 4
    assert run(portal, q="κείμενο", term="προυπολογισμου").total == 4


def test_the_base_counts_hold_when_most_decisions_match(portal, dataset):
    """Counting what is not in the result (the result is most of the
    archive) gives the same as counting the result."""
    everything = run(portal, q="δημοτικό")
    free, found = brute_force(dataset, "δημοτικό")
    assert everything.total == len(found) == len(free)
    assert facet(everything, "decade") == Counter(d.year // 10 * 10 for d in free)
    words = Counter(w for d in found for w in indexers.subject_terms(d.subject))
    shown = {v.value: v.count for v in everything.facets["term"]}
    assert shown == dict(words.most_common(search.TOP_TERMS))


# -- ordering and batching ------------------------------------------------------------


def _key(decision):
    return (decision.meeting_date, search.number_key(decision.number))


@pytest.mark.parametrize("walk", [False, True])
def test_date_orderings_and_batches(portal, dataset, monkeypatch, walk):
    # Small results are sorted; large ones ordered by walking the date
    # index (forced here): both give the same order.
    monkeypatch.setattr(search, "_walk", lambda size, count, base_size: walk)
    _free, found = brute_force(dataset)
    newest = sorted(found, key=_key, reverse=True)
    oldest = sorted(found, key=_key)
    for sort, expected in (("date", newest), ("date_asc", oldest)):
        seen = []
        for start in range(0, len(found) + 7, 7):
            page = run(portal, sort=sort, b_start=str(start), b_size="7")
            assert page.total == len(found)
            seen.extend(hit.uid for hit in page.hits)
        assert seen == [d.UID() for d in expected], sort


def test_same_day_by_number_and_undated_last(portal):
    a = add("12", 1987, "σύσκεψη", meeting_date=day(1987, 5, 4))
    b = add("3", 1987, "σύσκεψη", meeting_date=day(1987, 5, 4))
    c = add("3Α", 1987, "σύσκεψη", meeting_date=day(1987, 5, 4))
    d = add("1", 1986, "σύσκεψη", meeting_date=day(1986, 1, 9))
    undated = add(None, None, "σύσκεψη")
    oldest = run(portal, q="σύσκεψη", sort="date_asc")
    assert [h.uid for h in oldest.hits] == [x.UID() for x in (d, b, c, a, undated)]
    newest = run(portal, q="σύσκεψη", sort="date")
    assert [h.uid for h in newest.hits] == [x.UID() for x in (a, c, b, d, undated)]


def test_relevance_puts_the_most_matches_first(portal):
    once = add(1, 1990, "Η ανακύκλωση συζητήθηκε. " + "Λοιπά θέματα. " * 30)
    often = add(2, 1980, "Ανακύκλωση: πρόγραμμα ανακύκλωσης, κάδοι ανακύκλωσης.")
    results = run(portal, q="ανακυκλωση")
    assert [h.uid for h in results.hits] == [often.UID(), once.UID()]
    assert results.query.order == "relevance"
    by_date = run(portal, q="ανακυκλωση", sort="date")
    assert [h.uid for h in by_date.hits] == [once.UID(), often.UID()]
    # Without words, relevance means nothing: by date.
    assert search.parse({"sort": "relevance"}).order == "date"


def test_relevance_is_the_catalog_s_order_ties_included(portal):
    # Equal texts score alike: the order among them is the catalog's own
    # (score, then record id, both descending), page after page.
    for number in range(1, 31):
        text = "Η ανακύκλωση." if number % 3 else "Η ανακύκλωση και η ανακύκλωση."
        add(number, 1990, text)
    brains = portal.portal_catalog(
        SearchableText="ανακυκλωση", portal_type="HistoricalDecision"
    )
    expected = [brain.UID for brain in brains]
    assert len(expected) == 30
    shown = []
    for b_start in (0, 10, 20):
        results = run(portal, q="ανακυκλωση", b_start=str(b_start), b_size="10")
        shown += [hit.uid for hit in results.hits]
    assert shown == expected


# -- snippets and pages ---------------------------------------------------------------


def test_snippets_mark_the_words_as_written(portal):
    add(
        1,
        1965,
        "Συνεδρίασις. Ἡ ΑΠΟΦΑΣΙΣ ἐλήφθη. Ἐγένετο δεκτὴ ἡ ἀπόφασις τοῦ Δημάρχου.",
    )
    results = run(portal, q="αποφαση")
    (hit,) = results.hits
    text = " ".join(hit.snippets)
    assert "<mark>ΑΠΟΦΑΣΙΣ</mark>" in text
    assert "<mark>ἀπόφασις</mark>" in text
    assert "Συνεδρίασις" in text  # the words around, unmarked
    assert "<mark>Συνεδρίασις</mark>" not in text


def test_html_in_the_text_is_escaped_in_snippets(portal):
    add(1, 1999, 'Θέμα <script>alert("x")</script> & <b>ανάπλαση</b> της πλατείας')
    (hit,) = run(portal, q="ανάπλαση").hits
    snippet = hit.snippets[0]
    assert "<script>" not in snippet
    assert "&lt;script&gt;" in snippet
    assert "<mark>ανάπλαση</mark>" in snippet
    assert "&amp;" in snippet


def test_page_of_the_first_match_and_its_thumbnail(portal):
    decision = ingest(
        7,
        1984,
        [
            "Πρώτη σελίδα: παρόντες.",
            "Δεύτερη σελίδα: συζήτηση.",
            "Τρίτη: η ΔΕΝΔΡΟΦΥΤΕΥΣΗ.",
        ],
        subject="Πρασινο",
        meeting_date=day(1984, 2, 1),
    )
    (hit,) = run(portal, q="δενδροφύτευση").hits
    assert hit.uid == decision.UID()
    assert hit.page == 3
    assert hit.pages == 3
    assert hit.thumbnail == f"{decision.absolute_url()}/@@page/3/thumbnail"
    assert hit.link.startswith(f"{decision.absolute_url()}?")
    assert "page=3" in hit.link
    assert "q=%CE%B4" in hit.link  # the words, URL-encoded
    assert "<mark>ΔΕΝΔΡΟΦΥΤΕΥΣΗ</mark>" in hit.snippets[0]
    # Without words: page 1, no snippets, a plain link.
    (plain,) = run(portal, year="1984").hits
    assert (plain.page, plain.snippets, plain.link) == (1, [], decision.absolute_url())
    assert plain.number == "7"
    assert plain.year == 1984
    assert plain.meeting_date == day(1984, 2, 1)


def test_fast_snippets_are_those_of_highlight_on_the_whole_text():
    """What the pages show is what core's highlight() gives reading the
    whole text, only found faster."""
    texts = ["\f".join(d["pages"]) for d in corpus.generate(60, seed=11)]
    rng = random.Random(3)
    vocabulary = sorted({w for t in texts for w in t.split() if len(w) > 4})
    queries = [
        "απόφαση",
        "ΔΗΜΟΤΙΚΟ ΣΥΜΒΟΥΛΙΟ",
        "ὁμοφώνως",
        "προϋπολογισμού",
        "1987",
        "αποφασ*",
        *rng.sample(vocabulary, 25),
    ]
    compared = 0
    for q in queries:
        for text in texts:
            full = highlight(text, q)
            if not full:
                continue
            shown, page = search.snippets(text, q)
            assert shown == full, q
            pages = text.split("\f")
            first = next(i for i, p in enumerate(pages, 1) if highlight(p, q, 1))
            assert page == first, q
            compared += 1
    assert compared > 100


# -- who sees what --------------------------------------------------------------------


def test_only_published_decisions_are_found(portal):
    shown = add(1, 1980, "Η ανάπλαση της πλατείας.", state="published")
    for state in ("ingested", "reviewed", "withheld"):
        add(2, 1980, "Η ανάπλαση της πλατείας.", state=state)
    # Staff (here a Manager) see the public search too: published only.
    with api.env.adopt_roles(["Manager"]):
        assert uids(run(portal, q="ανάπλαση")) == {shown.UID()}
    from plone.app.testing import logout

    logout()
    results = run(portal, q="ανάπλαση")
    assert uids(results) == {shown.UID()}
    assert facet(results, "decade") == {1980: 1}
    browse = run(portal, decade="1980")
    assert browse.total == 1


def test_a_retracted_decision_disappears(portal):
    from plone.app.testing import login
    from plone.app.testing import logout
    from plone.app.testing import TEST_USER_NAME

    decision = add(1, 1980, "Η ανάπλαση της πλατείας.")
    logout()
    assert run(portal, q="ανάπλαση").total == 1
    login(portal, TEST_USER_NAME)
    with api.env.adopt_roles(["Manager"]):
        api.content.transition(obj=decision, transition="retract")
    logout()
    assert run(portal, q="ανάπλαση").total == 0


# -- parameters -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"year": "abc"}, "year"),
        ({"year": "1987.5"}, "year"),
        ({"year": "12"}, "year"),
        ({"decade": "1985"}, "decade"),
        ({"decade": "x"}, "decade"),
        ({"sort": "x"}, "sort"),
        ({"b_size": "101"}, "b_size"),
        ({"b_size": "0"}, "b_size"),
        ({"b_start": "-1"}, "b_start"),
        ({"b_start": "many"}, "b_start"),
        ({"q": "α" * 201}, "q"),
        ({"q": " ".join(["λέξη"] * 13)}, "q"),
        ({"term": ["λέξη"] * 1 + [f"λ{i}" for i in range(11)]}, "term"),
        ({"term": "λ" * 61}, "term"),
        ({"year": ["1987", "1988"]}, "year"),
    ],
)
def test_bad_parameters_are_refused_by_name(form, field):
    with pytest.raises(search.QueryError) as error:
        search.parse(form, b_size=20)
    assert [name for name, _message in error.value.errors] == [field]


def test_every_bad_parameter_is_named_at_once():
    with pytest.raises(search.QueryError) as error:
        search.parse({"year": "abc", "sort": "x", "b_size": "500"}, b_size=20)
    assert [name for name, _message in error.value.errors] == ["year", "sort", "b_size"]


def test_good_parameters():
    query = search.parse(
        {
            "q": "  Ἀπόφασις   δημάρχου ",
            "year": "1987",
            "decade": "1950",
            "term": ["εγκριση", "εγκριση", ""],
            "sort": "date_asc",
            "b_start": "40",
            "b_size": "10",
        },
        b_size=20,
    )
    assert query.q == "Ἀπόφασις δημάρχου"
    assert (query.year, query.decade) == (1987, 1980)  # the year's decade wins
    assert query.terms == ("εγκριση",)
    assert (query.sort, query.b_start, query.b_size) == ("date_asc", 40, 10)
    assert search.parse({}, b_size=20) == search.ArchiveQuery(b_size=20)
