"""The decision's number and meeting date, read from its OCR text.

When the manifest lacks them, the ingestion takes them from the text (and
flags the decision for review): «Αριθμός Απόφασης 123/1987», «Αριθ. Αποφ.
45/1975», «ΑΠΟΦΑΣΙΣ ΥΠ' ΑΡΙΘ. 12», «Αρ. απόφ.: 7/2003», «Απόφαση αριθ. 88»,
«45Α»; dates as «15 Μαρτίου 1987», «15ης Μαρτίου 1987», «την 3η Ιανουαρίου
1975», «τὴν 3ην Ἰανουαρίου 1975», «Μάιος 1990», «15/3/1987», «15-03-1987»,
«15.3.87».

The text is folded before matching, so case, accents, diaeresis, final
sigma and polytonic marks do not matter, and the Latin letters Tesseract
sometimes puts for Greek ones that look the same (``A`` for ``Α``, ``M`` for
``Μ``, ``o`` for ``ο`` …) are read as Greek.

Two-digit years («15.3.87»): when the text also writes a four-digit year
ending in the same two digits (the number «12/1987»), that year; otherwise
``00``-``10`` are 2000-2010 and ``11``-``99`` are 1911-1999 (the archive runs to
2010; see :data:`PIVOT`).

Pure Python: the ingestion's workers import it.
"""

import datetime
import re
import unicodedata


#: Two-digit years up to this are of the 2000s, above it of the 1900s.
PIVOT = 10
#: Years a council decision can carry (the municipality's founding to today).
YEARS = (1830, 2100)

# Latin letters Tesseract writes for Greek ones that look alike.
_LATIN_UPPER = str.maketrans("ABEHIKMNOPTXYZ", "αβεηικμνορτχυζ")
_LATIN_LOWER = str.maketrans("aoikvuxptn", "αοικνυχρτη")
_OTHER = str.maketrans(
    {
        "ς": "σ",
        "ϲ": "σ",  # lunar sigma
        "µ": "μ",  # micro sign
        "ϐ": "β",
        "’": "'",
        "‘": "'",
        "ʼ": "'",
        "`": "'",
        "΄": "'",  # Greek tonos as an apostrophe («υπ΄ αριθ.»)
        "´": "'",
        "\u00a0": " ",
    }
)


def fold(text):
    """Lower case, no accents or breathings, σ for ς, Greek for Latin look-alikes.

    Character for character where it matters here (digits, separators and
    spaces stay where they were).
    """
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.translate(_LATIN_UPPER).translate(_LATIN_LOWER)
    # After lower(): it writes ς for a word-final Σ.
    return text.lower().translate(_OTHER)


# -- the number --------------------------------------------------------------

# «αρ.», «αριθ.», «αριθμ.», «αριθμός», «αριθμόν» — and «αριθ]ός», a slip
# inside the word (a few non-space characters after «αριθ»).
_NUMBER_WORD = r"αρ(?:ιθ[^\s\d.:]{0,4})?(?![α-ω])\.?"
# «αποφ.», «απόφ.», «απόφαση», «αποφάσεως», «ΑΠΟΦΑΣΙΣ» (not «αποφασίζει»).
_DECISION_WORD = r"αποφ[^\s\d.:]{0,5}(?![α-ω])\.?"
_GAP = r"[\s:.,'-]*"
_UNDER = r"(?:υπ\s*'?\s*)?"
_NUMBER = (
    r"(?P<number>\d{1,5})(?:\s?(?P<letter>[α-ω])(?![α-ω0-9]))?"
    r"(?:\s*/\s*(?P<year>\d{4}|\d{2})(?!\d))?"
)
_NUMBER_PATTERNS = (
    # «Αριθμός Απόφασης 123/1987», «Αρ. απόφ.: 7/2003», «Αριθ. Αποφ. 45/1975»
    re.compile(
        rf"(?<![α-ω]){_NUMBER_WORD}{_GAP}{_DECISION_WORD}{_GAP}{_UNDER}{_NUMBER}"
    ),
    # «ΑΠΟΦΑΣΙΣ ΥΠ' ΑΡΙΘ. 12», «Απόφαση αριθ. 88»
    re.compile(
        rf"(?<![α-ω]){_DECISION_WORD}{_GAP}{_UNDER}{_NUMBER_WORD}{_GAP}{_NUMBER}"
    ),
)


def _year(value, context=()):
    """A year from its digits: four as written, two by the text or :data:`PIVOT`."""
    if value is None:
        return None
    year = int(value)
    if len(value) == 2:
        for known in context:
            if known % 100 == year:
                return known
        year += 2000 if year <= PIVOT else 1900
    if not YEARS[0] <= year <= YEARS[1]:
        return None
    return year


def four_digit_years(folded):
    """The years of four digits a :func:`fold` ed text writes, in order."""
    years = []
    for match in re.finditer(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)", folded):
        year = int(match.group(1))
        if YEARS[0] <= year <= YEARS[1] and year not in years:
            years.append(year)
    return years


def number_match(folded):
    """The first «Αριθμός Απόφασης …»-like phrase of a :func:`fold` ed text.

    A ``re.Match`` with the groups ``number``, ``letter`` and ``year``, or
    None. :func:`find_number` reads it; the OCR uses its place to find the
    number's words on the page (see ``ocr.ocr_page``).
    """
    best = None
    for pattern in _NUMBER_PATTERNS:
        match = pattern.search(folded)
        if match and (best is None or match.start() < best.start()):
            best = match
    return best


def find_number(text):
    """The decision's number and year, ``("123", 1987)`` or ``("45Α", None)``.

    The first «Αριθμός Απόφασης …»-like phrase in the text wins (the header
    comes first; decisions cited in the body come later). The number is its
    digits without leading zeros, and a letter after them in Greek capitals.
    None when the text names no number.
    """
    folded = fold(text)
    best = number_match(folded)
    if best is None:
        return None
    number = str(int(best.group("number")))
    if best.group("letter"):
        number += best.group("letter").upper()
    if number == "0":
        return None
    return number, _year(best.group("year"), four_digit_years(folded))


# -- the number read twice ----------------------------------------------------

# A number as a digits-only reading writes it: «389/2009», «12/87», «88».
_READ_NUMBER = re.compile(r"(?P<number>\d{1,5})(?:/(?P<year>\d{4}|\d{2}))?")


def _within(short, long):
    """True when ``short`` is ``long`` with some characters left out."""
    rest = iter(long)
    return all(character in rest for character in short)


def check_number(page, rereads, years=()):
    """Weigh second, digits-only readings of the number against the page's.

    ``page`` is the number («N/YYYY», «N») as the reading of the whole page
    has it; ``rereads`` as second readings of the number's words alone have
    it (one string, or several: the same crop read at other scales); spaces
    in any are left out. ``years`` are the years the rest of the page
    supports (the meeting date's). Returns ``(verdict, number)``:

    - ``("confirmed", page)``: a second reading agrees with the page's;
    - ``("corrected", reread)``: the second readings agree among themselves
      and the page's reading is theirs with digits put in — the slip of the
      Greek model on wide digits («389/2009» read «3689/2009», «1997» read
      «41997», «1 998») — or its number is, and their year is one of
      ``years`` («193/1989» read «1935/1985» beside a meeting of 1989);
    - ``("unresolved", None)``: any other disagreement — the second
      readings differ, a digit is read as another, a reading has a digit
      the page has not, is no number or lost the slash. Neither reading is
      taken over the other: the page's text stays as read.
    """
    if isinstance(rereads, str):
        rereads = (rereads,)
    page = re.sub(r"\s+", "", page or "")
    rereads = {re.sub(r"\s+", "", reread or "") for reread in rereads}
    if page and page in rereads:
        return "confirmed", page
    if len(rereads) != 1:
        return "unresolved", None
    (reread,) = rereads
    read = _READ_NUMBER.fullmatch(reread)
    if read is None or ("/" in page) != bool(read.group("year")):
        return "unresolved", None
    year = read.group("year")
    if year and len(year) == 4 and not YEARS[0] <= int(year) <= YEARS[1]:
        return "unresolved", None
    if year and len(year) == 2 and len(page.partition("/")[2]) >= 4:
        return "unresolved", None  # «87» from «1987»: digits lost, not put in
    if _within(reread, page):
        return "corrected", reread
    number, _slash, _rest = page.partition("/")
    if year and _within(read.group("number"), number) and int(year) in years:
        return "corrected", reread
    return "unresolved", None


# -- the date ----------------------------------------------------------------

_MONTHS = (
    ("ιανουαρι", "ιαν"),
    ("φεβρουαρι", "φεβρ?"),
    ("μαρτι", "μαρτ?"),
    ("απριλι", "απρ"),
    ("μαι", "μαι"),
    ("ιουνι", "ιουν"),
    ("ιουλι", "ιουλ"),
    ("αυγουστ", "αυγ"),
    ("σεπτεμβρι|σεπτεβρι", "σεπτ?"),
    ("οκτωβρι|οκτωμβρι|οκτοβρι", "οκτ"),
    ("νοεμβρι|νοεβρι", "νοεμ?"),
    ("δεκεμβρι|δεκεβρι", "δεκ"),
)
_MONTH_GROUPS = "|".join(
    rf"(?P<m{index}>(?:{stem})(?:ου|οσ)|(?:{short})\.)"
    for index, (stem, short) in enumerate(_MONTHS, start=1)
)
_WORD_DATE = re.compile(
    # «15ης Μαρτίου 1987», «την 3ην Ιανουαρίου 1975», «15 Μαΐου του έτους
    # 1987», «την 9ην τοῦ μηνὸς Φεβρουαρίου τοῦ ἔτους 1950», «την 2α του
    # μήνα Μαΐου»
    r"(?<![\d/.-])(?P<day>\d{1,2})\s?(?:ησ|ην|η|ασ|αν|α|ου)?\.?\s*"
    r"(?:του\s+μην(?:οσ|α)\s+)?"
    rf"(?:{_MONTH_GROUPS})"
    r",?\s*(?:του\s+)?(?:ετουσ\s+)?(?P<year>\d{4})(?!\d)"
)
_MONTH_YEAR = re.compile(
    # «Μάιος 1990» (no day): the first of the month is not claimed, so None.
    rf"(?<![α-ω])(?:{_MONTH_GROUPS})\s*(?P<year>\d{{4}})(?!\d)"
)
_NUMERIC_DATE = re.compile(
    r"(?<![\d.-])(?P<day>\d{1,2})\s*(?P<sep>[/.-])\s*(?P<month>\d{1,2})"
    r"\s*(?P=sep)\s*(?P<year>\d{4}|\d{2})(?![\d])"
)
# Words near a date that make it the meeting's.
_MEETING_BEFORE = re.compile(
    r"(?:συνεδρια(?:ση|σησ|σιν|σεωσ|σισ)|σημερ(?:α|ον)|συνηλθ)[^\n]{0,40}$"
)
_MEETING_AFTER = re.compile(r"^.{0,200}?(?:συνηλθ|συνεδρια(?:ση|σιν|σισ))", re.S)
# «την αριθ. 1234/10-3-1987 πρόσκληση»: the date of another paper.
_REFERENCE_BEFORE = re.compile(r"\d\s*/\s*$")


def _month(match):
    for index in range(1, 13):
        if match.group(f"m{index}"):
            return index
    return None


def _dates(folded):
    """Every valid date in the folded text: (position, date, is_reference)."""
    years = four_digit_years(folded)
    found = []
    for match in _WORD_DATE.finditer(folded):
        year = _year(match.group("year"))
        if year is None:
            continue
        try:
            day = datetime.date(year, _month(match), int(match.group("day")))
        except ValueError:
            continue  # «31 Φεβρουαρίου»: no such day
        found.append((match.start(), match.end(), day, False))
    for match in _NUMERIC_DATE.finditer(folded):
        year = _year(match.group("year"), years)
        if year is None:
            continue
        try:
            day = datetime.date(
                year, int(match.group("month")), int(match.group("day"))
            )
        except ValueError:
            continue
        reference = bool(_REFERENCE_BEFORE.search(folded[: match.start()]))
        found.append((match.start(), match.end(), day, reference))
    found.sort(key=lambda item: item[0])
    return found


def find_dates(text):
    """Every date the text writes, in order of appearance."""
    return [day for _start, _end, day, _reference in _dates(fold(text))]


def find_date(text):
    """The meeting date: a ``datetime.date``, or None.

    A date in the meeting's phrase wins («συνεδρίαση της 15ης Μαρτίου 1987»,
    «Σήμερα, την 15η Μαρτίου 1987 … συνήλθε», «συνεδρίασιν τὴν 3ην …»);
    otherwise the first date of the text (the header's), leaving out dates of
    cited papers («την αριθ. 1234/10-3-1987 πρόσκληση») unless there is no
    other. Dates that do not exist (31 Φεβρουαρίου) are not dates.
    """
    folded = fold(text)
    found = _dates(folded)
    if not found:
        return None
    candidates = [item for item in found if not item[3]]
    # The phrase before a date says the most («συνεδρίαση της 15ης …»); a
    # date whose meeting word follows it («την 15η Μαρτίου 1987 συνήλθε»)
    # comes next, the word looked for only up to the next date, which would
    # otherwise claim the word (the ΦΕΚ of 2 January before «κατά τη
    # συνεδρίαση της 15ης Μαρτίου»).
    for start, _end, day, _reference in candidates:
        if _MEETING_BEFORE.search(folded[max(0, start - 80) : start]):
            return day
    starts = [item[0] for item in found]
    for _start, end, day, _reference in candidates:
        following = [other for other in starts if other >= end]
        limit = min([end + 200, *following])
        if _MEETING_AFTER.search(folded[end:limit]):
            return day
    for _start, _end, day, reference in found:
        if not reference:
            return day
    return found[0][2]


def find_year(text):
    """The decision's year: from its number («123/1987»), else its date."""
    number = find_number(text)
    if number and number[1]:
        return number[1]
    day = find_date(text)
    if day:
        return day.year
    folded = fold(text)
    match = _MONTH_YEAR.search(folded)
    if match:
        return _year(match.group("year"))
    return None


# -- the meeting date read twice (ocr.check_number_and_date) -----------------

# The days of the week, folded stems (Δευτέρα … Κυριακή, «ἡμέραν Τρίτην»),
# Monday first as ``datetime.date.weekday()`` counts them.
WEEKDAYS = ("δευτερ", "τριτ", "τεταρτ", "πεμπτ", "παρασκευ", "σαββατ", "κυριακ")
_MONTH_WORD = re.compile(rf"(?:{_MONTH_GROUPS})[,;]?")
# A day as the page writes it before the month: one or two characters
# (digits, or what the Greek model made of them: «Ίη», «δην») and the
# ordinal's ending («6η», «23ην», «15ης», «2α»), folded.
DAY_WORD = re.compile(r"(?P<day>[^\W_]{1,2}?)(?:ησ|ην|η|ασ|αν|α|ου)?\.?")
# A year as the page writes it after the month: digits, some put in by the
# Greek model on DejaVu Serif's wide digits («196868», «13985»).
YEAR_WORD = re.compile(r"(?P<year>\d{3,6})[,.;]?")


def meeting_phrase(folded, start, end):
    """True when the date at ``start:end`` of a :func:`fold` ed text is in
    the meeting's phrase: after «συνεδρίαση …», «σήμερα …», «συνήλθε …» or
    followed by «… συνήλθε» (as :func:`find_date` prefers it)."""
    if _MEETING_BEFORE.search(folded[max(0, start - 80) : start]):
        return True
    return bool(_MEETING_AFTER.search(folded[end : end + 200]))


def month_of(folded_word):
    """The month (1–12) a :func:`fold` ed word names, or None."""
    match = _MONTH_WORD.fullmatch(folded_word)
    return _month(match) if match else None


def weekday_of(folded_word, near=False):
    """The day of the week (0 = Monday) a :func:`fold` ed word names, or None.

    With ``near`` (the word follows «ημέρα»/«ἡμέραν», where the page can
    only name a day) a word whose start is one letter off one day's stem,
    and no other's, names that day: «Ἱρίτην» is Tuesday's «Τρίτην» read
    with a wrong first letter. The stems are at least three letters apart,
    so one letter off never comes near two of them.
    """
    for index, stem in enumerate(WEEKDAYS):
        if folded_word.startswith(stem):
            return index
    if not near:
        return None
    close = [
        index
        for index, stem in enumerate(WEEKDAYS)
        if len(folded_word) >= len(stem)
        and sum(a != b for a, b in zip(folded_word, stem, strict=False)) == 1
    ]
    return close[0] if len(close) == 1 else None


def _date(year, month, day):
    try:
        date = datetime.date(int(year), int(month), int(day))
    except (TypeError, ValueError):
        return None
    return date if YEARS[0] <= date.year <= YEARS[1] else None


def check_date(
    day,
    month,
    year,
    day_rereads,
    year_rereads,
    weekday=None,
    month_rereads=None,
    years=(),
):
    """Weigh second, digits-only readings of the meeting date's day and year.

    ``day`` and ``year`` are the digits the reading of the whole page has
    for them («6», «196868»; «» when it read a letter: «Ίη» for «1η»),
    ``month`` the month its word names; ``day_rereads`` and
    ``year_rereads`` second readings of the day's and of the year's word
    alone (one string, or several: the same crop at other scales);
    ``weekday`` the day of the week the page names beside the date
    («ημέρα Τετάρτη», 0 = Monday), or None. A date written in digits
    (:func:`check_numeric_date`) has its month read twice too: ``month``
    is then its digits as read and ``month_rereads`` their second readings.
    A year of two digits («15/3/87») is put in its century by ``years``, the
    four-digit years the page writes (the decision's number's: «45/1987»),
    else by :data:`PIVOT`. Each part is:

    - confirmed when a second reading is the page's;
    - else taken from the second readings when they agree, and the page's
      reading is theirs with digits put in (the Greek model's slip on wide
      digits, as for the number: «196868» for «1988»), or the weekday the
      page names is the date's with it and not with the page's reading
      («19 Οκτωβρίου 1996, ημέρα Κυριακή» read for 1986; «Ίη» read for
      «1η» of a Saturday).

    Returns ``(verdict, date)``: ``("confirmed", date)`` both parts
    confirmed; ``("corrected", date)`` a part taken from the second
    readings, the date a real one and not another weekday than the page
    names; ``("unresolved", None)`` otherwise (the page's text stays as
    read).
    """

    def settle(page, rereads):
        if isinstance(rereads, str):
            rereads = (rereads,)
        rereads = {re.sub(r"\s+", "", reread or "") for reread in rereads}
        if page and page in rereads:
            return page, True, False
        if len(rereads) != 1:
            return None, False, False
        (reread,) = rereads
        if not reread.isdigit():
            return None, False, False
        return reread, False, bool(page) and _within(reread, page)

    new_day, day_confirmed, day_slip = settle(day, day_rereads)
    new_year, year_confirmed, year_slip = settle(year, year_rereads)
    new_month, month_confirmed, month_slip = month, True, False
    if month_rereads is not None:
        new_month, month_confirmed, month_slip = settle(month, month_rereads)
    if new_day is None or new_month is None or new_year is None:
        return "unresolved", None
    if len(new_year) == 2:
        if len(year or "") > 4 or (len(year or "") == 4 and _year(year)):
            # «87» from «1987»: digits lost, not put in; from «0605» (no
            # year) the day of the week may settle it.
            return "unresolved", None
        new_year = _year(new_year, years)
    elif len(new_year) != 4:
        return "unresolved", None
    date = _date(new_year, new_month, new_day)
    if date is None:
        return "unresolved", None
    parts = (
        (day_confirmed, day_slip),
        (month_confirmed, month_slip),
        (year_confirmed, year_slip),
    )
    if all(confirmed for confirmed, _slip in parts):
        return "confirmed", date
    if weekday is not None and date.weekday() != weekday:
        return "unresolved", None
    if all(confirmed or slip for confirmed, slip in parts):
        return "corrected", date
    if year and len(year) == 2:
        year = _year(year, years)
    as_read = _date(year, month, day) if day and year else None
    if weekday is not None and (as_read is None or as_read.weekday() != weekday):
        return "corrected", date
    return "unresolved", None


# A meeting date in digits as a word of the page has it, folded: «17/7/2009,»,
# «5.6.1989», «15/3/87», with digits the Greek model put in («95-6-1989»)
# and what a noisy page adds after it («12-5-1398»,»).
NUMERIC_DATE_WORD = re.compile(
    r"(?P<day>\d{1,3})(?P<sep>[/.-])(?P<month>\d{1,3})(?P=sep)(?P<year>\d{2,6})\W{0,3}"
)
# The same date as a digits-only reading writes it (its separators as read;
# the comma after it may read as a full stop).
_READ_DATE = re.compile(
    r"(?P<day>\d{1,3})[/.-](?P<month>\d{1,3})[/.-](?P<year>\d{2,6})[.-]?"
)


def check_numeric_date(read, rereads, weekday=None, years=()):
    """:func:`check_date` for a meeting date written in digits.

    ``read`` is the date's word as the page's reading has it
    (:data:`NUMERIC_DATE_WORD`: «17/7/2005,»), ``rereads`` second readings
    of that word alone (digits and separators; one string, or several);
    ``weekday`` and ``years`` (for a year of two digits) as for
    :func:`check_date`. The day, the month and the year are each weighed as
    :func:`check_date` weighs the day and the year; a second reading that is
    not a date in digits counts as reading nothing. Returns
    ``(verdict, date)``.
    """
    page = NUMERIC_DATE_WORD.fullmatch(read or "")
    if page is None:
        return "unresolved", None
    if isinstance(rereads, str):
        rereads = (rereads,)
    found = [
        _READ_DATE.fullmatch(re.sub(r"\s+", "", reread or "")) for reread in rereads
    ]

    def part(name):
        return tuple(match.group(name) if match else "" for match in found)

    return check_date(
        page.group("day"),
        page.group("month"),
        page.group("year"),
        part("day"),
        part("year"),
        weekday,
        month_rereads=part("month"),
        years=years,
    )


def numeric_year_digits(rereads, date):
    """How many digits the page gives ``date``'s year, as the second
    readings the date was settled by write it: 2 («15/3/87») or 4."""
    short = f"{date.year % 100:02d}"
    for reread in (rereads,) if isinstance(rereads, str) else rereads:
        found = _READ_DATE.fullmatch(re.sub(r"\s+", "", reread or ""))
        if found and found.group("year") == short:
            return 2
    return 4
