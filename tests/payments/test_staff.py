"""The revenue office's pages and the payments' REST services, over real HTTP."""

from .conftest import deliver_all
from .conftest import fresh
from .conftest import item
from .conftest import new_payment
from .conftest import pay_at_bank
from .conftest import post_notify
from .conftest import set_behaviour
from .conftest import signed
from .conftest import TIMEOUT
from municipality.payments import ledger as ledgers
from municipality.requests.testing import create_citizen
from municipality.requests.testing import create_staff
from municipality.requests.testing import PASSWORD

import re
import requests
import transaction


DENIED = (302, 401, 403)


def _people():
    create_staff("revenue", group="revenue-officers", fullname="Ελένη Εσόδων")
    create_staff("clerk", group="protocol-clerks")
    create_citizen("maria", "Μαρία Παπαδοπούλου", "maria@example.gr")
    create_citizen("nikos", "Νίκος Γεωργίου", "nikos@example.gr")
    transaction.commit()


def _session(user=None, json=False):
    session = requests.Session()
    if user:
        session.auth = (user, PASSWORD)
    if json:
        session.headers["Accept"] = "application/json"
    return session


def _admin(portal):
    return f"{portal.absolute_url()}/@@payments-admin"


def _token(html):
    match = re.search(r'name="_authenticator"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token"
    return match.group(1)


MARIA = {"userid": "maria", "fullname": "Μαρία Παπαδοπούλου", "afm": "123456783"}


def test_staff_list_filters_and_totals(paying):
    _people()
    paid = new_payment(item("100.00"), payer=MARIA)
    assert post_notify(paying, signed(paid)).status_code == 200
    waiting = new_payment(item("7.25"), channel="code")
    session = _session("revenue")
    page = session.get(_admin(paying), timeout=TIMEOUT)
    assert page.status_code == 200
    assert "Πληρωμές με κάρτα" in page.text
    assert paid.id in page.text
    assert waiting.id in page.text
    assert "107,25 €" in page.text  # the sum of the list
    assert "100,00 €" in page.text  # collected
    only_paid = session.get(_admin(paying), params={"state": "paid"}, timeout=TIMEOUT)
    assert paid.id in only_paid.text
    assert waiting.id not in only_paid.text
    by_afm = session.get(_admin(paying), params={"q": "123456783"}, timeout=TIMEOUT)
    assert paid.id in by_afm.text
    assert waiting.id not in by_afm.text
    by_channel = session.get(
        _admin(paying), params={"channel": "code"}, timeout=TIMEOUT
    )
    assert waiting.id in by_channel.text
    assert paid.id not in by_channel.text
    bad = session.get(_admin(paying), params={"from": "32/13/2026"}, timeout=TIMEOUT)
    assert bad.status_code == 400
    assert "ηη/μμ/εεεε" in bad.text


def test_only_revenue_officers_see_it(paying):
    _people()
    for user in (None, "maria", "clerk"):
        answer = _session(user).get(
            _admin(paying), timeout=TIMEOUT, allow_redirects=False
        )
        assert answer.status_code in DENIED, user
        answer = _session(user, json=True).get(
            f"{paying.absolute_url()}/@payments-admin", timeout=TIMEOUT
        )
        assert answer.status_code in (401, 403), user


def test_detail_log_and_check_at_the_bank(paying, simulators):
    _people()
    set_behaviour(simulators, notify="never")
    payment = new_payment()
    transaction.begin()
    pay_at_bank(requests.Session(), f"{ledgers.payment_url(payment)}/bank", back=False)
    assert fresh(payment).state == "started"
    # Signed by the bank but not as asked: rejected and kept in its log.
    forged = signed(payment, currency="USD")
    assert post_notify(paying, forged).status_code == 400
    session = _session("revenue")
    url = f"{_admin(paying)}/{payment.order_id}"
    page = session.get(url, timeout=TIMEOUT)
    assert page.status_code == 200
    assert "Ειδοποίηση τράπεζας" in page.text
    assert "απορρίφθηκε" in page.text
    assert f"digest={forged[-1][1]}" in page.text  # the fields as received
    # Without the CSRF token: refused, nothing asked.
    refused = session.post(url, data={"form.action": "check"}, timeout=TIMEOUT)
    assert refused.status_code == 403
    assert fresh(payment).state == "started"
    answer = session.post(
        url,
        data={"form.action": "check", "_authenticator": _token(page.text)},
        timeout=TIMEOUT,
    )
    assert answer.status_code == 200
    assert "Η απάντηση της τράπεζας εφαρμόστηκε στην πληρωμή" in answer.text
    stored = fresh(payment)
    assert stored.state == "paid"
    entry = [e for e in stored.log if e["outcome"] == "applied"][0]
    assert entry["source"] == "staff"
    assert entry["actor"] == "revenue"
    assert (
        _session("revenue").get(f"{_admin(paying)}/nope", timeout=TIMEOUT).status_code
        == 404
    )


def test_attention_note_resolves(paying, simulators):
    _people()
    payment = new_payment()
    post_notify(paying, signed(payment, status="CANCELED"))
    post_notify(paying, signed(payment))
    assert fresh(payment).attention
    session = _session("revenue")
    listing = session.get(
        _admin(paying), params={"state": "attention"}, timeout=TIMEOUT
    )
    assert payment.id in listing.text
    url = f"{_admin(paying)}/{payment.order_id}"
    page = session.get(url, timeout=TIMEOUT)
    assert "Χρειάζεται έλεγχο" in page.text
    token = _token(page.text)
    empty = session.post(
        url,
        data={"form.action": "note", "note": " ", "_authenticator": token},
        timeout=TIMEOUT,
    )
    assert empty.status_code == 400
    assert "Γράψτε τι έγινε" in empty.text
    session.post(
        url,
        data={
            "form.action": "note",
            "note": "Επιστράφηκε στην κάρτα του πληρωτή.",
            "resolved": "1",
            "_authenticator": token,
        },
        timeout=TIMEOUT,
    )
    stored = fresh(payment)
    assert not stored.attention
    assert stored.log[-1]["source"] == "staff"
    assert stored.log[-1]["reason"] == "Επιστράφηκε στην κάρτα του πληρωτή."


def test_rest_payment_by_token_and_mine(paying, simulators):
    _people()
    mine = new_payment(item("52.15", rf_code="RF18539007547034"), payer=MARIA)
    other = new_payment(payer={"userid": "nikos", "fullname": "Νίκος", "afm": ""})
    assert post_notify(paying, signed(mine)).status_code == 200
    deliver_all(paying)
    anonymous = _session(json=True)
    answer = anonymous.get(
        f"{paying.absolute_url()}/@payments/{mine.token}", timeout=TIMEOUT
    )
    assert answer.status_code == 200
    data = answer.json()
    assert data["number"] == mine.id
    assert data["state"] == "posted"
    assert data["amount"] == "52.15"
    assert data["items"][0]["amount"] == "52.15"
    assert data["items"][0]["rf_code"] == "RF18539007547034"
    assert data["posting"] == "posted"
    assert data["receipt_url"].endswith("/receipt.pdf")
    assert "payer" not in data  # not for whoever holds the link
    missing = anonymous.get(f"{paying.absolute_url()}/@payments/nope", timeout=TIMEOUT)
    assert missing.status_code == 404
    assert missing.json()["error"]["errors"][0]["field"] == "token"
    assert (
        anonymous.get(
            f"{paying.absolute_url()}/@my-payments", timeout=TIMEOUT
        ).status_code
        == 401
    )
    maria = _session("maria", json=True).get(
        f"{paying.absolute_url()}/@my-payments", timeout=TIMEOUT
    )
    assert [p["number"] for p in maria.json()["items"]] == [mine.id]
    assert other.id not in maria.text


def test_rest_staff_list_and_detail(paying):
    _people()
    payment = new_payment(payer=MARIA)
    post_notify(paying, signed(payment))
    session = _session("revenue", json=True)
    base = f"{paying.absolute_url()}/@payments-admin"
    data = session.get(base, params={"state": "paid"}, timeout=TIMEOUT).json()
    assert data["items_total"] == 1
    assert data["totals"]["paid_amount"] == "12.50"
    assert data["items"][0]["payer"]["afm"] == "123456783"
    bad = session.get(base, params={"state": "lost"}, timeout=TIMEOUT)
    assert bad.status_code == 400
    assert bad.json()["error"]["errors"][0]["field"] == "state"
    bad = session.get(base, params={"b_size": "0"}, timeout=TIMEOUT)
    assert bad.json()["error"]["errors"][0]["field"] == "b_size"
    detail = session.get(f"{base}/{payment.order_id}", timeout=TIMEOUT).json()
    assert [e["source"] for e in detail["log"]] == ["system", "notify"]
    assert detail["log"][1]["verified"] is True
    assert ["digest", signed(payment)[-1][1]] in detail["log"][1]["fields"]
    assert detail["log"][1]["repeats"] == 0
    # The bank's message replayed three times: one entry, counted.
    for _ in range(3):
        assert post_notify(paying, signed(payment)).status_code == 200
    detail = session.get(f"{base}/{payment.order_id}", timeout=TIMEOUT).json()
    assert [(e["source"], e["outcome"]) for e in detail["log"]] == [
        ("system", "info"),
        ("notify", "applied"),
        ("notify", "duplicate"),
    ]
    assert detail["log"][2]["repeats"] == 2
    assert detail["log"][2]["last_time"] >= detail["log"][2]["time"]
    page = _session("revenue").get(
        f"{_admin(paying)}/{payment.order_id}", timeout=TIMEOUT
    )
    assert "Ελήφθη άλλες 2 φορές, την τελευταία στις" in page.text


def test_my_payments_page(paying):
    _people()
    mine = new_payment(payer=MARIA)
    new_payment(payer={"userid": "nikos", "fullname": "Νίκος", "afm": ""})
    url = f"{paying.absolute_url()}/@@my-payments"
    page = _session("maria").get(url, timeout=TIMEOUT)
    assert page.status_code == 200
    assert "Οι πληρωμές μου" in page.text
    assert mine.id in page.text
    assert page.text.count("@@payment/") == 1
    assert (
        _session().get(url, timeout=TIMEOUT, allow_redirects=False).status_code
        in DENIED
    )
