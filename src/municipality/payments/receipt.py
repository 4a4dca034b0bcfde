"""The payment receipt (Απόδειξη πληρωμής) as a Greek PDF.

:func:`render` draws a :class:`ReceiptData`, a plain object with everything
printed (testable without Zope); :func:`receipt_data` builds one from a
:class:`~municipality.payments.ledger.Payment` and the settings;
:func:`render_receipt` does both. It is made by the ``payments.receipt``
outbox item once the bank confirmed the payment, stored on the payment and
mailed to the payer.

The page: the municipality's header (as on its certificates), «ΑΠΟΔΕΙΞΗ
ΠΛΗΡΩΜΗΣ» with the payment's number and the time the bank confirmed it,
the payer, a table of what was paid (description, category, RF code,
amount), the total, the bank's references, the finance system's receipt
number when it is already known, and the receipt note of the «Πληρωμές»
control panel. Text is real text in DejaVu Sans (Greek glyphs, searchable);
the output is deterministic (reportlab's invariant mode, the payment time
as creation date), so a receipt made again is the same file.
"""

from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from io import BytesIO
from municipality import logger
from municipality.certificates.pdf import _tz_offset
from municipality.certificates.pdf import draw_letterhead
from municipality.certificates.pdf import FONT
from municipality.certificates.pdf import FONT_BOLD
from municipality.certificates.pdf import Municipality
from municipality.certificates.pdf import register_fonts
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph
from reportlab.platypus import SimpleDocTemplate
from reportlab.platypus import Spacer
from reportlab.platypus import Table
from reportlab.platypus import TableStyle
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

import multiprocessing
import os
import threading


TIMEZONE = ZoneInfo("Europe/Athens")
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
HEADER_HEIGHT = 34 * mm
TITLE = "ΑΠΟΔΕΙΞΗ ΠΛΗΡΩΜΗΣ"

KIND_TITLES = {
    "debt": "Βεβαιωμένη οφειλή",
    "fine": "Πρόστιμο Κ.Ο.Κ.",
    "declaration": "Δήλωση δημοτικού φόρου",
}
CHANNEL_TITLES = {
    "debts": "Οι οφειλές μου",
    "code": "Πληρωμή με κωδικό RF",
    "fine": "Πληρωμή κλήσης Κ.Ο.Κ.",
    "municipal_tax": "Δημοτικός φόρος",
}


@dataclass(frozen=True)
class ReceiptLine:
    description: str
    amount: Decimal
    category: str = ""  # its title, as printed
    rf_code: str = ""
    ref: str = ""


@dataclass(frozen=True)
class ReceiptData:
    """Everything printed on a receipt; ``paid_at`` is an aware datetime."""

    municipality: Municipality
    number: str
    paid_at: datetime
    lines: tuple
    total: Decimal
    currency: str = "EUR"
    payer_name: str = ""
    payer_afm: str = ""
    payer_email: str = ""
    channel: str = ""
    bank_reference: str = ""
    bank_transaction: str = ""
    order_id: str = ""
    pay_method: str = ""
    finance_receipt: str = ""
    note: str = ""

    @property
    def local_paid_at(self):
        return self.paid_at.astimezone(TIMEZONE)


def format_amount(amount, currency="EUR"):
    """``Decimal("1234.5")`` → «1.234,50 €»."""
    text = f"{Decimal(amount):,.2f}"
    text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return f"{text} €" if currency == "EUR" else f"{text} {currency}"


def _p(text, style):
    return Paragraph(escape(text or ""), style)


def _styles():
    base = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=13)
    return {
        "body": base,
        "small": ParagraphStyle("small", base, fontSize=8, leading=10.5),
        "bold": ParagraphStyle("bold", base, fontName=FONT_BOLD),
        "right": ParagraphStyle("right", base, alignment=TA_RIGHT),
        "right_bold": ParagraphStyle(
            "right_bold", base, fontName=FONT_BOLD, alignment=TA_RIGHT
        ),
        "head": ParagraphStyle(
            "head", base, fontName=FONT_BOLD, fontSize=8.5, leading=11
        ),
        "title": ParagraphStyle(
            "title",
            base,
            fontName=FONT_BOLD,
            fontSize=15,
            leading=20,
            alignment=TA_CENTER,
        ),
        "subtitle": ParagraphStyle("subtitle", base, alignment=TA_CENTER),
        "note": ParagraphStyle(
            "note", base, fontSize=8.5, leading=11.5, textColor=colors.HexColor("#444")
        ),
    }


def _header(canvas, doc, data):
    """The municipality, its contacts and the receipt's number, on every page."""
    canvas.saveState()
    top = PAGE_HEIGHT - MARGIN
    right = PAGE_WIDTH - MARGIN
    rows = [
        ("Αρ. απόδειξης:", data.number),
        ("Ημερομηνία:", data.local_paid_at.strftime("%d/%m/%Y %H:%M")),
    ]
    draw_letterhead(
        canvas, data.municipality, rows, MARGIN, top, right, (28 * mm, 20 * mm)
    )
    rule = PAGE_HEIGHT - MARGIN - HEADER_HEIGHT + 4 * mm
    canvas.setStrokeColor(colors.HexColor("#1f3a5f"))
    canvas.setLineWidth(0.8)
    canvas.line(MARGIN, rule, right, rule)
    # Footer: page number.
    canvas.setFont(FONT, 7.5)
    canvas.setFillColor(colors.HexColor("#555"))
    canvas.drawRightString(
        right, MARGIN / 2, f"{data.number} · σελίδα {canvas.getPageNumber()}"
    )
    canvas.restoreState()


def _facts(rows, styles):
    table = Table(
        [
            [_p(f"{label}:", styles["body"]), _p(value, styles["bold"])]
            for label, value in rows
        ],
        colWidths=[48 * mm, PAGE_WIDTH - 2 * MARGIN - 48 * mm],
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    return table


def _items_table(data, styles):
    width = PAGE_WIDTH - 2 * MARGIN
    widths = [
        10 * mm,
        width - 10 * mm - 45 * mm - 48 * mm - 28 * mm,
        45 * mm,
        48 * mm,
        28 * mm,
    ]
    rows = [
        [
            _p("α/α", styles["head"]),
            _p("Περιγραφή", styles["head"]),
            _p("Κατηγορία", styles["head"]),
            _p("Κωδικός πληρωμής", styles["head"]),
            _p("Ποσό", ParagraphStyle("h", styles["head"], alignment=TA_RIGHT)),
        ]
    ]
    for index, line in enumerate(data.lines, 1):
        rows.append(
            [
                _p(str(index), styles["body"]),
                _p(line.description, styles["body"]),
                _p(line.category, styles["small"]),
                _p(_format_rf(line.rf_code), styles["small"]),
                _p(format_amount(line.amount, data.currency), styles["right"]),
            ]
        )
    rows.append(
        [
            "",
            _p("Σύνολο", styles["bold"]),
            "",
            "",
            _p(format_amount(data.total, data.currency), styles["right_bold"]),
        ]
    )
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.HexColor("#1f3a5f")),
                ("LINEABOVE", (0, -1), (-1, -1), 0.6, colors.HexColor("#1f3a5f")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f7")),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _format_rf(code):
    code = "".join((code or "").split()).upper()
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


def _story(data, styles):
    story = [
        _p(TITLE, styles["title"]),
        _p(
            f"Αρ. {data.number} · {data.local_paid_at.strftime('%d/%m/%Y %H:%M')}",
            styles["subtitle"],
        ),
        Spacer(0, 6 * mm),
    ]
    payer = []
    if data.payer_name:
        payer.append(("Πληρωτής", data.payer_name))
    if data.payer_afm:
        payer.append(("ΑΦΜ", data.payer_afm))
    if data.payer_email:
        payer.append(("Email", data.payer_email))
    if data.channel:
        payer.append(("Υπηρεσία", CHANNEL_TITLES.get(data.channel, data.channel)))
    if payer:
        story += [_facts(payer, styles), Spacer(0, 5 * mm)]
    story += [_items_table(data, styles), Spacer(0, 6 * mm)]
    bank_rows = [("Τρόπος πληρωμής", _pay_method(data.pay_method))]
    if data.bank_reference:
        bank_rows.append(("Αναφορά τράπεζας", data.bank_reference))
    if data.bank_transaction and data.bank_transaction != data.bank_reference:
        bank_rows.append(("Κωδικός συναλλαγής", data.bank_transaction))
    if data.order_id:
        bank_rows.append(("Αρ. παραγγελίας", data.order_id))
    if data.finance_receipt:
        bank_rows.append(("Αρ. γραμματίου είσπραξης", data.finance_receipt))
    story += [_facts(bank_rows, styles), Spacer(0, 8 * mm)]
    story.append(
        _p(
            "Η πληρωμή εγκρίθηκε από την τράπεζα και καταχωρείται στην Οικονομική "
            "Υπηρεσία του Δήμου. Φυλάξτε την απόδειξη αυτή.",
            styles["note"],
        )
    )
    for paragraph in (data.note or "").split("\n\n"):
        if paragraph.strip():
            story += [
                Spacer(0, 3 * mm),
                _p(" ".join(paragraph.split()), styles["note"]),
            ]
    return story


def _pay_method(method):
    method = (method or "").strip()
    if not method or method.lower() in ("card", "visa", "mastercard", "maestro"):
        return "Κάρτα" + (f" ({method})" if method and method.lower() != "card" else "")
    if method.upper() == "IRIS":
        return "IRIS"
    return method


def render(data):
    """The receipt described by ``data`` as PDF bytes (A4, as many pages as
    the items need)."""
    register_fonts()
    out = BytesIO()
    paid = data.local_paid_at
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN + HEADER_HEIGHT,
        bottomMargin=MARGIN,
        title=f"Απόδειξη πληρωμής {data.number}",
        author=data.municipality.name,
        subject=data.number,
        creator=data.municipality.name,
        invariant=1,
        lang="el-GR",
    )

    def on_page(canvas, document):
        canvas.setDateFormatter(
            lambda *_: paid.strftime("D:%Y%m%d%H%M%S") + _tz_offset(paid)
        )
        _header(canvas, document, data)

    doc.build(_story(data, _styles()), onFirstPage=on_page, onLaterPages=on_page)
    return out.getvalue()


# -- from a payment -----------------------------------------------------------------


def _category_title(code):
    try:
        from municipality.integrations.finance import CATEGORY_TITLES
    except ImportError:  # pragma: no cover - older finance module
        CATEGORY_TITLES = {}
    return CATEGORY_TITLES.get(code, code or "")


def receipt_data(payment):
    """The :class:`ReceiptData` of a paid ``payment``, with the settings' note."""
    from municipality.certificates.pdf import municipality_from_registry
    from municipality.payments import settings

    lines = tuple(
        ReceiptLine(
            description=item["description"],
            amount=Decimal(item["amount"]),
            category=_category_title(item.get("category"))
            or KIND_TITLES.get(item["kind"], ""),
            rf_code=item.get("rf_code") or "",
            ref=item["ref"],
        )
        for item in payment.items
    )
    paid_at = payment.paid_at or payment.settled or payment.created
    return ReceiptData(
        municipality=municipality_from_registry(),
        number=payment.id,
        paid_at=datetime.fromtimestamp(paid_at, TIMEZONE),
        lines=lines,
        total=payment.paid_amount
        if payment.paid_amount is not None
        else payment.amount,
        currency=payment.paid_currency or payment.currency,
        payer_name=payment.payer_name,
        payer_afm=payment.payer_afm,
        payer_email=payment.email,
        channel=payment.channel,
        bank_reference=payment.bank_payment_ref,
        bank_transaction=payment.bank_transaction_id,
        order_id=payment.order_id,
        pay_method=payment.pay_method,
        finance_receipt=payment.receipt_number,
        note=settings.get("receipt_note") or "",
    )


def render_receipt(payment):
    """The receipt PDF of ``payment``, drawn in the helper process."""
    return render_beside(receipt_data(payment))


# -- drawing beside Zope ----------------------------------------------------------
#
# Drawing a receipt takes some 25 ms of pure Python. In the Zope process it
# would hold the interpreter lock that the request threads need, and a burst
# of payments (the outbox worker drawing hundreds of receipts) would slow the
# bank's notifications several-fold. So receipts are drawn in one helper
# process (spawned, not forked: the Zope process has threads and open
# files), started on first use; ``MUNICIPALITY_RECEIPT_PROCESS=off`` draws
# them in-process. A helper that dies is replaced; if none can be started
# the receipt is drawn in-process.

HELPER_TIMEOUT = 120
_helper = None
_helper_lock = threading.Lock()


def _helper_pool():
    global _helper
    with _helper_lock:
        if _helper is None:
            context = multiprocessing.get_context("spawn")
            _helper = ProcessPoolExecutor(max_workers=1, mp_context=context)
        return _helper


def _drop_helper(pool):
    global _helper
    with _helper_lock:
        if _helper is pool:
            _helper = None
    pool.shutdown(wait=False, cancel_futures=True)


def stop_helper(timeout=10):
    """End the helper process, if one runs; at most ``timeout`` s, then kill it.

    For the end of the process that started it (the test run's, say): the
    interpreter's exit would otherwise wait on the helper with no limit.
    The executor's own shutdown waits for it (its thread alone reaps the
    process); a helper still busy after ``timeout`` is killed, which ends
    that wait.
    """
    global _helper
    with _helper_lock:
        pool, _helper = _helper, None
    if pool is None:
        return
    # The executor names its processes nowhere public; only to kill them.
    processes = list((getattr(pool, "_processes", None) or {}).values())
    stopping = threading.Thread(
        target=pool.shutdown,
        kwargs={"wait": True, "cancel_futures": True},
        name="receipt-helper-stop",
        daemon=True,
    )
    stopping.start()
    stopping.join(timeout)
    if stopping.is_alive():
        for process in processes:
            logger.warning("Receipt helper %s did not end; killing it", process.pid)
            process.kill()
        stopping.join(5)


def render_beside(data):
    """:func:`render` in the helper process (see above); the same bytes."""
    if os.environ.get("MUNICIPALITY_RECEIPT_PROCESS", "on").lower() in (
        "off",
        "0",
        "no",
    ):
        return render(data)
    pool = None
    try:
        pool = _helper_pool()
        return pool.submit(render, data).result(HELPER_TIMEOUT)
    except (BrokenProcessPool, OSError, RuntimeError, TimeoutError) as e:
        logger.warning("Receipt helper process failed (%r); drawing in-process", e)
        if pool is not None:
            _drop_helper(pool)
        return render(data)


def receipt_filename(payment):
    """«ΠΛΗ-2026-000123.pdf» from the number «ΠΛΗ-2026/000123»."""
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in payment.id)
    return f"{safe}.pdf"
