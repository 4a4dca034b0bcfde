"""One PDF/A-2b per decision, from the one-page PDFs Tesseract wrote.

Tesseract's PDF renderer gives each page its scanned image and an invisible
text layer (render mode 3) in its embedded ``GlyphLessFont``. Merging the
pages (pikepdf) and adding what PDF/A-2b asks of a document makes the
archival copy without running Tesseract or Ghostscript again:

- XMP metadata (uncompressed, no ``bytes``/``encoding`` in the packet
  header) with ``pdfaid:part=2``, ``pdfaid:conformance=B``, ``dc:title``,
  ``dc:creator``, ``dc:description``, ``dc:language``, ``pdf:Keywords``,
  ``pdf:Producer``, ``xmp:CreatorTool``, ``xmp:CreateDate``,
  ``xmp:ModifyDate``, ``xmp:MetadataDate``; the document information
  dictionary says the same;
- an output intent ``GTS_PDFA1`` with an sRGB ICC profile (the pages are
  DeviceGray, which PDF/A allows when an output intent is present);
- a document ID in the trailer (derived from the content: the same pages
  and metadata give the same file), no encryption;
- the catalog's ``/Lang``;
- what Tesseract's pages need put right: the meaningless ``/DecodeParms`` it
  writes on its JPEG images, any ``/Interpolate true``, and one shared copy
  of its font instead of one per page. Its font is embedded (TrueType, all
  CIDs to glyph 1, never ``.notdef``), which PDF/A-2 requires.

No Plone here: the ingestion tool calls this beside its workers.
"""

from io import BytesIO
from pikepdf import Array
from pikepdf import Dictionary
from pikepdf import Name
from pikepdf import Pdf
from pikepdf import String

import datetime
import importlib.resources
import pikepdf
import re


PRODUCER = f"municipality.archive (Tesseract, pikepdf {pikepdf.__version__})"
CREATOR_TOOL = "municipality.archive OCR"
OUTPUT_CONDITION = "sRGB IEC61966-2.1"


def srgb_profile():
    """The bytes of an sRGB ICC profile (pikepdf's own copy, or Pillow's)."""
    try:
        data = (
            importlib.resources.files("pikepdf") / "pdfa" / "data" / "sRGB.icc"
        ).read_bytes()
        if data[36:40] == b"acsp":
            return data
    except (FileNotFoundError, OSError):
        pass
    from PIL import ImageCms

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    return profile.tobytes()


def pdf_date(value):
    """A PDF date string, ``D:YYYYMMDDHHmmSS+HH'mm'``."""
    text = value.strftime("D:%Y%m%d%H%M%S")
    offset = value.utcoffset() or datetime.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"{text}{sign}{minutes // 60:02d}'{minutes % 60:02d}'"


def _moment(created):
    if created is None:
        created = datetime.datetime.now(datetime.UTC)
    elif isinstance(created, datetime.date) and not isinstance(
        created, datetime.datetime
    ):
        created = datetime.datetime.combine(created, datetime.time(12, 0))
    if created.tzinfo is None:
        created = created.astimezone()
    return created.replace(microsecond=0)


def _clean_text(value):
    """Metadata text: no control characters (XMP is XML), spaces tidied."""
    value = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", str(value or ""))
    return re.sub(r"\s+", " ", value).strip()


def _fix_images(pdf):
    """Tesseract's JPEG images carry Flate-style /DecodeParms; drop them."""
    for page in pdf.pages:
        resources = page.obj.get("/Resources")
        xobjects = resources.get("/XObject") if resources is not None else None
        if xobjects is None:
            continue
        for _name, image in xobjects.items():
            if image.get("/Subtype") != Name.Image:
                continue
            if image.get("/Filter") == Name.DCTDecode and "/DecodeParms" in image:
                del image["/DecodeParms"]
            if image.get("/Interpolate"):
                image.Interpolate = False


def _share_fonts(pdf):
    """One copy of Tesseract's GlyphLessFont for every page (they are equal)."""
    shared = {}
    for page in pdf.pages:
        resources = page.obj.get("/Resources")
        fonts = resources.get("/Font") if resources is not None else None
        if fonts is None:
            continue
        for name, font in list(fonts.items()):
            if font.get("/BaseFont") != Name("/GlyphLessFont"):
                continue
            key = _font_key(font)
            if key is None:
                continue
            if key in shared:
                fonts[name] = shared[key]
            else:
                shared[key] = font


def _font_key(font):
    try:
        descendant = font.DescendantFonts[0]
        program = descendant.FontDescriptor.FontFile2.read_bytes()
        cid_map = descendant.CIDToGIDMap.read_bytes()
        to_unicode = font.ToUnicode.read_bytes()
        widths = repr(descendant.get("/W")) + repr(descendant.get("/DW"))
    except (AttributeError, IndexError, KeyError, pikepdf.PdfError):
        return None
    return (program, cid_map, to_unicode, widths)


def assemble(
    page_pdfs,
    title,
    subject="",
    author="",
    keywords="",
    created=None,
    language="el",
):
    """Merge one-page PDFs (from :func:`ocr.ocr_page`) into one PDF/A-2b.

    ``title`` (e.g. «Απόφαση 123/1987»), ``subject`` (the decision's
    subject, XMP ``dc:description``), ``author`` (the council, ``dc:creator``),
    ``keywords`` and ``created`` (a ``date`` or ``datetime``; the creation and
    modification dates, now when None) become the document's metadata.
    Returns the bytes of the PDF. Raises ``ValueError`` when there are no
    pages or a page is not a PDF.
    """
    if not page_pdfs:
        raise ValueError("pdf: a decision needs at least one page")
    moment = _moment(created)
    title = _clean_text(title)
    subject = _clean_text(subject)
    author = _clean_text(author)
    keywords = _clean_text(keywords)
    sources = []
    pdf = Pdf.new()
    try:
        for number, data in enumerate(page_pdfs, start=1):
            try:
                source = Pdf.open(BytesIO(data))
            except pikepdf.PdfError as error:
                raise ValueError(
                    f"pdf: page {number} is not a PDF ({error})"
                ) from error
            sources.append(source)
            if len(source.pages) != 1:
                raise ValueError(
                    f"pdf: page {number} has {len(source.pages)} pages, not one"
                )
            pdf.pages.extend(source.pages)
        _fix_images(pdf)
        _share_fonts(pdf)
        _output_intent(pdf)
        pdf.Root.Lang = String(language)
        _metadata(pdf, title, subject, author, keywords, moment, language)
        buffer = BytesIO()
        pdf.save(
            buffer,
            deterministic_id=True,
            compress_streams=True,
            object_stream_mode=pikepdf.ObjectStreamMode.generate,
            min_version="1.7",
        )
    finally:
        pdf.close()
        for source in sources:
            source.close()
    return buffer.getvalue()


def _output_intent(pdf):
    profile = pdf.make_stream(srgb_profile())
    profile.N = 3
    intent = Dictionary(
        Type=Name.OutputIntent,
        S=Name.GTS_PDFA1,
        OutputConditionIdentifier=String(OUTPUT_CONDITION),
        Info=String(OUTPUT_CONDITION),
        RegistryName=String("http://www.color.org"),
        DestOutputProfile=profile,
    )
    pdf.Root.OutputIntents = Array([pdf.make_indirect(intent)])


def _metadata(pdf, title, subject, author, keywords, moment, language):
    date = moment.isoformat()
    info = {
        "/Title": title,
        "/Author": author,
        "/Subject": subject,
        "/Keywords": keywords,
        "/Creator": CREATOR_TOOL,
        "/Producer": PRODUCER,
    }
    docinfo = pdf.make_indirect(Dictionary())
    for key, value in info.items():
        if value:
            docinfo[key] = String(value)
    docinfo["/CreationDate"] = String(pdf_date(moment))
    docinfo["/ModDate"] = String(pdf_date(moment))
    pdf.trailer.Info = docinfo
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        meta["pdfaid:part"] = "2"
        meta["pdfaid:conformance"] = "B"
        if title:
            meta["dc:title"] = title
        if author:
            meta["dc:creator"] = [author]
        if subject:
            meta["dc:description"] = subject
        meta["dc:language"] = [language]
        meta["dc:format"] = "application/pdf"
        if keywords:
            meta["pdf:Keywords"] = keywords
        meta["pdf:Producer"] = PRODUCER
        meta["xmp:CreatorTool"] = CREATOR_TOOL
        meta["xmp:CreateDate"] = date
        meta["xmp:ModifyDate"] = date
        meta["xmp:MetadataDate"] = date
