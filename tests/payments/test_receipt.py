"""The receipt PDF: what it prints, in Greek, deterministically; made from a payment."""

from datetime import datetime
from decimal import Decimal
from io import BytesIO
from municipality.certificates.pdf import Municipality
from municipality.certificates.pdf import read_text
from municipality.payments import api
from municipality.payments import ledger as ledgers
from municipality.payments import receipt
from plone import api as ploneapi
from zoneinfo import ZoneInfo
from zope.component.hooks import setSite

import pytest
import time


ATHENS = ZoneInfo("Europe/Athens")


def _data(lines=None, **changes):
    values = {
        "municipality": Municipality(
            name="Δήμος Παραδείγματος",
            address="Πλατεία Δημαρχείου 1",
            postal_code="10000",
            city="Παράδειγμα",
            phone="210 0000000",
            email="info@example.gov.gr",
            tax_number="090000045",
        ),
        "number": "ΠΛΗ-2026/000123",
        "paid_at": datetime(2026, 3, 15, 9, 5, tzinfo=ATHENS),
        "lines": lines
        or (
            receipt.ReceiptLine(
                "ΤΑΠ 2025, Ερμού 10",
                Decimal("1234.56"),
                "Τέλος ακίνητης περιουσίας",
                "RF18539007547034",
                "D-1",
            ),
            receipt.ReceiptLine("Μίσθωμα Μαρτίου", Decimal("0.44"), "Μισθώματα"),
        ),
        "total": Decimal("1235.00"),
        "payer_name": "Μαρία Παπαδοπούλου",
        "payer_afm": "123456783",
        "payer_email": "maria@example.gr",
        "channel": "debts",
        "bank_reference": "482910",
        "bank_transaction": "900000012",
        "order_id": "2026000123at1773558300",
        "pay_method": "visa",
        "note": "Η απόδειξη ισχύει χωρίς υπογραφή.",
    }
    values.update(changes)
    return receipt.ReceiptData(**values)


def _pages(pdf):
    from pyhanko.pdf_utils.reader import PdfFileReader

    return int(PdfFileReader(BytesIO(pdf), strict=False).root["/Pages"]["/Count"])


def test_receipt_prints_everything_in_greek():
    pdf = receipt.render(_data())
    assert pdf.startswith(b"%PDF")
    text = read_text(pdf)
    for expected in (
        "ΕΛΛΗΝΙΚΗ ΔΗΜΟΚΡΑΤΙΑ",
        "ΔΗΜΟΣ ΠΑΡΑΔΕΙΓΜΑΤΟΣ",
        "ΑΠΟΔΕΙΞΗ ΠΛΗΡΩΜΗΣ",
        "ΠΛΗ-2026/000123",
        "15/03/2026 09:05",
        "Μαρία Παπαδοπούλου",
        "123456783",
        "ΤΑΠ 2025, Ερμού 10",
        "Τέλος ακίνητης περιουσίας",
        "RF18 5390 0754 7034",
        "1.234,56 €",
        "0,44 €",
        "1.235,00 €",
        "482910",
        "2026000123at1773558300",
        "Οι οφειλές μου",
        "Η απόδειξη ισχύει χωρίς υπογραφή.",
    ):
        assert expected in text, expected
    assert _pages(pdf) == 1


def test_receipt_is_deterministic():
    assert receipt.render(_data()) == receipt.render(_data())
    assert receipt.render(_data()) != receipt.render(_data(bank_reference="111111"))


def test_many_items_flow_onto_more_pages():
    lines = tuple(
        receipt.ReceiptLine(f"Δόση {i} ρύθμισης", Decimal("10.00"), "Δόσεις ρυθμίσεων")
        for i in range(1, 81)
    )
    pdf = receipt.render(_data(lines=lines, total=Decimal("800.00")))
    assert _pages(pdf) >= 2
    assert "Δόση 1 ρύθμισης" in read_text(pdf)


def test_the_helper_process_draws_the_same_bytes_and_stops():
    data = _data()
    assert receipt.render_beside(data) == receipt.render(data)
    (process,) = receipt._helper._processes.values()
    assert process.is_alive()
    receipt.stop_helper()
    assert not process.is_alive()
    assert receipt._helper is None
    # The next receipt starts another.
    assert receipt.render_beside(data) == receipt.render(data)
    receipt.stop_helper()


def test_a_helper_that_does_not_end_is_killed():
    pool = receipt._helper_pool()
    pool.submit(time.sleep, 60)
    (process,) = pool._processes.values()
    start = time.monotonic()
    receipt.stop_helper(timeout=1)
    assert time.monotonic() - start < 10
    assert not process.is_alive()
    assert receipt._helper is None


@pytest.fixture
def site(integration):
    portal = integration["portal"]
    setSite(portal)
    return portal


def test_receipt_of_a_payment_with_the_settings_note(site):
    ploneapi.portal.set_registry_record(
        "municipality.payments.receipt_note", "Για πληροφορίες: 210 1234567."
    )
    payment = api.create_payment(
        [
            api.Item(
                kind="fine",
                ref="F-1",
                description="Κλήση 123456, όχημα IKT1234",
                amount=Decimal("30.00"),
                category="traffic_fines",
            )
        ],
        "fine",
        email="driver@example.gr",
    )
    payment.paid_at = datetime(2026, 3, 15, 9, 5, tzinfo=ATHENS).timestamp()
    payment.paid_amount = Decimal("30.00")
    payment.paid_currency = "EUR"
    payment.bank_payment_ref = "123456"
    ledgers.change_state(payment, "paid")
    data = receipt.receipt_data(payment)
    assert data.total == Decimal("30.00")
    assert data.payer_email == "driver@example.gr"
    text = read_text(receipt.render_receipt(payment))
    assert "Πρόστιμα Κ.Ο.Κ." in text
    assert "Πληρωμή κλήσης Κ.Ο.Κ." in text
    assert "Για πληροφορίες: 210 1234567." in text
    assert "30,00 €" in text
    assert receipt.receipt_filename(payment).endswith(".pdf")
    assert "/" not in receipt.receipt_filename(payment)
