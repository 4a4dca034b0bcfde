"""Helpers for the archive's tests: ingestion payloads without OCR, decisions, people.

* :func:`make_payload` builds a valid ``POST @archive-ingest`` payload
  (``municipality.archive.api``) from page texts, with tiny real JPEGs
  (Pillow) and a real one-page-per-page PDF, so a test needs no Tesseract;
* :func:`ingest_decision` stores one in the archive (``store.ingest``) and
  can move it to a workflow state;
* :func:`create_archivist`, :func:`create_secretary`: staff in the groups
  that give them their roles (``archivists``, ``council-secretariat``);
* :class:`Client`: plone.restapi over real HTTP as one user.

Users made here have the password :data:`PASSWORD`.
"""

from base64 import b64encode
from io import BytesIO
from municipality.archive import api
from municipality.archive import store
from municipality.archive.setuphandlers import get_archive
from municipality.requests.testing import create_staff
from municipality.requests.testing import PASSWORD
from PIL import Image
from plone import api as ploneapi

import hashlib
import requests
import uuid


__all__ = [
    "PASSWORD",
    "Client",
    "create_archivist",
    "create_secretary",
    "file_json",
    "ingest_decision",
    "jpeg_bytes",
    "make_payload",
    "pdf_bytes",
]

DEFAULT_TEXT = (
    "ΑΠΟΣΠΑΣΜΑ ΠΡΑΚΤΙΚΟΥ\n"
    "Αριθμός Απόφασης 123/1987\n"
    "Το Δημοτικό Συμβούλιο αποφασίζει ομόφωνα την έγκριση του προϋπολογισμού."
)
DEFAULT_SUBJECT = "Έγκριση του προϋπολογισμού οικονομικού έτους 1987"


def jpeg_bytes(size=(40, 56), color=(250, 248, 240), seed=0):
    """A small real JPEG (a page-like light image; ``seed`` varies a pixel row)."""
    image = Image.new("RGB", size, color)
    for x in range(size[0]):
        image.putpixel((x, seed % size[1]), (20, 20, 20))
    out = BytesIO()
    image.save(out, "JPEG", quality=70)
    return out.getvalue()


def pdf_bytes(pages=1):
    """A real PDF of ``pages`` blank pages (Pillow)."""
    images = [Image.new("RGB", (60, 85), (255, 255, 255)) for _ in range(pages)]
    out = BytesIO()
    images[0].save(out, "PDF", save_all=True, append_images=images[1:])
    return out.getvalue()


def file_json(data, content_type, filename):
    """The payload's file object: base64 data, type and name."""
    return {
        "data": b64encode(data).decode("ascii"),
        "encoding": "base64",
        "content-type": content_type,
        "filename": filename,
    }


def make_payload(
    texts=None,
    *,
    number="123",
    year=1987,
    meeting_date="1987-03-15",
    subject=DEFAULT_SUBJECT,
    source_volume="Τόμος 12",
    source_box="Κουτί 3",
    languages="ell",
    review_reasons=(),
    confidences=None,
    source_hash=None,
    source_files=None,
    **overrides,
):
    """A valid ingestion payload for the pages ``texts`` (one page by default).

    :param texts: The pages' texts (a list; a single string is one page).
    :param confidences: One per page (default 92.5 each); None for a page
        Tesseract read no words on.
    :param source_hash: Default: a new random one, so every call is a new
        decision; pass the same value twice to test idempotency.
    :param source_files: Default: one TIFF per page (``vol12/0001.tif`` …).
    :param overrides: Any other top-level key, set as given (``pdf=None``,
        ``extra="…"``) — for tests of bad input.
    """
    if texts is None:
        texts = [DEFAULT_TEXT]
    elif isinstance(texts, str):
        texts = [texts]
    if confidences is None:
        confidences = [92.5] * len(texts)
    if source_files is None:
        source_files = [f"vol12/{i + 1:04d}.tif" for i in range(len(texts))]
    if source_hash is None:
        source_hash = api.source_hash(
            [hashlib.sha256(uuid.uuid4().bytes).hexdigest() for _ in source_files]
        )
    pages = []
    for index, text in enumerate(texts):
        number_ = index + 1
        pages.append(
            {
                "number": number_,
                "text": text,
                "confidence": confidences[index],
                "source_file": source_files[min(index, len(source_files) - 1)],
                "source_page": 1,
                "image": file_json(
                    jpeg_bytes(seed=index), "image/jpeg", f"p{number_:04d}.jpg"
                ),
                "thumbnail": file_json(
                    jpeg_bytes((10, 14), seed=index),
                    "image/jpeg",
                    f"p{number_:04d}-thumb.jpg",
                ),
            }
        )
    payload = {
        "source_hash": source_hash,
        "source_files": list(source_files),
        "number": number,
        "year": year,
        "meeting_date": meeting_date,
        "subject": subject,
        "source_volume": source_volume,
        "source_box": source_box,
        "languages": languages,
        "review_reasons": list(review_reasons),
        "pages": pages,
        "pdf": file_json(
            pdf_bytes(len(texts)), "application/pdf", f"{number or 'x'}-{year}.pdf"
        ),
    }
    payload.update(overrides)
    return payload


# The transitions that lead from «ingested» to each state.
PATHS = {
    "ingested": (),
    "reviewed": ("review",),
    "published": ("review", "publish"),
    "withheld": ("withhold",),
}


def ingest_decision(archive=None, state="ingested", user=None, **kw):
    """Store a decision made by :func:`make_payload` (``**kw``); return it.

    :param archive: Default: the site's ``/archive``.
    :param state: Move it there (``reviewed``, ``published``, ``withheld``
        — withheld with a reason in the comment).
    :param user: Ingest as this user id (its Owner); default: with the
        Manager role as the current user.
    """
    archive = archive if archive is not None else get_archive()
    payload = make_payload(**kw)
    if user is not None:
        with ploneapi.env.adopt_user(username=user):
            decision, _created = store.ingest(archive, payload)
    else:
        with ploneapi.env.adopt_roles(["Manager"]):
            decision, _created = store.ingest(archive, payload)
    with ploneapi.env.adopt_roles(["Manager"]):
        for transition in PATHS[state]:
            comment = "Προσωπικά δεδομένα" if transition == "withhold" else ""
            ploneapi.content.transition(
                obj=decision, transition=transition, comment=comment
            )
    return decision


def create_archivist(portal=None, user_id="archivist1", fullname="Ελένη Αρχειονόμου"):
    """A member of ``archivists`` (Employee, Archivist); password PASSWORD."""
    return create_staff(user_id, "archivists", fullname)


def create_secretary(user_id="secretary1", fullname="Μαρία Γραμματέως"):
    """A member of ``council-secretariat`` (Employee, CouncilSecretary)."""
    return create_staff(user_id, "council-secretariat", fullname)


class Client:
    """plone.restapi over HTTP as one user (or anonymous)."""

    def __init__(self, base, user=None, password=PASSWORD):
        self.base = base.rstrip("/")
        self.auth = (user, password) if user else None

    def __call__(self, method, path, **kwargs):
        url = path if path.startswith("http") else f"{self.base}{path}"
        headers = {"Accept": "application/json", **kwargs.pop("headers", {})}
        timeout = kwargs.pop("timeout", 60)
        return requests.request(
            method, url, headers=headers, auth=self.auth, timeout=timeout, **kwargs
        )

    def get(self, path, **kwargs):
        return self("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self("POST", path, **kwargs)

    def patch(self, path, **kwargs):
        return self("PATCH", path, **kwargs)
