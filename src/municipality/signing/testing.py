"""Helpers for tests that sign: a test CA and employees' credentials.

::

    from municipality.signing.testing import give_test_credential, test_ca

    keypair = give_test_credential("clerk")      # in a test with a portal
    signed = api.sign_pdf(pdf, "clerk")           # validates against test_ca()

Importing this module points ``MUNICIPALITY_SIGNING_KEY_FILE`` at a master
key in a temporary directory, unless the environment already names one.
"""

from functools import cache
from municipality.signing import pki
from municipality.signing.credentials import KEY_FILE_ENV
from municipality.signing.credentials import trust
from pathlib import Path

import atexit
import os
import shutil
import tempfile


# The passphrase of every PKCS#12 made here (test keys only).
PASSPHRASE = "test-Passphrase-1"  # noqa: S105


def _test_key_file():
    if not os.environ.get(KEY_FILE_ENV):
        directory = tempfile.mkdtemp(prefix="municipality-signing-")
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
        os.environ[KEY_FILE_ENV] = str(Path(directory) / "signing.key")


_test_key_file()


@cache
def test_ca() -> pki.KeyPair:
    """One CA per test session («Δήμος Παραδείγματος Test CA»)."""
    return pki.create_ca("Δήμος Παραδείγματος Test CA", "Δήμος Παραδείγματος")


test_ca.__test__ = False  # not a test, whatever pytest thinks of the name


@cache
def _keypair(userid, common_name):
    return pki.issue_certificate(
        test_ca(), common_name, "Δήμος Παραδείγματος", email=f"{userid}@example.gr"
    )


def pkcs12_for(userid, common_name=None, passphrase=PASSPHRASE) -> bytes:
    """A PKCS#12 file (key, certificate and the CA) for ``userid``."""
    keypair = _keypair(userid, common_name or _fullname(userid))
    return keypair.pkcs12(passphrase.encode("utf-8"), chain=[test_ca().cert])


def _fullname(userid):
    from plone import api

    try:
        user = api.user.get(userid=userid)
    except Exception:  # noqa: BLE001 - no site: the user id will do
        user = None
    fullname = user.getProperty("fullname", "") if user is not None else ""
    return fullname or userid


def give_test_credential(userid, common_name=None) -> pki.KeyPair:
    """Store a PKCS#12 credential for ``userid`` issued by :func:`test_ca`.

    The same user gets the same key and certificate throughout a session.
    Also makes sure the test CA is trusted. Needs the site set (integration
    or functional layer); committing is the caller's business.
    """
    from municipality.signing import credentials

    name = common_name or _fullname(userid)
    keypair = _keypair(userid, name)
    trust(test_ca().cert_pem())
    credentials.store_pkcs12(
        userid, pkcs12_for(userid, name), PASSPHRASE, created_by="test"
    )
    return keypair


FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def greek_pdf(
    title="Πιστοποιητικό οικογενειακής κατάστασης",
    lines=("Βεβαιώνεται ότι η Ελένη Γεωργίου είναι δημότης του Δήμου.",),
) -> bytes:
    """A one-page A4 PDF with Greek text in DejaVu Sans (reportlab)."""
    from io import BytesIO
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    if "DejaVuSans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVuSans", FONT))
    out = BytesIO()
    page = canvas.Canvas(out, pagesize=A4)
    page.setTitle(title)
    page.setFont("DejaVuSans", 16)
    page.drawString(72, 770, "Δήμος Παραδείγματος")
    page.drawString(72, 740, title)
    page.setFont("DejaVuSans", 11)
    for number, line in enumerate(lines):
        page.drawString(72, 700 - 16 * number, line)
    page.showPage()
    page.save()
    return out.getvalue()


def validate(pdf: bytes, trusted=None):
    """pyHanko's status of every signature of ``pdf`` (trusting ``test_ca()``)."""
    from io import BytesIO
    from pyhanko.keys.internal import translate_pyca_cryptography_cert_to_asn1
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    roots = [
        translate_pyca_cryptography_cert_to_asn1(cert)
        for cert in (trusted if trusted is not None else [test_ca().cert])
    ]
    reader = PdfFileReader(BytesIO(pdf), strict=False)
    return [
        validate_pdf_signature(
            signature, ValidationContext(trust_roots=roots, allow_fetching=False)
        )
        for signature in reader.embedded_signatures
    ]
