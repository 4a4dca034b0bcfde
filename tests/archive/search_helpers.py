"""Decisions for the public archive's tests (search, pages, REST).

:func:`ingest` goes through the real ingestion (``store.ingest``, with page
images and a PDF: engineer D's ``helpers.ingest_decision``); :func:`add`
creates a decision directly with only its text and fields — no files, so a
test can make dozens quickly when only the catalog matters.
"""

from .helpers import ingest_decision
from datetime import date
from municipality.archive.setuphandlers import get_archive
from plone import api
from plone.dexterity.utils import createContentInContainer

import itertools


_ids = itertools.count(1)

PATHS = {
    "ingested": (),
    "reviewed": ("review",),
    "published": ("review", "publish"),
    "withheld": ("withhold",),
}


def set_state(decision, state):
    """Move a decision from «ingested» to ``state``."""
    with api.env.adopt_roles(["Manager"]):
        for transition in PATHS[state]:
            comment = "Προσωπικά δεδομένα" if transition == "withhold" else ""
            api.content.transition(obj=decision, transition=transition, comment=comment)
    return decision


def add(number, year, text, subject="", meeting_date=None, state="published"):
    """A decision with ``text`` (pages joined by form feeds) and no files."""
    archive = get_archive()
    with api.env.adopt_roles(["Manager"]):
        decision = createContentInContainer(
            archive,
            "HistoricalDecision",
            checkConstraints=False,
            id=f"test-{next(_ids)}",
            number=str(number) if number is not None else None,
            year=year,
            meeting_date=meeting_date,
            subject=subject or None,
            text=text,
        )
    return set_state(decision, state)


def ingest(number, year, pages, subject="", meeting_date=None, state="published"):
    """A decision through the real ingestion: page images, thumbnails, PDF."""
    return ingest_decision(
        state=state,
        texts=list(pages) if not isinstance(pages, str) else [pages],
        number=str(number),
        year=year,
        meeting_date=meeting_date.isoformat() if meeting_date else None,
        subject=subject,
    )


def day(year, month=1, dayno=1):
    return date(year, month, dayno)
