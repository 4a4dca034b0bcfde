"""REST services of the citizens' payment services (plone.restapi, site root).

* ``GET @my-debts``: the certified debts of the logged-in verified person's
  ΑΦΜ (401 anonymous, 403 not verified, 503 finance down);
  ``POST @my-debts`` ``{"debts": [ids], "email"}`` pays some of them.
* ``GET @payment-code?rf=…``: the debt of a payment code (debtor masked);
  ``POST @payment-code`` ``{"rf", "email"}`` pays it. Anyone may.
* ``GET @traffic-fines/types``: the kinds of ticket paid here, with amounts;
  ``GET @traffic-fines/lookup?ticket_number=…&plate=…``: the kind, date and
  time of a ticket the register has (the page's auto-fill);
  ``POST @traffic-fines/lookup`` with the ticket's ``municipality_code``,
  ``ticket_type``, ``ticket_number``, ``plate``, ``date`` (``YYYY-MM-DD``
  or ``dd/mm/yyyy``) and ``time`` (``HH:MM``): finds the ticket or registers
  it, and answers it with its amounts; ``POST @traffic-fines`` with the same
  and ``email`` pays it.

Paying answers ``201`` ``{"payment": {"token", "state", "amount",
"currency", "url"}, "bank": {"action", "fields": [[name, value], …]}}``:
the client posts ``fields`` to ``action`` (the bank's page) and shows
``url`` afterwards. Amounts are strings of euros with 2 decimals. Errors are
``{"error": {"type", "message", "errors": [{"field", "message"}]}}``
(``ValidationError`` 400, ``Forbidden`` 403, ``NotFound`` 404,
``Conflict`` 409, ``TooManyRequests`` 429, ``ServiceUnavailable`` 503);
nothing is created on an error. POSTs take a JSON body (``Content-Type:
application/json``), which a cross-site form cannot send.
"""

from municipality import _
from municipality.payments.browser import fines
from municipality.payments.browser import services
from municipality.payments.browser.services import ServiceError
from plone import api as ploneapi
from plone.protect.interfaces import IDisableCSRFProtection
from plone.restapi.deserializer import json_body
from plone.restapi.services import Service
from zExceptions import Unauthorized
from zope.i18n import translate
from zope.interface import alsoProvides
from zope.interface import implementer
from zope.publisher.interfaces import IPublishTraverse


ERROR_TYPES = {
    400: "ValidationError",
    403: "Forbidden",
    404: "NotFound",
    409: "Conflict",
    415: "ValidationError",
    429: "TooManyRequests",
    503: "ServiceUnavailable",
}

MSG_JSON = _("The request body must be a JSON object.")


@implementer(IPublishTraverse)
class PaymentsService(Service):
    """What the services share: sub-paths, JSON bodies, errors, payments."""

    name = ""
    sub_paths = ()

    def __init__(self, context, request):
        super().__init__(context, request)
        self.params = []

    def publishTraverse(self, request, name):
        self.params.append(name)
        return self

    @property
    def sub_path(self):
        return "/".join(self.params)

    def tr(self, message):
        return translate(message, context=self.request)

    def error(self, error):
        """The JSON answer of a :class:`ServiceError`; sets the status."""
        status = error.status
        self.request.response.setStatus(status)
        errors = [
            {"field": field or None, "message": self.tr(message)}
            for field, message in error.errors.items()
        ]
        return {
            "error": {
                "type": ERROR_TYPES.get(status, "BadRequest"),
                "message": "; ".join(
                    f"{e['field']}: {e['message']}" if e["field"] else e["message"]
                    for e in errors
                ),
                "errors": errors,
            }
        }

    def not_found(self):
        self.request.response.setStatus(404)
        return {
            "error": {
                "type": "NotFound",
                "message": f"No such service: {self.name}/{self.sub_path}",
                "errors": [],
            }
        }

    def body(self):
        """The JSON object posted; a :class:`ServiceError` when it is not one."""
        content_type = self.request.getHeader("Content-Type", "") or ""
        if content_type.split(";")[0].strip().lower() != "application/json":
            raise ServiceError({"": MSG_JSON}, status=415)
        # Like plone.restapi's own POSTs: no plone.protect token, a JSON body.
        alsoProvides(self.request, IDisableCSRFProtection)
        try:
            data = json_body(self.request)
        except Exception:  # noqa: BLE001 - any unreadable body is the client's error
            data = None
        if not isinstance(data, dict):
            raise ServiceError({"": MSG_JSON})
        return data

    def paid(self, payment):
        """``201`` with the new payment and the bank's form to post."""
        self.request.response.setStatus(201)
        payment_data = services.payment_json(payment)
        self.request.response.setHeader("Location", payment_data["url"])
        return {"payment": payment_data, "bank": services.bank_json(payment)}

    def address(self):
        return services.client_address(self.request)

    def member(self):
        if ploneapi.user.is_anonymous():
            return None
        return ploneapi.user.get_current()

    def reply(self):
        if self.sub_path not in self.sub_paths:
            return self.not_found()
        try:
            return self.answer()
        except ServiceError as error:
            return self.error(error)

    def answer(self):
        """The service's own answer; every service below defines it."""
        raise NotImplementedError(f"{type(self).__name__} must define answer()")


# -- @my-debts ----------------------------------------------------------------------


class MyDebtsService(PaymentsService):
    name = "@my-debts"
    sub_paths = ("",)

    def payer(self):
        if ploneapi.user.is_anonymous():
            raise Unauthorized("Log in to see your debts.")
        payer = services.verified_payer(self.member())
        if payer is None:
            raise ServiceError({"": services.MSG_NOT_VERIFIED}, status=403)
        return payer


class MyDebtsGet(MyDebtsService):
    def answer(self):
        payer = self.payer()
        self.request.response.setHeader("Cache-Control", "private, no-store")
        rows = services.debts_with_status(payer["afm"], payer["userid"])
        total = sum((services.cents(row["amount"]) for row in rows), services.cents(0))
        return {
            "@id": f"{self.context.absolute_url()}/@my-debts",
            "afm": payer["afm"],
            "as_of": rows[0]["as_of"] if rows else None,
            "total": services.amount_text(total),
            "items": rows,
            "categories": [
                {
                    "id": group["id"],
                    "title": group["title"],
                    "total": group["total"],
                    "items": [debt["id"] for debt in group["debts"]],
                }
                for group in services.grouped(rows)
            ],
        }


class MyDebtsPost(MyDebtsService):
    def answer(self):
        member = self.member()
        if member is None:
            raise Unauthorized("Log in to pay your debts.")
        data = self.body()
        payment = services.pay_debts(member, data.get("debts"), data.get("email", ""))
        return self.paid(payment)


# -- @payment-code --------------------------------------------------------------------


class PaymentCodeGet(PaymentsService):
    name = "@payment-code"
    sub_paths = ("",)

    def answer(self):
        member = self.member()
        _debt, data = services.lookup_code(
            self.request.form.get("rf", ""),
            self.address(),
            member.getId() if member is not None else None,
        )
        return {"@id": f"{self.context.absolute_url()}/@payment-code", **data}


class PaymentCodePost(PaymentsService):
    name = "@payment-code"
    sub_paths = ("",)

    def answer(self):
        data = self.body()
        payment = services.pay_by_code(
            data.get("rf", ""), data.get("email", ""), self.address(), self.member()
        )
        return self.paid(payment)


# -- @traffic-fines -------------------------------------------------------------------


class TrafficFinesGet(PaymentsService):
    name = "@traffic-fines"
    sub_paths = ("types", "lookup")

    def answer(self):
        if self.sub_path == "types":
            from municipality.payments import settings

            return {
                "@id": f"{self.context.absolute_url()}/@traffic-fines/types",
                "municipality_code": settings.municipality_code(),
                "items": fines.payable_types(),
            }
        form = self.request.form
        return fines.autofill(
            fines.form_text(form, "ticket_number"),
            fines.form_text(form, "plate"),
            self.address(),
        )


class TrafficFinesPost(PaymentsService):
    name = "@traffic-fines"
    sub_paths = ("", "lookup")

    def answer(self):
        data = self.body()
        member = self.member()
        if self.sub_path == "lookup":
            return fines.lookup_ticket(
                data, self.address(), member.getId() if member is not None else None
            )
        payment = fines.pay_fine(data, data.get("email", ""), self.address(), member)
        return self.paid(payment)
