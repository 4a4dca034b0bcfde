"""Validation of signed PDFs: what the public verification page tells a citizen.

:func:`validate_pdf` takes the bytes of an uploaded file and returns a
:class:`VerificationResult`: is it a PDF, its signatures (all of them, in
the order they were applied), and for each one whether the signed bytes are
unchanged (*intact*), whether the signer's certificate chains to a CA we
trust (the PEM bundle in the registry record
``municipality.signing.trusted_certificates``), how much of the file it
covers and what changed after it, who signed (name, organisation, email from
the certificate), when (the time the signer claims, and the time of an
RFC 3161 timestamp with its own validity), and a bottom line for humans.

Decisions, and why:

- **Trust** is exactly the registry's bundle. An empty or missing record
  trusts nothing (never the operating system's TLS roots: a web-server
  certificate authority says nothing about who may sign for a municipality).
- **No network**: ``allow_fetching=False``. The page is public; fetching
  the CRL/OCSP/CA-issuer addresses written in an uploaded file would let
  anyone make the server call addresses of their choosing, and would tie
  the page's speed to third parties. Certificates, CRLs and OCSP responses
  embedded in the file (its DSS, the signature's own revocation attribute)
  are used.
- **Revocation soft-fail**: a signature is not refused because no
  revocation information is at hand (our demo CA publishes none, and we do
  not fetch); revocation information that *is* present and says «revoked»
  makes the signature untrusted. Operators who need hard-fail should check
  qualified signatures with the provider's own service (see
  ``docs/verification.md``).
- **Time**: certificates are checked at the present moment. When the
  signer's certificate has since expired and the signature carries a valid,
  trusted timestamp, the chain is checked again at the timestamp's time
  (the certificate was valid when the timestamp proves the signature
  existed). A time the signer merely claims is never used for this.
- **Changes after signing**: pyHanko's difference analysis. New
  signatures, form filling and validation data (LTV) are normal;
  comments (annotations) are reported but not fatal; anything else means
  the document was altered after it was signed.
"""

from __future__ import annotations

from asn1crypto import x509 as asn1_x509
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from functools import lru_cache
from io import BytesIO
from municipality import _
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import SignatureCoverageLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation import validate_pdf_timestamp
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.dss import NoDSSFoundError

import hashlib
import logging
import re


logger = logging.getLogger(__name__)

TRUSTED_CERTIFICATES_RECORD = "municipality.signing.trusted_certificates"

# Uploads above this are refused before anything is parsed.
MAX_SIZE = 20 * 1024 * 1024

# A PDF's header may follow some junk, but within the first kilobyte
# (ISO 32000-1, Annex H, as readers implement it).
PDF_HEADER = re.compile(rb"%PDF-\d\.\d")
HEADER_WINDOW = 1024

# Document verdicts, in order of severity for the reader.
VALID = "valid"
ALTERED = "altered"
UNTRUSTED = "untrusted"
UNSIGNED = "unsigned"
NOT_PDF = "not_pdf"
UNREADABLE = "unreadable"
TOO_LARGE = "too_large"
EMPTY = "empty"

HEADLINES = {
    VALID: _("Valid signature"),
    ALTERED: _("Altered document"),
    UNTRUSTED: _("Unrecognised signer"),
    UNSIGNED: _("No signature"),
    NOT_PDF: _("Not a PDF"),
    UNREADABLE: _("Cannot be checked"),
    TOO_LARGE: _("File too large"),
    EMPTY: _("No file chosen"),
}

EXPLANATIONS = {
    VALID: _(
        "Every signature in the file is intact and was made with a certificate "
        "we recognise."
    ),
    ALTERED: _(
        "The file was changed after it was signed: its content is not the "
        "content that was signed. Do not rely on it."
    ),
    UNTRUSTED: _(
        "The signed content is unchanged, but the signer's certificate was not "
        "issued by an authority we recognise, or is no longer valid."
    ),
    UNSIGNED: _("The file is a PDF but carries no digital signature."),
    NOT_PDF: _("The file is not a PDF document."),
    UNREADABLE: _(
        "The file looks like a PDF but could not be read (it is damaged or "
        "encrypted), so its signatures cannot be checked."
    ),
    TOO_LARGE: _("The file is larger than 20 MB and was not checked."),
    EMPTY: _("Please choose a PDF file to check."),
}

# Problems of one signature, each with its message.
PROBLEMS = {
    "altered": _("The signed content has been changed since it was signed."),
    "broken": _("The signature itself is not valid (it does not match the file)."),
    "modified_after": _(
        "Content was added or changed after this signature was applied."
    ),
    "unreadable": _("The signature could not be read."),
    "untrusted": _(
        "The signer's certificate was not issued by an authority we recognise."
    ),
    "revoked": _("The signer's certificate has been revoked."),
    "expired": _(
        "The signer's certificate is not valid at this time and the signature "
        "has no trusted timestamp from when it was."
    ),
}
ALTERING_PROBLEMS = frozenset({"altered", "broken", "modified_after", "unreadable"})

COVERAGE = {
    "entire_file": _("The signature covers the whole file."),
    "entire_revision": _(
        "The signature covers the file as it was when signed; later additions "
        "are described below."
    ),
    "partial": _("The signature covers only part of the file."),
}

MODIFICATIONS = {
    "none": None,
    "ltv": _("Validation data (certificates, revocation information) were added."),
    "form_filling": _("Further signatures or form fields were added."),
    "annotations": _("Comments (annotations) were added after signing."),
    "other": _("The document's content was changed after signing."),
    "unknown": _("What changed after signing could not be determined."),
}

EXPIRED_INDICATIONS = frozenset(
    {"EXPIRED", "OUT_OF_BOUNDS_NO_POE", "OUT_OF_BOUNDS_NOT_REVOKED", "NOT_YET_VALID"}
)


@dataclass
class SignatureResult:
    """One signature (or document timestamp) of the file."""

    index: int
    kind: str  # "signature" | "timestamp"
    field_name: str = ""
    intact: bool = False
    valid: bool = False  # the cryptographic check of the signature
    trusted: bool = False
    revoked: bool = False
    coverage: str = "partial"
    modification: str = "unknown"
    signer_name: str = ""
    signer_organization: str = ""
    signer_email: str = ""
    issuer_name: str = ""
    certificate_sha256: str = ""
    signing_time: datetime | None = None  # claimed by the signer
    timestamp_time: datetime | None = None
    timestamp_valid: bool | None = None  # None: no timestamp
    problems: list[str] = field(default_factory=list)

    @property
    def verdict(self):
        if any(problem in ALTERING_PROBLEMS for problem in self.problems):
            return ALTERED
        if self.problems:
            return UNTRUSTED
        return VALID

    @property
    def ok(self):
        return self.verdict == VALID

    @property
    def headline(self):
        return HEADLINES[self.verdict]

    def messages(self):
        """The messages (msgids) about this signature's problems."""
        return [PROBLEMS[problem] for problem in self.problems]

    @property
    def coverage_message(self):
        return COVERAGE.get(self.coverage)

    @property
    def modification_message(self):
        return MODIFICATIONS.get(self.modification)

    def as_dict(self):
        return {
            "index": self.index,
            "kind": self.kind,
            "field_name": self.field_name,
            "verdict": self.verdict,
            "intact": self.intact,
            "valid": self.valid,
            "trusted": self.trusted,
            "revoked": self.revoked,
            "coverage": self.coverage,
            "modification": self.modification,
            "signer": {
                "name": self.signer_name,
                "organization": self.signer_organization,
                "email": self.signer_email,
                "issuer": self.issuer_name,
                "certificate_sha256": self.certificate_sha256,
            },
            "signing_time": _iso(self.signing_time),
            "timestamp": (
                None
                if self.timestamp_valid is None
                else {"time": _iso(self.timestamp_time), "valid": self.timestamp_valid}
            ),
            "problems": list(self.problems),
        }


@dataclass
class VerificationResult:
    """What :func:`validate_pdf` found about one file."""

    verdict: str
    size: int = 0
    sha256: str = ""
    is_pdf: bool = False
    signatures: list[SignatureResult] = field(default_factory=list)

    @property
    def ok(self):
        return self.verdict == VALID

    @property
    def checked(self):
        """False when the file was refused before it was parsed."""
        return self.verdict not in (TOO_LARGE, EMPTY)

    @property
    def headline(self):
        return HEADLINES[self.verdict]

    @property
    def explanation(self):
        return EXPLANATIONS[self.verdict]

    def as_dict(self):
        return {
            "verdict": self.verdict,
            "size": self.size,
            "sha256": self.sha256,
            "is_pdf": self.is_pdf,
            "signatures": [signature.as_dict() for signature in self.signatures],
        }


def _iso(value):
    return value.isoformat() if value else None


def looks_like_pdf(data: bytes) -> bool:
    """True when ``data`` has a PDF header in its first kilobyte."""
    return PDF_HEADER.search(data[:HEADER_WINDOW]) is not None


def trusted_certificates_pem() -> str:
    """The registry's PEM bundle of trusted CAs; "" when missing or unset."""
    try:
        from plone.registry.interfaces import IRegistry
        from zope.component import queryUtility

        registry = queryUtility(IRegistry)
        value = registry.get(TRUSTED_CERTIFICATES_RECORD) if registry else None
    except Exception:  # no site, no record: nothing is trusted
        logger.debug("No trusted certificates record", exc_info=True)
        value = None
    return value or ""


@lru_cache(maxsize=8)
def parse_trust_roots(pem: str) -> tuple[asn1_x509.Certificate, ...]:
    """The certificates of a PEM bundle, each bad block skipped with a warning."""
    from asn1crypto import pem as asn1_pem

    roots = []
    data = pem.encode("ascii", errors="ignore")
    if not data.strip():
        return ()
    try:
        blocks = list(asn1_pem.unarmor(data, multiple=True))
    except (ValueError, TypeError):
        logger.warning("The trusted certificates are not a valid PEM bundle")
        return ()
    for kind, _headers, der in blocks:
        if kind != "CERTIFICATE":
            continue
        try:
            certificate = asn1_x509.Certificate.load(der)
            certificate.native  # noqa: B018 - parse it all now, not mid-check
        except (ValueError, TypeError):
            logger.warning("Skipping a malformed trusted certificate")
            continue
        roots.append(certificate)
    return tuple(roots)


def _validation_context(roots, dss_data, moment=None):
    from pyhanko_certvalidator import ValidationContext

    certs, crls, ocsps = dss_data
    return ValidationContext(
        trust_roots=list(roots),
        other_certs=list(certs),
        crls=list(crls),
        ocsps=list(ocsps),
        allow_fetching=False,
        revocation_mode="soft-fail",
        moment=moment,
    )


def _dss_data(reader):
    """Certificates, CRLs and OCSP responses kept in the file's DSS."""
    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        return (), (), ()
    except Exception:  # a broken DSS is the signer's problem, not a reason to fail
        logger.info("Ignoring an unreadable DSS", exc_info=True)
        return (), (), ()
    try:
        certs = list(dss.load_certs())
        crls = [ref.get_object().data for ref in dss.crls]
        ocsps = [ref.get_object().data for ref in dss.ocsps]
    except Exception:
        logger.info("Ignoring unreadable DSS entries", exc_info=True)
        return (), (), ()
    return certs, crls, ocsps


def _name_parts(certificate):
    subject = certificate.subject.native
    name = subject.get("common_name") or ""
    if not name:
        given = subject.get("given_name") or ""
        surname = subject.get("surname") or ""
        name = f"{given} {surname}".strip()
    organization = subject.get("organization_name") or ""
    email = subject.get("email_address") or ""
    if not email:
        try:
            san = certificate.subject_alt_name_value
        except ValueError:
            san = None
        for general_name in san or ():
            if general_name.name == "rfc822_name":
                email = general_name.native
                break
    if isinstance(name, list):
        name = " ".join(name)
    if isinstance(organization, list):
        organization = ", ".join(organization)
    issuer = certificate.issuer.native
    issuer_name = issuer.get("common_name") or issuer.get("organization_name") or ""
    if isinstance(issuer_name, list):
        issuer_name = " ".join(issuer_name)
    return str(name), str(organization), str(email), str(issuer_name)


def _coverage(level):
    if level == SignatureCoverageLevel.ENTIRE_FILE:
        return "entire_file"
    if level == SignatureCoverageLevel.ENTIRE_REVISION:
        return "entire_revision"
    return "partial"


def _modification(status):
    try:
        level = status.modification_level
    except Exception:
        return "unknown"
    return {
        None: "unknown",
        ModificationLevel.NONE: "none",
        ModificationLevel.LTA_UPDATES: "ltv",
        ModificationLevel.FORM_FILLING: "form_filling",
        ModificationLevel.ANNOTATIONS: "annotations",
        ModificationLevel.OTHER: "other",
    }.get(level, "other")


def _fill_common(result, status):
    """What signatures and document timestamps share: integrity and changes."""
    result.intact = bool(status.intact)
    result.valid = bool(status.valid)
    result.coverage = _coverage(status.coverage)
    result.modification = _modification(status)
    certificate = status.signing_cert
    if certificate is not None:
        (
            result.signer_name,
            result.signer_organization,
            result.signer_email,
            result.issuer_name,
        ) = _name_parts(certificate)
        result.certificate_sha256 = certificate.sha256.hex()
    if not result.intact:
        result.problems.append("altered")
    elif not result.valid:
        result.problems.append("broken")
    elif result.coverage == "partial" or result.modification in ("other", "unknown"):
        result.problems.append("modified_after")


def _trust_problem(status):
    if status.trusted:
        return None
    if status.revoked:
        return "revoked"
    indication = getattr(status.trust_problem_indic, "name", "")
    if indication in EXPIRED_INDICATIONS:
        return "expired"
    return "untrusted"


def _check_signature(embedded, index, roots, dss_data):
    result = SignatureResult(index=index, kind="signature")
    result.field_name = str(embedded.field_name or "")
    status = validate_pdf_signature(
        embedded, _validation_context(roots, dss_data), skip_diff=False
    )
    _fill_common(result, status)
    result.revoked = bool(status.revoked)
    result.signing_time = status.signer_reported_dt
    timestamp = status.timestamp_validity
    timestamp_ok = False
    if timestamp is not None:
        result.timestamp_time = timestamp.timestamp
        timestamp_ok = bool(timestamp.intact and timestamp.valid and timestamp.trusted)
        result.timestamp_valid = timestamp_ok
    problem = _trust_problem(status)
    if problem == "expired" and timestamp_ok and result.intact and result.valid:
        # The certificate was checked now; the timestamp proves the signature
        # existed at its time, so check the chain as of then.
        again = validate_pdf_signature(
            embedded,
            _validation_context(roots, dss_data, moment=result.timestamp_time),
            skip_diff=True,
        )
        problem = _trust_problem(again)
        result.revoked = bool(again.revoked)
    result.trusted = problem is None
    if problem and not result.problems:
        result.problems.append(problem)
    return result


def _check_timestamp(embedded, index, roots, dss_data):
    result = SignatureResult(index=index, kind="timestamp")
    result.field_name = str(embedded.field_name or "")
    status = validate_pdf_timestamp(
        embedded, _validation_context(roots, dss_data), skip_diff=False
    )
    _fill_common(result, status)
    result.timestamp_time = status.timestamp
    problem = _trust_problem(status)
    result.trusted = problem is None
    result.timestamp_valid = bool(result.intact and result.valid and result.trusted)
    if problem and not result.problems:
        result.problems.append(problem)
    return result


def validate_pdf(pdf_bytes, trusted_pem: str | None = None) -> VerificationResult:
    """Check every signature of a PDF; never raises for bad input.

    ``trusted_pem`` is the PEM bundle of trusted CA certificates; by default
    the registry record ``municipality.signing.trusted_certificates``.
    """
    data = bytes(pdf_bytes or b"")
    if not data:
        return VerificationResult(EMPTY)
    if len(data) > MAX_SIZE:
        return VerificationResult(TOO_LARGE, size=len(data))
    result = VerificationResult(
        NOT_PDF, size=len(data), sha256=hashlib.sha256(data).hexdigest()
    )
    if not looks_like_pdf(data):
        return result
    result.is_pdf = True
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        if reader.encrypted:
            # Signed PDFs are rarely encrypted; an empty user password is the
            # only one we can try.
            reader.decrypt("")
        embedded = list(reader.embedded_signatures)
    except Exception:  # any parser error: the file is damaged or unsupported
        logger.info("Unreadable PDF upload", exc_info=True)
        result.verdict = UNREADABLE
        return result
    if not embedded:
        result.verdict = UNSIGNED
        return result

    pem = trusted_certificates_pem() if trusted_pem is None else trusted_pem
    roots = parse_trust_roots(pem)
    dss_data = _dss_data(reader)
    for index, signature in enumerate(embedded, start=1):
        try:
            if signature.sig_object_type == "/DocTimeStamp":
                checked = _check_timestamp(signature, index, roots, dss_data)
            else:
                checked = _check_signature(signature, index, roots, dss_data)
        except Exception:
            # A signature pyHanko cannot even evaluate proves nothing.
            logger.info("Unreadable signature %d", index, exc_info=True)
            checked = SignatureResult(
                index=index,
                kind="signature",
                field_name=str(getattr(signature, "field_name", "") or ""),
                problems=["unreadable"],
            )
        result.signatures.append(checked)

    verdicts = {signature.verdict for signature in result.signatures}
    if not any(signature.kind == "signature" for signature in result.signatures):
        # Only document timestamps: the file is dated, not signed.
        result.verdict = ALTERED if ALTERED in verdicts else UNSIGNED
    elif ALTERED in verdicts:
        result.verdict = ALTERED
    elif UNTRUSTED in verdicts:
        result.verdict = UNTRUSTED
    else:
        result.verdict = VALID
    return result
