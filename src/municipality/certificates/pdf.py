"""The issued certificate as a one-page Greek PDF (A4), before it is signed.

:func:`render` draws a :class:`CertificateData`, a plain object with
everything printed, so the layout is testable (and usable by the signing
benchmark) without Zope; :func:`certificate_data` builds one from a
certificate application and the site's settings; :func:`render_certificate`
does both.

What is printed is what the municipality knows: the applicant's data from
their account (name, father's name, ΑΦΜ), the application's reference and
protocol data, its purpose, for ΤΑΠ the property, the issuer and the time.
A civil-registry certificate's register data (the family's entry, its
members) live in the δημοτολόγιο, a system this platform has no access to:
they are not printed, and the certificate says so rather than invent them.

The text is real text in an embedded DejaVu Sans subset (Greek glyphs, with
a ToUnicode map), so it can be searched, copied and read by screen readers.
The QR code is vector drawing in a form XObject named ``QRCode``, beside the
verification address printed in full. The output is deterministic: the same
data give the same bytes (reportlab's invariant mode, with the issue time as
the document's creation date).
"""

from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from reportlab.graphics.barcode import qrencoder
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.enums import TA_JUSTIFY
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Frame
from reportlab.platypus import Paragraph
from reportlab.platypus import Spacer
from reportlab.platypus import Table
from reportlab.platypus import TableStyle
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

import dataclasses
import datetime
import re
import threading
import unicodedata


TIMEZONE = ZoneInfo("Europe/Athens")

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
# Debian's fonts-dejavu-core; other systems put DejaVu elsewhere.
FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
    Path("/usr/local/share/fonts"),
)
QR_FORM = "QRCode"
# Error correction M (15%): survives a crease or a smudge on a printed copy.
QR_LEVEL = qrencoder.QRErrorCorrectLevel.M

# Words a certificate type's title may start with that already name the
# document: «Βεβαίωση μόνιμης κατοικίας» is a title, «Οικογενειακής
# κατάστασης» needs «Πιστοποιητικό» before it.
DOCUMENT_NOUNS = (
    "ΠΙΣΤΟΠΟΙΗΤΙΚΟ",
    "ΒΕΒΑΙΩΣΗ",
    "ΑΠΟΣΠΑΣΜΑ",
    "ΑΝΤΙΓΡΑΦΟ",
    "ΛΗΞΙΑΡΧΙΚΗ",
    "ΛΗΞΙΑΡΧΙΚΕΣ",
    "ΑΤΟΜΙΚΟ",
)
TAP_TITLE = "ΒΕΒΑΙΩΣΗ ΜΗ ΟΦΕΙΛΗΣ ΤΕΛΟΥΣ ΑΚΙΝΗΤΗΣ ΠΕΡΙΟΥΣΙΑΣ (ΤΑΠ)"
REGISTER_NOTE = (
    "Τα στοιχεία της δημοτικής μερίδας (εγγραφές του δημοτολογίου, μέλη "
    "οικογένειας) δεν διατίθενται στο ηλεκτρονικό σύστημα του Δήμου και δεν "
    "αναγράφονται στο παρόν."
)


class FontNotFound(RuntimeError):
    """DejaVu Sans, the font with the Greek glyphs, is not installed."""


@dataclass(frozen=True)
class Municipality:
    """Who issues the certificate: the header of the page."""

    name: str
    address: str = ""
    postal_code: str = ""
    city: str = ""
    phone: str = ""
    email: str = ""
    tax_number: str = ""
    logo: bytes | None = None  # PNG/JPEG/GIF; anything else is left out


@dataclass(frozen=True)
class CertificateData:
    """Everything printed on one certificate.

    ``kind`` is ``civil_registry`` or ``tap``; ``type_title`` the civil
    registry type's title from the vocabulary («Οικογενειακής κατάστασης»).
    ``issued_at`` is an aware datetime; it is printed in Athens time.
    """

    municipality: Municipality
    kind: str
    reference_number: str
    issued_at: datetime.datetime
    issuer_fullname: str
    verification_url: str
    applicant_fullname: str
    applicant_fathername: str = ""
    applicant_afm: str = ""
    type_title: str = ""
    purpose: str = ""
    protocol_number: str = ""
    protocol_date: datetime.date | None = None
    property_address: str = ""
    property_supply_number: str = ""
    property_area: int | None = None
    property_municipal_unit: str = ""
    verification_code: str = ""

    @property
    def title(self):
        """The document's title, in capitals without accents as Greek prints them."""
        if self.kind == "tap":
            return TAP_TITLE
        title = greek_upper(self.type_title or "Πιστοποιητικό")
        if not title.startswith(DOCUMENT_NOUNS):
            title = f"ΠΙΣΤΟΠΟΙΗΤΙΚΟ {title}"
        return title

    @property
    def local_issued_at(self):
        return self.issued_at.astimezone(TIMEZONE)


def greek_upper(text):
    """Capitals as Greek typesetting writes them: no tonos, dialytika kept.

    «Οικογενειακής κατάστασης» → «ΟΙΚΟΓΕΝΕΙΑΚΗΣ ΚΑΤΑΣΤΑΣΗΣ»,
    «Πρωί» → «ΠΡΩΙ» (with «ΐ» → «Ϊ»).
    """
    decomposed = unicodedata.normalize("NFD", text.upper())
    without_tonos = "".join(c for c in decomposed if c not in "\u0301\u0342")
    return unicodedata.normalize("NFC", without_tonos)


def accusative(name):
    """«Δήμος Παραδείγματος» → «Δήμο Παραδείγματος», for «προς τον …»."""
    if name.startswith("Δήμος "):
        return "Δήμο " + name[len("Δήμος ") :]
    return name


def format_date(value):
    """«15/03/2026», as Greek documents write dates."""
    return value.strftime("%d/%m/%Y")


# -- fonts --------------------------------------------------------------------

_fonts_lock = threading.Lock()


def _find_font(filename):
    for directory in FONT_DIRS:
        path = directory / filename
        if path.is_file():
            return path
    raise FontNotFound(
        f"{filename} not found in {', '.join(map(str, FONT_DIRS))}: "
        "install DejaVu fonts (Debian: fonts-dejavu-core)"
    )


def register_fonts():
    """Register DejaVu Sans (regular and bold) with reportlab, once."""
    with _fonts_lock:
        registered = pdfmetrics.getRegisteredFontNames()
        if FONT in registered and FONT_BOLD in registered:
            return
        pdfmetrics.registerFont(TTFont(FONT, str(_find_font("DejaVuSans.ttf"))))
        pdfmetrics.registerFont(
            TTFont(FONT_BOLD, str(_find_font("DejaVuSans-Bold.ttf")))
        )
        pdfmetrics.registerFontFamily(
            FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD
        )


# Body text sizes tried in turn until the text fits on the page: a long
# purpose or address (within the form's limits) is printed smaller rather
# than refused.
SCALES = (1.0, 0.9, 0.8, 0.7, 0.6)


def _styles(scale=1.0):
    base = ParagraphStyle(
        "body", fontName=FONT, fontSize=10.5 * scale, leading=15 * scale
    )
    return {
        "gap": scale,
        "body": ParagraphStyle("justified", base, alignment=TA_JUSTIFY),
        "small": ParagraphStyle("small", base, fontSize=8.5, leading=11.5),
        "note": ParagraphStyle(
            "note", base, fontSize=9, leading=12.5, textColor=colors.HexColor("#444")
        ),
        "title": ParagraphStyle(
            "title",
            base,
            fontName=FONT_BOLD,
            fontSize=14,
            leading=19,
            alignment=TA_CENTER,
            spaceAfter=4,
        ),
        "label": ParagraphStyle("label", base, fontSize=10 * scale),
        "value": ParagraphStyle("value", base, fontName=FONT_BOLD, fontSize=10 * scale),
    }


def _p(text, style):
    return Paragraph(escape(text), style)


# -- drawing ------------------------------------------------------------------

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 20 * mm
QR_SIZE = 32 * mm


def draw_letterhead(canvas, m, rows, left, top, right, logo_box):
    """The municipality's letterhead, as on all its papers; the lowest y drawn.

    Logo (fitted in ``logo_box``: (width, height)), «ΕΛΛΗΝΙΚΗ ΔΗΜΟΚΡΑΤΙΑ»,
    the name, address, contacts and ΑΦΜ on the left from ``left``; the
    ``rows`` of (label, value) numbers block on the right up to ``right``.
    Used by the certificates and the payment receipts.
    """
    x = left
    logo = _logo_reader(m.logo)
    if logo is not None:
        width, height = logo.getSize()
        scale = min(logo_box[1] / height, logo_box[0] / width)
        canvas.drawImage(
            logo,
            left,
            top - height * scale,
            width * scale,
            height * scale,
            mask="auto",
        )
        x = left + width * scale + 5 * mm
    canvas.setFont(FONT_BOLD, 9)
    canvas.drawString(x, top - 8, "ΕΛΛΗΝΙΚΗ ΔΗΜΟΚΡΑΤΙΑ")
    canvas.setFont(FONT_BOLD, 12)
    canvas.drawString(x, top - 23, greek_upper(m.name or ""))
    canvas.setFont(FONT, 8.5)
    lines = []
    place = " ".join(p for p in (m.postal_code, m.city) if p)
    address = ", ".join(p for p in (m.address, place) if p)
    if address:
        lines.append(address)
    contacts = " · ".join(
        p
        for p in (
            f"Τηλ.: {m.phone}" if m.phone else "",
            f"Email: {m.email}" if m.email else "",
        )
        if p
    )
    if contacts:
        lines.append(contacts)
    if m.tax_number:
        lines.append(f"ΑΦΜ: {m.tax_number}")
    y = top - 36
    for line in lines:
        canvas.drawString(x, y, line)
        y -= 11

    # The numbers block on the right, as on every Greek administrative paper.
    y = top - 8
    for label, value in rows:
        value_width = pdfmetrics.stringWidth(value, FONT_BOLD, 9)
        canvas.setFont(FONT, 9)
        canvas.drawRightString(right - value_width - 4, y, label)
        canvas.setFont(FONT_BOLD, 9)
        canvas.drawRightString(right, y, value)
        y -= 13
    return min(y, top - 36 - 11 * len(lines))


def _header(canvas, data):
    """Logo, «ΕΛΛΗΝΙΚΗ ΔΗΜΟΚΡΑΤΙΑ», the municipality and its contacts; numbers."""
    top = PAGE_HEIGHT - MARGIN
    right = PAGE_WIDTH - MARGIN
    rows = [
        ("Ημερομηνία έκδοσης:", format_date(data.local_issued_at)),
        ("Αρ. βεβαίωσης:", data.reference_number),
    ]
    if data.protocol_number:
        protocol = data.protocol_number
        if data.protocol_date:
            protocol = f"{protocol} / {format_date(data.protocol_date)}"
        rows.append(("Αρ. πρωτ. αίτησης:", protocol))
    lowest = draw_letterhead(
        canvas, data.municipality, rows, MARGIN, top, right, (30 * mm, 22 * mm)
    )
    rule = lowest - 6
    canvas.setStrokeColor(colors.HexColor("#1f3a5f"))
    canvas.setLineWidth(0.8)
    canvas.line(MARGIN, rule, right, rule)
    return rule


def _logo_reader(logo):
    if not logo:
        return None
    try:
        reader = ImageReader(BytesIO(logo))
        reader.getSize()
    except Exception:  # noqa: BLE001 - an SVG or a broken file: no logo
        return None
    return reader


def _purpose_sentence(purpose):
    """«Το παρόν χορηγείται για …», without a doubled «για» or full stop."""
    text = " ".join((purpose or "").split()).rstrip(" .")
    if not text:
        return "Το παρόν χορηγείται ύστερα από αίτηση του/της ενδιαφερομένου/ης."
    if text.lower().startswith("για "):
        text = text[4:]
    return f"Το παρόν χορηγείται για {text}."


def _applicant_table(data, styles):
    rows = [("Ονοματεπώνυμο", data.applicant_fullname)]
    if data.applicant_fathername:
        rows.append(("Πατρώνυμο", data.applicant_fathername))
    if data.applicant_afm:
        rows.append(("ΑΦΜ", data.applicant_afm))
    if data.kind == "tap":
        if data.property_address:
            rows.append(("Διεύθυνση ακινήτου", data.property_address))
        if data.property_municipal_unit:
            rows.append(("Δημοτική ενότητα", data.property_municipal_unit))
        if data.property_area:
            rows.append(("Επιφάνεια", f"{data.property_area} τ.μ."))
        if data.property_supply_number:
            rows.append(("Αρ. παροχής ρεύματος", data.property_supply_number))
    table = Table(
        [
            [_p(f"{label}:", styles["label"]), _p(value, styles["value"])]
            for label, value in rows
        ],
        colWidths=[50 * mm, PAGE_WIDTH - 2 * MARGIN - 50 * mm],
    )
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ]
        )
    )
    return table


def _body(data, styles):
    """The flowables between the header and the footer."""
    m = data.municipality
    gap = styles["gap"]
    date = format_date(data.local_issued_at)
    application = f"αριθμ. {data.reference_number}"
    if data.protocol_number:
        application += f" (αρ. πρωτ. {data.protocol_number}"
        if data.protocol_date:
            application += f" της {format_date(data.protocol_date)}"
        application += ")"
    story = [
        Spacer(0, 8 * mm * gap),
        _p(data.title, styles["title"]),
        Spacer(0, 6 * mm * gap),
    ]
    if data.kind == "tap":
        story += [
            _p(
                f"Ο {m.name}, ύστερα από την υπ’ {application} αίτηση "
                "του/της παρακάτω ενδιαφερομένου/ης:",
                styles["body"],
            ),
            Spacer(0, 3 * mm * gap),
            _applicant_table(data, styles),
            Spacer(0, 4 * mm * gap),
            _p(
                "βεβαιώνει ότι, σύμφωνα με τα στοιχεία της Οικονομικής Υπηρεσίας, "
                "για το παραπάνω ακίνητο δεν οφείλεται Τέλος Ακίνητης Περιουσίας "
                f"(ΤΑΠ) προς τον {accusative(m.name)} έως και την {date}.",
                styles["body"],
            ),
        ]
    else:
        story += [
            _p(
                f"Ο {m.name}, ύστερα από την υπ’ {application} αίτηση, "
                "εκδίδει το παρόν για τον/την:",
                styles["body"],
            ),
            Spacer(0, 3 * mm * gap),
            _applicant_table(data, styles),
            Spacer(0, 4 * mm * gap),
            _p(REGISTER_NOTE, styles["note"]),
        ]
    story += [
        Spacer(0, 4 * mm * gap),
        _p(_purpose_sentence(data.purpose), styles["body"]),
    ]
    place = m.city or m.name
    issued = data.local_issued_at
    story += [
        Spacer(0, 10 * mm * gap),
        _p(
            f"{place}, {date}, ώρα {issued.strftime('%H:%M')}",
            ParagraphStyle("place", styles["body"], alignment=TA_CENTER),
        ),
        Spacer(0, 5 * mm * gap),
        _p(
            "Ο/Η υπάλληλος που εξέδωσε το παρόν",
            ParagraphStyle("s1", styles["body"], alignment=TA_CENTER),
        ),
        Spacer(0, 2 * mm * gap),
        _p(
            data.issuer_fullname,
            ParagraphStyle(
                "s2",
                styles["value"],
                alignment=TA_CENTER,
                fontSize=11 * gap,
                leading=15 * gap,
            ),
        ),
        _p(
            "(ψηφιακή υπογραφή)",
            ParagraphStyle("s3", styles["small"], alignment=TA_CENTER),
        ),
    ]
    return story


def qr_modules(url):
    """The QR code of ``url`` as rows of booleans (True = dark module)."""
    qr = qrencoder.QRCode(None, QR_LEVEL)
    qr.addData(url)
    qr.make()
    return [[bool(cell) for cell in row] for row in qr.modules]


def _qr_form(canvas, modules):
    """Draw the QR code as a form XObject in module units (1 unit = 1 module).

    Dark runs of a row are one rectangle each; nothing else is in the form,
    so it can be read back module by module.
    """
    count = len(modules)
    canvas.beginForm(QR_FORM, 0, 0, count, count)
    canvas.setFillColor(colors.black)
    for r, row in enumerate(modules):
        c = 0
        while c < count:
            if row[c]:
                start = c
                while c < count and row[c]:
                    c += 1
                canvas.rect(start, count - r - 1, c - start, 1, stroke=0, fill=1)
            else:
                c += 1
    canvas.endForm()


def _footer(canvas, data, styles, top):
    """The QR code with the verification address and code beside it."""
    size = QR_SIZE
    quiet = 4  # modules of white border, as the QR standard asks
    modules = qr_modules(data.verification_url)
    count = len(modules)
    module = size / (count + 2 * quiet)
    x0, y0 = MARGIN, MARGIN
    _qr_form(canvas, modules)
    canvas.saveState()
    canvas.translate(x0 + quiet * module, y0 + quiet * module)
    canvas.scale(module, module)
    canvas.doForm(QR_FORM)
    canvas.restoreState()

    text_x = x0 + size + 4 * mm
    width = PAGE_WIDTH - MARGIN - text_x
    parts = [
        _p("Επαλήθευση γνησιότητας", styles["value"]),
        _p(
            "Το έγγραφο φέρει προηγμένη ηλεκτρονική υπογραφή. Σαρώστε τον κωδικό "
            "QR ή επισκεφθείτε τη διεύθυνση:",
            styles["small"],
        ),
        _p(
            data.verification_url,
            ParagraphStyle("url", styles["small"], fontName=FONT_BOLD),
        ),
    ]
    if data.verification_code:
        parts.append(
            _p(f"Κωδικός επαλήθευσης: {data.verification_code}", styles["small"])
        )
    frame = Frame(
        text_x,
        y0,
        width,
        size,
        leftPadding=0,
        rightPadding=0,
        topPadding=4,
        bottomPadding=0,
    )
    frame.addFromList(parts, canvas)
    canvas.setStrokeColor(colors.HexColor("#1f3a5f"))
    canvas.setLineWidth(0.5)
    canvas.line(MARGIN, top, PAGE_WIDTH - MARGIN, top)


def render(data):
    """The certificate described by ``data`` as PDF bytes (one A4 page).

    :raises FontNotFound: DejaVu Sans is not installed.
    :raises ValueError: the content does not fit on one page (an absurdly
        long purpose or address); the application should be corrected.
    """
    register_fonts()
    styles = _styles()
    out = BytesIO()
    issued = data.local_issued_at
    canvas = Canvas(
        out,
        pagesize=A4,
        invariant=1,
        pageCompression=1,
        initialFontName=FONT,
        lang="el-GR",
    )
    canvas.setDateFormatter(
        lambda *_: issued.strftime("D:%Y%m%d%H%M%S") + _tz_offset(issued)
    )
    canvas.setTitle(f"{data.title} — {data.reference_number}")
    canvas.setAuthor(data.municipality.name)
    canvas.setSubject(data.reference_number)
    canvas.setCreator(data.municipality.name)
    canvas.setKeywords([data.reference_number, data.verification_code or ""])

    rule = _header(canvas, data)
    footer_top = MARGIN + QR_SIZE + 3 * mm

    def body_frame():
        return Frame(
            MARGIN,
            footer_top + 2 * mm,
            PAGE_WIDTH - 2 * MARGIN,
            rule - footer_top - 4 * mm,
            leftPadding=0,
            rightPadding=0,
        )

    for scale in SCALES:
        # Laid out on a scratch canvas first: the real one gets only a fit.
        story = _body(data, _styles(scale))
        body_frame().addFromList(story, Canvas(BytesIO(), pagesize=A4))
        if not story:
            break
    else:
        raise ValueError("The certificate's text does not fit on one page")
    body_frame().addFromList(_body(data, _styles(scale)), canvas)
    _footer(canvas, data, styles, footer_top)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _tz_offset(value):
    offset = value.utcoffset() or datetime.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}'{minutes % 60:02d}'"


# -- from the application -----------------------------------------------------


def municipality_from_registry():
    """The :class:`Municipality` of the control panel (``municipality.*``)."""
    from municipality.core.interfaces import IMunicipalitySettings
    from plone.formwidget.namedfile.converter import b64decode_file
    from plone.registry.interfaces import IRegistry
    from zope.component import getUtility

    settings = getUtility(IRegistry).forInterface(
        IMunicipalitySettings, prefix="municipality", check=False
    )
    logo = None
    if settings.logo:
        try:
            logo = b64decode_file(settings.logo)[1]
        except Exception:  # noqa: BLE001 - a broken value: print without logo
            logo = None
    return Municipality(
        name=settings.name_el or "",
        address=settings.address or "",
        postal_code=settings.postal_code or "",
        city=settings.city or "",
        phone=settings.phone or "",
        email=settings.email or "",
        tax_number=settings.tax_number or "",
        logo=logo,
    )


def certificate_type_title(application):
    """The title of the application's civil-registry type from its vocabulary."""
    token = getattr(application, "certificate_type", None)
    if not token:
        return ""
    from zope.component import queryUtility
    from zope.schema.interfaces import IVocabularyFactory

    factory = queryUtility(IVocabularyFactory, "municipality.certificates.types")
    if factory is not None:
        try:
            term = factory(application).getTerm(token)
        except LookupError:
            term = None
        if term is not None:
            return str(term.title or token)
    return token


def certificate_data(
    application, *, verification_url, issued_at, issuer_fullname, verification_code=""
):
    """A :class:`CertificateData` from a ``CertificateApplication``."""

    def text(name):
        value = getattr(application, name, None)
        return "" if value is None else str(value)

    return CertificateData(
        municipality=municipality_from_registry(),
        kind=text("kind") or "civil_registry",
        reference_number=text("reference_number"),
        issued_at=issued_at,
        issuer_fullname=issuer_fullname,
        verification_url=verification_url,
        verification_code=verification_code,
        applicant_fullname=text("applicant_fullname"),
        applicant_fathername=text("applicant_fathername"),
        applicant_afm=text("applicant_afm"),
        type_title=certificate_type_title(application),
        purpose=text("purpose"),
        protocol_number=text("protocol_number"),
        protocol_date=getattr(application, "protocol_date", None),
        property_address=text("property_address"),
        property_supply_number=text("property_supply_number"),
        property_area=getattr(application, "property_area", None),
        property_municipal_unit=text("property_municipal_unit"),
    )


def render_certificate(
    application,
    *,
    verification_url,
    issued_at,
    issuer_fullname,
    verification_code="",
    tap_property=None,
):
    """The unsigned certificate PDF of ``application``.

    ``tap_property``: for ΤΑΠ, the property as the finance system knows it
    (a ``TapStatement``); its address, area and municipal unit are printed
    instead of what the applicant typed, since they are what was checked.
    """
    data = certificate_data(
        application,
        verification_url=verification_url,
        issued_at=issued_at,
        issuer_fullname=issuer_fullname,
        verification_code=verification_code,
    )
    if tap_property is not None:
        data = dataclasses.replace(
            data,
            property_supply_number=tap_property.supply_number
            or data.property_supply_number,
            property_address=tap_property.address or data.property_address,
            property_area=tap_property.area
            if tap_property.area is not None
            else data.property_area,
            property_municipal_unit=tap_property.municipal_unit
            or data.property_municipal_unit,
        )
    return render(data)


# -- reading a certificate back -------------------------------------------------
#
# For the tests and for support staff looking at a stored certificate: the
# text as a reader sees it (through the fonts' ToUnicode maps) and the QR
# code's modules, from our own PDFs (signed or not). Not a general PDF text
# extractor: it knows the simple content streams reportlab writes.

_TOKEN = re.compile(
    rb"""
    (?P<ws>\s+|%[^\r\n]*)
    | (?P<string>\()
    | (?P<hex><[0-9A-Fa-f\s]*>)
    | (?P<open>\[) | (?P<close>\])
    | (?P<dict><<|>>)
    | (?P<name>/[^\s/\[\]()<>{}%]*)
    | (?P<number>[+-]?(?:\d+\.?\d*|\.\d+))
    | (?P<op>[A-Za-z'"*]+|[{}])
    """,
    re.VERBOSE,
)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _read_string(data, pos):
    """A literal string starting after its ``(``: (bytes, position after ``)``)."""
    out = bytearray()
    depth = 1
    while pos < len(data):
        c = data[pos : pos + 1]
        pos += 1
        if c == b"\\":
            nxt = data[pos : pos + 1]
            if nxt in _ESCAPES:
                out += _ESCAPES[nxt]
                pos += 1
            elif nxt.isdigit():
                digits = re.match(rb"[0-7]{1,3}", data[pos : pos + 3]).group()
                out.append(int(digits, 8) & 0xFF)
                pos += len(digits)
            elif nxt in (b"\r", b"\n"):
                pos += 1 + (data[pos : pos + 2] == b"\r\n")
            else:
                out += nxt
                pos += 1
        elif c == b"(":
            depth += 1
            out += c
        elif c == b")":
            depth -= 1
            if depth == 0:
                return bytes(out), pos
            out += c
        else:
            out += c
    raise ValueError("Unterminated string in content stream")


def _operations(data):
    """Yield ``(operator, operands)`` of a content stream."""
    operands = []
    stack = []
    pos = 0
    while pos < len(data):
        match = _TOKEN.match(data, pos)
        if match is None:
            pos += 1
            continue
        kind = match.lastgroup
        pos = match.end()
        if kind == "ws" or kind == "dict":
            continue
        if kind == "string":
            value, pos = _read_string(data, pos)
        elif kind == "hex":
            digits = re.sub(rb"\s", b"", match.group()[1:-1])
            value = bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode())
        elif kind == "open":
            stack.append(operands)
            operands = []
            continue
        elif kind == "close":
            value = operands
            operands = stack.pop() if stack else []
        elif kind == "number":
            value = float(match.group())
        elif kind == "name":
            value = match.group().decode("latin-1")
        else:
            yield match.group().decode("latin-1"), operands
            operands = []
            continue
        operands.append(value)


def _to_unicode_map(font):
    """Byte code -> text of a simple font, from its ToUnicode CMap."""
    mapping = {}
    if "/ToUnicode" not in font:
        return mapping
    cmap = font["/ToUnicode"].data

    def text(hex_value):
        return bytes.fromhex(hex_value.decode()).decode("utf-16-be")

    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for code, value in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            mapping[int(code, 16)] = text(value)
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for start, end, value in re.findall(
            rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block
        ):
            first = text(value)
            for offset in range(int(end, 16) - int(start, 16) + 1):
                mapping[int(start, 16) + offset] = first[:-1] + chr(
                    ord(first[-1]) + offset
                )
    return mapping


def _first_page(pdf_bytes):
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(BytesIO(pdf_bytes), strict=False)
    return reader, reader.root["/Pages"]["/Kids"][0]


def _stream_data(contents):
    if hasattr(contents, "data"):
        return contents.data
    # An array of streams (an incremental update may split the contents).
    return b"\n".join(part.get_object().data for part in contents)


def read_text(pdf_bytes):
    """The text of the first page, a line per text line, as a reader sees it."""
    _, page = _first_page(pdf_bytes)
    resources = page["/Resources"]
    fonts = resources["/Font"] if "/Font" in resources else {}
    maps = {name: _to_unicode_map(fonts[name]) for name in fonts}
    lines = []
    line = []
    current = {}
    for op, operands in _operations(_stream_data(page["/Contents"])):
        if op == "Tf" and operands:
            current = maps.get(operands[0], {})
        elif op in ("Tj", "'", '"') and operands:
            if op != "Tj" and line:
                lines.append("".join(line))
                line = []
            line.append("".join(current.get(b, chr(b)) for b in operands[-1]))
        elif op == "TJ" and operands:
            for part in operands[0]:
                if isinstance(part, bytes):
                    line.append("".join(current.get(b, chr(b)) for b in part))
                elif part < -200:
                    line.append(" ")
        elif op in ("T*", "ET", "Td", "TD", "Tm") and line:
            lines.append("".join(line))
            line = []
    if line:
        lines.append("".join(line))
    return "\n".join(lines)


def read_qr_modules(pdf_bytes):
    """The modules of the QR code drawn by :func:`render` (rows of booleans).

    ``None`` when the page has no ``QRCode`` form.
    """
    _, page = _first_page(pdf_bytes)
    resources = page["/Resources"]
    xobjects = resources["/XObject"] if "/XObject" in resources else {}
    name = f"/FormXob.{QR_FORM}"
    if name not in xobjects:
        return None
    form = xobjects[name]
    count = int(form["/BBox"][2])
    modules = [[False] * count for _ in range(count)]
    for op, operands in _operations(form.data):
        if op == "re":
            x, y, width, height = (int(round(v)) for v in operands)
            for row in range(count - y - height, count - y):
                for col in range(x, x + width):
                    modules[row][col] = True
    return modules
