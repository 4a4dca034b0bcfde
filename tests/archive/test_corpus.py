"""The generated council decisions: deterministic, Greek, of the period, paged."""

from datetime import date
from municipality.archive import corpus
from municipality.archive import extract

import collections
import pytest
import random
import re
import unicodedata


GREEK_MONTHS = "|".join(corpus.MONTHS)
POLYTONIC_ONLY = {"\u0313", "\u0314", "\u0300", "\u0342", "\u0345"}


def marks(text):
    return {c for c in unicodedata.normalize("NFD", text) if unicodedata.combining(c)}


def bare(text):
    """Letters only: no case, no accents, no breathings, final sigma folded."""
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def test_the_same_seed_gives_the_same_decision():
    first = corpus.decision(random.Random(7), 12, 1987)
    second = corpus.decision(random.Random(7), 12, 1987)
    assert first == second
    other = corpus.decision(random.Random(8), 12, 1987)
    assert other["pages"] != first["pages"]


def test_decision_text_joins_the_pages_with_form_feeds():
    text = corpus.decision_text(random.Random(3), 45, 1993, pages=3)
    pages = text.split("\f")
    assert len(pages) == 3
    assert pages[0].startswith("ΕΛΛΗΝΙΚΗ ΔΗΜΟΚΡΑΤΙΑ\nΔΗΜΟΣ ΠΑΡΑΔΕΙΓΜΑΤΟΣ\nΑΠΟΣΠΑΣΜΑ")
    assert pages[1].startswith("- 2 -\n")
    assert pages[2].startswith("- 3 -\n")
    assert corpus.decision_text(random.Random(3), 45, 1993, pages=3) == text


@pytest.mark.parametrize("year", [1950, 1962, 1975, 1979, 1981, 1982, 1996, 2001, 2010])
def test_pages_are_within_the_size_of_a_typed_page(year):
    rng = random.Random(year)
    for number in range(1, 15):
        item = corpus.decision(rng, number, year, pages=number % 8 + 1)
        assert len(item["pages"]) == number % 8 + 1
        for text in item["pages"]:
            assert corpus.PAGE_MIN <= len(text) <= corpus.PAGE_MAX, (number, len(text))


def test_the_text_is_greek():
    text = corpus.decision_text(random.Random(1), 9, 1999, pages=4)
    letters = [c for c in text if c.isalpha()]
    greek = [c for c in letters if "GREEK" in unicodedata.name(c)]
    assert len(greek) / len(letters) > 0.98
    # Whole words of the minutes, not letter soup.
    for phrase in (
        "από το πρακτικό της",
        "τακτικής συνεδρίασης του Δημοτικού Συμβουλίου",
        "Αριθμός Απόφασης 9/1999",
        "Το Δημοτικό Συμβούλιο",
        "ΑΠΟΦΑΣΙΖΕΙ",
    ):
        assert phrase in text


def test_monotonic_decision_after_1982():
    item = corpus.decision(random.Random(2), 123, 1987, pages=2)
    text = "\n".join(item["pages"])
    assert not item["polytonic"]
    assert item["spelling"] == "monotonic"
    assert not marks(text) & POLYTONIC_ONLY
    assert "Αριθμός Απόφασης 123/1987" in item["pages"][0]
    assert f"Θέμα: {item['subject']}" in item["pages"][0]
    assert re.search(r"ΑΠΟΦΑΣΙΖΕΙ (ομόφωνα|κατά πλειοψηφία)", text)
    assert "Η απόφαση αυτή πήρε αύξοντα αριθμό 123/1987." in text


def test_katharevousa_and_polytonic_before_1976():
    item = corpus.decision(random.Random(2), 57, 1961, pages=2)
    text = "\n".join(item["pages"])
    assert item["polytonic"]
    assert item["spelling"] == "katharevousa"
    assert {"\u0313", "\u0314", "\u0342"} <= marks(text)  # ἀ, ὁ, τοῦ
    assert "Ἀριθμὸς Ἀποφάσεως 57/1961" in item["pages"][0]
    assert "ἐκ τοῦ πρακτικοῦ τῆς" in item["pages"][0]
    assert "συνεδριάσεως τοῦ Δημοτικοῦ Συμβουλίου" in item["pages"][0]
    assert re.search(r"ΑΠΟΦΑΣΙΖΕΙ (ὁμοφώνως|κατὰ πλειοψηφίαν)", text)
    assert "Ἡ ἀπόφασις αὕτη ἔλαβεν αὔξοντα ἀριθμὸν 57/1961." in text
    assert "Ἐν Παραδείγματι" in text
    # The subject is given as an archivist types it; the page prints it
    # in the spelling of its time.
    assert not marks(item["subject"]) & POLYTONIC_ONLY
    assert f"Θέμα: {corpus.polytonic(item['subject'])}" in item["pages"][0]


def test_demotic_polytonic_between_1976_and_1981():
    item = corpus.decision(random.Random(4), 8, 1979, pages=2)
    text = "\n".join(item["pages"])
    assert item["spelling"] == "demotic-polytonic"
    assert "Ἀριθμὸς Ἀπόφασης 8/1979" in text
    assert "ἀπὸ τὸ πρακτικὸ τῆς" in text
    assert "συνῆλθε σὲ τακτικὴ συνεδρίαση" in text


def test_the_meeting_date_is_written_in_greek_with_its_weekday():
    for year, seed in ((1987, 5), (1964, 6)):
        item = corpus.decision(random.Random(seed), 30, year)
        day = item["meeting_date"]
        assert day.year == year
        first = bare(item["pages"][0])
        month = bare(corpus.MONTHS[day.month - 1])
        weekday = bare(corpus.WEEKDAYS[day.weekday()])
        assert re.search(rf"{day.day}\w{{0,2}} (του μην\w+ )?{month}", first)
        assert weekday in first


def test_the_number_can_be_read_back_from_the_text():
    """What the ingestion reads when the manifest lacks it, in every spelling."""
    for year, seed in ((1994, 1), (2006, 2), (1979, 3), (1958, 4)):
        item = corpus.decision(random.Random(seed), 77, year, pages=2)
        assert extract.find_number(item["pages"][0]) == ("77", year)


def test_amounts_in_drachmas_before_2002_and_euros_after():
    drachmas = "\n".join(corpus.decision(random.Random(1), 1, 1995, pages=5)["pages"])
    euros = "\n".join(corpus.decision(random.Random(1), 1, 2005, pages=5)["pages"])
    old = "\n".join(corpus.decision(random.Random(1), 1, 1955, pages=5)["pages"])
    assert "δρχ." in drachmas
    assert "€" not in drachmas
    assert "€" in euros
    assert "δρχ" not in euros
    assert re.search(r"\d{1,3}(\.\d{3})*,\d{2} €", euros)
    assert "δραχμῶν" in old
    assert "€" not in old


def test_amount_formats_money_without_floats():
    assert corpus.format_euros(12345678) == "123.456,78 €"
    assert corpus.format_euros(5) == "0,05 €"
    text = corpus.amount(random.Random(1), 1990, 1000, 2000)
    assert re.fullmatch(r"\d{1,3}(\.\d{3})* δρχ\.", text)


def test_about_a_hundred_subjects_each_of_its_time():
    assert 90 <= len(corpus.subjects) <= 130
    assert len(set(corpus.subjects)) == len(corpus.subjects)
    for topic in ("ύδρευσης", "Ηλεκτροφωτισμός", "προϋπολογισμού", "μίσθωσης"):
        assert any(topic in s for s in corpus.subjects), topic
    in_1955 = {row[1] for row in corpus.subjects_of(1955)}
    assert "Πρόγραμμα ανακύκλωσης" not in in_1955
    assert "Διανομή τροφίμων στους απόρους δημότες" in in_1955
    assert "Πρόγραμμα ανακύκλωσης" in {row[1] for row in corpus.subjects_of(2005)}


def test_the_same_council_all_term():
    first = corpus.decision(random.Random(1), 5, 1988, pages=1)["pages"][0]
    second = corpus.decision(random.Random(99), 140, 1990, pages=1)["pages"][0]
    president = corpus.council(1988).president.name
    assert corpus.council(1990) == corpus.council(1988)
    assert f"Πρόεδρος: {president}" in first
    assert f"Πρόεδρος: {president}" in second
    assert corpus.council(1999) != corpus.council(1998)


@pytest.mark.parametrize(
    ("monotonic", "expected"),
    [
        (
            "η απόφαση του Δημοτικού Συμβουλίου",
            "ἡ ἀπόφαση τοῦ Δημοτικοῦ Συμβουλίου",
        ),
        ("Ο Δήμος είναι εδώ.", "Ὁ Δῆμος εἶναι ἐδῶ."),
        ("στην οδό Ερμού", "στὴν ὁδὸ Ἑρμοῦ"),
        ("ύστερα από την ύδρευση", "ὕστερα ἀπὸ τὴν ὕδρευση"),
        ("οδός Ρούσσου", "ὁδὸς Ῥούσσου"),
        ("της 12ης συνεδρίασης", "τῆς 12ης συνεδρίασης"),
        ("του Προέδρου του, που επιδόθηκε", "τοῦ Προέδρου του, ποὺ ἐπιδόθηκε"),
        ("ΑΠΟΦΑΣΙΖΕΙ ομόφωνα", "ΑΠΟΦΑΣΙΖΕΙ ὁμόφωνα"),
        ("Μαΐου και Καραϊσκάκη", "Μαΐου καὶ Καραϊσκάκη"),
    ],
)
def test_polytonic_spelling(monotonic, expected):
    assert corpus.polytonic(monotonic) == expected


def test_polytonic_changes_marks_only():
    """The same letters as the monotonic text: only accents and breathings."""
    rng = random.Random(11)
    for template in corpus.GENERIC:
        sentence = template.format_map(corpus._Slots(rng, 1979, corpus.council(1979)))
        converted = corpus.polytonic(sentence)
        assert bare(converted) == bare(sentence)
        assert marks(converted) & POLYTONIC_ONLY
        assert corpus.polytonic(converted) == converted  # once is enough


def test_generate_spreads_exact_pages_over_the_years():
    decisions = list(corpus.generate(1200, seed=5))
    assert sum(len(d["pages"]) for d in decisions) == 1200
    assert all(1 <= len(d["pages"]) <= 8 for d in decisions)
    years = collections.Counter()
    for d in decisions:
        years[d["year"]] += len(d["pages"])
    assert min(years) == 1950
    assert max(years) == 2010
    assert len(years) == 61
    assert max(years.values()) - min(years.values()) <= 10
    by_year = collections.defaultdict(list)
    for d in decisions:
        by_year[d["year"]].append(d)
    for year, items in by_year.items():
        assert [int(d["number"]) for d in items] == list(range(1, len(items) + 1))
        dates = [d["meeting_date"] for d in items]
        assert dates == sorted(dates)
        assert all(isinstance(day, date) and day.year == year for day in dates)
    # Each decision can be made again alone, from its own seed.
    sample = by_year[1977][2]
    again = list(corpus.generate(1200, seed=5))
    assert again[decisions.index(sample)] == sample
    assert list(corpus.generate(1200, seed=6))[0] != decisions[0]


def test_rendered_page_size_fits_an_a4_page():
    """Pages of RENDERED_PAGE characters fit testpages.render_page's A4."""
    from municipality.archive import testpages

    for year in (1958, 1979, 2008):
        item = corpus.decision(
            random.Random(year), 3, year, pages=3, page_size=corpus.RENDERED_PAGE
        )
        for text in item["pages"]:
            testpages.layout(text, polytonic=item["polytonic"])
