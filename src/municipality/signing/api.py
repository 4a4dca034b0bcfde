"""Sign PDFs with an employee's own certificate: the add-on's public API.

::

    from municipality.signing import api

    if api.has_credential(userid):
        signed = api.sign_pdf(pdf_bytes, userid, reason="Έκδοση πιστοποιητικού")

A signature is PAdES (``ETSI.CAdES.detached``, SHA-256), with a signature
timestamp from the time-stamping authority when
``municipality.signing.tsa_url`` is set. Errors are :class:`SigningError`
subclasses whose ``message`` is a translatable message for the user.

The parsed key (or the open PKCS#11 session) of each credential is kept in
a bounded process cache keyed by user and credential *version*, so a
replaced credential is never used again.
"""

from collections import OrderedDict
from municipality.signing import credentials
from municipality.signing.errors import CredentialLocked
from municipality.signing.errors import InvalidCredential
from municipality.signing.errors import NoCredential
from municipality.signing.errors import SigningError
from municipality.signing.errors import TimestampUnavailable
from municipality.signing.errors import TokenUnavailable
from municipality.signing.signer import DocumentSigner
from municipality.signing.signer import key_signer
from municipality.signing.signer import SignatureFailed
from municipality.signing.signer import timestamper as make_timestamper
from municipality.signing.signer import TimestampFailed
from plone import api

import base64
import logging
import pkcs11
import threading


__all__ = [
    "CredentialLocked",
    "InvalidCredential",
    "NoCredential",
    "SigningError",
    "TimestampUnavailable",
    "TokenUnavailable",
    "has_credential",
    "sign_pdf",
]

logger = logging.getLogger(__name__)

PREFIX = "municipality.signing"
CACHE_SIZE = 64

_cache: OrderedDict = OrderedDict()
_cache_lock = threading.Lock()
# One lock per credential being loaded, so two threads do not both parse
# the same PKCS#12 or log in to the same token.
_loading: dict = {}


def has_credential(userid) -> bool:
    """Tell whether ``userid`` has a stored signing credential."""
    return credentials.get_credential(userid) is not None


def sign_pdf(
    pdf_bytes: bytes,
    userid: str,
    *,
    reason: str | None = None,
    location: str | None = None,
) -> bytes:
    """Sign ``pdf_bytes`` with ``userid``'s credential; return the signed PDF.

    ``reason`` and ``location`` default to the control panel's (the
    location to the municipality's name).

    :raises NoCredential: the user has no credential.
    :raises CredentialLocked: the master key cannot open it.
    :raises TokenUnavailable: the hardware token cannot be used.
    :raises TimestampUnavailable: a timestamp is required and the
        time-stamping authority did not give one.
    :raises SigningError: the PDF could not be signed.
    """
    credential = credentials.require_credential(userid)
    reason = reason or _record("reason") or None
    location = location or _default_location()
    timestamper, required = _timestamper()
    document_signer = _document_signer(credential)
    try:
        return _sign(document_signer, pdf_bytes, reason, location, timestamper)
    except TimestampFailed as exc:
        if required:
            raise TimestampUnavailable(detail=str(exc)) from exc
        logger.warning(
            "Signing for %s without a timestamp: the time-stamping authority "
            "failed (%s)",
            userid,
            exc,
        )
        return _sign(document_signer, pdf_bytes, reason, location, None)
    except pkcs11.PKCS11Error as exc:
        # A session that broke (token removed, module reset): once more with
        # a fresh one.
        logger.warning("PKCS#11 signing for %s failed, reopening: %r", userid, exc)
        forget(credential)
        document_signer = _document_signer(credential)
        try:
            return _sign(document_signer, pdf_bytes, reason, location, timestamper)
        except pkcs11.PKCS11Error as again:
            forget(credential)
            raise TokenUnavailable(detail=repr(again)) from again


def _sign(document_signer, pdf_bytes, reason, location, timestamper):
    try:
        return document_signer.sign(
            pdf_bytes, reason=reason, location=location, timestamper=timestamper
        )
    except SignatureFailed as exc:
        raise SigningError(detail=str(exc)) from exc


def _record(name, default=None):
    return api.portal.get_registry_record(f"{PREFIX}.{name}", default=default)


def _default_location():
    location = _record("location")
    if location:
        return location
    return api.portal.get_registry_record("municipality.name_el", default=None)


def _timestamper():
    """``(timestamper or None, timestamp required)`` from the settings."""
    url = (_record("tsa_url") or "").strip()
    if not url:
        return None, False
    username = _record("tsa_username") or ""
    auth = (username, _record("tsa_password") or "") if username else None
    timeout = _record("tsa_timeout") or 10.0
    return make_timestamper(url, timeout, auth), bool(_record("tsa_required", True))


# The process cache


def _cache_key(credential):
    return (credential.userid, credential.version)


def _document_signer(credential) -> DocumentSigner:
    key = _cache_key(credential)
    with _cache_lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found
        loading = _loading.setdefault(key, threading.Lock())
    with loading:
        with _cache_lock:
            found = _cache.get(key)
            if found is not None:
                return found
        try:
            found = _load(credential)
        finally:
            with _cache_lock:
                _loading.pop(key, None)
        evicted = []
        with _cache_lock:
            # Older versions of this user's credential are of no use any more.
            for old in [k for k in _cache if k[0] == credential.userid]:
                evicted.append(_cache.pop(old))
            _cache[key] = found
            while len(_cache) > CACHE_SIZE:
                evicted.append(_cache.popitem(last=False)[1])
        for document_signer in evicted:
            document_signer.close()
        return found


def _load(credential) -> DocumentSigner:
    secret = credential.unlock()
    if credential.kind == credentials.PKCS12:
        try:
            key, cert, chain = credentials.load_pkcs12(
                base64.b64decode(secret["pkcs12"]),
                secret["passphrase"].encode("utf-8") or None,
            )
        except ValueError as exc:
            raise CredentialLocked(detail=str(exc)) from exc
        return DocumentSigner(key_signer(key, cert, chain))
    if credential.kind == credentials.PKCS11:
        from municipality.signing import tokens

        if credential.module_path not in credentials.allowed_modules():
            raise TokenUnavailable(
                detail=f"{credential.module_path} is no longer an allowed module"
            )
        return tokens.document_signer(
            credential.module_path,
            credential.token_label,
            secret["pin"],
            credential.key_label,
            bytes.fromhex(credential.key_id) if credential.key_id else None,
        )
    raise NoCredential(detail=f"unknown credential kind {credential.kind!r}")


def forget(credential=None):
    """Drop the cached signer of ``credential`` (of every credential if ``None``)."""
    with _cache_lock:
        if credential is None:
            dropped = list(_cache.values())
            _cache.clear()
        else:
            found = _cache.pop(_cache_key(credential), None)
            dropped = [found] if found is not None else []
    for document_signer in dropped:
        document_signer.close()


def forget_token(module_path, token_label):
    """Close every cached session on a token (before checking its PIN anew).

    PKCS#11 keeps an application logged in while any of its sessions is
    open, so a PIN can only be checked once they are closed.
    """
    token = (module_path, token_label)
    with _cache_lock:
        keys = [k for k, v in _cache.items() if getattr(v, "token", None) == token]
        dropped = [_cache.pop(k) for k in keys]
    for document_signer in dropped:
        document_signer.close()


def cached_versions() -> list:
    """``(userid, version)`` of every cached signer (for tests and operators)."""
    with _cache_lock:
        return list(_cache)
