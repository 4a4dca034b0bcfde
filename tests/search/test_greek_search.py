"""Greek search site-wide: the catalog, Plone's @@search and plone.restapi's @search.

Every spelling of a word — case, accents, diaeresis, final sigma, polytonic
marks, katharevousa endings — finds the same documents, in ``Title``,
``Description`` and ``SearchableText``.
"""

from municipality.core import textindex
from plone import api
from plone.app.textfield.value import RichTextValue
from Products.CMFPlone.UnicodeSplitter.splitter import I18NNormalizer
from Products.CMFPlone.UnicodeSplitter.splitter import Splitter

import pytest
import requests
import transaction


TIMEOUT = 30

DOCUMENTS = {
    "decision": (
        "Απόφαση 12/1985 του Δημοτικού Συμβουλίου",
        "Ύδρευση οικισμών",
        "<p>Η απόφαση για την ύδρευση ελήφθη στη συνεδρίαση της 5ης Μαΐου.</p>",
    ),
    "polytonic": (
        "Ἡ ἀπόφασις τοῦ Κοινοτικοῦ Συμβουλίου",
        "",
        "<p>Περὶ ὑδρεύσεως τῆς Κοινότητος, τῇ 3ῃ Μαρτίου 1961.</p>",
    ),
    "capitals": (
        "ΑΠΟΦΑΣΕΙΣ ΤΗΣ ΕΠΙΤΡΟΠΗΣ",
        "Πρωτεΐνη στα σχολικά γεύματα",
        "<p>ΣΧΟΛΙΚΑ ΓΕΥΜΑΤΑ ΚΑΙ ΠΡΩΤΕΪΝΗ.</p>",
    ),
    "minutes": (
        "Πρακτικά συνεδρίασης",
        "",
        "<p>Στα πρακτικά καταχωρίστηκε η απόφαση αριθ. 7.</p>",
    ),
    "lighting": (
        "Φωτισμός οδών",
        "",
        "<p>Ο δήμος αναθέτει τον δημοτικό φωτισμό στο συμβούλιο της πόλης.</p>",
    ),
    "plone": (
        "Plone in the municipality",
        "",
        "<p>The PLONE content management system.</p>",
    ),
}


def _create(portal, publish=False):
    with api.env.adopt_roles(["Manager"]):
        for id_, (title, description, html) in DOCUMENTS.items():
            document = api.content.create(
                container=portal,
                type="Document",
                id=id_,
                title=title,
                description=description,
                text=RichTextValue(html, "text/html", "text/x-html-safe"),
            )
            if publish:
                api.content.transition(document, "publish")


def _found(portal, **query):
    catalog = portal.portal_catalog
    ids = {b.getId for b in catalog.unrestrictedSearchResults(**query)}
    return ids & set(DOCUMENTS)


@pytest.fixture
def site(portal):
    _create(portal)
    return portal


ALL_DECISIONS = {"decision", "polytonic", "capitals", "minutes"}


SPELLINGS = ["αποφαση", "ΑΠΟΦΑΣΗ", "απόφαση", "ἀπόφασις", "αποφάσεως", "Αποφάσεις"]

WORDS_AND_PHRASES = [
    # Both words, anywhere: «δημοτικό φωτισμό στο συμβούλιο» too.
    ("δημοτικο συμβουλιο", {"decision", "lighting"}),
    ("ΔΗΜΟΤΙΚΟΥ ΣΥΜΒΟΥΛΙΟΥ", {"decision", "lighting"}),
    ("δημοτικό* AND συμβούλιο*", {"decision", "lighting"}),
    # The phrase: one after the other.
    ('"δημοτικό συμβούλιο"', {"decision"}),
    ('"Δημοτικού Συμβουλίου"', {"decision"}),
    ("συμβουλιο", {"decision", "polytonic", "lighting"}),
    ("συμβουλιο AND NOT δημοτικο", {"polytonic"}),
]

LETTERS = [
    ("Μαιου", {"decision"}),
    ("ΜΑΪΟΥ", {"decision"}),
    ("μάιος", {"decision"}),
    ("πρωτεΐνη", {"capitals"}),
    ("πρωτεϊνη", {"capitals"}),
    ("ΠΡΩΤΕΙΝΗ", {"capitals"}),
    ("ΔΗΜΟΣ", {"lighting"}),
    ("δημοσ", {"lighting"}),  # typed without the final sigma form
    ("επιτροπης", {"capitals"}),  # final sigma in the query, capitals in text
    ("υδρευση", {"decision", "polytonic"}),
    ("ὑδρεύσεως", {"decision", "polytonic"}),
    ("κοινοτητα", {"polytonic"}),
    ("Plone", {"plone"}),
    ("plone", {"plone"}),
    ("PLONE management", {"plone"}),
]

# One site per test function (creating the documents is the slow part), each
# query checked on its own with its name in the message.


def test_every_spelling_finds_every_form(site):
    for query in SPELLINGS:
        assert _found(site, SearchableText=query) == ALL_DECISIONS, query


def test_several_words_and_phrases(site):
    for query, expected in WORDS_AND_PHRASES:
        assert _found(site, SearchableText=query) == expected, query


def test_diaeresis_final_sigma_polytonic_and_latin(site):
    for query, expected in LETTERS:
        assert _found(site, SearchableText=query) == expected, query


def test_title_and_description_fold_too(site):
    assert _found(site, Title="αποφαση") == {"decision", "polytonic", "capitals"}
    assert _found(site, Title="ΣΥΜΒΟΥΛΙΟ") == {"decision", "polytonic"}
    assert _found(site, Description="πρωτεινη") == {"capitals"}
    assert _found(site, Description="υδρευση") == {"decision"}


def test_stock_lexicon_does_not_fold_and_ours_does(site):
    """Proves the search tests can fail: Plone's pipeline misses these."""
    lexicon = site.portal_catalog.plone_lexicon
    assert textindex.uninstall(site) >= len(DOCUMENTS)
    assert [type(e) for e in lexicon._pipeline] == [Splitter, I18NNormalizer]
    assert not textindex.is_installed(site)
    assert _found(site, SearchableText="αποφαση") == set()
    assert _found(site, SearchableText="δημοτικο συμβουλιο") == set()
    assert _found(site, SearchableText="απόφαση") == {"decision", "minutes"}

    assert textindex.install(site) >= len(DOCUMENTS)
    assert [type(e) for e in lexicon._pipeline] == [
        textindex.GreekFolder,
        Splitter,
        I18NNormalizer,
        textindex.GreekStemmer,
    ]
    assert _found(site, SearchableText="αποφαση") == ALL_DECISIONS
    assert _found(site, Title="αποφαση") == {"decision", "polytonic", "capitals"}


def test_install_is_idempotent(site):
    lexicon = site.portal_catalog.plone_lexicon
    words = lexicon.length()
    pipeline = lexicon._pipeline
    assert textindex.install(site) is None
    assert lexicon._pipeline is pipeline
    assert lexicon.length() == words > 0
    assert textindex.install(site, force=True) >= len(DOCUMENTS)
    assert _found(site, SearchableText="αποφαση") == ALL_DECISIONS
    assert textindex.text_indexes(site) == ["Description", "SearchableText", "Title"]


def test_lexicon_stores_the_shared_terms(site):
    from Products.CMFCore.indexing import processQueue

    processQueue()
    lexicon = site.portal_catalog.plone_lexicon
    for term in textindex.terms(DOCUMENTS["polytonic"][0]):
        assert lexicon.get_wid(term), term
    assert not lexicon.get_wid("ἀπόφασις")
    assert not lexicon.get_wid("απόφαση")


def test_genericsetup_exports_the_pipeline(site):
    """The elements are registered at start-up: the catalog exports."""
    setup_tool = site.portal_setup
    result = setup_tool.runExportStep("catalog")
    tarball = result["tarball"]
    import io
    import tarfile

    with tarfile.open(fileobj=io.BytesIO(tarball)) as archive:
        xml = archive.extractfile("catalog.xml").read().decode("utf-8")
    assert textindex.FOLDING_NAME in xml
    assert textindex.STEMMING_NAME in xml


# --- Over real HTTP ---------------------------------------------------------


@pytest.fixture
def published(functional):
    portal = functional["portal"]
    _create(portal, publish=True)
    transaction.commit()
    return portal


def _search_page(portal, text):
    response = requests.get(
        f"{portal.absolute_url()}/@@search",
        params={"SearchableText": text},
        timeout=TIMEOUT,
    )
    assert response.status_code == 200
    # The results list only: the navigation links to the documents too.
    results = response.text.split('id="search-results"', 1)[1]
    results = results.split("</ol>", 1)[0]
    return {id_ for id_ in DOCUMENTS if f'{portal.absolute_url()}/{id_}"' in results}


def test_plone_search_page(published):
    # @@search sends «αποφαση*» (a glob on every word); each page takes about
    # a second to render, so the spellings are the catalog tests' business.
    for query in ("ΑΠΟΦΑΣΗ", "ἀπόφασις"):
        assert _search_page(published, query) == ALL_DECISIONS, query
    assert _search_page(published, "δημοτικο συμβουλιο") == {"decision", "lighting"}
    assert _search_page(published, '"δημοτικό συμβούλιο"') == {"decision"}
    assert _search_page(published, "υδρευση Plone") == set()
    assert _search_page(published, "υδρευση") == {"decision", "polytonic"}


def _rest_search(portal, **params):
    response = requests.get(
        f"{portal.absolute_url()}/@search",
        params=params,
        headers={"Accept": "application/json"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 200, response.text[:500]
    found = {item["@id"].rsplit("/", 1)[-1] for item in response.json()["items"]}
    return found & set(DOCUMENTS)


def test_restapi_search(published):
    for query in ("αποφαση", "ΑΠΟΦΑΣΗ", "απόφαση", "ἀπόφασις", "αποφαση*"):
        assert _rest_search(published, SearchableText=query) == ALL_DECISIONS, query
    assert _rest_search(published, SearchableText="δημοτικο συμβουλιο") == {
        "decision",
        "lighting",
    }
    assert _rest_search(published, SearchableText='"δημοτικό συμβούλιο"') == {
        "decision"
    }
    assert _rest_search(published, SearchableText="ὑδρεύσεως") == {
        "decision",
        "polytonic",
    }
    assert _rest_search(published, Title="ΑΠΟΦΑΣΗ") == {
        "decision",
        "polytonic",
        "capitals",
    }
    # As Volto sends it, with the site's search settings (globs added).
    assert (
        _rest_search(published, SearchableText="αποφαση", use_site_search_settings="1")
        == ALL_DECISIONS
    )
