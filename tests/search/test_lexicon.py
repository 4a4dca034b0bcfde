"""The Greek lexicon elements on their own: folding, stemming, globs, terms.

A real ZCTextIndex lexicon, Okapi index and query parser are built here
with the pipeline ``install`` gives ``plone_lexicon``, without a site.
"""

from municipality.core import textindex
from municipality.core.textindex import fold
from municipality.core.textindex import GreekFolder
from municipality.core.textindex import GreekStemmer
from municipality.core.textindex import stem
from municipality.core.textindex import stem_glob
from municipality.core.textindex import terms
from Products.CMFPlone.UnicodeSplitter.splitter import I18NNormalizer
from Products.CMFPlone.UnicodeSplitter.splitter import Splitter
from Products.ZCTextIndex.Lexicon import Lexicon
from Products.ZCTextIndex.OkapiIndex import OkapiIndex
from Products.ZCTextIndex.PipelineFactory import element_factory
from Products.ZCTextIndex.QueryParser import QueryParser

import pytest
import snowballstemmer
import unicodedata


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("ΑΠΟΦΑΣΗ", "αποφαση"),
        ("απόφαση", "αποφαση"),
        ("Ἀπόφασις", "αποφασισ"),  # psili, oxia, final sigma
        ("ὑδρεύσεως", "υδρευσεωσ"),  # dasia
        ("τῇ πόλει", "τη πολει"),  # perispomeni and ypogegrammeni: no iota
        ("ᾼ", "α"),  # prosgegrammeni
        ("Μαΐου", "μαιου"),
        ("πρωτεΐνη πρωτεϊνη", "πρωτεινη πρωτεινη"),
        ("ΐ ΰ", "ι υ"),
        ("ς Σ σ", "σ σ σ"),
        ("µέτρα", "μετρα"),  # micro sign, as Tesseract writes μ
        ("ϲύνολο Ϲ", "συνολο σ"),  # lunate sigma
        ("ϐιβλίο ϑ ϕ ϖ ϱ ϰ ϵ", "βιβλιο θ φ π ρ κ ε"),
        ("Café ﬁle", "cafe file"),
        ("αποφαση* απ?φαση", "αποφαση* απ?φαση"),
        ("ΑΙΤ-2026/000123", "αιτ-2026/000123"),
        ("", ""),
    ],
)
def test_fold(text, folded):
    assert fold(text) == folded


def test_fold_twice_changes_nothing_on_any_greek_letter():
    greek = "".join(chr(c) for c in range(0x0370, 0x0400)) + "".join(
        chr(c) for c in range(0x1F00, 0x2000)
    )
    once = fold(greek)
    assert fold(once) == once
    assert not any(unicodedata.combining(c) for c in once)


def test_every_polytonic_letter_folds_to_a_plain_one():
    polytonic = [chr(c) for c in range(0x1F00, 0x2000) if chr(c).isalpha()]
    assert len(polytonic) > 200
    assert set(fold("".join(polytonic))) == set("αεηιουωρ")


# Every form on a line gives one term.
PARADIGMS = [
    "ἀπόφασις απόφασις αποφάσεως απόφαση απόφασης αποφάσεις αποφάσεων ΑΠΟΦΑΣΗ "
    "αποφαση απόφασιν αποφάσει",
    "πόλις πόλη πόλης πόλεως πόλεις πόλεων πόλιν",
    "μητρόπολις μητρόπολη μητροπόλεως μητροπόλεις",
    "δημοτικός δημοτικού δημοτικό δημοτικοί δημοτικών δημοτικούς δημοτική "
    "δημοτικής δημοτικές δημοτικά Δημοτικόν Δημοτικοῦ",
    "συμβούλιο συμβουλίου συμβούλια συμβουλίων Συμβούλιον Συμβουλίῳ ΣΥΜΒΟΥΛΙΟ",
    "κοινότης κοινότητος κοινότητα κοινότητας κοινότητες κοινοτήτων",
    "κρίση κρίσης κρίσεις κρίσεων κρίσις κρίσεως",
    "έγκριση εγκρίσεις εγκρίσεως έγκρισις",
    "ρύθμιση ρυθμίσεις",
    "ύδρευση ύδρευσης υδρεύσεως ὑδρεύσεως",
    "έργο έργου έργα έργων έργον",
    "Σεπτέμβριος Σεπτεμβρίου",
    "Μάιος Μαΐου Μάιο",
    "πρωτεΐνη πρωτεϊνη πρωτεΐνες",
    "δήμος δήμου δήμοι δήμων δήμῳ",
    "εκδότης εκδότη εκδότες",
    "ομοφώνως ομόφωνα ομόφωνη",
    "αμέσως άμεσα άμεσος",
    "τακτικήν τακτική τακτικής",
    "Παρασκευήν Παρασκευή Παρασκευής",
    "Γραμματεύς γραμματέας γραμματέως γραμματέα",
    "Παραδείγματι Παραδείγματος Παράδειγμα",
    "συνεδρίασιν συνεδρίαση συνεδριάσεως",
    "ὄψιν όψη",
]


@pytest.mark.parametrize("line", PARADIGMS)
def test_forms_of_a_word_give_one_term(line):
    stems = {word: terms(word) for word in line.split()}
    assert len({tuple(t) for t in stems.values()}) == 1, stems


@pytest.mark.parametrize(
    ("word", "plain"),
    [
        # Without our rules the Snowball stemmer splits these forms apart.
        ("απόφασις", "αποφασισ"),
        ("συμβούλιο", "συμβουλι"),
        ("δημοτική", "δημοτικ"),
        ("κρίσεις", "κρ"),
        ("κοινότης", "κοινοτ"),
        ("Συμβούλιον", "συμβουλιον"),
    ],
)
def test_our_rules_fix_what_snowball_splits(word, plain):
    snowball = snowballstemmer.stemmer("greek")
    assert snowball.stemWord(fold(word)) == plain
    assert terms(word) != [plain]


def test_different_words_stay_apart():
    assert terms("απόφαση") != terms("πόλη")
    assert terms("δήμος") != terms("δημοτικός") != terms("δήμαρχος")
    assert terms("κοινότης") != terms("κοινοτικός")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Plone plone PLONE", ["plone", "plone", "plone"]),
        ("Café", ["cafe"]),
        ("ΑΙΤ-2026/000123", ["αιτ", "2026", "000123"]),
        ("123/1987", ["123", "1987"]),
        ("2ος όροφος", ["2οσ", "οροφ"]),
        ("να τα", ["να", "τα"]),
    ],
)
def test_latin_numbers_and_reference_numbers_pass_through(text, expected):
    assert terms(text) == expected


def test_short_or_empty_words():
    assert stem("") == ""
    assert stem("ιδιο") == stem("ιδιου")  # Snowball alone gives ""
    assert terms("") == []
    assert terms("   ;;; ") == []


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("αποφαση*", "αποφασ*"),
        ("δημοτικου*", "δημοτ*"),
        ("συμβουλιο*", "συμβουλ*"),
        ("κοινοτησ*", "κοινοτη*"),  # the word and its stem share «κοινοτη»
        ("πολη*", "πολ"),  # a short stem: the exact term, not «πολ*»
        ("δημοσ*", "δημ"),
        ("δημ*", "δημ*"),  # too short to stem
        ("αποφ*", "αποφ*"),  # a fragment Snowball leaves alone
        ("plone*", "plone*"),
        ("απ?φαση", "απ?φαση"),
        ("αποφαση", "αποφαση"),
    ],
)
def test_glob_patterns(pattern, expected):
    assert stem_glob(pattern) == expected


def test_elements_are_registered_for_the_zmi_and_genericsetup():
    assert textindex.FOLDING_NAME in element_factory.getFactoryNames(
        textindex.FOLDING_GROUP
    )
    assert isinstance(
        element_factory.instantiate(textindex.FOLDING_GROUP, textindex.FOLDING_NAME),
        GreekFolder,
    )
    assert isinstance(
        element_factory.instantiate(textindex.STEMMING_GROUP, textindex.STEMMING_NAME),
        GreekStemmer,
    )
    # The ZMI preselects the first name of a group: "no".
    assert element_factory.getFactoryNames(textindex.FOLDING_GROUP)[0] == (
        " No folding"
    )
    assert GreekFolder() == GreekFolder()
    assert GreekStemmer() != GreekFolder()


def _pipeline():
    return GreekFolder(), Splitter(), I18NNormalizer(), GreekStemmer()


def test_terms_are_what_the_lexicon_stores():
    lexicon = Lexicon(*_pipeline())
    text = (
        "Ἡ ἀπόφασις τοῦ Δημοτικοῦ Συμβουλίου ΑΙΤ-2026/000123 "
        "περί ὑδρεύσεως, Plone και µέτρα της 5ης Μαΐου."
    )
    wids = lexicon.sourceToWordIds(text)
    assert [lexicon.get_word(wid) for wid in wids] == terms(text)


@pytest.fixture(scope="module")
def index():
    """A real Okapi index over a few documents, with our lexicon."""
    lexicon = Lexicon(*_pipeline())
    okapi = OkapiIndex(lexicon)
    documents = {
        1: "Η απόφαση του Δημοτικού Συμβουλίου για την ύδρευση.",
        2: "Ἡ ἀπόφασις τοῦ Κοινοτικοῦ Συμβουλίου περὶ ὑδρεύσεως τῆς Κοινότητος.",
        3: "Οι αποφάσεις της Δημαρχιακής Επιτροπής. Plone.",
        4: "Πρόσκληση σε συνεδρίαση του συμβουλίου της κοινότης.",
        5: "Άσχετο κείμενο για τον δημοτικό φωτισμό.",
    }
    for docid, text in documents.items():
        okapi.index_doc(docid, text)
    return lexicon, okapi


def _search(index, query):
    lexicon, okapi = index
    tree = QueryParser(lexicon).parseQuery(query)
    return sorted(tree.executeQuery(okapi).keys())


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("αποφαση", [1, 2, 3]),
        ("ΑΠΟΦΑΣΗ", [1, 2, 3]),
        ("απόφαση", [1, 2, 3]),
        ("ἀπόφασις", [1, 2, 3]),
        ("αποφαση*", [1, 2, 3]),  # as Plone's @@search sends it
        ("αποφάσεως*", [1, 2, 3]),
        ("υδρευση", [1, 2]),
        ("δημοτικο συμβουλιο", [1]),
        ("δημοτικο* AND συμβουλιο*", [1]),
        ('"δημοτικό συμβούλιο"', [1]),
        ('"συμβουλίου δημοτικού"', []),  # a phrase keeps its order
        ("συμβουλιο AND NOT δημοτικο", [2, 4]),
        ("κοινότητα", [2, 4]),
        ("plone", [3]),
        ("PLONE*", [3]),
        ("δημ*", [1, 3, 5]),
    ],
)
def test_queries_on_a_real_index(index, query, found):
    assert _search(index, query) == found


def test_stock_pipeline_misses_unaccented_greek():
    """Proves the tests above can fail: Plone's own pipeline finds nothing."""
    lexicon = Lexicon(Splitter(), I18NNormalizer())
    okapi = OkapiIndex(lexicon)
    okapi.index_doc(1, "Η απόφαση του Δημοτικού Συμβουλίου.")
    for query in ("αποφαση", "ΑΠΟΦΑΣΗ", "δημοτικο συμβουλιο"):
        assert not QueryParser(lexicon).parseQuery(query).executeQuery(okapi)


# -- inflection_key: the forms of a noun as one, for facets ---------------------


@pytest.mark.parametrize(
    ("forms", "key"),
    [
        (("ύδρευση", "ύδρευσης", "Ὕδρευσις", "υδρεύσεως", "ΥΔΡΕΥΣΗ"), "υδρευσ"),
        (("προϋπολογισμός", "προϋπολογισμού", "Προϋπολογισμοῦ"), "προυπολογισμ"),
        (("κοινότης", "κοινότητος", "κοινότητας", "κοινότητα"), "κοινοτητ"),
        (("συμβούλιον", "συμβουλίου", "συμβούλιο", "συμβουλίων"), "συμβουλι"),
        (("απόρριμμα", "απορρίμματος", "απορρίμματα", "απορριμμάτων"), "απορριμμ"),
        (("κράτος", "κράτους"), "κρατ"),
        (("οδός", "οδού", "οδών"), "οδ"),
        (("δημοτικόν", "δημοτική", "δημοτικής", "δημοτικοί"), "δημοτικ"),
    ],
)
def test_inflection_key_joins_the_forms_of_a_word(forms, key):
    assert {textindex.inflection_key(fold(form)) for form in forms} == {key}


def test_inflection_key_keeps_apart_what_the_stem_joins():
    # Snowball takes «-ισμός» for a suffix: οικισμός, οικία and οίκος are
    # one term of the search, three words of a facet.
    words = ("οικισμός", "οικία", "οίκος")
    assert {stem(fold(word)) for word in words} == {"οικ"}
    assert [textindex.inflection_key(fold(word)) for word in words] == [
        "οικισμ",
        "οικι",
        "οικ",
    ]


@pytest.mark.parametrize("word", ["plone", "1987", "abc1", "οδη"])
def test_inflection_key_leaves_other_words(word):
    assert textindex.inflection_key(word) == word
