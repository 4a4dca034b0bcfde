"""OCR quality on generated A4 pages, with the real Tesseract.

Whole pages of a generated decision (DejaVu Serif 12 pt at 300 dpi), read by
``ocr_page`` and compared with the text they were made from: the character
error rate after NFKC and whitespace normalisation. Thresholds: 1 % clean,
3 % with scan noise (the issue's), 1 % for a clean polytonic page read with
``ell+grc`` (measured 0.3-0.5 %, see ``docs/archive-ocr.md``); the decision's
number read right. One page each: ~3 s apiece.
"""

from municipality.archive import extract
from municipality.archive import ocr
from municipality.archive import testpages


def read(seed, noisy=False, polytonic=False, languages="ell"):
    sample = testpages.sample(seed, lines=13 if polytonic else 20, polytonic=polytonic)
    page = testpages.render_page(
        sample.text, noisy=noisy, seed=seed, polytonic=polytonic
    )
    return sample, ocr.ocr_page(page, languages=languages)


def test_clean_page():
    sample, result = read(0)
    error = testpages.cer(sample.text, result.text)
    assert error <= 0.01, f"CER {error:.2%}"
    assert len(testpages.normalise(sample.text)) > 1800  # a whole page
    assert result.confidence >= 80
    assert result.specks == 0
    assert len(result.pdf) < 1_000_000
    # The meeting's date and the year, read back from what Tesseract read.
    assert extract.find_date(result.text) == sample.date
    assert extract.find_year(result.text) == sample.year
    # «389/2009»: the whole page's reading has «3689/2009» (a 6 put in
    # between DejaVu Serif's wide digits); the second reading of the
    # number's words puts it right.
    assert result.number_check == "corrected"
    assert result.number_read == "3689/2009"
    assert extract.find_number(result.text) == (sample.number, sample.year)


def test_noisy_page():
    sample, result = read(1, noisy=True)
    error = testpages.cer(sample.text, result.text)
    assert error <= 0.03, f"CER {error:.2%}"
    assert result.specks > 0  # the dust was found and removed
    assert len(result.pdf) < 1_000_000
    assert extract.find_number(result.text) == (sample.number, sample.year)


def test_polytonic_page():
    sample, result = read(1, polytonic=True, languages="ell+grc")
    error = testpages.cer(sample.text, result.text)
    assert error <= 0.01, f"CER {error:.2%}"
    # Breathings and circumflexes are kept, not folded away.
    assert "τῆς" in result.text
    assert extract.find_date(result.text) == sample.date


def test_noisy_page_whose_lines_tesseract_left_out(monkeypatch):
    """Noisy page 15: Tesseract's layout analysis leaves two whole lines of a
    paragraph out of its reading (7.3 % CER); they are found, read on their
    own and put in their place, in the text and in the PDF's text layer."""
    runs = []
    real = ocr.subprocess.run

    def run(command, *args, **kwargs):
        runs.append(command)
        return real(command, *args, **kwargs)

    monkeypatch.setattr(ocr.subprocess, "run", run)
    sample, result = read(15, noisy=True)
    error = testpages.cer(sample.text, result.text)
    assert error <= 0.01, f"CER {error:.2%}"
    assert result.lines_check == "recovered"
    assert result.lines_added == 2
    assert "επιχορήγηση του Υπουργείου" in result.lines_read
    assert 0 < result.lines_seconds < result.seconds
    # The page, the lines left out, then the number and the date.
    assert len(runs) == 3
    lines = runs[1]
    assert lines[lines.index("--psm") + 1] == "6"
    assert "textonly_pdf=1" in lines
    # In their place: after the paragraph before them, before the end of
    # their own paragraph that Tesseract did read.
    text = " ".join(result.text.split())
    assert (
        "της νομιμότητάς της. Η δαπάνη θα καλυφθεί από την τακτική επιχορήγηση "
        "του Υπουργείου Εσωτερικών. Ζητείται η συνδρομή των πολιτών για την "
        "καθαριότητα των κοινόχρηστων χώρων." in text
    )
    layer = ocr.subprocess.run(
        ["pdftotext", "-raw", "-", "-"],
        input=result.pdf,
        capture_output=True,
        check=True,
    ).stdout.decode()
    layer = " ".join(layer.split())
    assert "την καθαριότητα των κοινόχρηστων χώρων." in layer
    assert layer.index("νοµιµότητάς") < layer.index("επιχορήγηση")
    assert layer.index("επιχορήγηση") < layer.index("κοινόχρηστων")
    # The meeting's date and number, checked as on every page.
    assert result.number_check == "confirmed"
    assert extract.find_number(result.text) == (sample.number, sample.year)


def test_polytonic_day_read_again_with_its_article():
    # «τὴν 5ην Ἰουνίου 1965»: the noisy page reads the day «δην»; «5ην»
    # cropped alone reads as digits as nothing (or «51», «57»), «τὴν 5ην»
    # as «5», at both scales, and Saturday (ἡμέραν Σάββατον) agrees.
    sample, result = read(4, noisy=True, polytonic=True, languages="ell+grc")
    assert result.date_read == "δην Ἰουνίου 1965,"
    assert result.date_rereads == ("5 1965",) * len(ocr.NUMBER_SCALES)
    assert result.date_check == "corrected"
    assert extract.find_date(result.text) == sample.date


def test_polytonic_weekday_one_letter_off_settles_the_day():
    # «τὴν 23ην Σεπτεμβρίου 1952, ἡμέραν Τρίτην» read «22ην … Ἱρίτην»: the
    # second reading says 23, and «Ἱρίτην» after «ἡμέραν» is Tuesday, the
    # 23rd's day and not the 22nd's.
    sample, result = read(19, polytonic=True, languages="ell+grc")
    assert result.date_read == "22ην Σεπτεµβρίου 1952,"
    assert result.date_check == "corrected"
    assert extract.find_date(result.text) == sample.date


def test_date_in_digits_settled_by_the_weekday(capsys):
    # «Σήμερα, 17/7/2009, ημέρα Παρασκευή» on noisy page 0 reads «17/7/2005»,
    # a real date, a Sunday: the second reading says 2009, and Friday agrees.
    # Through the command that measures the 80 pages (docs/archive-ocr.md).
    testpages.main(["1", "noisy", "--numeric-dates"])
    out = capsys.readouterr().out
    assert (
        "Σήμερα, 17/7/2009, ημέρα Παρασκευή"
        in testpages.sample(0, numeric_date=True).text
    )
    assert "read right, of 1: numbers 1, dates 1, years 1" in out
    assert "date_check: corrected 1" in out
