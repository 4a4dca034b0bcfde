"""REST services of the businesses' payment services (plone.restapi).

On the site root, for verified businesses (others: 401 anonymous, 403 with
a Greek explanation):

* ``POST @municipal-tax/calculate``: the computation of a period, stored
  nowhere: ``{"calculation": {...}}``;
* ``POST @municipal-tax/declarations``: declare and start the payment in
  one step: 201 ``{"declaration": {...}, "payment": {...}, "bank":
  {"action", "fields": [[name, value], …]}}``; the client posts ``bank``'s
  form to the bank (a nil declaration is accepted at once: ``payment`` and
  ``bank`` are ``null``);
* ``GET @municipal-tax/declarations``: the business's declarations;
* ``GET @municipal-tax/declarations/<reference or UID>``: one of them;
* ``GET @municipal-tax/debts``: the certified municipal-tax debts at the
  finance system; ``POST @municipal-tax/debts`` ``{"debt": id, "email"}``
  starts the payment of one (201, ``payment`` and ``bank`` as above);
* ``GET @payment-orders``: the payment orders issued to the business, with
  totals.

Inputs are the fields of :data:`municipality.payments.tax.FIELDS`:
``category``, ``period_kind`` (``monthly``/``quarterly``), ``period``,
``year``, ``gross_revenue`` (a string ``"1234.56"``, or a whole number) and
``vat_filing_date`` (``YYYY-MM-DD``); optional ``email``. POSTs send
``Content-Type: application/json`` (else 415: they carry no CSRF token).

Every answer that is not data has one shape, ``{"error": {"type",
"message", "errors": [{"field", "message"}]}}`` (``field`` ``null`` when
the error is about the request as a whole): 400 ``BadRequest`` naming the
fields, stores nothing; 403 ``Forbidden``; 404 ``NotFound``; 415
``UnsupportedMediaType``; 503 ``ServiceUnavailable`` when the finance system
cannot answer (or is not configured). Amounts are strings with two decimals
(``"12.50"``).
"""

from municipality import _
from municipality.payments import api as payments
from municipality.payments import tax
from plone import api as ploneapi
from plone.protect.interfaces import IDisableCSRFProtection
from plone.restapi.deserializer import json_body
from plone.restapi.services import Service
from zExceptions import Unauthorized
from zope.i18n import translate
from zope.interface import alsoProvides
from zope.interface import implementer
from zope.publisher.interfaces import IPublishTraverse


MSG_JSON = _("The request body must be a JSON object.")

NOT_BUSINESS = _(
    "Only business accounts that the municipality has verified can use this "
    "service. A legal representative of the business verifies the account at "
    "the municipality's Citizens' Service Office."
)


def _money(value):
    return f"{value:.2f}" if value is not None else None


def _date(value):
    return value.isoformat() if value else None


def declaration_json(obj, request):
    """A declaration as the REST services answer it."""
    calc = obj.get_calculation()
    state = tax.review_state(obj) or ""
    payment = tax.payment_of(obj)
    return {
        "@id": obj.absolute_url(),
        "UID": obj.UID(),
        "reference": getattr(obj, "reference_number", "") or "",
        "title": obj.Title(),
        "review_state": state,
        "state_title": translate(tax.STATE_TITLES.get(state, state), context=request),
        "business_afm": obj.business_afm,
        "business_name": obj.business_name,
        "category": obj.category,
        "category_title": obj.category_title,
        "period_kind": obj.period_kind,
        "period": obj.period,
        "year": obj.year,
        "gross_revenue": _money(obj.gross_revenue),
        "vat_filing_date": _date(obj.vat_filing_date),
        "declared_on": _date(obj.declared_on),
        "calculation": calc.as_dict() if calc else None,
        "total": _money(calc.total) if calc else None,
        "payment": payment_json(payment) if payment else None,
        "history": [
            {
                "review_state": step.get("review_state"),
                "time": step["time"].ISO8601() if step.get("time") else None,
                "comment": step.get("comments") or "",
            }
            for step in obj.workflow_history.get(tax.WORKFLOW_ID, ())
        ],
    }


def payment_json(payment):
    return {
        "number": payment.id,
        "token": payment.token,
        "state": payment.state,
        "amount": _money(payment.amount),
        "currency": payment.currency,
        "url": payments.payment_url(payment),
    }


def bank_json(payment):
    form = payments.bank_form(payment)
    return {"action": form.action, "fields": [list(pair) for pair in form.fields]}


def debt_json(debt, live=None):
    return {
        "id": debt.id,
        "category": debt.category,
        "description": debt.description,
        "reference": debt.reference,
        "principal": _money(debt.principal),
        "surcharges": _money(debt.surcharges),
        "amount": _money(debt.amount),
        "due_date": _date(debt.due_date),
        "as_of": _date(debt.as_of),
        "rf_code": debt.rf_code,
        "payment": payment_json(live) if live is not None else None,
    }


class BusinessService(Service):
    """A REST service for verified businesses, with the shared error shapes."""

    def business(self):
        """The business, or raise/answer: 401 anonymous, 403 not a business."""
        if ploneapi.user.is_anonymous():
            raise Unauthorized("Log in as a verified business.")
        return tax.business_of(ploneapi.user.get_current())

    def tr(self, message):
        return translate(message, context=self.request)

    def error(self, status, kind, errors):
        """``status`` with the one error shape of every answer that is not
        data: ``{"error": {"type", "message", "errors": [{"field",
        "message"}]}}``; ``errors`` maps a field (``""``: the request as a
        whole, ``null`` in the answer) to its translated message."""
        self.request.response.setStatus(status)
        items = [
            {"field": field or None, "message": message}
            for field, message in errors.items()
        ]
        return {
            "error": {
                "type": kind,
                "message": "; ".join(
                    f"{e['field']}: {e['message']}" if e["field"] else e["message"]
                    for e in items
                ),
                "errors": items,
            }
        }

    def forbidden(self):
        return self.error(403, "Forbidden", {"": self.tr(NOT_BUSINESS)})

    def bad_request(self, errors):
        """400 naming each field (``""``: the request as a whole)."""
        return self.error(400, "BadRequest", errors)

    def unavailable(self):
        return self.error(
            503,
            "ServiceUnavailable",
            {"": self.tr(tax.FinanceUnavailable.message)},
        )

    def not_found(self):
        return self.error(404, "NotFound", {"": self.tr(_("There is no such item."))})

    def not_json(self):
        return self.error(415, "UnsupportedMediaType", {"": self.tr(MSG_JSON)})

    def is_json(self):
        """The request says its body is JSON (``Content-Type``)."""
        content_type = self.request.getHeader("Content-Type", "") or ""
        return content_type.split(";")[0].strip().lower() == "application/json"

    def body(self):
        """The JSON object sent, or ``None``."""
        try:
            data = json_body(self.request)
        except Exception:  # noqa: BLE001 - plone.restapi raises a bare DeserializationError
            return None
        return data if isinstance(data, dict) else None

    def not_an_object(self):
        return self.bad_request({"": self.tr(MSG_JSON)})


@implementer(IPublishTraverse)
class MunicipalTaxService(BusinessService):
    """``@municipal-tax/<what>[/<id>]``."""

    def __init__(self, context, request):
        super().__init__(context, request)
        self.params = []

    def publishTraverse(self, request, name):
        self.params.append(name)
        return self


class MunicipalTaxGet(MunicipalTaxService):
    def reply(self):
        business = self.business()
        if business is None:
            return self.forbidden()
        what = self.params[0] if self.params else ""
        if what == "declarations" and len(self.params) == 1:
            member = ploneapi.user.get_current()
            items = [
                declaration_json(obj, self.request)
                for obj in tax.my_declarations(member)
            ]
            return {"items": items, "items_total": len(items)}
        if what == "declarations" and len(self.params) == 2:
            return self.one_declaration(self.params[1])
        if what == "debts" and len(self.params) == 1:
            try:
                debts = tax.certified_debts(business)
            except tax.FinanceUnavailable:
                return self.unavailable()
            live = payments.live_payments([debt.id for debt in debts])
            items = [debt_json(debt, live.get(debt.id)) for debt in debts]
            return {
                "items": items,
                "items_total": len(items),
                "total": _money(sum((debt.amount for debt in debts), 0)),
            }
        return self.not_found()

    def one_declaration(self, key):
        """By reference number (``ΔΦ-2026/000001``, ``/`` as ``-`` too) or UID,
        among the declarations the user may see."""
        member = ploneapi.user.get_current()
        for obj in tax.my_declarations(member):
            reference = getattr(obj, "reference_number", "") or ""
            if key in (obj.UID(), reference, reference.replace("/", "-")):
                return declaration_json(obj, self.request)
        return self.not_found()


class MunicipalTaxPost(MunicipalTaxService):
    def reply(self):
        business = self.business()
        if business is None:
            return self.forbidden()
        what = self.params[0] if len(self.params) == 1 else ""
        if what not in ("calculate", "declarations", "debts"):
            return self.not_found()
        # No plone.protect token, as plone.restapi's own POSTs: only for a
        # JSON body, which a page of another site cannot make a browser send
        # with the user's cookie (a form can send text/plain, urlencoded or
        # multipart only, and CORS stops anything else before it is sent).
        if not self.is_json():
            return self.not_json()
        alsoProvides(self.request, IDisableCSRFProtection)
        data = self.body()
        if data is None:
            return self.not_an_object()
        email = data.get("email")
        if email is not None and not isinstance(email, str):
            return self.bad_request({"email": self.tr(_("Send the email as text."))})
        member = ploneapi.user.get_current()
        if what == "calculate":
            try:
                calculation = tax.calculate(data)
            except tax.TaxInputError as e:
                return self.bad_request(e.errors)
            return {"calculation": calculation.as_dict()}
        if what == "declarations":
            try:
                declaration, payment = tax.declare(member, data, email=email)
            except tax.TaxInputError as e:
                return self.bad_request(e.errors)
            self.request.response.setStatus(201)
            self.request.response.setHeader("Location", declaration.absolute_url())
            return {
                "declaration": declaration_json(declaration, self.request),
                "payment": payment_json(payment) if payment else None,
                "bank": bank_json(payment) if payment else None,
            }
        debt = data.get("debt")
        if not isinstance(debt, str):
            return self.bad_request({"debt": self.tr(_("Choose the debt to pay."))})
        try:
            payment = tax.pay_debt(member, debt, email=email)
        except tax.FinanceUnavailable:
            return self.unavailable()
        except tax.TaxInputError as e:
            return self.bad_request(e.errors)
        self.request.response.setStatus(201)
        return {"payment": payment_json(payment), "bank": bank_json(payment)}


class PaymentOrdersGet(BusinessService):
    """``GET @payment-orders``."""

    def reply(self):
        business = self.business()
        if business is None:
            return self.forbidden()
        try:
            orders, totals = tax.payment_orders(business)
        except tax.FinanceUnavailable:
            return self.unavailable()
        return {
            "items": [
                {
                    "number": order.number,
                    "date": _date(order.date),
                    "description": order.description,
                    "amount": _money(order.amount),
                    "status": order.status,
                    "paid_date": _date(order.paid_date),
                }
                for order in orders
            ],
            "items_total": totals["count"],
            "totals": {
                "issued": _money(totals["issued"]),
                "paid": _money(totals["paid"]),
                "unpaid": _money(totals["unpaid"]),
            },
        }
