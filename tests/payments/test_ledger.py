"""The ledger: creating payments, their validation, indexes, the log, state events."""

from decimal import Decimal
from municipality.core import outbox
from municipality.core.refnumbers import current_year
from municipality.core.refnumbers import last_number
from municipality.payments import api
from municipality.payments import ledger as ledgers
from municipality.payments.interfaces import IPaymentStateChanged
from municipality.payments.rf import generate
from zope.component import getGlobalSiteManager
from zope.component.hooks import setSite

import pytest
import re
import time


@pytest.fixture
def site(integration):
    portal = integration["portal"]
    setSite(portal)
    return portal


def _item(ref="D-1", amount="12.50", **extra):
    return api.Item(
        kind=extra.pop("kind", "debt"),
        ref=ref,
        description=extra.pop("description", f"Οφειλή {ref}"),
        amount=amount if isinstance(amount, Decimal | float) else Decimal(amount),
        **extra,
    )


PAYER = {"userid": "maria", "fullname": "Μαρία Παπαδοπούλου", "afm": "123456783"}


def test_install_made_the_ledger(site):
    assert ledgers.get_ledger(site) is not None


def test_create_payment(site):
    rf = generate("539007547034")
    payment = api.create_payment(
        [
            _item("D-1", "52.15", category="tap", rf_code=rf),
            _item("D-2", "0.01", details={"afm": "800000002"}),
        ],
        "debts",
        payer=PAYER,
        email="maria@example.gr",
    )
    year = current_year()
    assert re.fullmatch(rf"ΠΛΗ-{year}/\d{{6}}", payment.id)
    assert payment.state == "started"
    assert payment.amount == Decimal("52.16")
    assert isinstance(payment.amount, Decimal)
    assert payment.currency == "EUR"
    assert payment.items[0] == {
        "kind": "debt",
        "ref": "D-1",
        "description": "Οφειλή D-1",
        "amount": "52.15",
        "category": "tap",
        "rf_code": rf,
        "details": {},
    }
    assert payment.items[1]["amount"] == "0.01"
    # The bank's order id: ASCII letters and digits, unique per attempt.
    assert re.fullmatch(r"[A-Za-z0-9]{1,50}", payment.order_id)
    assert payment.order_id.startswith(f"{year}")
    assert len(payment.token) >= 32
    assert api.get_payment(payment.token) is payment
    assert ledgers.get_by_order(payment.order_id) is payment
    assert api.payments_of("maria") == [payment]
    assert payment.afms() == ["123456783", "800000002"]
    assert api.payment_url(payment).endswith(f"/@@payment/{payment.token}")
    assert api.bank_redirect_url(payment) == api.payment_url(payment) + "/bank"
    # The first status check is scheduled, once.
    check = outbox.get_item(f"payments.status:{payment.id}:1")
    assert check is not None
    assert check.next_attempt >= payment.created + 20 * 60 - 1
    (entry,) = payment.log
    assert entry["source"] == "system"
    assert entry["reason"] == "created"
    # Not content: nothing was cataloged.
    assert not site.portal_catalog(SearchableText=payment.id)


@pytest.mark.parametrize(
    ("items", "channel", "email", "field"),
    [
        ([], "debts", "", "items"),
        ([_item(amount="0")], "debts", "", "items"),
        ([_item(amount="-1.00")], "debts", "", "items"),
        ([_item(amount="1.005")], "debts", "", "items"),
        ([_item(amount=1.5)], "debts", "", "items"),
        ([_item(), _item()], "debts", "", "items"),
        ([_item(ref="  ")], "debts", "", "items"),
        ([_item(kind="gift")], "debts", "", "items"),
        ([_item(description=" ")], "debts", "", "items"),
        ([_item(amount="100000000.00")], "debts", "", "items"),
        (["not an item"], "debts", "", "items"),
        ([_item()], "lottery", "", "channel"),
        ([_item()], "debts", "not-an-address", "email"),
        ([_item()], "debts", "a@b", "email"),
    ],
)
def test_bad_payments_are_refused_and_change_nothing(
    site, items, channel, email, field
):
    before = last_number("ΠΛΗ")
    with pytest.raises(api.PaymentError) as caught:
        api.create_payment(items, channel, email=email)
    assert caught.value.field == field
    assert caught.value.message  # a message for the citizen
    assert last_number("ΠΛΗ") == before  # no number spent
    assert not len(ledgers.get_ledger(site).payments)


def test_one_live_payment_per_ref(site):
    first = api.create_payment([_item("D-9")], "debts")
    with pytest.raises(api.PaymentError) as caught:
        api.create_payment([_item("D-8"), _item("D-9")], "debts")
    assert caught.value.field == "items"
    assert api.live_payments(["D-9", "D-8"]) == {"D-9": first}
    # Paid: still live.
    ledgers.change_state(first, "paid")
    with pytest.raises(api.PaymentError):
        api.create_payment([_item("D-9")], "debts")
    # A payment that failed frees its items.
    second_ref = api.create_payment([_item("D-7")], "code")
    ledgers.change_state(second_ref, "failed")
    assert api.live_payments(["D-7"]) == {}
    again = api.create_payment([_item("D-7")], "code")
    assert api.live_payments(["D-7"]) == {"D-7": again}
    # A late PAID of the failed one: both live, the paid one wins.
    ledgers.change_state(second_ref, "paid")
    assert api.live_payments(["D-7"]) == {"D-7": second_ref}


def test_state_changes_fire_one_event_each(site):
    events = []

    def handler(event):
        events.append((event.payment.id, event.old_state, event.new_state))

    gsm = getGlobalSiteManager()
    gsm.registerHandler(handler, (IPaymentStateChanged,))
    try:
        payment = api.create_payment([_item("E-1")], "debts")
        assert events == []  # creation is not a change
        assert ledgers.change_state(payment, "paid")
        assert not ledgers.change_state(payment, "paid")  # no change, no event
        assert ledgers.change_state(payment, "posted")
    finally:
        gsm.unregisterHandler(handler, (IPaymentStateChanged,))
    assert events == [
        (payment.id, "started", "paid"),
        (payment.id, "paid", "posted"),
    ]
    ledger = ledgers.get_ledger(site)
    assert payment.id in ledger.numbers_in_state("posted")
    assert payment.id not in ledger.numbers_in_state("started")
    with pytest.raises(ValueError, match="Unknown payment state"):
        ledgers.change_state(payment, "lost")


def test_the_log_is_append_only(site):
    payment = api.create_payment([_item("L-1")], "debts")
    payment.append_log(
        {
            "source": "notify",
            "outcome": "applied",
            "verified": True,
            "reason": "paid",
            "fields": [("orderid", payment.order_id), ("digest", "abc=")],
        }
    )
    log = payment.log
    assert [e["source"] for e in log] == ["system", "notify"]
    assert log[1]["fields"] == (("orderid", payment.order_id), ("digest", "abc="))
    # What is read is a copy: editing it changes nothing stored.
    log[1]["outcome"] = "rejected"
    assert payment.log[1]["outcome"] == "applied"
    with pytest.raises(ValueError, match="Unknown log source"):
        payment.append_log({"source": "browser", "outcome": "applied"})
    with pytest.raises(ValueError, match="Unknown log outcome"):
        payment.append_log({"source": "notify", "outcome": "maybe"})
    assert len(payment.log) == 2


def test_rejected_log_is_bounded(site, monkeypatch):
    monkeypatch.setattr(ledgers, "REJECTED_KEEP", 5)
    ledger = ledgers.get_ledger(site)
    for i in range(12):
        ledger.log_rejected({"source": "notify", "reason": f"r{i}", "time": 1000 + i})
    entries = ledger.rejected_entries()
    assert [e["reason"] for e in entries] == ["r11", "r10", "r9", "r8", "r7"]
    assert ledger.rejected_count() == 5


def test_search_for_the_staff(site):
    rf = generate("777")
    a = api.create_payment(
        [_item("S-1", rf_code=rf)], "debts", payer=PAYER, email="maria@example.gr"
    )
    b = api.create_payment([_item("S-2", details={"afm": "800000002"})], "code")
    c = api.create_payment([_item("S-3")], "fine")
    ledgers.change_state(b, "failed")
    assert ledgers.search() == [c, b, a]
    assert ledgers.search(text=a.id) == [a]
    assert ledgers.search(text=str(int(a.id.rsplit("/", 1)[1]))) == [a]
    assert ledgers.search(text="123456783") == [a]
    assert ledgers.search(text="800000002") == [b]
    assert ledgers.search(text=c.order_id) == [c]
    assert ledgers.search(text=rf.lower()) == [a]
    assert ledgers.search(text="nothing") == []
    assert ledgers.search(state="failed") == [b]
    assert ledgers.search(channel="fine") == [c]
    assert ledgers.search(start=time.time() + 60) == []
    assert ledgers.search(end=time.time() - 3600) == []
    assert ledgers.search(start=time.time() - 60, state="started") == [c, a]


def test_order_ids_are_unique_and_cannot_be_guessed(site):
    year = current_year()
    payments = [api.create_payment([_item(f"O-{i}")], "debts") for i in range(20)]
    for payment in payments:
        number = payment.id.rsplit("/", 1)[1]
        # Year and number (unique), then 40 random bits; what the bank takes.
        assert re.fullmatch(rf"{year}{number}r[0-9a-f]{{10}}", payment.order_id)
        assert re.fullmatch(r"[A-Za-z0-9]{1,50}", payment.order_id)
        assert ledgers.get_by_order(payment.order_id) is payment
    assert len({p.order_id[-10:] for p in payments}) == len(payments)


def test_status_checks_are_scheduled_within_their_limits(site):
    now = time.time()
    # Past its expiry and the bank still processing: asked again after
    # status_check_after (20 minutes), not at once.
    payment = ledgers.create_payment([_item("C-1")], "debts", now=now - 2 * 3600)
    check = ledgers.schedule_status_check(payment, now=now)
    assert check.key == f"payments.status:{payment.id}:2"
    assert check.next_attempt == pytest.approx(now + 20 * 60, abs=1)
    # Never past 24 hours after it started.
    late = ledgers.create_payment([_item("C-2")], "debts", now=now - 24 * 3600 + 60)
    assert ledgers.pending_limit(late) == late.created + 24 * 3600
    check = ledgers.schedule_status_check(late, now=now)
    assert check.next_attempt == pytest.approx(late.created + 24 * 3600, abs=1)
    # Before its expiry: never past it.
    young = ledgers.create_payment([_item("C-3")], "debts", now=now - 50 * 60)
    check = ledgers.schedule_status_check(young, now=now)
    assert check.next_attempt == pytest.approx(ledgers.expiry_time(young), abs=1)
    # The last check of an expired payment: an hour later, marked final.
    check = ledgers.schedule_status_check(payment, now=now, final=True)
    assert check.key == f"payments.status:{payment.id}:3"
    assert check.payload == {"payment": payment.id, "check": 3, "final": True}
    assert check.next_attempt == pytest.approx(now + 60 * 60, abs=1)
