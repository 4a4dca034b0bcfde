"""Decision number and meeting date from Greek OCR text (no OCR: fast)."""

from municipality.archive import extract
from municipality.archive import testpages

import datetime
import pytest


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Αριθμός Απόφασης 123/1987", ("123", 1987)),
        ("Αριθ. Αποφ. 45/1975", ("45", 1975)),
        ("ΑΠΟΦΑΣΙΣ ΥΠ' ΑΡΙΘ. 12", ("12", None)),
        ("ΑΠΟΦΑΣΙΣ ΥΠ’ ΑΡΙΘ. 12", ("12", None)),
        ("ΑΠΟΦΑΣΗ ΥΠ΄ ΑΡΙΘΜ. 7", ("7", None)),
        ("Αρ. απόφ.: 7/2003", ("7", 2003)),
        ("Απόφαση αριθ. 88", ("88", None)),
        ("Απόφαση υπ' αριθμόν 3/1980", ("3", 1980)),
        ("Αριθμός Απόφασης 45Α/1990", ("45Α", 1990)),
        ("Αριθμός Απόφασης 45 α/1990", ("45Α", 1990)),
        ("Αριθμός Απόφασης 045/1990", ("45", 1990)),
        ("Αριθμός Απόφασης 123 / 1987", ("123", 1987)),
        # Unaccented, capitals, polytonic, katharevousa.
        ("ΑΡΙΘΜΟΣ ΑΠΟΦΑΣΗΣ 9/2001", ("9", 2001)),
        ("αριθμος αποφασης 9/2001", ("9", 2001)),
        ("Ἀριθμὸς Ἀποφάσεως 45/1975", ("45", 1975)),
        # OCR slips: Latin A, O, H, M for the Greek letters; µ for μ.
        ("ΑΡΙΘΜΟΣ AΠOΦAΣHΣ 12/1987", ("12", 1987)),
        ("Aριθµός Aπόφασης 12/1987", ("12", 1987)),
        ("Αριθμός Απόφασης 12Α/1987", ("12Α", 1987)),
        ("Αριθμός Απόφασης 12A/1987", ("12Α", 1987)),
        # Two-digit year: the text's four-digit year, else the pivot rule.
        ("Αρ. απόφ. 12/87", ("12", 1987)),
        ("Αρ. απόφ. 12/05", ("12", 2005)),
        ("Αρ. απόφ. 12/34 της συνεδρίασης του 1934", ("12", 1934)),
    ],
)
def test_find_number(text, expected):
    assert extract.find_number(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Το Δημοτικό Συμβούλιο αποφασίζει ομόφωνα.",
        # A number that is not the decision's: an invitation.
        "ύστερα από την αριθ. 9994 πρόσκληση του Προέδρου",
        "Αριθμός Απόφασης: ",
        "Αριθμός Απόφασης 0",
        # The word must stand alone: «απαριθμούμε» is not «αριθμός».
        "απαριθμούμε αποφάσεις 12",
    ],
)
def test_find_number_none(text):
    assert extract.find_number(text) is None


def test_find_number_prefers_the_header_over_cited_decisions():
    text = (
        "ΑΠΟΣΠΑΣΜΑ ΑΠΟ ΤΟ ΠΡΑΚΤΙΚΟ\nΑριθμός Απόφασης 17/1995\n"
        "Σύμφωνα με την απόφαση αριθ. 3/1990 του Νομάρχη …"
    )
    assert extract.find_number(text) == ("17", 1995)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15 Μαρτίου 1987", (1987, 3, 15)),
        ("15ης Μαρτίου 1987", (1987, 3, 15)),
        ("την 3η Ιανουαρίου 1975", (1975, 1, 3)),
        ("τὴν 3ην Ἰανουαρίου 1975", (1975, 1, 3)),
        ("15/3/1987", (1987, 3, 15)),
        ("15-03-1987", (1987, 3, 15)),
        ("15.3.1987", (1987, 3, 15)),
        ("15.3.87", (1987, 3, 15)),
        ("15.3.05", (2005, 3, 15)),
        ("1/1/10", (2010, 1, 1)),
        ("1/1/11", (1911, 1, 1)),
        ("10 Μαΐου 1980", (1980, 5, 10)),
        ("10 Μαίου 1980", (1980, 5, 10)),
        ("10 Μαιου 1980", (1980, 5, 10)),
        ("10 ΜΑΪΟΥ 1980", (1980, 5, 10)),
        ("1 Μάιος 1990", (1990, 5, 1)),
        ("5 Ἰουνίου 1960", (1960, 6, 5)),
        ("5 Ἰουλίου 1960", (1960, 7, 5)),
        ("12 Αὐγούστου 1955", (1955, 8, 12)),
        ("30 Σεπτεμβρίου 1971", (1971, 9, 30)),
        ("2 Ὀκτωβρίου 1949", (1949, 10, 2)),
        ("2 Ὀκτωμβρίου 1949", (1949, 10, 2)),
        ("24 Νοεμβρίου 1999", (1999, 11, 24)),
        ("24 Δεκεμβρίου 1999", (1999, 12, 24)),
        ("21 Απριλίου 1968", (1968, 4, 21)),
        ("29 Φεβρουαρίου 1988", (1988, 2, 29)),
        ("ΣΗΜΕΡΑ ΤΗΝ 15ΗΝ ΜΑΡΤΙΟΥ 1987", (1987, 3, 15)),
        ("15 Μαρτ. 1987", (1987, 3, 15)),
        ("15 Μαρτίου του έτους 1987", (1987, 3, 15)),
        ("την 17η του μήνα Μαΐου του έτους 1994", (1994, 5, 17)),
        ("τὴν 9ην τοῦ μηνὸς Φεβρουαρίου τοῦ ἔτους 1950", (1950, 2, 9)),
        ("15 Mαρτίου 1987", (1987, 3, 15)),  # Latin M
    ],
)
def test_find_date(text, expected):
    assert extract.find_date(text) == datetime.date(*expected)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "31 Φεβρουαρίου 1987",
        "29 Φεβρουαρίου 1987",  # not a leap year
        "31/4/1987",
        "15/13/1987",
        "0 Μαρτίου 1987",
        "15 Μαρτίου 1700",  # before the municipality
        "Μαρτίου 1987",
        "Αριθμός Απόφασης 123/1987",  # a number and year, not a date
        "ποσό 1.250.000 δραχμών",
    ],
)
def test_find_date_none(text):
    assert extract.find_date(text) is None


def test_meeting_date_over_the_invitation_date():
    text = (
        "ΑΠΟΣΠΑΣΜΑ ΑΠΟ ΤΟ ΠΡΑΚΤΙΚΟ ΤΗΣ 5ης ΣΥΝΕΔΡΙΑΣΗΣ\n"
        "Στην Καλαμάτα, ύστερα από την αριθ. 1234/10-3-1987 πρόσκληση του "
        "Προέδρου, συνήλθε σε τακτική συνεδρίαση την 15η Μαρτίου 1987 το "
        "Δημοτικό Συμβούλιο."
    )
    assert extract.find_date(text) == datetime.date(1987, 3, 15)


def test_meeting_date_over_an_earlier_date_in_the_text():
    text = (
        "Έχοντας υπόψη το ΦΕΚ της 2ας Ιανουαρίου 1987 …\n"
        "κατά τη συνεδρίαση της 15ης Μαρτίου 1987 το Συμβούλιο αποφάσισε"
    )
    assert extract.find_date(text) == datetime.date(1987, 3, 15)


def test_meeting_word_after_the_date_is_looked_for_before_the_next_date():
    text = (
        "Καλαμάτα 2 Μαρτίου 1987.\nΤην 15η Απριλίου 1987 συνήλθε το Δημοτικό Συμβούλιο."
    )
    assert extract.find_date(text) == datetime.date(1987, 4, 15)


def test_meeting_date_polytonic_phrase():
    text = (
        "Ἀριθμὸς Ἀποφάσεως 45/1975\nἘν τῷ Δημοτικῷ Καταστήματι σήμερον τὴν "
        "3ην Ἰανουαρίου 1975 συνῆλθεν εἰς συνεδρίασιν τὸ Συμβούλιον. Ἡ "
        "προθεσμία λήγει τὴν 31ην Μαρτίου 1975."
    )
    assert extract.find_date(text) == datetime.date(1975, 1, 3)


def test_first_date_when_no_meeting_phrase():
    text = "Καλαμάτα 4 Απριλίου 1990\nΘέμα: … έως τις 30 Ιουνίου 1990."
    assert extract.find_date(text) == datetime.date(1990, 4, 4)


def test_invitation_date_when_there_is_no_other():
    text = "ύστερα από την αριθ. 1234/10-3-1987 πρόσκληση"
    assert extract.find_date(text) == datetime.date(1987, 3, 10)


def test_find_dates_in_order():
    text = "15/3/1987 και 2 Απριλίου 1987 και 31/2/1987"
    assert extract.find_dates(text) == [
        datetime.date(1987, 3, 15),
        datetime.date(1987, 4, 2),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Αριθμός Απόφασης 123/1987\nΣήμερα 3 Ιανουαρίου 1988", 1987),
        ("Απόφαση αριθ. 88\nΣήμερα την 3η Ιανουαρίου 1988", 1988),
        ("Απόφαση αριθ. 88\nσυνεδρίαση του Μαΐου 1979", 1979),
        ("Απόφαση αριθ. 88", None),
        ("", None),
    ],
)
def test_find_year(text, expected):
    assert extract.find_year(text) == expected


def test_fold():
    assert extract.fold("ἈΠΌΦΑΣΙΣ Μαΐου") == "αποφασισ μαιου"
    assert extract.fold("AΠOΦAΣH") == "αποφαση"
    assert extract.fold("µ") == "μ"


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("polytonic", [False, True])
def test_generated_decisions(seed, polytonic):
    """The generator's pages (the OCR tests' input) are read back exactly."""
    sample = testpages.sample(seed, lines=6, polytonic=polytonic)
    assert extract.find_number(sample.text) == (sample.number, sample.year)
    assert extract.find_date(sample.text) == sample.date
    assert extract.find_year(sample.text) == sample.year


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # What Tesseract made of «Αριθμός Απόφασης 389/2009» on a clean page.
        ("Αριθ]ός Απόφασης 3689/2009", ("3689", 2009)),
        ("Αριθιµός Απόφασης 12/2009", ("12", 2009)),
    ],
)
def test_find_number_slips_inside_the_words(text, expected):
    assert extract.find_number(text) == expected


def test_find_number_not_a_verb():
    assert extract.find_number("Αριθμός αποφασίζει 12") is None


# -- the number read twice (ocr.check_number) ------------------------------------


@pytest.mark.parametrize(
    ("page", "reread", "expected"),
    [
        # Both readings agree; spaces Tesseract put inside do not count.
        ("389/2009", "389/2009", ("confirmed", "389/2009")),
        ("414/1 998", "414/1998", ("confirmed", "414/1998")),
        ("88", "88", ("confirmed", "88")),
        # What the Greek model made of DejaVu Serif's digits on generated
        # pages (CER < 1 %), and what the digits-only re-read saw.
        ("3689/2009", "389/2009", ("corrected", "389/2009")),
        ("5953/1989", "53/1989", ("corrected", "53/1989")),
        ("337/41997", "337/1997", ("corrected", "337/1997")),
        ("62/141952", "62/1952", ("corrected", "62/1952")),
        ("27/9/1965", "279/1965", ("corrected", "279/1965")),
        ("21/ 1974", "21/1974", ("confirmed", "21/1974")),
        ("4324", "434", ("corrected", "434")),
    ],
)
def test_check_number(page, reread, expected):
    assert extract.check_number(page, reread) == expected


@pytest.mark.parametrize(
    ("page", "reread"),
    [
        # The re-read has a digit the page has not: it is not taken.
        ("220/2000", "2200/2000"),
        ("389/2009", "3869/2009"),
        # A digit read as another, and no other reading to decide.
        ("192/1356", "192/1996"),
        ("4535/41978", "439/1978"),
        ("1935/1985", "193/1989"),
        # No number, no slash where the page has one, a year out of range,
        # a two-digit year from four digits (digits lost, not put in).
        ("389/2009", ""),
        ("389/2009", "/"),
        ("389/2009", "3892009"),
        ("389", "38/9"),
        ("389/2009", "389/1009"),
        ("12/1987", "12/87"),
        ("1234567/1987", "123456/1987"),
        ("", ""),
    ],
)
def test_check_number_unresolved(page, reread):
    assert extract.check_number(page, reread) == ("unresolved", None)


def test_check_number_year_backed_by_the_meeting_date():
    """A number with a digit put in, a year with a digit read as another:
    the re-read's year is taken only when the meeting date has it."""
    assert extract.check_number("1935/1985", "193/1989", years=(1989,)) == (
        "corrected",
        "193/1989",
    )
    assert extract.check_number("1935/1985", "193/1989", years=(1985,)) == (
        "unresolved",
        None,
    )
    # The number itself is never taken on the date's word.
    assert extract.check_number("1955/1985", "193/1989", years=(1989,)) == (
        "unresolved",
        None,
    )


def test_number_match_is_find_numbers_phrase():
    folded = extract.fold("ΑΠΟΣΠΑΣΜΑ\nΑριθμός Απόφασης 3689/2009\nαπόφαση αριθ. 3/1990")
    match = extract.number_match(folded)
    assert folded[match.start("number") : match.end()] == "3689/2009"
    assert extract.number_match(extract.fold("Το Συμβούλιο αποφασίζει")) is None


def test_check_number_several_readings():
    """The crop read at two scales: a correction needs both to agree."""
    assert extract.check_number("3689/2009", ("389/2009", "389/2009")) == (
        "corrected",
        "389/2009",
    )
    # Both are the page's reading with digits left out, but not the same
    # digits: neither is taken (the page said 5953/1965, the print 53/1965).
    assert extract.check_number("5953/1965", ("93/1965", "53/1965")) == (
        "unresolved",
        None,
    )
    # One reading agrees with the page's: two models read the same digits.
    assert extract.check_number("220/2000", ("220/2000", "2200/2000")) == (
        "confirmed",
        "220/2000",
    )
    assert extract.check_number("220/2000", ()) == ("unresolved", None)
    assert extract.check_number("3689/2009", ("", "389/2009")) == ("unresolved", None)


# -- the meeting date read twice (ocr.check_number_and_date) -------------------


@pytest.mark.parametrize(
    ("read", "rereads", "weekday", "expected"),
    [
        # (day, month, year) as the page's reading has them; the second
        # readings of the day's and the year's word (two scales); what the
        # page names the day. All from generated pages (docs/archive-ocr.md).
        (("17", 7, "2009"), (("17", "17"), ("2009", "2009")), 4, (2009, 7, 17)),
        # Digits put in: the Greek model's slip on wide digits.
        (("6", 1, "196868"), (("6", "6"), ("1988", "1988")), 2, (1988, 1, 6)),
        (("23", 1, "20083"), (("23", "23"), ("2003", "2003")), 3, (2003, 1, 23)),
        (("8", 7, "13964"), (("8", "8"), ("1964", "1964")), None, (1964, 7, 8)),
        # A digit read as another, settled by the day of the week.
        (("19", 10, "1996"), (("19", "19"), ("1986", "1986")), 6, (1986, 10, 19)),
        (("22", 9, "1952"), (("23", "23"), ("1952", "1952")), 1, (1952, 9, 23)),
        # «Ίη», «θην»: the day read as a letter.
        (("", 8, "1998"), (("1", "1"), ("1998", "1998")), 5, (1998, 8, 1)),
        (("", 9, "1955"), (("6", "6"), ("19555", "1955")), 1, (1955, 9, 6)),
    ],
)
def test_check_date(read, rereads, weekday, expected):
    day, month, year = read
    verdict, date = extract.check_date(day, month, year, *rereads, weekday)
    assert date == datetime.date(*expected)
    assert verdict == (
        "confirmed"
        if read == (str(date.day), date.month, str(date.year))
        else "corrected"
    )


@pytest.mark.parametrize(
    ("read", "rereads", "weekday"),
    [
        # A digit read as another and nothing to say which is right.
        (("19", 10, "1996"), (("19", "19"), ("1986", "1986")), None),
        (("22", 9, "1952"), (("23", "23"), ("1952", "1952")), None),
        (("", 8, "1998"), (("1", "1"), ("1998", "1998")), None),
        # The day of the week is the page's reading's, not the second's.
        (("22", 9, "1952"), (("23", "23"), ("1952", "1952")), 0),
        # Digits put in, but the corrected date is another day of the week.
        (("6", 1, "196868"), (("6", "6"), ("1988", "1988")), 3),
        # The second readings disagree, none is the page's.
        (("6", 1, "196868"), (("6", "6"), ("1988", "1968")), None),
        # Nothing, or no year, or no such day.
        (("", 6, "1965"), (("", ""), ("1965", "1965")), 5),
        (("6", 1, "196868"), (("6", "6"), ("19868", "19868")), None),
        (("31", 2, "1987"), (("31", "31"), ("1987", "1987")), None),
        (("6", 1, "0988"), (("6", "6"), ("0988", "0988")), None),
    ],
)
def test_check_date_unresolved(read, rereads, weekday):
    day, month, year = read
    assert extract.check_date(day, month, year, *rereads, weekday) == (
        "unresolved",
        None,
    )


@pytest.mark.parametrize(
    ("read", "rereads", "weekday", "expected", "verdict"),
    [
        # The date's word as the page's reading has it; the second readings
        # of that word (two scales; the comma after it read as a full
        # stop); the day the page names. From generated pages
        # (docs/archive-ocr.md).
        ("17/7/2009,", ("17/7/2009", "17/7/2009"), 4, (2009, 7, 17), "confirmed"),
        # Digits put in: the Greek model's slip on a wide «5».
        ("95-6-1989,", ("5-6-1989", "5-6-1989"), None, (1989, 6, 5), "corrected"),
        ("11.95.2001,", ("11.5.2001.",) * 2, 4, (2001, 5, 11), "corrected"),
        # A digit read as another, settled by the day of the week.
        ("17/7/2005,", ("17/7/2009.",) * 2, 4, (2009, 7, 17), "corrected"),
        ("13.10.1956,", ("13.10.1996.",) * 2, 6, (1996, 10, 13), "corrected"),
        ("29-8-1975,", ("29-8-1973", "29-8-1973."), 2, (1973, 8, 29), "corrected"),
        ("39-6-1985,", ("5-6-1989.",) * 2, 0, (1989, 6, 5), "corrected"),
        # What a noisy page adds after the year stays out of it.
        ("12-5-1398»,", ("15-5-1985.",) * 2, 2, (1985, 5, 15), "corrected"),
        # A year of two digits («15/3/87»), as read on short pages.
        ("5/6/89,", ("5/6/89",) * 2, 0, (1989, 6, 5), "confirmed"),
        ("9-6-89,", ("5-6-89.", "5-6-89"), 0, (1989, 6, 5), "corrected"),
        ("11/5/0141,", ("11/5/01",) * 2, None, (2001, 5, 11), "corrected"),
        ("15.95.95,", ("15.5.95.",) * 2, None, (1995, 5, 15), "corrected"),
        # «0605» is no year: the day of the week the page names settles it.
        ("17/7/0605,", ("17/7/09.",) * 2, 4, (2009, 7, 17), "corrected"),
    ],
)
def test_check_numeric_date(read, rereads, weekday, expected, verdict):
    assert extract.check_numeric_date(read, rereads, weekday) == (
        verdict,
        datetime.date(*expected),
    )


@pytest.mark.parametrize(
    ("read", "rereads", "weekday"),
    [
        # A digit read as another and nothing to say which is right.
        ("17/7/2005,", ("17/7/2009",) * 2, None),
        # The day of the week is the page's reading's (a Sunday).
        ("17/7/2005,", ("17/7/2009",) * 2, 6),
        # The second readings disagree, or are no date in digits.
        ("17/7/2005,", ("17/7/2009", "17/7/2008"), 4),
        ("17/7/2005,", ("1772009", "1772009"), 4),
        ("17/7/2005,", ("", ""), 4),
        # No such day, no such month.
        ("31/2/1987,", ("31/2/1987",) * 2, None),
        ("5/95/1989,", ("5/15/1989",) * 2, None),
        # A year of two digits read from one of four: digits lost, not put in.
        ("15/3/1987,", ("15/3/87",) * 2, None),
        ("15/3/19875,", ("15/3/87",) * 2, None),
        # 3 June 1985 and 5 June 1989 were both Mondays: nothing settles it.
        ("3/6/85,", ("5/6/89.",) * 2, 0),
        # Not a date in digits.
        ("17 Ιουλίου", ("17/7/2009",) * 2, 4),
        ("17/7-2009", ("17/7/2009",) * 2, 4),
    ],
)
def test_check_numeric_date_unresolved(read, rereads, weekday):
    assert extract.check_numeric_date(read, rereads, weekday) == ("unresolved", None)


def test_check_numeric_date_century():
    # A year of two digits takes its century from the years the page writes
    # in four (the decision's number's), else from the pivot.
    date = extract.check_numeric_date
    assert date("15/3/10,", ("15/3/10",), None) == (
        "confirmed",
        datetime.date(2010, 3, 15),
    )
    assert date("15/3/10,", ("15/3/10",), None, [1910]) == (
        "confirmed",
        datetime.date(1910, 3, 15),
    )
    assert date("15/3/65,", ("15/3/65",), None, [1987]) == (
        "confirmed",
        datetime.date(1965, 3, 15),
    )


def test_numeric_year_digits():
    digits = extract.numeric_year_digits
    assert digits(("11/5/01", "11/5/01."), datetime.date(2001, 5, 11)) == 2
    assert digits(("17/7/2009",), datetime.date(2009, 7, 17)) == 4
    assert digits("5-6-89.", datetime.date(1989, 6, 5)) == 2
    assert digits(("", "x"), datetime.date(1989, 6, 5)) == 4


def test_date_words_pieces():
    fold = extract.fold
    assert extract.month_of(fold("Σεπτεµβρίου,")) == 9  # a micro sign for μ
    assert extract.month_of(fold("Ἰουλίου")) == 7
    assert extract.month_of(fold("Απριλίου")) == 4
    assert extract.month_of(fold("Ιουλίου1988")) is None
    assert extract.weekday_of(fold("Τετάρτη")) == 2
    assert extract.weekday_of(fold("Σάββατον")) == 5
    assert extract.weekday_of(fold("Κυριακήν")) == 6
    assert extract.weekday_of(fold("ημέρα")) is None
    # One letter off a day's name: that day only where a day is named.
    assert extract.weekday_of(fold("Ἱρίτην")) is None
    assert extract.weekday_of(fold("Ἱρίτην"), near=True) == 1
    assert extract.weekday_of(fold("Παρασκενή"), near=True) == 4
    assert extract.weekday_of(fold("ημέρα"), near=True) is None
    assert extract.weekday_of(fold("Τρ"), near=True) is None  # too short
    assert extract.weekday_of(fold("Πάτρα"), near=True) is None  # two off
    text = fold("Σήμερα, την 6η Ιανουαρίου 1988, ημέρα Τετάρτη")
    assert extract.meeting_phrase(text, 12, 32)
    text = fold("σύμφωνα με το ΦΕΚ της 6ης Ιανουαρίου 1988 και")
    assert not extract.meeting_phrase(text, 22, 41)
