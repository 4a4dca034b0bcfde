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
    return [m for m in simulators.mail() if payment.id in (m.get("subject") or "")]


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
    answer = post_notify(paying, fields)
    assert answer.status_code == 400
    stored = fresh(payment)
    assert stored.state == "started"
    entry = stored.log[-1]
    assert entry["outcome"] == "rejected"
    assert not entry["verified"]
    assert entry["reason"].startswith("digest")
    assert ("digest", fields[-1][1]) in entry["fields"]  # kept as received
    rejected = ledgers.get_ledger(paying).rejected_entries()
    assert rejected[0]["payment"] == payment.id


def test_changed_amount_wrong_currency_and_unknown_order_are_rejected(paying):
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
    reasons = [e["reason"] for e in stored.log if e["outcome"] == "rejected"]
    assert reasons[0].startswith("amount")
    assert reasons[1].startswith("currency")
    assert reasons[2].startswith("merchant")
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
    assert _sources(payment) == [("return", "info"), ("status", "info")]


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
    # Its item is free again; the page says so.
    assert ledgers.live_payments(stored.refs) == {}
    page = requests.get(payment_url(payment), timeout=TIMEOUT)
    assert "Η πληρωμή δεν ολοκληρώθηκε εγκαίρως" in page.text


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
    from .conftest import forms

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
    assert page.url == payment_url(payment)
    stored = fresh(payment)
    assert stored.state == "started"
    outcomes = [(e["source"], e["outcome"]) for e in stored.log[1:]]
    assert ("notify", "rejected") in outcomes
    assert ("return", "rejected") in outcomes
    assert not [o for o in outcomes if o[1] == "applied"]


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
