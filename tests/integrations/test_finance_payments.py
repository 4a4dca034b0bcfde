"""Posting payments to finance with the client, against the simulator, over HTTP.

The posting is what the outbox delivers after the bank settled a payment:
idempotent by transaction id, never refused for business reasons.
"""

from datetime import datetime
from decimal import Decimal
from municipality.certificates.testing import afm_for
from municipality.integrations.errors import ExternalSystemBadResponse
from municipality.integrations.errors import ExternalSystemRejected
from municipality.integrations.errors import ExternalSystemUnavailable
from municipality.integrations.finance import FinanceClient
from municipality.integrations.finance import PostingReceipt
from zoneinfo import ZoneInfo

import pytest
import re


ATHENS = ZoneInfo("Europe/Athens")
RECEIPT = re.compile(r"^ΓΡ-\d{4}/\d{6}$")


@pytest.fixture
def client(simulators):
    return FinanceClient(f"{simulators.url}/finance", timeout=2)


@pytest.fixture
def debt(client):
    """A debt of 100.00 € of its own, due in the future (no surcharges)."""
    return client.certify_debt(
        afm_for("fin-posting"),
        "ΔΟΚΙΜΑΣΤΙΚΟΣ ΟΦΕΙΛΕΤΗΣ",
        "other_fines",
        "Πρόστιμο δοκιμής",
        Decimal("100.00"),
        datetime(2099, 1, 31).date(),
    )


def _post(client, transaction_id, items, **change):
    arguments = {
        "transaction_id": transaction_id,
        "items": items,
        "amount": sum((Decimal(str(i["amount"])) for i in items), Decimal(0)),
        "currency": "EUR",
        "paid_at": datetime.now(ATHENS).replace(microsecond=0),
        "bank_reference": "482910",
        "channel": "debts",
        "payer": {"userid": "verified", "fullname": "Γιώργος Νικολάου"},
    }
    arguments.update(change)
    return client.post_payment(**arguments)


def _item(debt, amount=None):
    return {
        "kind": debt.kind,
        "ref": debt.id,
        "amount": amount if amount is not None else debt.amount,
        "description": debt.description,
        "details": {"rf_code": debt.rf_code},
    }


def test_post_a_payment(client, debt):
    receipt = _post(client, "PAY-client-1", [_item(debt)])
    assert isinstance(receipt, PostingReceipt)
    assert receipt.transaction_id == "PAY-client-1"
    assert RECEIPT.match(receipt.receipt_number)
    assert receipt.duplicate is False
    assert receipt.warnings == ()
    assert datetime.fromisoformat(receipt.posted_at).tzinfo is not None
    # Paid: gone from the debts, its code says so.
    assert client.debts(debt.afm) == ()
    with pytest.raises(ExternalSystemRejected) as info:
        client.debt_by_code(debt.rf_code)
    assert info.value.status == 409


def test_posting_again_answers_the_same_receipt(client, debt):
    first = _post(client, "PAY-client-again", [_item(debt)])
    again = _post(client, "PAY-client-again", [_item(debt)])
    assert again.duplicate is True
    assert again.receipt_number == first.receipt_number
    assert again.warnings == ()
    posting = client.payment("PAY-client-again")
    assert posting["requests"] == 2
    assert posting["receipt_number"] == first.receipt_number
    assert posting["items"][0]["amount"] == "100.00"
    assert posting["items"][0]["details"] == {"rf_code": debt.rf_code}


def test_other_content_under_the_same_id_is_409(client, debt):
    _post(client, "PAY-client-conflict", [_item(debt)])
    with pytest.raises(ExternalSystemRejected) as info:
        _post(client, "PAY-client-conflict", [_item(debt)], bank_reference="999999")
    assert info.value.status == 409
    assert "bank_reference" in info.value.message


def test_a_debt_paid_twice_is_accepted_with_a_refund_warning(client, debt):
    first = _post(client, "PAY-client-twice-1", [_item(debt)])
    second = _post(client, "PAY-client-twice-2", [_item(debt)])
    assert second.duplicate is False
    assert second.receipt_number != first.receipt_number
    [warning] = second.warnings
    assert warning["code"] == "already_paid"
    assert warning["refund"] == "100.00"
    assert warning["receipt_number"] == first.receipt_number


def test_a_fine_and_a_declaration_in_one_payment(client):
    fine = client.find_fine("000123", "ΙΚΤ-1234")
    items = [
        {
            "kind": "fine",
            "ref": fine.id,
            "amount": fine.total,
            "description": "Κλήση 000123",
        },
        {
            "kind": "declaration",
            "ref": "5a4b3c2d1e",
            "amount": Decimal("12.50"),
            "description": "Δημοτικός φόρος 03/2026",
            "details": {"period": "2026-03", "gross_revenue": "2500.00"},
        },
    ]
    receipt = _post(client, "PAY-client-mixed", items, channel="fine", payer=None)
    assert receipt.warnings == ()
    assert client.find_fine("000123", "IKT1234").status == "paid"
    posting = client.payment("PAY-client-mixed")
    assert posting["amount"] == "42.50"
    assert posting["payer"] is None
    assert [i["kind"] for i in posting["items"]] == ["fine", "declaration"]


def test_a_transaction_id_in_greek_is_read_back(client, debt):
    receipt = _post(client, "ΠΛΗ-2026.000012", [_item(debt)])
    assert client.payment("ΠΛΗ-2026.000012")["receipt_number"] == (
        receipt.receipt_number
    )
    assert client.payment("PAY-never-posted") is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": Decimal("99.99")}, "amount"),
        ({"currency": "USD"}, "currency"),
        ({"paid_at": "χθες"}, "paid_at"),
        ({"transaction_id": "PAY/1"}, "transaction_id"),
        ({"items": []}, "items"),
    ],
)
def test_malformed_postings_are_refused(client, debt, change, field):
    arguments = {"transaction_id": "PAY-client-bad", "items": [_item(debt)]}
    arguments.update(change)
    with pytest.raises(ExternalSystemRejected) as info:
        _post(client, **arguments)
    assert info.value.status == 400
    assert field in info.value.message
    assert client.payment("PAY-client-bad") is None
    assert client.debts(debt.afm) == (debt,)


def test_a_float_amount_is_refused_before_calling(client, debt):
    with pytest.raises(TypeError, match="never float"):
        _post(client, "PAY-client-float", [_item(debt, amount=100.0)])


@pytest.mark.parametrize("mode", [{"mode": "down"}, {"mode": "error", "status": 500}])
def test_an_unavailable_system_is_retried_later(client, simulators, debt, mode):
    simulators.set_mode("finance", **mode)
    with pytest.raises(ExternalSystemUnavailable):
        _post(client, "PAY-client-down", [_item(debt)])
    with pytest.raises(ExternalSystemUnavailable):
        client.payment("PAY-client-down")
    # Up again: the retry posts it once.
    simulators.set_mode("finance", mode="up")
    assert _post(client, "PAY-client-down", [_item(debt)]).duplicate is False


def test_receipts_of_another_shape_are_bad_responses(client):
    good = {
        "transaction_id": "T",
        "receipt_number": "ΓΡ-2026/000001",
        "posted_at": "2026-01-01T00:00:00+02:00",
        "duplicate": False,
        "warnings": [],
    }
    assert client._receipt(good).receipt_number == "ΓΡ-2026/000001"
    for bad in (
        {k: v for k, v in good.items() if k != "receipt_number"},
        {**good, "receipt_number": ""},
        {**good, "warnings": "none"},
        {**good, "warnings": ["none"]},
        ["not", "an", "object"],
    ):
        with pytest.raises(ExternalSystemBadResponse):
            client._receipt(bad)
