"""The simulated bank: Modirum VPOS (Cardlink, Nexi, Worldline) card payments.

Below ``/bank`` (the host the portal is configured with), at the bank's paths:

* ``POST /vpos/shophandlermpi``: the signed payment form of the merchant's
  site (``version, mid, lang, orderid, orderDesc, orderAmount, currency, …,
  confirmUrl, cancelUrl, digest``). Bad requests get the bank's error page
  (HTML, 400: «Invalid digest», unknown merchant, a reused ``orderid``, a bad
  amount …); a good one the **card page**, in Greek (or English with
  ``lang=en``), with the test cards listed.
* ``POST /vpos/pay/<token>``: the card page's form. The card decides:
  4111111111111111 CAPTURED, 4000000000000002 REFUSED, 4000000000000119
  ERROR, any other number REFUSED, an expired card REFUSED, «Ακύρωση»
  CANCELED. The browser gets a page that posts the signed outcome (``version,
  mid, orderid, status, orderAmount, currency, paymentTotal, message,
  riskScore, payMethod, txId, paymentRef, digest``; empty ones left out) to
  ``confirmUrl`` when paid, to ``cancelUrl`` otherwise — by itself, or with
  «Συνέχεια» without JavaScript.
* The **background confirmation**: the same fields POSTed server to server
  to the merchant's ``notify_url`` or else ``confirmUrl`` with its last path
  segment ``confirm`` replaced by ``notify`` (``…/@@vpos/confirm`` →
  ``…/@@vpos/notify``). When depends on the behaviour (below).
* ``POST /vpos/xmlpayvpos``: the XML API's ``StatusRequest`` → a signed
  ``StatusResponse`` with one ``TransactionDetails`` per order (none for an
  unknown order; status ``PROCESSING`` while the citizen is on the card
  page), or the unsigned version 1.0 error answer (bad XML, unknown merchant,
  wrong digest, another request type).

Test knobs (besides ``/_admin/systems/bank`` modes):

* ``POST /bank/_sim/behaviour`` ``{"notify": "before"|"after"|"twice"|"late"
  |"never", "delay": s, "digest": "good"|"bad"}``: ``before`` (the default)
  sends the background confirmation and waits for the merchant's answer
  before the browser gets its page, so tests are deterministic; ``after``
  sends it once the browser's page is written; ``twice`` before and again
  after; ``late`` ``delay`` seconds after; ``never`` not at all. ``bad``
  signs the browser's return, the confirmation and the XML answers with a
  wrong digest. ``GET`` reads it.
* ``POST /bank/_sim/merchants`` ``{"mid", "secret", "name"?, "notify_url"?}``
  adds or replaces a merchant; the demo merchant ``0020000000`` / ``Cardlink1``
  is always there after a reset.
* ``GET /bank/_sim/orders`` and ``GET /bank/_sim/orders/<orderid>`` (``?mid=``
  when two merchants used one id): the orders with their status, amount, the
  fields exchanged and every confirmation sent with the merchant's HTTP
  answer.

``POST /_admin/reset`` forgets orders and merchants and restores the
behaviour; confirmations still waiting ("late") are then dropped.

The digests are computed here independently of the portal's client: the
forms from ``webob``'s ordered fields, the XML with ``lxml``'s canonical XML.
"""

from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from decimal import Decimal
from html import escape
from lxml import etree
from municipality.simulators.registry import json_response
from municipality.simulators.registry import read_json
from municipality.simulators.registry import System
from municipality.simulators.registry import system
from municipality.simulators.registry import ValidationError
from urllib.parse import urlsplit
from urllib.parse import urlunsplit
from webob import Response
from zoneinfo import ZoneInfo

import base64
import hashlib
import hmac
import itertools
import logging
import re
import requests
import secrets
import threading
import time


logger = logging.getLogger(__name__)

ATHENS = ZoneInfo("Europe/Athens")
VPOS_NS = "http://www.modirum.com/schemas/vposxmlapi41"
DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"

DEMO_MID = "0020000000"
DEMO_SECRET = "Cardlink1"  # noqa: S105  the bank's published test secret
DEMO_NAME = "Δήμος Παραδείγματος"

NOTIFY_MODES = ("before", "after", "twice", "late", "never")
DIGEST_MODES = ("good", "bad")
DEFAULT_DELAY = 2.0
MAX_DELAY = 300.0
NOTIFY_TIMEOUT = 30.0

UNSIGNED = frozenset({"_charset_", "digest", "submitButton"})

TEST_CARDS = {
    "4111111111111111": ("CAPTURED", "OK, 00 - Approved"),
    "4000000000000002": ("REFUSED", "Declined, 05 - Do not honour"),
    "4000000000000119": ("ERROR", "Error, 96 - System malfunction"),
}
UNKNOWN_CARD = ("REFUSED", "Declined, 14 - Invalid card number")
EXPIRED_CARD = ("REFUSED", "Declined, 54 - Expired card")
CANCELED = ("CANCELED", "Canceled by the payer")
PAID_STATUSES = ("CAPTURED", "AUTHORIZED")

_ORDER_ID_RE = re.compile(r"^[A-Za-z0-9]{1,50}$")
_AMOUNT_RE = re.compile(r"^[0-9]{1,10}(\.[0-9]{1,2})?$")
_MID_RE = re.compile(r"^[A-Za-z0-9]{1,30}$")
_EXPIRY_RE = re.compile(r"^(0[1-9]|1[0-2])\s*/\s*([0-9]{2})$")
_NOT_XML_RE = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def now_in_athens() -> datetime:
    return datetime.now(ATHENS).replace(microsecond=0)


def form_digest(values, secret: str) -> str:
    """Base64(SHA-256(UTF-8(values joined + secret))): the VPOS form digest."""
    data = ("".join(values) + secret).encode("utf-8")
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


def signed_values(fields) -> list[str]:
    return [
        value
        for name, value in fields
        if name not in UNSIGNED and not name.startswith("xlsbonus")
    ]


def format_euro(amount: Decimal) -> str:
    """``Decimal("1234.5")`` → ``1.234,50 €``, as Greek pages write it."""
    whole, _, cents = f"{amount:,.2f}".partition(".")
    return f"{whole.replace(',', '.')},{cents} €"


# State


@dataclass
class Merchant:
    mid: str
    secret: str
    name: str = ""
    notify_url: str | None = None

    def as_dict(self) -> dict:
        return {"mid": self.mid, "name": self.name, "notify_url": self.notify_url}


@dataclass
class Order:
    """One payment attempt: what the shop asked and what happened."""

    mid: str
    orderid: str
    token: str
    amount: Decimal
    currency: str
    description: str
    lang: str
    email: str
    tr_type: str
    confirm_url: str
    cancel_url: str
    notify_url: str
    request_fields: list
    created: str
    status: str = "PROCESSING"
    message: str = ""
    tx_id: str = ""
    payment_ref: str = ""
    pay_method: str = ""
    completed: str = ""
    response_fields: list = field(default_factory=list)
    notifications: list = field(default_factory=list)
    status_requests: int = 0

    @property
    def done(self) -> bool:
        return self.status != "PROCESSING"

    def as_dict(self) -> dict:
        return {
            "orderid": self.orderid,
            "mid": self.mid,
            "status": self.status,
            "amount": f"{self.amount:.2f}",
            "currency": self.currency,
            "description": self.description,
            "lang": self.lang,
            "email": self.email,
            "tr_type": self.tr_type,
            "confirm_url": self.confirm_url,
            "cancel_url": self.cancel_url,
            "notify_url": self.notify_url,
            "message": self.message,
            "tx_id": self.tx_id,
            "payment_ref": self.payment_ref,
            "pay_method": self.pay_method,
            "created": self.created,
            "completed": self.completed,
            "request_fields": [list(pair) for pair in self.request_fields],
            "response_fields": [list(pair) for pair in self.response_fields],
            "notifications": [dict(n) for n in self.notifications],
            "status_requests": self.status_requests,
        }


@dataclass(frozen=True)
class Behaviour:
    notify: str = "before"
    delay: float = DEFAULT_DELAY
    digest: str = "good"

    @classmethod
    def from_json(cls, data: dict) -> "Behaviour":
        unknown = sorted(set(data) - {"notify", "delay", "digest"})
        if unknown:
            raise ValidationError(unknown[0], "Unknown field")
        notify = data.get("notify", "before")
        if notify not in NOTIFY_MODES:
            raise ValidationError(
                "notify", f"Must be one of: {', '.join(NOTIFY_MODES)}"
            )
        delay = data.get("delay", DEFAULT_DELAY)
        if isinstance(delay, bool) or not isinstance(delay, int | float):
            raise ValidationError("delay", "Must be a number of seconds")
        if not 0 <= delay <= MAX_DELAY:
            raise ValidationError("delay", f"Must be between 0 and {MAX_DELAY:g}")
        digest = data.get("digest", "good")
        if digest not in DIGEST_MODES:
            raise ValidationError(
                "digest", f"Must be one of: {', '.join(DIGEST_MODES)}"
            )
        return cls(notify=notify, delay=float(delay), digest=digest)

    def as_dict(self) -> dict:
        return {"notify": self.notify, "delay": self.delay, "digest": self.digest}


def _demo_merchants() -> dict:
    return {DEMO_MID: Merchant(DEMO_MID, DEMO_SECRET, DEMO_NAME)}


@dataclass
class BankState:
    merchants: dict = field(default_factory=_demo_merchants)
    orders: dict = field(default_factory=dict)  # (mid, orderid) -> Order
    tokens: dict = field(default_factory=dict)  # token -> (mid, orderid)
    behaviour: Behaviour = field(default_factory=Behaviour)
    # Raised by every reset, so a late confirmation of a forgotten order
    # is not sent into the next test.
    generation: int = 0
    lock: threading.RLock = field(default_factory=threading.RLock)

    def clear(self) -> None:
        with self.lock:
            self.merchants = _demo_merchants()
            self.orders.clear()
            self.tokens.clear()
            self.behaviour = Behaviour()
            self.generation += 1


state = BankState()
_tx_ids = itertools.count(int(time.time()) % 100_000 * 10_000 + 900_000_000)

bank = system("bank")


def _reset():
    # System.reset, not a saved bound method, so reloading does not chain.
    state.clear()
    return System.reset(bank)


bank.reset = _reset


# Pages

TEXTS = {
    "el": {
        "bank": "Cardlink — περιβάλλον δοκιμών (προσομοίωση)",
        "title": "Πληρωμή με κάρτα",
        "merchant": "Έμπορος",
        "description": "Περιγραφή",
        "amount": "Ποσό",
        "order": "Κωδικός παραγγελίας",
        "card": "Στοιχεία κάρτας",
        "number": "Αριθμός κάρτας",
        "expiry": "Λήξη (ΜΜ/ΕΕ)",
        "cvv": "Κωδικός ασφαλείας (CVV)",
        "holder": "Όνομα κατόχου",
        "pay": "Πληρωμή",
        "cancel": "Ακύρωση",
        "test_cards": "Κάρτες δοκιμών",
        "test_note": "Οποιαδήποτε μελλοντική ημερομηνία λήξης και CVV 123.",
        "CAPTURED": "έγκριση",
        "REFUSED": "απόρριψη",
        "ERROR": "σφάλμα",
        "other": "Κάθε άλλος αριθμός: απόρριψη.",
        "missing": "Συμπληρώστε αριθμό κάρτας, λήξη (ΜΜ/ΕΕ) και CVV.",
        "error_title": "Η συναλλαγή δεν μπορεί να γίνει",
        "back": "Επιστροφή στον έμπορο",
        "return_title": "Επιστροφή στον έμπορο",
        "return_paid": "Η πληρωμή εγκρίθηκε.",
        "return_refused": "Η πληρωμή δεν εγκρίθηκε.",
        "return_cancelled": "Η πληρωμή ακυρώθηκε.",
        "return_wait": "Μεταφέρεστε στον έμπορο…",
        "continue": "Συνέχεια",
    },
    "en": {
        "bank": "Cardlink — test environment (simulation)",
        "title": "Card payment",
        "merchant": "Merchant",
        "description": "Description",
        "amount": "Amount",
        "order": "Order id",
        "card": "Card details",
        "number": "Card number",
        "expiry": "Expiry (MM/YY)",
        "cvv": "Security code (CVV)",
        "holder": "Cardholder name",
        "pay": "Pay",
        "cancel": "Cancel",
        "test_cards": "Test cards",
        "test_note": "Any future expiry date and CVV 123.",
        "CAPTURED": "approved",
        "REFUSED": "refused",
        "ERROR": "error",
        "other": "Any other number: refused.",
        "missing": "Enter the card number, expiry (MM/YY) and CVV.",
        "error_title": "The transaction cannot be processed",
        "back": "Back to the merchant",
        "return_title": "Back to the merchant",
        "return_paid": "The payment was approved.",
        "return_refused": "The payment was not approved.",
        "return_cancelled": "The payment was cancelled.",
        "return_wait": "Taking you back to the merchant…",
        "continue": "Continue",
    },
}

PAGE = """<!DOCTYPE html>
<html lang="{lang}">
<head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: sans-serif; max-width: 36em; margin: 1.5em auto;
       padding: 0 1em; color: #1a2b4c; line-height: 1.4; }}
h1 {{ font-size: 1.4em; }}
dt {{ font-weight: bold; }} dd {{ margin: 0 0 .5em 0; }}
label {{ display: block; margin-top: .8em; }}
input {{ font-size: 1.1em; padding: .3em; width: 100%; box-sizing: border-box; }}
button {{ font-size: 1.1em; margin: 1em .5em 0 0; padding: .4em 1.2em; }}
.error {{ border: 2px solid #a00; padding: .8em; color: #a00; }}
.tests {{ margin-top: 2em; border: 1px dashed #789; padding: .5em 1em; }}
:focus {{ outline: 3px solid #f90; }}
</style></head>
<body>
<header><p>{bank}</p></header>
<main>
{body}
</main>
</body></html>
"""


def _page(lang: str, title: str, body: str, status: int = 200) -> Response:
    html = PAGE.format(
        lang=lang,
        title=escape(title),
        bank=escape(TEXTS[lang]["bank"]),
        body=body,
    )
    return Response(
        body=html.encode("utf-8"),
        status=status,
        content_type="text/html",
        charset="utf-8",
    )


def _error_page(message: str, lang: str = "el", status: int = 400) -> Response:
    """The bank's page for a request it refuses: no way back to the shop."""
    texts = TEXTS.get(lang, TEXTS["el"])
    body = (
        f'<div class="error" role="alert"><h1>{escape(texts["error_title"])}</h1>'
        f'<p id="vpos-error">{escape(message)}</p></div>'
    )
    return _page(lang if lang in TEXTS else "el", texts["error_title"], body, status)


def _card_page(request, order: Order, merchant: Merchant, error: str = "") -> Response:
    texts = TEXTS[order.lang]
    t = {key: escape(value) for key, value in texts.items()}
    merchant_name = escape(merchant.name or merchant.mid)
    action = f"{request.script_name}/vpos/pay/{order.token}"
    alert = (
        f'<p class="error" role="alert" id="card-error">{escape(error)}</p>'
        if error
        else ""
    )
    cards = "".join(
        f"<tr><td><code>{number}</code></td><td>{escape(texts[status])}</td></tr>"
        for number, (status, _) in TEST_CARDS.items()
    )
    body = f"""<h1>{escape(texts["title"])}</h1>
<dl>
<dt>{t["merchant"]}</dt><dd id="merchant">{merchant_name}</dd>
<dt>{t["description"]}</dt><dd id="description">{escape(order.description)}</dd>
<dt>{t["amount"]}</dt><dd id="amount">{escape(format_euro(order.amount))}</dd>
<dt>{t["order"]}</dt><dd id="orderid">{escape(order.orderid)}</dd>
</dl>
{alert}
<form method="post" action="{escape(action)}" accept-charset="utf-8">
<fieldset><legend>{escape(texts["card"])}</legend>
<label for="cardNumber">{escape(texts["number"])}</label>
<input id="cardNumber" name="cardNumber" autocomplete="cc-number" inputmode="numeric"
       required>
<label for="expiry">{escape(texts["expiry"])}</label>
<input id="expiry" name="expiry" autocomplete="cc-exp" placeholder="MM/YY" required>
<label for="cvv">{escape(texts["cvv"])}</label>
<input id="cvv" name="cvv" autocomplete="cc-csc" inputmode="numeric" required>
<label for="holder">{escape(texts["holder"])}</label>
<input id="holder" name="holder" autocomplete="cc-name">
</fieldset>
<button type="submit" name="action" value="pay">{escape(texts["pay"])}</button>
<button type="submit" name="action" value="cancel"
        formnovalidate>{t["cancel"]}</button>
</form>
<aside class="tests" aria-labelledby="test-cards">
<h2 id="test-cards">{escape(texts["test_cards"])}</h2>
<table>{cards}</table>
<p>{escape(texts["other"])} {escape(texts["test_note"])}</p>
</aside>"""
    return _page(order.lang, texts["title"], body, 400 if error else 200)


def _return_page(order: Order, fields: list) -> bytes:
    """The page that posts the outcome back to the shop through the browser."""
    texts = TEXTS[order.lang]
    go_on = escape(texts["continue"])
    paid = order.status in PAID_STATUSES
    url = order.confirm_url if paid else order.cancel_url
    if paid:
        outcome = texts["return_paid"]
    elif order.status == "CANCELED":
        outcome = texts["return_cancelled"]
    else:
        outcome = texts["return_refused"]
    inputs = "\n".join(
        f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'
        for name, value in fields
    )
    body = f"""<h1>{escape(texts["return_title"])}</h1>
<p id="outcome">{escape(outcome)}</p>
<form id="vpos-return" method="post" action="{escape(url)}" accept-charset="utf-8">
<input type="hidden" name="_charset_">
{inputs}
<p>{escape(texts["return_wait"])}</p>
<button type="submit" name="submitButton" value="{go_on}">{go_on}</button>
</form>
<script>document.getElementById("vpos-return").submit();</script>"""
    html = PAGE.format(
        lang=order.lang,
        title=escape(texts["return_title"]),
        bank=escape(texts["bank"]),
        body=body,
    )
    return html.encode("utf-8")


class _ThenRun:
    """A WSGI body that runs ``then`` once the server has written it.

    The server calls ``close()`` after sending the body, which is the
    moment "after the browser's page" means.
    """

    def __init__(self, body: bytes, then):
        self.body = body
        self.then = then

    def __iter__(self):
        yield self.body

    def close(self):
        self.then()


# The merchant's form


def _notify_url(confirm_url: str, merchant: Merchant) -> str:
    if merchant.notify_url:
        return merchant.notify_url
    parts = urlsplit(confirm_url)
    head, _, last = parts.path.rpartition("/")
    path = f"{head}/notify" if last == "confirm" else parts.path
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def _http_url(value: str) -> bool:
    parts = urlsplit(value or "")
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _check_form(fields: list) -> tuple[Merchant, dict] | str:
    """The merchant and the fields of a good form, or the bank's error text."""
    received = {}
    for name, value in fields:
        if name in received:
            return f"Invalid request: field {name} repeated"
        received[name] = value
    with state.lock:
        merchant = state.merchants.get(received.get("mid", ""))
    if merchant is None:
        return "Invalid merchant id (mid)"
    given = received.get("digest", "")
    if not given:
        return "Missing digest"
    expected = form_digest(signed_values(fields), merchant.secret)
    if not hmac.compare_digest(expected.encode(), given.encode("utf-8")):
        return "Invalid digest"
    if received.get("version") != "2":
        return "Unsupported version"
    if not _ORDER_ID_RE.match(received.get("orderid", "")):
        return "Invalid orderid"
    amount = received.get("orderAmount", "")
    if not _AMOUNT_RE.match(amount) or Decimal(amount) <= 0:
        return "Invalid orderAmount"
    if received.get("currency") != "EUR":
        return "Invalid currency"
    if received.get("trType", "1") not in ("1", "2"):
        return "Invalid trType"
    if received.get("lang", "el") not in TEXTS:
        return "Invalid lang"
    if len(received.get("orderDesc", "")) > 128:
        return "Invalid orderDesc: longer than 128 characters"
    for name in ("confirmUrl", "cancelUrl"):
        if not _http_url(received.get(name, "")):
            return f"Invalid {name}"
    return merchant, received


@bank.route("POST", "/vpos/shophandlermpi")
def shop_handler(request):
    """Take the shop's signed form and show the card page."""
    fields = list(request.POST.items())
    checked = _check_form(fields)
    lang = request.POST.get("lang", "el")
    if isinstance(checked, str):
        return _error_page(checked, lang if lang in TEXTS else "el")
    merchant, received = checked
    key = (merchant.mid, received["orderid"])
    token = secrets.token_urlsafe(16)
    order = Order(
        mid=merchant.mid,
        orderid=received["orderid"],
        token=token,
        amount=Decimal(received["orderAmount"]).quantize(Decimal("0.01")),
        currency=received["currency"],
        description=received.get("orderDesc", ""),
        lang=received.get("lang", "el"),
        email=received.get("payerEmail", ""),
        tr_type=received.get("trType", "1"),
        confirm_url=received["confirmUrl"],
        cancel_url=received["cancelUrl"],
        notify_url=_notify_url(received["confirmUrl"], merchant),
        request_fields=fields,
        created=now_in_athens().isoformat(),
    )
    with state.lock:
        if key in state.orders:
            return _error_page("Duplicate orderid: already used", order.lang)
        state.orders[key] = order
        state.tokens[token] = key
    return _card_page(request, order, merchant)


# The card page


def _card_outcome(form) -> tuple[str, str] | None:
    """The status and message for the card entered, or None if incomplete."""
    number = re.sub(r"[\s-]", "", form.get("cardNumber", ""))
    expiry = _EXPIRY_RE.match(form.get("expiry", "").strip())
    cvv = form.get("cvv", "").strip()
    if not re.fullmatch(r"[0-9]{12,19}", number) or not expiry:
        return None
    if not re.fullmatch(r"[0-9]{3,4}", cvv):
        return None
    month, year = int(expiry.group(1)), 2000 + int(expiry.group(2))
    today = date.today()
    if (year, month) < (today.year, today.month):
        return EXPIRED_CARD
    return TEST_CARDS.get(number, UNKNOWN_CARD)


def _pay_method(number: str) -> str:
    if number.startswith("4"):
        return "visa"
    if number[:1] in ("2", "5"):
        return "mastercard"
    return "card"


def _response_fields(order: Order, secret: str, behaviour: Behaviour) -> list:
    fields = [
        ("version", "2"),
        ("mid", order.mid),
        ("orderid", order.orderid),
        ("status", order.status),
        ("orderAmount", f"{order.amount:.2f}"),
        ("currency", order.currency),
        ("paymentTotal", f"{order.amount:.2f}"),
        ("message", order.message),
        ("riskScore", "0"),
        ("payMethod", order.pay_method),
        ("txId", order.tx_id),
        ("paymentRef", order.payment_ref),
    ]
    fields = [(name, value) for name, value in fields if value]
    signing_secret = secret if behaviour.digest == "good" else secret + "-wrong"
    fields.append(("digest", form_digest(signed_values(fields), signing_secret)))
    return fields


def _send_notification(
    order: Order, fields: list, phase: str, generation: int, digest_mode: str
):
    """POST the background confirmation and record the merchant's answer."""
    with state.lock:
        if state.generation != generation:
            return
    record = {
        "phase": phase,
        "url": order.notify_url,
        "sent_at": now_in_athens().isoformat(),
        "digest": digest_mode,
        "status": None,
        "error": None,
    }
    try:
        answer = requests.post(
            order.notify_url,
            data=fields,
            timeout=NOTIFY_TIMEOUT,
            allow_redirects=False,
        )
        record["status"] = answer.status_code
    except requests.RequestException as e:
        record["error"] = f"{type(e).__name__}: {e}"
    logger.info("bank: notified %s (%s): %s", order.notify_url, phase, record)
    with state.lock:
        if state.generation == generation:
            order.notifications.append(record)


def _in_thread(target, *args, delay: float = 0.0):
    def run():
        if delay:
            time.sleep(delay)
        target(*args)

    threading.Thread(target=run, daemon=True, name="bank-notify").start()


@bank.route("POST", "/vpos/pay/{token}")
def pay(request, token):
    """The card page's answer: settle the order and send the outcome back."""
    with state.lock:
        key = state.tokens.get(token)
        order = state.orders.get(key) if key else None
        merchant = state.merchants.get(order.mid) if order else None
        behaviour = state.behaviour
        generation = state.generation
    if order is None or merchant is None:
        return _error_page("Unknown or expired transaction", status=404)
    if order.done:
        return _error_page("Transaction already completed", order.lang, 409)
    if request.POST.get("action") == "cancel":
        outcome = CANCELED
    else:
        outcome = _card_outcome(request.POST)
        if outcome is None:
            return _card_page(request, order, merchant, TEXTS[order.lang]["missing"])
    with state.lock:
        if order.done:
            return _error_page("Transaction already completed", order.lang, 409)
        order.status, order.message = outcome
        if order.status != "CANCELED":
            number = re.sub(r"[\s-]", "", request.POST.get("cardNumber", ""))
            order.tx_id = str(next(_tx_ids))
            order.pay_method = _pay_method(number)
        if order.status in PAID_STATUSES:
            order.payment_ref = f"{secrets.randbelow(10**6):06d}"
        order.completed = now_in_athens().isoformat()
        order.response_fields = _response_fields(order, merchant.secret, behaviour)
        fields = list(order.response_fields)
    if behaviour.notify in ("before", "twice"):
        _send_notification(order, fields, "before", generation, behaviour.digest)
    body = _return_page(order, fields)
    response = Response(content_type="text/html", charset="utf-8")
    if behaviour.notify in ("after", "twice", "late"):
        phase = "after" if behaviour.notify != "late" else "late"
        delay = behaviour.delay if behaviour.notify == "late" else 0.0
        response.app_iter = _ThenRun(
            body,
            lambda: _in_thread(
                _send_notification,
                order,
                fields,
                phase,
                generation,
                behaviour.digest,
                delay=delay,
            ),
        )
        response.content_length = len(body)
    else:
        response.body = body
    return response


# The XML API


def _canonical(message) -> bytes:
    # Inclusive Canonical XML 1.0 of Message. lxml's inclusive mode on a
    # subtree marks children xmlns="" (a libxml2 quirk), so exclusive mode
    # with ns2 kept: the same bytes for these documents, which declare no
    # other namespaces.
    return etree.tostring(
        message, method="c14n", exclusive=True, inclusive_ns_prefixes=["ns2"]
    )


def _xml_digest(message, secret: str) -> str:
    data = _canonical(message) + secret.encode("utf-8")
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


def _q(name: str) -> str:
    return f"{{{VPOS_NS}}}{name}"


def _xml_response(root) -> Response:
    body = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return Response(body=body, content_type="application/xml", charset="utf-8")


def _xml_error(code: str, message: str, description: str, original: bytes = b""):
    """The unsigned version 1.0 answer of the XML API to a bad request."""
    original = original[:2000]
    root = etree.Element(_q("VPOS"), nsmap={None: VPOS_NS, "ns2": DSIG_NS})
    envelope = etree.SubElement(
        root,
        _q("Message"),
        version="1.0",
        messageId=f"E{int(time.time() * 1000)}",
        timeStamp=datetime.now(ATHENS).isoformat(timespec="milliseconds"),
    )
    for name, text in (
        ("ErrorCode", code),
        ("ErrorMessage", message),
        ("Description", description),
        (
            "OriginalXML",
            _NOT_XML_RE.sub("", original.decode("utf-8", "replace"))[:2000],
        ),
    ):
        etree.SubElement(envelope, _q(name)).text = text
    return _xml_response(root)


def _child(element, *path):
    for name in path:
        if element is None:
            return None
        element = element.find(_q(name))
    return element


def _text(element) -> str:
    return (element.text or "").strip() if element is not None else ""


def _transaction_details(parent, order: Order):
    details = etree.SubElement(parent, _q("TransactionDetails"))
    values = (
        ("OrderId", order.orderid),
        ("OrderAmount", f"{order.amount:.2f}"),
        ("Currency", order.currency),
        ("PaymentTotal", f"{order.amount:.2f}"),
        ("Status", order.status),
        ("TxId", order.tx_id),
        ("TxType", "SALE" if order.tr_type == "1" else "AUTHORIZATION"),
        ("TxDate", order.completed or order.created),
        ("PaymentRef", order.payment_ref),
        ("RiskScore", "0"),
        ("PaymentMethod", order.pay_method),
        ("Description", order.message or order.description),
    )
    for name, text in values:
        etree.SubElement(details, _q(name)).text = text


@bank.route("POST", "/vpos/xmlpayvpos")
def xml_api(request):
    """Answer a ``StatusRequest`` of the VPOS XML API."""
    body = request.body
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        tree = etree.fromstring(body, parser).getroottree()
    except etree.XMLSyntaxError as e:
        return _xml_error("XE", "Invalid XML", str(e), body)
    if tree.docinfo.doctype:
        return _xml_error("XE", "Invalid XML", "DOCTYPE not allowed", body)
    root = tree.getroot()
    message = _child(root, "Message")
    if root.tag != _q("VPOS") or message is None:
        return _xml_error("XE", "Invalid XML", "Expected VPOS/Message", body)
    request_element = _child(message, "StatusRequest")
    if request_element is None:
        return _xml_error("XE", "Unsupported request", "Only StatusRequest", body)
    mid = _text(_child(request_element, "Authentication", "Mid"))
    with state.lock:
        merchant = state.merchants.get(mid)
        behaviour = state.behaviour
    if merchant is None:
        return _xml_error("AE", "Authentication failed", f"Unknown merchant {mid}")
    given = _text(_child(root, "Digest"))
    expected = _xml_digest(message, merchant.secret)
    if not hmac.compare_digest(expected.encode(), given.encode("utf-8")):
        return _xml_error("SE", "Security error", "Invalid digest")
    orderid = _text(_child(request_element, "TransactionInfo", "OrderId"))

    answer = etree.Element(_q("VPOS"), nsmap={None: VPOS_NS, "ns2": DSIG_NS})
    reply = etree.SubElement(
        answer,
        _q("Message"),
        messageId=message.get("messageId", ""),
        timeStamp=datetime.now(ATHENS).isoformat(timespec="milliseconds"),
        version="2.1",
    )
    response = etree.SubElement(reply, _q("StatusResponse"))
    with state.lock:
        order = state.orders.get((mid, orderid))
        if order is not None:
            order.status_requests += 1
            _transaction_details(response, order)
    # Indented, as the bank's are: the whitespace is part of what is signed.
    etree.indent(answer, space="  ")
    secret = merchant.secret if behaviour.digest == "good" else merchant.secret + "-x"
    reply.tail = "\n  "
    signature = etree.SubElement(answer, _q("Digest"))
    signature.text = _xml_digest(reply, secret)
    signature.tail = "\n"
    return _xml_response(answer)


# Test knobs


@bank.route("GET", "/_sim/behaviour")
def get_behaviour(request):
    with state.lock:
        return state.behaviour.as_dict()


@bank.route("POST", "/_sim/behaviour")
def set_behaviour(request):
    """Choose when the background confirmation goes and how it is signed."""
    behaviour = Behaviour.from_json(read_json(request))
    with state.lock:
        state.behaviour = behaviour
    return behaviour.as_dict()


@bank.route("GET", "/_sim/merchants")
def list_merchants(request):
    with state.lock:
        return [m.as_dict() for m in state.merchants.values()]


@bank.route("POST", "/_sim/merchants")
def add_merchant(request):
    """Add or replace a merchant: ``{"mid", "secret", "name"?, "notify_url"?}``."""
    data = read_json(request)
    unknown = sorted(set(data) - {"mid", "secret", "name", "notify_url"})
    if unknown:
        raise ValidationError(unknown[0], "Unknown field")
    mid = data.get("mid")
    if not isinstance(mid, str) or not _MID_RE.match(mid):
        raise ValidationError("mid", "Must be 1-30 ASCII letters and digits")
    secret = data.get("secret")
    if not isinstance(secret, str) or not secret:
        raise ValidationError("secret", "Required")
    name = data.get("name", "")
    if not isinstance(name, str):
        raise ValidationError("name", "Must be a string")
    notify_url = data.get("notify_url")
    if notify_url is not None and not (
        isinstance(notify_url, str) and _http_url(notify_url)
    ):
        raise ValidationError("notify_url", "Must be an absolute http(s) URL")
    merchant = Merchant(mid, secret, name, notify_url)
    with state.lock:
        replaced = mid in state.merchants
        state.merchants[mid] = merchant
    return json_response(merchant.as_dict(), status=200 if replaced else 201)


@bank.route("GET", "/_sim/orders")
def list_orders(request):
    with state.lock:
        return [order.as_dict() for order in state.orders.values()]


@bank.route("GET", "/_sim/orders/{orderid}")
def get_order(request, orderid):
    """One order, with what was exchanged; ``?mid=`` picks the merchant."""
    mid = request.GET.get("mid")
    with state.lock:
        found = [
            order
            for (order_mid, order_id), order in state.orders.items()
            if order_id == orderid and (mid is None or order_mid == mid)
        ]
        if not found:
            return json_response(
                {"error": {"field": "orderid", "message": f"No order {orderid}"}},
                status=404,
            )
        return found[0].as_dict()
