"""The archive's contracts: the ingestion payload, the keys, the decades.

Ingestion over plone.restapi (the command-line tool in ``ingest/`` is the
client; ``store.py`` and ``restapi.py`` the server):

``GET <archive>/@archive-ingest`` (permission «municipality: Ingest archive»)
    ``{"settings": {...every IArchiveSettings value...},
    "source_hashes": ["<hex>", ...]}`` — what the site already holds, so a
    resumed batch skips it.

``POST <archive>/@archive-ingest`` with JSON::

    {
      "source_hash": "<64 hex>",          # api.source_hash(file hashes)
      "source_files": ["vol12/0001.tif", "vol12/0002.tif"],
      "number": "123" | null,             # as written, ≤ 20 characters
      "year": 1987 | null,
      "meeting_date": "1987-03-15" | null,
      "subject": "…" | "",
      "source_volume": "…" | "", "source_box": "…" | "",
      "languages": "ell" | "ell+grc",
      "review_reasons": ["number_from_text", "date_from_text",
                         "low_confidence:3", "no_text:2", …],
      "pages": [
        {"number": 1, "text": "…NFKC…", "confidence": 91.3 | null,
         "source_file": "vol12/0001.tif", "source_page": 1,
         "image": {"data": "<base64>", "encoding": "base64",
                   "content-type": "image/jpeg", "filename": "p0001.jpg"},
         "thumbnail": {…the same shape…}},
        …
      ],
      "pdf": {"data": "<base64>", "encoding": "base64",
              "content-type": "application/pdf", "filename": "123-1987.pdf"}
    }

→ ``201 {"@id": url, "UID": uid, "created": true}``; the same
``source_hash`` again → ``200 {"@id": url, "UID": uid, "created": false}``
and nothing changes (idempotent); bad input → ``400 {"error": {"type":
"BadRequest", "message": …, "errors": [{"field": …, "message": …}]}}`` and
nothing is written. A decision arrives whole in one request and one
transaction: never half a decision.

Review reasons are codes (the UI translates them): ``number_from_text``,
``number_corrected`` (a second, digits-only reading of the number changed
the first), ``number_unconfirmed`` (the two readings disagree), ``date_from_text``,
``date_corrected``, ``date_unconfirmed`` (the same for the meeting date's
day and year),
``year_from_text``, ``no_number``, ``no_date``, ``low_confidence:<page>``,
``no_text:<page>``, ``text_missing:<page>`` (the scan shows text that the
page's text lacks: Tesseract left it out and could not read it alone).
"""

import hashlib


REVIEW_REASONS = (
    "number_from_text",
    "number_corrected",
    "number_unconfirmed",
    "date_from_text",
    "date_corrected",
    "date_unconfirmed",
    "year_from_text",
    "no_number",
    "no_date",
    "low_confidence",
    "no_text",
    "text_missing",
)


def file_hash(path, chunk=1 << 20):
    """SHA-256 hex of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while block := stream.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def source_hash(file_hashes):
    """The idempotency key of a decision: SHA-256 over its files' hashes, in order.

    One file (a multi-page PDF) or several (a TIFF per page) — the same files
    in the same order always give the same key.
    """
    digest = hashlib.sha256()
    for value in file_hashes:
        digest.update(value.encode("ascii"))
        digest.update(b"\n")
    return digest.hexdigest()


def decade(year):
    """1987 → 1980; None → None."""
    if year is None:
        return None
    return int(year) // 10 * 10
