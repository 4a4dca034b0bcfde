"""Storing an ingested decision: the server side of ``@archive-ingest``.

:func:`ingest` takes the JSON payload of ``api.py`` (already parsed),
checks all of it before it writes anything, and adds one
``HistoricalDecision`` to the archive with its pages, page images and PDF —
or, for a ``source_hash`` the archive already holds, returns that decision
unchanged. Bad input raises :class:`IngestError` naming the field
(``pages[2].image``) with a Greek message.

Two uploads of the same decision at once (a resumed batch racing the one
it resumes, two operators) must not make two decisions. Within one Zope
process the transaction holds the process's write lock
(:mod:`municipality.core.serial`) from the look-up to the commit, so the
second upload waits and, in the instance (whose ``serialwrites`` filter
begins every write request after the previous commit), finds the first.
Where its snapshot is older than that commit (a test server without the
filter, several instances on RelStorage or ZEO) both transactions add the
same key to the archive's folder tree and to the ``archive_source_hash``
index: ZODB refuses the second commit with a conflict, Zope retries that
request, and the retry finds the decision and answers «not created».
"""

from datetime import date
from municipality import _
from municipality.archive.api import REVIEW_REASONS
from municipality.archive.content.decision import Page
from municipality.core import serial
from persistent.list import PersistentList
from plone import api as ploneapi
from plone.dexterity.utils import createContentInContainer
from plone.i18n.normalizer.interfaces import IIDNormalizer
from plone.namedfile.file import NamedBlobFile
from plone.namedfile.file import NamedBlobImage
from zope.component import queryUtility
from zope.globalrequest import getRequest
from zope.i18n import translate

import binascii
import posixpath
import re
import unicodedata


PORTAL_TYPE = "HistoricalDecision"

# What one decision may hold. A decision is one JSON request: 500 pages of
# ~250 kB images and their PDF would be ~250 MB of JSON, beyond any sensible
# request (the REST service refuses bodies over MAX_BODY_BYTES first).
MAX_PAGES = 500
MAX_SOURCE_FILES = 1000
MAX_NUMBER_LENGTH = 20
MAX_SUBJECT_LENGTH = 5000
MAX_LABEL_LENGTH = 200  # volume, box
MAX_FILENAME_LENGTH = 255
MAX_PAGE_TEXT_LENGTH = 200_000
MAX_REVIEW_REASONS = 2 * MAX_PAGES + 10
MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_THUMBNAIL_BYTES = 2 * 1024 * 1024
MAX_PDF_BYTES = 200 * 1024 * 1024
MIN_YEAR = 1830  # the IHistoricalDecision.year field's range
MAX_YEAR = 2100

# The Tesseract models a page may have been read with.
LANGUAGES = frozenset({"ell", "grc", "eng"})

# Review reasons without and with a page (api.py's codes).
PAGE_REASONS = frozenset({"low_confidence", "no_text", "text_missing"})
PLAIN_REASONS = frozenset(REVIEW_REASONS) - PAGE_REASONS

FIELDS = frozenset(
    {
        "source_hash",
        "source_files",
        "number",
        "year",
        "meeting_date",
        "subject",
        "source_volume",
        "source_box",
        "languages",
        "review_reasons",
        "pages",
        "pdf",
    }
)
PAGE_FIELDS = frozenset(
    {
        "number",
        "text",
        "confidence",
        "source_file",
        "source_page",
        "image",
        "thumbnail",
    }
)
BLOB_FIELDS = frozenset({"data", "encoding", "content-type", "filename"})

HASH_RE = re.compile(r"^[0-9a-f]{64}$")
ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Control characters other than tab and newline: never in a label or a name.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# In page texts, a form feed separates pages in the decision's text, and NUL
# cannot be indexed: both go; other control characters become spaces.
TEXT_CONTROL_RE = re.compile(r"[\x01-\x08\x0b-\x1f\x7f]")

JPEG_MAGIC = b"\xff\xd8\xff"
PDF_MAGIC = b"%PDF-"
BLOB_KINDS = {
    "image": ("image/jpeg", JPEG_MAGIC, MAX_IMAGE_BYTES),
    "thumbnail": ("image/jpeg", JPEG_MAGIC, MAX_THUMBNAIL_BYTES),
    "pdf": ("application/pdf", PDF_MAGIC, MAX_PDF_BYTES),
}

TITLE_SUBJECT_LENGTH = 90

# -- messages (English msgids, Greek in the .po) -------------------------------

MSG_NOT_OBJECT = _("Must be a JSON object.")
MSG_NOT_LIST = _("Must be a list.")
MSG_NOT_TEXT = _("Must be text.")
MSG_NOT_INTEGER = _("Must be a whole number.")
MSG_REQUIRED = _("Required.")
MSG_UNKNOWN_FIELD = _("Unknown field.")
MSG_TOO_LONG = _("Too long: at most ${max} characters.")
MSG_CONTROL = _("Contains control characters.")
MSG_HASH = _("Must be 64 lower-case hexadecimal characters (SHA-256).")
MSG_YEAR = _("Must be a year from ${min} to ${max}.")
MSG_DATE = _("Must be a date as YYYY-MM-DD.")
MSG_DATE_YEAR = _("The meeting date is not in the decision's year (${year}).")
MSG_LANGUAGES = _("Unknown OCR languages; use ${known} joined with +.")
MSG_REASON = _("Unknown review reason.")
MSG_REASON_PAGE = _("The review reason names a page the decision does not have.")
MSG_TOO_MANY = _("Too many: at most ${max}.")
MSG_NO_PAGES = _("A decision needs at least one page.")
MSG_NO_FILES = _("A decision needs at least one source file.")
MSG_PAGE_NUMBER = _("Pages must be numbered 1, 2, 3 … in order; expected ${expected}.")
MSG_CONFIDENCE = _("Must be a number from 0 to 100, or null.")
MSG_PAGE_SOURCE = _("Not one of the decision's source files.")
MSG_SOURCE_PAGE = _("Must be a page number from 1.")
MSG_ENCODING = _("Only base64 is accepted.")
MSG_BASE64 = _("Not valid base64.")
MSG_EMPTY_FILE = _("The file is empty.")
MSG_FILE_TOO_BIG = _("The file is too large: at most ${max} MB.")
MSG_CONTENT_TYPE = _("Must be ${expected}.")
MSG_NOT_JPEG = _("The data is not a JPEG image.")
MSG_NOT_PDF = _("The data is not a PDF.")


class IngestError(ValueError):
    """The payload is not acceptable; nothing was written.

    ``field`` is the English path of the first bad value (``year``,
    ``pages[2].image``, ``pdf.data``), ``message`` its Greek message;
    ``errors`` lists every ``(field, message)`` found.
    """

    def __init__(self, field, message, errors=None):
        self.field = field
        self.message = _translate(message)
        self.errors = errors or [(field, self.message)]
        super().__init__(f"{field}: {self.message}")


def _translate(message):
    request = getRequest()
    if request is not None and getattr(request, "get", None) is not None:
        # The site's language negotiation (Greek first) decides.
        return translate(message, context=request)
    return translate(message, target_language="el")


class _Errors:
    """Collects ``(field, message)`` pairs while the payload is read."""

    def __init__(self):
        self.items = []

    def add(self, field, message):
        self.items.append((field, _translate(message)))

    def raise_if_any(self):
        if self.items:
            field, message = self.items[0]
            raise IngestError(field, message, self.items)


# -- reading the payload ---------------------------------------------------------


def _text(errors, data, field, max_length, required=False, multiline=False):
    """A stripped string (``""`` for null/missing), or None after an error."""
    value = data.get(field.rsplit(".", 1)[-1]) if isinstance(data, dict) else None
    return _check_text(errors, value, field, max_length, required, multiline)


def _check_text(errors, value, field, max_length, required=False, multiline=False):
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.add(field, MSG_NOT_TEXT)
        return None
    value = unicodedata.normalize("NFKC", value).strip()
    if not multiline:
        value = " ".join(value.split())
    if CONTROL_RE.search(value):
        errors.add(field, MSG_CONTROL)
        return None
    if len(value) > max_length:
        errors.add(field, _(MSG_TOO_LONG, mapping={"max": max_length}))
        return None
    if required and not value:
        errors.add(field, MSG_REQUIRED)
        return None
    return value


def _integer(errors, value, field):
    # JSON true/false are ints to Python; 3.0 is not a page number.
    if isinstance(value, bool) or not isinstance(value, int):
        errors.add(field, MSG_NOT_INTEGER)
        return None
    return value


def _year(errors, value, field="year"):
    if value is None:
        return None
    value = _integer(errors, value, field)
    if value is None:
        return None
    if not MIN_YEAR <= value <= MAX_YEAR:
        errors.add(field, _(MSG_YEAR, mapping={"min": MIN_YEAR, "max": MAX_YEAR}))
        return None
    return value


def _date(errors, value, field="meeting_date"):
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not ISO_DATE_RE.match(value):
        errors.add(field, MSG_DATE)
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        errors.add(field, MSG_DATE)
        return None
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        errors.add(field, _(MSG_YEAR, mapping={"min": MIN_YEAR, "max": MAX_YEAR}))
        return None
    return day


def _languages(errors, value, field="languages"):
    if value is None or value == "":
        return "ell"
    if not isinstance(value, str):
        errors.add(field, MSG_NOT_TEXT)
        return None
    parts = value.strip().split("+")
    if not all(part in LANGUAGES for part in parts) or len(set(parts)) != len(parts):
        errors.add(
            field,
            _(MSG_LANGUAGES, mapping={"known": ", ".join(sorted(LANGUAGES))}),
        )
        return None
    return "+".join(parts)


def _blob(errors, value, field, kind):
    """``(bytes, filename)`` of a base64 file object, or None after an error."""
    content_type, magic, max_bytes = BLOB_KINDS[kind]
    if value is None:
        errors.add(field, MSG_REQUIRED)
        return None
    if not isinstance(value, dict):
        errors.add(field, MSG_NOT_OBJECT)
        return None
    ok = True
    for key in value:
        if key not in BLOB_FIELDS:
            errors.add(f"{field}.{key}", MSG_UNKNOWN_FIELD)
            ok = False
    if value.get("encoding", "base64") != "base64":
        errors.add(f"{field}.encoding", MSG_ENCODING)
        ok = False
    declared = value.get("content-type")
    if not isinstance(declared, str) or declared.strip().lower() != content_type:
        errors.add(
            f"{field}.content-type",
            _(MSG_CONTENT_TYPE, mapping={"expected": content_type}),
        )
        ok = False
    filename = value.get("filename")
    if filename is None or filename == "":
        filename = ""
    elif not isinstance(filename, str):
        errors.add(f"{field}.filename", MSG_NOT_TEXT)
        ok = False
    else:
        # A name as the client knows it; no directories, no control characters.
        filename = posixpath.basename(filename.replace("\\", "/")).strip()
        if CONTROL_RE.search(filename):
            errors.add(f"{field}.filename", MSG_CONTROL)
            ok = False
        elif len(filename) > MAX_FILENAME_LENGTH:
            errors.add(
                f"{field}.filename",
                _(MSG_TOO_LONG, mapping={"max": MAX_FILENAME_LENGTH}),
            )
            ok = False
    data = value.get("data")
    if not isinstance(data, str):
        errors.add(f"{field}.data", MSG_REQUIRED if data is None else MSG_NOT_TEXT)
        return None
    # A cheap bound before decoding: base64 is 4 characters per 3 bytes.
    if len(data) > (max_bytes // 3 + 1) * 4 + 4:
        errors.add(
            f"{field}.data",
            _(MSG_FILE_TOO_BIG, mapping={"max": max_bytes // (1024 * 1024)}),
        )
        return None
    try:
        raw = binascii.a2b_base64(data.encode("ascii"), strict_mode=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        errors.add(f"{field}.data", MSG_BASE64)
        return None
    if not raw:
        errors.add(f"{field}.data", MSG_EMPTY_FILE)
        return None
    if len(raw) > max_bytes:
        errors.add(
            f"{field}.data",
            _(MSG_FILE_TOO_BIG, mapping={"max": max_bytes // (1024 * 1024)}),
        )
        return None
    if not raw.startswith(magic):
        errors.add(f"{field}.data", MSG_NOT_PDF if kind == "pdf" else MSG_NOT_JPEG)
        return None
    if not ok:
        return None
    return raw, filename


def _page_text(errors, value, field):
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.add(field, MSG_NOT_TEXT)
        return None
    value = unicodedata.normalize("NFKC", value).replace("\x00", "")
    value = TEXT_CONTROL_RE.sub(" ", value.replace("\f", "\n").replace("\r\n", "\n"))
    value = value.strip()
    if len(value) > MAX_PAGE_TEXT_LENGTH:
        errors.add(field, _(MSG_TOO_LONG, mapping={"max": MAX_PAGE_TEXT_LENGTH}))
        return None
    return value


def _confidence(errors, value, field):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        errors.add(field, MSG_CONFIDENCE)
        return None
    value = float(value)
    if not 0 <= value <= 100:  # also refuses NaN
        errors.add(field, MSG_CONFIDENCE)
        return None
    return round(value, 2)


def _pages(errors, value, source_files):
    if value is None:
        errors.add("pages", MSG_NO_PAGES)
        return None
    if not isinstance(value, list):
        errors.add("pages", MSG_NOT_LIST)
        return None
    if not value:
        errors.add("pages", MSG_NO_PAGES)
        return None
    if len(value) > MAX_PAGES:
        errors.add("pages", _(MSG_TOO_MANY, mapping={"max": MAX_PAGES}))
        return None
    pages = []
    for index, page in enumerate(value):
        field = f"pages[{index}]"
        if not isinstance(page, dict):
            errors.add(field, MSG_NOT_OBJECT)
            continue
        for key in page:
            if key not in PAGE_FIELDS:
                errors.add(f"{field}.{key}", MSG_UNKNOWN_FIELD)
        number = page.get("number")
        if number is None:
            errors.add(f"{field}.number", MSG_REQUIRED)
        elif _integer(errors, number, f"{field}.number") is not None and (
            number != index + 1
        ):
            errors.add(
                f"{field}.number",
                _(MSG_PAGE_NUMBER, mapping={"expected": index + 1}),
            )
        text = _page_text(errors, page.get("text"), f"{field}.text")
        confidence = _confidence(errors, page.get("confidence"), f"{field}.confidence")
        source_file = _check_text(
            errors, page.get("source_file"), f"{field}.source_file", MAX_FILENAME_LENGTH
        )
        if source_file is not None:
            if not source_file and len(source_files) == 1:
                source_file = source_files[0]
            elif source_file not in source_files:
                errors.add(f"{field}.source_file", MSG_PAGE_SOURCE)
        source_page = page.get("source_page", 1)
        if source_page is None:
            source_page = 1
        if _integer(errors, source_page, f"{field}.source_page") is not None and (
            source_page < 1
        ):
            errors.add(f"{field}.source_page", MSG_SOURCE_PAGE)
        image = _blob(errors, page.get("image"), f"{field}.image", "image")
        thumbnail = _blob(
            errors, page.get("thumbnail"), f"{field}.thumbnail", "thumbnail"
        )
        pages.append(
            {
                "number": index + 1,
                "text": text,
                "confidence": confidence,
                "source_file": source_file,
                "source_page": source_page,
                "image": image,
                "thumbnail": thumbnail,
            }
        )
    return pages


def _source_files(errors, value):
    if value is None:
        errors.add("source_files", MSG_NO_FILES)
        return None
    if not isinstance(value, list):
        errors.add("source_files", MSG_NOT_LIST)
        return None
    if not value:
        errors.add("source_files", MSG_NO_FILES)
        return None
    if len(value) > MAX_SOURCE_FILES:
        errors.add("source_files", _(MSG_TOO_MANY, mapping={"max": MAX_SOURCE_FILES}))
        return None
    files = []
    for index, name in enumerate(value):
        name = _check_text(
            errors, name, f"source_files[{index}]", MAX_FILENAME_LENGTH, required=True
        )
        if name is not None:
            files.append(name)
    return files


def _review_reasons(errors, value, page_count):
    if value is None:
        return []
    if not isinstance(value, list):
        errors.add("review_reasons", MSG_NOT_LIST)
        return None
    if len(value) > MAX_REVIEW_REASONS:
        errors.add(
            "review_reasons", _(MSG_TOO_MANY, mapping={"max": MAX_REVIEW_REASONS})
        )
        return None
    reasons = []
    for index, reason in enumerate(value):
        field = f"review_reasons[{index}]"
        if not isinstance(reason, str):
            errors.add(field, MSG_NOT_TEXT)
            continue
        code, _sep, page = reason.strip().partition(":")
        if code in PLAIN_REASONS and not page:
            pass
        elif code in PAGE_REASONS and page.isdigit() and page.isascii():
            if page_count is not None and not 1 <= int(page) <= page_count:
                errors.add(field, MSG_REASON_PAGE)
                continue
            reason = f"{code}:{int(page)}"
        else:
            errors.add(field, MSG_REASON)
            continue
        if reason not in reasons:
            reasons.append(reason.strip())
    return reasons


def validate(payload):
    """Check the whole payload; return it as Python values, or raise.

    :param payload: The parsed JSON of ``POST @archive-ingest`` (``api.py``).
    :returns: A dict with the same keys: dates as ``date``, texts NFKC and
        stripped, files as ``(bytes, filename)``, pages as dicts.
    :raises IngestError: For the first bad value; ``errors`` lists them all.
    """
    errors = _Errors()
    if not isinstance(payload, dict):
        errors.add("", MSG_NOT_OBJECT)
        errors.raise_if_any()
    for key in payload:
        if key not in FIELDS:
            errors.add(str(key), MSG_UNKNOWN_FIELD)
    source_hash = payload.get("source_hash")
    if source_hash is None:
        errors.add("source_hash", MSG_REQUIRED)
    elif not isinstance(source_hash, str) or not HASH_RE.match(source_hash):
        errors.add("source_hash", MSG_HASH)
    source_files = _source_files(errors, payload.get("source_files"))
    number = payload.get("number")
    if isinstance(number, int) and not isinstance(number, bool):
        number = str(number)  # a manifest's 123 is the decision «123»
    number = _check_text(errors, number, "number", MAX_NUMBER_LENGTH)
    year = _year(errors, payload.get("year"))
    meeting_date = _date(errors, payload.get("meeting_date"))
    if year is not None and meeting_date is not None and meeting_date.year != year:
        errors.add("meeting_date", _(MSG_DATE_YEAR, mapping={"year": year}))
    subject = _text(errors, payload, "subject", MAX_SUBJECT_LENGTH, multiline=True)
    source_volume = _text(errors, payload, "source_volume", MAX_LABEL_LENGTH)
    source_box = _text(errors, payload, "source_box", MAX_LABEL_LENGTH)
    languages = _languages(errors, payload.get("languages"))
    pages = _pages(errors, payload.get("pages"), source_files or [])
    review_reasons = _review_reasons(
        errors, payload.get("review_reasons"), len(pages) if pages else None
    )
    pdf = _blob(errors, payload.get("pdf"), "pdf", "pdf")
    errors.raise_if_any()
    if year is None and meeting_date is not None:
        year = meeting_date.year
    return {
        "source_hash": source_hash,
        "source_files": source_files,
        "number": number or None,
        "year": year,
        "meeting_date": meeting_date,
        "subject": subject,
        "source_volume": source_volume,
        "source_box": source_box,
        "languages": languages,
        "review_reasons": review_reasons,
        "pages": pages,
        "pdf": pdf,
    }


# -- titles and ids ---------------------------------------------------------------


def shorten(text, length=TITLE_SUBJECT_LENGTH):
    """``text`` on one line, cut at a word boundary to ``length`` with «…»."""
    text = " ".join((text or "").split())
    if len(text) <= length:
        return text
    cut = text[: length - 1]
    if " " in cut[length // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,.;:·-–—") + "…"


def title_message(number=None, year=None, subject="", meeting_date=None, source=""):
    """The decision's title as a translatable message.

    «Απόφαση 123/1987 — Έγκριση προϋπολογισμού …»; without a number
    «Απόφαση χωρίς αριθμό (15/03/1987) — …» (the date, else the year, else
    the first scanned file says which one it is).
    """
    subject = shorten(subject)
    if number:
        label = f"{number}/{year}" if year else number
        if subject:
            return _(
                "Decision ${number} — ${subject}",
                mapping={"number": label, "subject": subject},
            )
        return _("Decision ${number}", mapping={"number": label})
    if meeting_date is not None:
        which = meeting_date.strftime("%d/%m/%Y")
    elif year:
        which = str(year)
    else:
        which = source or "—"
    if subject:
        return _(
            "Decision without a number (${which}) — ${subject}",
            mapping={"which": which, "subject": subject},
        )
    return _("Decision without a number (${which})", mapping={"which": which})


def _site_language():
    try:
        return ploneapi.portal.get_default_language() or "el"
    except Exception:  # noqa: BLE001 - no site (a script): Greek
        return "el"


def compute_title(decision):
    """The title the decision's fields give, in the site's language."""
    files = getattr(decision, "source_files", ()) or ()
    message = title_message(
        number=decision.number,
        year=decision.year,
        subject=decision.subject or "",
        meeting_date=decision.meeting_date,
        source=files[0] if files else "",
    )
    return translate(message, target_language=_site_language())


def base_id(number, year, source_hash):
    """``apofasi-123-1987`` (Greek transliterated), else ``eggrafo-<hash[:12]>``."""
    if number and year:
        normalizer = queryUtility(IIDNormalizer)
        if normalizer is None:  # pragma: no cover - Plone always has one
            from plone.i18n.normalizer import idnormalizer as normalizer
        slug = normalizer.normalize(number, max_length=40)
        if slug:
            return f"apofasi-{slug}-{year}"
    return f"eggrafo-{(source_hash or '')[:12]}"


def unique_id(container, base):
    """``base``, or ``base-2``, ``base-3`` … whichever the container lacks."""
    candidate = base
    counter = 1
    while container.get(candidate) is not None:
        counter += 1
        candidate = f"{base}-{counter}"
    return candidate


# -- the archive's keys -------------------------------------------------------------


def _catalog():
    return ploneapi.portal.get_tool("portal_catalog")


def find_by_hash(archive, source_hash):
    """The decision with ``source_hash`` in ``archive`` (any state), or None."""
    if not source_hash:
        return None
    brains = _catalog().unrestrictedSearchResults(
        portal_type=PORTAL_TYPE,
        archive_source_hash=source_hash,
        path={"query": "/".join(archive.getPhysicalPath())},
    )
    for brain in brains:
        obj = brain._unrestrictedGetObject()
        if getattr(obj, "source_hash", None) == source_hash:
            return obj
    return None


def known_hashes(archive):
    """Every ``source_hash`` the site holds (what a resumed batch skips).

    The index's unique values: the decisions of every archive of the site,
    which is what idempotency needs (one archive per site).
    """
    index = _catalog()._catalog.indexes.get("archive_source_hash")
    if index is None:
        return []
    return sorted(value for value in index.uniqueValues() if value)


# -- storing ----------------------------------------------------------------------


def _mean(values):
    values = [value for value in values if value is not None]
    if not values:
        return None
    return round(sum(values) / len(values), 2)


def _image(blob, default_name):
    data, filename = blob
    return NamedBlobImage(
        data=data, contentType="image/jpeg", filename=filename or default_name
    )


def ingest(archive, payload):
    """Add the decision of ``payload`` to ``archive``, once.

    :param archive: The ``DecisionArchive``.
    :param payload: The parsed JSON of ``POST @archive-ingest`` (``api.py``).
    :returns: ``(decision, created)``: the new decision and True, or the one
        already holding ``payload["source_hash"]`` and False (unchanged).
    :raises IngestError: Bad input (field path and Greek message); nothing
        is written.

    The decision is created in the current user's name (its Owner), in the
    workflow's initial state ``ingested``.
    """
    values = validate(payload)
    serial.hold_until_transaction_end(archive)
    existing = find_by_hash(archive, values["source_hash"])
    if existing is not None:
        return existing, False

    pages = PersistentList()
    for page in values["pages"]:
        number = page["number"]
        pages.append(
            Page(
                number,
                text=page["text"],
                confidence=page["confidence"],
                image=_image(page["image"], f"p{number:04d}.jpg"),
                thumbnail=_image(page["thumbnail"], f"p{number:04d}-thumb.jpg"),
                source_file=page["source_file"],
                source_page=page["source_page"],
                languages=values["languages"],
            )
        )
    pdf_data, pdf_name = values["pdf"]
    new_id = unique_id(
        archive, base_id(values["number"], values["year"], values["source_hash"])
    )
    fields = {
        "number": values["number"],
        "year": values["year"],
        "meeting_date": values["meeting_date"],
        "subject": values["subject"] or None,
        "source_volume": values["source_volume"] or None,
        "source_box": values["source_box"] or None,
        "review_reasons": list(values["review_reasons"]),
        "needs_review": bool(values["review_reasons"]),
    }
    decision = createContentInContainer(
        archive,
        PORTAL_TYPE,
        checkConstraints=False,
        id=new_id,
        title=translate(
            title_message(
                number=fields["number"],
                year=fields["year"],
                subject=fields["subject"] or "",
                meeting_date=fields["meeting_date"],
                source=values["source_files"][0],
            ),
            target_language=_site_language(),
        ),
        text="\f".join(page.text for page in pages),
        pdf=NamedBlobFile(
            data=pdf_data,
            contentType="application/pdf",
            filename=pdf_name or f"{new_id}.pdf",
        ),
        pages=pages,
        source_hash=values["source_hash"],
        source_files=tuple(values["source_files"]),
        languages=values["languages"],
        confidence=_mean(page.confidence for page in pages),
        **fields,
    )
    return decision, True


__all__ = [
    "IngestError",
    "find_by_hash",
    "ingest",
    "known_hashes",
    "validate",
]
