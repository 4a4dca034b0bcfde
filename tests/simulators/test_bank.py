"""The bank simulator over real HTTP, driven by the portal's own gateway.

A small HTTP server in the test plays the portal's ``@@vpos/confirm``,
``/cancel`` and ``/notify`` to receive the background confirmations.
"""

from decimal import Decimal
from html import unescape
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from municipality.integrations.bank import CANCELLED
from municipality.integrations.bank import FAILED
from municipality.integrations.bank import ForgedMessage
from municipality.integrations.bank import PAID
from municipality.integrations.bank import PENDING
from municipality.integrations.errors import ExternalSystemRejected
from municipality.integrations.errors import ExternalSystemUnavailable
from municipality.integrations.modirum import ModirumGateway
from municipality.integrations.modirum import parse_form
from municipality.integrations.modirum import sign
from municipality.simulators.systems.bank import DEMO_MID
from municipality.simulators.systems.bank import DEMO_SECRET
from municipality.simulators.systems.bank import format_euro

import itertools
import pytest
import re
import requests
import threading
import time


TIMEOUT = 10
_numbers = itertools.count(1)


class Portal:
    """The merchant's side: records every POST and answers ``status``."""

    def __init__(self):
        self.received = []
        self.status = 200
        self.arrived = threading.Condition()
        portal = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                with portal.arrived:
                    portal.received.append(
                        {
                            "path": self.path,
                            "content_type": self.headers.get("Content-Type", ""),
                            "fields": parse_form(body),
                            "at": time.monotonic(),
                        }
                    )
                    portal.arrived.notify_all()
                self.send_response(portal.status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"OK")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, args=(0.05,), daemon=True
        )
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/plone/@@vpos"

    def wait(self, count, timeout=5.0):
        """The POSTs received once there are ``count`` of them."""
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.received) >= count, timeout)
            return list(self.received)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def portal():
    portal = Portal()
    yield portal
    portal.stop()


@pytest.fixture
def bank(simulators):
    return f"{simulators.url}/bank"


@pytest.fixture
def gateway(bank):
    return ModirumGateway(bank, DEMO_MID, DEMO_SECRET, timeout=5)


def behave(bank, **behaviour):
    response = requests.post(f"{bank}/_sim/behaviour", json=behaviour, timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    return response.json()


def new_order_id():
    return f"T{int(time.time())}{next(_numbers)}"


def start(gateway, portal, order_id=None, amount=Decimal("12.50"), **kwargs):
    """POST the gateway's form to the bank; return (order id, card page)."""
    order_id = order_id or new_order_id()
    form = gateway.payment_form(
        order_id,
        amount,
        kwargs.pop("description", "Τέλος καθαριότητας 2026"),
        f"{portal.url}/confirm",
        f"{portal.url}/cancel",
        **kwargs,
    )
    page = requests.post(form.action, data=list(form.fields), timeout=TIMEOUT)
    return order_id, page


def card_action(page):
    return re.search(r'action="(/bank/vpos/pay/[^"]+)"', page.text).group(1)


def submit_card(simulators, page, card="4111111111111111", **extra):
    data = {"cardNumber": card, "expiry": "12/39", "cvv": "123", "action": "pay"}
    data.update(extra)
    return requests.post(simulators.url + card_action(page), data=data, timeout=TIMEOUT)


def returned(page):
    """The auto-posting form of the bank's return page: (url, fields)."""
    url = unescape(
        re.search(r'<form id="vpos-return"[^>]*action="([^"]+)"', page.text)[1]
    )
    fields = [
        (unescape(name), unescape(value))
        for name, value in re.findall(
            r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text
        )
    ]
    return url, fields


def order(bank, order_id):
    response = requests.get(f"{bank}/_sim/orders/{order_id}", timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    return response.json()


# The card page


def test_card_page_shows_the_order_and_the_test_cards(gateway, portal):
    order_id, page = start(gateway, portal, amount=Decimal("1234.5"))
    assert page.status_code == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert '<html lang="el">' in page.text
    assert '<dd id="merchant">Δήμος Παραδείγματος</dd>' in page.text
    assert '<dd id="description">Τέλος καθαριότητας 2026</dd>' in page.text
    assert '<dd id="amount">1.234,50 €</dd>' in page.text
    assert f'<dd id="orderid">{order_id}</dd>' in page.text
    assert '<label for="cardNumber">Αριθμός κάρτας</label>' in page.text
    assert 'autocomplete="cc-number"' in page.text
    assert ">Πληρωμή</button>" in page.text
    assert "formnovalidate>Ακύρωση</button>" in page.text
    for number in ("4111111111111111", "4000000000000002", "4000000000000119"):
        assert f"<code>{number}</code>" in page.text


def test_card_page_in_english(gateway, portal):
    _, page = start(gateway, portal, lang="en")
    assert '<html lang="en">' in page.text
    assert ">Pay</button>" in page.text


def test_format_euro():
    assert format_euro(Decimal("12.5")) == "12,50 €"
    assert format_euro(Decimal("1234567.89")) == "1.234.567,89 €"
    assert format_euro(Decimal("0.05")) == "0,05 €"


def test_order_is_recorded_as_sent(bank, gateway, portal):
    order_id, _ = start(gateway, portal, email="maria@example.gr")
    data = order(bank, order_id)
    assert data["status"] == "PROCESSING"
    assert data["amount"] == "12.50"
    assert data["email"] == "maria@example.gr"
    assert data["notify_url"] == f"{portal.url}/notify"
    assert [name for name, _ in data["request_fields"]][-1] == "digest"


# Refused requests: the bank's error page


def post_fields(bank, fields):
    return requests.post(
        f"{bank}/vpos/shophandlermpi", data=list(fields), timeout=TIMEOUT
    )


def error_text(page):
    return unescape(re.search(r'<p id="vpos-error">([^<]*)</p>', page.text)[1])


def our_fields(gateway, portal, order_id=None):
    form = gateway.payment_form(
        order_id or new_order_id(),
        Decimal("12.50"),
        "Τέλος",
        f"{portal.url}/confirm",
        f"{portal.url}/cancel",
    )
    return list(form.fields)


def test_tampered_amount_is_an_invalid_digest(bank, gateway, portal):
    fields = [
        (n, "0.01" if n == "orderAmount" else v) for n, v in our_fields(gateway, portal)
    ]
    page = post_fields(bank, fields)
    assert page.status_code == 400
    assert error_text(page) == "Invalid digest"
    assert "Η συναλλαγή δεν μπορεί να γίνει" in page.text


def test_wrong_secret_and_missing_digest(bank, gateway, portal):
    fields = our_fields(gateway, portal)[:-1]
    assert error_text(post_fields(bank, sign(fields, "wrong"))) == "Invalid digest"
    assert error_text(post_fields(bank, fields)) == "Missing digest"


def test_unknown_merchant(bank, portal):
    other = ModirumGateway(bank, "0099999999", DEMO_SECRET)
    page = post_fields(bank, our_fields(other, portal))
    assert error_text(page) == "Invalid merchant id (mid)"


def test_reused_order_id(bank, gateway, portal):
    order_id, page = start(gateway, portal)
    assert page.status_code == 200
    page = post_fields(bank, our_fields(gateway, portal, order_id))
    assert page.status_code == 400
    assert error_text(page) == "Duplicate orderid: already used"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("orderAmount", "12.345", "Invalid orderAmount"),
        ("orderAmount", "0.00", "Invalid orderAmount"),
        ("orderAmount", "12,50", "Invalid orderAmount"),
        ("currency", "USD", "Invalid currency"),
        ("orderid", "PAY-1", "Invalid orderid"),
        ("version", "1", "Unsupported version"),
        ("confirmUrl", "/relative", "Invalid confirmUrl"),
        ("trType", "9", "Invalid trType"),
    ],
)
def test_bad_fields_signed_correctly_are_still_refused(
    bank, gateway, portal, name, value, message
):
    fields = [(n, value if n == name else v) for n, v in our_fields(gateway, portal)]
    page = post_fields(bank, sign(fields[:-1], DEMO_SECRET))
    assert page.status_code == 400
    assert error_text(page) == message


# Paying


@pytest.mark.parametrize(
    ("card", "status", "outcome", "path"),
    [
        ("4111111111111111", "CAPTURED", PAID, "/confirm"),
        ("4111 1111 1111 1111", "CAPTURED", PAID, "/confirm"),
        ("4000000000000002", "REFUSED", FAILED, "/cancel"),
        ("4000000000000119", "ERROR", FAILED, "/cancel"),
        ("5555555555554444", "REFUSED", FAILED, "/cancel"),
    ],
)
def test_each_card(simulators, bank, gateway, portal, card, status, outcome, path):
    order_id, page = start(gateway, portal)
    result = submit_card(simulators, page, card)
    assert result.status_code == 200
    url, fields = returned(result)
    assert url == portal.url + path
    message = gateway.verify(fields)
    assert (message.order_id, message.status, message.outcome) == (
        order_id,
        status,
        outcome,
    )
    assert message.amount == Decimal("12.50")
    assert message.currency == "EUR"
    assert message.transaction_id.isdigit()
    assert bool(message.payment_ref) == (outcome == PAID)
    assert [name for name, _ in fields][:4] == ["version", "mid", "orderid", "status"]
    assert 'name="submitButton"' in result.text
    assert '<input type="hidden" name="_charset_">' in result.text
    # The background confirmation came first (the default: answered before
    # the browser's page) with the same fields, to confirm's sibling notify.
    (notification,) = portal.received
    assert notification["path"] == "/plone/@@vpos/notify"
    assert notification["content_type"] == "application/x-www-form-urlencoded"
    assert notification["fields"] == fields
    data = order(bank, order_id)
    assert data["status"] == status
    assert data["response_fields"] == [list(pair) for pair in fields]
    assert [(n["phase"], n["status"]) for n in data["notifications"]] == [
        ("before", 200)
    ]


def test_cancel(simulators, bank, gateway, portal):
    order_id, page = start(gateway, portal)
    result = requests.post(
        simulators.url + card_action(page), data={"action": "cancel"}, timeout=TIMEOUT
    )
    url, fields = returned(result)
    assert url == f"{portal.url}/cancel"
    message = gateway.verify(fields)
    assert (message.status, message.outcome) == ("CANCELED", CANCELLED)
    assert message.transaction_id == ""
    assert "Η πληρωμή ακυρώθηκε." in result.text
    assert order(bank, order_id)["status"] == "CANCELED"


def test_expired_card_is_refused(simulators, gateway, portal):
    _, page = start(gateway, portal)
    _, fields = returned(submit_card(simulators, page, expiry="01/20"))
    message = gateway.verify(fields)
    assert message.status == "REFUSED"
    assert "Expired card" in message.message


def test_incomplete_card_shows_the_page_again(simulators, bank, gateway, portal):
    order_id, page = start(gateway, portal)
    again = submit_card(simulators, page, cvv="")
    assert again.status_code == 400
    assert 'id="card-error"' in again.text
    assert "Συμπληρώστε αριθμό κάρτας" in again.text
    assert order(bank, order_id)["status"] == "PROCESSING"
    assert portal.received == []
    _, fields = returned(submit_card(simulators, again))
    assert gateway.verify(fields).outcome == PAID


def test_an_order_is_paid_once(simulators, gateway, portal):
    _, page = start(gateway, portal)
    assert submit_card(simulators, page).status_code == 200
    again = submit_card(simulators, page)
    assert again.status_code == 409
    assert "Transaction already completed" in again.text
    assert len(portal.wait(1)) == 1


def test_unknown_card_page(simulators):
    response = requests.post(
        f"{simulators.url}/bank/vpos/pay/nope", data={"action": "pay"}, timeout=TIMEOUT
    )
    assert response.status_code == 404


# The background confirmation's behaviours


def test_notify_after_the_browser_page(simulators, bank, gateway, portal):
    behave(bank, notify="after")
    order_id, page = start(gateway, portal)
    _, fields = returned(submit_card(simulators, page))
    (notification,) = portal.wait(1)
    assert notification["fields"] == fields
    for _ in range(50):
        notifications = order(bank, order_id)["notifications"]
        if notifications:
            break
        time.sleep(0.05)
    assert [(n["phase"], n["status"]) for n in notifications] == [("after", 200)]


def test_notify_twice(simulators, bank, gateway, portal):
    behave(bank, notify="twice")
    _, page = start(gateway, portal)
    _, fields = returned(submit_card(simulators, page))
    first, second = portal.wait(2)
    assert first["fields"] == second["fields"] == fields


def test_notify_late(simulators, bank, gateway, portal):
    behave(bank, notify="late", delay=1)
    _, page = start(gateway, portal)
    paid_at = time.monotonic()
    submit_card(simulators, page)
    assert portal.received == []
    (notification,) = portal.wait(1)
    assert notification["at"] - paid_at >= 0.9


def test_notify_never(simulators, bank, gateway, portal):
    behave(bank, notify="never")
    order_id, page = start(gateway, portal)
    _, fields = returned(submit_card(simulators, page))
    assert gateway.verify(fields).outcome == PAID
    time.sleep(0.3)
    assert portal.received == []
    assert order(bank, order_id)["notifications"] == []


def test_bad_digest_behaviour(simulators, bank, gateway, portal):
    behave(bank, digest="bad")
    order_id, page = start(gateway, portal)
    _, fields = returned(submit_card(simulators, page))
    (notification,) = portal.wait(1)
    for message in (fields, notification["fields"]):
        with pytest.raises(ForgedMessage) as info:
            gateway.verify(message)
        assert info.value.reason == "digest"
    assert order(bank, order_id)["notifications"][0]["digest"] == "bad"
    with pytest.raises(ForgedMessage):
        gateway.status(order_id)


def test_the_merchants_answer_is_recorded(simulators, bank, gateway, portal):
    portal.status = 500
    order_id, page = start(gateway, portal)
    submit_card(simulators, page)
    assert order(bank, order_id)["notifications"][0]["status"] == 500


def test_unreachable_merchant_is_recorded(simulators, bank, gateway):
    form = gateway.payment_form(
        new_order_id(),
        Decimal("1.00"),
        "Τέλος",
        "http://127.0.0.1:9/plone/@@vpos/confirm",
        "http://127.0.0.1:9/plone/@@vpos/cancel",
    )
    page = requests.post(form.action, data=list(form.fields), timeout=TIMEOUT)
    submit_card(simulators, page)
    (notification,) = order(bank, dict(form.fields)["orderid"])["notifications"]
    assert notification["status"] is None
    assert "ConnectionError" in notification["error"]


def test_merchant_with_its_own_notify_url(simulators, bank, portal):
    response = requests.post(
        f"{bank}/_sim/merchants",
        json={
            "mid": "0020000099",
            "secret": "Other1",
            "name": "Δήμος Δοκιμών",
            "notify_url": f"{portal.url}/bank-callback",
        },
        timeout=TIMEOUT,
    )
    assert response.status_code == 201
    gateway = ModirumGateway(bank, "0020000099", "Other1")
    _, page = start(gateway, portal)
    assert '<dd id="merchant">Δήμος Δοκιμών</dd>' in page.text
    submit_card(simulators, page)
    (notification,) = portal.wait(1)
    assert notification["path"] == "/plone/@@vpos/bank-callback"
    assert gateway.verify(notification["fields"]).outcome == PAID


def test_behaviour_and_merchant_input_is_checked(bank):
    for body, field in (
        ({"notify": "sometimes"}, "notify"),
        ({"delay": -1}, "delay"),
        ({"delay": "1"}, "delay"),
        ({"digest": "ugly"}, "digest"),
        ({"colour": "red"}, "colour"),
    ):
        response = requests.post(f"{bank}/_sim/behaviour", json=body, timeout=TIMEOUT)
        assert response.status_code == 400
        assert response.json()["error"]["field"] == field
    for body, field in (
        ({"secret": "x"}, "mid"),
        ({"mid": "00 1", "secret": "x"}, "mid"),
        ({"mid": "001"}, "secret"),
        ({"mid": "001", "secret": "x", "notify_url": "ftp://x"}, "notify_url"),
    ):
        response = requests.post(f"{bank}/_sim/merchants", json=body, timeout=TIMEOUT)
        assert response.status_code == 400
        assert response.json()["error"]["field"] == field


def test_reset_restores_the_bank(simulators, bank, gateway, portal):
    behave(bank, notify="never", digest="bad")
    requests.post(
        f"{bank}/_sim/merchants", json={"mid": "0077", "secret": "x"}, timeout=TIMEOUT
    )
    order_id, _ = start(gateway, portal)
    simulators.reset()
    assert requests.get(f"{bank}/_sim/behaviour", timeout=TIMEOUT).json() == {
        "notify": "before",
        "delay": 2.0,
        "digest": "good",
    }
    mids = [
        m["mid"] for m in requests.get(f"{bank}/_sim/merchants", timeout=TIMEOUT).json()
    ]
    assert mids == [DEMO_MID]
    missing = requests.get(f"{bank}/_sim/orders/{order_id}", timeout=TIMEOUT)
    assert missing.status_code == 404


# The XML API


def test_status_of_paid_refused_pending_and_unknown_orders(
    simulators, bank, gateway, portal
):
    paid_id, page = start(gateway, portal)
    _, fields = returned(submit_card(simulators, page))
    returned_message = gateway.verify(fields)
    paid = gateway.status(paid_id)
    assert (paid.status, paid.outcome) == ("CAPTURED", PAID)
    assert paid.amount == Decimal("12.50")
    assert paid.transaction_id == returned_message.transaction_id
    assert paid.payment_ref == returned_message.payment_ref

    refused_id, page = start(gateway, portal)
    submit_card(simulators, page, "4000000000000002")
    assert gateway.status(refused_id).outcome == FAILED

    pending_id, _ = start(gateway, portal)
    pending = gateway.status(pending_id)
    assert (pending.status, pending.outcome) == ("PROCESSING", PENDING)

    assert gateway.status(new_order_id()) is None
    assert order(bank, paid_id)["status_requests"] == 1


def test_status_signed_with_the_wrong_secret(bank):
    gateway = ModirumGateway(bank, DEMO_MID, "not-the-secret")
    with pytest.raises(ExternalSystemRejected, match="Invalid digest"):
        gateway.status("T1")


def test_status_of_an_unknown_merchant(bank):
    gateway = ModirumGateway(bank, "0055", DEMO_SECRET)
    with pytest.raises(ExternalSystemRejected, match="Unknown merchant"):
        gateway.status("T1")


def test_xml_api_refuses_bad_xml(bank):
    for body in (b"<VPOS", b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', b"<x/>"):
        response = requests.post(f"{bank}/vpos/xmlpayvpos", data=body, timeout=TIMEOUT)
        assert response.status_code == 200
        assert "<ErrorCode>XE</ErrorCode>" in response.text


@pytest.mark.parametrize(("mode", "extra"), [("down", {}), ("error", {"status": 502})])
def test_status_when_the_bank_is_down(simulators, gateway, mode, extra):
    simulators.set_mode("bank", mode=mode, **extra)
    with pytest.raises(ExternalSystemUnavailable):
        gateway.status("T1")


def test_status_when_the_bank_is_unreachable():
    gateway = ModirumGateway("http://127.0.0.1:9/bank", DEMO_MID, DEMO_SECRET)
    with pytest.raises(ExternalSystemUnavailable, match="unreachable"):
        gateway.status("T1")


def test_status_times_out(simulators, bank):
    simulators.set_mode("bank", mode="slow", delay=0.6)
    gateway = ModirumGateway(bank, DEMO_MID, DEMO_SECRET, timeout=0.2)
    with pytest.raises(ExternalSystemUnavailable, match="no answer"):
        gateway.status("T1")
