"""``@@payments-admin``: the revenue office's view of every card payment.

* the list, filtered by state, service, date range and text (a payment
  number, an ΑΦΜ, the bank's order id or an RF code), 50 a page, with the
  count and sum of what it lists and of what was collected; the payments
  that need attention (paid after they had failed or expired, an item paid
  twice) first-class; the latest bank messages that named no payment of ours;
* ``@@payments-admin/<order id>``: one payment with its full log (every
  message as received, its digest, whether it verified, what it did), its
  outbox items (posting, receipt, mail) and two actions, each a POST with
  Plone's CSRF token: «Έλεγχος στην τράπεζα» (ask the bank now; its
  verified answer settles a payment still waiting) and a note that records
  what was done about a payment needing attention.

Permission: ``municipality: Manage revenue`` (the revenue officers).
"""

from datetime import date
from datetime import datetime
from datetime import time as dtime
from datetime import timedelta
from decimal import Decimal
from municipality import _
from municipality.core import outbox
from municipality.payments import ledger as ledgers
from municipality.payments import settlement
from municipality.payments.browser import CHANNEL_TITLES
from municipality.payments.browser import format_amount
from municipality.payments.browser import format_time
from municipality.payments.browser import STATE_TITLES
from municipality.payments.browser import TIMEZONE
from municipality.payments.browser.payment import PaymentInfo
from municipality.payments.browser.payment import tr
from plone import api
from plone.batching import Batch
from plone.protect.authenticator import check
from Products.Five.browser import BrowserView
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from urllib.parse import urlencode
from zExceptions import Forbidden
from zExceptions import NotFound
from zope.interface import implementer
from zope.publisher.interfaces import IPublishTraverse


PAGE_SIZE = 50
DEFAULT_DAYS = 30
OUTBOX_KINDS = (
    ("payments.post", _("Posting to finance")),
    ("payments.receipt", _("Receipt")),
    ("payments.mail", _("Receipt by email")),
)
SOURCE_TITLES = {
    "notify": _("Bank notification"),
    "return": _("Browser return"),
    "status": _("Status query"),
    "system": _("System"),
    "staff": _("Staff"),
}
OUTCOME_TITLES = {
    "applied": _("applied"),
    "duplicate": _("duplicate"),
    "rejected": _("rejected"),
    "ignored": _("ignored"),
    "info": _("noted"),
}


class FilterError(ValueError):
    """A filter value that cannot be used; ``field`` names it."""

    def __init__(self, field, message):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def parse_day(text, field):
    """``dd/mm/yyyy`` or ``yyyy-mm-dd`` → ``date``; "" → None."""
    text = (text or "").strip()
    if not text:
        return None
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise FilterError(field, _("Type the date as dd/mm/yyyy, e.g. 31/01/2026."))


def day_start(day):
    return datetime.combine(day, dtime.min, TIMEZONE).timestamp()


def day_end(day):
    return datetime.combine(day + timedelta(days=1), dtime.min, TIMEZONE).timestamp()


def read_filters(form, default_days=DEFAULT_DAYS):
    """The list's filters from a form or query string; raises FilterError.

    Without a text or a date, the last ``default_days`` days are listed.
    """
    state = (form.get("state") or "").strip()
    if state and state not in ledgers.STATES and state != "attention":
        raise FilterError("state", _("Unknown state."))
    channel = (form.get("channel") or "").strip()
    if channel and channel not in CHANNEL_TITLES:
        raise FilterError("channel", _("Unknown payment channel."))
    start = parse_day(form.get("from"), "from")
    end = parse_day(form.get("to"), "to")
    if start and end and end < start:
        raise FilterError("to", _("The end date is before the start date."))
    text = " ".join((form.get("q") or "").split())
    if len(text) > 100:
        raise FilterError("q", _("The search text is too long."))
    if not text and not start and not end:
        start = datetime.now(TIMEZONE).date() - timedelta(days=default_days)
    return {"state": state, "channel": channel, "from": start, "to": end, "q": text}


def find(filters):
    """The payments the filters select, newest first."""
    state = filters["state"]
    found = ledgers.search(
        state=state if state in ledgers.STATES else None,
        channel=filters["channel"] or None,
        start=day_start(filters["from"]) if filters["from"] else None,
        end=day_end(filters["to"]) if filters["to"] else None,
        text=filters["q"] or None,
    )
    if state == "attention":
        found = [p for p in found if p.attention]
    return found


def totals(payments):
    """Count and sum of the list, and of what the bank collected in it."""
    collected = [p for p in payments if p.is_paid]
    return {
        "count": len(payments),
        "amount": sum((p.amount for p in payments), Decimal(0)),
        "paid_count": len(collected),
        "paid_amount": sum((p.paid_amount or p.amount for p in collected), Decimal(0)),
        "attention": sum(1 for p in payments if p.attention),
    }


def check_csrf(request):
    if request.get("REQUEST_METHOD", "GET").upper() != "POST":
        return False
    try:
        check(request)
    except Forbidden:
        return False
    return True


class StaffRow(PaymentInfo):
    """A payment as the staff list shows it."""

    @property
    def admin_url(self):
        return f"{self.portal_url}/@@payments-admin/{self.payment.order_id}"

    @property
    def payer(self):
        parts = [self.payment.payer_name, self.payment.payer_afm]
        return " · ".join(p for p in parts if p) or tr(self.request, _("Anonymous"))

    @property
    def attention(self):
        return self.payment.attention

    def summary(self):
        items = self.payment.items
        first = items[0]["description"] if items else ""
        return first if len(items) == 1 else f"{first} (+{len(items) - 1})"


@implementer(IPublishTraverse)
class PaymentsAdminView(BrowserView):
    """``@@payments-admin`` and ``@@payments-admin/<order id>``."""

    list_template = ViewPageTemplateFile("templates/staff_list.pt")
    detail_template = ViewPageTemplateFile("templates/staff_detail.pt")
    order_id = None
    error = None
    field = None
    payment = None
    info = None

    def publishTraverse(self, request, name):
        if self.order_id is None:
            self.order_id = name
            return self
        raise NotFound(self, name, request)

    def __call__(self):
        self.request.response.setHeader("Cache-Control", "no-store, private")
        if self.order_id is not None:
            return self.detail()
        return self.listing()

    # -- the list -------------------------------------------------------------

    def listing(self):
        try:
            self.filters = read_filters(self.request.form)
        except FilterError as e:
            self.error, self.field = tr(self.request, e.message), e.field
            self.request.response.setStatus(400)
            self.filters = read_filters({})
            self.found = []
        else:
            self.found = find(self.filters)
        start = self.request.form.get("b_start", 0)
        try:
            start = max(0, int(start))
        except (TypeError, ValueError):
            start = 0
        self.batch = Batch(self.found, PAGE_SIZE, start)
        self.totals = totals(self.found)
        return self.list_template()

    def rows(self):
        return [StaffRow(p, self.request) for p in self.batch]

    def form_value(self, name):
        value = self.filters.get(name)
        if isinstance(value, date):
            return value.isoformat()
        return value or ""

    def states(self):
        options = [
            {"value": state, "title": tr(self.request, STATE_TITLES[state])}
            for state in ledgers.STATES
        ]
        options.append(
            {"value": "attention", "title": tr(self.request, _("Needs attention"))}
        )
        return options

    def channels(self):
        return [
            {"value": key, "title": tr(self.request, title)}
            for key, title in CHANNEL_TITLES.items()
        ]

    def total_text(self, name):
        return format_amount(self.totals[name])

    def page_url(self, start):
        query = {k: self.form_value(k) for k in ("state", "channel", "from", "to", "q")}
        query["b_start"] = start
        return f"{self.context.absolute_url()}/@@payments-admin?{urlencode(query)}"

    def rejected(self):
        ledger = ledgers.get_ledger()
        if ledger is None:
            return []
        return [
            {
                "time": format_time(entry.get("time")),
                "source": tr(self.request, SOURCE_TITLES.get(entry.get("source"))),
                "reason": entry.get("reason", ""),
                "payment": entry.get("payment", ""),
                "order": dict(entry.get("fields") or ()).get("orderid", ""),
            }
            for entry in ledger.rejected_entries(limit=20)
        ]

    # -- one payment ----------------------------------------------------------

    def detail(self):
        payment = ledgers.get_by_order(self.order_id)
        if payment is None:
            raise NotFound(self.context, self.order_id, self.request)
        self.payment = payment
        self.info = StaffRow(payment, self.request)
        if self.request.get("REQUEST_METHOD", "GET").upper() == "POST":
            return self.act(payment)
        return self.detail_template()

    def act(self, payment):
        if not check_csrf(self.request):
            self.error = tr(
                self.request,
                _(
                    "The form has expired or did not come from this site. "
                    "Please try again."
                ),
            )
            self.request.response.setStatus(403)
            return self.detail_template()
        actor = api.user.get_current().getId()
        action = self.request.form.get("form.action")
        if action == "check":
            outcome = settlement.check_at_bank(payment, "staff", actor=actor)
            messages = {
                "applied": _("The bank's answer has been applied to the payment."),
                "unknown": _("The bank knows no payment of this order."),
                "unavailable": _(
                    "The bank cannot be asked right now; see the log for why."
                ),
                "rejected": _(
                    "The bank's answer does not match the payment; it was "
                    "logged and nothing changed."
                ),
            }
            message = messages.get(
                outcome, _("The bank's answer changes nothing; it was logged.")
            )
        elif action == "note":
            note = " ".join((self.request.form.get("note") or "").split())
            if not note:
                self.error = tr(self.request, _("Write what was done."))
                self.field = "note"
                self.request.response.setStatus(400)
                return self.detail_template()
            payment.append_log(
                {
                    "source": "staff",
                    "outcome": "info",
                    "reason": note[:1000],
                    "actor": actor,
                }
            )
            if self.request.form.get("resolved"):
                payment.attention = ""
            message = _("The note has been added to the payment's log.")
        else:
            self.error = tr(self.request, _("Unknown action."))
            self.request.response.setStatus(400)
            return self.detail_template()
        api.portal.show_message(message, request=self.request, type="info")
        self.request.response.redirect(self.info.admin_url, status=303)
        return ""

    def log(self):
        entries = []
        for entry in reversed(self.payment.log):
            entries.append(
                {
                    "time": format_time(entry["time"]),
                    "source": tr(self.request, SOURCE_TITLES.get(entry["source"])),
                    "source_id": entry["source"],
                    "verified": entry["verified"],
                    "outcome": tr(self.request, OUTCOME_TITLES.get(entry["outcome"])),
                    "outcome_id": entry["outcome"],
                    "reason": entry["reason"],
                    "actor": entry.get("actor", ""),
                    "fields": entry["fields"],
                    "repeats": entry.get("repeats", 0),
                    "last_time": (
                        format_time(entry["last_time"])
                        if entry.get("last_time")
                        else ""
                    ),
                }
            )
        return entries

    def deliveries(self):
        """The payment's outbox items: what was done, what waits, why."""
        result = []
        for kind, title in OUTBOX_KINDS:
            item = outbox.get_item(f"{kind}:{self.payment.id}")
            if item is None:
                continue
            result.append(
                {
                    "title": tr(self.request, title),
                    "status": item.status,
                    "attempts": item.attempts,
                    "error": item.last_error,
                    "when": format_time(item.delivered_at or item.last_attempt),
                }
            )
        return result

    def facts(self):
        p = self.payment
        rows = [
            (_("Number"), p.id),
            (_("Bank order id"), p.order_id),
            (_("Status"), self.info.state_title()),
            (_("Service"), self.info.channel_title()),
            (_("Amount"), format_amount(p.amount)),
            (_("Started on"), format_time(p.created)),
        ]
        if p.paid_at:
            rows.append((_("Paid on"), format_time(p.paid_at)))
            rows.append(
                (_("Amount paid"), f"{format_amount(p.paid_amount)} {p.paid_currency}")
            )
        if p.bank_payment_ref:
            rows.append((_("Bank reference"), p.bank_payment_ref))
        if p.bank_transaction_id:
            rows.append((_("Bank transaction"), p.bank_transaction_id))
        if p.receipt_number:
            rows.append((_("Finance receipt"), p.receipt_number))
        rows.append((_("Payer"), self.info.payer))
        if p.email:
            rows.append((_("Email"), p.email))
        return [
            {"label": tr(self.request, label), "value": value} for label, value in rows
        ]
