"""The public verification page and its REST service over real HTTP.

PDFs are signed here with pyHanko's own SimpleSigner and a CA made by
``pki.py`` (independently of our signer); the site trusts that CA through
the registry record ``municipality.signing.trusted_certificates``.
"""

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from base64 import b64encode
from cryptography.hazmat.primitives import serialization
from io import BytesIO
from municipality.signing import pki
from municipality.signing import verification
from plone import api
from plone.dexterity.interfaces import IDexterityFTI
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore
from reportlab.pdfgen import canvas
from zope.component import getUtility

import hashlib
import pytest
import re
import requests
import transaction


TIMEOUT = 30
TRUSTED = "municipality.signing.trusted_certificates"
PERSONAL = "Γεώργιος Νικολάου"  # in the document, never on the page
SIGNER_FULLNAME = "Ελένη Σταματίου"
REFERENCE = re.compile(r"DOCUMENT-\d{4}/\d{6}")


# Signing, as a third party would (not our signer)


def _der(cert):
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _signer(ca, keypair):
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


def _pdf(text):
    out = BytesIO()
    page = canvas.Canvas(out, pageCompression=0)
    page.drawString(72, 720, text)
    page.showPage()
    page.save()
    return out.getvalue()


def _sign(pdf, signer):
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(
        field_name="Signature1",
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    return signers.sign_pdf(writer, meta, signer=signer).getvalue()


def _tamper(signed):
    position = signed.index(b"100200")
    return signed[:position] + b"9" + signed[position + 1 :]


@pytest.fixture(scope="module")
def pdfs():
    ca = pki.create_ca("Δοκιμαστική ΑΠ", "Δήμος Παραδείγματος")
    employee = pki.issue_certificate(
        ca, SIGNER_FULLNAME, "Δήμος Παραδείγματος", "e.stamatiou@example.org"
    )
    rogue = pki.create_ca("Rogue CA")
    impostor = pki.issue_certificate(rogue, SIGNER_FULLNAME, "Δήμος Παραδείγματος")
    signer = _signer(ca, employee)
    issued = _sign(_pdf("Certificate no. 100200"), signer)
    return {
        "pem": ca.cert_pem().decode("ascii"),
        "issued": issued,
        "tampered": _tamper(issued),
        "other": _sign(_pdf("Certificate no. 100300"), signer),
        "untrusted": _sign(_pdf("Certificate no. 100200"), _signer(rogue, impostor)),
        "unsigned": _pdf("Certificate no. 100200"),
    }


def _trust(pem):
    """Trust ``pem`` (the record is the signing engine's: tolerate its absence)."""
    from plone.registry import field
    from plone.registry import Record
    from plone.registry.interfaces import IRegistry

    registry = getUtility(IRegistry)
    if TRUSTED not in registry.records:
        registry.records[TRUSTED] = Record(field.Text(required=False), pem)
    else:
        registry[TRUSTED] = pem


@pytest.fixture
def site(functional, pdfs):
    portal = functional["portal"]
    fti = getUtility(IDexterityFTI, name="Document")
    fti.behaviors = (
        *fti.behaviors,
        "municipality.signed_document",
        "municipality.reference_number",
    )
    _trust(pdfs["pem"])
    with api.env.adopt_roles(["Manager"]):
        api.user.create(
            email="e.stamatiou@example.org",
            username="estamatiou",
            password="a-long-test-password-1",
            properties={"fullname": SIGNER_FULLNAME},
        )
        document = api.content.create(
            container=portal,
            type="Document",
            id="certificate",
            title=f"Πιστοποιητικό οικογενειακής κατάστασης — {PERSONAL}",
            description=f"ΑΜΚΑ 01017012345, {PERSONAL}",
        )
    code = verification.new_verification_code()
    verification.record_signed_document(
        document, code, pdfs["issued"], api.user.get(username="estamatiou").getId()
    )
    transaction.commit()
    return {
        "portal": portal,
        "url": f"{portal.absolute_url()}/@@verify-document",
        "api": f"{portal.absolute_url()}/@verify-document",
        "code": code,
        "reference": document.reference_number,
        "document": document,
    }


def _upload(url, data, name="document.pdf", **kwargs):
    return requests.post(
        url,
        files={"file": (name, data, "application/pdf")},
        timeout=TIMEOUT,
        **kwargs,
    )


def _catalog_size(portal):
    transaction.begin()
    return len(api.portal.get_tool("portal_catalog")), portal._p_serial


# The page


def test_the_page_explains_and_offers_forms(site):
    response = requests.get(site["url"], timeout=TIMEOUT)
    assert response.status_code == 200
    page = response.text
    assert "Επαλήθευση υπογεγραμμένου εγγράφου" in page
    assert 'enctype="multipart/form-data"' in page
    assert re.search(r'<label[^>]*for="verify-file"', page)
    assert re.search(r'<input[^>]*id="verify-file"[^>]*>', page)
    assert re.search(r'<label[^>]*for="verify-code"', page)
    assert "20 MB" in page
    assert response.headers.get("X-Robots-Tag", "").startswith("noindex")


def test_the_code_shows_the_entry_without_personal_data(site):
    response = requests.get(f"{site['url']}/{site['code']}", timeout=TIMEOUT)
    assert response.status_code == 200
    page = response.text
    assert site["reference"] in page
    assert REFERENCE.search(page)
    assert "Ιδιωτικό" in page  # the status (Plone's «private»), in Greek
    assert SIGNER_FULLNAME in page
    assert hashlib.sha256(b"").hexdigest() not in page
    assert site["document"].signed_sha256 in page
    assert PERSONAL not in page
    assert "01017012345" not in page
    assert "Πιστοποιητικό οικογενειακής" not in page
    assert "no-store" in response.headers["Cache-Control"]


def test_an_unknown_code_is_a_404_that_says_so(site):
    unknown = verification.new_verification_code()
    for code in (unknown, "not-a-code", "%3Cscript%3E"):
        response = requests.get(f"{site['url']}/{code}", timeout=TIMEOUT)
        assert response.status_code == 404
        assert "Δεν βρέθηκε" in response.text
        assert site["reference"] not in response.text
        assert "<script>" not in response.text


def test_a_typed_code_leads_to_its_entry(site):
    typed = site["code"].upper().replace("-", " ")
    response = requests.get(site["url"], params={"code": typed}, timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.url == f"{site['url']}/{site['code']}"
    assert site["reference"] in response.text

    bad = requests.get(site["url"], params={"code": "12"}, timeout=TIMEOUT)
    assert bad.status_code == 400
    assert "δεν είναι κωδικός επαλήθευσης" in bad.text


def test_upload_of_the_issued_file(site, pdfs):
    before = _catalog_size(site["portal"])
    response = _upload(site["url"], pdfs["issued"])  # anonymous, no CSRF token
    assert response.status_code == 200
    page = response.text
    assert "Έγκυρη υπογραφή" in page
    assert SIGNER_FULLNAME in page
    assert "e.stamatiou@example.org" in page
    assert "ακριβώς αυτό που εκδώσαμε" in page
    assert site["reference"] in page
    assert "Ιδιωτικό" in page
    assert PERSONAL not in page
    assert _catalog_size(site["portal"]) == before  # nothing stored


def test_upload_of_a_tampered_file(site, pdfs):
    response = _upload(site["url"], pdfs["tampered"])
    assert response.status_code == 200
    page = response.text
    assert "Αλλοιωμένο έγγραφο" in page
    assert "Έγκυρη υπογραφή" not in page
    assert "Το υπογεγραμμένο περιεχόμενο έχει αλλάξει" in page
    assert "δεν υπάρχει στο μητρώο" in page
    assert site["reference"] not in page


def test_upload_of_another_file_against_a_code(site, pdfs):
    response = _upload(f"{site['url']}/{site['code']}", pdfs["other"])
    assert response.status_code == 200
    page = response.text
    assert "Έγκυρη υπογραφή" in page  # well signed …
    assert "δεν είναι αυτό που εκδόθηκε" in page  # … but not the issued file

    same = _upload(f"{site['url']}/{site['code']}", pdfs["issued"])
    assert "ακριβώς αυτό που εκδώσαμε" in same.text


def test_upload_of_a_valid_file_we_did_not_issue(site, pdfs):
    page = _upload(site["url"], pdfs["other"]).text
    assert "Έγκυρη υπογραφή" in page
    assert "δεν εκδόθηκε από εμάς σε αυτή τη μορφή" in page


def test_upload_untrusted_unsigned_and_not_a_pdf(site, pdfs):
    assert "Μη αναγνωρισμένος υπογράφων" in _upload(site["url"], pdfs["untrusted"]).text
    assert "Χωρίς υπογραφή" in _upload(site["url"], pdfs["unsigned"]).text
    response = _upload(site["url"], b"MZ\x90\x00 not a pdf", name="x.pdf")
    assert response.status_code == 200
    assert "Δεν είναι PDF" in response.text


def test_upload_errors(site):
    big = b"%PDF-1.7\n" + b"0" * (20 * 1024 * 1024)
    response = _upload(site["url"], big)
    assert response.status_code == 413
    assert "μεγαλύτερο από 20 MB" in response.text

    empty = requests.post(site["url"], data={"file": ""}, timeout=TIMEOUT)
    assert empty.status_code == 400
    assert "Επιλέξτε ένα αρχείο PDF" in empty.text


def test_logged_in_post_without_token_is_not_refused(site, pdfs):
    response = _upload(
        site["url"], pdfs["issued"], auth=("estamatiou", "a-long-test-password-1")
    )
    assert response.status_code == 200
    assert "Έγκυρη υπογραφή" in response.text


# Over plone.restapi

JSON = {"Accept": "application/json"}


def test_rest_multipart(site, pdfs):
    response = _upload(site["api"], pdfs["issued"], headers=JSON)
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["verdict"] == "valid"
    assert data["headline"] == "Έγκυρη υπογραφή"
    assert data["sha256"] == hashlib.sha256(pdfs["issued"]).hexdigest()
    signature = data["signatures"][0]
    assert signature["signer"]["name"] == SIGNER_FULLNAME
    assert signature["intact"] is True
    assert signature["trusted"] is True
    assert data["registry"]["match"] == "issued"
    entry = data["registry"]["entry"]
    assert entry["reference_number"] == site["reference"]
    assert entry["state"] == "private"
    assert entry["signed_by"] == SIGNER_FULLNAME
    assert PERSONAL not in response.text


def test_rest_json_base64(site, pdfs):
    body = {"file": b64encode(pdfs["tampered"]).decode(), "code": site["code"]}
    response = requests.post(site["api"], json=body, headers=JSON, timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["verdict"] == "altered"
    assert data["headline"] == "Αλλοιωμένο έγγραφο"
    assert data["signatures"][0]["problems"] == ["altered"]
    assert data["registry"]["match"] == "mismatch"
    assert data["code_entry"]["reference_number"] == site["reference"]

    as_file = {
        "file": {"data": b64encode(pdfs["issued"]).decode(), "encoding": "base64"}
    }
    response = requests.post(site["api"], json=as_file, headers=JSON, timeout=TIMEOUT)
    assert response.json()["registry"]["match"] == "issued"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"file": "this is not base64!"}, 400, "file"),
        ({"file": 12}, 400, "file"),
        ({}, 400, "file"),
        ({"file": ""}, 400, "file"),
        ({"file": b64encode(b"%PDF-1.7").decode(), "code": "nope"}, 400, "code"),
        (
            {"file": b64encode(b"%PDF-1.7").decode(), "code": "2222-2222-2222-2222"},
            404,
            "code",
        ),
    ],
)
def test_rest_errors_name_the_field(site, body, status, field):
    response = requests.post(site["api"], json=body, headers=JSON, timeout=TIMEOUT)
    assert response.status_code == status, response.text
    data = response.json()
    assert data["errors"][0]["field"] == field
    assert data["message"]


def test_rest_too_large(site):
    big = b64encode(b"%PDF-1.7\n" + b"0" * (20 * 1024 * 1024)).decode()
    response = requests.post(
        site["api"], json={"file": big}, headers=JSON, timeout=TIMEOUT
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["field"] == "file"


def test_rest_entry_by_code(site):
    response = requests.get(f"{site['api']}/{site['code']}", headers=JSON, timeout=30)
    assert response.status_code == 200, response.text
    entry = response.json()["entry"]
    assert entry["reference_number"] == site["reference"]
    assert entry["verification_code"] == site["code"]
    assert PERSONAL not in response.text

    unknown = verification.new_verification_code()
    missing = requests.get(f"{site['api']}/{unknown}", headers=JSON, timeout=30)
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["field"] == "code"
