"""The payer's pages and the bank's endpoints.

* ``@@payment/<token>``: the payment's status, for whoever holds its link
  (the token is the capability; a logged-in payer also finds it in
  ``@@my-payments``). While the bank has not answered it refreshes itself.
* ``@@payment/<token>/bank``: the signed form, posted to the bank by a
  small script (or the «Συνέχεια στην τράπεζα» button).
* ``@@payment/<token>/receipt.pdf``: the receipt, once made.
* ``@@my-payments``: a logged-in user's payments.
* ``@@vpos/notify``: the bank's background confirmation, server to server;
  ``@@vpos/confirm`` and ``@@vpos/cancel``: the browser coming back from the
  bank. Anonymous (the bank's cross-site POST carries no login cookie) and
  without Plone's CSRF token: the bank's digest is what authenticates them
  (:mod:`municipality.payments.settlement`). A return leads to the
  payment's page (whose address is its secret token) only when the bank
  signed it and its order is ours; any other gets a neutral answer.
"""

from municipality import _
from municipality import logger
from municipality.integrations.bank import ForgedMessage
from municipality.integrations.bank import PaymentFormError
from municipality.integrations.errors import ExternalSystemError
from municipality.payments import ledger as ledgers
from municipality.payments import settlement
from municipality.payments.browser import CHANNEL_START
from municipality.payments.browser import CHANNEL_TITLES
from municipality.payments.browser import format_amount
from municipality.payments.browser import format_time
from municipality.payments.browser import iso_time
from municipality.payments.browser import STATE_HEADLINES
from municipality.payments.browser import STATE_TITLES
from plone import api
from plone.protect.interfaces import IDisableCSRFProtection
from Products.Five.browser import BrowserView
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from urllib.parse import quote
from zExceptions import NotFound
from zExceptions import Unauthorized
from zope.i18n import translate
from zope.interface import alsoProvides
from zope.interface import implementer
from zope.publisher.interfaces import IPublishTraverse


# Seconds between refreshes of a page waiting for the bank.
REFRESH_SECONDS = 5


def tr(request, message):
    return translate(message, context=request) if message else ""


def category_title(code):
    try:
        from municipality.integrations.finance import CATEGORY_TITLES
    except ImportError:  # pragma: no cover
        return code or ""
    return CATEGORY_TITLES.get(code, code or "")


def format_rf(code):
    code = "".join((code or "").split()).upper()
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


class PaymentInfo:
    """What the pages show of one payment, as plain values."""

    def __init__(self, payment, request):
        self.payment = payment
        self.request = request

    @property
    def portal_url(self):
        return api.portal.get().absolute_url()

    @property
    def url(self):
        return ledgers.payment_url(self.payment)

    @property
    def bank_url(self):
        return ledgers.bank_redirect_url(self.payment)

    @property
    def receipt_url(self):
        return ledgers.receipt_url(self.payment)

    @property
    def number(self):
        return self.payment.id

    @property
    def state(self):
        return self.payment.state

    def state_title(self):
        return tr(self.request, STATE_TITLES.get(self.payment.state))

    def headline(self):
        return tr(self.request, STATE_HEADLINES.get(self.payment.state))

    def channel_title(self):
        return tr(self.request, CHANNEL_TITLES.get(self.payment.channel))

    def amount(self):
        return format_amount(self.payment.paid_amount or self.payment.amount)

    def created(self):
        return format_time(self.payment.created)

    def created_iso(self):
        return iso_time(self.payment.created)

    def paid_at(self):
        return format_time(self.payment.paid_at)

    def paid_at_iso(self):
        return iso_time(self.payment.paid_at)

    def settled(self):
        return format_time(self.payment.settled)

    def bank_reference(self):
        return self.payment.bank_payment_ref or self.payment.bank_transaction_id

    def items(self):
        return [
            {
                "description": item["description"],
                "category": category_title(item.get("category")),
                "rf_code": format_rf(item.get("rf_code")),
                "amount": format_amount(item["amount"]),
            }
            for item in self.payment.items
        ]

    @property
    def is_started(self):
        return self.payment.state == ledgers.STARTED

    @property
    def is_paid(self):
        return self.payment.is_paid

    @property
    def is_posted(self):
        return self.payment.state == ledgers.POSTED

    @property
    def is_over_unpaid(self):
        return self.payment.state in ledgers.UNPAID_STATES

    @property
    def has_receipt(self):
        return self.payment.receipt is not None

    def retry_url(self):
        start = CHANNEL_START.get(self.payment.channel)
        if self.payment.channel == "municipal_tax" and not any(
            item.get("kind") == "declaration" for item in self.payment.items
        ):
            # A certified municipal-tax debt, not a declaration.
            start = "@@municipal-tax-debts"
        return f"{self.portal_url}/{start}" if start else self.portal_url


def _no_store(response):
    # A capability in the URL: no caches, no referrer to other sites, no index.
    response.setHeader("Cache-Control", "no-store, private")
    response.setHeader("Referrer-Policy", "no-referrer")
    response.setHeader("X-Robots-Tag", "noindex, nofollow")


@implementer(IPublishTraverse)
class PaymentView(BrowserView):
    """``@@payment/<token>[/bank|/receipt.pdf]``."""

    index = ViewPageTemplateFile("templates/payment_view.pt")
    bank_template = ViewPageTemplateFile("templates/payment_bank.pt")
    token = None
    action = None
    info = None
    form = None
    error = None

    def publishTraverse(self, request, name):
        if self.token is None:
            self.token = name
            return self
        if self.action is None and name in ("bank", "receipt.pdf"):
            self.action = name
            return self
        raise NotFound(self, name, request)

    def __call__(self):
        _no_store(self.request.response)
        payment = ledgers.get_payment(self.token) if self.token else None
        if payment is None:
            raise NotFound(self.context, "payment", self.request)
        self.info = PaymentInfo(payment, self.request)
        if self.action == "bank":
            return self.bank(payment)
        if self.action == "receipt.pdf":
            return self.receipt(payment)
        return self.index()

    @property
    def refresh_seconds(self):
        return REFRESH_SECONDS if self.info is not None and self.info.is_started else 0

    def bank(self, payment):
        """The signed form, auto-posted to the bank; only while ``started``."""
        if payment.state != ledgers.STARTED:
            self.request.response.redirect(self.info.url, status=303)
            return ""
        try:
            self.form = settlement.bank_form(payment)
        except (PaymentFormError, ValueError, ExternalSystemError) as e:
            logger.error("No bank form for %s: %s", payment.id, e)
            self.error = _(
                "The connection to the bank is not set up correctly. Please "
                "try again later; nothing has been charged."
            )
            self.request.response.setStatus(503)
        return self.bank_template()

    def receipt(self, payment):
        blob = payment.receipt
        if blob is None:
            raise NotFound(self.context, "receipt.pdf", self.request)
        from municipality.certificates.issuing import ascii_filename
        from municipality.payments.receipt import receipt_filename

        data = bytes(blob.data)
        filename = blob.filename or receipt_filename(payment)
        response = self.request.response
        response.setHeader("Content-Type", "application/pdf")
        response.setHeader("Content-Length", str(len(data)))
        response.setHeader(
            "Content-Disposition",
            f'attachment; filename="{ascii_filename(filename)}"; '
            f"filename*=UTF-8''{quote(filename, safe='')}",
        )
        response.setHeader("X-Content-Type-Options", "nosniff")
        return data


class MyPaymentsView(BrowserView):
    """``@@my-payments``: the logged-in user's payments, newest first."""

    index = ViewPageTemplateFile("templates/payment_list.pt")

    def __call__(self):
        if api.user.is_anonymous():
            raise Unauthorized("Log in to see your payments")
        self.request.response.setHeader("Cache-Control", "no-store, private")
        return self.index()

    def payments(self):
        userid = api.user.get_current().getId()
        return [PaymentInfo(p, self.request) for p in ledgers.payments_of(userid)]


@implementer(IPublishTraverse)
class VposView(BrowserView):
    """``@@vpos/notify``, ``@@vpos/confirm``, ``@@vpos/cancel``.

    Lean on purpose (no catalog, no page): the bank's notifications are
    what ``benchmarks/callbacks.py`` measures.
    """

    endpoint = None

    def publishTraverse(self, request, name):
        if self.endpoint is None and name in ("notify", "confirm", "cancel"):
            self.endpoint = name
            return self
        raise NotFound(self, name, request)

    def __call__(self):
        from municipality.integrations.modirum import request_fields

        response = self.request.response
        response.setHeader("Cache-Control", "no-store")
        if self.endpoint is None:
            raise NotFound(self.context, "vpos", self.request)
        if self.request.get("REQUEST_METHOD", "GET").upper() != "POST":
            response.setStatus(405)
            response.setHeader("Allow", "POST")
            response.setHeader("Content-Type", "text/plain; charset=utf-8")
            return "POST only\n"
        # The bank's digest authenticates these POSTs, not a Plone token.
        alsoProvides(self.request, IDisableCSRFProtection)
        try:
            fields = request_fields(self.request)
        except ForgedMessage as e:
            settlement.reject_unreadable(self.endpoint, e)
            if self.endpoint == "notify":
                return self._answer(settlement.REJECTED)
            return self._unknown_return()
        if self.endpoint == "notify":
            return self.notify(fields)
        return self.browser_return(fields)

    def notify(self, fields):
        return self._answer(settlement.receive_notification(fields).status)

    def _answer(self, status):
        response = self.request.response
        response.setStatus(status)
        response.setHeader("Content-Type", "text/plain; charset=utf-8")
        return "OK\n" if status == settlement.OK else "REJECTED\n"

    def browser_return(self, fields):
        # A payment only for a message the bank signed about one of our
        # orders: anything else must not learn the payment's token.
        payment = settlement.receive_return(fields)
        if payment is None:
            return self._unknown_return()
        self.request.response.redirect(ledgers.payment_url(payment), status=303)
        return ""

    def _unknown_return(self):
        # Not signed by the bank, unreadable or not one of ours: say so
        # without naming any payment.
        api.portal.show_message(
            _(
                "The return from the bank could not be confirmed. See the "
                "payment from the link you were sent or under «My payments»; "
                "if you paid, you will receive the receipt by email."
            ),
            request=self.request,
            type="warning",
        )
        self.request.response.redirect(api.portal.get().absolute_url(), status=303)
        return ""
