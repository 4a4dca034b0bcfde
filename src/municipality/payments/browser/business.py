"""Businesses' pages: the municipal tax, its certified debts, payment orders.

* ``@@declare-municipal-tax`` (and ``@@declare-gross-revenue-fee``,
  ``@@declare-sojourner-fee``, the same form limited to one levy): the
  business enters its VAT period and gross revenue; «Υπολογισμός» shows the
  tax, the deadline, the months late, the surcharge, the total and the legal
  basis; «Υποβολή και πληρωμή» makes the declaration and its payment and
  sends the business to the bank;
* the folder's page (``/municipal-tax``): the business's declarations with
  their status (the revenue staff see all of them); a declaration's page;
* ``@@municipal-tax-debts``: the certified municipal-tax debts of the
  business at the finance system; choose one, confirm, pay;
* ``@@payment-orders``: the payment orders the municipality issued to the
  business as a supplier, with totals.

Only verified businesses use them (:func:`municipality.payments.tax.business_of`:
«Use business services» and a verified identity, whose ΑΦΜ is the one
used); others read how a business gets verified. Amounts are computed or
read from finance on the server, never taken from the browser.
"""

from datetime import date
from decimal import Decimal
from municipality import _
from municipality.payments import api as payments
from municipality.payments import tax
from municipality.payments.browser import format_amount
from plone import api as ploneapi
from plone.memoize.view import memoize
from plone.protect.authenticator import check
from Products.Five.browser import BrowserView
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from urllib.parse import quote
from urllib.parse import urlencode
from zExceptions import Forbidden
from zope.i18n import translate
from zope.i18nmessageid import Message


MSG_CSRF = _(
    "The form has expired or did not come from this site. "
    "Please check your entries and submit it again."
)
MSG_FIX = _("Please correct the errors below.")

LABELS = {
    "category": _("Kind of business"),
    "period_kind": _("VAT return period"),
    "period": _("VAT return period"),
    "year": _("Year"),
    "gross_revenue": _("Gross revenue"),
    "vat_filing_date": _("Date of the VAT return"),
    "email": _("Email"),
    "debt": _("Debt"),
}

PERIOD_KIND_TITLES = {
    "monthly": _("Monthly VAT return"),
    "quarterly": _("Quarterly VAT return"),
}

STATE_CLASSES = {
    tax.PENDING: "bg-warning text-dark",
    tax.ACCEPTED: "bg-success",
    tax.REJECTED: "bg-danger",
}

PAYMENT_STATE_TITLES = {
    "started": _("Waiting for the bank"),
    "paid": _("Paid"),
    "posted": _("Paid"),
    "failed": _("Not completed"),
    "cancelled": _("Cancelled"),
    "expired": _("Expired"),
}

ORDER_STATUS_TITLES = {
    "issued": _("Issued, not paid yet"),
    "paid": _("Paid"),
}


def tr(request, message):
    if message is None:
        return ""
    if isinstance(message, Message):
        return translate(message, context=request)
    return str(message)


def format_rate(rate):
    """«0,5%»."""
    text = format(Decimal(str(rate)).normalize(), "f").replace(".", ",")
    return f"{text}%"


def format_date(value):
    """«dd/mm/yyyy» of a date or an ISO date string; "" for nothing."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    return value.strftime("%d/%m/%Y")


def format_timestamp(value, context=None):
    """«dd/mm/yyyy HH:MM» of a DateTime (workflow history), Athens time."""
    if value is None:
        return ""
    try:
        return value.toZone("Europe/Athens").strftime("%d/%m/%Y %H:%M")
    except AttributeError:
        return str(value)


def check_csrf(request):
    """True when the form came by POST with a valid ``_authenticator``."""
    if request.get("REQUEST_METHOD", "GET").upper() != "POST":
        return False
    try:
        check(request)
    except Forbidden:
        return False
    return True


class BusinessView(BrowserView):
    """A page for verified businesses; others are sent to log in or told how."""

    not_verified = ViewPageTemplateFile("templates/tax_not_verified.pt")

    @property
    def portal_url(self):
        return ploneapi.portal.get().absolute_url()

    @property
    def folder_url(self):
        return f"{self.portal_url}/{tax.FOLDER_ID}"

    @memoize
    def member(self):
        if ploneapi.user.is_anonymous():
            return None
        return ploneapi.user.get_current()

    @memoize
    def business(self):
        return tax.business_of(self.member())

    def gate(self):
        """``None`` when a verified business is here, else what to answer."""
        if self.member() is None:
            url = self.request.get("ACTUAL_URL") or self.context.absolute_url()
            query = self.request.get("QUERY_STRING")
            if query:
                url = f"{url}?{query}"
            self.request.response.redirect(
                f"{self.portal_url}/login?came_from={quote(url, safe='')}"
            )
            return ""
        if self.business() is None:
            self.request.response.setStatus(403)
            return self.not_verified()
        return None

    def is_post(self):
        return self.request.get("REQUEST_METHOD", "GET").upper() == "POST"

    def value(self, name, default=""):
        value = self.request.form.get(name, default)
        if isinstance(value, (list, tuple)):
            value = value[0] if value else default
        return value.strip() if isinstance(value, str) else default


class FormMixin:
    """Errors by field, as the certificates' forms show them."""

    form_id = "business-form"

    def field_id(self, name):
        return f"{self.form_id}-{name.replace('_', '-')}"

    def error(self, name):
        return self.errors.get(name, "")

    def invalid(self, name):
        return "true" if name in self.errors else None

    def control_class(self, name, base="form-control"):
        return f"{base} is-invalid" if name in self.errors else base

    def described_by(self, name, hint=False):
        ids = []
        if hint:
            ids.append(f"{self.field_id(name)}-hint")
        if name in self.errors:
            ids.append(f"{self.field_id(name)}-error")
        return " ".join(ids) or None

    def summary(self):
        """The errors above the form, each a link to its field."""
        items = []
        for name, message in self.errors.items():
            if not name:
                items.append({"href": None, "label": "", "message": message})
                continue
            target = "period" if name == "period_kind" else name
            items.append(
                {
                    "href": f"#{self.field_id(target)}",
                    "label": tr(self.request, LABELS.get(name, name)),
                    "message": message,
                }
            )
        return items


# -- the declaration form ---------------------------------------------------------


class DeclareForm(BusinessView, FormMixin):
    """``@@declare-municipal-tax``: compute, then declare and pay in one step."""

    index = ViewPageTemplateFile("templates/tax_declare.pt")
    form_id = "declare-municipal-tax"
    view_name = "declare-municipal-tax"
    levy = None  # every kind of business
    heading = _("Municipal tax declaration")
    intro = _(
        "Declare the gross revenue of a VAT period, as in your VAT return. "
        "The tax and any surcharge for late declaration are computed for you; "
        "the declaration and its card payment are one step: if the payment "
        "is not completed, the declaration is rejected and you declare again."
    )

    def __init__(self, context, request):
        super().__init__(context, request)
        self.errors = {}
        self.calculation = None

    def __call__(self):
        answer = self.gate()
        if answer is not None:
            return answer
        if self.is_post() and "form.action" in self.request.form:
            if not check_csrf(self.request):
                self.errors = {"": tr(self.request, MSG_CSRF)}
                self.request.response.setStatus(403)
                return self.index()
            if self.value("form.action") == "submit":
                return self.submit()
            return self.compute()
        return self.index()

    @property
    def action_url(self):
        return f"{self.portal_url}/@@{self.view_name}"

    def heading_text(self):
        return tr(self.request, self.heading)

    def intro_text(self):
        return tr(self.request, self.intro)

    # -- inputs -------------------------------------------------------------

    def period_choice(self):
        """The combined «period» value: ``monthly-3`` or ``quarterly-1``."""
        value = self.value("period")
        if "-" in value:
            return value
        kind = self.value("period_kind")
        if kind and value:
            return f"{kind}-{value}"
        return ""

    def data(self):
        """The inputs as :func:`municipality.payments.tax.calculate` reads them."""
        kind, _sep, period = self.period_choice().partition("-")
        data = {name: self.value(name) for name in tax.FIELDS}
        data["period_kind"] = kind
        data["period"] = period
        categories = self.categories()
        if not data["category"] and len(categories) == 1:
            data["category"] = next(iter(categories))
        return data

    @memoize
    def categories(self):
        return tax.categories(self.levy)

    def category_options(self):
        chosen = self.value("category")
        if not chosen and len(self.categories()) == 1:
            chosen = next(iter(self.categories()))
        return [
            {
                "value": code,
                "title": category["title"],
                "rate": format_rate(category["rate"]),
                "selected": "selected" if code == chosen else None,
            }
            for code, category in self.categories().items()
        ]

    def period_groups(self):
        chosen = self.period_choice()
        months = [
            {
                "value": f"monthly-{number}",
                "title": tr(self.request, tax.MONTHS[number - 1]),
            }
            for number in range(1, 13)
        ]
        quarters = []
        for number in range(1, 5):
            first, last = tax.period_months("quarterly", number)
            quarters.append(
                {
                    "value": f"quarterly-{number}",
                    "title": tr(
                        self.request,
                        _(
                            "Quarter ${quarter} (${first} – ${last})",
                            mapping={
                                "quarter": number,
                                "first": tr(self.request, tax.MONTHS[first - 1]),
                                "last": tr(self.request, tax.MONTHS[last - 1]),
                            },
                        ),
                    ),
                }
            )
        groups = [
            {
                "title": tr(self.request, PERIOD_KIND_TITLES["monthly"]),
                "options": months,
            },
            {
                "title": tr(self.request, PERIOD_KIND_TITLES["quarterly"]),
                "options": quarters,
            },
        ]
        for group in groups:
            for option in group["options"]:
                option["selected"] = "selected" if option["value"] == chosen else None
        return groups

    def year_value(self):
        return self.value("year") or str(tax.today().year)

    def business_info(self):
        return self.business()

    # -- actions --------------------------------------------------------------

    def set_errors(self, errors):
        """The errors by field; one control holds the period kind and the
        period, so it shows one message."""
        self.errors = dict(errors)
        if "period" in self.errors:
            self.errors.pop("period_kind", None)
        self.request.response.setStatus(400)

    def compute(self):
        try:
            self.calculation = tax.calculate(self.data(), greek=True)
        except tax.TaxInputError as e:
            self.set_errors(e.errors)
        return self.index()

    def submit(self):
        expected = {
            "total": self.value("expected_total"),
            "rule_version": self.value("expected_rule_version"),
        }
        try:
            declaration, payment = tax.declare(
                self.member(), self.data(), greek=True, expected=expected
            )
        except tax.TaxInputError as e:
            self.set_errors(e.errors)
            try:
                self.calculation = tax.calculate(self.data(), greek=True)
            except tax.TaxInputError:
                self.calculation = None
            return self.index()
        if payment is None:
            self.request.response.redirect(declaration.absolute_url())
        else:
            self.request.response.redirect(payments.bank_redirect_url(payment))
        return ""

    # -- the computation shown ---------------------------------------------

    def result(self):
        """The computation as the page shows it, or ``None``."""
        calc = self.calculation
        if calc is None:
            return None
        return calculation_rows(calc, self.request)

    def hidden_inputs(self):
        """The inputs again, for «Υποβολή και πληρωμή» (recomputed on submit)."""
        data = self.data()
        return [
            {"name": "category", "value": data["category"]},
            {"name": "period", "value": self.period_choice()},
            {"name": "year", "value": data["year"]},
            {"name": "gross_revenue", "value": data["gross_revenue"]},
            {"name": "vat_filing_date", "value": data["vat_filing_date"]},
            {"name": "expected_total", "value": f"{self.calculation.total:.2f}"},
            {"name": "expected_rule_version", "value": self.calculation.rule_version},
        ]


class DeclareGrossRevenueFee(DeclareForm):
    """``@@declare-gross-revenue-fee``: the form for the fee on gross revenue."""

    view_name = "declare-gross-revenue-fee"
    levy = tax.LEVY_GROSS_REVENUE
    heading = _("Gross-revenue fee declaration")


class DeclareSojournerFee(DeclareForm):
    """``@@declare-sojourner-fee``: the form for the sojourner (accommodation) fee."""

    view_name = "declare-sojourner-fee"
    levy = tax.LEVY_SOJOURNER
    heading = _("Sojourner fee declaration")
    intro = _(
        "Declare the accommodation revenue of a VAT period, as in your VAT "
        "return. The fee and any surcharge for late declaration are computed "
        "for you; the declaration and its card payment are one step: if the "
        "payment is not completed, the declaration is rejected and you "
        "declare again."
    )


def calculation_rows(calc, request):
    """A :class:`~municipality.payments.tax.Calculation` as the pages show it."""
    return {
        "category_title": calc.category_title,
        "period_title": tax.period_title(calc.period_kind, calc.period, calc.year),
        "period_kind_title": tr(request, PERIOD_KIND_TITLES[calc.period_kind]),
        "period_range": " – ".join(
            (format_date(calc.period_start), format_date(calc.period_end))
        ),
        "gross_revenue": format_amount(calc.gross_revenue),
        "rate": format_rate(calc.rate),
        "tax": format_amount(calc.tax),
        "vat_filing_date": format_date(calc.vat_filing_date),
        "declared_on": format_date(calc.declared_on),
        "deadline": format_date(calc.deadline),
        "months_late": calc.months_late,
        "is_late": calc.is_late,
        "penalty_per_month": format_rate(calc.penalty_per_month),
        "penalty_cap": format_rate(calc.penalty_cap),
        "surcharge": format_amount(calc.surcharge),
        "total": format_amount(calc.total),
        "is_nil": calc.is_nil,
        "legal_basis": calc.legal_basis,
        "penalty_legal_basis": calc.penalty_legal_basis,
        "rule_version": calc.rule_version,
    }


# -- the declarations -----------------------------------------------------------


def declaration_row(obj, request):
    calc = obj.get_calculation()
    state = tax.review_state(obj) or ""
    return {
        "url": obj.absolute_url(),
        "reference": getattr(obj, "reference_number", "") or "",
        "period_title": tax.period_title(obj.period_kind, obj.period, obj.year)
        if obj.period_kind
        else "",
        "category_title": obj.category_title or "",
        "business_name": obj.business_name or "",
        "business_afm": obj.business_afm or "",
        "total": format_amount(calc.total) if calc else "",
        "declared_on": format_date(obj.declared_on),
        "state": state,
        "state_title": tr(request, tax.STATE_TITLES.get(state, state)),
        "state_class": STATE_CLASSES.get(state, "bg-secondary"),
    }


class TaxHomeView(BusinessView):
    """The folder's page: the business's declarations; the staff see all."""

    index = ViewPageTemplateFile("templates/tax_home.pt")

    def __call__(self):
        if self.is_staff():
            return self.index()
        answer = self.gate()
        if answer is not None:
            return answer
        return self.index()

    @memoize
    def is_staff(self):
        return bool(
            self.member() is not None
            and ploneapi.user.has_permission(tax.MANAGE_REVENUE, obj=self.context)
        )

    def rows(self):
        if self.business() is None:
            return []
        return [
            declaration_row(obj, self.request)
            for obj in tax.my_declarations(self.member())
        ]

    def staff_rows(self):
        if not self.is_staff():
            return []
        state = self.value("state")
        state = state if state in tax.STATE_TITLES else None
        return [
            declaration_row(obj, self.request)
            for obj in tax.all_declarations(state=state)
        ]

    def state_filters(self):
        current = self.value("state")
        filters = [
            {
                "url": self.context.absolute_url(),
                "title": tr(self.request, _("All")),
                "active": not current,
            }
        ]
        url = self.context.absolute_url()
        for state, title in tax.STATE_TITLES.items():
            filters.append(
                {
                    "url": f"{url}?{urlencode({'state': state})}",
                    "title": tr(self.request, title),
                    "active": current == state,
                }
            )
        return filters


class MyDeclarationsRedirect(BrowserView):
    """``@@my-declarations`` on the site root: the folder's page."""

    def __call__(self):
        portal = ploneapi.portal.get()
        self.request.response.redirect(f"{portal.absolute_url()}/{tax.FOLDER_ID}")
        return ""


class DeclarationView(BrowserView):
    """A declaration's page: inputs, computation, status, history, payment."""

    index = ViewPageTemplateFile("templates/tax_declaration.pt")

    def __call__(self):
        return self.index()

    @property
    def portal_url(self):
        return ploneapi.portal.get().absolute_url()

    @memoize
    def info(self):
        obj = self.context
        row = declaration_row(obj, self.request)
        calc = obj.get_calculation()
        row["calculation"] = calculation_rows(calc, self.request) if calc else None
        row["title"] = obj.Title()
        return row

    @memoize
    def payment(self):
        payment = tax.payment_of(self.context)
        if payment is None:
            return None
        return {
            "number": payment.id,
            "state": payment.state,
            "state_title": tr(
                self.request, PAYMENT_STATE_TITLES.get(payment.state, payment.state)
            ),
            "amount": format_amount(payment.amount),
            "url": payments.payment_url(payment),
            "bank_url": payments.bank_redirect_url(payment)
            if payment.state == "started"
            else None,
        }

    def history(self):
        entries = []
        for step in self.context.workflow_history.get(tax.WORKFLOW_ID, ()):
            state = step.get("review_state")
            entries.append(
                {
                    "state_title": tr(self.request, tax.STATE_TITLES.get(state, state)),
                    "date": format_timestamp(step.get("time")),
                    "comment": step.get("comments") or "",
                }
            )
        return entries

    def reason(self):
        """The last comment, when rejected: why."""
        if tax.review_state(self.context) != tax.REJECTED:
            return ""
        history = self.context.workflow_history.get(tax.WORKFLOW_ID, ())
        return (history[-1].get("comments") or "") if history else ""

    def declare_again_url(self):
        obj = self.context
        query = urlencode(
            {
                "category": obj.category or "",
                "period": f"{obj.period_kind}-{obj.period}",
                "year": obj.year or "",
                "gross_revenue": f"{obj.gross_revenue:.2f}".replace(".", ",")
                if obj.gross_revenue is not None
                else "",
                "vat_filing_date": obj.vat_filing_date.isoformat()
                if obj.vat_filing_date
                else "",
            }
        )
        return f"{self.portal_url}/@@declare-municipal-tax?{query}"

    def is_owner_view(self):
        return ploneapi.user.get_current().getId() == self.context.business_userid


# -- certified municipal-tax debts ------------------------------------------------


class TaxDebtsView(BusinessView, FormMixin):
    """``@@municipal-tax-debts``: list, confirm one (``?debt=<id>``), pay it."""

    index = ViewPageTemplateFile("templates/tax_debts.pt")
    form_id = "municipal-tax-debts"

    def __init__(self, context, request):
        super().__init__(context, request)
        self.errors = {}
        self.unavailable = False
        self._debts = ()

    def __call__(self):
        answer = self.gate()
        if answer is not None:
            return answer
        if self.is_post() and "form.pay" in self.request.form:
            if not check_csrf(self.request):
                self.errors = {"": tr(self.request, MSG_CSRF)}
                self.request.response.setStatus(403)
                return self.render()
            try:
                payment = tax.pay_debt(
                    self.member(), self.value("debt"), email=self.email_or_none()
                )
            except tax.FinanceUnavailable:
                self.unavailable = True
                self.request.response.setStatus(503)
                return self.index()
            except tax.TaxInputError as e:
                self.errors = dict(e.errors)
                self.request.response.setStatus(400)
                return self.render()
            self.request.response.redirect(payments.bank_redirect_url(payment))
            return ""
        return self.render()

    def email_or_none(self):
        return self.value("email") if "email" in self.request.form else None

    def render(self):
        try:
            self._debts = tax.certified_debts(self.business())
        except tax.FinanceUnavailable:
            self.unavailable = True
            self.request.response.setStatus(503)
        return self.index()

    def finance_message(self):
        return tr(self.request, tax.FinanceUnavailable.message)

    @memoize
    def live(self):
        return payments.live_payments([debt.id for debt in self._debts])

    def rows(self):
        live = self.live()
        rows = []
        for debt in self._debts:
            payment = live.get(debt.id)
            rows.append(
                {
                    "id": debt.id,
                    "description": debt.description,
                    "category": tr(self.request, DEBT_TITLES.get(debt.category, "")),
                    "reference": debt.reference,
                    "principal": format_amount(debt.principal),
                    "surcharges": format_amount(debt.surcharges),
                    "amount": format_amount(debt.amount),
                    "due_date": format_date(debt.due_date),
                    "rf_code": debt.rf_code,
                    "confirm_url": f"{self.portal_url}/@@municipal-tax-debts?"
                    + urlencode({"debt": debt.id}),
                    "payment_url": payments.payment_url(payment) if payment else None,
                }
            )
        return rows

    def total(self):
        return format_amount(sum((debt.amount for debt in self._debts), Decimal(0)))

    def chosen(self):
        """The debt being confirmed, or ``None``."""
        wanted = self.value("debt")
        if not wanted:
            return None
        for row in self.rows():
            if row["id"] == wanted:
                return row
        return None

    def unknown_choice(self):
        return (
            bool(self.value("debt")) and not self.unavailable and self.chosen() is None
        )

    def default_email(self):
        if "email" in self.request.form:
            return self.value("email")
        return tax.member_email(self.member())


DEBT_TITLES = {
    "gross_revenue": _("Fee on gross revenue"),
    "visitor_levy": _("Sojourner fee"),
}


# -- payment orders -----------------------------------------------------------------


class PaymentOrdersView(BusinessView):
    """``@@payment-orders``: the payment orders issued to the business."""

    index = ViewPageTemplateFile("templates/orders.pt")

    def __init__(self, context, request):
        super().__init__(context, request)
        self.unavailable = False
        self._orders = ()
        self._totals = None

    def __call__(self):
        answer = self.gate()
        if answer is not None:
            return answer
        try:
            self._orders, self._totals = tax.payment_orders(self.business())
        except tax.FinanceUnavailable:
            self.unavailable = True
            self.request.response.setStatus(503)
        return self.index()

    def finance_message(self):
        return tr(self.request, tax.FinanceUnavailable.message)

    def rows(self):
        return [
            {
                "number": order.number,
                "date": format_date(order.date),
                "description": order.description,
                "amount": format_amount(order.amount),
                "status": order.status,
                "status_title": tr(
                    self.request, ORDER_STATUS_TITLES.get(order.status, order.status)
                ),
                "paid_date": format_date(order.paid_date),
            }
            for order in self._orders
        ]

    def totals(self):
        if self._totals is None:
            return None
        return {
            "issued": format_amount(self._totals["issued"]),
            "paid": format_amount(self._totals["paid"]),
            "unpaid": format_amount(self._totals["unpaid"]),
            "count": self._totals["count"],
        }
