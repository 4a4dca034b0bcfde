"""PAdES signatures per second on one core: ours beside stock pyHanko, same run.

    .venv/bin/python benchmarks/signing.py [--signatures 60] [--rounds 5]

One CPU only (``os.sched_setaffinity``), a one-page Greek certificate as
``municipality.certificates.pdf`` renders it, and an RSA-2048 employee
certificate from a fresh CA, as a PKCS#12 file. Each round signs the PDF
``--signatures`` times:

* **stock**: pyHanko as its documentation shows it, per signature
  ``SimpleSigner.load_pkcs12(path, passphrase=…)`` and
  ``signers.sign_pdf(IncrementalPdfFileWriter(…), PdfSignatureMetadata(
  field_name=…, subfilter=PADES, md_algorithm="sha256"), signer=…)``;
* **municipality**: ``municipality.signing.signer.DocumentSigner``, the core
  ``api.sign_pdf`` wraps (without Zope): the key parsed once, the room for
  the signature computed once — what the api's process cache keeps per
  credential.

Every signed PDF of the last round is validated with pyHanko against the CA
(not timed). Prints the median signatures per second over the rounds, the
ratio to stock, and the process's peak resident memory (ru_maxrss).

Target (issue 4): ≥ 25/s and ≥ 4× stock.
"""

from io import BytesIO
from pathlib import Path

import argparse
import datetime
import os
import resource
import statistics
import sys
import tempfile
import time


ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

PASSPHRASE = b"bench-passphrase"


def certificate_pdf():
    """A certificate as the certificates add-on renders it (without Zope)."""
    from municipality.certificates import pdf

    return pdf.render(
        pdf.CertificateData(
            municipality=pdf.Municipality(
                name="Δήμος Παραδείγματος",
                address="Πλατεία Δημαρχείου 1",
                postal_code="10000",
                city="Παράδειγμα",
                phone="2100000000",
                email="info@example.gov.gr",
            ),
            kind="civil_registry",
            reference_number="ΠΙΣ-2026/000123",
            issued_at=datetime.datetime(2026, 11, 22, 10, 30, tzinfo=datetime.UTC),
            issuer_fullname="Κατερίνα Ιωάννου",
            verification_url="https://dimos.example.gov.gr/@@verify-document/k7m2-x9qp-4hrt-w8ca",
            verification_code="k7m2-x9qp-4hrt-w8ca",
            applicant_fullname="Ελένη Γεωργίου",
            applicant_fathername="Νικόλαος",
            applicant_afm="094259216",
            type_title="Οικογενειακής κατάστασης",
            purpose="Υποβολή σε δημόσια υπηρεσία",
            protocol_number="12345",
            protocol_date=datetime.date(2026, 11, 22),
        )
    )


def stock(pdf, p12_path, count):
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields
    from pyhanko.sign import signers

    out = None
    for _ in range(count):
        signer = signers.SimpleSigner.load_pkcs12(p12_path, passphrase=PASSPHRASE)
        writer = IncrementalPdfFileWriter(BytesIO(pdf))
        out = signers.sign_pdf(
            writer,
            signers.PdfSignatureMetadata(
                field_name="Signature1",
                subfilter=fields.SigSeedSubFilter.PADES,
                md_algorithm="sha256",
            ),
            signer=signer,
        ).getvalue()
    return out


def ours(pdf, document_signer, count):
    out = None
    for _ in range(count):
        out = document_signer.sign(pdf, reason="Έκδοση πιστοποιητικού")
    return out


def measure(name, function, rounds, count):
    rates = []
    out = None
    for _ in range(rounds):
        start = time.perf_counter()
        out = function(count)
        rates.append(count / (time.perf_counter() - start))
    median = statistics.median(rates)
    spread = f"{min(rates):.1f}–{max(rates):.1f}"
    print(f"{name:<14} {median:7.1f} signatures/s (median of {rounds}; {spread})")
    return median, out


def check(signed, ca):
    from municipality.signing.testing import validate

    (status,) = validate(signed, trusted=[ca.cert])
    assert status.bottom_line, status.pretty_print_details()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--signatures", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cpu", type=int, default=None, help="core to run on")
    args = parser.parse_args()

    cpu = args.cpu if args.cpu is not None else min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})

    from municipality.signing import pki
    from municipality.signing.signer import DocumentSigner
    from municipality.signing.signer import key_signer
    from municipality.signing.signer import load_pkcs12

    ca = pki.create_ca("Benchmark CA", "Δήμος Παραδείγματος")
    employee = pki.issue_certificate(ca, "Ελένη Γεωργίου", "Δήμος Παραδείγματος")
    pdf = certificate_pdf()
    with tempfile.TemporaryDirectory() as tmp:
        p12_path = Path(tmp) / "employee.p12"
        p12_path.write_bytes(employee.pkcs12(PASSPHRASE, chain=[ca.cert]))

        print(
            f"One core (cpu {cpu}); a {len(pdf) / 1024:.0f} kB one-page PDF; "
            f"RSA-{pki.KEY_SIZE}; {args.signatures} signatures × {args.rounds} "
            "rounds each"
        )
        # Warm both paths (imports, font subsets, first allocations).
        stock(pdf, p12_path, 2)
        key, cert, chain = load_pkcs12(p12_path.read_bytes(), PASSPHRASE)
        document_signer = DocumentSigner(key_signer(key, cert, chain))
        ours(pdf, document_signer, 2)

        base, stock_pdf = measure(
            "stock pyHanko",
            lambda n: stock(pdf, p12_path, n),
            args.rounds,
            args.signatures,
        )
        fast, our_pdf = measure(
            "municipality",
            lambda n: ours(pdf, document_signer, n),
            args.rounds,
            args.signatures,
        )
    check(stock_pdf, ca)
    check(our_pdf, ca)
    print(f"ratio          {fast / base:7.2f}× stock")
    print(
        f"signed size    stock +{len(stock_pdf) - len(pdf)} B, "
        f"ours +{len(our_pdf) - len(pdf)} B"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS       {peak:.0f} MB")
    verdict = "met" if fast >= 25 and fast >= 4 * base else "NOT met"
    print(f"target ≥ 25/s and ≥ 4× stock: {verdict}")


if __name__ == "__main__":
    main()
