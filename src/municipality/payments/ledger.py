"""The payments ledger: every card payment, its state and its append-only log.

Payments are not content: the bank's messages must be written at a hundred
a second or more, and an anonymous payer of a traffic ticket has no account
to own an item. The :class:`Ledger` is one persistent object in the site's
annotations, with BTrees that find a payment by its number, its public
token, the bank's order id, its payer's user id or ΑΦΜ, the items it pays
(while it is live), its state and its creation time.

A :class:`Payment` is numbered in the series ``ΠΛΗ`` (``ΠΛΗ-2026/000123``,
:mod:`municipality.core.refnumbers`); its ``token`` (random, 32 characters)
is the capability that opens its page without a login; its ``order_id``
(``2026000123r5f0c2a9e1b``, ASCII: year, number and 40 random bits, so it
cannot be guessed from a payment's number) is what the bank knows it by.
Its states::

    started ──► paid ──► posted            (posted: finance has it)
       │          ▲
       ├──► failed ┤                        (a PAID after failed, cancelled
       ├──► cancelled                        or expired still makes it paid:
       └──► expired ┘                        the bank has the money)

Only :mod:`municipality.payments.settlement` moves a payment out of
``started`` or into ``paid`` (from a verified bank message), and
:mod:`.handlers` into ``posted``; each move goes through :func:`change_state`,
which keeps the indexes right and fires
:class:`~municipality.payments.interfaces.PaymentStateChanged`.

Every message about a payment (the bank's notification, the browser return,
a status answer, the system's and the staff's actions) is kept in its log,
which only :meth:`Payment.append_log` writes and which is never rewritten.
Messages the bank did not sign (a wrong digest or merchant, an unreadable
body) never go to a payment's log, whatever order they name: anyone could
post them. They, and signed ones about an order that is not ours, go to
the ledger's bounded ``rejected`` log.
"""

from BTrees.Length import Length
from BTrees.OOBTree import OOBTree
from BTrees.OOBTree import OOTreeSet
from decimal import Decimal
from decimal import InvalidOperation
from municipality import _
from municipality.core import outbox
from municipality.core.refnumbers import current_year
from municipality.core.refnumbers import next_number
from municipality.core.refnumbers import parse_number
from municipality.core.serial import hold_until_transaction_end
from municipality.payments import settings
from municipality.payments.interfaces import PaymentStateChanged
from persistent import Persistent
from zope.annotation.interfaces import IAnnotations
from zope.component.hooks import getSite
from zope.event import notify

import re
import secrets
import time


ANNOTATION_KEY = "municipality.payments.ledger"
SERIES = "ΠΛΗ"
CURRENCY = "EUR"

STARTED = "started"
PAID = "paid"
POSTED = "posted"
FAILED = "failed"
CANCELLED = "cancelled"
EXPIRED = "expired"
STATES = (STARTED, PAID, POSTED, FAILED, CANCELLED, EXPIRED)
# A payment in these states holds its items: no second payment may start.
LIVE_STATES = frozenset({STARTED, PAID, POSTED})
# The bank has the money.
PAID_STATES = frozenset({PAID, POSTED})
# Over without money; a late PAID from the bank can still reopen them.
UNPAID_STATES = frozenset({FAILED, CANCELLED, EXPIRED})

LOG_SOURCES = ("notify", "return", "status", "system", "staff")
LOG_OUTCOMES = ("applied", "duplicate", "rejected", "ignored", "info")
# The site-level log of messages tied to no payment keeps this many.
REJECTED_KEEP = 1000

STATUS_KIND = "payments.status"
# While the bank says a payment is still being processed it does not
# expire, until this long after it started (seconds).
PENDING_LIMIT = 24 * 3600
# A payment expired because the bank knew no such order is asked about
# once more this long after (seconds): a late capture whose notification
# was lost is still found.
LATE_CHECK_AFTER = 60 * 60
CENT = Decimal("0.01")
# What a card payment may be at most (the bank's orderAmount has 8 digits
# before the decimal point; larger sums are paid by bank transfer).
MAX_TOTAL = Decimal("99999999.99")
MAX_ITEMS = 100
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _now():
    return time.time()


def money(value):
    """A ``Decimal`` from a Decimal, int or string; ``ValueError`` if not one."""
    if isinstance(value, float):
        raise ValueError("Money is never a float")
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, AttributeError):
        raise ValueError(f"Not an amount: {value!r}") from None
    if not amount.is_finite():
        raise ValueError(f"Not an amount: {value!r}")
    return amount


def as_text(amount):
    """``Decimal("12.5")`` → ``"12.50"``: amounts in JSON, logs and payloads."""
    return str(Decimal(amount).quantize(CENT))


class Payment(Persistent):
    """One card payment: what is paid, by whom, its state and its log.

    ``items`` is a tuple of plain dicts ``{kind, ref, description, amount
    (str "12.50"), category, rf_code, details}``; ``amount`` the total as
    ``Decimal``. The bank's side (``paid_amount``, ``paid_currency``,
    ``bank_*``) is filled from the verified message that paid it, the
    finance side (``receipt_number``, ``posted_at``) when finance took the
    posting, ``receipt`` (a blob file) when the receipt PDF was made.
    """

    # Payments stored before these attributes existed read them from here.
    last_bank_check = None

    def __init__(
        self,
        id,
        token,
        order_id,
        channel,
        items,
        amount,
        currency=CURRENCY,
        payer=None,
        email="",
        context_uid=None,
        created=None,
    ):
        self.id = id
        self.token = token
        self.order_id = order_id
        self.channel = channel
        self.items = tuple(dict(item) for item in items)
        self.amount = amount
        self.currency = currency
        self.payer = dict(payer) if payer else None
        self.email = email or ""
        self.context_uid = context_uid
        self.created = _now() if created is None else created
        self.state = STARTED
        self.settled = None  # when it left «started» (or was paid late)
        self.paid_at = None  # when the payment that paid it was confirmed
        self.paid_amount = None
        self.paid_currency = ""
        self.bank_status = ""
        self.bank_transaction_id = ""
        self.bank_payment_ref = ""
        self.pay_method = ""
        self.receipt_number = ""  # the finance system's (γραμμάτιο)
        self.posted_at = ""
        self.receipt = None  # NamedBlobFile, the receipt PDF
        self.receipt_at = None
        # Why the operators must look at it (paid after it had failed or
        # expired, an item paid twice): a refund or an acceptance.
        self.attention = ""
        self.status_checks = 0
        self.last_bank_check = None  # when the bank was last asked (seconds)
        self._log = ()
        # index of a ``duplicate`` entry -> (times received again, last time)
        self._repeats = {}

    def __repr__(self):
        return f"<Payment {self.id} {self.state} {self.amount} {self.order_id}>"

    # -- the log ----------------------------------------------------------

    @property
    def log(self):
        """The log entries, oldest first (copies: the log cannot be edited).

        A ``duplicate`` entry received again, the same in every field (a
        replayed message), is not added again: the entry shows ``repeats``
        (how many more times it came) and ``last_time`` (when last).
        """
        repeats = getattr(self, "_repeats", None) or {}
        entries = []
        for index, entry in enumerate(self._log):
            copy = dict(entry)
            if index in repeats:
                copy["repeats"], copy["last_time"] = repeats[index]
            entries.append(copy)
        return tuple(entries)

    def _repeat_of(self, record):
        """The index of an earlier ``duplicate`` entry equal to ``record``."""
        for index in range(len(self._log) - 1, -1, -1):
            earlier = self._log[index]
            if earlier["outcome"] == "duplicate" and all(
                earlier.get(key) == record.get(key)
                for key in ("source", "verified", "reason", "fields", "actor")
            ):
                return index
        return None

    def append_log(self, entry):
        """Add ``entry`` to the log, the only way anything is written to it.

        ``entry``: ``source`` (:data:`LOG_SOURCES`), ``outcome``
        (:data:`LOG_OUTCOMES`), ``verified`` (bool: the message's digest
        checked), ``reason`` (text), ``fields`` (the bank's fields as
        received, digest included, as (name, value) pairs), ``time``
        (seconds since the epoch, now by default), ``actor`` (the staff
        member, for ``staff``).
        """
        source = entry.get("source")
        outcome = entry.get("outcome")
        if source not in LOG_SOURCES:
            raise ValueError(f"Unknown log source {source!r}")
        if outcome not in LOG_OUTCOMES:
            raise ValueError(f"Unknown log outcome {outcome!r}")
        record = {
            "time": float(entry.get("time") or _now()),
            "source": source,
            "verified": bool(entry.get("verified", False)),
            "outcome": outcome,
            "reason": str(entry.get("reason") or ""),
            "fields": tuple(
                (str(name), str(value)) for name, value in entry.get("fields") or ()
            ),
        }
        if entry.get("actor"):
            record["actor"] = str(entry["actor"])
        if outcome == "duplicate":
            # A message replayed (a signed one can be sent any number of
            # times) counts on its first entry: the log does not grow with it.
            index = self._repeat_of(record)
            if index is not None:
                repeats = dict(getattr(self, "_repeats", None) or {})
                count, _last = repeats.get(index, (0, None))
                repeats[index] = (count + 1, record["time"])
                self._repeats = repeats
                return dict(record)
        # A new tuple each time: the stored entries are never changed in place.
        self._log = (*self._log, record)
        return dict(record)

    # -- reading ----------------------------------------------------------

    @property
    def number(self):
        return self.id

    @property
    def transaction_id(self):
        """What finance knows the payment by: its number, URL-safe
        (``ΠΛΗ-2026-000123``); one posting per payment, whatever retries."""
        return self.id.replace("/", "-")

    @property
    def is_live(self):
        return self.state in LIVE_STATES

    @property
    def is_paid(self):
        return self.state in PAID_STATES

    @property
    def refs(self):
        return tuple(item["ref"] for item in self.items)

    @property
    def payer_userid(self):
        return (self.payer or {}).get("userid") or ""

    @property
    def payer_name(self):
        return (self.payer or {}).get("fullname") or ""

    @property
    def payer_afm(self):
        return (self.payer or {}).get("afm") or ""

    def afms(self):
        """Every ΑΦΜ the payment is about: the payer's and the items' debtors'."""
        found = []
        for value in [self.payer_afm] + [
            (item.get("details") or {}).get("afm") or "" for item in self.items
        ]:
            value = str(value).strip()
            if value and value not in found:
                found.append(value)
        return found


class Ledger(Persistent):
    """The payments of one site and their indexes."""

    def __init__(self):
        self.payments = OOBTree()  # number -> Payment
        self.by_token = OOBTree()  # token -> number
        self.by_order = OOBTree()  # bank order id -> number
        self.by_user = OOBTree()  # userid -> OOTreeSet of numbers
        self.by_afm = OOBTree()  # ΑΦΜ -> OOTreeSet of numbers
        self.by_ref = OOBTree()  # item ref -> OOTreeSet of numbers (live only)
        self.by_state = OOBTree()  # state -> OOTreeSet of numbers
        self.by_created = OOBTree()  # (created, number) -> number
        self.by_rf = OOBTree()  # an item's RF code -> OOTreeSet of numbers
        self.rejected = OOBTree()  # (time, seq) -> entry: messages of no payment
        self.rejected_count = Length()
        self._rejected_seq = Length()

    # -- writing ----------------------------------------------------------

    @staticmethod
    def _add_to(tree, key, number):
        ids = tree.get(key)
        if ids is None:
            ids = tree[key] = OOTreeSet()
        ids.add(number)

    @staticmethod
    def _remove_from(tree, key, number, keep=False):
        ids = tree.get(key)
        if ids is not None and number in ids:
            ids.remove(number)
            if not ids and not keep:
                del tree[key]

    def add(self, payment):
        if payment.id in self.payments:
            raise KeyError(f"Payment {payment.id} exists")
        self.payments[payment.id] = payment
        self.by_token[payment.token] = payment.id
        self.by_order[payment.order_id] = payment.id
        self.by_created[(payment.created, payment.id)] = payment.id
        if payment.payer_userid:
            self._add_to(self.by_user, payment.payer_userid, payment.id)
        for afm in payment.afms():
            self._add_to(self.by_afm, afm, payment.id)
        for item in payment.items:
            if item.get("rf_code"):
                self._add_to(self.by_rf, item["rf_code"], payment.id)
        self._add_to(self.by_state, payment.state, payment.id)
        if payment.state in LIVE_STATES:
            for ref in payment.refs:
                self._add_to(self.by_ref, ref, payment.id)

    def reindex_state(self, payment, old_state):
        # The state sets stay even when empty: fewer writes to the tree
        # that every settlement touches.
        self._remove_from(self.by_state, old_state, payment.id, keep=True)
        self._add_to(self.by_state, payment.state, payment.id)
        was_live = old_state in LIVE_STATES
        if was_live and not payment.is_live:
            for ref in payment.refs:
                self._remove_from(self.by_ref, ref, payment.id)
        elif payment.is_live and not was_live:
            for ref in payment.refs:
                self._add_to(self.by_ref, ref, payment.id)

    def log_rejected(self, entry):
        """Keep a message tied to no payment; only the newest
        :data:`REJECTED_KEEP` are kept."""
        self._rejected_seq.change(1)
        record = dict(entry)
        record.setdefault("time", _now())
        record["fields"] = tuple(
            (str(n), str(v)) for n, v in record.get("fields") or ()
        )
        self.rejected[(record["time"], self._rejected_seq())] = record
        self.rejected_count.change(1)
        while self.rejected_count() > REJECTED_KEEP:
            del self.rejected[self.rejected.minKey()]
            self.rejected_count.change(-1)

    # -- reading ----------------------------------------------------------

    def get(self, number):
        return self.payments.get(number)

    def by_token_get(self, token):
        number = self.by_token.get(token) if isinstance(token, str) else None
        return self.payments.get(number) if number else None

    def by_order_get(self, order_id):
        number = self.by_order.get(order_id) if isinstance(order_id, str) else None
        return self.payments.get(number) if number else None

    def live_for(self, ref):
        """The live payments of ``ref``, paid ones first, then newest first."""
        numbers = self.by_ref.get(ref) or ()
        found = [self.payments[n] for n in numbers if n in self.payments]
        found = [p for p in found if p.is_live]
        found.sort(key=lambda p: (not p.is_paid, -p.created))
        return found

    def numbers_in_state(self, state):
        return self.by_state.get(state) or ()

    def rejected_entries(self, limit=100):
        """The newest messages tied to no payment, newest first."""
        result = []
        if not len(self.rejected):
            return result
        for key in reversed(list(self.rejected.keys())[-limit:]):
            result.append(dict(self.rejected[key]))
        return result


def get_ledger(site=None, create=False):
    """The site's :class:`Ledger` (``None`` before :func:`install`, unless
    ``create``)."""
    annotations = IAnnotations(site or getSite())
    ledger = annotations.get(ANNOTATION_KEY)
    if ledger is None and create:
        ledger = annotations[ANNOTATION_KEY] = Ledger()
    return ledger


def install(site):
    """Create the ledger's storage on the site (idempotent)."""
    get_ledger(site, create=True)


def _ledger():
    ledger = get_ledger(create=True)
    return ledger


# -- state changes --------------------------------------------------------------


def change_state(payment, new_state, now=None, ledger=None):
    """Move ``payment`` to ``new_state``, keep the indexes, fire the event.

    Returns False (and does nothing) when it already is in that state.
    """
    if new_state not in STATES:
        raise ValueError(f"Unknown payment state {new_state!r}")
    old_state = payment.state
    if old_state == new_state:
        return False
    ledger = ledger or _ledger()
    now = _now() if now is None else now
    payment.state = new_state
    if new_state != POSTED:
        payment.settled = now
    ledger.reindex_state(payment, old_state)
    notify(PaymentStateChanged(payment, old_state, new_state))
    return True


# -- creating -------------------------------------------------------------------


def _error(field, message):
    from municipality.payments.api import PaymentError

    return PaymentError(field, message)


def _check_items(items):
    from municipality.payments.api import Item
    from municipality.payments.api import ITEM_KINDS

    if isinstance(items, Item):
        items = [items]
    items = list(items or ())
    if not items:
        raise _error("items", _("Nothing to pay: choose at least one item."))
    if len(items) > MAX_ITEMS:
        raise _error(
            "items",
            _(
                "At most ${count} items can be paid at once.",
                mapping={"count": MAX_ITEMS},
            ),
        )
    checked = []
    refs = set()
    for item in items:
        if not isinstance(item, Item) or item.kind not in ITEM_KINDS:
            raise _error("items", _("An item to pay is not valid."))
        ref = (item.ref or "").strip() if isinstance(item.ref, str) else ""
        if not ref:
            raise _error("items", _("An item to pay is not valid."))
        if ref in refs:
            raise _error("items", _("The same item appears twice in the payment."))
        refs.add(ref)
        try:
            amount = money(item.amount)
        except ValueError:
            amount = None
        if amount is None or amount <= 0 or amount != amount.quantize(CENT):
            raise _error(
                "items",
                _(
                    "The amount of «${description}» must be more than zero and "
                    "in whole cents.",
                    mapping={"description": item.description or ref},
                ),
            )
        description = " ".join(str(item.description or "").split())
        if not description:
            raise _error("items", _("An item to pay is not valid."))
        checked.append(
            {
                "kind": item.kind,
                "ref": ref,
                "description": description,
                "amount": as_text(amount),
                "category": item.category or "",
                "rf_code": item.rf_code or "",
                "details": dict(item.details or {}),
            }
        )
    return checked


def create_payment(items, channel, payer=None, email="", context=None, now=None):
    """Record a new payment of ``items`` (state ``started``); see
    :func:`municipality.payments.api.create_payment`."""
    from municipality.payments.api import CHANNELS

    if channel not in CHANNELS:
        raise _error("channel", _("Unknown payment channel."))
    checked = _check_items(items)
    total = sum((Decimal(item["amount"]) for item in checked), Decimal(0))
    if total > MAX_TOTAL:
        raise _error(
            "items",
            _("The total is more than a card payment can be; please pay by transfer."),
        )
    email = (email or "").strip()
    if email and (len(email) > 254 or not EMAIL.match(email)):
        raise _error("email", _("The email address is not valid."))
    if payer is not None and not isinstance(payer, dict):
        raise _error("payer", _("The payer is not valid."))
    payer = (
        {
            "userid": str(payer.get("userid") or ""),
            "fullname": str(payer.get("fullname") or ""),
            "afm": str(payer.get("afm") or ""),
        }
        if payer
        else None
    )
    context_uid = None
    if context is not None:
        context_uid = context if isinstance(context, str) else context.UID()

    site = getSite()
    ledger = get_ledger(site, create=True)
    # Read the refs' live payments after any other writer of this process
    # committed: two payments of one debt must not both start.
    hold_until_transaction_end(site)
    for item in checked:
        if ledger.live_for(item["ref"]):
            raise _error(
                "items",
                _(
                    "«${description}» already has a payment in progress or "
                    "completed. See its status before paying again.",
                    mapping={"description": item["description"]},
                ),
            )
    now = _now() if now is None else now
    number = next_number(SERIES, site=site)
    _series, year, serial = parse_number(number)
    payment = Payment(
        id=number,
        token=secrets.token_urlsafe(24),
        order_id=new_order_id(year, serial),
        channel=channel,
        items=checked,
        amount=total.quantize(CENT),
        payer=payer,
        email=email,
        context_uid=context_uid,
        created=now,
    )
    ledger.add(payment)
    payment.append_log(
        {"time": now, "source": "system", "outcome": "info", "reason": "created"}
    )
    schedule_status_check(payment, now=now)
    return payment


def new_order_id(year, serial):
    """The bank's order id of a new payment: ``2026000123r5f0c2a9e1b``.

    The year and number make it unique; ten random hex digits (40 bits)
    make it impossible to guess from the payment's number. ASCII letters
    and digits, at most 50 (what the gateway accepts).
    """
    return f"{year}{serial:06d}r{secrets.token_hex(5)}"


def schedule_status_check(payment, now=None, after=None, final=False):
    """Ask the bank about ``payment`` later (an outbox item of its own).

    The first check is ``status_check_after`` minutes after the payment
    started; each later one (:mod:`.handlers`) is scheduled with a new key,
    never past the expiry time, when the status check is due anyway; once
    past it (the bank said the payment is still being processed), never
    past :func:`pending_limit`. A ``final`` check is of a payment already
    expired (the bank knew no such order): ``after`` seconds later
    (:data:`LATE_CHECK_AFTER` by default), to find a late capture.
    """
    now = _now() if now is None else now
    payment.status_checks += 1
    count = payment.status_checks
    if final:
        delay = LATE_CHECK_AFTER if after is None else after
    else:
        minutes = settings.get("status_check_after") or 20
        delay = minutes * 60 if after is None else after
    when = now + delay
    if count > 1 and not final:
        deadline = expiry_time(payment)
        if deadline <= now:
            deadline = pending_limit(payment)
        when = max(now, min(when, deadline))
    payload = {"payment": payment.id, "check": count}
    if final:
        payload["final"] = True
    return outbox.enqueue(
        STATUS_KIND,
        payload,
        key=f"{STATUS_KIND}:{payment.id}:{count}",
        not_before=when,
    )


def expiry_time(payment):
    """When an unanswered payment expires (``expire_after`` after it started)."""
    return payment.created + (settings.get("expire_after") or 60) * 60


def pending_limit(payment):
    """When a payment the bank still calls «being processed» expires anyway."""
    return max(payment.created + PENDING_LIMIT, expiry_time(payment))


# -- finding --------------------------------------------------------------------


def _portal_url():
    from plone import api

    return api.portal.get().absolute_url()


def bank_redirect_url(payment):
    """The page that posts ``payment``'s signed form to the bank."""
    return f"{payment_url(payment)}/bank"


def payment_url(payment):
    """The payment's status page, opened by its token."""
    return f"{_portal_url()}/@@payment/{payment.token}"


def receipt_url(payment):
    return f"{payment_url(payment)}/receipt.pdf"


def get_payment(token):
    """The payment with this public token, or ``None``."""
    ledger = get_ledger()
    if ledger is None or not token or not isinstance(token, str):
        return None
    return ledger.by_token_get(token)


def get_by_number(number):
    ledger = get_ledger()
    return ledger.get(number) if ledger is not None else None


def get_by_order(order_id):
    ledger = get_ledger()
    return ledger.by_order_get(order_id) if ledger is not None else None


def live_payments(refs):
    """``{ref: payment}`` of the refs that have a started or paid payment.

    When a ref has more than one (a late bank payment of an expired one
    beside a new one), the paid one wins.
    """
    ledger = get_ledger()
    result = {}
    if ledger is None:
        return result
    for ref in refs or ():
        found = ledger.live_for(ref)
        if found:
            result[ref] = found[0]
    return result


def payments_of(userid):
    """The payments of a user, newest first."""
    ledger = get_ledger()
    if ledger is None or not userid:
        return []
    numbers = ledger.by_user.get(userid) or ()
    found = [ledger.payments[n] for n in numbers if n in ledger.payments]
    found.sort(key=lambda p: p.created, reverse=True)
    return found


def search(
    state=None,
    channel=None,
    start=None,
    end=None,
    text=None,
    ledger=None,
):
    """Payments for the staff list, newest first.

    :param state: One of :data:`STATES`.
    :param channel: One of ``api.CHANNELS``.
    :param start: / :param end: Seconds since the epoch (created within).
    :param text: A payment number (``ΠΛΗ-2026/000123`` or just ``123``),
        an ΑΦΜ, a bank order id or an RF code.
    """
    ledger = ledger or get_ledger()
    if ledger is None:
        return []
    candidates = None
    if text:
        candidates = _text_matches(ledger, text.strip())
    if state:
        in_state = set(ledger.numbers_in_state(state))
        candidates = in_state if candidates is None else candidates & in_state
    if candidates is None:
        low = (start, "") if start is not None else None
        high = (end, "\uffff") if end is not None else None
        numbers = list(ledger.by_created.values(min=low, max=high))
        numbers.reverse()
        found = (ledger.payments[n] for n in numbers)
    else:
        found = sorted(
            (ledger.payments[n] for n in candidates if n in ledger.payments),
            key=lambda p: p.created,
            reverse=True,
        )
    result = []
    for payment in found:
        if start is not None and payment.created < start:
            continue
        if end is not None and payment.created > end:
            continue
        if channel and payment.channel != channel:
            continue
        result.append(payment)
    return result


def _text_matches(ledger, text):
    found = set()
    compact = "".join(text.split())
    if compact in ledger.payments:
        found.add(compact)
    if compact.isdigit() and len(compact) <= 9:
        # «123», the number without series and year: this year's.
        number = f"{SERIES}-{current_year()}/{int(compact):06d}"
        if number in ledger.payments:
            found.add(number)
    if compact in ledger.by_order:
        found.add(ledger.by_order[compact])
    found.update(ledger.by_afm.get(compact) or ())
    found.update(ledger.by_rf.get(compact.upper()) or ())
    return found
