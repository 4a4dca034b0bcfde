"""Settlement: what the bank says about a payment, verified, logged, applied once.

Three kinds of message reach us about an order:

* the bank's **background confirmation** (``@@vpos/notify``), posted
  server to server: :func:`receive_notification` verifies it and applies it;
* the **browser return** (``@@vpos/confirm``, ``@@vpos/cancel``), posted
  by the citizen's browser from the bank's page: :func:`receive_return`
  verifies and logs it and **never settles anything** from it (a browser
  can replay or forge it); after a verified return, while the payment is
  still ``started``, it asks the bank itself (:func:`check_at_bank`, at
  most once per :data:`RETURN_CHECK_INTERVAL` seconds per payment) and
  settles from *that* answer. Only a verified return leads the browser to
  the payment's page (its address holds the payment's secret token);
* the bank's answer to a **status query** (``StatusRequest``), asked by the
  return, by the ``payments.status`` outbox item (:mod:`.handlers`) and by
  the staff's «Έλεγχος στην τράπεζα».

Every message is checked before anything changes: its digest and merchant
(the gateway's :meth:`verify`), its order (one of ours), its amount (the
exact ``Decimal`` we asked for) and currency. One that fails is logged as
``rejected`` in the ledger's capped site-level log and changes nothing
else. Only a message the bank signed (right digest and merchant) about one
of our orders is also kept in that payment's own log: an unsigned one could
be posted by anyone, any number of times. A signed PAID whose amount or
currency is not ours settles nothing either, but flags the payment for the
operators (``paid_mismatch``): the bank may hold money we did not ask for.

:func:`apply` is the one place a verified message changes a payment, and it
changes it **once**: a second PAID is logged ``duplicate``; a PAID for a
payment that had failed, been cancelled or expired makes it paid anyway
(the bank has the money) and emails the operators, who refund or accept
it. Becoming paid enqueues, each with its own idempotency key, the posting
to finance (``payments.post``) and the receipt (``payments.receipt``, whose
delivery enqueues the receipt mail).
"""

from dataclasses import dataclass
from datetime import datetime
from datetime import UTC
from decimal import Decimal
from municipality import _
from municipality import logger
from municipality.core import outbox
from municipality.core import serial
from municipality.core.notifications import notify as notify_mail
from municipality.core.notifications import operators_address
from municipality.integrations import bank
from municipality.integrations.errors import ExternalSystemError
from municipality.payments import ledger as ledgers
from municipality.payments.browser import format_amount
from municipality.payments.ledger import as_text
from municipality.payments.ledger import CANCELLED
from municipality.payments.ledger import FAILED
from municipality.payments.ledger import PAID
from municipality.payments.ledger import STARTED
from municipality.payments.ledger import UNPAID_STATES

import threading
import time


POST_KIND = "payments.post"
RECEIPT_KIND = "payments.receipt"
MAIL_KIND = "payments.mail"
ATTENTION_TEMPLATE = "payment_attention"

# HTTP answers of @@vpos/notify.
OK = 200
REJECTED = 400

# A browser return asks the bank about its payment at most this often
# (seconds): the returns are public, the bank's StatusRequest is not free.
RETURN_CHECK_INTERVAL = 30

# What the site-level rejected log keeps of an unverified message's fields:
# anyone can post one, so its size is bounded.
REJECTED_FIELDS_KEEP = 40
REJECTED_VALUE_KEEP = 500


def _now():
    return time.time()


_gateways = threading.local()


def gateway():
    """The bank's gateway, from the settings (``municipality.bank.*``).

    Kept per thread while the settings stay the same: building one (a
    ``requests`` session) costs more than checking a digest.
    """
    from plone.registry.interfaces import IRegistry
    from zope.component import getUtility

    registry = getUtility(IRegistry)
    key = tuple(
        registry.get(f"municipality.bank.{name}")
        for name in ("gateway", "url", "merchant_id", "shared_secret", "timeout")
    )
    cached = getattr(_gateways, "value", None)
    if cached is None or cached[0] != key:
        cached = (key, bank.gateway_from_registry(registry))
        _gateways.value = cached
    return cached[1]


def _portal_url():
    from plone import api

    return api.portal.get().absolute_url()


def confirm_url():
    return f"{_portal_url()}/@@vpos/confirm"


def cancel_url():
    return f"{_portal_url()}/@@vpos/cancel"


def order_description(payment):
    """What the bank shows and prints beside the amount: «Δήμος …: ΠΛΗ-…»."""
    from municipality.core.notifications import municipality_name

    name = municipality_name()
    text = f"{name}: {payment.id}" if name else f"Πληρωμή {payment.id}"
    return text[:120]


def bank_form(payment):
    """The bank's signed form for ``payment`` (a ``bank.RedirectForm``).

    :raises municipality.payments.api.PaymentError: the payment is no
        longer waiting for the bank (field ``payment``).
    """
    from municipality.payments.api import PaymentError

    if payment.state != STARTED:
        raise PaymentError(
            "payment", _("This payment is no longer waiting for the bank.")
        )
    return gateway().payment_form(
        order_id=payment.order_id,
        amount=payment.amount,
        description=order_description(payment),
        confirm_url=confirm_url(),
        cancel_url=cancel_url(),
        email=payment.email,
        lang="el",
    )


# -- messages as JSON (outbox results) ------------------------------------------


def message_to_json(message):
    if message is None:
        return None
    return {
        "order_id": message.order_id,
        "status": message.status,
        "outcome": message.outcome,
        "amount": None if message.amount is None else str(message.amount),
        "currency": message.currency,
        "transaction_id": message.transaction_id,
        "payment_ref": message.payment_ref,
        "message": message.message,
        "pay_method": message.pay_method,
        "fields": [[str(n), str(v)] for n, v in message.fields],
    }


def message_from_json(data):
    if not data:
        return None
    return bank.BankMessage(
        order_id=data["order_id"],
        status=data.get("status", ""),
        outcome=data["outcome"],
        amount=None if data.get("amount") is None else Decimal(data["amount"]),
        currency=data.get("currency", ""),
        transaction_id=data.get("transaction_id", ""),
        payment_ref=data.get("payment_ref", ""),
        message=data.get("message", ""),
        pay_method=data.get("pay_method", ""),
        fields=tuple((n, v) for n, v in data.get("fields") or ()),
    )


# -- checking -------------------------------------------------------------------


@dataclass
class Result:
    """What became of one message: the HTTP status to answer, the payment
    (``None`` when the order is not ours) and the log outcome."""

    status: int
    payment: object
    outcome: str
    reason: str = ""


def _raw_order(fields):
    for name, value in fields:
        if name == "orderid":
            return value
    return ""


def mismatch(payment, message):
    """Why a verified ``message`` does not belong to ``payment``, or ``""``.

    The amount must be the exact amount asked (a PAID must carry it), the
    currency ours.
    """
    if message.order_id != payment.order_id:
        return "order: the message is about another order"
    if message.amount is None:
        if message.outcome == bank.PAID:
            return "amount: a payment without an amount"
    elif Decimal(message.amount) != payment.amount:
        return f"amount: {message.amount} instead of {as_text(payment.amount)}"
    if message.currency and message.currency != payment.currency:
        return f"currency: {message.currency} instead of {payment.currency}"
    if not message.currency and message.outcome == bank.PAID:
        return "currency: missing"
    return ""


def _bounded(fields):
    return tuple(
        (str(name)[:REJECTED_VALUE_KEEP], str(value)[:REJECTED_VALUE_KEEP])
        for name, value in tuple(fields)[:REJECTED_FIELDS_KEEP]
    )


def _reject(ledger, payment, source, reason, fields, now, verified=False):
    """Log a rejected message: always in the site-level log; in the
    payment's own log only when the bank signed it (``verified``)."""
    entry = {
        "time": now,
        "source": source,
        "verified": verified,
        "outcome": "rejected",
        "reason": reason,
        "fields": fields if verified else _bounded(fields),
    }
    if payment is not None and verified:
        payment.append_log(entry)
    ledger.log_rejected(
        {
            **entry,
            "payment": payment.id if payment is not None and verified else "",
            # The order it names (claims, when unsigned): what the operators
            # look for; an unsigned one is never tied to a payment here.
            "order_id": _raw_order(fields)[:REJECTED_VALUE_KEEP],
        }
    )
    logger.warning(
        "Bank message rejected (%s) for %s: %s",
        source,
        payment.id if payment is not None else _raw_order(fields)[:60] or "?",
        reason,
    )


def _mismatched(ledger, payment, source, reason, message, now):
    """A message the bank signed that does not match ``payment``: logged
    ``rejected``; a PAID among them flags the payment for the operators."""
    _reject(ledger, payment, source, reason, message.fields, now, verified=True)
    if message.outcome == bank.PAID:
        _needs_attention(payment, "paid_mismatch", now, detail=reason)


def verify(fields, source, now=None, ledger=None):
    """Verify a posted message; return ``(payment, message)`` or a rejection.

    :returns: ``(payment, message, None)`` when the message is the bank's
        and about one of our payments as it is; ``(payment, None, reason)``
        when the bank signed it about one of our payments but it does not
        match it; ``(None, None, reason)`` when it is not the bank's (bad
        digest or merchant, malformed) or about no order of ours. So a
        payment is returned only for a message the bank signed: nothing
        unsigned may lead to a payment (or its secret token).
    """
    now = _now() if now is None else now
    ledger = ledger or ledgers.get_ledger(create=True)
    fields = tuple((str(n), str(v)) for n, v in fields)
    try:
        message = gateway().verify(fields)
    except bank.ForgedMessage as e:
        reason = f"{e.reason}" + (f": {e.field}" if e.field else "")
        if e.detail:
            reason += f" ({e.detail})"
        _reject(ledger, None, source, reason, fields, now)
        return None, None, reason
    payment = ledger.by_order_get(message.order_id)
    if payment is None:
        reason = f"unknown order {message.order_id!r}"
        _reject(ledger, None, source, reason, fields, now, verified=True)
        return None, None, reason
    reason = mismatch(payment, message)
    if reason:
        _mismatched(ledger, payment, source, reason, message, now)
        return payment, None, reason
    return payment, message, None


# -- applying -------------------------------------------------------------------


def apply(payment, message, source, now=None, ledger=None, actor=None):
    """Apply a verified, checked ``message`` to ``payment``, once.

    :returns: the log outcome: ``applied``, ``duplicate``, ``ignored`` or
        ``info`` (a PENDING answer).
    """
    now = _now() if now is None else now
    ledger = ledger or ledgers.get_ledger(create=True)
    entry = {"time": now, "source": source, "verified": True, "fields": message.fields}
    if actor:
        entry["actor"] = actor
    outcome = message.outcome
    if outcome == bank.PAID:
        if payment.is_paid:
            reason = "already paid"
            if (
                message.transaction_id
                and payment.bank_transaction_id
                and message.transaction_id != payment.bank_transaction_id
            ):
                # The same order captured twice at the bank: money to refund.
                reason = (
                    f"already paid by bank transaction {payment.bank_transaction_id};"
                    f" this message names {message.transaction_id}"
                )
                _needs_attention(payment, "second_capture", now)
            payment.append_log({**entry, "outcome": "duplicate", "reason": reason})
            return "duplicate"
        previous = payment.state
        _settle_paid(payment, message, now, ledger)
        if previous in UNPAID_STATES:
            payment.append_log(
                {**entry, "outcome": "applied", "reason": f"paid after {previous}"}
            )
            _needs_attention(payment, f"paid_after_{previous}", now)
        else:
            payment.append_log({**entry, "outcome": "applied", "reason": "paid"})
        _check_double_payment(payment, ledger, now)
        return "applied"
    if outcome in (bank.FAILED, bank.CANCELLED):
        target = FAILED if outcome == bank.FAILED else CANCELLED
        if payment.state == STARTED:
            payment.bank_status = message.status
            ledgers.change_state(payment, target, now, ledger)
            payment.append_log(
                {
                    **entry,
                    "outcome": "applied",
                    "reason": f"{target}: {message.status} {message.message}".strip(),
                }
            )
            return "applied"
        if payment.state == target:
            payment.append_log({**entry, "outcome": "duplicate", "reason": target})
            return "duplicate"
        payment.append_log(
            {
                **entry,
                "outcome": "ignored",
                "reason": f"{outcome} for a payment that is {payment.state}",
            }
        )
        return "ignored"
    payment.append_log(
        {**entry, "outcome": "info", "reason": f"bank: {message.status or outcome}"}
    )
    return "info"


def _settle_paid(payment, message, now, ledger):
    payment.paid_at = now
    payment.paid_amount = Decimal(message.amount)
    payment.paid_currency = message.currency
    payment.bank_status = message.status
    payment.bank_transaction_id = message.transaction_id
    payment.bank_payment_ref = message.payment_ref
    payment.pay_method = message.pay_method
    ledgers.change_state(payment, PAID, now, ledger)
    key = payment.id
    outbox.enqueue(
        POST_KIND,
        {"payment": key},
        key=f"{POST_KIND}:{key}",
        context=payment.context_uid,
    )
    outbox.enqueue(
        RECEIPT_KIND,
        {"payment": key},
        key=f"{RECEIPT_KIND}:{key}",
        context=payment.context_uid,
    )


def _check_double_payment(payment, ledger, now):
    """Another paid payment of one of these items: the citizen paid twice."""
    for ref in payment.refs:
        for other in ledger.live_for(ref):
            if other is not payment and other.is_paid:
                _needs_attention(payment, "paid_twice", now, other=other)
                return


ATTENTION_REASONS = {
    "paid_after_failed": "Η τράπεζα επιβεβαίωσε την πληρωμή μετά την αποτυχία της.",
    "paid_after_cancelled": "Η τράπεζα επιβεβαίωσε την πληρωμή μετά την ακύρωσή της.",
    "paid_after_expired": "Η τράπεζα επιβεβαίωσε την πληρωμή μετά τη λήξη της.",
    "paid_twice": "Τα ίδια ποσά έχουν εξοφληθεί και με άλλη πληρωμή.",
    "second_capture": "Η τράπεζα αναφέρει δεύτερη χρέωση για την ίδια παραγγελία.",
    "paid_mismatch": (
        "Η τράπεζα επιβεβαίωσε πληρωμή με άλλο ποσό ή νόμισμα από αυτό που "
        "ζητήθηκε· η πληρωμή δεν εξοφλήθηκε."
    ),
    "pending_too_long": (
        "Η τράπεζα αναφέρει την πληρωμή ακόμη σε εξέλιξη ένα 24ωρο μετά την "
        "έναρξή της· η πληρωμή έληξε."
    ),
}


def _needs_attention(payment, reason, now, other=None, detail=""):
    """Mark the payment for the operators and email them, once per reason.

    ``other``: another payment involved (its number is named); ``detail``:
    what exactly was found (e.g. ``amount: 0.30 instead of 30.00``).
    """
    text = ATTENTION_REASONS.get(reason, reason)
    if other is not None:
        text = f"{text} ({other.id})"
    if detail:
        text = f"{text} ({detail})"
    # Several reasons can meet on one payment (paid after it failed, and
    # for a period declared again meanwhile): keep them all for the staff.
    current = payment.attention or ""
    if text in current:
        return  # already marked (a replayed message): no entry, no mail
    payment.attention = f"{current} · {text}" if current else text
    payment.append_log(
        {
            "time": now,
            "source": "system",
            "outcome": "info",
            "reason": f"attention: {reason}",
        }
    )
    to = operators_address()
    if not to:
        logger.error(
            "Payment %s needs attention (%s) and no operator address",
            payment.id,
            reason,
        )
        return
    base = outbox.get_outbox().public_url or _portal_url()
    notify_mail(
        ATTENTION_TEMPLATE,
        to,
        {
            "number": payment.id,
            "reason": text,
            "amount": format_amount(payment.paid_amount or payment.amount),
            "order_id": payment.order_id,
            "bank_reference": payment.bank_payment_ref or payment.bank_transaction_id,
            "url": f"{base}/@@payments-admin/{payment.order_id}",
        },
        key=f"payments.attention:{payment.id}:{reason}",
    )


def iso_time(timestamp):
    if not timestamp:
        return ""
    return datetime.fromtimestamp(timestamp, UTC).isoformat()


# -- the three entry points -----------------------------------------------------


def receive_notification(fields, now=None):
    """The bank's background confirmation: verify, check, apply once.

    :returns: a :class:`Result`; its ``status`` is the HTTP answer (200, or
        400 for a rejected message).
    """
    ledger = ledgers.get_ledger(create=True)
    payment, message, reason = verify(fields, "notify", now, ledger)
    if message is None:
        return Result(REJECTED, payment, "rejected", reason)
    outcome = apply(payment, message, "notify", now, ledger)
    return Result(OK, payment, outcome)


def reject_unreadable(endpoint, error, now=None):
    """Log a POST whose body could not even be read as the bank's form."""
    ledger = ledgers.get_ledger(create=True)
    source = "notify" if endpoint == "notify" else "return"
    _reject(
        ledger, None, source, f"unreadable: {error}", (), _now() if now is None else now
    )


def receive_return(fields, now=None):
    """The browser back from the bank: verify and log; never settle from it.

    After a return the bank signed, while the payment is still ``started``,
    the bank is asked (:func:`check_at_bank`), at most once per
    :data:`RETURN_CHECK_INTERVAL` seconds per payment, and *its* answer
    settles it. :returns: the payment, only when the bank signed the
    message and its order is ours (``None`` otherwise: the caller must then
    not reveal any payment).
    """
    ledger = ledgers.get_ledger(create=True)
    now = _now() if now is None else now
    payment, message, reason = verify(fields, "return", now, ledger)
    if payment is None:
        return None
    if message is not None:
        payment.append_log(
            {
                "time": now,
                "source": "return",
                "verified": True,
                "outcome": "info",
                "reason": f"browser return: {message.status or message.outcome}",
                "fields": message.fields,
            }
        )
    last = getattr(payment, "last_bank_check", None) or 0
    if payment.state == STARTED and now - last >= RETURN_CHECK_INTERVAL:
        check_at_bank(payment, "status", now=now)
    return payment


def check_at_bank(payment, source="status", actor=None, now=None):
    """Ask the bank about ``payment`` now and apply its verified answer.

    The call is made with the process's write lock let go
    (:func:`municipality.core.serial.outside`): a slow bank must not hold up
    every other writer. The time of the check is kept on the payment
    (``last_bank_check``): browser returns do not ask again within
    :data:`RETURN_CHECK_INTERVAL`.

    :returns: the outcome (``applied``, ``duplicate``, ``ignored``,
        ``info``, ``rejected``, ``unknown`` when the bank knows no such
        order, ``unavailable`` when it cannot be asked).
    """
    ledger = ledgers.get_ledger(create=True)
    now = _now() if now is None else now
    payment.last_bank_check = now
    try:
        with serial.outside():
            message = gateway().status(payment.order_id)
    except (ExternalSystemError, bank.ForgedMessage) as e:
        payment.append_log(
            {
                "time": now,
                "source": source,
                "outcome": "info",
                "reason": f"status query failed: {e}",
                "actor": actor,
            }
        )
        return "unavailable"
    return apply_status(payment, message, source, now, ledger, actor=actor)


def apply_status(payment, message, source, now=None, ledger=None, actor=None):
    """Apply the bank's answer to a status query (``None``: no such order)."""
    now = _now() if now is None else now
    ledger = ledger or ledgers.get_ledger(create=True)
    if message is None:
        payment.append_log(
            {
                "time": now,
                "source": source,
                "outcome": "info",
                "reason": "the bank knows no such order (yet)",
                "actor": actor,
            }
        )
        return "unknown"
    reason = mismatch(payment, message)
    if reason:
        _mismatched(ledger, payment, source, reason, message, now)
        return "rejected"
    return apply(payment, message, source, now, ledger, actor=actor)
