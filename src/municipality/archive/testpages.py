"""Generated scan pages with a known text, and the character error rate.

The OCR tests and ``benchmarks/ingest.py`` need pages whose text is known:
:func:`sample_text` writes a council decision in Greek (monotonic, or
polytonic katharevousa as before 1982), :func:`render_page` sets it with
DejaVu Serif onto a white A4 page — clean, or with the faults of a real scan
(a small rotation, blur, speckle, uneven brightness) — and :func:`cer`
measures what Tesseract read against it.

Pure Python and Pillow (no Plone, no numpy); everything follows from
``seed``, so a page is the same on every run.
"""

from dataclasses import dataclass
from PIL import Image
from PIL import ImageChops
from PIL import ImageDraw
from PIL import ImageFilter
from PIL import ImageFont

import datetime
import random
import re
import unicodedata


FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
FONT_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf"
A4_MM = (210, 297)
MARGIN_MM = 25
POINTS = 12
LINE_SPACING = 1.45

MONTHS = (
    "Ιανουαρίου",
    "Φεβρουαρίου",
    "Μαρτίου",
    "Απριλίου",
    "Μαΐου",
    "Ιουνίου",
    "Ιουλίου",
    "Αυγούστου",
    "Σεπτεμβρίου",
    "Οκτωβρίου",
    "Νοεμβρίου",
    "Δεκεμβρίου",
)
MONTHS_POLYTONIC = (
    "Ἰανουαρίου",
    "Φεβρουαρίου",
    "Μαρτίου",
    "Ἀπριλίου",
    "Μαΐου",
    "Ἰουνίου",
    "Ἰουλίου",
    "Αὐγούστου",
    "Σεπτεμβρίου",
    "Ὀκτωβρίου",
    "Νοεμβρίου",
    "Δεκεμβρίου",
)
# Monday first, as datetime.date.weekday(); the accusative («ημέρα Τρίτη»).
WEEKDAYS = ("Δευτέρα", "Τρίτη", "Τετάρτη", "Πέμπτη", "Παρασκευή", "Σάββατο", "Κυριακή")
WEEKDAYS_POLYTONIC = (
    "Δευτέραν",
    "Τρίτην",
    "Τετάρτην",
    "Πέμπτην",
    "Παρασκευὴν",
    "Σάββατον",
    "Κυριακὴν",
)

SUBJECTS = (
    "Έγκριση δαπάνης για την επισκευή του 2ου Δημοτικού Σχολείου.",
    "Ψήφιση του προϋπολογισμού του Δήμου για το επόμενο οικονομικό έτος.",
    "Ασφαλτόστρωση δημοτικών οδών στη συνοικία του Αγίου Νικολάου.",
    "Επέκταση του δικτύου ύδρευσης και αποχέτευσης της πόλης.",
    "Παραχώρηση χρήσης του δημοτικού θεάτρου σε πολιτιστικό σύλλογο.",
    "Ονομασία οδών και πλατειών της πόλης.",
    "Καθορισμός τελών καθαριότητας και φωτισμού.",
    "Αγορά οικοπέδου για την ανέγερση παιδικού σταθμού.",
    "Έγκριση πρωτοκόλλου οριστικής παραλαβής του έργου.",
    "Μίσθωση ακινήτου για τη στέγαση δημοτικών υπηρεσιών.",
    "Διαγραφή χρεών από τους χρηματικούς καταλόγους.",
    "Συγκρότηση επιτροπής παραλαβής προμηθειών.",
)
SENTENCES = (
    "Ο Πρόεδρος, αφού διαπίστωσε ότι υπάρχει νόμιμη απαρτία, κήρυξε την "
    "έναρξη της συνεδρίασης.",
    "Στη συνεδρίαση ήταν παρόντα δεκαπέντε από τα είκοσι ένα μέλη του "
    "Δημοτικού Συμβουλίου.",
    "Ο Δήμαρχος εισηγήθηκε το θέμα και ανέπτυξε τους λόγους για τους "
    "οποίους είναι αναγκαία η δαπάνη.",
    "Το Συμβούλιο, αφού έλαβε υπόψη την εισήγηση και τις διατάξεις του "
    "Κώδικα Δήμων και Κοινοτήτων, αποφασίζει ομόφωνα.",
    "Εγκρίνει τη δαπάνη του ποσού των {amount} σε βάρος του προϋπολογισμού του Δήμου.",
    "Αναθέτει στην Τεχνική Υπηρεσία τη σύνταξη της μελέτης και την "
    "επίβλεψη των εργασιών.",
    "Εξουσιοδοτεί τον Δήμαρχο να υπογράψει κάθε σχετικό έγγραφο για την "
    "εκτέλεση της απόφασης.",
    "Μετά από διαλογική συζήτηση έγινε ψηφοφορία και η πρόταση εγκρίθηκε "
    "κατά πλειοψηφία.",
    "Η πίστωση θα βαρύνει τον κωδικό εξόδων του τρέχοντος οικονομικού έτους.",
    "Η απόφαση αυτή να σταλεί στη Νομαρχία για έλεγχο της νομιμότητάς της.",
    "Οι σύμβουλοι της μειοψηφίας ζήτησαν να καταχωριστεί στα πρακτικά η "
    "αντίθετη γνώμη τους.",
    "Το έργο θα εκτελεστεί με αυτεπιστασία από το προσωπικό του Δήμου.",
    "Ορίζει επιτροπή τριών μελών για την παρακολούθηση και την παραλαβή των εργασιών.",
    "Η δαπάνη θα καλυφθεί από την τακτική επιχορήγηση του Υπουργείου Εσωτερικών.",
    "Ο ειδικός γραμματέας τήρησε τα πρακτικά της συνεδρίασης.",
    "Ζητείται η συνδρομή των πολιτών για την καθαριότητα των κοινόχρηστων χώρων.",
)
SUBJECTS_POLYTONIC = (
    "Ἔγκρισις δαπάνης ἐπισκευῆς τοῦ δημοτικοῦ σχολείου.",
    "Ψήφισις τοῦ προϋπολογισμοῦ τοῦ Δήμου.",
    "Ἀσφαλτόστρωσις ὁδῶν τῆς πόλεως.",
    "Ὕδρευσις τῶν συνοικιῶν τῆς πόλεως.",
    "Παραχώρησις χρήσεως δημοτικοῦ ἀκινήτου.",
    "Ὀνομασία ὁδῶν καὶ πλατειῶν.",
    "Ἐκποίησις δημοτικοῦ οἰκοπέδου.",
    "Ἐπιβολὴ τελῶν καθαριότητος καὶ φωτισμοῦ.",
)
SENTENCES_POLYTONIC = (
    "Ὁ Πρόεδρος, διαπιστώσας ὅτι ὑπάρχει νόμιμος ἀπαρτία, κηρύσσει τὴν "
    "ἔναρξιν τῆς συνεδριάσεως.",
    "Τὸ Συμβούλιον, ἀφοῦ ἔλαβεν ὑπ' ὄψιν τὴν εἰσήγησιν τοῦ Δημάρχου καὶ "
    "τὰς διατάξεις τοῦ ἰσχύοντος Κώδικος, ἀποφασίζει παμψηφεί.",
    "Ἐγκρίνει τὴν δαπάνην διὰ τὴν ἐπισκευὴν τοῦ δημοτικοῦ σχολείου καὶ "
    "τὴν ἀσφαλτόστρωσιν τῆς ὁδοῦ.",
    "Ἡ σχετικὴ πίστωσις θὰ βαρύνῃ τὸν προϋπολογισμὸν τοῦ Δήμου τοῦ "
    "τρέχοντος οἰκονομικοῦ ἔτους.",
    "Ἐξουσιοδοτεῖ τὸν Δήμαρχον ὅπως προβῇ εἰς πᾶσαν νόμιμον ἐνέργειαν διὰ "
    "τὴν ἐκτέλεσιν τῆς παρούσης ἀποφάσεως.",
    "Εἰς τὴν συνεδρίασιν παρέστησαν δεκαπέντε ἐκ τῶν εἴκοσι ἐν ὅλῳ μελῶν "
    "τοῦ Συμβουλίου.",
    "Μετὰ διαλογικὴν συζήτησιν ἐγένετο ψηφοφορία καὶ ἡ πρότασις ἐνεκρίθη "
    "κατὰ πλειοψηφίαν.",
    "Ὁ Δήμαρχος ἐξέθεσεν εἰς τὸ Συμβούλιον τὴν ἀνάγκην ὑδρεύσεως τῶν "
    "συνοικιῶν τῆς πόλεως.",
    "Τὸ ποσὸν τῶν {amount} θὰ καταβληθῇ εἰς δύο ἰσοπόσους δόσεις.",
    "Ἡ παροῦσα ἀπόφασις νὰ σταλῇ εἰς τὴν Νομαρχίαν πρὸς ἔγκρισιν.",
    "Ἀναθέτει εἰς τὴν Τεχνικὴν Ὑπηρεσίαν τὴν σύνταξιν τῆς σχετικῆς "
    "μελέτης καὶ τοῦ προϋπολογισμοῦ.",
    "Ἀποφασίζει τὴν παραχώρησιν τῆς αἰθούσης τοῦ Δημαρχείου διὰ "
    "πολιτιστικὰς ἐκδηλώσεις.",
    "Ὁρίζει τὴν ἐπιτροπὴν παραλαβῆς τῶν ἔργων ἐκ τριῶν μελῶν τοῦ Συμβουλίου.",
)


@dataclass(frozen=True)
class Sample:
    """A generated decision: its text and what a reader finds in it."""

    text: str
    number: str
    year: int
    date: datetime.date
    subject: str
    polytonic: bool


def _amount(rng, year):
    if year >= 2002:
        return f"{rng.randint(1, 90)}.{rng.randint(0, 999):03d},00 ευρώ"
    return f"{rng.randint(1, 40)}.{rng.randint(0, 999):03d}.000 δραχμών"


#: How :func:`sample` writes a meeting date in digits (``seed`` % 3).
DATE_SEPARATORS = ("/", "-", ".")


def sample(seed, lines=12, polytonic=False, year=None, numeric_date=False):
    """A Greek decision-like text with its number, year and meeting date.

    ``lines`` body sentences follow the header (``«ΑΠΟΣΠΑΣΜΑ ΑΠΟ ΤΟ
    ΠΡΑΚΤΙΚΟ …»``, ``«Αριθμός Απόφασης N/YYYY»``), the meeting's Greek date
    and the subject; 12 fill about half an A4 page, 20 a whole one.
    ``polytonic`` writes katharevousa in the polytonic system, as council
    minutes were before 1982 (the year is then before 1982).
    ``numeric_date`` writes the meeting date in digits («Σήμερα, 17/7/2009,
    ημέρα Παρασκευή»; the separator ``/``, ``-`` or ``.`` by ``seed``) in
    place of words; everything else is the same text. ``numeric_date="short"``
    writes its year in two digits («15/3/87»), as typed minutes often did.
    """
    rng = random.Random(seed)  # noqa: S311 - test pages, not secrets
    if year is None:
        year = rng.randint(1950, 1981) if polytonic else rng.randint(1982, 2010)
    start = datetime.date(year, 1, 1).toordinal()
    end = datetime.date(year, 12, 31).toordinal()
    date = datetime.date.fromordinal(rng.randint(start, end))
    number = str(rng.randint(1, 480))
    session = rng.randint(1, 40)
    hour = rng.choice((10, 11, 12, 18, 19, 20))
    invite = rng.randint(100, 9999)
    if polytonic:
        subject = rng.choice(SUBJECTS_POLYTONIC)
        pool = SENTENCES_POLYTONIC
        header = (
            f"ΑΠΟΣΠΑΣΜΑ ΕΚ ΤΟΥ ΠΡΑΚΤΙΚΟΥ ΤΗΣ {session}ης ΣΥΝΕΔΡΙΑΣΕΩΣ\n"
            "ΤΟΥ ΔΗΜΟΤΙΚΟΥ ΣΥΜΒΟΥΛΙΟΥ\n"
            f"Ἀριθμὸς Ἀποφάσεως {number}/{year}\n"
            "\n"
            f"Σήμερον {_meeting_date(date, seed, numeric_date, True)}, "
            f"ἡμέραν {WEEKDAYS_POLYTONIC[date.weekday()]} καὶ ὥραν "
            f"{hour - 12 if hour > 12 else hour} {'μ.μ.' if hour >= 12 else 'π.μ.'}, "
            "συνῆλθεν εἰς τακτικὴν συνεδρίασιν τὸ Δημοτικὸν Συμβούλιον ἐν τῷ "
            f"Δημοτικῷ Καταστήματι, κατόπιν τῆς ὑπ' ἀριθ. {invite} προσκλήσεως "
            "τοῦ Προέδρου αὐτοῦ.\n"
            f"Θέμα: {subject}\n"
        )
    else:
        subject = rng.choice(SUBJECTS)
        pool = SENTENCES
        header = (
            f"ΑΠΟΣΠΑΣΜΑ ΑΠΟ ΤΟ ΠΡΑΚΤΙΚΟ ΤΗΣ {session}ης ΣΥΝΕΔΡΙΑΣΗΣ\n"
            "ΤΟΥ ΔΗΜΟΤΙΚΟΥ ΣΥΜΒΟΥΛΙΟΥ\n"
            f"Αριθμός Απόφασης {number}/{year}\n"
            "\n"
            f"Σήμερα, {_meeting_date(date, seed, numeric_date, False)}, ημέρα "
            f"{WEEKDAYS[date.weekday()]} και ώρα {hour}:00, συνήλθε σε τακτική "
            "συνεδρίαση το Δημοτικό Συμβούλιο στο Δημοτικό Κατάστημα, ύστερα "
            f"από την αριθ. {invite} πρόσκληση του Προέδρου.\n"
            f"Θέμα: {subject}\n"
        )
    body = []
    paragraph = []
    order = []
    for _ in range(lines):
        if not order:
            # Every sentence once before any repeats, as minutes read.
            order = rng.sample(pool, len(pool))
        sentence = order.pop().format(amount=_amount(rng, year))
        paragraph.append(sentence)
        if len(paragraph) >= rng.randint(2, 4):
            body.append(" ".join(paragraph))
            paragraph = []
    if paragraph:
        body.append(" ".join(paragraph))
    text = header + "\n".join(body)
    return Sample(text, number, year, date, subject, polytonic)


def _meeting_date(date, seed, numeric, polytonic):
    if numeric:
        separator = DATE_SEPARATORS[seed % len(DATE_SEPARATORS)]
        year = f"{date.year % 100:02d}" if numeric == "short" else str(date.year)
        return separator.join((str(date.day), str(date.month), year))
    if polytonic:
        return f"τὴν {date.day}ην {MONTHS_POLYTONIC[date.month - 1]} {date.year}"
    return f"την {date.day}η {MONTHS[date.month - 1]} {date.year}"


def sample_text(seed, lines=12, polytonic=False):
    """The text of :func:`sample` alone."""
    return sample(seed, lines=lines, polytonic=polytonic).text


# -- rendering -------------------------------------------------------------


def _wrap(text, font, width):
    lines = []
    for paragraph in text.split("\n"):
        words = paragraph.split()
        if not words:
            lines.append("")
            continue
        line = words[0]
        for word in words[1:]:
            candidate = f"{line} {word}"
            if font.getlength(candidate) <= width:
                line = candidate
            else:
                lines.append(line)
                line = word
        lines.append(line)
    return lines


def layout(text, dpi=300, polytonic=False):
    """The page's lines as rendered (wrapped to the text width).

    Raises ``ValueError`` when the text does not fit on one A4 page.
    """
    font, _size, _left, top, width, height, step = _geometry(dpi, polytonic)
    lines = _wrap(text, font, width)
    if top + len(lines) * step > height - top:
        raise ValueError(
            f"the text needs {len(lines)} lines: more than one A4 page holds"
        )
    return lines


def _geometry(dpi, polytonic):
    # Polytonic pages: a point larger, more leading (breathings and accents
    # over capitals need the room, as on the typewriters of the time).
    points = POINTS + 1 if polytonic else POINTS
    size = round(points * dpi / 72)
    font = ImageFont.truetype(FONT, size)
    page = (round(A4_MM[0] / 25.4 * dpi), round(A4_MM[1] / 25.4 * dpi))
    margin = round(MARGIN_MM / 25.4 * dpi)
    step = round(size * (LINE_SPACING + (0.1 if polytonic else 0)))
    return font, page, margin, margin, page[0] - 2 * margin, page[1], step


def render_page(text, noisy=False, seed=0, dpi=300, polytonic=False):
    """An A4 page (greyscale, ``dpi``) with ``text`` set in DejaVu Serif 12 pt.

    Lines are wrapped within 25 mm margins; a blank line in ``text`` is a
    blank line on the page. ``noisy`` adds what real scans suffer, all drawn
    from ``seed``: a rotation of 1-2 degrees either way, uneven brightness,
    a slight Gaussian blur and salt-and-pepper speckle (dust and toner
    gaps). ``polytonic`` sets the text a point larger with more leading.
    The image's ``info["dpi"]`` says its resolution. Raises ``ValueError``
    when the text needs a second page.
    """
    font, page_size, left, top, _width, _height, step = _geometry(dpi, polytonic)
    lines = layout(text, dpi=dpi, polytonic=polytonic)
    page = Image.new("L", page_size, 255)
    draw = ImageDraw.Draw(page)
    y = top
    for line in lines:
        if line:
            draw.text((left, y), line, font=font, fill=0)
        y += step
    if noisy:
        page = add_noise(page, seed=seed, dpi=dpi)
    page.info["dpi"] = (dpi, dpi)
    return page


def add_noise(page, seed=0, dpi=300):
    """The faults of a scanned page, deterministic from ``seed``."""
    rng = random.Random(seed)  # noqa: S311 - test pages, not secrets
    scale = dpi / 300
    # Paper laid slightly askew on the glass.
    angle = rng.uniform(1.0, 2.0) * rng.choice((-1, 1))
    page = page.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
    # Uneven lighting: the paper darkens towards one side (down to ~83%).
    gradient = Image.linear_gradient("L").rotate(rng.choice((0, 90, 180, 270)))
    gradient = gradient.resize(page.size, Image.Resampling.BILINEAR)
    low = rng.randint(205, 220)
    gradient = gradient.point(lambda value: low + (255 - low) * value // 255)
    page = ImageChops.multiply(page, gradient)
    # Worn type and focus: a slight blur.
    page = page.filter(ImageFilter.GaussianBlur(radius=rng.uniform(0.8, 1.2) * scale))
    # Dust and toner specks (salt and pepper): a few thousand dots of 1-3
    # pixels, dark and light, as dust on the glass and gaps in the toner.
    width, height = page.size
    draw = ImageDraw.Draw(page)
    specks = round(rng.uniform(2500, 4000) * scale * scale)
    for index in range(specks):
        x = rng.randrange(width)
        y = rng.randrange(height)
        radius = rng.choice((0.5, 1, 1, 1.5)) * scale
        shade = rng.randint(0, 60) if index % 2 else rng.randint(235, 255)
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=shade)
    return page


# -- character error rate --------------------------------------------------


def normalise(text):
    """NFKC with every run of whitespace one space (what :func:`cer` compares)."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


def levenshtein(first, second):
    """Edit distance (insertions, deletions, substitutions, each 1).

    Myers' bit-parallel algorithm (Hyyrö's form for edit distance) on Python
    integers: one pass over ``first`` with a few operations on
    ``len(second)``-bit numbers, milliseconds for pages of 3,000 characters.
    """
    if len(first) < len(second):
        first, second = second, first
    # Common prefix and suffix cost nothing.
    start = 0
    limit = min(len(first), len(second))
    while start < limit and first[start] == second[start]:
        start += 1
    first, second = first[start:], second[start:]
    while second and first and first[-1] == second[-1]:
        first, second = first[:-1], second[:-1]
    size = len(second)
    if not size:
        return len(first)
    positions = {}
    for index, character in enumerate(second):
        positions[character] = positions.get(character, 0) | (1 << index)
    full = (1 << size) - 1
    top = 1 << (size - 1)
    vertical_plus = full
    vertical_minus = 0
    score = size
    for character in first:
        match = positions.get(character, 0)
        diagonal = match | vertical_minus
        horizontal = (((match & vertical_plus) + vertical_plus) ^ vertical_plus) | match
        horizontal_plus = vertical_minus | (~(horizontal | vertical_plus) & full)
        horizontal_minus = vertical_plus & horizontal
        if horizontal_plus & top:
            score += 1
        elif horizontal_minus & top:
            score -= 1
        horizontal_plus = ((horizontal_plus << 1) | 1) & full
        horizontal_minus = (horizontal_minus << 1) & full
        vertical_plus = horizontal_minus | (~(diagonal | horizontal_plus) & full)
        vertical_minus = horizontal_plus & diagonal
    return score


def cer(expected, actual):
    """Character error rate: edit distance / length of ``expected``.

    Both texts are compared after NFKC with whitespace collapsed (line breaks
    are layout, not characters read wrong). 0.0 is a perfect read; more than
    1.0 is possible when ``actual`` is much longer.
    """
    expected = normalise(expected)
    actual = normalise(actual)
    if not expected:
        return 0.0 if not actual else 1.0
    return levenshtein(expected, actual) / len(expected)


# -- measuring -----------------------------------------------------------------

VARIANTS = {
    # name: (noisy, polytonic, Tesseract languages)
    "clean": (False, False, "ell"),
    "noisy": (True, False, "ell"),
    "polytonic": (False, True, "ell+grc"),
    "polytonic-noisy": (True, True, "ell+grc"),
}


def measure(
    seeds=range(5), variants=tuple(VARIANTS), despeckle_page=None, numeric_dates=False
):
    """Read generated pages with :func:`ocr.ocr_page`; yield one dict a page.

    Each: variant, seed, languages, CER, confidence, seconds in Tesseract
    and in all, PDF bytes, speck pixels removed, whether the number, the
    date and the year were read back right (:mod:`extract`), the verdicts
    of the second readings of the number and the date (``number_check``,
    ``date_check``) and on text left out of Tesseract's lines
    (``lines_check``). ``numeric_dates``: the meeting dates in digits
    (:func:`sample`'s ``numeric_date``: True, or ``"short"`` for two-digit
    years).
    """
    from municipality.archive import extract
    from municipality.archive import ocr

    for variant in variants:
        noisy, polytonic, languages = VARIANTS[variant]
        for seed in seeds:
            decision = sample(
                seed,
                lines=13 if polytonic else 20,
                polytonic=polytonic,
                numeric_date=numeric_dates,
            )
            page = render_page(
                decision.text, noisy=noisy, seed=seed, polytonic=polytonic
            )
            result = ocr.ocr_page(
                page, languages=languages, despeckle_page=despeckle_page
            )
            yield {
                "variant": variant,
                "seed": seed,
                "languages": languages,
                "cer": cer(decision.text, result.text),
                "confidence": result.confidence,
                "seconds": result.seconds,
                "total_seconds": result.total_seconds,
                "pdf_bytes": len(result.pdf),
                "specks": result.specks,
                "number": extract.find_number(result.text)
                == (decision.number, decision.year),
                "date": extract.find_date(result.text) == decision.date,
                "year": extract.find_year(result.text) == decision.year,
                "number_check": result.number_check,
                "date_check": result.date_check,
                "lines": result.lines_check,
            }


def main(argv=None):
    """``python -m municipality.archive.testpages [seeds] [variant …]
    [--numeric-dates | --short-years]``: a CER table, the number, the date
    and the year read right (✓) or not, the verdicts of their second
    readings, and the totals."""
    import collections
    import statistics
    import sys

    args = list(sys.argv[1:] if argv is None else argv)
    numeric_dates = "--numeric-dates" in args
    if "--short-years" in args:
        numeric_dates = "short"
    args = [arg for arg in args if arg not in ("--numeric-dates", "--short-years")]
    seeds = range(int(args.pop(0))) if args and args[0].isdigit() else range(5)
    variants = args or list(VARIANTS)
    rows = []
    print(
        "variant          seed  CER     conf   tess s  all s   PDF KB  specks  "
        "n d y  number / date check  lines"
    )
    for row in measure(seeds, variants, numeric_dates=numeric_dates):
        rows.append(row)
        checks = f"{row['number_check'] or '-'} / {row['date_check'] or '-'}"
        print(
            f"{row['variant']:<16} {row['seed']:>4}  {row['cer']:6.2%}  "
            f"{row['confidence'] or 0:5.1f}  {row['seconds']:6.2f}  "
            f"{row['total_seconds']:6.2f}  {row['pdf_bytes'] // 1024:6d}  "
            f"{row['specks']:6d}  {'✓' if row['number'] else '✗'} "
            f"{'✓' if row['date'] else '✗'} {'✓' if row['year'] else '✗'}  "
            f"{checks:<21}  {row['lines'] or ''}",
            flush=True,
        )
    for variant in variants:
        errors = [row["cer"] for row in rows if row["variant"] == variant]
        if errors:
            print(
                f"{variant:<16} mean {statistics.mean(errors):.2%}  "
                f"max {max(errors):.2%}  ({len(errors)} pages)"
            )
    right = {key: sum(row[key] for row in rows) for key in ("number", "date", "year")}
    print(
        f"read right, of {len(rows)}: numbers {right['number']}, dates "
        f"{right['date']}, years {right['year']}"
    )
    for key in ("number_check", "date_check"):
        verdicts = collections.Counter(row[key] or "-" for row in rows)
        print(f"{key}: " + ", ".join(f"{v} {n}" for v, n in sorted(verdicts.items())))


if __name__ == "__main__":
    main()
