"""Fixtures and helpers of the payments tests; other payment tests may use them.

* ``paying`` (fixture): the functional site wired to the simulators (bank,
  finance, SMTP), with an operators' address; returns the portal.
* :func:`item` / :func:`new_payment`: a payment made through
  ``payments.api`` in the test's thread and committed, so the server sees it.
* :func:`signed` / :func:`post_notify`: play the bank's background
  confirmation ourselves (the demo merchant and secret).
* :func:`pay_at_bank`: walk a browser through the bank: our ``/bank`` page,
  the simulator's card page, the card, and the return posted back to us.
* :func:`deliver`: one round of the outbox worker; :func:`fresh` re-reads
  a payment after the server committed.
"""

from decimal import Decimal
from html.parser import HTMLParser
from municipality.core import outbox
from municipality.integrations import modirum
from municipality.payments import api
from municipality.payments import ledger as ledgers

import itertools
import pytest
import requests
import time
import transaction


TIMEOUT = 30
MID = "0020000000"
SECRET = "Cardlink1"  # noqa: S105 - the bank's published test secret
OPERATORS = "operators@example.gr"
CARD_OK = "4111111111111111"
CARD_REFUSED = "4000000000000002"
CARD_ERROR = "4000000000000119"
FAR_FUTURE = time.time() + 10 * 365 * 86400

_refs = itertools.count(1)


@pytest.fixture
def paying(wired):
    """The wired functional site, with an address for the operators' mail."""
    from plone import api as ploneapi

    ploneapi.portal.set_registry_record("municipality.outbox.alert_email", OPERATORS)
    transaction.commit()
    return wired


def item(amount="12.50", ref=None, kind="debt", **extra):
    """An :class:`api.Item` with a fresh ref."""
    ref = ref or f"T-{next(_refs):06d}-{int(time.time() * 1000) % 10**8}"
    return api.Item(
        kind=kind,
        ref=ref,
        description=extra.pop("description", f"Οφειλή {ref}"),
        amount=Decimal(amount),
        category=extra.pop("category", "tap"),
        **extra,
    )


def new_payment(
    *items, channel="debts", payer=None, email="payer@example.gr", created=None
):
    """Create a payment (of one 12,50 € item by default) and commit it."""
    transaction.begin()  # after what the server committed
    items = items or (item(),)
    if created is not None:
        payment = ledgers.create_payment(
            list(items), channel, payer, email, None, now=created
        )
    else:
        payment = api.create_payment(list(items), channel, payer=payer, email=email)
    transaction.commit()
    return payment


def fresh(payment):
    """The payment as the server left it."""
    transaction.begin()
    return ledgers.get_by_number(payment.id)


def deliver(portal, now=None):
    """One round of the outbox worker (in this thread)."""
    transaction.commit()
    return outbox.process_due(portal, now=now)


def deliver_all(portal, now=None, rounds=5):
    """Rounds of the worker until nothing is delivered (receipt → mail)."""
    total = {"delivered": 0, "failed": 0}
    for _ in range(rounds):
        counts = deliver(portal, now=now)
        total["delivered"] += counts["delivered"]
        total["failed"] += counts["failed"]
        if not counts["delivered"]:
            break
    return total


# -- playing the bank -----------------------------------------------------------


def signed(payment, status="CAPTURED", secret=SECRET, **changes):
    """The bank's message about ``payment`` as the bank signs it.

    ``changes`` replace fields before signing (``orderAmount="1.00"``);
    ``None`` drops one.
    """
    paid = status in ("CAPTURED", "AUTHORIZED")
    fields = {
        "version": "2",
        "mid": MID,
        "orderid": payment.order_id,
        "status": status,
        "orderAmount": ledgers.as_text(payment.amount),
        "currency": "EUR",
        "paymentTotal": ledgers.as_text(payment.amount),
        "message": "OK, 00 - Approved" if paid else "Declined",
        "riskScore": "0",
        "payMethod": "visa",
        "txId": f"9{abs(hash(payment.order_id)) % 10**9:09d}",
        "paymentRef": f"{abs(hash(payment.id)) % 10**6:06d}" if paid else "",
    }
    for name, value in changes.items():
        if value is None:
            fields.pop(name, None)
        else:
            fields[name] = value
    return list(modirum.sign([(n, v) for n, v in fields.items() if v], secret))


def post_notify(portal, fields, endpoint="notify", session=None):
    """POST ``fields`` (in order) to ``@@vpos/<endpoint>`` as the bank would."""
    return (session or requests).post(
        f"{portal.absolute_url()}/@@vpos/{endpoint}",
        data=fields,
        timeout=TIMEOUT,
        allow_redirects=False,
    )


def set_behaviour(simulators, **behaviour):
    response = simulators.post("/bank/_sim/behaviour", json=behaviour)
    response.raise_for_status()
    return response.json()


class _Forms(HTMLParser):
    """The forms of a page: action and (name, value) inputs in order."""

    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append(
                {
                    "action": attrs.get("action") or "",
                    "id": attrs.get("id"),
                    "fields": [],
                }
            )
        elif tag in ("input", "button") and self.forms and attrs.get("name"):
            if tag == "button" or attrs.get("type") == "hidden":
                self.forms[-1]["fields"].append(
                    (attrs["name"], attrs.get("value") or "", tag)
                )


def forms(html):
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def pay_at_bank(
    session, bank_page_url, card=CARD_OK, cancel=False, back=True, page=None
):
    """Go through the bank as a browser does; returns the last response.

    ``back=False`` stops at the bank's return page (the citizen closed the
    browser before it posted back to us). ``page``: our ``/bank`` page
    fetched before (a tab left open), instead of fetching it now.
    """
    page = page if page is not None else session.get(bank_page_url, timeout=TIMEOUT)
    assert page.status_code == 200, page.text[:500]
    (form,) = [f for f in forms(page.text) if f["id"] == "payment-bank-form"]
    fields = [(n, v) for n, v, tag in form["fields"] if tag == "input"]
    card_page = session.post(form["action"], data=fields, timeout=TIMEOUT)
    assert card_page.status_code == 200, card_page.text[:500]
    (card_form,) = forms(card_page.text)
    action = requests.compat.urljoin(card_page.url, card_form["action"])
    data = (
        {"action": "cancel"}
        if cancel
        else {
            "cardNumber": card,
            "expiry": "12/39",
            "cvv": "123",
            "holder": "ΜΑΡΙΑ ΠΑΠΑΔΟΠΟΥΛΟΥ",
            "action": "pay",
        }
    )
    returned = session.post(action, data=data, timeout=TIMEOUT)
    assert returned.status_code == 200, returned.text[:500]
    if not back:
        return returned
    (back_form,) = forms(returned.text)
    fields = [(n, v) for n, v, tag in back_form["fields"] if tag == "input"]
    return session.post(back_form["action"], data=fields, timeout=TIMEOUT)
