"""Page images and Tesseract: the OCR engine of the archive's ingestion.

Pure Python, no Plone: the ingestion tool's worker processes import this
module alone (each stays well under 300 MB, see ``docs/archive-ocr.md``).

Scans arrive as TIFF (every frame, 1-bit CCITT G4 included), JPEG, PNG (grey,
RGB, palette, with alpha) or PDF (every page rasterised at 300 dpi,
greyscale). :func:`load_page` decodes one page of a multi-page file without
decoding the pages before it, so workers can share a file page by page.

:func:`ocr_page` runs Tesseract **once** per page and takes the text, the
word confidences (TSV) and the one-page PDF (page image + invisible text
layer) from that one run. Tesseract is fed the greyscale page at its scan
resolution, lossless, and its PDF renderer embeds the page as a JPEG
(a bilevel scan as CCITT G4): a compact page, see ``docs/archive-ocr.md``.

On the page where the decision's number phrase is found («Αριθμός Απόφασης
389/2009»), the number's words — located by the TSV's word boxes — are read
once more, cropped, as one line of digits and «/» with the ``eng`` model:
``ell`` puts digits into wide ones (3689/2009). A corrected number replaces the
first reading in the page's text and in its PDF's text layer; a
disagreement that cannot be resolved leaves both as read (see
:func:`extract.check_number`); the meeting date's day and year the same
(:func:`check_number_and_date`).

Text that Tesseract's layout analysis left out of its lines is looked for
on every page (:func:`unread_lines`, the page's ink outside the lines read)
and, when there is some, read on its own and put in its place in the text
and the text layer (:func:`read_unread_lines`).

Tesseract's own threading is ~5x slower on a small machine than one thread
per process: every run here sets ``OMP_THREAD_LIMIT=1``.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from difflib import SequenceMatcher
from io import BytesIO
from pathlib import Path
from PIL import Image
from PIL import ImageChops
from PIL import ImageDraw
from PIL import ImageOps
from PIL import UnidentifiedImageError
from typing import NamedTuple

import bisect
import csv
import itertools
import os
import re
import subprocess
import tempfile
import time
import unicodedata


#: Resolution of the pages rasterised from a PDF.
PDF_DPI = 300
#: Seconds one Tesseract run may take before it is stopped.
TIMEOUT = 120
#: The Tesseract command (Debian: ``/usr/bin/tesseract``).
TESSERACT = os.environ.get("MUNICIPALITY_TESSERACT", "tesseract")
#: JPEG quality of the page image in the PDF (greyscale, at scan resolution).
PDF_JPEG_QUALITY = 60
#: Resolutions outside this range are not believed (a phone photo says 72):
#: the page is then taken to be A4, its long side 297 mm.
PLAUSIBLE_DPI = (100, 1200)
A4_LONG_SIDE_INCHES = 297 / 25.4
#: A page's files are written to memory when it has this much room (a
#: container's /dev/shm may be 64 MB), else to the temporary directory.
SCRATCH = "/dev/shm"  # noqa: S108 - a private TemporaryDirectory inside it
SCRATCH_FREE = 512 * 1024 * 1024
#: The model that reads the decision's number a second time, and the only
#: characters it may write. ``ell``'s LSTM puts digits into the wide digits
#: of DejaVu Serif («389/2009» read «3689/2009» on 37 of 80 generated pages,
#: under 1 % CER); ``eng`` (Debian's ``tesseract-ocr`` depends on it) read
#: 74 of those 80 numbers right from the same crop, ``ell`` 26.
NUMBER_LANGUAGES = "eng"
NUMBER_CHARACTERS = "0123456789/"
#: … and when the meeting date is written in digits, its separators too.
DATE_CHARACTERS = "0123456789/.-"
#: The number's crop is read at these scales (in one run); a correction
#: needs every reading to agree. Measured on the 80 pages: at 1.0 ``eng``
#: read 78 right, at 0.75 80, and where one slipped the other did not.
NUMBER_SCALES = (1.0, 0.75)
#: Seconds the second reading of the number may take.
NUMBER_TIMEOUT = 20

# Suffixes of scan files (what the ingestion collects from a folder; the
# reading itself goes by content, not by name).
IMAGE_SUFFIXES = frozenset({".tif", ".tiff", ".jpg", ".jpeg", ".png"})
SUFFIXES = IMAGE_SUFFIXES | {".pdf"}


class OCRError(RuntimeError):
    """Tesseract failed, timed out, or is not installed."""


@dataclass
class PageResult:
    """What :func:`ocr_page` reads from one page.

    ``text`` is NFKC normalised; ``confidence`` the mean word confidence
    (0-100) weighted by word length, None when Tesseract found no words;
    ``pdf`` a one-page PDF (the page image with an invisible text layer);
    ``image`` and ``thumbnail`` JPEG bytes; ``width``/``height`` the page as
    read (pixels at ``dpi``); ``seconds`` the time spent in Tesseract,
    ``total_seconds`` in the whole of :func:`ocr_page`; ``words`` how many
    words Tesseract found; ``specks`` the speck pixels removed first (0 for
    a clean page).

    The decision's number, when the page names it: ``number_check`` is
    None (no number phrase, or not checked), ``"confirmed"`` (the second
    reading agrees), ``"corrected"`` (the second reading resolved a
    misreading: ``text`` and the text layer of ``pdf`` have its number),
    ``"unresolved"`` (they disagree and ``text`` keeps the page's reading:
    the number needs a reader) or ``"failed"`` (the second reading could
    not run);
    ``number_read`` is the number as the page's reading had it,
    ``number_rereads`` as the second reading had it (one reading a scale of
    :data:`NUMBER_SCALES`), ``number_seconds`` the second reading's time
    (within ``seconds``; the number's and the date's together).

    The meeting date, when the page writes it in words in the meeting's
    phrase: ``date_check`` (the same verdicts: a corrected date's day and
    year are in ``text`` and the PDF's text layer), ``date_read`` its words
    as read («6η Ιανουαρίου 196868,»), ``date_rereads`` the second readings
    of its day and year («6 1988», a scale each). When it writes it in
    digits («17/7/2005»): the same, ``date_read`` the date as read and
    ``date_rereads`` the second readings of its words («17/7/2009»).

    Text Tesseract's layout analysis left out of its lines
    (:func:`read_unread_lines`): ``lines_check`` None (none found),
    ``"recovered"`` (read on its own and put into ``text``, the PDF's text
    layer and ``confidence``: ``lines_added`` lines, ``lines_read`` their
    text), ``"unresolved"`` (it does not read as text worth trusting:
    ``text`` lacks it, the page needs a reader) or ``"failed"``;
    ``lines_seconds`` that second run's time (within ``seconds``).
    """

    text: str
    confidence: float | None
    pdf: bytes
    image: bytes
    thumbnail: bytes
    width: int
    height: int
    seconds: float
    dpi: int = PDF_DPI
    words: int = 0
    specks: int = 0
    total_seconds: float = 0.0
    number_check: str | None = None
    number_read: str = ""
    number_rereads: tuple = ()
    number_seconds: float = 0.0
    date_check: str | None = None
    date_read: str = ""
    date_rereads: tuple = ()
    lines_check: str | None = None
    lines_read: str = ""
    lines_added: int = 0
    lines_seconds: float = 0.0


# -- reading pages ---------------------------------------------------------


# How image files begin (a PDF may have a few bytes before its «%PDF-»).
IMAGE_MAGIC = (b"II*\x00", b"MM\x00*", b"\xff\xd8\xff", b"\x89PNG")


def _is_pdf(path):
    with open(path, "rb") as stream:
        head = stream.read(1024)
    if head.startswith(IMAGE_MAGIC):
        return False
    return b"%PDF-" in head


def _unreadable(path, reason):
    return ValueError(f"{Path(path).name}: cannot read the file as a scan ({reason})")


def _check(path):
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path.name}: no such file")
    return path


def _open_pdf(path):
    import pypdfium2

    try:
        return pypdfium2.PdfDocument(str(path))
    except pypdfium2.PdfiumError as error:
        raise _unreadable(path, f"PDF: {error}") from error


def _open_image(path):
    try:
        image = Image.open(path)
    except Image.DecompressionBombError as error:
        raise _unreadable(path, f"too many pixels for a page: {error}") from error
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise _unreadable(path, str(error) or type(error).__name__) from error
    return image


def count_pages(path):
    """The number of pages of a scan file (frames of a TIFF, pages of a PDF).

    Raises ``ValueError`` naming the file when it is not a readable scan.
    """
    path = _check(path)
    if _is_pdf(path):
        document = _open_pdf(path)
        try:
            count = len(document)
        finally:
            document.close()
        if not count:
            raise _unreadable(path, "the PDF has no pages")
        return count
    with _open_image(path) as image:
        return _frames(image, path)


def _render_pdf_page(document, index, path):
    page = document[index]
    try:
        bitmap = page.render(scale=PDF_DPI / 72, grayscale=True)
        image = bitmap.to_pil()
        # Detach from pdfium's buffer before the page and bitmap are closed.
        image = image.convert("L") if image.mode != "L" else image.copy()
        bitmap.close()
    except Exception as error:
        raise _unreadable(path, f"page {index + 1}: {error}") from error
    finally:
        page.close()
    image.info["dpi"] = (PDF_DPI, PDF_DPI)
    return image


def _normalise(image, path, index):
    """One decoded frame → a ``1``, ``L`` or ``RGB`` image, upright, with its dpi."""
    try:
        image.load()
    except (OSError, SyntaxError, ValueError) as error:
        raise _unreadable(path, f"page {index + 1}: {error}") from error
    dpi = image.info.get("dpi")
    # EXIF orientation (phones, some scanners; TIFF tag 274). A damaged EXIF
    # block is no reason to lose the page: it is then read as stored.
    try:
        upright = ImageOps.exif_transpose(image)
    except (OSError, SyntaxError, ValueError, KeyError, TypeError):
        upright = image
    mode = upright.mode
    if mode in ("1", "L", "RGB"):
        frame = upright.copy()
    elif mode in ("LA", "RGBA", "PA", "La", "RGBa") or (
        mode == "P" and "transparency" in upright.info
    ):
        # Transparent parts are paper: flattened onto white.
        rgba = upright.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        frame = Image.alpha_composite(white, rgba).convert("RGB")
    elif mode.startswith("I"):
        # 16-bit grey scans: the top 8 bits.
        frame = upright.point(lambda value: value / 256).convert("L")
    else:  # P, CMYK, YCbCr, LAB, F …
        frame = upright.convert("RGB")
    if frame.mode == "RGB" and _is_grey(frame):
        frame = frame.convert("L")
    if dpi:
        frame.info["dpi"] = dpi
    return frame


def _is_grey(image):
    """True when an RGB image carries no colour (a grey scan saved as RGB)."""
    red, green, blue = image.resize((64, 64)).split()
    spread = max(
        ImageChops.difference(red, green).getextrema()[1],
        ImageChops.difference(green, blue).getextrema()[1],
    )
    return spread <= 8


def _frames(image, path):
    try:
        return getattr(image, "n_frames", 1)
    except (EOFError, OSError, ValueError, SyntaxError) as error:
        raise _unreadable(path, f"cannot count its pages: {error}") from error


def _seek(image, path, index):
    try:
        image.seek(index)
    except (EOFError, OSError, ValueError) as error:
        raise _unreadable(path, f"page {index + 1}: {error}") from error


def load_page(path, index) -> Image.Image:
    """Page ``index`` (0-based) of a scan file, decoding only that page.

    A PDF page is rasterised at 300 dpi in greyscale; a TIFF frame is found
    by seeking. The image is ``L`` (grey), ``1`` (bilevel) or ``RGB``, upright
    (EXIF orientation honoured), transparency flattened onto white, with its
    resolution in ``image.info["dpi"]`` when the file says it.
    """
    path = _check(path)
    if index < 0:
        raise IndexError(f"{path.name}: page {index} does not exist")
    if _is_pdf(path):
        document = _open_pdf(path)
        try:
            if index >= len(document):
                raise IndexError(
                    f"{path.name}: page {index + 1} of a {len(document)}-page PDF"
                )
            return _render_pdf_page(document, index, path)
        finally:
            document.close()
    with _open_image(path) as image:
        frames = _frames(image, path)
        if index >= frames:
            raise IndexError(f"{path.name}: page {index + 1} of {frames}")
        if index:
            _seek(image, path, index)
        return _normalise(image, path, index)


def iter_pages(path) -> Iterator[Image.Image]:
    """Every page of a scan file, in order (see :func:`load_page`)."""
    path = _check(path)
    if _is_pdf(path):
        document = _open_pdf(path)
        try:
            if not len(document):
                raise _unreadable(path, "the PDF has no pages")
            for index in range(len(document)):
                yield _render_pdf_page(document, index, path)
        finally:
            document.close()
        return
    with _open_image(path) as image:
        for index in range(_frames(image, path)):
            if index:
                _seek(image, path, index)
            yield _normalise(image, path, index)


# -- OCR -------------------------------------------------------------------


def resolution(image):
    """The page's dpi: as the file says, or as if it were A4 when implausible."""
    dpi = image.info.get("dpi")
    try:
        value = round(float(dpi[0])) if dpi else 0
    except (TypeError, ValueError, IndexError):
        value = 0
    low, high = PLAUSIBLE_DPI
    if low <= value <= high:
        return value
    return max(low, round(max(image.size) / A4_LONG_SIDE_INCHES))


def _environment():
    environment = dict(os.environ)
    environment["OMP_THREAD_LIMIT"] = "1"
    return environment


def _run(command, timeout, what):
    """Run Tesseract; OCRError with its message when it fails or takes too long."""
    try:
        completed = subprocess.run(
            command,
            capture_output=True,
            timeout=timeout,
            env=_environment(),
            check=False,
        )
    except FileNotFoundError as error:
        raise OCRError(
            f"Tesseract is not installed (no {command[0]!r} on the PATH)"
        ) from error
    except subprocess.TimeoutExpired as error:
        raise OCRError(
            f"Tesseract took longer than {timeout} s on {what} and was stopped"
        ) from error
    if completed.returncode:
        message = completed.stderr.decode("utf-8", "replace").strip()
        raise OCRError(
            f"Tesseract failed on {what} (exit {completed.returncode}): {message}"
        )
    return completed


# Greek letters with their combining marks, decomposed (NFD).
_GREEK_CLUSTER = re.compile(r"([\u0370-\u03ff])([\u0300-\u036f]+)")
# Polytonic marks in a monotonic text: breathings and iota subscript go,
# circumflex and grave become the tonos (diaeresis and tonos stay).
_MONOTONIC_MARKS = str.maketrans(
    {"\u0313": "", "\u0314": "", "\u0345": "", "\u0342": "\u0301", "\u0300": "\u0301"}
)


def monotonic(text):
    """Polytonic marks on Greek letters rewritten as the monotonic system has them.

    Tesseract's ``ell`` model now and then reads a capital with a breathing
    («Ὑπηρεσία», «Ἡ») on a monotonic page; pages read without ``grc`` are
    monotonic, so the marks are a misreading.
    """

    def clean(match):
        marks = match.group(2).translate(_MONOTONIC_MARKS)
        if marks.count("\u0301") > 1:
            marks = marks.replace("\u0301", "", marks.count("\u0301") - 1)
        return match.group(1) + marks

    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", _GREEK_CLUSTER.sub(clean, decomposed))


def tidy_text(text, polytonic=True):
    """NFKC, no form feeds, no trailing spaces, at most one blank line in a row.

    With ``polytonic`` False, polytonic marks become monotonic ones
    (:func:`monotonic`). Hyphenation at line ends stays as Tesseract read it
    (the search folds words, not lines; a reader sees the page as printed).
    """
    if not polytonic:
        text = monotonic(text)
    text = unicodedata.normalize("NFKC", text).replace("\f", "\n")
    lines = [line.rstrip() for line in text.splitlines()]
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n")


def word_confidence(tsv):
    """(mean word confidence weighted by word length or None, number of words)."""
    total = weight = words = 0
    reader = csv.reader(tsv.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE)
    for row in reader:
        if len(row) < 12 or row[0] != "5":
            continue
        word = row[11].strip()
        try:
            confidence = float(row[10])
        except ValueError:
            continue
        if not word or confidence < 0:
            continue
        total += confidence * len(word)
        weight += len(word)
        words += 1
    if not weight:
        return None, 0
    return round(total / weight, 2), words


def _resized(image, width, quality):
    """JPEG bytes of the page ``width`` pixels wide (never enlarged)."""
    if image.mode == "1":
        image = image.convert("L")
    if image.width > width:
        height = max(1, round(image.height * width / image.width))
        # Box-reduce by the whole factor first, then Lanczos for the rest:
        # ten times faster than Lanczos alone and as sharp for a scan.
        image = image.resize(
            (width, height), Image.Resampling.LANCZOS, reducing_gap=1.0
        )
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=quality, optimize=True)
    return buffer.getvalue()


# -- clean-up --------------------------------------------------------------

#: Dark pixels (0-255) for the speck search.
SPECK_DARK = 128
#: The largest speck removed, in pixels of area at 300 dpi (a 4-pixel dot);
#: a full stop of 8-point type is larger, so no text is lost.
SPECK_AREA = 12
#: Speck pixels in the sample (880 x 880 pixels at the page's centre) from
#: which a page is cleaned.
SPECK_SAMPLE = 880
SPECK_THRESHOLD = 20
#: Pixels around a speck's core painted with it (its edge and grey fringe).
SPECK_GROW = 1
#: Resolutions at which pages are cleaned (the speck sizes assume a scan).
CLEAN_DPI = (200, 400)


def _shifted(image, radius, horizontal, combine, start=None, first=1):
    """``combine`` the image with itself moved 1..radius pixels either way."""
    out = image if start is None else start
    for step in range(first, radius + 1):
        for shift in (step, -step):
            if horizontal:
                moved = ImageChops.offset(image, shift, 0)
            else:
                moved = ImageChops.offset(image, 0, shift)
            out = combine(out, moved)
    return out


def speck_pixels(grey, area=SPECK_AREA):
    """Dark pixels of specks: dark blobs of at most ``area`` pixels, alone.

    A dark pixel belongs to a speck when every dark pixel of the 7 x 7
    square around it lies in the 5 x 5 square (nothing dark on the ring
    between: the blob is cut off from everything else) and those are at most
    ``area``. Letters, accents, full stops and the dots of the diaeresis are
    larger, or touch something on the ring. Box counts from shifted copies
    (ImageChops, in C; ``add_modulo``, ten times faster than ``add``, as a
    count never passes 49): ~0.1 s for an A4 page at 300 dpi.
    Returns an ``L`` image, 255 on the speck pixels.
    """
    ones = grey.point(lambda value: 1 if value < SPECK_DARK else 0)
    rows5 = _shifted(ones, 2, True, ImageChops.add_modulo)
    rows7 = _shifted(ones, 3, True, ImageChops.add_modulo, start=rows5, first=3)
    box7 = _shifted(rows7, 3, False, ImageChops.add_modulo)
    del rows7  # a page at 300 dpi is 9 MB an image: only a few at a time
    box5 = _shifted(rows5, 2, False, ImageChops.add_modulo)
    del rows5
    alone = ImageChops.difference(box5, box7)
    del box7
    alone = alone.point(lambda value: 255 if not value else 0)
    small = box5.point(lambda value: 255 if 0 < value <= area else 0)
    del box5
    found = ImageChops.darker(alone, small)
    del alone, small
    return ImageChops.darker(found, ones.point(lambda value: 255 if value else 0))


def speckled(grey, dpi=300):
    """True when a sample of the page shows dust (isolated dark specks)."""
    size = round(SPECK_SAMPLE * dpi / 300)
    border = 40
    if min(grey.size) < size:
        sample = grey
    else:
        left = (grey.width - size) // 2
        top = (grey.height - size) // 2
        sample = grey.crop((left, top, left + size, top + size))
    specks = speck_pixels(sample, _speck_area(dpi))
    # The sample's own edge cuts letters into small pieces: not counted.
    inner = specks.crop((border, border, specks.width - border, specks.height - border))
    return inner.histogram()[255] >= SPECK_THRESHOLD


def _speck_area(dpi):
    return max(2, round(SPECK_AREA * (dpi / 300) ** 2))


def despeckle(grey, dpi=300):
    """The page without its dust: (cleaned ``L`` image, speck pixels found).

    Each speck and its grey fringe are painted with the paper beside it.
    Bilevel pages are cleaned as grey and returned bilevel.
    """
    bilevel = grey.mode == "1"
    if bilevel:
        grey = grey.convert("L")
    seeds = speck_pixels(grey, _speck_area(dpi))
    count = seeds.histogram()[255]
    if not count:
        return (grey.convert("1") if bilevel else grey), 0
    region = seeds
    if SPECK_GROW:
        region = _shifted(
            _shifted(seeds, SPECK_GROW, True, ImageChops.lighter),
            SPECK_GROW,
            False,
            ImageChops.lighter,
        )
    fringe = grey.point(lambda value: 255 if value < 235 else 0)
    mask = ImageChops.darker(region, fringe)
    paper = ImageChops.lighter(
        ImageChops.offset(grey, 4, 0), ImageChops.offset(grey, -4, 0)
    )
    cleaned = grey.copy()
    cleaned.paste(paper, mask=mask)
    cleaned.info = dict(grey.info)
    if bilevel:
        cleaned = cleaned.point(lambda value: 255 if value >= 128 else 0).convert("1")
    return cleaned, count


def ocr_input(image, dpi, despeckle_page=None):
    """The page as Tesseract reads it: grey (or bilevel), dust removed.

    ``despeckle_page`` None cleans the page when a sample of it is speckled
    (:func:`speckled`), True always, False never. Returns (image, speck
    pixels removed).
    """
    page = image if image.mode in ("1", "L") else image.convert("L")
    low, high = CLEAN_DPI
    if despeckle_page is False or not low <= dpi <= high:
        return page, 0
    if despeckle_page is None:
        grey = page.convert("L") if page.mode == "1" else page
        if not speckled(grey, dpi):
            return page, 0
    return despeckle(page, dpi)


def _tesseract_file(page, folder, dpi):
    """The page written for Tesseract, lossless: an uncompressed TIFF.

    Tesseract reads the exact pixels (JPEG artefacts cost it time and
    accuracy) and its PDF renderer encodes them itself: an 8-bit page as a
    JPEG at ``jpg_quality``, a bilevel one as CCITT G4 (lossless, tiny).
    Measured on an A4 page at 300 dpi: Pillow writes the TIFF in
    milliseconds (PNG: a third of a second) and Leptonica reads it faster
    than PNG or PGM (PGM: +0.3 s of Tesseract's time).
    """
    target = folder / "page.tif"
    if page.mode == "1":
        page.save(target, "TIFF", compression="group4", dpi=(dpi, dpi))
    else:
        page.save(target, "TIFF", compression="raw", dpi=(dpi, dpi))
    return target


def _scratch():
    """Where a page's files go: memory (``/dev/shm``) when it has room."""
    try:
        stats = os.statvfs(SCRATCH)
    except OSError:
        return None
    if stats.f_bavail * stats.f_frsize < SCRATCH_FREE or not os.access(
        SCRATCH, os.W_OK
    ):
        return None
    return SCRATCH


# -- the decision's number, read twice ---------------------------------------------


@dataclass
class _Word:
    """A word of Tesseract's TSV: its line, box (pixels), text and confidence."""

    line: tuple
    left: int
    top: int
    right: int
    bottom: int
    text: str
    confidence: float = -1.0


def _words(tsv):
    """Tesseract's words (TSV level 5, text not blank), in reading order."""
    words = []
    reader = csv.reader(tsv.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE)
    for row in reader:
        if len(row) < 12 or row[0] != "5" or not row[11].strip():
            continue
        try:
            left, top, width, height = (int(value) for value in row[6:10])
            confidence = float(row[10])
        except ValueError:
            continue
        words.append(
            _Word(
                tuple(row[1:5]),
                left,
                top,
                left + width,
                top + height,
                row[11],
                confidence,
            )
        )
    return words


_DIGITS = re.compile(r"[0-9/]+")


# The rest of a number split by a space before its slash («31» «3/1999»).
_NUMBER_REST = re.compile(r"\d{1,4}/\d{2,4}[.,;:·]?")


def _incomplete(number):
    """True when «N/YYYY» may go on in the next word («414/1» «998», «21/»)."""
    if "/" not in number:
        return False
    return len(number.rpartition("/")[2]) < 4


def number_words(words):
    """Where the decision's number is among Tesseract's words.

    The first number phrase of the page (:func:`extract.number_match` on the
    words, folded) gives the word the number begins in; the number runs on
    into the next words of its line while its year is unfinished («414/1»
    «998»), or into a next word «3/1999» after one with no slash («31»).
    Returns (first word, last word, where the number begins in the first
    word, where it ends in the last, the number as read with a space
    between words) or None when the page names no number, or a number with
    a letter («45Α/1990», not read twice).
    """
    from municipality.archive import extract

    _folded, starts, stream = _stream(words)
    match = extract.number_match(stream)
    if match is None or match.group("letter"):
        return None
    first = bisect.bisect_right(starts, match.start("number")) - 1
    inside = match.start("number") - starts[first]
    if re.search(r"\d", extract.fold(words[first].text)[:inside]):
        return None
    text = words[first].text
    begin = re.search(r"[0-9]", text)
    if begin is None:
        return None
    offset = begin.start()
    number = _DIGITS.match(text, offset).group()
    last, end = first, offset + len(number)
    while (
        end == len(words[last].text)
        and last + 1 < len(words)
        and last - first < 2
        and words[last + 1].line == words[first].line
        and (
            _incomplete(number)
            or words[last + 1].text.startswith("/")
            or ("/" not in number and _NUMBER_REST.fullmatch(words[last + 1].text))
        )
    ):
        following = _DIGITS.match(words[last + 1].text)
        if following is None or re.search(
            r"\w", words[last + 1].text[following.end() :]
        ):
            break
        last += 1
        number += " " + following.group()
        end = following.end()
    return first, last, offset, end, number


def _read_again(page, groups, dpi, folder, timeout, what, characters=NUMBER_CHARACTERS):
    """Groups of words cropped from the page, each read as a line of digits.

    One Tesseract run reads every crop at each of :data:`NUMBER_SCALES` (a
    TIFF of as many pages: the model loads once), with only ``characters``
    allowed. Returns one tuple of readings (a scale each) per group.
    """
    frames = []
    for words in groups:
        left = min(word.left for word in words)
        top = min(word.top for word in words)
        right = max(word.right for word in words)
        bottom = max(word.bottom for word in words)
        margin = max(4, (bottom - top) // 4)
        crop = page.crop(
            (
                max(0, left - margin),
                max(0, top - margin),
                min(page.width, right + margin),
                min(page.height, bottom + margin),
            )
        ).convert("L")
        frames.extend(
            crop
            if scale == 1
            else crop.resize(
                (
                    max(1, round(crop.width * scale)),
                    max(1, round(crop.height * scale)),
                ),
                Image.Resampling.LANCZOS,
            )
            for scale in NUMBER_SCALES
        )
    source = folder / "digits.tif"
    frames[0].save(
        source,
        "TIFF",
        compression="raw",
        dpi=(dpi, dpi),
        save_all=True,
        append_images=frames[1:],
    )
    command = [
        TESSERACT,
        str(source),
        "stdout",
        "-l",
        NUMBER_LANGUAGES,
        "--psm",
        "7",
        "--dpi",
        str(dpi),
        "-c",
        f"tessedit_char_whitelist={characters}",
    ]
    completed = _run(command, timeout, what)
    output = completed.stdout.decode("utf-8", "replace")
    # Tesseract ends each page's text with a form feed.
    readings = [reading.strip() for reading in output.split("\f")]
    readings += [""] * (len(frames) - len(readings))
    scales = len(NUMBER_SCALES)
    return tuple(
        tuple(readings[index : index + scales])
        for index in range(0, len(frames), scales)
    )


def _put_words(text, words, changes):
    """``text`` (Tesseract's) with some of its words' characters replaced.

    ``changes`` are ``(first, last, offset, end, new)``: from character
    ``offset`` of word ``first`` to character ``end`` of word ``last``
    becomes ``new``; they do not overlap. The text's words are the TSV's,
    in the same order; None when they do not line up (the text is then
    left as read).
    """
    tokens = list(re.finditer(r"\S+", text))
    if len(tokens) != len(words) or any(
        tokens[index].group() != words[index].text
        for first, last, *_rest in changes
        for index in range(first, last + 1)
    ):
        return None
    for first, last, offset, end, new in sorted(changes, reverse=True):
        start = tokens[first].start() + offset
        stop = tokens[last].start() + end
        text = text[:start] + new + text[stop:]
    return text


def _put_number(text, words, found, number):
    """``text`` with the number's words (``found``, of :func:`number_words`)
    replaced by ``number``; None when the words do not line up."""
    first, last, offset, end, _read = found
    return _put_words(text, words, [(first, last, offset, end, number)])


def _shown_words(operations):
    """The indexes of the text layer's ``TJ`` operations and their words.

    Tesseract shows each word with one ``[ <UTF-16BE> ] TJ``, in the order of
    its TSV, after the ``Tz`` that stretches it over the word's box.
    """
    shows = []
    for index, (operands, operator) in enumerate(operations):
        if str(operator) != "TJ" or len(operands) != 1:
            continue
        if len(operands[0]) != 1:
            return None
        try:
            shows.append((index, _shown(operations[index])))
        except (TypeError, UnicodeDecodeError):
            return None
    return shows


def _span(operations, start, stop, glyph):
    """How many times wider than the word shown at ``start`` the words are
    from it to the end of the word shown at ``stop``, in the text layer.

    A word of *n* characters is *n* × ``glyph`` (Tesseract's font has one
    width for every glyph, a fraction of the font size) × font size ×
    stretch wide (:func:`_stretched`); the next word begins where ``Td``
    moves. None when something other than these is between them (a new
    text block).
    """
    first = _stretched(operations, start)
    if not first:
        return None
    if stop == start:
        return 1.0
    moved = 0.0
    for operands, operator in operations[start + 1 : stop]:
        name = str(operator)
        if name == "Td" and len(operands) == 2:
            moved += float(operands[0])
        elif name not in ("Tf", "Tz", "TJ"):
            return None
    return (moved + glyph * _stretched(operations, stop)) / (glyph * first)


def _shown(instruction):
    """The text a ``[ <UTF-16BE> ] TJ`` shows."""
    return bytes(instruction.operands[0][0]).decode("utf-16-be")


def _glyph_width(page):
    """The width of the text layer's glyphs, a fraction of the font size."""
    for font in (page.Resources.get("/Font") or {}).values():
        descendants = font.get("/DescendantFonts")
        if descendants:
            return float(descendants[0].get("/DW", 1000)) / 1000
    return None


def _show_joined(edits, shows, first, last, joined):
    """The text layer's words ``first``…``last`` (of ``shows``, as
    :func:`_shown_words` gives them) made one: the first shows ``joined``,
    the others nothing. ``edits`` maps an operation's index to its new
    instruction."""
    import pikepdf

    for position in range(first, last + 1):
        value = pikepdf.String(
            (joined if position == first else "").encode("utf-16-be")
        )
        edits[shows[position][0]] = pikepdf.ContentStreamInstruction(
            [pikepdf.Array([value])], pikepdf.Operator("TJ")
        )


def _rewritten(document, page, operations, edits, **options):
    """The bytes of ``document`` with ``page`` 's content stream its
    ``operations`` with ``edits`` in place (saved with ``options``)."""
    import pikepdf

    for index, instruction in edits.items():
        operations[index] = instruction
    page.Contents = document.make_stream(pikepdf.unparse_content_stream(operations))
    output = BytesIO()
    document.save(output, **options)
    return output.getvalue()


def _put_number_pdf(pdf, words, found, number):
    """The one-page ``pdf`` with ``number`` in its text layer; None if it fails.

    ``found`` is :func:`number_words`' (see :func:`_put_words_pdf`).
    """
    first, last, offset, end, _read = found
    return _put_words_pdf(pdf, words, [(first, last, offset, end, number)])


def _put_words_pdf(pdf, words, changes):
    """The one-page ``pdf`` with ``changes`` in its text layer; None if it fails.

    ``changes`` as for :func:`_put_words`. The words of a change become
    one: the first word shows what came before the change, its new text and
    what followed it in the last word («414/1» «998,» → «414/1998,»), the
    others nothing. Its horizontal stretch (``Tz``) is set so that the new
    text covers the boxes of all the change's words, as the old words did:
    a viewer selects and finds the new text where the page shows it. None
    when the text layer's words are not the TSV's (nothing is then
    changed).
    """
    import pikepdf

    try:
        document = pikepdf.open(BytesIO(pdf))
    except pikepdf.PdfError:
        return None
    with document:
        if len(document.pages) != 1:
            return None
        page = document.pages[0]
        operations = pikepdf.parse_content_stream(page)
        shows = _shown_words(operations)
        if shows is None or [word.rstrip(" ") for _index, word in shows] != [
            word.text for word in words
        ]:
            return None
        glyph = _glyph_width(page)
        # Each change reads the operations as Tesseract wrote them: the
        # stretches (Tz) are worked out first, then all written.
        edits = {}
        for first, last, offset, end, new in changes:
            index, old = shows[first]
            operands, operator = operations[index - 1]
            if str(operator) != "Tz" or len(operands) != 1:
                return None
            # Tesseract stretches each word, with the space it puts after
            # it, over the word's box; the new word goes over all the boxes.
            factor = glyph and _span(operations, index, shows[last][0], glyph)
            if not factor:
                # Not one text line in the PDF: the TSV's boxes say it.
                width = max(1, words[first].right - words[first].left)
                factor = max(1, words[last].right - words[first].left) / width
            end_word = shows[last][1]
            joined = (
                words[first].text[:offset]
                + new
                + words[last].text[end:]
                + end_word[len(end_word.rstrip(" ")) :]
            )
            edits[index - 1] = pikepdf.ContentStreamInstruction(
                [round(float(operands[0]) * factor * len(old) / len(joined), 3)],
                pikepdf.Operator("Tz"),
            )
            _show_joined(edits, shows, first, last, joined)
        return _rewritten(document, page, operations, edits, compress_streams=True)


def _dated(document, modified):
    """A PDF/A's modification dates set to ``modified`` (now when None):
    ``xmp:ModifyDate`` and ``xmp:MetadataDate``, and ``/ModDate`` of the
    document information, as :func:`pdfa.assemble` writes them. A PDF
    without XMP metadata is left as it is."""
    from municipality.archive import pdfa
    from pikepdf import String

    if "/Metadata" not in document.Root:
        return
    moment = pdfa._moment(modified)
    with document.open_metadata(
        set_pikepdf_as_editor=False, update_docinfo=False
    ) as meta:
        meta["xmp:ModifyDate"] = moment.isoformat()
        meta["xmp:MetadataDate"] = moment.isoformat()
    if "/Info" in document.trailer:
        document.trailer.Info["/ModDate"] = String(pdfa.pdf_date(moment))


def _stretched(operations, index):
    """How wide the word shown at ``index`` is, in units of one glyph at
    size 1 and no stretch: its characters × the font size × ``Tz`` (the
    last ``Tf`` and ``Tz`` before it); None when there are none."""
    size = stretch = None
    for operands, operator in reversed(operations[:index]):
        name = str(operator)
        if size is None and name == "Tf" and len(operands) == 2:
            size = float(operands[1])
        elif stretch is None and name == "Tz" and len(operands) == 1:
            stretch = float(operands[0])
        if size is not None and stretch is not None:
            return len(_shown(operations[index])) * size * stretch / 100
    return None


def _stretch_over(operations, start, stop, glyph, joined):
    """The ``Tz`` that makes ``joined``, shown at ``start``, end its letters
    where the word shown at ``stop`` ended its letters (the spaces after
    them, as Tesseract writes a word, beyond)."""
    factor = (glyph and _span(operations, start, stop, glyph)) or 1
    tail = _shown(operations[stop])
    space = len(tail) - len(tail.rstrip(" "))
    first, last = _stretched(operations, start), _stretched(operations, stop)
    if space and first and last:
        # The last word's spaces, as a share of the first word's width.
        factor -= last / len(tail) * space / first
    operands, _operator = operations[start - 1]
    return round(
        float(operands[0])
        * factor
        * len(_shown(operations[start]))
        / len(joined.rstrip(" ")),
        3,
    )


def _lines_of(operations, shows):
    """The text line of each shown word: a ``Td`` that moves down, or
    anything but ``Td``/``Tf``/``Tz``/``TJ`` between two words, starts a new
    one."""
    lines = []
    line = 0
    for position, (index, _word) in enumerate(shows):
        if position:
            for operands, operator in operations[shows[position - 1][0] + 1 : index]:
                name = str(operator)
                if name == "Td" and len(operands) == 2 and float(operands[1]) == 0:
                    continue
                if name not in ("Tf", "Tz", "TJ"):
                    line += 1
                    break
        lines.append(line)
    return lines


def _shares(count, weights):
    """``count`` items split in order over parts of these ``weights``."""
    total = sum(weights)
    bounds = [0]
    running = 0
    for weight in weights:
        running += weight
        bounds.append(round(count * running / total))
    return [(bounds[i], bounds[i + 1]) for i in range(len(weights))]


def _assign(old, new, lines):
    """Which new words each old word of the text layer shows, after a diff.

    Returns ``{first: (last, words)}``: the old words ``first``…``last``
    (of one line) show ``words`` of ``new`` together; old words in no span
    stay as they are. As many words replaced as replace them go word for
    word; otherwise a change over several lines is split between them in
    proportion to their old words. New words with no old word beside them
    in the diff go with the word before (or after, at the start).
    """
    spans = {}
    owner = {}
    inserts = []
    opcodes = SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            continue
        if i1 == i2:
            inserts.append((i1, new[j1:j2]))
            continue
        groups = []
        for position in range(i1, i2):
            if i2 - i1 == j2 - j1:
                groups.append([position])  # word for word
            elif groups and lines[position] == lines[groups[-1][0]]:
                groups[-1].append(position)
            else:
                groups.append([position])
        for group, (start, stop) in zip(
            groups, _shares(j2 - j1, [len(group) for group in groups]), strict=True
        ):
            spans[group[0]] = (group[-1], list(new[j1 + start : j1 + stop]))
            for position in group:
                owner[position] = group[0]
    for at, words in inserts:
        if at:
            first = owner.get(at - 1, at - 1)
            last, shown = spans.get(first, (first, [old[first]]))
            spans[first] = (last, shown + list(words))
        else:
            first = owner.get(0, 0)
            last, shown = spans.get(first, (first, [old[first]]))
            spans[first] = (last, list(words) + shown)
    return spans


def put_page_text(pdf, number, text, modified=None):
    """``pdf`` with page ``number`` (from 1) showing ``text`` in its text layer.

    For a page's text corrected by a reader: the invisible words Tesseract
    wrote over the scan (:func:`ocr_page`, one ``TJ`` a word) are compared
    word by word with ``text`` (:class:`difflib.SequenceMatcher`), and the
    words that differ are replaced where the old ones were, as
    :func:`_put_words_pdf` puts a corrected number: the new words of a
    change are shown by its first old word, stretched over the boxes of
    all its old words of that line; a change over several lines is split
    between them; a word added goes with the word before it. Every other
    word stays, and everything else in the PDF (images, fonts, the other
    pages) is kept; a PDF/A of :func:`pdfa.assemble` gets ``modified`` (a
    ``datetime``, now when None) as its modification and metadata dates,
    in its XMP and its document information alike. Returns the new PDF's
    bytes, ``pdf`` itself when the layer already shows ``text``'s words,
    or None when the page has no such text layer (a PDF not made by
    :func:`ocr_page`).
    """
    import pikepdf

    try:
        document = pikepdf.open(BytesIO(pdf))
    except pikepdf.PdfError:
        return None
    with document:
        if not 1 <= number <= len(document.pages):
            return None
        page = document.pages[number - 1]
        try:
            operations = pikepdf.parse_content_stream(page)
        except pikepdf.PdfError:
            return None
        shows = _shown_words(operations)
        if shows is None:
            return None
        # Words an earlier correction took out show nothing: they stay so.
        shows = [(index, word) for index, word in shows if word.strip()]
        if not shows:
            return None
        old = [word.rstrip(" ") for _index, word in shows]
        new = text.split()
        if old == new:
            return pdf
        lines = _lines_of(operations, shows)
        glyph = _glyph_width(page)
        edits = {}
        for first, (last, words) in _assign(old, new, lines).items():
            index = shows[first][0]
            operands, operator = operations[index - 1]
            if str(operator) != "Tz" or len(operands) != 1:
                return None
            joined = " ".join(words)
            if joined:
                tail = shows[last][1]
                joined += " " * (len(tail) - len(tail.rstrip(" ")))
                stretch = _stretch_over(
                    operations, index, shows[last][0], glyph, joined
                )
                edits[index - 1] = pikepdf.ContentStreamInstruction(
                    [stretch], pikepdf.Operator("Tz")
                )
            _show_joined(edits, shows, first, last, joined)
        _dated(document, modified)
        return _rewritten(
            document,
            page,
            operations,
            edits,
            deterministic_id=True,
            compress_streams=True,
            object_stream_mode=pikepdf.ObjectStreamMode.generate,
        )


# The article before the day's word («την 6η», «τὴν 5ην»), folded.
_ARTICLE = re.compile(r"τη[νσ]?")


class DateWords(NamedTuple):
    """Where the meeting's date is among Tesseract's words (:func:`date_words`).

    ``day``, ``month``, ``year``: the indexes of its words; ``day_read``,
    ``year_read`` their digits as read («» when the day's are not digits:
    «Ίη»), ``day_end``, ``year_end`` where those end in their words;
    ``weekday`` the day of the week the page names beside it (0 = Monday)
    or None.
    """

    day: int
    month: int
    year: int
    month_number: int
    day_read: str
    year_read: str
    day_end: int
    year_end: int
    weekday: int | None


def date_words(words):
    """The meeting's date among Tesseract's words, written in words.

    «την 6η Ιανουαρίου 1988», «τὴν 9ην τοῦ μηνὸς Φεβρουαρίου τοῦ ἔτους
    1950»: a month's word with a day's word before it (digits and the
    ordinal's ending, or one or two other characters after «την»: the
    Greek model's reading of a digit) and a year's word of digits after it,
    in the meeting's phrase («Σήμερα, την …», «συνεδρίαση της …», «… συνήλθε»:
    :func:`extract.meeting_phrase`). Returns a :class:`DateWords` or None
    (no such date: dates of other papers are not read twice).
    """
    from municipality.archive import extract

    folded, starts, stream = _stream(words)
    for index, piece in enumerate(folded):
        month = extract.month_of(piece)
        if month is None:
            continue
        day = index - 1
        if day >= 2 and folded[day] in ("μηνοσ", "μηνα") and folded[day - 1] == "του":
            day -= 2
        year = index + 1
        for skipped in ("του", "ετουσ"):
            if year < len(words) and folded[year] == skipped:
                year += 1
        if day < 0 or year >= len(words):
            continue
        day_match = extract.DAY_WORD.fullmatch(folded[day])
        year_match = extract.YEAR_WORD.fullmatch(folded[year])
        if day_match is None or year_match is None:
            continue
        day_read = day_match.group("day")
        if not day_read.isdigit():
            if day == 0 or not _ARTICLE.fullmatch(folded[day - 1]):
                continue
            day_read = ""
        if any(len(folded[i]) != len(words[i].text) for i in (day, year)):
            continue  # characters not where they were: no place to put digits
        end = starts[year] + len(folded[year])
        if not extract.meeting_phrase(stream, starts[day], end):
            continue
        return DateWords(
            day,
            index,
            year,
            month,
            day_read,
            year_match.group("year"),
            day_match.end("day"),
            year_match.end("year"),
            _weekday_after(folded, year),
        )
    return None


def _weekday_after(folded, year):
    """The day of the week named after the date's last word (index ``year``
    of the :func:`extract.fold` ed words): the next word, or a word after
    «ημέρα»/«ἡμέραν» within three; None when none is."""
    from municipality.archive import extract

    for after in range(year + 1, min(year + 4, len(folded))):
        # After «ημέρα» a word one letter off a day's name is that day.
        after_day = folded[after - 1].startswith("ημερ")
        named = extract.weekday_of(folded[after], near=after_day)
        if named is not None and (after == year + 1 or after_day):
            return named
    return None


class NumericDateWords(NamedTuple):
    """The meeting's date written in digits among Tesseract's words
    (:func:`numeric_date_words`): its words ``first`` to ``last`` (one, or
    two or three the reading split: «11.5.» «2001,»), where its year ends
    in the last (``end``), the date as ``read`` («17/7/2005», the words
    joined, without what follows the year) and the day of the week the page
    names beside it (0 = Monday) or None."""

    first: int
    last: int
    end: int
    read: str
    weekday: int | None


def _stream(words):
    """The :func:`extract.fold` ed words, and the text they make (a space
    between words, a newline between lines) with where each word starts."""
    from municipality.archive import extract

    folded = [extract.fold(word.text) for word in words]
    starts = []
    position = 0
    pieces = []
    for index, piece in enumerate(folded):
        if index:
            pieces.append("\n" if words[index].line != words[index - 1].line else " ")
            position += 1
        starts.append(position)
        pieces.append(piece)
        position += len(piece)
    return folded, starts, "".join(pieces)


def numeric_date_words(words):
    """The meeting's date among Tesseract's words, written in digits.

    «Σήμερα, 17/7/2009, ημέρα Παρασκευή», «Σήμερον 5.6.1965»: day, month
    and year with the same separator between them (``/``, ``-`` or ``.``;
    :data:`extract.NUMERIC_DATE_WORD`, digits the Greek model put in
    allowed: «95-6-1989»), in one word or in up to three of a line that
    make it with no space («11.5.» «2001,»), in the meeting's phrase
    (:func:`extract.meeting_phrase`). Returns a :class:`NumericDateWords`
    or None (dates of other papers are not read twice).
    """
    from municipality.archive import extract

    folded, starts, stream = _stream(words)
    for first in range(len(words)):
        joined = ""
        for last in range(first, min(first + 3, len(words))):
            if words[last].line != words[first].line or len(folded[last]) != len(
                words[last].text
            ):
                break
            before = len(joined)
            joined += folded[last]
            match = extract.NUMERIC_DATE_WORD.fullmatch(joined)
            if match is None:
                continue
            end = match.end("year") - before
            if end <= 0 or not extract.meeting_phrase(
                stream, starts[first], starts[last] + end
            ):
                break
            return NumericDateWords(
                first,
                last,
                end,
                joined[: match.end("year")],
                _weekday_after(folded, last),
            )
    return None


@dataclass
class Check:
    """The verdict on a second reading (:func:`check_number_and_date`).

    ``verdict`` None (nothing to read), ``"confirmed"``, ``"corrected"``,
    ``"unresolved"`` or ``"failed"``; ``read`` what the page's reading has,
    ``rereads`` the second readings (a scale each), ``value`` what the
    verdict settles on (the number, the date), ``changes`` the text's
    changes (:func:`_put_words`). :func:`read_unread_lines` uses it too:
    ``"recovered"``, ``read`` the lines read, ``value`` how many.
    """

    verdict: str | None = None
    read: str = ""
    rereads: tuple = ()
    value: object = None
    changes: list = field(default_factory=list)


def check_number_and_date(
    page,
    dpi,
    text,
    tsv,
    folder,
    timeout=NUMBER_TIMEOUT,
    pdf=None,
    number=True,
    date=True,
    words=None,
):
    """Read the decision's number and the meeting date a second time.

    The number's words (:func:`number_words`) and the date's day (with the
    article before it, «την») and year (:func:`date_words`) — or, for a
    date written in digits, its word (:func:`numeric_date_words`) — are
    cropped from ``page`` (the image Tesseract read) and read in one
    Tesseract run as lines of digits (and a date's separators, when it is
    in digits: :data:`DATE_CHARACTERS`), at each of
    :data:`NUMBER_SCALES`; ``number`` and ``date`` say which to look for.
    The verdicts are :func:`extract.check_date`'s (or
    :func:`extract.check_numeric_date`'s) and
    :func:`extract.check_number`'s, the latter with the meeting date's year
    (as settled, else as read) as the page's support for a year;
    ``"failed"`` when the second reading could not run. Corrections
    replace the page's reading in ``text`` and in the text layer of ``pdf``
    (:func:`_put_words_pdf`; the PDF stays as read if its words do not line
    up with the TSV's), nothing else changes; a correction that cannot be
    put in the text makes its verdict ``"unresolved"``.

    ``words`` are ``tsv``'s words (:func:`_words`) when the caller has them
    (with lines put in by :func:`read_unread_lines`, in ``text``'s order).

    Returns (text, pdf, number's :class:`Check`, date's :class:`Check`,
    seconds).
    """
    from municipality.archive import extract

    words = _words(tsv) if words is None else words
    number_found = number_words(words) if number else None
    date_found = date_words(words) if date else None
    digits_found = numeric_date_words(words) if date and not date_found else None
    numbers, dates = Check(), Check()
    groups = []
    if number_found is not None:
        first, last, _offset, _end, numbers.read = number_found
        groups.append(words[first : last + 1])
    if digits_found is not None:
        dates.read = digits_found.read
        groups.append(words[digits_found.first : digits_found.last + 1])
    if date_found is not None:
        dates.read = " ".join(
            words[i].text for i in range(date_found.day, date_found.year + 1)
        )
        day = [words[date_found.day]]
        if date_found.day and _ARTICLE.fullmatch(
            extract.fold(words[date_found.day - 1].text)
        ):
            # «την 5ην» read as digits gives «5»; «5ην» alone gives nothing or
            # reads the ending as digits («51», «57»): the article, which
            # reads as nothing, makes the crop a line.
            day.insert(0, words[date_found.day - 1])
        groups += [day, [words[date_found.year]]]
    if not groups:
        return text, pdf, numbers, dates, 0.0
    started = time.perf_counter()
    characters = NUMBER_CHARACTERS if digits_found is None else DATE_CHARACTERS
    try:
        readings = list(
            _read_again(page, groups, dpi, folder, timeout, "digits", characters)
        )
    except OCRError:
        for check in (numbers, dates):
            if check.read:
                check.verdict = "failed"
        return text, pdf, numbers, dates, round(time.perf_counter() - started, 3)
    if number_found is not None:
        # A comma after the number may read as a full stop when the
        # separators of a date in digits are allowed.
        numbers.rereads = tuple(reread.rstrip(".-") for reread in readings.pop(0))
    if digits_found is not None:
        dates.rereads = readings.pop(0)
        dates.verdict, dates.value = extract.check_numeric_date(
            dates.read,
            dates.rereads,
            digits_found.weekday,
            extract.four_digit_years(extract.fold(text)),
        )
        if dates.verdict == "corrected":
            first, last, end, read, _weekday = digits_found
            written = _numeric_date(
                read,
                dates.value,
                extract.numeric_year_digits(dates.rereads, dates.value),
            )
            dates.changes.append((first, last, 0, end, written))
    if date_found is not None:
        day_rereads, year_rereads = readings
        dates.rereads = tuple(
            f"{day} {year}" for day, year in zip(day_rereads, year_rereads, strict=True)
        )
        dates.verdict, dates.value = extract.check_date(
            date_found.day_read,
            date_found.month_number,
            date_found.year_read,
            day_rereads,
            year_rereads,
            date_found.weekday,
        )
        if dates.verdict == "corrected":
            for index, end, was, now in (
                (
                    date_found.day,
                    date_found.day_end,
                    date_found.day_read,
                    str(dates.value.day),
                ),
                (
                    date_found.year,
                    date_found.year_end,
                    date_found.year_read,
                    str(dates.value.year),
                ),
            ):
                if now != was:
                    dates.changes.append((index, index, 0, end, now))
    if number_found is not None:
        meeting = dates.value or extract.find_date(text)
        years = (meeting.year,) if meeting else ()
        numbers.verdict, numbers.value = extract.check_number(
            numbers.read, numbers.rereads, years
        )
        if numbers.value is not None and numbers.value != numbers.read:
            first, last, offset, end, _read = number_found
            numbers.changes.append((first, last, offset, end, numbers.value))
    changes = numbers.changes + dates.changes
    if changes:
        corrected = _put_words(text, words, changes)
        if corrected is None:
            for check in (numbers, dates):
                if check.changes:
                    check.verdict, check.value, check.changes = "unresolved", None, []
        else:
            text = corrected
            if pdf is not None:
                pdf = _put_words_pdf(pdf, words, changes) or pdf
    return text, pdf, numbers, dates, round(time.perf_counter() - started, 3)


def _numeric_date(read, date, year_digits=4):
    """``date`` written as the page wrote ``read`` («05.06.1989» for
    «05.96.1989»): its separator, a day or month of one digit given a
    leading zero where the page's had one, and its year in ``year_digits``
    (2: «15/3/87»)."""
    from municipality.archive import extract

    match = extract.NUMERIC_DATE_WORD.fullmatch(read)
    day, month = str(date.day), str(date.month)
    if match.group("day").startswith("0"):
        day = day.zfill(2)
    if match.group("month").startswith("0"):
        month = month.zfill(2)
    year = f"{date.year % 100:02d}" if year_digits == 2 else str(date.year)
    return match.group("sep").join((day, month, year))


# -- lines Tesseract left out --------------------------------------------------

#: A pixel is ink when it is darker than this share of the paper's grey.
INK_SHARE = 0.6
#: The bands read on their own are put on white paper: what is lighter
#: than this share of the paper's grey becomes white.
PAPER_SHARE = 0.9
#: A row of the text column is inked when at least this share of it is ink
#: (a few specks left on a page stay under it).
UNREAD_ROW_INK = 0.004
#: A band of inked rows outside every line Tesseract read is taken for text
#: it left out when it is this tall (a share of the page's median line),
#: its ink spans this share of the text column and falls apart, across,
#: into at least this many pieces (the letters; a rule, a border, a stamp's
#: ring or a signature's stroke are one or a few).
UNREAD_MIN_HEIGHT = 0.4
UNREAD_MIN_EXTENT = 0.1
UNREAD_MIN_PIECES = 8
#: A band's second reading is put in when its words' confidence (weighted
#: by length, as :func:`word_confidence`) is at least this.
UNREAD_CONFIDENCE = 60
#: The page is looked at this many times smaller for the bands (each pixel
#: the share of ink of a square of the page).
UNREAD_SCALE = 4


class Band(NamedTuple):
    """Rows ``top``-``bottom``, columns ``left``-``right`` of a page (pixels)."""

    top: int
    bottom: int
    left: int
    right: int


def _line_boxes(words):
    """The boxes (left, top, right, bottom) of the lines of ``words``."""
    boxes = {}
    for word in words:
        box = boxes.get(word.line)
        boxes[word.line] = (
            (word.left, word.top, word.right, word.bottom)
            if box is None
            else (
                min(box[0], word.left),
                min(box[1], word.top),
                max(box[2], word.right),
                max(box[3], word.bottom),
            )
        )
    return list(boxes.values())


def _paper(grey):
    """The grey of the paper: the commonest light level of the page (looked
    at four times smaller)."""
    histogram = grey.reduce(4).histogram()
    return max(range(128, 256), key=histogram.__getitem__)


def unread_lines(page, words):
    """Where the page has text that none of Tesseract's lines holds.

    Tesseract's layout analysis now and then leaves out a region of the
    page whole: a speckled, rotated page lost two full lines of a paragraph
    that way, read as well as the rest once looked at on their own. Here the
    page's ink (darker than :data:`INK_SHARE` of the paper) outside the
    boxes of the words Tesseract read (``words``, :func:`_words`) is
    summed row by row across the text column, at 1/:data:`UNREAD_SCALE`
    of the size; a run of inked rows tall and wide enough, whose ink breaks
    into letters across (:data:`UNREAD_MIN_HEIGHT`,
    :data:`UNREAD_MIN_EXTENT`, :data:`UNREAD_MIN_PIECES`) is a
    :class:`Band` of unread text. A few milliseconds a page; a page with
    no words has no bands (it has no text column: see ``no_text``).
    """
    lines = _line_boxes(words)
    if not lines:
        return []
    grey = page if page.mode == "L" else page.convert("L")
    heights = sorted(bottom - top for _left, top, _right, bottom in lines)
    line = max(1, heights[len(heights) // 2])
    # Ink is found at half the size (a stroke of type is 3-5 pixels wide at
    # 300 dpi: it stays dark) and summed into squares of UNREAD_SCALE; a
    # band is looked at across at full size.
    half = grey.reduce(2)
    level = _paper(half) * INK_SHARE
    ink = [255 if value < level else 0 for value in range(256)]
    scale = UNREAD_SCALE
    small = half.point(ink).reduce(scale // 2)
    del half
    # The words read are painted out, each in its own box: on a rotated
    # page a line's box is taller than its letters and covers a line left
    # out between two lines read, a word's box does not.
    boxes = [(word.left, word.top, word.right, word.bottom) for word in words]
    draw = ImageDraw.Draw(small)
    pad = max(2, line // 10)
    for left, top, right, bottom in boxes:
        draw.rectangle(
            (
                (left - pad) // scale,
                (top - pad) // scale,
                (right + pad) // scale,
                (bottom + pad) // scale,
            ),
            fill=0,
        )
    # The text column, with a margin of two lines either side.
    column_left = max(0, min(box[0] for box in lines) - 2 * line)
    column_right = min(page.width, max(box[2] for box in lines) + 2 * line)
    column = small.crop((column_left // scale, 0, column_right // scale, small.height))
    rows = column.resize((1, column.height), Image.Resampling.BOX).tobytes()
    inked_row = 255 * UNREAD_ROW_INK
    gap = max(1, line // 6 // scale)
    runs = []
    start = end = None
    for y, value in enumerate(rows):
        if value > inked_row:
            if start is None:
                start = y
            end = y + 1
        elif start is not None and y - end >= gap:
            runs.append((start, end))
            start = None
    if start is not None:
        runs.append((start, end))
    bands = []
    for start, end in runs:
        top, bottom = start * scale, min(page.height, end * scale)
        if bottom - top < UNREAD_MIN_HEIGHT * line:
            continue
        # Across the band at full size: the ink outside the lines read.
        strip = grey.crop((column_left, top, column_right, bottom)).point(ink)
        mask = ImageDraw.Draw(strip)
        for left, line_top, right, line_bottom in boxes:
            if line_bottom + pad > top and line_top - pad < bottom:
                mask.rectangle(
                    (
                        left - pad - column_left,
                        line_top - pad - top,
                        right + pad - column_left,
                        line_bottom + pad - top,
                    ),
                    fill=0,
                )
        across = strip.resize((strip.width, 1), Image.Resampling.BOX).tobytes()
        inked = [value > 0 for value in across]
        extent = sum(inked)
        if extent < UNREAD_MIN_EXTENT * len(inked):
            continue
        pieces = sum(
            1
            for index, value in enumerate(inked)
            if value and (index == 0 or not inked[index - 1])
        )
        if pieces < UNREAD_MIN_PIECES:
            continue
        first = inked.index(True)
        last = len(inked) - inked[::-1].index(True)
        bands.append(Band(top, bottom, column_left + first, column_left + last))
    return bands


def _read_bands(page, dpi, bands, words, folder, languages, timeout):
    """The bands read on their own, in one Tesseract run: (TSV, PDF).

    Tesseract reads a page of the same size with only the bands' ink on
    the paper, the words it read before painted over (nothing is read
    twice), as one block of text (``--psm 6``): its words' boxes and its
    text layer (``textonly_pdf``: no image) are where the page shows them.
    """
    grey = page if page.mode == "L" else page.convert("L")
    # The paper white, on the page and in the bands (their uneven light
    # would draw the bands' edges on the page as lines).
    light = _paper(grey.reduce(2)) * PAPER_SHARE
    whiten = [value if value < light else 255 for value in range(256)]
    alone = Image.new("L", grey.size, 255)
    lines = _line_boxes(words)
    heights = sorted(bottom - top for _left, top, _right, bottom in lines)
    margin = max(4, heights[len(heights) // 2] // 4) if heights else 8
    for band in bands:
        box = (
            max(0, band.left - margin),
            max(0, band.top - margin),
            min(grey.width, band.right + margin),
            min(grey.height, band.bottom + margin),
        )
        alone.paste(grey.crop(box).point(whiten), box[:2])
    draw = ImageDraw.Draw(alone)
    for word in words:
        draw.rectangle(
            (word.left - 1, word.top - 1, word.right + 1, word.bottom + 1), fill=255
        )
    source = folder / "bands.tif"
    alone.save(source, "TIFF", compression="raw", dpi=(dpi, dpi))
    base = folder / "bands"
    command = [
        TESSERACT,
        str(source),
        str(base),
        "-l",
        languages,
        "--psm",
        "6",
        "--dpi",
        str(dpi),
        "-c",
        "tessedit_create_txt=0",
        "-c",
        "tessedit_create_tsv=1",
        "-c",
        "tessedit_create_pdf=1",
        "-c",
        "textonly_pdf=1",
    ]
    _run(command, timeout, "the lines left out")
    tsv = (folder / "bands.tsv").read_text("utf-8", errors="replace")
    return tsv, (folder / "bands.pdf").read_bytes()


def _line_starts(words):
    """The indexes of the words that begin a line."""
    return [
        index
        for index, word in enumerate(words)
        if not index or word.line != words[index - 1].line
    ]


def _place(words, box):
    """Where a line with ``box`` goes among ``words``: the index of the
    first line read (in reading order) that lies below it and beside it,
    ``len(words)`` when none does."""
    middle = (box[1] + box[3]) / 2
    starts = _line_starts(words)
    for position, start in enumerate(starts):
        stop = starts[position + 1] if position + 1 < len(starts) else len(words)
        left, top, right, bottom = _line_boxes(words[start:stop])[0]
        if (top + bottom) / 2 > middle and left < box[2] and right > box[0]:
            return start
    return len(words)


def _insert_lines(text, words, new_words):
    """``text`` and ``words`` with the lines of ``new_words`` put in place.

    Each new line goes before the first line read below it (:func:`_place`),
    the new lines that go to one place in their order. The text's words are
    Tesseract's (:func:`_put_words`); when they do not line up the new lines
    go at the end. Returns (text, words, where the first new lines went).
    """
    tokens = list(re.finditer(r"\S+", text))
    starts = _line_starts(new_words)
    groups = {}
    for position, start in enumerate(starts):
        stop = starts[position + 1] if position + 1 < len(starts) else len(new_words)
        line = new_words[start:stop]
        place = len(words)
        if len(tokens) == len(words):
            place = _place(words, _line_boxes(line)[0])
        groups.setdefault(place, []).append(line)
    for place in sorted(groups, reverse=True):
        lines = groups[place]
        added = "\n".join(" ".join(word.text for word in line) for line in lines)
        if place < len(words):
            at = tokens[place].start()
            text = text[:at] + added + "\n" + text[at:]
        else:
            text = text.rstrip() + "\n\n" + added + "\n"
        words = (
            words[:place] + [word for line in lines for word in line] + words[place:]
        )
    return text, words, min(groups)


def _add_text_layer(pdf, extra, words, place):
    """The one-page ``pdf`` with the text layer of ``extra`` put in; None if
    it fails.

    ``extra`` is Tesseract's text-only PDF of the same page (the same size,
    its font under the same name): its text objects go before the text
    object of the block of ``words[place]`` when that word begins a block
    (Tesseract writes one text object a block), so the text layer's words
    stay in the text's order; else after the page's last.
    """
    import pikepdf

    try:
        return _merged_text_layer(pdf, extra, words, place)
    except (pikepdf.PdfError, ValueError, TypeError):
        return None


def _merged_text_layer(pdf, extra, words, place):
    """:func:`_add_text_layer`'s work; raises what pikepdf raises."""
    import pikepdf

    with (
        pikepdf.open(BytesIO(pdf)) as document,
        pikepdf.open(BytesIO(extra)) as addition,
    ):
        if len(document.pages) != 1 or len(addition.pages) != 1:
            return None
        page = document.pages[0]
        if list(page.MediaBox) != list(addition.pages[0].MediaBox):
            return None
        operations = pikepdf.parse_content_stream(page)
        added = pikepdf.parse_content_stream(addition.pages[0])
        names = [str(operator) for _operands, operator in added]
        if "BT" not in names:
            return None
        added = added[names.index("BT") : len(names) - names[::-1].index("ET")]
        fonts = page.Resources.get("/Font") or {}
        for operands, operator in added:
            if str(operator) == "Tf" and str(operands[0]) not in fonts:
                return None
        begins = [
            index
            for index, (_operands, operator) in enumerate(operations)
            if str(operator) == "BT"
        ]
        blocks = [
            index
            for index, word in enumerate(words)
            if not index or word.line[:2] != words[index - 1].line[:2]
        ]
        at = len(operations)
        if place in blocks and len(begins) == len(blocks):
            at = begins[blocks.index(place)]
        operations[at:at] = added
        page.Contents = document.make_stream(pikepdf.unparse_content_stream(operations))
        output = BytesIO()
        document.save(output, compress_streams=True)
    return output.getvalue()


def read_unread_lines(
    page, dpi, text, tsv, pdf, folder, languages, timeout, words=None
):
    """Find the text Tesseract left out of a page and read it.

    The bands of :func:`unread_lines` are read in a second run
    (:func:`_read_bands`). Their lines go into ``text`` before the first
    line read below each, their words into ``words``, their text layer into
    ``pdf`` (:func:`_add_text_layer`; the PDF stays as read if that
    fails) and their rows into ``tsv`` (the page's confidence counts them)
    when the words' confidence is at least :data:`UNREAD_CONFIDENCE`. The
    :class:`Check`'s verdict: None (nothing left out), ``"recovered"``
    (``read`` the lines put in, ``value`` how many), ``"unresolved"`` (the
    band reads as nothing trustworthy: ``read`` what it gave; nothing is
    put in) or ``"failed"`` (the second run could not run).

    Returns (text, tsv, pdf, words, :class:`Check`, seconds).
    """
    words = _words(tsv) if words is None else words
    check = Check()
    bands = unread_lines(page, words)
    if not bands:
        return text, tsv, pdf, words, check, 0.0
    started = time.perf_counter()
    try:
        extra_tsv, extra_pdf = _read_bands(
            page, dpi, bands, words, folder, languages, timeout
        )
    except (OCRError, OSError):
        check.verdict = "failed"
        return text, tsv, pdf, words, check, round(time.perf_counter() - started, 3)
    new_words = _words(extra_tsv)
    check.read = "\n".join(
        " ".join(word.text for word in new_words[start:stop])
        for start, stop in itertools.pairwise(
            [*_line_starts(new_words), len(new_words)]
        )
    )
    confidence, _count = word_confidence(extra_tsv)
    if (
        not any(re.search(r"\w", word.text) for word in new_words)
        or confidence is None
        or confidence < UNREAD_CONFIDENCE
    ):
        check.verdict = "unresolved"
        return text, tsv, pdf, words, check, round(time.perf_counter() - started, 3)
    text, merged, place = _insert_lines(text, words, new_words)
    if pdf is not None:
        pdf = _add_text_layer(pdf, extra_pdf, words, place) or pdf
    tsv = tsv.rstrip("\n") + "\n" + "\n".join(extra_tsv.splitlines()[1:]) + "\n"
    check.verdict = "recovered"
    check.value = len(_line_starts(new_words))
    return text, tsv, pdf, merged, check, round(time.perf_counter() - started, 3)


def ocr_page(
    image,
    languages="ell",
    image_width=1240,
    thumbnail_width=200,
    jpeg_quality=75,
    timeout=TIMEOUT,
    pdf_jpeg_quality=PDF_JPEG_QUALITY,
    despeckle_page=None,
    read_number=True,
    read_date=True,
    read_lines=True,
):
    """Read one page with one Tesseract run: text, confidence and PDF together.

    ``image`` is a page from :func:`load_page`/:func:`iter_pages`;
    ``languages`` Tesseract models joined with ``+`` (``"ell"``,
    ``"ell+grc"`` for polytonic pages). A speckled page is cleaned first
    (:func:`ocr_input`; the PDF shows the cleaned page, the page image and
    thumbnail the scan as it is). Returns a :class:`PageResult`. Raises
    :class:`OCRError` when Tesseract fails or runs past ``timeout``.

    When the text names the decision's number and ``read_number`` is true,
    or the meeting's date in words and ``read_date`` is true, their digits
    are read a second time (:func:`check_number_and_date`: crops of a few
    words, one run of ~0.15 s); a page without either has its one run.

    With ``read_lines`` true, text that Tesseract's layout analysis left out
    of its lines is looked for (:func:`unread_lines`, milliseconds) and,
    when there is some, read on its own and put in
    (:func:`read_unread_lines`: a second run of ~0.2 s, first).
    """
    if not re.fullmatch(r"[a-z_]{3,8}(\+[a-z_]{3,8})*", languages or ""):
        raise ValueError(f"languages: not Tesseract model names: {languages!r}")
    dpi = resolution(image)
    started = time.perf_counter()
    page, specks = ocr_input(image, dpi, despeckle_page)
    with tempfile.TemporaryDirectory(
        prefix="municipality-ocr-", dir=_scratch()
    ) as folder:
        folder = Path(folder)
        source = _tesseract_file(page, folder, dpi)
        base = folder / "out"
        command = [
            TESSERACT,
            str(source),
            str(base),
            "-l",
            languages,
            "--dpi",
            str(dpi),
            "-c",
            "tessedit_create_txt=1",
            "-c",
            "tessedit_create_tsv=1",
            "-c",
            "tessedit_create_pdf=1",
            "-c",
            f"jpg_quality={int(pdf_jpeg_quality)}",
        ]
        running = time.perf_counter()
        _run(command, timeout, f"a page of {image.width}x{image.height} pixels")
        seconds = time.perf_counter() - running
        text = (folder / "out.txt").read_text("utf-8", errors="replace")
        tsv = (folder / "out.tsv").read_text("utf-8", errors="replace")
        pdf = (folder / "out.pdf").read_bytes()
        page_words = _words(tsv)
        lines, lines_seconds = Check(), 0.0
        if read_lines and page_words:
            text, tsv, pdf, page_words, lines, lines_seconds = read_unread_lines(
                page,
                dpi,
                text,
                tsv,
                pdf,
                folder,
                languages,
                min(timeout, NUMBER_TIMEOUT),
                words=page_words,
            )
            seconds += lines_seconds
        numbers, dates, reread_seconds = Check(), Check(), 0.0
        if read_number or read_date:
            text, pdf, numbers, dates, reread_seconds = check_number_and_date(
                page,
                dpi,
                text,
                tsv,
                folder,
                min(timeout, NUMBER_TIMEOUT),
                pdf,
                number=read_number,
                date=read_date,
                words=page_words,
            )
            seconds += reread_seconds
    confidence, words = word_confidence(tsv)
    polytonic = "grc" in languages.split("+")
    result = PageResult(
        text=tidy_text(text, polytonic=polytonic),
        confidence=confidence,
        pdf=pdf,
        image=_resized(image, image_width, jpeg_quality),
        thumbnail=_resized(image, thumbnail_width, jpeg_quality),
        width=image.width,
        height=image.height,
        seconds=round(seconds, 3),
        dpi=dpi,
        words=words,
        specks=specks,
        number_check=numbers.verdict,
        number_read=numbers.read,
        number_rereads=numbers.rereads,
        number_seconds=reread_seconds,
        date_check=dates.verdict,
        date_read=dates.read,
        date_rereads=dates.rereads,
        lines_check=lines.verdict,
        lines_read=tidy_text(lines.read, polytonic=polytonic),
        lines_added=lines.value or 0,
        lines_seconds=lines_seconds,
    )
    result.total_seconds = round(time.perf_counter() - started, 3)
    return result


def raw_tesseract(path, languages="ell", timeout=TIMEOUT):
    """The benchmark's baseline: the Tesseract CLI on the source file, text only.

    Images (a multi-page TIFF too, in one run) go to Tesseract as they are;
    a PDF, which Tesseract cannot read, is rasterised page by page first (as
    :func:`load_page` does; the rasterising is part of the baseline).
    ``timeout`` is per page. Returns the text as Tesseract wrote it.
    """
    path = _check(path)
    if not _is_pdf(path):
        command = [TESSERACT, str(path), "stdout", "-l", languages]
        completed = _run(command, timeout * count_pages(path), path.name)
        return completed.stdout.decode("utf-8", "replace")
    texts = []
    with tempfile.TemporaryDirectory(
        prefix="municipality-ocr-", dir=_scratch()
    ) as folder:
        for index, page in enumerate(iter_pages(path)):
            target = _tesseract_file(page, Path(folder), PDF_DPI)
            command = [TESSERACT, str(target), "stdout", "-l", languages]
            command += ["--dpi", str(PDF_DPI)]
            completed = _run(command, timeout, f"{path.name} page {index + 1}")
            texts.append(completed.stdout.decode("utf-8", "replace"))
    return "".join(texts)


__all__ = [
    "SUFFIXES",
    "OCRError",
    "PageResult",
    "check_number_and_date",
    "read_unread_lines",
    "unread_lines",
    "date_words",
    "numeric_date_words",
    "count_pages",
    "despeckle",
    "iter_pages",
    "load_page",
    "monotonic",
    "number_words",
    "ocr_input",
    "ocr_page",
    "put_page_text",
    "raw_tesseract",
    "resolution",
    "speckled",
    "tidy_text",
    "word_confidence",
]
