"""The registry of signed documents: verification codes and file hashes.

Other add-ons (certificates …) that issue a signed PDF call::

    code = new_verification_code()
    url = verification_url(code)         # print it, and a QR code of it
    signed = sign_pdf(pdf, userid)       # municipality.signing.api
    record_signed_document(obj, code, signed, userid)

and the public page ``@@verify-document`` finds the object again by the
code (``find_by_code``) or by the SHA-256 of an uploaded copy
(``find_by_hash``). Both look-ups are unrestricted: the page shows only the
public facts of the entry (reference number, type, status, signer and
date), never the document's content, to anyone who holds the code or the
file.
"""

from datetime import datetime
from datetime import UTC
from municipality.signing.behaviors import ISignedDocument
from plone import api
from Products.CMFCore.utils import getToolByName
from zope.component.hooks import getSite

import hashlib
import re
import secrets


# No 0/o, 1/i/l: the code is also read off paper and typed by hand.
ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
CODE_LENGTH = 16  # 16 × log2(31) ≈ 79 bits: unguessable
GROUP = 4
SHA256 = re.compile(r"^[0-9a-f]{64}$")
VIEW_NAME = "@@verify-document"


def _group(raw):
    return "-".join(raw[i : i + GROUP] for i in range(0, len(raw), GROUP))


def normalize_code(text):
    """The canonical form of a code as typed (case, spaces, dashes), or None.

    ``"K7M2 X9QP-4hrt w8ca"`` → ``"k7m2-x9qp-4hrt-w8ca"``; anything that
    cannot be one of our codes → None.
    """
    if not isinstance(text, str) or len(text) > 64:
        return None
    raw = re.sub(r"[\s\-_.]", "", text).lower()
    if len(raw) != CODE_LENGTH or any(char not in ALPHABET for char in raw):
        return None
    return _group(raw)


def _catalog(site=None):
    site = site or getSite()
    if site is None:
        return None
    return getToolByName(site, "portal_catalog", None)


def new_verification_code() -> str:
    """A new random code, e.g. ``k7m2-x9qp-4hrt-w8ca`` (19 characters).

    Random (``secrets``), about 79 bits, so nobody finds a document by
    guessing; short and unambiguous enough to print, type and put in a QR
    code; never the code of an existing entry.
    """
    catalog = _catalog()
    while True:
        code = _group("".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH)))
        if catalog is None or not len(
            catalog.unrestrictedSearchResults(verification_code=code)
        ):
            return code


def _site_url():
    site = api.portal.get()
    request = getattr(site, "REQUEST", None)
    if request is not None and request.get("SERVER_URL"):
        return site.absolute_url()
    # Outside a request (the outbox worker): the address citizens use.
    from municipality.core.outbox import public_url

    return public_url(site, site)


def verification_url(code) -> str:
    """The public address of ``code``'s entry: ``<portal>/@@verify-document/<code>``."""
    canonical = normalize_code(code)
    if canonical is None:
        raise ValueError(f"Not a verification code: {code!r}")
    return f"{_site_url()}/{VIEW_NAME}/{canonical}"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def record_signed_document(obj, code, signed_pdf: bytes, userid) -> None:
    """Record that ``obj`` was issued as ``signed_pdf`` under ``code``.

    Stores the code, the SHA-256 of the exact signed bytes, ``userid`` and the
    time (aware, UTC) on ``obj`` (which must have the behavior
    ``municipality.signed_document``) and reindexes it. Signing again
    replaces the entry: the earlier file and code no longer match.
    """
    if not ISignedDocument.providedBy(obj):
        raise TypeError(
            f"{obj.portal_type} does not have the behavior municipality.signed_document"
        )
    canonical = normalize_code(code)
    if canonical is None:
        raise ValueError(f"Not a verification code: {code!r}")
    if not signed_pdf:
        raise ValueError("No signed PDF")
    obj.verification_code = canonical
    obj.signed_sha256 = sha256_hex(bytes(signed_pdf))
    obj.signed_by = userid
    obj.signed_at = datetime.now(UTC)
    obj.reindexObject(idxs=["verification_code", "signed_sha256"])


def _find(index, value):
    catalog = _catalog()
    if catalog is None:
        return None
    for brain in catalog.unrestrictedSearchResults(**{index: value}):
        try:
            obj = brain._unrestrictedGetObject()
        except (KeyError, AttributeError):  # a stale catalog entry
            continue
        if getattr(obj, index, None) == value:
            return obj
    return None


def find_by_code(code):
    """The signed document with this verification code, or None.

    Unrestricted: found whatever the current user may see.
    """
    canonical = normalize_code(code)
    if canonical is None:
        return None
    return _find("verification_code", canonical)


def find_by_hash(sha256):
    """The signed document whose signed file has this SHA-256 (hex), or None."""
    if not isinstance(sha256, str):
        return None
    value = sha256.strip().lower()
    if not SHA256.match(value):
        return None
    return _find("signed_sha256", value)
