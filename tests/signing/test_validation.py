"""``validation.validate_pdf``: PDFs signed here with pyHanko's own SimpleSigner
(independently of our signer), checked against CAs made by ``pki.py``."""

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from io import BytesIO
from municipality.signing import pki
from municipality.signing import validation
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields
from pyhanko.sign import signers
from pyhanko.sign.timestamps import DummyTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore
from reportlab.pdfgen import canvas

import pytest
import time


CONTENT = b"Certificate no. 123456"


def _der(cert):
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def make_signer(ca, keypair):
    key = keypair.key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return signers.SimpleSigner(
        signing_cert=_der(keypair.cert),
        signing_key=asn1_keys.PrivateKeyInfo.load(key),
        cert_registry=SimpleCertificateStore.from_certs([_der(ca.cert)]),
    )


def plain_pdf(text=CONTENT):
    out = BytesIO()
    page = canvas.Canvas(out, pageCompression=0)
    page.drawString(72, 720, text.decode("ascii"))
    page.showPage()
    page.save()
    return out.getvalue()


def sign(pdf, signer, field_name="Signature1", timestamper=None):
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    out = signers.sign_pdf(writer, meta, signer=signer, timestamper=timestamper)
    return out.getvalue()


def tamper(signed, old=b"123456", new=b"923456"):
    """Change ONE byte inside the first signed range (the page's text)."""
    position = signed.index(old)
    assert signed[position] != new[0]
    changed = signed[:position] + new[:1] + signed[position + 1 :]
    assert len(changed) == len(signed)
    assert sum(a != b for a, b in zip(signed, changed, strict=True)) == 1
    return changed


@pytest.fixture(scope="module")
def pkis():
    ca = pki.create_ca("Δοκιμαστική Αρχή Πιστοποίησης", "Δήμος Παραδείγματος")
    maria = pki.issue_certificate(
        ca, "Μαρία Παπαδοπούλου", "Δήμος Παραδείγματος", "maria@example.org"
    )
    rogue = pki.create_ca("Rogue CA")
    mallory = pki.issue_certificate(rogue, "Μαρία Παπαδοπούλου", "Δήμος Παραδείγματος")
    tsa = pki.issue_certificate(ca, "Test TSA", timestamping=True)
    return {
        "ca": ca,
        "pem": ca.cert_pem().decode("ascii"),
        "signer": make_signer(ca, maria),
        "rogue_signer": make_signer(rogue, mallory),
        "timestamper": DummyTimeStamper(
            tsa_cert=_der(tsa.cert),
            tsa_key=asn1_keys.PrivateKeyInfo.load(
                tsa.key.private_bytes(
                    serialization.Encoding.DER,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            ),
            certs_to_embed=SimpleCertificateStore.from_certs([_der(ca.cert)]),
        ),
    }


@pytest.fixture(scope="module")
def signed(pkis):
    return sign(plain_pdf(), pkis["signer"])


def test_signed_pdf_is_valid_with_its_signer(pkis, signed):
    result = validation.validate_pdf(signed, trusted_pem=pkis["pem"])
    assert result.verdict == validation.VALID
    assert result.ok
    assert result.is_pdf
    assert len(result.signatures) == 1
    signature = result.signatures[0]
    assert signature.kind == "signature"
    assert signature.field_name == "Signature1"
    assert signature.intact
    assert signature.valid
    assert signature.trusted
    assert signature.problems == []
    assert signature.signer_name == "Μαρία Παπαδοπούλου"
    assert signature.signer_organization == "Δήμος Παραδείγματος"
    assert signature.signer_email == "maria@example.org"
    assert signature.issuer_name == "Δοκιμαστική Αρχή Πιστοποίησης"
    assert signature.coverage == "entire_file"
    assert signature.modification == "none"
    assert signature.signing_time is not None
    assert signature.signing_time.tzinfo is not None
    assert signature.timestamp_valid is None  # no timestamp
    assert result.sha256 == __import__("hashlib").sha256(signed).hexdigest()
    data = result.as_dict()
    assert data["verdict"] == "valid"
    assert data["signatures"][0]["signer"]["name"] == "Μαρία Παπαδοπούλου"


def test_one_changed_byte_is_an_altered_document(pkis, signed):
    changed = tamper(signed)
    result = validation.validate_pdf(changed, trusted_pem=pkis["pem"])
    assert result.verdict == validation.ALTERED
    signature = result.signatures[0]
    assert not signature.intact
    assert not signature.trusted
    assert signature.problems == ["altered"]
    # The signer is still named (from the certificate), for the citizen to see.
    assert signature.signer_name == "Μαρία Παπαδοπούλου"


def test_untrusted_ca(pkis):
    result = validation.validate_pdf(
        sign(plain_pdf(), pkis["rogue_signer"]), trusted_pem=pkis["pem"]
    )
    assert result.verdict == validation.UNTRUSTED
    signature = result.signatures[0]
    assert signature.intact
    assert signature.valid
    assert not signature.trusted
    assert signature.problems == ["untrusted"]


def test_nothing_is_trusted_without_trusted_certificates(signed):
    # Outside a site there is no registry: an empty trust list, never the
    # operating system's.
    assert validation.validate_pdf(signed).verdict == validation.UNTRUSTED
    assert validation.validate_pdf(signed, trusted_pem="").verdict == "untrusted"
    garbage = "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n"
    assert validation.validate_pdf(signed, trusted_pem=garbage).verdict == "untrusted"


def test_unsigned_pdf(pkis):
    result = validation.validate_pdf(plain_pdf(), trusted_pem=pkis["pem"])
    assert result.verdict == validation.UNSIGNED
    assert result.is_pdf
    assert result.signatures == []


@pytest.mark.parametrize(
    "data",
    [
        b"MZ\x90\x00\x03\x00\x00\x00 a Windows program",
        "Γεια σου κόσμε".encode(),
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 100,
    ],
)
def test_not_a_pdf(pkis, data):
    result = validation.validate_pdf(data, trusted_pem=pkis["pem"])
    assert result.verdict == validation.NOT_PDF
    assert not result.is_pdf


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n",
        b"%PDF-1.7\n" + bytes(range(256)) * 40,
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer<<>>\n",
        b"%PDF-1.7\nstartxref\n99999999\n%%EOF\n",
    ],
)
def test_garbage_after_a_pdf_header_is_unreadable_not_an_error(pkis, data):
    result = validation.validate_pdf(data, trusted_pem=pkis["pem"])
    assert result.verdict in (validation.UNREADABLE, validation.UNSIGNED)
    assert result.is_pdf


def test_a_truncated_signed_pdf(pkis, signed):
    result = validation.validate_pdf(signed[: len(signed) // 2], trusted_pem="")
    assert result.verdict in (validation.UNREADABLE, validation.ALTERED)


def test_empty_and_oversized_are_refused_before_parsing(pkis):
    assert validation.validate_pdf(b"").verdict == validation.EMPTY
    assert validation.validate_pdf(None).verdict == validation.EMPTY
    huge = b"%PDF-1.7\n" + b"0" * validation.MAX_SIZE
    started = time.monotonic()
    result = validation.validate_pdf(huge, trusted_pem=pkis["pem"])
    assert time.monotonic() - started < 0.5
    assert result.verdict == validation.TOO_LARGE
    assert not result.checked
    assert result.sha256 == ""


def test_content_changed_in_an_update_after_signing(pkis, signed):
    from pyhanko.pdf_utils import generic

    writer = IncrementalPdfFileWriter(BytesIO(signed))
    page_ref = writer.root["/Pages"]["/Kids"][0]
    page = page_ref.get_object()
    stream = generic.StreamObject(stream_data=b"BT /F1 12 Tf 72 700 Td (VOID) Tj ET")
    page["/Contents"] = writer.add_object(stream)
    writer.update_container(page)
    out = BytesIO()
    writer.write(out)
    result = validation.validate_pdf(out.getvalue(), trusted_pem=pkis["pem"])
    assert result.verdict == validation.ALTERED
    signature = result.signatures[0]
    assert signature.intact  # the signed revision itself is untouched…
    assert signature.coverage == "entire_revision"
    assert signature.modification == "other"  # …but the page was replaced after
    assert signature.problems == ["modified_after"]


def test_two_signatures_in_order(pkis, signed):
    twice = sign(signed, pkis["signer"], field_name="Signature2")
    result = validation.validate_pdf(twice, trusted_pem=pkis["pem"])
    assert result.verdict == validation.VALID
    first, second = result.signatures
    assert (first.field_name, second.field_name) == ("Signature1", "Signature2")
    assert first.coverage == "entire_revision"
    assert first.modification == "form_filling"
    assert second.coverage == "entire_file"
    assert first.ok
    assert second.ok


def test_one_valid_one_untrusted_signature(pkis, signed):
    twice = sign(signed, pkis["rogue_signer"], field_name="Signature2")
    result = validation.validate_pdf(twice, trusted_pem=pkis["pem"])
    assert result.verdict == validation.UNTRUSTED
    assert [s.verdict for s in result.signatures] == ["valid", "untrusted"]


def test_signature_timestamp(pkis):
    stamped = sign(plain_pdf(), pkis["signer"], timestamper=pkis["timestamper"])
    result = validation.validate_pdf(stamped, trusted_pem=pkis["pem"])
    assert result.verdict == validation.VALID
    signature = result.signatures[0]
    assert signature.timestamp_valid is True
    assert signature.timestamp_time is not None

    # The same file when the TSA's CA is not trusted: the timestamp is not
    # valid, and neither is the signer.
    rogue = validation.validate_pdf(
        stamped, trusted_pem=pki.create_ca("Other").cert_pem().decode()
    )
    assert rogue.signatures[0].timestamp_valid is False


def test_validation_is_fast_enough(pkis, signed):
    started = time.monotonic()
    for _ in range(10):
        validation.validate_pdf(signed, trusted_pem=pkis["pem"])
    per_second = 10 / (time.monotonic() - started)
    assert per_second > 10, per_second
