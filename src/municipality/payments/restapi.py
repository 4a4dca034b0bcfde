"""REST services of the payments themselves (plone.restapi, site root).

* ``GET @payments/<token>``: one payment, for whoever holds its token (as
  its page): state, items, amounts as strings, the bank's reference, the
  receipt's address once it is made. ``404`` for an unknown token.
* ``GET @my-payments``: the logged-in user's payments, newest first
  (``401`` for anonymous).
* ``GET @payments-admin?state=&channel=&from=&to=&q=&b_start=&b_size=``
  (revenue officers, ``municipality: Manage revenue``): the staff list with
  its totals; ``GET @payments-admin/<order id>``: one payment with its log.

Amounts are strings of euros with 2 decimals (``"1234.50"``), times ISO 8601
with the Athens offset. Errors are ``{"error": {"type", "message",
"errors": [{"field", "message"}]}}``.
"""

from municipality import _
from municipality.payments import ledger as ledgers
from municipality.payments.browser import CHANNEL_TITLES
from municipality.payments.browser import iso_time
from municipality.payments.browser import STATE_TITLES
from municipality.payments.browser.staff import FilterError
from municipality.payments.browser.staff import find
from municipality.payments.browser.staff import read_filters
from municipality.payments.browser.staff import totals
from municipality.payments.ledger import as_text
from plone import api
from plone.restapi.services import Service
from zExceptions import Unauthorized
from zope.i18n import translate
from zope.interface import implementer
from zope.publisher.interfaces import IPublishTraverse


MAX_BATCH = 200


def payment_json(payment, request, staff=False):
    """The JSON of a payment; ``staff`` adds the payer, the order and the log."""

    def tr(message):
        return translate(message, context=request) if message else ""

    data = {
        "@id": ledgers.payment_url(payment),
        "number": payment.id,
        "state": payment.state,
        "state_title": tr(STATE_TITLES.get(payment.state)),
        "channel": payment.channel,
        "channel_title": tr(CHANNEL_TITLES.get(payment.channel)),
        "items": [
            {
                "kind": item["kind"],
                "ref": item["ref"],
                "description": item["description"],
                "category": item.get("category", ""),
                "rf_code": item.get("rf_code", ""),
                "amount": item["amount"],
            }
            for item in payment.items
        ],
        "amount": as_text(payment.amount),
        "currency": payment.currency,
        "created": iso_time(payment.created),
        "paid_at": iso_time(payment.paid_at) or None,
        "paid_amount": as_text(payment.paid_amount)
        if payment.paid_amount is not None
        else None,
        "bank_reference": payment.bank_payment_ref or None,
        # Paid, and finance has (posted) or has not yet (pending) recorded it.
        "posting": None
        if not payment.is_paid
        else ("posted" if payment.state == ledgers.POSTED else "pending"),
        "receipt_url": ledgers.receipt_url(payment)
        if payment.receipt is not None
        else None,
    }
    if staff:
        data.update(
            {
                "order_id": payment.order_id,
                "payer": dict(payment.payer) if payment.payer else None,
                "email": payment.email,
                "bank_transaction_id": payment.bank_transaction_id or None,
                "bank_status": payment.bank_status or None,
                "finance_receipt": payment.receipt_number or None,
                "attention": payment.attention or None,
                "admin_url": f"{api.portal.get().absolute_url()}"
                f"/@@payments-admin/{payment.order_id}",
            }
        )
    return data


def log_json(payment):
    return [
        {
            "time": iso_time(entry["time"]),
            "source": entry["source"],
            "verified": entry["verified"],
            "outcome": entry["outcome"],
            "reason": entry["reason"],
            "actor": entry.get("actor"),
            "fields": [[name, value] for name, value in entry["fields"]],
            "repeats": entry.get("repeats", 0),
            "last_time": (
                iso_time(entry["last_time"]) if entry.get("last_time") else None
            ),
        }
        for entry in payment.log
    ]


@implementer(IPublishTraverse)
class PaymentsBase(Service):
    def __init__(self, context, request):
        super().__init__(context, request)
        self.params = []

    def publishTraverse(self, request, name):
        self.params.append(name)
        return self

    def error(self, status, type_, message, field=None):
        self.request.response.setStatus(status)
        text = translate(message, context=self.request)
        return {
            "error": {
                "type": type_,
                "message": text,
                "errors": [{"field": field, "message": text}] if field else [],
            }
        }

    def no_store(self):
        self.request.response.setHeader("Cache-Control", "no-store, private")


class PaymentGet(PaymentsBase):
    """``GET @payments/<token>``."""

    def reply(self):
        self.no_store()
        if len(self.params) != 1:
            return self.error(
                404,
                "NotFound",
                _("Give the payment's token: @payments/<token>."),
                "token",
            )
        payment = ledgers.get_payment(self.params[0])
        if payment is None:
            return self.error(404, "NotFound", _("There is no such payment."), "token")
        return payment_json(payment, self.request)


class MyPaymentsGet(PaymentsBase):
    """``GET @my-payments``."""

    def reply(self):
        if api.user.is_anonymous():
            raise Unauthorized("Log in to see your payments")
        self.no_store()
        userid = api.user.get_current().getId()
        items = [payment_json(p, self.request) for p in ledgers.payments_of(userid)]
        return {
            "@id": f"{api.portal.get().absolute_url()}/@my-payments",
            "items": items,
            "items_total": len(items),
        }


class PaymentsAdminGet(PaymentsBase):
    """``GET @payments-admin`` and ``GET @payments-admin/<order id>``."""

    def reply(self):
        self.no_store()
        if self.params:
            payment = ledgers.get_by_order(self.params[0])
            if payment is None or len(self.params) > 1:
                return self.error(
                    404, "NotFound", _("There is no such payment."), "order_id"
                )
            data = payment_json(payment, self.request, staff=True)
            data["log"] = log_json(payment)
            return data
        form = self.request.form
        try:
            filters = read_filters(form)
        except FilterError as e:
            return self.error(400, "ValidationError", e.message, e.field)
        try:
            start = int(form.get("b_start", 0))
            size = int(form.get("b_size", 50))
        except (TypeError, ValueError):
            return self.error(
                400, "ValidationError", _("b_start and b_size are numbers."), "b_start"
            )
        if start < 0 or not 0 < size <= MAX_BATCH:
            return self.error(
                400,
                "ValidationError",
                _(
                    "b_start is 0 or more and b_size from 1 to ${max}.",
                    mapping={"max": MAX_BATCH},
                ),
                "b_size",
            )
        found = find(filters)
        summary = totals(found)
        return {
            "@id": f"{api.portal.get().absolute_url()}/@payments-admin",
            "filters": {
                "state": filters["state"] or None,
                "channel": filters["channel"] or None,
                "from": filters["from"].isoformat() if filters["from"] else None,
                "to": filters["to"].isoformat() if filters["to"] else None,
                "q": filters["q"] or None,
            },
            "items_total": summary["count"],
            "totals": {
                "amount": as_text(summary["amount"]),
                "paid_count": summary["paid_count"],
                "paid_amount": as_text(summary["paid_amount"]),
                "attention": summary["attention"],
            },
            "items": [
                payment_json(p, self.request, staff=True)
                for p in found[start : start + size]
            ],
        }
