"""Snippets with the matched words marked, and the terms of a query."""

from municipality.core.textindex import highlight
from municipality.core.textindex import query_terms

import re
import time


def _marked(snippets):
    return [m for s in snippets for m in re.findall(r"<mark>(.*?)</mark>", s)]


def test_every_form_is_marked_as_written():
    text = (
        "Η ΑΠΟΦΑΣΗ ελήφθη. Ἡ ἀπόφασις τοῦ Συμβουλίου. "
        "Οι αποφάσεις και η απόφαση της 5ης Μαΐου."
    )
    snippets = highlight(text, "αποφαση")
    assert snippets == [
        "Η <mark>ΑΠΟΦΑΣΗ</mark> ελήφθη. Ἡ <mark>ἀπόφασις</mark> τοῦ Συμβουλίου. "
        "Οι <mark>αποφάσεις</mark> και η <mark>απόφαση</mark> της 5ης Μαΐου."
    ]
    assert _marked(highlight(text, "Μάιος")) == ["Μαΐου"]


def test_no_match_gives_nothing():
    assert highlight("Η απόφαση του Δημοτικού Συμβουλίου.", "ύδρευση") == []
    assert highlight("", "απόφαση") == []
    assert highlight("Η απόφαση.", "") == []
    assert highlight("Η απόφαση.", "AND ( )") == []


def test_text_and_words_are_html_escaped():
    text = 'Η <script>alert("x")</script> απόφαση & <b>η πόλη</b>'
    [snippet] = highlight(text, "πόλη απόφαση")
    assert "<script>" not in snippet
    assert "<b>" not in snippet
    assert snippet == (
        'Η &lt;script&gt;alert("x")&lt;/script&gt; <mark>απόφαση</mark> &amp; '
        "&lt;b&gt;η <mark>πόλη</mark>&lt;/b&gt;"
    )
    # A query word that looks like a tag is a word like any other.
    [snippet] = highlight(text, "<script>")
    assert "<mark>script</mark>" in snippet
    assert "<script>" not in snippet


def test_best_snippet_first_and_cut_with_ellipses():
    filler = "Λοιπό κείμενο χωρίς σημασία για τον έλεγχο. " * 12
    text = (
        "Αναφέρεται η ύδρευση. "
        + filler
        + "Η απόφαση του Δημοτικού Συμβουλίου για την ύδρευση. "
        + filler
        + "Τέλος."
    )
    snippets = highlight(text, "ύδρευση απόφαση συμβούλιο", width=120)
    assert len(snippets) == 2
    best, second = snippets
    assert _marked([best]) == ["απόφαση", "Συμβουλίου", "ύδρευση"]
    assert best.startswith("…")
    assert best.endswith("…")
    assert _marked([second]) == ["ύδρευση"]
    assert second.startswith("Αναφέρεται")
    assert second.endswith("…")
    for snippet in snippets:
        plain = re.sub(r"</?mark>", "", snippet).strip("…")
        assert len(plain) <= 120
        # Cut between words, never inside one.
        assert plain.split()[0] in text.split() or plain.split()[0] in filler
        assert plain.split()[-1].strip(".") in text


def test_max_snippets():
    text = ". ".join([f"Η απόφαση αρ. {n}" + " κείμενο" * 40 for n in range(10)])
    assert len(highlight(text, "απόφαση")) == 3
    assert len(highlight(text, "απόφαση", max_snippets=5)) == 5
    assert highlight(text, "απόφαση", max_snippets=0) == []


def test_globs_and_prefix():
    text = "Η αποφασιστική συνεδρίαση αποφάσισε για την απόφαση."
    # The verb shares the noun's stem; the adjective does not.
    assert _marked(highlight(text, "απόφαση")) == ["αποφάσισε", "απόφαση"]
    assert _marked(highlight(text, "αποφασ*")) == [
        "αποφασιστική",
        "αποφάσισε",
        "απόφαση",
    ]
    # As Plone's @@search sends a query: every word a prefix.
    assert _marked(highlight(text, "συνεδ", prefix=True)) == ["συνεδρίαση"]
    assert _marked(highlight(text, "συνεδ")) == []


def test_excluded_words_are_not_marked():
    text = "Η απόφαση της πόλης."
    assert _marked(highlight(text, "απόφαση AND NOT πόλη")) == ["απόφαση"]
    assert _marked(highlight(text, "απόφαση -πόλη")) == ["απόφαση"]


def test_phrase_words_are_marked():
    text = "Το δημοτικό συμβούλιο και το Δημοτικό Συμβούλιο της πόλης."
    assert _marked(highlight(text, '"δημοτικό συμβούλιο"')) == [
        "δημοτικό",
        "συμβούλιο",
        "Δημοτικό",
        "Συμβούλιο",
    ]


def test_fast_on_a_long_text():
    sentence = (
        "Ἡ ἀπόφασις τοῦ Δημοτικοῦ Συμβουλίου περὶ ὑδρεύσεως τῆς πόλεως "
        "ἐλήφθη ὁμοφώνως κατὰ τὴν συνεδρίασιν. "
    )
    text = (sentence * 200)[:10_000]
    highlight(text, "υδρευση συμβουλιο")  # warm the caches
    began = time.perf_counter()
    for _ in range(20):  # one results page
        snippets = highlight(text, "υδρευση δημοτικο συμβουλιο αποφαση*")
    elapsed = time.perf_counter() - began
    assert len(snippets) == 3
    assert elapsed < 2.0, f"20 snippets of a 10,000-character text: {elapsed:.2f}s"


def test_query_terms():
    assert query_terms("Αποφάσεις ΔΗΜΟΤΙΚΟΥ συμβουλίου") == [
        "αποφασ",
        "δημοτ",
        "συμβουλ",
    ]
    assert query_terms('αποφαση* AND "δημοτικό συμβούλιο" OR (πόλη)') == [
        "αποφασ*",
        "δημοτ",
        "συμβουλ",
        "πολ",
    ]
    assert query_terms("απόφαση AND NOT δήμος -πόλη απόφασις") == ["αποφασ"]
    assert query_terms("απόφαση δήμος", prefix=True) == ["αποφασ*", "δημ"]
    assert query_terms("ΑΙΤ-2026/000123") == ["αιτ", "2026", "000123"]
    assert query_terms("") == []
