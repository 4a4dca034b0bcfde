"""Reading scans: every format's pages, and one real Tesseract run per page.

The scans are made here (Pillow); ``ocr_page`` runs the real Tesseract on
small pages (a few lines) to stay fast. Quality on whole pages is measured
in ``test_ocr_quality.py``.
"""

from io import BytesIO
from municipality.archive import extract
from municipality.archive import ocr
from municipality.archive import testpages
from PIL import Image
from PIL import ImageChops
from PIL import ImageDraw

import datetime
import pikepdf
import pytest
import re
import subprocess


ORIENTATION = 0x0112


def marked(size=(600, 800), corner=(0, 0), mode="L", fill=0, background=255):
    """A page with a black square 100 px from one corner (to see where it went)."""
    image = Image.new(mode, size, background)
    draw = ImageDraw.Draw(image)
    x = 20 if corner[0] == 0 else size[0] - 120
    y = 20 if corner[1] == 0 else size[1] - 120
    draw.rectangle((x, y, x + 100, y + 100), fill=fill)
    return image


def dark_corner(image):
    """Which corner of the image holds the square: (0|1, 0|1)."""
    grey = image.convert("L")
    width, height = grey.size
    best = None
    for cx in (0, 1):
        for cy in (0, 1):
            box = (
                cx * width // 2,
                cy * height // 2,
                (cx + 1) * width // 2,
                (cy + 1) * height // 2,
            )
            dark = grey.crop(box).point(lambda value: 255 if value < 128 else 0)
            count = dark.histogram()[255]
            if best is None or count > best[0]:
                best = (count, (cx, cy))
    return best[1]


def test_tiff_every_frame(tmp_path):
    path = tmp_path / "volume.tif"
    frames = [
        marked((600, 800), (0, 0)),
        marked((700, 900), (1, 0)),
        marked((800, 1000), (1, 1)),
    ]
    frames[0].save(
        path,
        save_all=True,
        append_images=frames[1:],
        compression="tiff_lzw",
        dpi=(300, 300),
    )
    assert ocr.count_pages(path) == 3
    pages = list(ocr.iter_pages(path))
    assert [page.size for page in pages] == [(600, 800), (700, 900), (800, 1000)]
    assert [dark_corner(page) for page in pages] == [(0, 0), (1, 0), (1, 1)]
    third = ocr.load_page(path, 2)
    assert third.size == (800, 1000)
    assert dark_corner(third) == (1, 1)
    assert third.info["dpi"] == (300, 300)
    assert third.mode == "L"


def test_tiff_bilevel_g4(tmp_path):
    path = tmp_path / "scan.tif"
    frames = [
        marked((1000, 1400), (0, 1), mode="1"),
        marked((1000, 1400), (1, 1), mode="1"),
    ]
    frames[0].save(
        path,
        save_all=True,
        append_images=frames[1:],
        compression="group4",
        dpi=(200, 200),
    )
    with Image.open(path) as check:
        assert check.info["compression"] == "group4"
    assert ocr.count_pages(path) == 2
    second = ocr.load_page(path, 1)
    assert second.mode == "1"
    assert dark_corner(second) == (1, 1)
    assert ocr.resolution(second) == 200


def test_load_page_does_not_decode_the_pages_before(tmp_path):
    """A damaged first frame does not stop a worker reading the third."""
    path = tmp_path / "damaged.tif"
    frames = [marked((400, 400), (0, 0)), marked((400, 400), (1, 0))]
    frames.append(marked((400, 400), (1, 1)))
    frames[0].save(
        path, save_all=True, append_images=frames[1:], compression="tiff_lzw"
    )
    with Image.open(path) as image:
        offset = image.tag_v2[273][0]  # StripOffsets of the first frame
        length = image.tag_v2[279][0]
    data = bytearray(path.read_bytes())
    data[offset : offset + length] = b"\xff" * length  # not LZW any more
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="damaged.tif"):
        ocr.load_page(path, 0)
    assert dark_corner(ocr.load_page(path, 2)) == (1, 1)


@pytest.mark.parametrize(
    ("mode", "fill", "background"),
    [
        ("L", 0, 255),
        ("RGB", (0, 0, 0), (255, 255, 255)),
        ("RGB", (200, 0, 0), (255, 250, 240)),
        ("P", 0, 1),
    ],
)
def test_png_modes(tmp_path, mode, fill, background):
    image = marked((500, 700), (1, 0), mode=mode, fill=fill, background=background)
    if mode == "P":
        image.putpalette([0, 0, 0, 255, 255, 255] + [0] * 762)
    path = tmp_path / "page.png"
    image.save(path, dpi=(300, 300))
    assert ocr.count_pages(path) == 1
    page = ocr.load_page(path, 0)
    assert page.mode in ("L", "RGB")
    assert page.size == (500, 700)
    assert dark_corner(page) == (1, 0)
    assert ocr.resolution(page) == 300


def test_colour_scan_stays_colour_grey_scan_becomes_grey(tmp_path):
    colour = marked(
        (300, 300), mode="RGB", fill=(200, 0, 0), background=(250, 240, 200)
    )
    colour.save(tmp_path / "colour.png")
    grey_rgb = marked(
        (300, 300), mode="RGB", fill=(0, 0, 0), background=(240, 240, 240)
    )
    grey_rgb.save(tmp_path / "grey.png")
    assert ocr.load_page(tmp_path / "colour.png", 0).mode == "RGB"
    assert ocr.load_page(tmp_path / "grey.png", 0).mode == "L"


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P"])
def test_png_with_alpha_flattened_on_white(tmp_path, mode):
    path = tmp_path / "alpha.png"
    if mode == "P":
        # A palette whose entry 1 (black too) is the transparent one.
        image = Image.new("P", (400, 400), 1)
        image.putpalette([0, 0, 0, 0, 0, 0] + [0] * 762)
        ImageDraw.Draw(image).rectangle((20, 20, 120, 120), fill=0)
        image.save(path, transparency=1)
    else:
        image = Image.new("RGBA", (400, 400), (0, 0, 0, 0))  # transparent black
        ImageDraw.Draw(image).rectangle((20, 20, 120, 120), fill=(0, 0, 0, 255))
        image.convert(mode).save(path)
    page = ocr.load_page(path, 0)
    assert page.mode in ("L", "RGB")
    grey = page.convert("L")
    assert grey.getpixel((300, 300)) == 255  # the transparent part is paper
    assert grey.getpixel((50, 50)) == 0
    assert dark_corner(page) == (0, 0)


def test_jpeg_exif_orientation(tmp_path):
    """A phone photo stored sideways with Orientation=6 comes out upright."""
    # Upright the page is 600x800 with the square at the top left; stored
    # rotated 90° clockwise, as a camera held sideways writes it.
    upright = marked((600, 800), (0, 0))
    stored = upright.rotate(-90, expand=True)  # 800x600, square at top right
    exif = Image.Exif()
    exif[ORIENTATION] = 8
    path = tmp_path / "photo.jpg"
    stored.save(path, exif=exif, quality=90)
    page = ocr.load_page(path, 0)
    assert page.size == (600, 800)
    assert dark_corner(page) == (0, 0)
    assert ocr.count_pages(path) == 1
    assert [p.size for p in ocr.iter_pages(path)] == [(600, 800)]


def test_pdf_three_pages_rasterised_at_300_dpi(tmp_path):
    path = tmp_path / "decision.pdf"
    # A6 pages (105 x 148 mm): small to render, 1240 x 1748 pixels at 300 dpi.
    pages = [marked((420, 592), corner) for corner in ((0, 0), (1, 0), (1, 1))]
    pages[0].save(path, save_all=True, append_images=pages[1:], resolution=102)
    assert ocr.count_pages(path) == 3
    images = list(ocr.iter_pages(path))
    assert len(images) == 3
    for image in images:
        assert image.mode == "L"
        assert abs(image.width - 1235) <= 3
        assert image.info["dpi"] == (300, 300)
    assert [dark_corner(image) for image in images] == [(0, 0), (1, 0), (1, 1)]
    third = ocr.load_page(path, 2)
    assert dark_corner(third) == (1, 1)
    with pytest.raises(IndexError, match="decision.pdf"):
        ocr.load_page(path, 3)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("notes.tif", b"this is not an image at all"),
        ("truncated.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
        ("broken.pdf", b"%PDF-1.4\nnothing else"),
        ("empty.jpg", b""),
    ],
)
def test_unreadable_files_are_named(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ValueError, match=name.replace(".", r"\.")):
        ocr.count_pages(path)
    with pytest.raises(ValueError, match=name.replace(".", r"\.")):
        ocr.load_page(path, 0)
    with pytest.raises(ValueError, match=name.replace(".", r"\.")):
        list(ocr.iter_pages(path))


def test_missing_file(tmp_path):
    with pytest.raises(ValueError, match="gone.tif"):
        ocr.count_pages(tmp_path / "gone.tif")


def test_page_out_of_range(tmp_path):
    path = tmp_path / "one.png"
    marked().save(path)
    with pytest.raises(IndexError, match="one.png"):
        ocr.load_page(path, 1)
    with pytest.raises(IndexError):
        ocr.load_page(path, -1)


def test_resolution_when_the_file_does_not_say():
    page = Image.new("L", (2480, 3508), 255)  # A4 at 300 dpi, no dpi info
    assert ocr.resolution(page) == 300
    page.info["dpi"] = (72, 72)  # what phones write
    assert ocr.resolution(page) == 300
    page.info["dpi"] = (400, 400)
    assert ocr.resolution(page) == 400


# -- ocr_page: the real Tesseract ------------------------------------------------


SHORT = "Αριθμός Απόφασης 45/1987\nΤο Δημοτικό Συμβούλιο αποφασίζει ομόφωνα."


def short_page(text=SHORT, noisy=False):
    """A few lines of a rendered page, cropped to the text (fast to read)."""
    page = testpages.render_page(text, noisy=noisy)
    lines = len(testpages.layout(text))
    return page.crop((0, 0, page.width, 320 + lines * 75))


@pytest.fixture
def spy(monkeypatch):
    """Records every subprocess.run of the OCR module (then runs it for real)."""
    calls = []
    real = subprocess.run

    def run(command, *args, **kwargs):
        calls.append((command, kwargs.get("env")))
        return real(command, *args, **kwargs)

    monkeypatch.setattr(ocr.subprocess, "run", run)
    return calls


def test_ocr_page_one_tesseract_run(spy):
    image = short_page()
    result = ocr.ocr_page(image, image_width=1240, thumbnail_width=200)
    # One run gave the text, the confidences and the PDF page; the page
    # names a decision number, so a second run read that alone (a crop).
    assert len(spy) == 2
    command, env = spy[0]
    assert command[0] == ocr.TESSERACT
    assert "tessedit_create_pdf=1" in command
    assert env["OMP_THREAD_LIMIT"] == "1"
    number_command, number_env = spy[1]
    assert number_command[0] == ocr.TESSERACT
    assert number_command[number_command.index("-l") + 1] == "eng"
    assert number_command[number_command.index("--psm") + 1] == "7"
    assert "tessedit_char_whitelist=0123456789/" in number_command
    assert "tessedit_create_pdf=1" not in number_command
    assert number_env["OMP_THREAD_LIMIT"] == "1"
    assert result.number_check == "confirmed"
    assert result.number_read == "45/1987"
    assert 0 < result.number_seconds < result.seconds
    assert "Συμβούλιο" in result.text
    assert "45/1987" in result.text
    assert result.text == result.text.strip()
    assert 50 < result.confidence <= 100
    assert result.words >= 8
    assert result.seconds > 0
    assert (result.width, result.height) == image.size
    assert result.dpi == 300
    # The page image and its thumbnail: JPEG, the widths asked for.
    with Image.open(BytesIO(result.image)) as shown:
        assert shown.format == "JPEG"
        assert shown.width == 1240
        assert shown.height == round(image.height * 1240 / image.width)
    with Image.open(BytesIO(result.thumbnail)) as thumbnail:
        assert thumbnail.format == "JPEG"
        assert thumbnail.width == 200
    # The PDF: one page, the scan as a greyscale JPEG, the text under it.
    with pikepdf.open(BytesIO(result.pdf)) as pdf:
        assert len(pdf.pages) == 1
        images = list(pdf.pages[0].get_images().values())
        assert len(images) == 1
        assert images[0].Filter == pikepdf.Name.DCTDecode
        assert images[0].ColorSpace == pikepdf.Name.DeviceGray
        assert (images[0].Width, images[0].Height) == image.size
        # A4 wide at 300 dpi: 595 points.
        assert abs(float(pdf.pages[0].mediabox[2]) - 595.2) < 1
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=result.pdf, capture_output=True, check=True
    ).stdout.decode()
    assert "Συμβούλιο" in text


def test_ocr_page_without_a_number_reads_once(spy):
    result = ocr.ocr_page(short_page("Το Δημοτικό Συμβούλιο αποφασίζει ομόφωνα."))
    assert "Συμβούλιο" in result.text
    assert len(spy) == 1
    assert result.number_check is None
    assert result.number_rereads == ()
    assert result.number_seconds == 0


# «Αριθμός Απόφασης 389/2009» as the header of a short page: Tesseract's
# ``ell`` reads the number «3689/2009» (a 6 put between wide digits).
MISREAD = (
    "ΑΠΟΣΠΑΣΜΑ ΑΠΟ ΤΟ ΠΡΑΚΤΙΚΟ\nΑριθμός Απόφασης 389/2009\n"
    "Το Δημοτικό Συμβούλιο αποφασίζει ομόφωνα."
)


def test_ocr_page_misread_number_is_read_again(spy):
    result = ocr.ocr_page(short_page(MISREAD))
    # What the page's reading had, and what the crop's readings have.
    assert result.number_read == "3689/2009"
    assert result.number_rereads == ("389/2009",) * len(ocr.NUMBER_SCALES)
    assert result.number_check == "corrected"
    assert "Απόφασης 389/2009" in result.text
    assert "3689" not in result.text
    assert extract.find_number(result.text) == ("389", 2009)
    assert len(spy) == 2
    # The rest of the text is Tesseract's.
    assert "Το Δημοτικό Συμβούλιο αποφασίζει ομόφωνα." in result.text
    # The PDF's text layer has the corrected number, where the page shows
    # the number: the same box as the first reading's word.
    as_read = ocr.ocr_page(short_page(MISREAD), read_number=False)
    assert "3689/2009" in pdf_text(as_read.pdf)
    text = pdf_text(result.pdf)
    assert "Απόφασης 389/2009" in text
    assert "3689" not in text
    assert "Συμβούλιο" in text
    (before,) = pdf_boxes(as_read.pdf, "3689/2009")
    (after,) = pdf_boxes(result.pdf, "389/2009")
    # (Within a point: Tesseract stretches a word and the space after it
    # over the word's box, poppler's box ends before the space.)
    assert after == pytest.approx(before, abs=1.0)


def pdf_text(pdf):
    return subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def pdf_boxes(pdf, word):
    """Where poppler finds ``word`` in the PDF: (xMin, yMin, xMax, yMax) each."""
    html = subprocess.run(
        ["pdftotext", "-bbox", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    return [
        tuple(float(value) for value in match.groups())
        for match in re.finditer(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
            r'yMax="([\d.]+)">' + re.escape(word) + "</word>",
            html,
        )
    ]


def read_with_tesseract(image, folder):
    """Tesseract's text, TSV and PDF of a page, as ``ocr_page`` runs it."""
    source = folder / "page.png"
    image.save(source, dpi=(300, 300))
    base = folder / "out"
    ocr._run(
        [
            ocr.TESSERACT,
            str(source),
            str(base),
            "-l",
            "ell",
            "--dpi",
            "300",
            "-c",
            "tessedit_create_tsv=1",
            "-c",
            "tessedit_create_pdf=1",
        ],
        60,
        "a test page",
    )
    return (
        (folder / "out.tsv").read_text("utf-8"),
        (folder / "out.pdf").read_bytes(),
    )


def test_put_number_pdf_over_several_words(tmp_path):
    """A number read as two words becomes one word over both boxes."""
    page = short_page("Αριθμός Απόφασης 414/1 998, σελ. 7\nΤο Δημοτικό Συμβούλιο.")
    tsv, pdf = read_with_tesseract(page, tmp_path)
    words = ocr._words(tsv)
    found = ocr.number_words(words)
    assert found[4] == "414/1 998"
    (first,) = pdf_boxes(pdf, "414/1")
    (last,) = pdf_boxes(pdf, "998,")
    corrected = ocr._put_number_pdf(pdf, words, found, "414/1998")
    text = pdf_text(corrected)
    assert "Απόφασης 414/1998," in text
    assert "σελ. 7" in text
    assert "998" not in text.replace("414/1998,", "")
    (joined,) = pdf_boxes(corrected, "414/1998,")
    assert joined[0] == pytest.approx(first[0], abs=0.5)
    assert joined[2] == pytest.approx(last[2], abs=1.5)
    # The page's image is the same image.
    with pikepdf.open(BytesIO(pdf)) as old, pikepdf.open(BytesIO(corrected)) as new:
        (old_image,) = old.pages[0].images.values()
        (new_image,) = new.pages[0].images.values()
        assert old_image.read_raw_bytes() == new_image.read_raw_bytes()
    # Words that are not the TSV's: the PDF is left alone.
    assert ocr._put_number_pdf(pdf, words[1:], found, "414/1998") is None
    assert ocr._put_number_pdf(b"not a pdf", words, found, "414/1998") is None


def test_ocr_page_without_the_number_check(spy):
    result = ocr.ocr_page(short_page(MISREAD), read_number=False)
    assert len(spy) == 1
    assert result.number_check is None
    assert "3689/2009" in result.text


def test_ocr_page_number_readings_disagree(monkeypatch):
    """A second reading that cannot be reconciled changes nothing."""

    read_again = ocr._read_again

    def disagreeing(page, groups, dpi, folder, timeout, what, *characters):
        readings = read_again(page, groups, dpi, folder, timeout, what, *characters)
        # A digit the page's reading has not: not a slip of the Greek model.
        return (("3869/2009", "3869/2009"), *readings[1:])

    monkeypatch.setattr(ocr, "_read_again", disagreeing)
    result = ocr.ocr_page(short_page(MISREAD))
    assert result.number_check == "unresolved"
    assert result.number_rereads == ("3869/2009", "3869/2009")
    assert "Απόφασης 3689/2009" in result.text
    assert "3869" not in result.text


def test_ocr_page_number_reading_fails(monkeypatch):
    """No model for the second reading: the page is read all the same."""
    monkeypatch.setattr(ocr, "NUMBER_LANGUAGES", "xyz")
    result = ocr.ocr_page(short_page(MISREAD))
    assert result.number_check == "failed"
    assert "Απόφασης 3689/2009" in result.text
    assert "Συμβούλιο" in result.text


def test_ocr_page_bilevel_scan_stays_g4():
    image = short_page().point(lambda value: 255 if value > 128 else 0).convert("1")
    result = ocr.ocr_page(image)
    assert "Συμβούλιο" in result.text
    with pikepdf.open(BytesIO(result.pdf)) as pdf:
        (picture,) = pdf.pages[0].get_images().values()
        assert picture.Filter == pikepdf.Name.CCITTFaxDecode
    assert len(result.pdf) < 60_000


def test_ocr_page_blank_page():
    image = Image.new("L", (1240, 600), 255)
    image.info["dpi"] = (150, 150)
    result = ocr.ocr_page(image)
    assert result.text == ""
    assert result.confidence is None
    assert result.words == 0
    with pikepdf.open(BytesIO(result.pdf)) as pdf:
        assert len(pdf.pages) == 1


def test_ocr_page_monotonic_marks(spy):
    """A monotonic page never keeps a breathing Tesseract put on a capital."""
    result = ocr.ocr_page(short_page("Η Υπηρεσία και η Ηλεία."))
    assert not any(0x1F00 <= ord(character) <= 0x1FFF for character in result.text)
    assert "Υπηρεσία" in result.text


def test_ocr_page_small_image_not_enlarged():
    image = short_page().resize((600, 200))
    result = ocr.ocr_page(image, image_width=1240, thumbnail_width=200)
    with Image.open(BytesIO(result.image)) as shown:
        assert shown.width == 600


def test_ocr_page_timeout():
    image = short_page()
    with pytest.raises(ocr.OCRError, match="longer than 0.05 s"):
        ocr.ocr_page(image, timeout=0.05)


def test_ocr_page_tesseract_missing(monkeypatch):
    monkeypatch.setattr(ocr, "TESSERACT", "/nonexistent/tesseract")
    with pytest.raises(ocr.OCRError, match="not installed"):
        ocr.ocr_page(short_page())


def test_ocr_page_unknown_language():
    with pytest.raises(ocr.OCRError, match="Tesseract failed"):
        ocr.ocr_page(short_page(), languages="xyz")


@pytest.mark.parametrize("languages", ["", "ell; rm -rf", "../ell", "ell+"])
def test_ocr_page_bad_languages(languages):
    with pytest.raises(ValueError, match="languages"):
        ocr.ocr_page(Image.new("L", (10, 10), 255), languages=languages)


def test_raw_tesseract_image_and_pdf(tmp_path, spy):
    image = short_page()
    png = tmp_path / "page.png"
    image.save(png, dpi=(300, 300))
    text = ocr.raw_tesseract(png)
    assert "Συμβούλιο" in text
    assert len(spy) == 1
    assert spy[0][1]["OMP_THREAD_LIMIT"] == "1"
    pdf = tmp_path / "page.pdf"
    image.save(pdf, resolution=300)
    assert "Συμβούλιο" in ocr.raw_tesseract(pdf)


# -- the text and the confidence -------------------------------------------------


def test_word_confidence_weighted_by_length():
    header = "\t".join(
        "level page_num block_num par_num line_num word_num "
        "left top width height conf text".split()
    )
    rows = [
        "1\t1\t0\t0\t0\t0\t0\t0\t100\t100\t-1\t",
        "5\t1\t1\t1\t1\t1\t0\t0\t10\t10\t90.0\tαπόφαση",  # 7 letters
        "5\t1\t1\t1\t1\t2\t0\t0\t10\t10\t20.0\tτο",  # 2 letters
        "5\t1\t1\t1\t1\t3\t0\t0\t10\t10\t-1\t ",
        "5\t1\t1\t1\t1\t4\t0\t0\t10\t10\t50.0\t",
    ]
    confidence, words = ocr.word_confidence("\n".join([header, *rows]))
    assert words == 2
    assert confidence == pytest.approx((90 * 7 + 20 * 2) / 9, abs=0.01)
    assert ocr.word_confidence(header) == (None, 0)


def test_tidy_text():
    raw = "Απόφαση   \n\n\n\nτου Συμ-\nβουλίου  \n\x0c"
    assert ocr.tidy_text(raw) == "Απόφαση\n\nτου Συμ-\nβουλίου"
    # NFKC: the micro sign Tesseract writes for μ, ligatures.
    assert ocr.tidy_text("\u00b5ε ﬁ") == "με fi"


def test_monotonic():
    assert ocr.monotonic("Ὑπηρεσία Ἡ ἀπόφασις ἐκεῖ Μαΐου ὁδὸς") == (
        "Υπηρεσία Η απόφασις εκεί Μαΐου οδός"
    )
    # Latin letters keep their accents.
    assert ocr.monotonic("è") == "è"
    assert ocr.tidy_text("Ὑπηρεσία", polytonic=True) == "Ὑπηρεσία"
    assert ocr.tidy_text("Ὑπηρεσία", polytonic=False) == "Υπηρεσία"


# -- dust ------------------------------------------------------------------------


def test_despeckle_removes_dust_and_keeps_the_text():
    """Specks go; letters, accents, full stops and the diaeresis stay."""
    text = "Μαΐου, ϊ ΰ: «Ἀριθ. 5.3.87» ; Αποφ. ά έ ή ί ό ύ ώ ΐ."
    page = testpages.render_page(text, dpi=300)
    page = page.crop((0, 200, page.width, 500))
    page.info["dpi"] = (300, 300)
    # Nothing on a clean page is a speck.
    cleaned, count = ocr.despeckle(page)
    assert count == 0
    assert ImageChops.difference(cleaned, page).getbbox() is None
    assert not ocr.speckled(page)
    # Dust of 1 to 3 pixels across, away from the letters.
    dusty = page.copy()
    draw = ImageDraw.Draw(dusty)
    dots = [(60 + 37 * index, 20 + (index % 5) * 9) for index in range(60)]
    for index, (x, y) in enumerate(dots):
        size = index % 3  # 1x1 to 3x3
        draw.rectangle((x, y, x + size, y + size), fill=0)
    cleaned, count = ocr.despeckle(dusty)
    assert count > 0
    for x, y in dots:
        assert cleaned.getpixel((x, y)) == 255
    # The text is untouched: every pixel off the dust rows is the page's.
    box = (0, 80, page.width, page.height)
    assert ImageChops.difference(cleaned.crop(box), page.crop(box)).getbbox() is None


def test_speckled_page_is_cleaned_before_reading():
    page = testpages.render_page(SHORT, noisy=True, seed=4)
    assert ocr.speckled(page)
    assert not ocr.speckled(testpages.render_page(SHORT))
    grey, specks = ocr.ocr_input(page, 300)
    assert specks > 100
    unchanged, none = ocr.ocr_input(page, 300, despeckle_page=False)
    assert none == 0
    assert unchanged is page


# -- where the number is: Tesseract's words ---------------------------------------


TSV_HEADER = (
    "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\t"
    "left\ttop\twidth\theight\tconf\ttext"
)


def tsv(*lines):
    """A TSV of words: each line a list of (text, left, width)."""
    rows = [TSV_HEADER]
    for line_number, line in enumerate(lines, start=1):
        rows.append(f"4\t1\t1\t1\t{line_number}\t0\t0\t0\t0\t0\t-1\t")
        for word_number, (text, left, width) in enumerate(line, start=1):
            top = 100 * line_number
            rows.append(
                f"5\t1\t1\t1\t{line_number}\t{word_number}\t{left}\t{top}"
                f"\t{width}\t40\t90.0\t{text}"
            )
    return "\n".join(rows)


HEADER = [("ΑΠΟΣΠΑΣΜΑ", 10, 300)]


def test_number_words():
    words = ocr._words(
        tsv(
            HEADER,
            [("Αριθμός", 10, 200), ("Απόφασης", 220, 250), ("3689/2009", 480, 230)],
        )
    )
    first, last, offset, end, read = ocr.number_words(words)
    assert (first, last, offset, end, read) == (3, 3, 0, 9, "3689/2009")
    assert (words[3].left, words[3].right, words[3].bottom) == (480, 710, 240)


def test_number_words_year_split_by_a_space():
    words = ocr._words(
        tsv(
            [
                ("Αριθμός", 10, 200),
                ("Απόφασης", 220, 250),
                ("414/1", 480, 150),
                ("998,", 640, 120),
                ("σελ.", 780, 80),
            ]
        )
    )
    assert ocr.number_words(words) == (2, 3, 0, 3, "414/1 998")
    # The text as Tesseract wrote it, the number put back in one piece.
    text = "Αριθμός Απόφασης 414/1 998, σελ."
    found = ocr.number_words(words)
    assert ocr._put_number(text, words, found, "414/1998") == (
        "Αριθμός Απόφασης 414/1998, σελ."
    )


def test_number_words_split_before_the_slash():
    """«313/1999» read «31 3/1999»: without the second word both readings
    would agree on «31»."""
    words = ocr._words(
        tsv(
            [
                ("Αριθμός", 10, 200),
                ("Απόφασης", 220, 250),
                ("31", 480, 50),
                ("3/1999", 540, 150),
            ],
            [("Το", 10, 50), ("Δημοτικό", 70, 200)],
        )
    )
    found = ocr.number_words(words)
    assert found == (2, 3, 0, 6, "31 3/1999")
    assert extract.check_number(found[4], "313/1999") == ("confirmed", "313/1999")
    text = "Αριθμός Απόφασης 31 3/1999\nΤο Δημοτικό"
    assert ocr._put_number(text, words, found, "313/1999") == (
        "Αριθμός Απόφασης 313/1999\nΤο Δημοτικό"
    )
    # A word after a whole number is not part of it.
    words = ocr._words(
        tsv(
            [
                ("Απόφαση", 10, 200),
                ("αριθ.", 220, 100),
                ("12/1987", 340, 60),
                ("3/1987", 420, 60),
            ]
        )
    )
    assert ocr.number_words(words)[4] == "12/1987"


def test_number_words_next_line_is_not_the_number():
    words = ocr._words(
        tsv(
            [("Απόφαση", 10, 200), ("αριθ.", 220, 100), ("88", 340, 60)],
            [("1987", 10, 120)],
        )
    )
    assert ocr.number_words(words) == (2, 2, 0, 2, "88")


@pytest.mark.parametrize(
    "line",
    [
        [("Το", 10, 50), ("Συμβούλιο", 70, 250), ("αποφασίζει", 330, 250)],
        # A number with a letter is not read again (digits only).
        [("Αριθμός", 10, 200), ("Απόφασης", 220, 250), ("45Α/1990", 480, 230)],
    ],
)
def test_number_words_none(line):
    assert ocr.number_words(ocr._words(tsv(line))) is None


def test_put_number_words_that_do_not_line_up():
    words = ocr._words(
        tsv([("Αριθμός", 10, 200), ("Απόφασης", 220, 250), ("3689/2009", 480, 230)])
    )
    found = ocr.number_words(words)
    assert ocr._put_number("Αριθμός Απόφασης 3689/2009", words, found, "389/2009") == (
        "Αριθμός Απόφασης 389/2009"
    )
    # The text has a word the TSV has not: nothing is replaced.
    assert (
        ocr._put_number("Αριθμός Απόφασης x 3689/2009", words, found, "389/2009")
        is None
    )


# -- the meeting date read twice ---------------------------------------------

DATE_LINE = [
    ("Σήμερα,", 10, 150),
    ("την", 170, 60),
    ("6η", 240, 40),
    ("Ιανουαρίου", 290, 200),
    ("196868,", 500, 140),
    ("ημέρα", 650, 100),
    ("Τετάρτη", 760, 140),
    ("και", 910, 60),
]


def test_date_words():
    words = ocr._words(tsv(HEADER, DATE_LINE))
    found = ocr.date_words(words)
    assert found == ocr.DateWords(
        day=3,
        month=4,
        year=5,
        month_number=1,
        day_read="6",
        year_read="196868",
        day_end=1,
        year_end=6,
        weekday=2,
    )
    # Day and year as they will be put in: the ending and the comma stay.
    text = "ΑΠΟΣΠΑΣΜΑ\n" + " ".join(word for word, _left, _width in DATE_LINE)
    changes = [
        (found.year, found.year, 0, found.year_end, "1988"),
        (found.day, found.day, 0, found.day_end, "6"),
    ]
    assert ocr._put_words(text, words, changes) == (
        "ΑΠΟΣΠΑΣΜΑ\nΣήμερα, την 6η Ιανουαρίου 1988, ημέρα Τετάρτη και"
    )


def test_date_words_polytonic_and_read_as_letters():
    words = ocr._words(
        tsv(
            [
                ("Σήμερον", 10, 150),
                ("τὴν", 170, 60),
                ("θην", 240, 60),
                ("τοῦ", 310, 60),
                ("μηνὸς", 380, 100),
                ("Σεπτεμβρίου", 490, 200),
                ("τοῦ", 700, 60),
                ("ἔτους", 770, 100),
                ("1955,", 880, 100),
                ("ἡμέραν", 990, 120),
                ("Τρίτην", 1120, 120),
            ]
        )
    )
    found = ocr.date_words(words)
    assert (found.day, found.month, found.year) == (2, 5, 8)
    assert (found.day_read, found.year_read, found.weekday) == ("", "1955", 1)
    assert found.day_end == 1


def test_date_words_weekday_one_letter_off_after_the_word_day():
    # Polytonic page 19 of the generated pages: «Τρίτην» read «Ἱρίτην».
    line = [
        ("Σήμερον", 10, 150),
        ("τὴν", 170, 60),
        ("22ην", 240, 80),
        ("Σεπτεμβρίου", 330, 200),
        ("1952,", 540, 100),
        ("ἡμέραν", 650, 120),
        ("Ἱρίτην", 780, 120),
    ]
    assert ocr.date_words(ocr._words(tsv(line))).weekday == 1
    # Not after «ημέρα»: a word one letter off is no day.
    line[5] = ("καί", 650, 60)
    assert ocr.date_words(ocr._words(tsv(line))).weekday is None


@pytest.mark.parametrize(
    "line",
    [
        # Not the meeting's: the date of a paper cited.
        [
            ("ΦΕΚ", 10, 80),
            ("της", 100, 60),
            ("6ης", 170, 60),
            ("Ιανουαρίου", 240, 200),
            ("1988", 450, 100),
        ],
        # A letter for a day, not after «την».
        [
            ("Σήμερα", 10, 150),
            ("δη", 170, 40),
            ("Ιανουαρίου", 220, 200),
            ("1988", 430, 100),
        ],
        # No year after the month.
        [
            ("Σήμερα,", 10, 150),
            ("την", 170, 60),
            ("6η", 240, 40),
            ("Ιανουαρίου", 290, 200),
            ("ημέρα", 500, 100),
        ],
    ],
)
def test_date_words_none(line):
    assert ocr.date_words(ocr._words(tsv(line))) is None


# A short page whose meeting date the ``ell`` model misreads («196868,»),
# as its number («5368/1988»).
MISREAD_DATE = (
    "ΑΠΟΣΠΑΣΜΑ ΑΠΟ ΤΟ ΠΡΑΚΤΙΚΟ\nΑριθμός Απόφασης 38/1988\n"
    "Σήμερα, την 6η Ιανουαρίου 1988, ημέρα Τετάρτη και ώρα 11:00, συνήλθε "
    "σε τακτική συνεδρίαση το Δημοτικό Συμβούλιο."
)


def test_ocr_page_misread_date_is_read_again(spy):
    result = ocr.ocr_page(short_page(MISREAD_DATE))
    assert len(spy) == 2  # the page, then its number and date in one run
    assert result.date_read == "6η Ιανουαρίου 196868,"
    assert result.date_rereads == ("6 1988",) * len(ocr.NUMBER_SCALES)
    assert result.date_check == "corrected"
    assert "την 6η Ιανουαρίου 1988, ημέρα" in result.text
    assert extract.find_date(result.text) == datetime.date(1988, 1, 6)
    # The number on the same page, corrected with it.
    assert result.number_check == "corrected"
    assert extract.find_number(result.text) == ("38", 1988)
    # Both in the PDF's text layer.
    text = pdf_text(result.pdf)
    assert "Απόφασης 38/1988" in text
    assert "Ιανουαρίου 1988," in text
    assert "196868" not in text
    assert "Τετάρτη" in text


def test_ocr_page_without_the_date_check(spy):
    result = ocr.ocr_page(short_page(MISREAD_DATE), read_date=False)
    assert len(spy) == 2  # the number is read again, the date is not
    assert result.date_check is None
    assert "196868" in result.text
    assert result.number_check == "corrected"
    result = ocr.ocr_page(short_page(MISREAD_DATE), read_date=False, read_number=False)
    assert result.number_check is None
    assert result.date_check is None


def test_numeric_date_words():
    words = ocr._words(
        tsv(
            HEADER,
            [
                ("Σήμερα,", 10, 150),
                ("17/7/2005,", 170, 200),
                ("ημέρα", 380, 100),
                ("Παρασκευή", 490, 180),
            ],
        )
    )
    assert ocr.numeric_date_words(words) == ocr.NumericDateWords(
        first=2, last=2, end=9, read="17/7/2005", weekday=4
    )
    # No word date on the page: the date check looks for one in digits.
    assert ocr.date_words(words) is None


def test_numeric_date_words_split_and_noisy():
    # «11.5. 2001,»: the reading split the date; «12-5-1398»,»: a noisy page
    # put a mark after it.
    line = [
        ("Σήμερον", 10, 150),
        ("11.5.", 170, 100),
        ("2001,", 280, 100),
        ("ἡμέραν", 390, 120),
        ("Παρασκευήν", 520, 180),
    ]
    found = ocr.numeric_date_words(ocr._words(tsv(line)))
    assert found == ocr.NumericDateWords(1, 2, 4, "11.5.2001", 4)
    words = ocr._words(tsv([("Σήμερα,", 10, 150), ("12-5-1398»,", 170, 220)]))
    assert ocr.numeric_date_words(words) == ocr.NumericDateWords(
        1, 1, 9, "12-5-1398", None
    )
    # Put back as the page wrote it: the mark and the comma stay.
    text = "Σήμερα, 12-5-1398»,"
    assert ocr._put_words(text, words, [(1, 1, 0, 9, "15-5-1985")]) == (
        "Σήμερα, 15-5-1985»,"
    )


@pytest.mark.parametrize(
    "lines",
    [
        # Not the meeting's: the date of a paper cited.
        [[("ΦΕΚ", 10, 80), ("της", 100, 60), ("10-3-1987", 170, 200)]],
        [[("την", 10, 60), ("αριθ.", 80, 80), ("1234/10-3-1987", 170, 260)]],
        # Not one separator throughout, or no year.
        [[("Σήμερα,", 10, 150), ("17/7-2009,", 170, 200)]],
        [[("Σήμερα,", 10, 150), ("17/7,", 170, 100), ("ημέρα", 280, 100)]],
        # Split over two lines.
        [[("Σήμερα,", 10, 150), ("17/7/", 170, 100)], [("2009,", 10, 100)]],
    ],
)
def test_numeric_date_words_none(lines):
    assert ocr.numeric_date_words(ocr._words(tsv(*lines))) is None


# Short pages with the meeting date in digits, which the ``ell`` model
# misreads: «95-6-1989» (a wide «5» read with a digit put in), and on a
# noisy page «12-5-1398»,».
DATE_IN_DIGITS = (
    "ΑΠΟΣΠΑΣΜΑ ΑΠΟ ΤΟ ΠΡΑΚΤΙΚΟ\nΑριθμός Απόφασης {number}\n"
    "Σήμερα, {date}, ημέρα {weekday} και ώρα 11:00, συνήλθε "
    "σε τακτική συνεδρίαση το Δημοτικό Συμβούλιο."
)


def test_ocr_page_date_in_digits_is_read_again(spy):
    text = DATE_IN_DIGITS.format(number="38/1989", date="5-6-1989", weekday="Δευτέρα")
    result = ocr.ocr_page(short_page(text))
    assert len(spy) == 2  # the page, then its number and date in one run
    assert "-c" in spy[1][0]
    assert f"tessedit_char_whitelist={ocr.DATE_CHARACTERS}" in spy[1][0]
    assert result.date_read == "95-6-1989"
    assert result.date_rereads == ("5-6-1989",) * len(ocr.NUMBER_SCALES)
    assert result.date_check == "corrected"
    assert "Σήμερα, 5-6-1989, ημέρα" in result.text
    assert extract.find_date(result.text) == datetime.date(1989, 6, 5)
    # The number, read in the same run with the separators allowed.
    assert result.number_check == "corrected"
    assert extract.find_number(result.text) == ("38", 1989)
    layer = pdf_text(result.pdf)
    assert "5-6-1989," in layer
    assert "95-6-1989" not in layer


def test_ocr_page_date_in_digits_settled_by_the_weekday():
    text = DATE_IN_DIGITS.format(number="45/1985", date="15-5-1985", weekday="Τετάρτη")
    result = ocr.ocr_page(short_page(text, noisy=True))
    assert result.date_read == "12-5-1398"
    assert result.date_check == "corrected"
    assert extract.find_date(result.text) == datetime.date(1985, 5, 15)


@pytest.mark.parametrize(
    ("date", "weekday", "read", "expected"),
    [
        # A wide «5» read as «9»: the day of the week settles it.
        ("5-6-89", "Δευτέρα", "9-6-89", (1989, 6, 5)),
        # Digits put in the year of two digits.
        ("11/5/01", "Παρασκευή", "11/5/0141", (2001, 5, 11)),
    ],
)
def test_ocr_page_date_in_digits_two_digit_year(date, weekday, read, expected):
    text = DATE_IN_DIGITS.format(number=f"38/{expected[0]}", date=date, weekday=weekday)
    result = ocr.ocr_page(short_page(text))
    assert result.date_read == read
    assert result.date_check == "corrected"
    # Written back as the page writes it, the year in two digits.
    assert f"Σήμερα, {date}, ημέρα" in result.text
    assert extract.find_date(result.text) == datetime.date(*expected)
    layer = pdf_text(result.pdf)
    assert f"{date}," in layer
    assert read not in layer


# -- a page's text corrected by a reader, in the PDF ----------------------------

CORRECTED = (
    "ΑΠΟΣΠΑΣΜΑ ΑΠΟ ΤΟ ΠΡΑΚΤΙΚΟ\nΑριθμός Απόφασης 38/1989\n"
    "Σήμερα, 5-6-1989, ημέρα Δευτέρα και ώρα 11:00, συνήλθε σε τακτική "
    "συνεδρίαση το Δημοτικό Συμβούλιο στο Δημοτικό Κατάστημα."
)


@pytest.fixture(scope="module")
def read_for_correction():
    """A short page's reading (no second one): its number «5368/1989» and
    date «95-6-1989» misread, as a reader will find them."""
    result = ocr.ocr_page(short_page(CORRECTED), read_number=False, read_date=False)
    assert "5368/1989" in result.text
    assert "95-6-1989," in result.text
    return result


def layer_words(pdf, page=0):
    with pikepdf.open(BytesIO(pdf)) as document:
        operations = pikepdf.parse_content_stream(document.pages[page])
        return [word.rstrip(" ") for _index, word in ocr._shown_words(operations)]


def test_put_page_text_words_replaced_where_they_were(read_for_correction):
    pdf = read_for_correction.pdf
    text = read_for_correction.text.replace("5368/1989", "38/1989").replace(
        "95-6-1989", "5-6-1989"
    )
    corrected = ocr.put_page_text(pdf, 1, text)
    assert layer_words(corrected) == text.split()
    layer = pdf_text(corrected)
    assert "Απόφασης 38/1989" in layer
    assert "Σήμερα, 5-6-1989, ημέρα" in layer
    assert "5368" not in layer
    # Over the old words' boxes, to a point.
    for old, new in (("5368/1989", "38/1989"), ("95-6-1989,", "5-6-1989,")):
        ((x0, y0, x1, y1),) = pdf_boxes(pdf, old)
        ((a0, b0, a1, b1),) = pdf_boxes(corrected, new)
        assert abs(a0 - x0) < 1, (old, new)
        assert abs(a1 - x1) < 1, (old, new)
        assert abs(b0 - y0) < 1, (old, new)
        assert abs(b1 - y1) < 1, (old, new)
    # The image and the other words are as they were.
    with (
        pikepdf.open(BytesIO(pdf)) as before,
        pikepdf.open(BytesIO(corrected)) as after,
    ):
        image = before.pages[0].Resources.XObject["/Im1"].read_raw_bytes()
        assert after.pages[0].Resources.XObject["/Im1"].read_raw_bytes() == image
    assert pdf_boxes(corrected, "Δευτέρα") == pdf_boxes(pdf, "Δευτέρα")


def test_put_page_text_words_added_removed_and_across_lines(read_for_correction):
    pdf = read_for_correction.pdf
    words = read_for_correction.text.split()
    # A word added, one left out, and two words at the end of one line and
    # the start of the next («τακτική» «συνεδρίαση») made three.
    at = words.index("τακτική")
    assert words[at + 1] == "συνεδρίαση"
    text = " ".join(
        words[: words.index("ημέρα")]
        + ["την", "ημέρα"]
        + words[words.index("ημέρα") + 1 : words.index("ώρα") - 1]
        + words[words.index("ώρα") : at]
        + ["έκτακτη", "δημόσια", "συνεδρίαση"]
        + words[at + 2 :]
    )
    corrected = ocr.put_page_text(pdf, 1, text)
    assert " ".join(layer_words(corrected)).split() == text.split()
    layer = pdf_text(corrected)
    assert "95-6-1989, την ημέρα Δευτέρα" in layer
    assert "ώρα 11:00, συνήλθε σε έκτακτη δημόσια" in layer
    assert "τακτική" not in layer
    # Split between the two lines, each on its own line.
    assert (
        pdf_boxes(corrected, "έκτακτη")[0][1] < pdf_boxes(corrected, "συνεδρίαση")[0][1]
    )


def test_put_page_text_corrected_again(read_for_correction):
    # A word taken out, then a word put back there, and one more changed:
    # each correction starts from the layer the last one left.
    words = read_for_correction.text.split()
    at = words.index("Δευτέρα")
    once = ocr.put_page_text(
        read_for_correction.pdf, 1, " ".join(words[:at] + words[at + 1 :])
    )
    assert "Δευτέρα" not in pdf_text(once)
    again = " ".join(words[:at] + ["Τρίτη"] + words[at + 1 :]).replace("ώρα", "ώρα,")
    twice = ocr.put_page_text(once, 1, again)
    assert " ".join(layer_words(twice)).split() == again.split()
    layer = pdf_text(twice)
    assert "ημέρα Τρίτη και ώρα, 11:00" in " ".join(layer.split())
    # «Τρίτη» goes with the word before it, within its box; none is empty.
    ((x0, _y0, x1, _y1),) = pdf_boxes(twice, "Τρίτη")
    ((left, _top, _right, _bottom),) = pdf_boxes(once, "και")
    assert x0 + 10 < x1 < left
    assert all(x0 < x1 for x0, _y0, x1, _y1 in pdf_boxes(twice, "ώρα,"))


def test_put_page_text_nothing_to_change_or_no_layer(read_for_correction):
    pdf = read_for_correction.pdf
    assert ocr.put_page_text(pdf, 1, " ".join(layer_words(pdf))) is pdf
    assert ocr.put_page_text(pdf, 2, "κείμενο") is None  # no such page
    assert ocr.put_page_text(b"not a PDF", 1, "κείμενο") is None
    blank = BytesIO()
    Image.new("RGB", (60, 85), "white").save(blank, "PDF")
    assert ocr.put_page_text(blank.getvalue(), 1, "κείμενο") is None  # no layer
    # Everything taken out: the page shows no text.
    assert pdf_text(ocr.put_page_text(pdf, 1, "")).strip() == ""


def test_put_page_text_in_a_decisions_pdf(read_for_correction):
    from municipality.archive import pdfa

    made = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)
    corrected_at = datetime.datetime(2026, 11, 23, 17, 30, tzinfo=datetime.UTC)
    pdf = pdfa.assemble(
        [read_for_correction.pdf, read_for_correction.pdf],
        "Απόφαση 38/1989",
        created=made,
    )
    text = read_for_correction.text.replace("5368/1989", "38/1989")
    corrected = ocr.put_page_text(pdf, 2, text, modified=corrected_at)
    assert "5368/1989" in layer_words(corrected, 0)
    assert "38/1989" in layer_words(corrected, 1)
    with pikepdf.open(BytesIO(corrected)) as document:
        assert len(document.pages) == 2
        # Still the archival copy: its metadata and output intent kept, the
        # dates of the correction beside the date it was made.
        meta = document.open_metadata()
        assert meta["pdfaid:part"] == "2"
        assert meta["xmp:CreateDate"] == made.isoformat()
        assert meta["xmp:ModifyDate"] == corrected_at.isoformat()
        assert meta["xmp:MetadataDate"] == corrected_at.isoformat()
        assert str(document.docinfo["/ModDate"]) == "D:20261123173000+00'00'"
        assert str(document.docinfo["/CreationDate"]) == "D:20261102090000+00'00'"
        assert meta["dc:title"] == "Απόφαση 38/1989"
        assert document.Root.OutputIntents[0].S == "/GTS_PDFA1"
        fonts = {
            page.Resources.Font[name].objgen
            for page in document.pages
            for name in page.Resources.Font.keys()
        }
        assert len(fonts) == 1  # the font shared by both pages still


# -- text Tesseract left out of its lines --------------------------------------

PARAGRAPHS = (
    "Το Δημοτικό Συμβούλιο συνήλθε σε τακτική συνεδρίαση στο Δημοτικό "
    "Κατάστημα.\nΘέμα: Έγκριση δαπάνης για την επισκευή του Σχολείου.\n"
    "Η δαπάνη θα καλυφθεί από την τακτική επιχορήγηση του Υπουργείου.\n"
    "Ο ειδικός γραμματέας τήρησε τα πρακτικά της συνεδρίασης."
)


@pytest.fixture(scope="module")
def read_whole(tmp_path_factory):
    """A whole A4 page of a few lines, with Tesseract's TSV of it."""
    page = testpages.render_page(PARAGRAPHS)
    tsv, _pdf = read_with_tesseract(page, tmp_path_factory.mktemp("whole"))
    return page, tsv


def lines_of(words):
    """Tesseract's lines: (line id, its words), in reading order."""
    lines = {}
    for word in words:
        lines.setdefault(word.line, []).append(word)
    return list(lines.items())


def without(words, *numbers):
    """``words`` without the words of the lines ``numbers`` (0-based)."""
    gone = {lines_of(words)[number][0] for number in numbers}
    return [word for word in words if word.line not in gone]


def box(words):
    return (
        min(word.left for word in words),
        min(word.top for word in words),
        max(word.right for word in words),
        max(word.bottom for word in words),
    )


def test_no_text_left_out_of_a_page_read_whole(read_whole):
    page, tsv = read_whole
    words = ocr._words(tsv)
    assert len(lines_of(words)) >= 5
    assert ocr.unread_lines(page, words) == []


def test_marks_that_are_not_text_are_not_taken_for_lines(read_whole, monkeypatch):
    """A rule, a stamp's ring, a signature, specks and the dark edge of a
    scan are ink outside every line, but none breaks into letters."""
    page, tsv = read_whole
    page = page.copy()
    draw = ImageDraw.Draw(page)
    draw.line((300, 1500, 2150, 1500), fill=0, width=5)
    draw.ellipse((800, 1700, 1300, 2200), outline=30, width=10)
    signature = [
        (1500 + x, 2000 + round(40 * ((x // 25) % 2)) - x // 10)
        for x in range(0, 500, 5)
    ]
    draw.line(signature, fill=20, width=4)
    for index in range(400):
        x, y = 300 + (index * 977) % 1900, 2400 + (index * 373) % 800
        draw.rectangle((x, y, x + 1, y + 1), fill=0)
    draw.rectangle((0, page.height - 90, page.width, page.height), fill=40)
    words = ocr._words(tsv)
    assert ocr.unread_lines(page, words) == []
    # The stamp with the signature beside it and the edge are tall and wide
    # enough (the rule is too thin): it is that they do not break into
    # letters that leaves them out.
    monkeypatch.setattr(ocr, "UNREAD_MIN_PIECES", 1)
    assert len(ocr.unread_lines(page, words)) == 2


def test_a_line_left_out_is_found(read_whole):
    page, tsv = read_whole
    words = ocr._words(tsv)
    line = lines_of(words)[3][1]
    assert "επιχορήγηση" in text_of(line)
    (band,) = ocr.unread_lines(page, without(words, 3))
    left, top, right, bottom = box(line)
    # The band holds the line's ink (at a quarter of the size, so give or
    # take 4 pixels), not the lines around it.
    assert band.top <= top + 4
    assert band.bottom >= bottom - 4
    assert bottom - top <= band.bottom - band.top <= bottom - top + 40
    assert abs(band.left - left) <= 8
    assert abs(band.right - right) <= 8
    # Two lines in a row: both found.
    bands = ocr.unread_lines(page, without(words, 2, 3))
    assert bands[0].top <= box(lines_of(words)[2][1])[1] + 4
    assert bands[-1].bottom >= bottom - 4


def text_of(words):
    return "\n".join(
        " ".join(word.text for word in line) for _line, line in lines_of(words)
    )


def test_a_line_left_out_is_read_and_put_in_its_place(read_whole, tmp_path):
    page, tsv = read_whole
    words = ocr._words(tsv)
    kept = without(words, 3)
    missing = text_of(lines_of(words)[3][1])
    assert "επιχορήγηση" in missing
    text, _tsv, pdf, merged, check, seconds = ocr.read_unread_lines(
        page, 300, text_of(kept) + "\n", tsv, None, tmp_path, "ell", 20, words=kept
    )
    assert check.verdict == "recovered"
    assert check.value == 1
    # Read on its own, the line reads as printed (the page's reading had
    # «ΗἩ» for its first word).
    assert check.read == PARAGRAPHS.splitlines()[2]
    assert pdf is None
    assert seconds > 0
    # Between the lines before and after it, as the page shows it.
    lines = text_of(words).splitlines()
    lines[3] = check.read
    assert text == "\n".join(lines) + "\n"
    line = lines_of(words)[3][1]
    first = words.index(line[0])
    assert [word.text for word in merged] == [
        *(word.text for word in words[:first]),
        *check.read.split(),
        *(word.text for word in words[first + len(line) :]),
    ]


def test_a_line_left_out_that_does_not_read_as_text(read_whole, tmp_path, monkeypatch):
    """Read, but below the confidence asked: nothing is put in, the verdict
    says the page needs a reader."""
    page, tsv = read_whole
    kept = without(ocr._words(tsv), 3)
    monkeypatch.setattr(ocr, "UNREAD_CONFIDENCE", 101)
    text, tsv_after, _pdf, merged, check, _seconds = ocr.read_unread_lines(
        page, 300, text_of(kept), tsv, None, tmp_path, "ell", 20, words=kept
    )
    assert check.verdict == "unresolved"
    assert "επιχορήγηση" in check.read
    assert (text, tsv_after, merged) == (text_of(kept), tsv, kept)


def test_a_line_left_out_whose_reading_fails(read_whole, tmp_path, monkeypatch):
    page, tsv = read_whole
    kept = without(ocr._words(tsv), 3)

    def fail(command, timeout, what):
        raise ocr.OCRError(f"Tesseract: {what} took too long")

    monkeypatch.setattr(ocr, "_run", fail)
    text, _tsv, _pdf, merged, check, _seconds = ocr.read_unread_lines(
        page, 300, text_of(kept), tsv, None, tmp_path, "ell", 20, words=kept
    )
    assert check.verdict == "failed"
    assert (text, merged) == (text_of(kept), kept)


def test_ocr_page_without_the_lines_check(monkeypatch):
    def forbidden(page, words):
        raise AssertionError("looked for lines left out")

    monkeypatch.setattr(ocr, "unread_lines", forbidden)
    result = ocr.ocr_page(short_page(), read_lines=False)
    assert result.lines_check is None
    assert "Συμβούλιο" in result.text


def test_a_text_layer_that_cannot_be_put_in_leaves_the_pdf_as_read(read_whole):
    """Not a PDF, or not Tesseract's: None (the caller keeps its PDF)."""
    page, tsv = read_whole
    words = ocr._words(tsv)
    assert ocr._add_text_layer(b"not a pdf", b"%PDF-1.4 nor this", words, 0) is None
    blank = BytesIO()
    Image.new("L", (100, 100), 255).save(blank, "PDF")
    # A PDF with no text objects to put in.
    assert ocr._add_text_layer(blank.getvalue(), blank.getvalue(), words, 0) is None


def test_a_line_left_out_of_a_rotated_page(tmp_path):
    """On a page scanned askew a line's box is taller than its letters and
    covers part of the lines above and below: a line left out between two
    read lines is found and read whole all the same (the words read are
    painted out word by word, and the band is read on white paper)."""
    text = testpages.sample(3, lines=20).text
    page, _specks = ocr.ocr_input(testpages.render_page(text, noisy=True, seed=2), 300)
    tsv, _pdf = read_with_tesseract(page, tmp_path)
    words = ocr._words(tsv)
    lines = lines_of(words)
    # The boxes of the lines around it overlap the line's own.
    above, line, below = (box(lines[number][1]) for number in (8, 9, 10))
    assert above[3] > line[1]
    assert below[1] < line[3]
    kept = without(words, 9)
    text_kept = text_of(kept)
    new_text, _tsv, _pdf, merged, check, _seconds = ocr.read_unread_lines(
        page, 300, text_kept, tsv, None, tmp_path, "ell", 20, words=kept
    )
    assert check.verdict == "recovered"
    assert ocr.tidy_text(check.read, polytonic=False) == ocr.tidy_text(
        text_of(lines[9][1]), polytonic=False
    )
    assert len(merged) == len(words)
