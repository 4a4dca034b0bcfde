"""The settle-once rules, message by message (the gateway's real digests, no HTTP)."""

from .conftest import signed
from decimal import Decimal
from municipality.core import outbox
from municipality.payments import api
from municipality.payments import ledger as ledgers
from municipality.payments import settlement
from plone import api as ploneapi
from zope.component.hooks import setSite

import pytest


@pytest.fixture
def site(integration):
    portal = integration["portal"]
    setSite(portal)
    ploneapi.portal.set_registry_record(
        "municipality.bank.url", "http://127.0.0.1:9/bank"
    )
    ploneapi.portal.set_registry_record(
        "municipality.outbox.alert_email", "operators@example.gr"
    )
    return portal


def _payment(ref="D-1", amount="12.50"):
    return api.create_payment(
        [
            api.Item(
                kind="debt",
                ref=ref,
                description=f"Οφειλή {ref}",
                amount=Decimal(amount),
            )
        ],
        "debts",
        email="payer@example.gr",
    )


def _receive(payment, status="CAPTURED", **changes):
    return settlement.receive_notification(signed(payment, status, **changes))


def _keys(payment):
    return sorted(
        key
        for key in outbox.get_outbox().keys
        if key.endswith(payment.id) or f"{payment.id}:" in key
    )


def _settling_keys(payment):
    """The posting and receipt items: only a payment that became paid has them."""
    return [
        key
        for key in _keys(payment)
        if key.startswith(("payments.post:", "payments.receipt:"))
    ]


def test_paid_once_then_duplicates(site):
    payment = _payment()
    result = _receive(payment)
    assert (result.status, result.outcome) == (200, "applied")
    assert payment.state == "paid"
    assert payment.paid_amount == Decimal("12.50")
    assert payment.bank_payment_ref
    for _ in range(3):
        assert _receive(payment).outcome == "duplicate"
    assert payment.state == "paid"
    assert _keys(payment) == [
        f"payments.post:{payment.id}",
        f"payments.receipt:{payment.id}",
        f"payments.status:{payment.id}:1",
    ]
    # The same message three times more: one duplicate entry, counted.
    assert [e["outcome"] for e in payment.log[1:]] == ["applied", "duplicate"]
    assert payment.log[-1]["repeats"] == 2
    assert payment.log[-1]["last_time"] >= payment.log[-1]["time"]
    assert "repeats" not in payment.log[1]


def test_replays_do_not_grow_the_log(site):
    """A validly signed message can be replayed any number of times: the log
    keeps one entry for it and counts; a different message is a new entry."""
    payment = _payment()
    _receive(payment)
    for _ in range(50):
        assert _receive(payment).outcome == "duplicate"
    assert len(payment.log) == 3
    assert payment.log[-1]["repeats"] == 49
    # Another message (another bank transaction): an entry of its own (and
    # the operators' note of a second capture).
    assert _receive(payment, txId="123").outcome == "duplicate"
    duplicates = [e for e in payment.log if e["outcome"] == "duplicate"]
    assert [e.get("repeats", 0) for e in duplicates] == [49, 0]
    length = len(payment.log)
    assert _receive(payment, txId="123").outcome == "duplicate"
    assert len(payment.log) == length
    duplicates = [e for e in payment.log if e["outcome"] == "duplicate"]
    assert [e.get("repeats", 0) for e in duplicates] == [49, 1]


def test_a_second_capture_of_one_order_needs_attention(site):
    payment = _payment()
    _receive(payment)
    assert not payment.attention
    assert _receive(payment, txId="123").outcome == "duplicate"
    assert payment.attention
    assert outbox.get_item(f"payments.attention:{payment.id}:second_capture")


@pytest.mark.parametrize(
    ("first", "second", "state", "outcome"),
    [
        ("REFUSED", "REFUSED", "failed", "duplicate"),
        ("ERROR", "REFUSED", "failed", "duplicate"),
        ("CANCELED", "CANCELED", "cancelled", "duplicate"),
        ("REFUSED", "CANCELED", "failed", "ignored"),
        ("CAPTURED", "REFUSED", "paid", "ignored"),
        ("CAPTURED", "CANCELED", "paid", "ignored"),
    ],
)
def test_final_states_are_not_undone(site, first, second, state, outcome):
    payment = _payment()
    assert _receive(payment, first).outcome == "applied"
    assert _receive(payment, second).outcome == outcome
    assert payment.state == state


def test_pending_is_only_noted(site):
    payment = _payment()
    assert _receive(payment, "PROCESSING").outcome == "info"
    assert payment.state == "started"


@pytest.mark.parametrize("before", ["failed", "cancelled", "expired"])
def test_paid_after_it_was_over_is_paid_and_operators_told(site, before):
    payment = _payment()
    ledgers.change_state(payment, before)
    assert ledgers.live_payments(["D-1"]) == {}
    assert _receive(payment).outcome == "applied"
    assert payment.state == "paid"
    assert payment.attention
    assert ledgers.live_payments(["D-1"]) == {"D-1": payment}
    mail = outbox.get_item(f"payments.attention:{payment.id}:paid_after_{before}")
    assert mail.payload["to"] == "operators@example.gr"
    assert payment.id in mail.payload["subject"]
    # Still posted and receipted, once.
    assert outbox.get_item(f"payments.post:{payment.id}") is not None


def test_an_item_paid_by_two_payments_needs_attention(site):
    first = _payment("D-5")
    ledgers.change_state(first, "expired")
    second = _payment("D-5")
    _receive(second)
    assert not second.attention
    _receive(first)  # the bank took the money of the expired one too
    assert first.state == "paid"
    assert "ξοφληθεί" in first.attention
    assert first.id != second.id


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"orderAmount": "12.49"}, "amount"),
        ({"orderAmount": None}, "amount"),
        ({"currency": "USD"}, "currency"),
        ({"currency": None}, "currency"),
    ],
)
def test_a_signed_paid_that_does_not_match_needs_attention(site, changes, reason):
    payment = _payment()
    for _ in range(2):
        result = _receive(payment, **changes)
        assert result.status == 400
        assert result.reason.startswith(reason)
    # Not settled: no posting, no receipt.
    assert payment.state == "started"
    assert payment.paid_amount is None
    assert _settling_keys(payment) == []
    # Signed by the bank: in the payment's log, and the operators told once.
    rejected = [e for e in payment.log if e["outcome"] == "rejected"]
    assert len(rejected) == 2
    assert all(e["verified"] for e in rejected)
    assert "άλλο ποσό ή νόμισμα" in payment.attention
    assert reason in payment.attention
    mail = outbox.get_item(f"payments.attention:{payment.id}:paid_mismatch")
    assert mail.payload["to"] == "operators@example.gr"
    assert payment.id in mail.payload["subject"]
    # It may still be paid as asked.
    assert _receive(payment).outcome == "applied"
    assert payment.state == "paid"


def test_a_signed_refusal_that_does_not_match_is_only_logged(site):
    payment = _payment()
    result = _receive(payment, "REFUSED", orderAmount="99.00")
    assert result.status == 400
    assert payment.state == "started"
    assert payment.log[-1]["outcome"] == "rejected"
    assert not payment.attention


def test_a_status_answer_paid_with_another_amount_needs_attention(site):
    payment = _payment()
    message = settlement.gateway().verify(signed(payment, orderAmount="1.25"))
    assert settlement.apply_status(payment, message, "status") == "rejected"
    assert payment.state == "started"
    assert "1.25 instead of 12.50" in payment.attention
    assert outbox.get_item(f"payments.attention:{payment.id}:paid_mismatch")
    assert _settling_keys(payment) == []


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"secret": "guessed"}, "digest"),
        ({"mid": "0099999999"}, "merchant"),
        ({"digest": None}, "missing"),
    ],
)
def test_unsigned_messages_stay_out_of_the_payment(site, changes, reason):
    payment = _payment()
    secret = changes.pop("secret", None)
    drop_digest = "digest" in changes
    fields = signed(payment, **({"secret": secret} if secret else {}), **changes)
    if drop_digest:
        fields = [f for f in fields if f[0] != "digest"]
    for _ in range(5):
        result = settlement.receive_notification(fields)
        assert (result.status, result.payment) == (400, None)
        assert result.reason.startswith(reason)
        assert settlement.receive_return(fields) is None
    # The payment's own log is untouched; the bank was not asked.
    assert [e["reason"] for e in payment.log] == ["created"]
    assert payment.last_bank_check is None
    assert not payment.attention
    assert _keys(payment) == [f"payments.status:{payment.id}:1"]
    # The site's capped log has them, with the order they claim.
    entries = ledgers.get_ledger().rejected_entries()
    assert len(entries) == 10
    assert {e["order_id"] for e in entries} == {payment.order_id}
    assert {e["payment"] for e in entries} == {""}
    assert {e["source"] for e in entries} == {"notify", "return"}
    assert not any(e["verified"] for e in entries)


def test_unsigned_fields_are_kept_bounded(site):
    fields = [("orderid", "x" * 5000)] + [(f"f{i}", "v") for i in range(100)]
    assert settlement.receive_notification(fields).status == 400
    (entry,) = ledgers.get_ledger().rejected_entries()
    assert len(entry["fields"]) == settlement.REJECTED_FIELDS_KEEP
    assert len(entry["order_id"]) == settlement.REJECTED_VALUE_KEEP


def test_a_signed_return_asks_the_bank_at_most_every_30_seconds(site):
    payment = _payment()
    fields = signed(payment)
    assert settlement.receive_return(fields, now=1000.0) is payment
    assert payment.last_bank_check == 1000.0
    assert settlement.receive_return(fields, now=1029.0) is payment
    assert payment.last_bank_check == 1000.0
    assert settlement.receive_return(fields, now=1030.0) is payment
    assert payment.last_bank_check == 1030.0
    # The bank (nothing at 127.0.0.1:9) was asked twice, the return logged
    # three times; nothing settled from the return itself.
    reasons = [e["reason"] for e in payment.log[1:]]
    assert [r.split(":")[0] for r in reasons] == [
        "browser return",
        "status query failed",
        "browser return",
        "browser return",
        "status query failed",
    ]
    assert payment.state == "started"


def test_bank_form(site):
    payment = _payment(amount="1234.50")
    form = settlement.bank_form(payment)
    fields = dict(form.fields)
    assert form.action.endswith("/bank/vpos/shophandlermpi")
    assert fields["orderid"] == payment.order_id
    assert fields["orderAmount"] == "1234.50"
    assert fields["currency"] == "EUR"
    assert fields["confirmUrl"].endswith("/@@vpos/confirm")
    assert fields["cancelUrl"].endswith("/@@vpos/cancel")
    assert fields["payerEmail"] == "payer@example.gr"
    assert payment.id in fields["orderDesc"]
    assert form.fields[-1][0] == "digest"
    ledgers.change_state(payment, "failed")
    with pytest.raises(api.PaymentError) as caught:
        settlement.bank_form(payment)
    assert caught.value.field == "payment"


def test_messages_survive_the_outbox_as_json(site):
    payment = _payment()
    message = settlement.gateway().verify(signed(payment))
    again = settlement.message_from_json(settlement.message_to_json(message))
    assert again == message
    assert settlement.message_from_json(None) is None
