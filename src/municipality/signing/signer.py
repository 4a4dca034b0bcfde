"""The signing engine: PAdES signatures with pyHanko, fast, without Zope.

:class:`DocumentSigner` wraps one pyHanko ``Signer`` (a key in memory or on a
PKCS#11 token) and signs PDFs with it. It is built once per credential and
kept (the api's process cache), which is what makes it fast:

* the private key is parsed once (:class:`KeptKeySigner`; pyHanko's
  ``SimpleSigner`` re-reads its DER on every signature);
* the room for the signature (``bytes_reserved``) is computed once, from a
  dry run of the CMS signer plus an allowance for the timestamp token that is
  learnt from the tokens the authority really sends; pyHanko otherwise signs
  every document twice, the first time only to measure. Should a signature
  ever not fit, the document is signed again with pyHanko's own estimate and
  the allowance grows.

Nothing here touches Zope: :mod:`municipality.signing.api` adds the
credentials and settings, and ``benchmarks/signing.py`` uses this directly.
"""

from asn1crypto import cms
from cryptography import x509 as pyca_x509
from cryptography.hazmat.primitives.asymmetric.ec import ECDSA
from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePrivateKey
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.hazmat.primitives.serialization import pkcs12
from io import BytesIO
from pyhanko.keys.internal import translate_pyca_cryptography_cert_to_asn1
from pyhanko.keys.internal import translate_pyca_cryptography_key_to_asn1
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields
from pyhanko.sign import signers
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

import asyncio
import hashlib
import logging
import threading


logger = logging.getLogger(__name__)

# DER bytes kept for a timestamp token before any was seen from the authority:
# a token carries the authority's chain (a qualified TSA sends 2–3
# certificates of ~1.5 kB) besides the signed TSTInfo.
DEFAULT_TIMESTAMP_ALLOWANCE = 8192
# Room for what differs between the dry run and the real signature (signing
# time, nonces, lengths growing by a byte).
SAFETY_MARGIN = 1024


class SignatureFailed(Exception):
    """pyHanko could not sign (a damaged PDF, a token error …)."""


class TimestampFailed(Exception):
    """The time-stamping authority gave no usable token."""


class KeptKeySigner(signers.SimpleSigner):
    """A ``SimpleSigner`` that keeps the parsed private key.

    ``SimpleSigner.sign_raw`` loads the key from DER for every signature,
    which for RSA-2048 costs more than the signature itself.
    """

    def __init__(self, *args, pyca_key=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._pyca_key = pyca_key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        key = self._pyca_key
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        try:
            algorithm = mechanism.signature_algo
        except ValueError:
            algorithm = mechanism["algorithm"].native
        hash_algo = get_pyca_cryptography_hash(digest_algorithm)
        if algorithm == "rsassa_pkcs1v15" and isinstance(key, RSAPrivateKey):
            return key.sign(data, PKCS1v15(), hash_algo)
        if algorithm == "ecdsa" and isinstance(key, EllipticCurvePrivateKey):
            return key.sign(data, ECDSA(hash_algo))
        # PSS, EdDSA …: rare for qualified certificates; pyHanko's own way.
        return super().sign_raw(data, digest_algorithm)


def key_signer(key, cert, chain=()) -> KeptKeySigner:
    """A signer for a ``cryptography`` private key, its certificate and chain."""
    store = SimpleCertificateStore()
    store.register_multiple(translate_pyca_cryptography_cert_to_asn1(c) for c in chain)
    return KeptKeySigner(
        signing_cert=translate_pyca_cryptography_cert_to_asn1(cert),
        signing_key=translate_pyca_cryptography_key_to_asn1(key),
        cert_registry=store,
        pyca_key=key,
    )


def load_pkcs12(data: bytes, passphrase: bytes | None):
    """``(key, certificate, chain)`` of a PKCS#12 file (``cryptography`` objects).

    :raises ValueError: a wrong passphrase or not a PKCS#12 file.
    """
    key, cert, chain = pkcs12.load_key_and_certificates(data, passphrase)
    return key, cert, list(chain or ())


def fingerprint(cert: pyca_x509.Certificate) -> str:
    """SHA-256 fingerprint, upper-case hex pairs separated by colons."""
    digest = hashlib.sha256(cert.public_bytes(Encoding.DER)).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


class MeasuringTimeStamper(RequestsHTTPTimeStamper):
    """pyHanko's requests-based RFC 3161 client that remembers token sizes."""

    def __init__(self, url, timeout=10, auth=None):
        super().__init__(url, timeout=timeout, auth=auth)
        self.largest_token = 0

    async def async_timestamp(self, message_digest, md_algorithm) -> cms.ContentInfo:
        try:
            token = await super().async_timestamp(message_digest, md_algorithm)
        except ValueError as exc:
            # asn1crypto cannot parse a rejection without a token (RFC 3161
            # allows it); pyHanko lets that through as a ValueError.
            raise TimestampRequestError(f"Unusable timestamp response: {exc}") from exc
        self.largest_token = max(self.largest_token, len(token.dump()))
        return token


_timestampers: dict = {}
_timestampers_lock = threading.Lock()


def timestamper(url, timeout=10.0, auth=None) -> MeasuringTimeStamper:
    """One shared client per (url, timeout, auth): it learns the token size."""
    key = (url, float(timeout), auth)
    with _timestampers_lock:
        found = _timestampers.get(key)
        if found is None:
            if len(_timestampers) > 16:
                _timestampers.clear()
            found = _timestampers[key] = MeasuringTimeStamper(
                url, timeout=timeout, auth=auth
            )
        return found


class DocumentSigner:
    """Signs PDFs (PAdES B-B, or B-T with a timestamper) with one signer.

    Thread-safe. ``serialize=True`` makes signatures take turns, for a
    PKCS#11 session that must not run two operations at once.
    """

    def __init__(self, signer, *, serialize=False, on_close=None):
        self.signer = signer
        self._lock = threading.Lock() if serialize else None
        self._on_close = on_close
        self._cms_size = None
        self._extra = 0
        self.fallbacks = 0  # signatures that did not fit the computed room

    @property
    def certificate(self):
        """The signer's certificate (``asn1crypto``)."""
        return self.signer.signing_cert

    def close(self):
        """Let go of what the signer holds open (a PKCS#11 session)."""
        if self._on_close is not None:
            try:
                self._on_close()
            except Exception:  # noqa: BLE001 - closing is best effort
                logger.warning("Closing a signer failed", exc_info=True)
            self._on_close = None

    def _measure_cms(self) -> int:
        """DER size of this signer's CMS without a timestamp (a local dry run)."""
        digest = hashlib.sha256(b"").digest()

        async def dry_run():
            return await self.signer.async_sign(
                digest, "sha256", use_pades=True, dry_run=True
            )

        return len(asyncio.run(dry_run()).dump())

    def bytes_reserved(self, timestamper=None) -> int:
        """Hex characters to reserve for the signature of the next document."""
        if self._cms_size is None:
            self._cms_size = self._measure_cms()
        size = self._cms_size + SAFETY_MARGIN + self._extra
        if timestamper is not None:
            learnt = getattr(timestamper, "largest_token", 0)
            size += (
                int(learnt * 1.25) + SAFETY_MARGIN
                if learnt
                else DEFAULT_TIMESTAMP_ALLOWANCE
            )
        return 2 * size

    def sign(
        self,
        pdf: bytes,
        *,
        reason=None,
        location=None,
        timestamper=None,
        field_name=None,
    ) -> bytes:
        """Return ``pdf`` with a new signature appended (an incremental update).

        :raises TimestampFailed: ``timestamper`` gave no token.
        :raises SignatureFailed: pyHanko could not sign ``pdf``.
        """
        if self._lock is None:
            return self._sign(pdf, reason, location, timestamper, field_name)
        with self._lock:
            return self._sign(pdf, reason, location, timestamper, field_name)

    def _sign(self, pdf, reason, location, timestamper, field_name):
        reserved = self.bytes_reserved(timestamper)
        try:
            return self._sign_once(
                pdf, reason, location, timestamper, field_name, reserved
            )
        except PyHankoSigningError as exc:
            if "larger than expected" not in str(exc):
                raise SignatureFailed(str(exc)) from exc
            logger.warning("Signature did not fit in %d bytes: %s", reserved, exc)
        # pyHanko's own estimate (a dry run per document) this once, and more
        # room from now on.
        self._extra = 2 * self._extra + 4096
        self.fallbacks += 1
        return self._sign_once(pdf, reason, location, timestamper, field_name, None)

    def _sign_once(self, pdf, reason, location, timestamper, field_name, reserved):
        try:
            writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
            name = field_name or _free_field_name(writer)
            meta = signers.PdfSignatureMetadata(
                field_name=name,
                subfilter=fields.SigSeedSubFilter.PADES,
                md_algorithm="sha256",
                reason=reason or None,
                location=location or None,
            )
            pdf_signer = signers.PdfSigner(meta, self.signer, timestamper=timestamper)
            out = pdf_signer.sign_pdf(writer, bytes_reserved=reserved)
        except TimestampRequestError as exc:
            raise TimestampFailed(str(exc)) from exc
        except (PdfError, ValueError, KeyError, TypeError) as exc:
            raise SignatureFailed(f"{type(exc).__name__}: {exc}") from exc
        return out.getvalue()


def _free_field_name(writer) -> str:
    """«Signature1», or the first «SignatureN» not yet in the document."""
    taken = {name for name, _, _ in fields.enumerate_sig_fields(writer)}
    number = 1
    while f"Signature{number}" in taken:
        number += 1
    return f"Signature{number}"
