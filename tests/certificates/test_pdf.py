"""The certificate PDF: Greek text that can be read back, the QR code, one page.

Plain data in, bytes out: no Zope needed. The text is read back through the
embedded fonts' ToUnicode maps (what a PDF reader or a screen reader sees),
and the QR code's modules are compared with the QR code of the URL.
"""

from io import BytesIO
from municipality.certificates import pdf
from PIL import Image
from pyhanko.pdf_utils.reader import PdfFileReader

import dataclasses
import datetime
import pytest


URL = "https://dimos.example.gr/@@verify-document/k7m2-x9qp-4hrt-w8ca"
MUNICIPALITY = pdf.Municipality(
    name="Δήμος Παραδείγματος",
    address="Πλατεία Δημαρχείου 1",
    postal_code="10000",
    city="Παράδειγμα",
    phone="+30 210 0000000",
    email="info@example.gov.gr",
    tax_number="090000045",
)


def civil(**changes):
    data = pdf.CertificateData(
        municipality=MUNICIPALITY,
        kind="civil_registry",
        type_title="Οικογενειακής κατάστασης",
        reference_number="ΠΙΣ-2026/000123",
        # 22:30 UTC on 15 March is 00:30 on 16 March in Athens (UTC+2).
        issued_at=datetime.datetime(2026, 3, 15, 22, 30, tzinfo=datetime.UTC),
        issuer_fullname="Μαρία Κωνσταντίνου",
        verification_url=URL,
        verification_code="k7m2-x9qp-4hrt-w8ca",
        applicant_fullname="Γεώργιος Παπαδόπουλος",
        applicant_fathername="Ιωάννης",
        applicant_afm="094259216",
        purpose="Για υποβολή στην Εφορία.",
        protocol_number="1234",
        protocol_date=datetime.date(2026, 3, 14),
    )
    return dataclasses.replace(data, **changes)


def tap(**changes):
    values = {
        "kind": "tap",
        "type_title": "",
        "reference_number": "ΤΑΠ-2026/000007",
        "property_address": "Ερμού 10",
        "property_municipal_unit": "Κέντρου",
        "property_area": 85,
        "property_supply_number": "1 23456789-01 2",
    }
    return civil(**{**values, **changes})


def flat(text):
    """The text with line breaks and runs of spaces as single spaces."""
    return " ".join(text.split())


def reader(data):
    return PdfFileReader(BytesIO(data), strict=False)


def test_civil_registry_certificate_has_the_greek_text():
    text = flat(pdf.read_text(pdf.render(civil())))
    for expected in (
        "ΕΛΛΗΝΙΚΗ ΔΗΜΟΚΡΑΤΙΑ",
        "ΔΗΜΟΣ ΠΑΡΑΔΕΙΓΜΑΤΟΣ",
        "Πλατεία Δημαρχείου 1, 10000 Παράδειγμα",
        "Τηλ.: +30 210 0000000",
        "ΠΙΣΤΟΠΟΙΗΤΙΚΟ ΟΙΚΟΓΕΝΕΙΑΚΗΣ ΚΑΤΑΣΤΑΣΗΣ",
        "Αρ. βεβαίωσης: ΠΙΣ-2026/000123",
        "Αρ. πρωτ. αίτησης: 1234 / 14/03/2026",
        "ύστερα από την υπ’ αριθμ. ΠΙΣ-2026/000123 (αρ. πρωτ. 1234 της 14/03/2026)",
        "Ονοματεπώνυμο: Γεώργιος Παπαδόπουλος",
        "Πατρώνυμο: Ιωάννης",
        "ΑΦΜ: 094259216",
        # The applicant's «Για …» and full stop are not doubled.
        "Το παρόν χορηγείται για υποβολή στην Εφορία.",
        "Ο/Η υπάλληλος που εξέδωσε το παρόν Μαρία Κωνσταντίνου",
        # Athens time: the next day, half past midnight.
        "Ημερομηνία έκδοσης: 16/03/2026",
        "Παράδειγμα, 16/03/2026, ώρα 00:30",
        URL,
        "Κωδικός επαλήθευσης: k7m2-x9qp-4hrt-w8ca",
    ):
        assert expected in text, expected


def test_civil_registry_register_data_are_not_invented():
    text = flat(pdf.read_text(pdf.render(civil())))
    assert flat(pdf.REGISTER_NOTE) in text
    assert "ΤΑΠ" not in text


def test_tap_certificate_states_no_debt_for_the_property():
    text = flat(pdf.read_text(pdf.render(tap())))
    for expected in (
        "ΒΕΒΑΙΩΣΗ ΜΗ ΟΦΕΙΛΗΣ ΤΕΛΟΥΣ ΑΚΙΝΗΤΗΣ ΠΕΡΙΟΥΣΙΑΣ (ΤΑΠ)",
        "Διεύθυνση ακινήτου: Ερμού 10",
        "Δημοτική ενότητα: Κέντρου",
        "Επιφάνεια: 85 τ.μ.",
        "Αρ. παροχής ρεύματος: 1 23456789-01 2",
        "δεν οφείλεται Τέλος Ακίνητης Περιουσίας (ΤΑΠ) "
        "προς τον Δήμο Παραδείγματος έως και την 16/03/2026.",
        "Αρ. βεβαίωσης: ΤΑΠ-2026/000007",
    ):
        assert expected in text, expected
    assert flat(pdf.REGISTER_NOTE) not in text


def test_fonts_are_embedded_and_there_is_no_image_of_text():
    doc = reader(pdf.render(civil()))
    page = doc.root["/Pages"]["/Kids"][0]
    fonts = page["/Resources"]["/Font"]
    assert len(fonts) >= 2
    for name in fonts:
        font = fonts[name]
        assert "DejaVuSans" in font["/BaseFont"], name
        assert "/FontFile2" in font["/FontDescriptor"], name
        assert "/ToUnicode" in font, name
    # No logo set: the only XObject is the QR code's vector form.
    xobjects = page["/Resources"]["/XObject"]
    assert list(xobjects) == [f"/FormXob.{pdf.QR_FORM}"]
    assert xobjects[f"/FormXob.{pdf.QR_FORM}"]["/Subtype"] == "/Form"


def test_the_qr_code_is_the_qr_code_of_the_printed_url():
    data = pdf.render(civil())
    modules = pdf.read_qr_modules(data)
    assert modules == pdf.qr_modules(URL)
    # Some other address makes another code: the comparison means something.
    other = pdf.read_qr_modules(pdf.render(civil(verification_url=URL + "x")))
    assert other != modules
    assert URL in pdf.read_text(data)


def test_one_a4_page_with_metadata():
    doc = reader(pdf.render(tap()))
    pages = doc.root["/Pages"]
    assert pages["/Count"] == 1
    assert [round(float(v)) for v in pages["/Kids"][0]["/MediaBox"]] == [0, 0, 595, 842]
    info = doc.trailer["/Info"]
    assert str(info["/Title"]).startswith("ΒΕΒΑΙΩΣΗ ΜΗ ΟΦΕΙΛΗΣ")
    assert str(info["/Author"]) == "Δήμος Παραδείγματος"
    assert str(info["/Subject"]) == "ΤΑΠ-2026/000007"
    # The issue time in Athens is the document's creation date.
    assert str(info["/CreationDate"]) == "D:20260316003000+02'00'"


def test_the_same_data_give_the_same_bytes():
    assert pdf.render(civil()) == pdf.render(civil())
    assert pdf.render(civil()) != pdf.render(civil(issuer_fullname="Άλλος Υπάλληλος"))


def test_a_long_purpose_and_address_still_fit_on_one_page():
    # The form's limits: purpose 2 000 characters, address 300.
    purpose = ("Για την υποβολή σε δημόσια υπηρεσία μαζί με άλλα έγγραφα. " * 40)[:2000]
    data = tap(
        purpose=purpose, property_address=("Λεωφόρος Βασιλίσσης Σοφίας " * 12)[:300]
    )
    doc = reader(pdf.render(data))
    assert doc.root["/Pages"]["/Count"] == 1
    assert flat(purpose)[-40:].rstrip(" .") in flat(pdf.read_text(pdf.render(data)))


def test_text_that_cannot_fit_is_refused():
    with pytest.raises(ValueError, match="one page"):
        pdf.render(civil(purpose="Λέξη " * 5000))


def test_logo_is_drawn_when_it_is_an_image():
    out = BytesIO()
    Image.new("RGB", (120, 120), (20, 60, 120)).save(out, "PNG")
    municipality = dataclasses.replace(MUNICIPALITY, logo=out.getvalue())
    page = reader(pdf.render(civil(municipality=municipality))).root["/Pages"]["/Kids"][
        0
    ]
    xobjects = page["/Resources"]["/XObject"]
    images = [n for n in xobjects if xobjects[n]["/Subtype"] == "/Image"]
    assert len(images) == 1


def test_a_logo_that_is_not_a_raster_image_is_left_out():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'
    municipality = dataclasses.replace(MUNICIPALITY, logo=svg)
    data = pdf.render(civil(municipality=municipality))
    page = reader(data).root["/Pages"]["/Kids"][0]
    assert list(page["/Resources"]["/XObject"]) == [f"/FormXob.{pdf.QR_FORM}"]
    assert "ΔΗΜΟΣ ΠΑΡΑΔΕΙΓΜΑΤΟΣ" in pdf.read_text(data)


@pytest.mark.parametrize(
    ("type_title", "title"),
    [
        ("Οικογενειακής κατάστασης", "ΠΙΣΤΟΠΟΙΗΤΙΚΟ ΟΙΚΟΓΕΝΕΙΑΚΗΣ ΚΑΤΑΣΤΑΣΗΣ"),
        ("Ατομικό πιστοποιητικό γέννησης", "ΑΤΟΜΙΚΟ ΠΙΣΤΟΠΟΙΗΤΙΚΟ ΓΕΝΝΗΣΗΣ"),
        ("Βεβαίωση μόνιμης κατοικίας", "ΒΕΒΑΙΩΣΗ ΜΟΝΙΜΗΣ ΚΑΤΟΙΚΙΑΣ"),
        ("Πιστοποιητικό εγγυτέρων συγγενών", "ΠΙΣΤΟΠΟΙΗΤΙΚΟ ΕΓΓΥΤΕΡΩΝ ΣΥΓΓΕΝΩΝ"),
        ("Ιθαγένειας", "ΠΙΣΤΟΠΟΙΗΤΙΚΟ ΙΘΑΓΕΝΕΙΑΣ"),
        ("", "ΠΙΣΤΟΠΟΙΗΤΙΚΟ"),
    ],
)
def test_titles_in_greek_capitals(type_title, title):
    assert civil(type_title=type_title).title == title


def test_greek_upper_drops_tonos_and_keeps_dialytika():
    assert pdf.greek_upper("Ταυτοπροσωπίας") == "ΤΑΥΤΟΠΡΟΣΩΠΙΑΣ"
    assert pdf.greek_upper("πρωί, ΐ, ϊ") == "ΠΡΩΙ, Ϊ, Ϊ"


def test_missing_font_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(pdf, "FONT_DIRS", (tmp_path,))
    with pytest.raises(pdf.FontNotFound, match="fonts-dejavu-core"):
        pdf._find_font("DejaVuSans.ttf")
