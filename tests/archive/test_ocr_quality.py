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
