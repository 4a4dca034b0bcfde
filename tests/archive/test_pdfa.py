"""The decision's PDF/A-2b, assembled from the pages Tesseract wrote.

veraPDF (Java) is not installed here, so the PDF/A properties are checked
one by one with pikepdf; when pikepdf's own PDF/A validator can run (it
needs fontTools: ``pikepdf[pdfa]``), the file must pass it too.
"""

from io import BytesIO
from municipality.archive import ocr
from municipality.archive import pdfa
from municipality.archive import testpages

import datetime
import pikepdf
import pytest
import subprocess


TEXTS = (
    "Αριθμός Απόφασης 12/1987\nΈγκριση δαπάνης για το σχολείο.",
    "Ο Δήμαρχος εισηγήθηκε το θέμα.",
    "Το Συμβούλιο αποφασίζει ομόφωνα.",
)


@pytest.fixture(scope="module")
def page_pdfs():
    """Three one-page PDFs from real Tesseract runs (short pages: fast)."""
    pdfs = []
    for text in TEXTS:
        page = testpages.render_page(text)
        page = page.crop((0, 0, page.width, 600))
        pdfs.append(ocr.ocr_page(page).pdf)
    return pdfs


@pytest.fixture(scope="module")
def assembled(page_pdfs):
    return pdfa.assemble(
        page_pdfs,
        title="Απόφαση 12/1987",
        subject="Έγκριση δαπάνης <σχολείου> & «άλλα»",
        author="Δημοτικό Συμβούλιο",
        keywords="σχολείο, δαπάνη",
        created=datetime.datetime(2024, 5, 6, 7, 8, 9, tzinfo=datetime.UTC),
    )


def test_pages_and_text_layer(assembled):
    with pikepdf.open(BytesIO(assembled)) as pdf:
        assert len(pdf.pages) == 3
        assert not pdf.is_encrypted
        assert pdf.pdf_version >= "1.7"
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=assembled, capture_output=True, check=True
    ).stdout.decode()
    pages = text.split("\f")
    assert "Απόφασης" in pages[0]
    assert "Δήμαρχος" in pages[1]
    assert "ομόφωνα" in pages[2]


def test_xmp_says_pdfa_2b(assembled):
    with pikepdf.open(BytesIO(assembled)) as pdf:
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "2"
        assert meta["pdfaid:conformance"] == "B"
        assert meta.pdfa_status == "2B"
        assert meta["dc:title"] == "Απόφαση 12/1987"
        assert meta["dc:creator"] == ["Δημοτικό Συμβούλιο"]
        assert meta["dc:description"] == "Έγκριση δαπάνης <σχολείου> & «άλλα»"
        assert meta["pdf:Keywords"] == "σχολείο, δαπάνη"
        assert meta["xmp:CreateDate"] == "2024-05-06T07:08:09+00:00"
        assert meta["xmp:ModifyDate"] == "2024-05-06T07:08:09+00:00"
        assert meta["xmp:MetadataDate"] == "2024-05-06T07:08:09+00:00"
        assert meta["pdf:Producer"] == pdfa.PRODUCER
        assert meta["xmp:CreatorTool"] == pdfa.CREATOR_TOOL
        # The XMP stream is not compressed and its packet header has no
        # bytes/encoding attributes (PDF/A-2 6.6.2.1).
        stream = pdf.Root.Metadata
        assert "/Filter" not in stream
        raw = stream.read_raw_bytes()
        assert b"<?xpacket" in raw
        header = raw[: raw.index(b"?>")]
        assert b"bytes=" not in header
        assert b"encoding=" not in header


def test_info_agrees_with_xmp(assembled):
    with pikepdf.open(BytesIO(assembled)) as pdf:
        info = pdf.docinfo
        assert str(info.Title) == "Απόφαση 12/1987"
        assert str(info.Author) == "Δημοτικό Συμβούλιο"
        assert str(info.Subject) == "Έγκριση δαπάνης <σχολείου> & «άλλα»"
        assert str(info.Keywords) == "σχολείο, δαπάνη"
        assert str(info.Producer) == pdfa.PRODUCER
        assert str(info.Creator) == pdfa.CREATOR_TOOL
        assert str(info.CreationDate) == "D:20240506070809+00'00'"
        assert str(info.ModDate) == "D:20240506070809+00'00'"
        assert str(pdf.Root.Lang) == "el"


def test_output_intent_srgb(assembled):
    with pikepdf.open(BytesIO(assembled)) as pdf:
        (intent,) = pdf.Root.OutputIntents
        assert intent.S == pikepdf.Name.GTS_PDFA1
        assert intent.Type == pikepdf.Name.OutputIntent
        profile = intent.DestOutputProfile
        assert profile.N == 3
        icc = profile.read_bytes()
        assert icc[36:40] == b"acsp"
        assert icc[16:20] == b"RGB "
        assert str(intent.OutputConditionIdentifier)


def test_document_id_and_no_encryption(assembled):
    with pikepdf.open(BytesIO(assembled)) as pdf:
        first, second = pdf.trailer.ID
        assert len(bytes(first)) == 16
        assert "/Encrypt" not in pdf.trailer
    assert assembled.startswith(b"%PDF-1.")
    # A binary comment on the second line (PDF/A 6.1.2).
    second_line = assembled.split(b"\n", 2)[1]
    assert second_line.startswith(b"%")
    assert all(byte > 127 for byte in second_line[1:5])


def test_fonts_embedded_and_shared(assembled):
    with pikepdf.open(BytesIO(assembled)) as pdf:
        fonts = set()
        for page in pdf.pages:
            for font in page.Resources.Font.values():
                descendant = font.DescendantFonts[0]
                assert "/FontFile2" in descendant.FontDescriptor
                assert "/ToUnicode" in font
                fonts.add(font.objgen)
        # Tesseract's GlyphLessFont once for the three pages.
        assert len(fonts) == 1


def test_images_clean(assembled):
    with pikepdf.open(BytesIO(assembled)) as pdf:
        for page in pdf.pages:
            assert "/Group" not in page.obj
            assert "/Annots" not in page.obj
            for image in page.get_images().values():
                assert image.Filter == pikepdf.Name.DCTDecode
                assert "/DecodeParms" not in image
                assert not image.get("/Interpolate", False)


def test_same_pages_same_bytes(page_pdfs, assembled):
    again = pdfa.assemble(
        page_pdfs,
        title="Απόφαση 12/1987",
        subject="Έγκριση δαπάνης <σχολείου> & «άλλα»",
        author="Δημοτικό Συμβούλιο",
        keywords="σχολείο, δαπάνη",
        created=datetime.datetime(2024, 5, 6, 7, 8, 9, tzinfo=datetime.UTC),
    )
    assert again == assembled


def test_size_is_the_pages(page_pdfs, assembled):
    assert len(assembled) < sum(len(page) for page in page_pdfs) + 8_000


def test_created_default_and_date(page_pdfs):
    data = pdfa.assemble(page_pdfs[:1], "Απόφαση", created=datetime.date(1987, 3, 15))
    with pikepdf.open(BytesIO(data)) as pdf:
        assert pdf.open_metadata()["xmp:CreateDate"].startswith("1987-03-15T12:00:00")
        assert "/Author" not in pdf.docinfo
    data = pdfa.assemble(page_pdfs[:1], "Απόφαση")
    with pikepdf.open(BytesIO(data)) as pdf:
        created = pdf.open_metadata()["xmp:CreateDate"]
        assert created.startswith(str(datetime.datetime.now(datetime.UTC).year))


def test_control_characters_left_out(page_pdfs):
    data = pdfa.assemble(page_pdfs[:1], "Απόφαση\x00 12\x0b/1987\n")
    with pikepdf.open(BytesIO(data)) as pdf:
        assert pdf.open_metadata()["dc:title"] == "Απόφαση 12/1987"


def test_bad_input(page_pdfs):
    with pytest.raises(ValueError, match="at least one page"):
        pdfa.assemble([], "Απόφαση")
    with pytest.raises(ValueError, match="page 2 is not a PDF"):
        pdfa.assemble([page_pdfs[0], b"not a pdf"], "Απόφαση")
    two = pdfa.assemble(page_pdfs[:2], "Δύο")
    with pytest.raises(ValueError, match="page 1 has 2 pages"):
        pdfa.assemble([two], "Απόφαση")


def test_pikepdf_pdfa_validator(assembled, tmp_path):
    """pikepdf's allowlist validator (the veraPDF rules) approves the file."""
    pytest.importorskip("fontTools", reason="pikepdf.pdfa needs pikepdf[pdfa]")
    from pikepdf import pdfa as validator

    path = tmp_path / "decision.pdf"
    path.write_bytes(assembled)
    report = validator.validate_written(path, "2b")
    assert report.passed, [str(finding) for finding in report.findings]
