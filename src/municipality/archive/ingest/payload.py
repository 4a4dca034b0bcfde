"""A decision's ``@archive-ingest`` payload from its finished pages.

What the manifest lacks is read from the text (``extract``): the number, the
meeting date, the year — each flagged for the archivists' review with the
codes of ``municipality.archive.api`` (``number_from_text`` … ``no_date``;
``number_corrected`` / ``number_unconfirmed`` when the second reading of the
number's words, ``ocr.check_number_and_date``, changed it or disagreed;
``date_corrected`` / ``date_unconfirmed`` the same for the meeting date);
pages read with a confidence below the site's ``low_confidence`` setting flag
``low_confidence:<page>``, pages with no text ``no_text:<page>``, pages
where text Tesseract left out of its lines could not be read
(``ocr.read_unread_lines``) ``text_missing:<page>``. The page PDFs are
joined into one PDF/A (``pdfa.assemble``).

No Plone here.
"""

from base64 import b64encode
from dataclasses import dataclass
from dataclasses import field
from municipality.archive.ingest.manifest import NUMBER_LENGTH
from municipality.archive.ingest.manifest import YEARS

import re


AUTHOR = "Δημοτικό Συμβούλιο"


@dataclass
class Facts:
    """What the tool learnt building a payload (for the summary and the report)."""

    number: str | None = None
    year: int | None = None
    meeting_date: object = None
    reasons: list = field(default_factory=list)
    #: ``(decision page, source file, page of the file, confidence)``
    low_confidence: list = field(default_factory=list)
    empty_pages: list = field(default_factory=list)
    #: Pages whose scan shows text their text lacks (``text_missing``).
    text_missing: list = field(default_factory=list)


def _blob(data, content_type, filename):
    return {
        "data": b64encode(data).decode("ascii"),
        "encoding": "base64",
        "content-type": content_type,
        "filename": filename,
    }


def _safe(name):
    """A file name from Greek or Latin text: letters, digits, - and _ only."""
    name = re.sub(r"[^\w\-]+", "-", name, flags=re.UNICODE).strip("-_")
    return name[:80] or "decision"


#: Verdicts of ``ocr.check_number_and_date`` and the review reason each
#: adds to a number read from the text («confirmed»: none beyond
#: ``number_from_text``).
NUMBER_CHECK_REASONS = {
    "corrected": "number_corrected",
    "unresolved": "number_unconfirmed",
    "failed": "number_unconfirmed",
}
#: The same for a meeting date read from the text.
DATE_CHECK_REASONS = {
    "corrected": "date_corrected",
    "unresolved": "date_unconfirmed",
    "failed": "date_unconfirmed",
}


#: The verdicts on text Tesseract left out of a page's lines
#: (``ocr.read_unread_lines``) that make the page need a reader: its text
#: lacks what the scan shows there.
LINES_CHECK_REASONS = {
    "unresolved": "text_missing",
    "failed": "text_missing",
}


def read_metadata(decision, text, number_checks=(), date_checks=()):
    """Number, year and meeting date: the manifest's, else the text's, flagged.

    ``number_checks`` are the pages' verdicts on the second reading of the
    number (``PageRecord.number_check``, None for a page without a number
    phrase); the first page that has one is the page the number is read from.
    ``date_checks`` the same for the meeting date's (``date_check``).
    Returns a :class:`Facts` with ``number``, ``year``, ``meeting_date`` and
    the ``reasons`` about them (the pages' reasons are added by
    :func:`build`).
    """
    from municipality.archive import extract

    facts = Facts(
        number=decision.number, year=decision.year, meeting_date=decision.meeting_date
    )
    year_from_number = None
    if facts.number is None:
        found = extract.find_number(text)
        if found and found[0] and len(str(found[0])) <= NUMBER_LENGTH:
            facts.number = str(found[0])
            year_from_number = found[1]
            facts.reasons.append("number_from_text")
            check = next((c for c in number_checks if c is not None), None)
            if check in NUMBER_CHECK_REASONS:
                facts.reasons.append(NUMBER_CHECK_REASONS[check])
        else:
            facts.reasons.append("no_number")
    if facts.meeting_date is None:
        found = extract.find_date(text)
        # A date of another year than the manifest's is another date in the
        # text (a law, an earlier decision), not the meeting's.
        if found is not None and facts.year in (None, found.year):
            facts.meeting_date = found
            facts.reasons.append("date_from_text")
            check = next((c for c in date_checks if c is not None), None)
            if check in DATE_CHECK_REASONS:
                facts.reasons.append(DATE_CHECK_REASONS[check])
        else:
            facts.reasons.append("no_date")
    if facts.year is None:
        year = year_from_number
        if year is None and facts.meeting_date is not None:
            year = facts.meeting_date.year
        if year is None:
            year = extract.find_year(text)
        if year is not None and YEARS[0] <= int(year) <= YEARS[1]:
            facts.year = int(year)
            facts.reasons.append("year_from_text")
    return facts


def page_reasons(facts, number, record, source_file, source_page, threshold):
    """Add page ``number``'s review reasons to ``facts``.

    ``no_text`` for a page with no text (and nothing else), else
    ``low_confidence`` below ``threshold`` (kept for the report too) and
    ``text_missing`` when text Tesseract left out could not be read
    (``record.lines_check``).
    """
    if not record.text.strip():
        facts.reasons.append(f"no_text:{number}")
        facts.empty_pages.append(number)
        return
    if record.confidence is not None and record.confidence < threshold:
        facts.reasons.append(f"low_confidence:{number}")
        facts.low_confidence.append(
            (number, source_file, source_page, record.confidence)
        )
    if record.lines_check in LINES_CHECK_REASONS:
        facts.reasons.append(f"{LINES_CHECK_REASONS[record.lines_check]}:{number}")
        facts.text_missing.append(number)


def title(number, year, files):
    """The PDF's title: «Απόφαση 123/1987», or the scan's name."""
    if number and year:
        return f"Απόφαση {number}/{year}"
    if number:
        return f"Απόφαση {number}"
    return files[0].rsplit("/", 1)[-1]


def build(decision, pages, records, settings, source_hash, languages):
    """The JSON of ``POST @archive-ingest`` for one decision, and its :class:`Facts`.

    ``decision`` is the manifest's :class:`~.manifest.Decision`; ``pages``
    ``(source file name, page of the file)`` in order and ``records`` their
    :class:`~.journal.PageRecord` s with bytes; ``settings`` the site's.
    """
    from municipality.archive import pdfa

    text = "\n\n".join(record.text for record in records)
    facts = read_metadata(
        decision,
        text,
        [record.number_check for record in records],
        [record.date_check for record in records],
    )
    threshold = settings.get("low_confidence", 80)
    payload_pages = []
    for number, ((source_file, source_page), record) in enumerate(
        zip(pages, records, strict=True), start=1
    ):
        page_reasons(facts, number, record, source_file, source_page, threshold)
        payload_pages.append(
            {
                "number": number,
                "text": record.text,
                "confidence": record.confidence,
                "source_file": source_file,
                "source_page": source_page,
                "image": _blob(record.image, "image/jpeg", f"p{number:04d}.jpg"),
                "thumbnail": _blob(
                    record.thumbnail, "image/jpeg", f"p{number:04d}-thumbnail.jpg"
                ),
            }
        )
    name = title(facts.number, facts.year, decision.files)
    pdf = pdfa.assemble(
        [record.pdf for record in records],
        title=name,
        subject=decision.subject or "",
        author=AUTHOR,
    )
    if facts.number:
        filename = _safe(f"{facts.number}-{facts.year}" if facts.year else facts.number)
    else:
        filename = _safe(decision.files[0].rsplit("/", 1)[-1].rsplit(".", 1)[0])
    payload = {
        "source_hash": source_hash,
        "source_files": list(decision.files),
        "number": facts.number,
        "year": facts.year,
        "meeting_date": (
            facts.meeting_date.isoformat() if facts.meeting_date else None
        ),
        "subject": decision.subject or "",
        "source_volume": decision.volume or "",
        "source_box": decision.box or "",
        "languages": languages,
        "review_reasons": list(facts.reasons),
        "pages": payload_pages,
        "pdf": _blob(pdf, "application/pdf", f"{filename}.pdf"),
    }
    return payload, facts
