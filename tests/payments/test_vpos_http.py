"""The bank's messages over real HTTP, against the bank simulator: the whole
journey, and every way a message can be forged, repeated, late or missing.

The browser goes through our ``/bank`` page, the simulator's card page and
back; the simulator posts its background confirmation to ``@@vpos/notify``
as the behaviour says; the outbox is delivered in the test's thread.
"""

from .conftest import CARD_ERROR
from .conftest import CARD_REFUSED
from .conftest import deliver
from .conftest import deliver_all
from .conftest import FAR_FUTURE
from .conftest import forms
from .conftest import fresh
from .conftest import item
from .conftest import new_payment
from .conftest import OPERATORS
from .conftest import pay_at_bank
from .conftest import post_notify
from .conftest import set_behaviour
from .conftest import signed
from .conftest import TIMEOUT
from decimal import Decimal
from municipality.core import outbox
from municipality.payments import ledger as ledgers
from plone import api as ploneapi

import email
import requests
import time
import transaction


def _sources(payment):
    return [(e["source"], e["outcome"]) for e in fresh(payment).log[1:]]


def _finance_posting(simulators, payment):
    answer = simulators.get(f"/finance/payments/{payment.transaction_id}")
    return answer.json() if answer.status_code == 200 else None


def _receipt_mails(simulators, payment):
    return [
        m
        for m in simulators.mail()
        if payment.id in (m.get("subject") or "") and OPERATORS not in str(m["to"])
    ]


def _settling_keys(payment):
    """The posting and receipt items of ``payment``: none until it is paid."""
    transaction.begin()
    return [
        key
        for key in outbox.get_outbox().keys
        if key in (f"payments.post:{payment.id}", f"payments.receipt:{payment.id}")
    ]


NEUTRAL_RETURN = "Δεν ήταν δυνατό να επιβεβαιωθεί η επιστροφή από την τράπεζα"


def _assert_neutral_return(answer, payment):
    """A 303 to the home page that names no payment, and the message there."""
    assert answer.status_code == 303
    location = answer.headers["Location"]
    assert payment.token not in location
    assert "@@payment" not in location
    assert payment.token not in answer.text
    page = requests.get(
        location, cookies=answer.cookies, timeout=TIMEOUT, allow_redirects=False
    )
    assert page.status_code == 200
    assert NEUTRAL_RETURN in page.text
    assert payment.token not in page.text


def test_paid_journey(paying, simulators):
    payment = new_payment(item("52.15"), item("10.00"))
    session = requests.Session()
    page = pay_at_bank(session, f"{payment_url(payment)}/bank")
    # Back on our page, which says what the bank confirmed.
    assert page.status_code == 200
    assert page.url == payment_url(payment)
    assert "Η πληρωμή σας ολοκληρώθηκε" in page.text
    assert "62,15 €" in page.text
    assert "καταχωρείται" in page.text
    paid = fresh(payment)
    assert paid.state == "paid"
    assert paid.paid_amount == Decimal("62.15")
    assert paid.paid_currency == "EUR"
    assert paid.bank_payment_ref
    assert paid.bank_transaction_id
    # Settled once, by the bank's own message; the return only logged.
    assert _sources(payment) == [("notify", "applied"), ("return", "info")]
    order = simulators.get(f"/bank/_sim/orders/{payment.order_id}").json()
    assert order["status"] == "CAPTURED"
    assert [n["status"] for n in order["notifications"]] == [200]

    # The worker: finance posting, receipt, then the receipt mail.
    deliver_all(paying)
    posted = fresh(payment)
    assert posted.state == "posted"
    assert posted.receipt_number
    assert posted.receipt is not None
    posting = _finance_posting(simulators, payment)
    assert posting["amount"] == "62.15"
    assert posting["requests"] == 1
    assert [i["amount"] for i in posting["items"]] == ["52.15", "10.00"]
    (mail,) = _receipt_mails(simulators, payment)
    assert "payer@example.gr" in str(mail["to"])
    raw = simulators.get(f"/mail/messages/{mail['id']}/raw").content
    parts = [p.get_content_type() for p in email.message_from_bytes(raw).walk()]
    assert "application/pdf" in parts
    page = session.get(payment_url(payment), timeout=TIMEOUT)
    assert "Έχει καταχωρηθεί" in page.text or "καταχωρήθηκε" in page.text
    assert "receipt.pdf" in page.text
    pdf = session.get(f"{payment_url(payment)}/receipt.pdf", timeout=TIMEOUT)
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    # A second round sends nothing more.
    deliver_all(paying, now=FAR_FUTURE)
    assert len(_receipt_mails(simulators, payment)) == 1
    assert _finance_posting(simulators, payment)["requests"] == 1


def payment_url(payment):
    transaction.begin()
    return ledgers.payment_url(payment)


def test_refused_card_fails_and_offers_a_new_try(paying, simulators):
    payment = new_payment()
    page = pay_at_bank(
        requests.Session(), f"{payment_url(payment)}/bank", card=CARD_REFUSED
    )
    assert page.url == payment_url(payment)
    assert "Η πληρωμή δεν ολοκληρώθηκε" in page.text
    assert "@@my-debts" in page.text  # «Νέα προσπάθεια» back to the service
    assert fresh(payment).state == "failed"
    assert ploneapi is not None
    # Nothing was posted or mailed.
    deliver_all(paying)
    assert _finance_posting(simulators, payment) is None
    assert not _receipt_mails(simulators, payment)


def test_bank_error_fails_and_cancel_cancels(paying, simulators):
    failed = new_payment()
    pay_at_bank(requests.Session(), f"{payment_url(failed)}/bank", card=CARD_ERROR)
    assert fresh(failed).state == "failed"
    cancelled = new_payment()
    page = pay_at_bank(
        requests.Session(), f"{payment_url(cancelled)}/bank", cancel=True
    )
    assert fresh(cancelled).state == "cancelled"
    assert "Η πληρωμή ακυρώθηκε" in page.text
    # Its item is free again.
    transaction.begin()
    assert ledgers.live_payments(fresh(cancelled).refs) == {}


def test_forged_digest_is_rejected(paying):
    payment = new_payment()
    fields = signed(payment, secret="not-the-secret")
    for _ in range(3):
        answer = post_notify(paying, fields)
        assert answer.status_code == 400
    stored = fresh(payment)
    assert stored.state == "started"
    # Unsigned: not in the payment's own log (anyone could grow it) ...
    assert [e["reason"] for e in stored.log] == ["created"]
    # ... only in the site's capped log, with the order it claims.
    rejected = ledgers.get_ledger(paying).rejected_entries()
    entry = rejected[0]
    assert entry["outcome"] == "rejected"
    assert not entry["verified"]
    assert entry["reason"].startswith("digest")
    assert entry["order_id"] == payment.order_id
    assert entry["payment"] == ""
    assert ("digest", fields[-1][1]) in entry["fields"]  # kept as received
    assert len([e for e in rejected if e["order_id"] == payment.order_id]) == 3
    assert _settling_keys(payment) == []


def test_changed_amount_wrong_currency_and_unknown_order_are_rejected(
    paying, simulators
):
    payment = new_payment(item("30.00"))
    cases = [
        signed(payment, orderAmount="0.30", paymentTotal="0.30"),
        signed(payment, currency="USD"),
        signed(payment, mid="0099999999"),
    ]
    for fields in cases:
        assert post_notify(paying, fields).status_code == 400
    stored = fresh(payment)
    assert stored.state == "started"
    # Signed by the bank: kept in the payment's log too; another merchant's
    # is no message of our bank's and goes only to the site's log.
    reasons = [e["reason"] for e in stored.log if e["outcome"] == "rejected"]
    assert len(reasons) == 2
    assert reasons[0].startswith("amount")
    assert reasons[1].startswith("currency")
    transaction.begin()
    entry = ledgers.get_ledger(paying).rejected_entries()[0]
    assert entry["reason"].startswith("merchant")
    assert (entry["order_id"], entry["payment"]) == (payment.order_id, "")
    # A PAID the bank signed with another amount or currency settles
    # nothing, but the bank may hold money: the operators are told, once.
    assert "άλλο ποσό" in stored.attention
    assert "USD instead of EUR" in stored.attention  # the latest
    assert _settling_keys(payment) == []
    # A well-signed message about an order that is not ours.
    other = signed(payment, orderid="2026999999at1")
    assert post_notify(paying, other).status_code == 400
    transaction.begin()
    entry = ledgers.get_ledger(paying).rejected_entries()[0]
    assert entry["reason"].startswith("unknown order")
    assert entry["payment"] == ""
    # The fields in a different order than signed: the digest catches it.
    reordered = list(reversed(signed(payment)[:-1])) + [signed(payment)[-1]]
    assert post_notify(paying, reordered).status_code == 400
    assert fresh(payment).state == "started"
    assert _settling_keys(payment) == []
    deliver_all(paying)
    alerts = [m for m in simulators.mail() if OPERATORS in str(m["to"])]
    assert len(alerts) == 1
    assert payment.id in alerts[0]["subject"]


def test_duplicate_notify_changes_nothing(paying, simulators):
    payment = new_payment()
    fields = signed(payment)
    assert post_notify(paying, fields).status_code == 200
    assert post_notify(paying, fields).status_code == 200
    assert _sources(payment) == [("notify", "applied"), ("notify", "duplicate")]
    # One posting, one receipt item, one mail.
    transaction.begin()
    assert len(outbox.pending_items(kind="payments.post")) == 1
    deliver_all(paying)
    assert _finance_posting(simulators, payment)["requests"] == 1
    assert len(_receipt_mails(simulators, payment)) == 1


def test_failed_then_paid_late_is_paid_and_operators_told(paying, simulators):
    payment = new_payment()
    assert post_notify(paying, signed(payment, status="REFUSED")).status_code == 200
    assert fresh(payment).state == "failed"
    assert post_notify(paying, signed(payment, status="REFUSED")).status_code == 200
    assert post_notify(paying, signed(payment)).status_code == 200
    stored = fresh(payment)
    assert stored.state == "paid"
    assert stored.attention
    assert _sources(payment)[:3] == [
        ("notify", "applied"),
        ("notify", "duplicate"),
        ("notify", "applied"),
    ]
    deliver_all(paying)
    alerts = [m for m in simulators.mail() if OPERATORS in str(m["to"])]
    assert len(alerts) == 1
    assert payment.id in alerts[0]["subject"]


def test_a_signed_return_alone_settles_nothing(paying, simulators):
    # A CAPTURED message replayed to the browser return, for an order the
    # bank never saw: the bank is asked, knows nothing, nothing is settled.
    payment = new_payment()
    page = post_notify(paying, signed(payment), endpoint="confirm")
    assert page.status_code == 303
    assert page.headers["Location"] == payment_url(payment)
    assert fresh(payment).state == "started"
    assert fresh(payment).last_bank_check
    assert _sources(payment) == [("return", "info"), ("status", "info")]
    # Again at once (a reload, a replay): logged, the bank is not asked
    # again within 30 seconds.
    for endpoint in ("confirm", "cancel"):
        page = post_notify(paying, signed(payment), endpoint=endpoint)
        assert page.headers["Location"] == payment_url(payment)
    assert _sources(payment) == [
        ("return", "info"),
        ("status", "info"),
        ("return", "info"),
        ("return", "info"),
    ]
    assert _settling_keys(payment) == []


def test_a_forged_return_does_not_reveal_the_payment(paying, simulators):
    # Only the order id, as anyone who saw or guessed it could post.
    payment = new_payment()
    for endpoint in ("confirm", "cancel"):
        answer = post_notify(paying, [("orderid", payment.order_id)], endpoint)
        _assert_neutral_return(answer, payment)
    # A whole message signed with a guessed secret, and one unreadable.
    forged = signed(payment, secret="guessed")
    _assert_neutral_return(post_notify(paying, forged, "confirm"), payment)
    unreadable = requests.post(
        f"{paying.absolute_url()}/@@vpos/confirm",
        data=f"orderid={payment.order_id}&x=%FF".encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=TIMEOUT,
        allow_redirects=False,
    )
    _assert_neutral_return(unreadable, payment)
    stored = fresh(payment)
    # Nothing on the payment, and the bank was not asked.
    assert [e["reason"] for e in stored.log] == ["created"]
    assert stored.last_bank_check is None
    assert stored.state == "started"
    assert _settling_keys(payment) == []
    rejected = ledgers.get_ledger(paying).rejected_entries()[:4]  # newest first
    assert [e["source"] for e in rejected] == ["return"] * 4
    assert not any(e["verified"] for e in rejected)
    assert rejected[0]["reason"].startswith("unreadable")
    assert rejected[1]["reason"].startswith("digest")
    assert rejected[3]["reason"].startswith("missing")
    assert [e["order_id"] for e in rejected[1:]] == [payment.order_id] * 3


def test_order_ids_cannot_be_guessed_from_the_number(paying):
    first = new_payment()
    second = new_payment()
    for payment in (first, second):
        number = payment.id.rsplit("/", 1)[1]
        assert payment.order_id.startswith(f"{payment.id[4:8]}{number}r")
        assert len(payment.order_id) <= 50
        assert payment.order_id.isascii()
        assert payment.order_id.isalnum()
    tails = {p.order_id.rpartition("r")[2] for p in (first, second)}
    assert len(tails) == 2
    assert all(len(tail) == 10 for tail in tails)


def test_notify_after_the_browser_return(paying, simulators):
    set_behaviour(simulators, notify="after")
    payment = new_payment()
    page = pay_at_bank(requests.Session(), f"{payment_url(payment)}/bank")
    assert "Η πληρωμή σας ολοκληρώθηκε" in page.text
    # The notification races the browser's return: whichever comes first,
    # the payment is settled once, and the other is logged beside it.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not any(
        source == "notify" for source, _ in _sources(payment)
    ):
        time.sleep(0.1)
    sources = _sources(payment)
    assert [s for s in sources if s[1] == "applied"] in (
        [("notify", "applied")],
        [("status", "applied")],
    )
    assert ("return", "info") in sources
    assert fresh(payment).state == "paid"


def test_late_notify_status_query_settles(paying, simulators):
    set_behaviour(simulators, notify="late", delay=1)
    payment = new_payment()
    page = pay_at_bank(requests.Session(), f"{payment_url(payment)}/bank")
    assert "Η πληρωμή σας ολοκληρώθηκε" in page.text
    assert _sources(payment)[:2] == [("return", "info"), ("status", "applied")]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(_sources(payment)) < 3:
        time.sleep(0.1)
    assert _sources(payment)[2] == ("notify", "duplicate")


def test_never_notified_and_browser_closed_status_check_settles(paying, simulators):
    set_behaviour(simulators, notify="never")
    payment = new_payment()
    pay_at_bank(requests.Session(), f"{payment_url(payment)}/bank", back=False)
    assert fresh(payment).state == "started"
    # Before its time, the check waits.
    assert deliver(paying)["delivered"] == 0
    check_time = payment.created + 20 * 60 + 1
    deliver(paying, now=check_time)
    stored = fresh(payment)
    assert stored.state == "paid"
    assert _sources(payment) == [("status", "applied")]
    deliver_all(paying)
    assert fresh(payment).state == "posted"


def test_never_paid_expires(paying, simulators):
    # Started 2 hours ago, never taken to the bank.
    payment = new_payment(created=time.time() - 2 * 3600)
    deliver(paying)
    stored = fresh(payment)
    assert stored.state == "expired"
    assert _sources(payment) == [("status", "info"), ("system", "applied")]
    assert not stored.attention
    # Its item is free again; the page says so.
    assert ledgers.live_payments(stored.refs) == {}
    page = requests.get(payment_url(payment), timeout=TIMEOUT)
    assert "Η πληρωμή δεν ολοκληρώθηκε εγκαίρως" in page.text
    # One last check an hour later; the bank still knows nothing: that is all.
    last = outbox.get_item(f"payments.status:{payment.id}:2")
    assert last.payload["final"] is True
    assert last.next_attempt >= time.time() + 59 * 60
    deliver(paying, now=time.time() + 61 * 60)
    stored = fresh(payment)
    assert stored.state == "expired"
    assert _sources(payment)[-1] == ("status", "info")
    assert outbox.get_item(f"payments.status:{payment.id}:3") is None


def _to_the_card_page(session, payment):
    """Post our signed form to the bank and stay on its card page: the bank
    has the order and calls it PROCESSING."""
    page = session.get(f"{payment_url(payment)}/bank", timeout=TIMEOUT)
    (form,) = [f for f in forms(page.text) if f["id"] == "payment-bank-form"]
    fields = [(n, v) for n, v, tag in form["fields"] if tag == "input"]
    card_page = session.post(form["action"], data=fields, timeout=TIMEOUT)
    assert card_page.status_code == 200, card_page.text[:500]


def test_still_processing_at_the_bank_does_not_expire(paying, simulators):
    payment = new_payment(created=time.time() - 2 * 3600)
    _to_the_card_page(requests.Session(), payment)
    deliver(paying)
    stored = fresh(payment)
    assert stored.state == "started"
    assert stored.log[-1]["reason"] == "bank: PROCESSING"
    assert not stored.attention
    # Asked again later (not at once: the expiry time has passed).
    second = outbox.get_item(f"payments.status:{payment.id}:2")
    assert not second.is_delivered
    assert time.time() + 19 * 60 < second.next_attempt <= time.time() + 20 * 60 + 1
    assert deliver(paying)["delivered"] == 0


def test_processing_for_a_day_expires_and_operators_told(paying, simulators):
    payment = new_payment(created=time.time() - 25 * 3600)
    _to_the_card_page(requests.Session(), payment)
    deliver(paying)
    stored = fresh(payment)
    assert stored.state == "expired"
    assert "σε εξέλιξη" in stored.attention
    assert stored.log[-1]["reason"] == "attention: pending_too_long"
    assert outbox.get_item(f"payments.status:{payment.id}:2") is None
    deliver_all(paying)
    alerts = [m for m in simulators.mail() if OPERATORS in str(m["to"])]
    assert len(alerts) == 1
    assert payment.id in alerts[0]["subject"]


def test_captured_after_it_expired_is_found_by_the_last_check(paying, simulators):
    set_behaviour(simulators, notify="never")
    payment = new_payment(created=time.time() - 2 * 3600)
    session = requests.Session()
    # A tab left open on our /bank page ...
    stale = session.get(f"{payment_url(payment)}/bank", timeout=TIMEOUT)
    deliver(paying)  # the bank knows no such order yet: expired
    assert fresh(payment).state == "expired"
    # ... sent to the bank after all, and paid; the notification is lost.
    returned = pay_at_bank(session, None, page=stale, back=False)
    assert returned.status_code == 200
    assert fresh(payment).state == "expired"
    deliver(paying, now=time.time() + 61 * 60)  # the last check
    stored = fresh(payment)
    assert stored.state == "paid"
    assert stored.paid_amount == stored.amount
    assert "μετά τη λήξη" in stored.attention
    assert _sources(payment)[-2:] == [("status", "applied"), ("system", "info")]
    deliver_all(paying, now=FAR_FUTURE)
    assert fresh(payment).state == "posted"
    assert _finance_posting(simulators, payment)["requests"] == 1
    alerts = [m for m in simulators.mail() if OPERATORS in str(m["to"])]
    assert len(alerts) == 1


def test_still_at_the_bank_is_checked_again(paying, simulators):
    payment = new_payment(created=time.time() - 25 * 60)
    session = requests.Session()
    bank_page = session.get(f"{payment_url(payment)}/bank", timeout=TIMEOUT)
    assert "payment-bank-form" in bank_page.text
    deliver(paying)  # the bank knows no such order yet: not expired, asked again
    stored = fresh(payment)
    assert stored.state == "started"
    second = outbox.get_item(f"payments.status:{payment.id}:2")
    assert second is not None
    assert not second.is_delivered
    assert second.next_attempt <= payment.created + 60 * 60 + 1


def test_bank_down_during_status_check_is_retried(paying, simulators):
    set_behaviour(simulators, notify="never")
    payment = new_payment()
    pay_at_bank(requests.Session(), f"{payment_url(payment)}/bank", back=False)
    simulators.set_mode("bank", mode="down")
    counts = deliver(paying, now=payment.created + 20 * 60 + 1)
    assert counts["failed"] == 1
    transaction.begin()
    check = outbox.get_item(f"payments.status:{payment.id}:1")
    assert "bank" in check.last_error
    assert not check.is_delivered
    assert fresh(payment).state == "started"
    simulators.set_mode("bank", mode="up")
    deliver(paying, now=FAR_FUTURE)
    assert fresh(payment).state == "paid"


def test_return_with_the_bank_down_keeps_waiting(paying, simulators):
    set_behaviour(simulators, notify="never")
    payment = new_payment()
    session = requests.Session()
    returned = pay_at_bank(session, f"{payment_url(payment)}/bank", back=False)
    simulators.set_mode("bank", mode="down")
    (form,) = forms(returned.text)
    fields = [(n, v) for n, v, tag in form["fields"] if tag == "input"]
    page = session.post(form["action"], data=fields, timeout=TIMEOUT)
    assert page.url == payment_url(payment)
    assert "Αναμένεται η επιβεβαίωση της τράπεζας" in page.text
    assert 'http-equiv="refresh"' in page.text
    assert fresh(payment).state == "started"
    assert fresh(payment).log[-1]["reason"].startswith("status query failed")


def test_finance_down_payment_stays_paid_then_posted_once(paying, simulators):
    simulators.set_mode("finance", mode="down")
    payment = new_payment()
    assert post_notify(paying, signed(payment)).status_code == 200
    deliver_all(paying)
    stored = fresh(payment)
    assert stored.state == "paid"
    assert stored.receipt is not None  # the receipt does not wait for finance
    page = requests.get(payment_url(payment), timeout=TIMEOUT)
    assert "καταχωρείται" in page.text
    simulators.set_mode("finance", mode="up")
    deliver_all(paying, now=FAR_FUTURE)
    assert fresh(payment).state == "posted"
    assert _finance_posting(simulators, payment)["requests"] == 1


def test_smtp_down_mail_retried_and_sent_once(paying, simulators):
    ploneapi.portal.set_registry_record("plone.smtp_port", 1)
    transaction.commit()
    payment = new_payment()
    assert post_notify(paying, signed(payment)).status_code == 200
    deliver_all(paying)
    assert fresh(payment).state == "posted"
    mail_item = outbox.get_item(f"payments.mail:{payment.id}")
    assert mail_item.attempts >= 1
    assert not mail_item.is_delivered
    assert not _receipt_mails(simulators, payment)
    ploneapi.portal.set_registry_record("plone.smtp_port", simulators.smtp_port)
    transaction.commit()
    deliver_all(paying, now=FAR_FUTURE)
    deliver_all(paying, now=FAR_FUTURE)
    assert len(_receipt_mails(simulators, payment)) == 1


def test_bad_digest_from_the_bank_settles_nothing(paying, simulators):
    set_behaviour(simulators, digest="bad")
    payment = new_payment()
    page = pay_at_bank(requests.Session(), f"{payment_url(payment)}/bank")
    # An unverified return does not lead to the payment's page (its token).
    assert page.url != payment_url(payment)
    assert page.url.rstrip("/") == paying.absolute_url()
    assert NEUTRAL_RETURN in page.text
    assert all(payment.token not in r.headers.get("Location", "") for r in page.history)
    stored = fresh(payment)
    assert stored.state == "started"
    # Not the bank's (as far as we can tell): only in the site's log.
    assert [e["reason"] for e in stored.log] == ["created"]
    transaction.begin()
    rejected = [
        (e["source"], e["verified"])
        for e in ledgers.get_ledger(paying).rejected_entries()
        if e["order_id"] == payment.order_id
    ]
    assert sorted(rejected) == [("notify", False), ("return", False)]
    assert _settling_keys(payment) == []


def test_vpos_endpoints_take_only_posts(paying):
    url = f"{paying.absolute_url()}/@@vpos/notify"
    assert requests.get(url, timeout=TIMEOUT).status_code == 405
    assert (
        requests.post(
            f"{paying.absolute_url()}/@@vpos/other", data={}, timeout=TIMEOUT
        ).status_code
        == 404
    )
    # An empty post is no bank message.
    assert requests.post(url, data={}, timeout=TIMEOUT).status_code == 400


def test_unknown_token_is_404_and_bank_page_only_while_started(paying):
    assert (
        requests.get(
            f"{paying.absolute_url()}/@@payment/nope", timeout=TIMEOUT
        ).status_code
        == 404
    )
    payment = new_payment()
    assert post_notify(paying, signed(payment)).status_code == 200
    answer = requests.get(
        f"{payment_url(payment)}/bank", timeout=TIMEOUT, allow_redirects=False
    )
    assert answer.status_code == 303
    assert answer.headers["Location"] == payment_url(payment)
    receipt = requests.get(f"{payment_url(payment)}/receipt.pdf", timeout=TIMEOUT)
    assert receipt.status_code == 404  # not made yet
    page = requests.get(payment_url(payment), timeout=TIMEOUT)
    assert page.headers["Cache-Control"].startswith("no-store")
    assert page.headers["Referrer-Policy"] == "no-referrer"
