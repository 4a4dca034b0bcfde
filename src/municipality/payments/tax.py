"""The municipal tax (Δημοτικός Φόρος): its computation and its declarations.

Businesses declare, for each period of their VAT return, the gross revenue
the levy is charged on (greek-domain.md §5a, §5b; seed 003 «Δήλωση και
Πληρωμή Δημοτικού Φόρου»):

* the **fee on gross revenue** (τέλος επί των ακαθαρίστων εσόδων) of shops
  with tables, bars, night clubs … (άρθρο 20 ν. 2539/1997, όπως
  αντικαταστάθηκε με το άρθρο 23 παρ. 2 ν. 3756/2009);
* the **sojourner fee** (τέλος διαμονής παρεπιδημούντων) of hotels and rooms
  to let, on the accommodation price (άρθρο 1 ν. 339/1976, άρθρο 6
  ν. 1080/1980).

Both are declared and paid over with the periodic VAT return. The rates,
the surcharge and its cap are settings (the «Πληρωμές» control panel); a
computation keeps the rule it used, so it can be replayed for audit.

**The computation** (:func:`compute`, pure: no database, no request):

* tax = gross revenue × rate %, rounded half-up to cents;
* deadline (rule :data:`DEADLINE_RULE`): the last day of the month after
  the period's last month, the deadline of the periodic VAT return (Κώδικας
  ΦΠΑ, ν. 2859/2000 άρθρο 38 παρ. 1 όπως ισχύει: «μέχρι την τελευταία
  εργάσιμη ημέρα του μήνα που ακολουθεί τη λήξη της φορολογικής περιόδου»).
  We count to the last *calendar* day: a return made on a weekend or holiday
  at the month's end is then never surcharged, and the date does not depend
  on a holiday calendar that could change after the fact;
* months late = the months or parts of months from the day after the
  deadline to the day of the declaration (0 when on time): one day late is
  one month;
* surcharge = tax × surcharge % per month × months late, at most the cap %
  of the tax, rounded half-up to cents; total = tax + surcharge.

**The declaration** (``content/declaration.py``)
is declared and paid in one step: it is created ``pending_payment`` with a
card payment, and the payment's fate decides it (:func:`payment_state_changed`):
paid → ``accepted``; failed, cancelled or expired → ``rejected`` (the business
declares again). A bank's late «paid» accepts a rejected declaration too,
unless the period has been declared again and that declaration stands: then
it stays rejected and the payment is flagged for the operators. A nil
declaration (nothing to pay) is accepted at once.
"""

from calendar import monthrange
from dataclasses import asdict
from dataclasses import dataclass
from DateTime import DateTime
from datetime import date
from datetime import datetime
from datetime import timedelta
from decimal import Decimal
from decimal import InvalidOperation
from decimal import ROUND_HALF_UP
from municipality import _
from municipality import logger
from municipality.core.identity.identity import verified_identity
from municipality.core.serial import outside
from municipality.core.submissions import SubmissionError
from municipality.core.submissions import translated
from municipality.integrations.errors import ExternalSystemError
from municipality.integrations.finance import FinanceClient
from municipality.payments import api as payments
from municipality.payments import settings
from plone import api
from plone.app.uuid.utils import uuidToObject
from plone.dexterity.utils import addContentToContainer
from plone.dexterity.utils import createContent
from plone.dexterity.utils import createContentInContainer
from zExceptions import Unauthorized
from zoneinfo import ZoneInfo

import hashlib
import json
import re
import secrets
import time
import transaction


TIMEZONE = ZoneInfo("Europe/Athens")
CENTS = Decimal("0.01")
HUNDRED = Decimal(100)

PERIOD_KINDS = {"monthly": 12, "quarterly": 4}
FIRST_YEAR = 2000
# A period's gross revenue above this is a typing mistake, not a business.
MAX_GROSS_REVENUE = Decimal("999999999.99")

# The deadline rule's id, kept with every computation (see the module's doc).
DEADLINE_RULE = "vat-return-month-after/last-day"

# The finance system's categories of the two levies (integrations.finance).
LEVY_GROSS_REVENUE = "gross_revenue"
LEVY_SOJOURNER = "visitor_levy"
# A tax category is the sojourner fee when its code says so or its legal
# basis is the fee's law; every other category is a fee on gross revenue.
SOJOURNER_CODES = ("accommodation",)
SOJOURNER_LAW = re.compile(r"339\s*/\s*1976")

# The input fields, in the order the forms and the REST service name them.
FIELDS = (
    "category",
    "period_kind",
    "period",
    "year",
    "gross_revenue",
    "vat_filing_date",
)

MONTHS = (
    _("January"),
    _("February"),
    _("March"),
    _("April"),
    _("May"),
    _("June"),
    _("July"),
    _("August"),
    _("September"),
    _("October"),
    _("November"),
    _("December"),
)


class TaxInputError(SubmissionError):
    """Bad input to the computation: ``errors`` maps a field to a Greek message."""


# -- the rule -----------------------------------------------------------------


def _plain(value):
    """A Decimal as its shortest exact text: ``0.50`` and ``0.5`` are one rule."""
    return format(value.normalize(), "f")


@dataclass(frozen=True)
class Rule:
    """What a computation applies: the rate, the surcharge and their law."""

    category: str
    category_title: str
    levy: str
    rate: Decimal  # % of the gross revenue
    legal_basis: str
    penalty_per_month: Decimal  # % of the tax per month or part of a month
    penalty_cap: Decimal  # % of the tax
    penalty_legal_basis: str
    deadline_rule: str = DEADLINE_RULE

    @property
    def version(self):
        """A short hash of everything that decides an amount and its basis.

        A changed rate, surcharge, cap, legal basis or deadline rule gives a
        new version; the category's title is not part of it.
        """
        canonical = json.dumps(
            {
                "category": self.category,
                "levy": self.levy,
                "rate": _plain(self.rate),
                "legal_basis": self.legal_basis,
                "penalty_per_month": _plain(self.penalty_per_month),
                "penalty_cap": _plain(self.penalty_cap),
                "penalty_legal_basis": self.penalty_legal_basis,
                "deadline_rule": self.deadline_rule,
            },
            sort_keys=True,
            ensure_ascii=False,
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]


def levy_of(code, legal_basis=""):
    """``visitor_levy`` for a sojourner-fee category, else ``gross_revenue``."""
    if code in SOJOURNER_CODES or SOJOURNER_LAW.search(legal_basis or ""):
        return LEVY_SOJOURNER
    return LEVY_GROSS_REVENUE


def current_rules():
    """The rules in force, from the «Πληρωμές» settings.

    :returns: ``{"categories": {code: {code, title, rate, legal_basis}},
        "penalty_per_month", "penalty_cap", "penalty_legal_basis"}``.
    """
    return {
        "categories": settings.tax_categories(),
        "penalty_per_month": Decimal(str(settings.get("tax_penalty_per_month"))),
        "penalty_cap": Decimal(str(settings.get("tax_penalty_cap"))),
        "penalty_legal_basis": settings.get("tax_penalty_legal_basis") or "",
    }


def categories(levy=None, rules=None):
    """``{code: {code, title, rate, legal_basis, levy}}`` in order.

    :param levy: Only the categories of this levy (:data:`LEVY_GROSS_REVENUE`
        or :data:`LEVY_SOJOURNER`).
    """
    rules = rules or current_rules()
    result = {}
    for code, category in rules["categories"].items():
        category = {**category, "levy": levy_of(code, category["legal_basis"])}
        if levy is None or category["levy"] == levy:
            result[code] = category
    return result


def rule_for(category, rules=None):
    """The :class:`Rule` of ``category`` now, or ``None`` for an unknown one."""
    rules = rules or current_rules()
    found = rules["categories"].get(category)
    if found is None:
        return None
    return Rule(
        category=category,
        category_title=found["title"],
        levy=levy_of(category, found["legal_basis"]),
        rate=found["rate"],
        legal_basis=found["legal_basis"],
        penalty_per_month=rules["penalty_per_month"],
        penalty_cap=rules["penalty_cap"],
        penalty_legal_basis=rules["penalty_legal_basis"],
    )


# -- dates --------------------------------------------------------------------


def today():
    """Today in Athens."""
    return datetime.now(TIMEZONE).date()


def _last_day(year, month):
    return date(year, month, monthrange(year, month)[1])


def add_months(day, months):
    """``day`` plus ``months`` months; the last day of a month stays the last."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = monthrange(year, month)[1]
    if day.day == monthrange(day.year, day.month)[1]:
        return date(year, month, last)
    return date(year, month, min(day.day, last))


def period_months(period_kind, period):
    """The first and last month of a period: quarter 2 → ``(4, 6)``."""
    if period_kind == "quarterly":
        return 3 * period - 2, 3 * period
    return period, period


def period_bounds(period_kind, period, year):
    """The first and the last day of a period."""
    first, last = period_months(period_kind, period)
    return date(year, first, 1), _last_day(year, last)


def deadline_of(period_kind, period, year):
    """The last day of the month after the period (rule :data:`DEADLINE_RULE`)."""
    return add_months(period_bounds(period_kind, period, year)[1], 1)


def months_late(deadline, declared_on):
    """Months or parts of months from the day after ``deadline`` to ``declared_on``.

    0 when declared by the deadline; one day late is one month; the n-th
    month ends on the same day n months after the deadline (the last day of
    the month for a deadline on a month's last day).
    """
    if declared_on <= deadline:
        return 0
    months = max(
        1,
        (declared_on.year - deadline.year) * 12
        + declared_on.month
        - deadline.month
        - 1,
    )
    while declared_on > add_months(deadline, months):
        months += 1
    return months


def period_title(period_kind, period, year):
    """«Μάρτιος 2026» or «2ο τρίμηνο 2026» (translated)."""
    if period_kind == "quarterly":
        return translated(
            _(
                "Quarter ${quarter} of ${year}",
                mapping={"quarter": period, "year": year},
            )
        )
    return f"{translated(MONTHS[period - 1])} {year}"


# -- the computation ----------------------------------------------------------


def _money(value):
    return value.quantize(CENTS, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Calculation:
    """One computation of the municipal tax, with everything to replay it.

    Amounts are ``Decimal`` with 2 places; :meth:`as_dict` gives the same as
    JSON-able values (amounts as ``"12.50"``, dates ISO), which is what a
    declaration stores and the REST API answers.
    """

    # The inputs
    category: str
    period_kind: str
    period: int
    year: int
    gross_revenue: Decimal
    vat_filing_date: date
    declared_on: date
    # The rule
    category_title: str
    levy: str
    rate: Decimal
    legal_basis: str
    penalty_per_month: Decimal
    penalty_cap: Decimal
    penalty_legal_basis: str
    deadline_rule: str
    rule_version: str
    # The result
    period_start: date
    period_end: date
    deadline: date
    months_late: int
    tax: Decimal
    surcharge: Decimal
    total: Decimal
    computed_at: str  # ISO 8601, Athens time

    @property
    def is_nil(self):
        """Nothing to pay: a nil declaration."""
        return self.total == 0

    @property
    def is_late(self):
        return self.months_late > 0

    def rule(self):
        """The :class:`Rule` this computation applied."""
        return Rule(
            category=self.category,
            category_title=self.category_title,
            levy=self.levy,
            rate=self.rate,
            legal_basis=self.legal_basis,
            penalty_per_month=self.penalty_per_month,
            penalty_cap=self.penalty_cap,
            penalty_legal_basis=self.penalty_legal_basis,
            deadline_rule=self.deadline_rule,
        )

    def inputs(self):
        """The declared inputs, JSON-able."""
        data = self.as_dict()
        return {name: data[name] for name in (*FIELDS, "declared_on")}

    def as_dict(self):
        """Every field, JSON-able: Decimals as exact strings, dates ISO."""
        data = {}
        for name, value in asdict(self).items():
            if isinstance(value, Decimal):
                value = _plain(value) if name in _RATES else f"{value:.2f}"
            elif isinstance(value, date):
                value = value.isoformat()
            data[name] = value
        return data

    @classmethod
    def from_dict(cls, data):
        """The :class:`Calculation` stored by :meth:`as_dict`."""
        values = dict(data)
        for name in _DECIMALS:
            values[name] = Decimal(str(values[name]))
        for name in _DATES:
            values[name] = date.fromisoformat(values[name])
        for name in ("period", "year", "months_late"):
            values[name] = int(values[name])
        return cls(**{name: values[name] for name in cls.__dataclass_fields__})


_RATES = ("rate", "penalty_per_month", "penalty_cap")
_DECIMALS = (*_RATES, "gross_revenue", "tax", "surcharge", "total")
_DATES = (
    "vat_filing_date",
    "declared_on",
    "period_start",
    "period_end",
    "deadline",
)


def _check(category, period_kind, period, year, gross_revenue, vat_filing_date, on):
    """``{field: message}`` of what is wrong with typed inputs (not translated).

    ``on`` is the day of the declaration (today).
    """
    errors = {}
    if period_kind not in PERIOD_KINDS:
        errors["period_kind"] = _(
            "Choose how often you file the VAT return: monthly or quarterly."
        )
    if not isinstance(year, int) or isinstance(year, bool):
        errors["year"] = _(
            "Enter the year of the period, e.g. ${year}.", mapping={"year": on.year}
        )
    elif not FIRST_YEAR <= year <= on.year:
        errors["year"] = _(
            "The year must be from ${first} to ${last}.",
            mapping={"first": FIRST_YEAR, "last": on.year},
        )
    if not isinstance(period, int) or isinstance(period, bool):
        errors["period"] = _("Choose the period of the VAT return.")
    elif period_kind == "monthly" and not 1 <= period <= 12:
        errors["period"] = _("For a monthly VAT return the period is a month, 1 to 12.")
    elif period_kind == "quarterly" and not 1 <= period <= 4:
        errors["period"] = _(
            "For a quarterly VAT return the period is a quarter, 1 to 4."
        )
    end = None
    if not errors:
        end = period_bounds(period_kind, period, year)[1]
        if end >= on:
            end, last_day = None, end
            errors["period"] = _(
                "This period has not ended yet: it can be declared from ${day}.",
                mapping={"day": format_date(last_day + timedelta(days=1))},
            )
    if not isinstance(gross_revenue, Decimal) or not gross_revenue.is_finite():
        errors["gross_revenue"] = _("Enter the gross revenue in euros, e.g. 12.345,67.")
    elif gross_revenue < 0:
        errors["gross_revenue"] = _("The gross revenue cannot be negative.")
    elif gross_revenue != gross_revenue.quantize(CENTS):
        errors["gross_revenue"] = _(
            "Write the gross revenue with at most 2 decimal places (cents)."
        )
    elif gross_revenue > MAX_GROSS_REVENUE:
        errors["gross_revenue"] = _(
            "The gross revenue is too large for one period: check the amount."
        )
    if not isinstance(vat_filing_date, date) or isinstance(vat_filing_date, datetime):
        errors["vat_filing_date"] = _("Enter the date the VAT return was filed.")
    elif vat_filing_date > on:
        errors["vat_filing_date"] = _(
            "The date of the VAT return cannot be in the future."
        )
    elif end is not None and vat_filing_date <= end:
        errors["vat_filing_date"] = _(
            "A VAT return is filed after its period ends: the date must be after "
            "${day}.",
            mapping={"day": format_date(end)},
        )
    return errors


def format_date(day):
    """«dd/mm/yyyy»."""
    return day.strftime("%d/%m/%Y")


def _raise(errors):
    raise TaxInputError(
        {field: translated(message) for field, message in errors.items()}
    )


def _now_iso():
    return datetime.now(TIMEZONE).replace(microsecond=0).isoformat()


def _apply(
    rule,
    period_kind,
    period,
    year,
    gross_revenue,
    vat_filing_date,
    declared_on,
    computed_at,
):
    """The arithmetic, on inputs already checked."""
    start, end = period_bounds(period_kind, period, year)
    deadline = deadline_of(period_kind, period, year)
    late = months_late(deadline, declared_on)
    tax = _money(gross_revenue * rule.rate / HUNDRED)
    surcharge = min(
        tax * rule.penalty_per_month * late / HUNDRED,
        tax * rule.penalty_cap / HUNDRED,
    )
    surcharge = _money(surcharge)
    return Calculation(
        category=rule.category,
        period_kind=period_kind,
        period=period,
        year=year,
        gross_revenue=_money(gross_revenue),
        vat_filing_date=vat_filing_date,
        declared_on=declared_on,
        category_title=rule.category_title,
        levy=rule.levy,
        rate=rule.rate,
        legal_basis=rule.legal_basis,
        penalty_per_month=rule.penalty_per_month,
        penalty_cap=rule.penalty_cap,
        penalty_legal_basis=rule.penalty_legal_basis,
        deadline_rule=rule.deadline_rule,
        rule_version=rule.version,
        period_start=start,
        period_end=end,
        deadline=deadline,
        months_late=late,
        tax=tax,
        surcharge=surcharge,
        total=tax + surcharge,
        computed_at=computed_at,
    )


def compute(
    category,
    period_kind,
    period,
    year,
    gross_revenue,
    vat_filing_date,
    declared_on,
    *,
    rules=None,
):
    """Compute the municipal tax of one period (see the module's doc).

    :param category: A code of the «kinds of business and rates» setting.
    :param period_kind: ``"monthly"`` or ``"quarterly"``: how often the
        business files its VAT return.
    :param period: The month (1–12) or the quarter (1–4).
    :param year: The period's year, 2000 to the year of ``declared_on``.
    :param gross_revenue: ``Decimal`` euros, as in the VAT return, ≥ 0,
        at most 2 decimals.
    :param vat_filing_date: ``date`` the VAT return was filed: after the
        period, not after ``declared_on``.
    :param declared_on: ``date`` of the declaration (today); the period must
        have ended before it.
    :param rules: The rules to apply (:func:`current_rules`' shape); the
        settings in force by default.
    :returns: A :class:`Calculation`.
    :raises TaxInputError: every input at fault, by field, in Greek.
    """
    rules = rules or current_rules()
    rule = rule_for(category, rules) if isinstance(category, str) else None
    errors = {}
    if rule is None:
        errors["category"] = _("Choose the kind of business from the list.")
    errors.update(
        _check(
            category,
            period_kind,
            period,
            year,
            gross_revenue,
            vat_filing_date,
            declared_on,
        )
    )
    if errors:
        _raise(errors)
    return _apply(
        rule,
        period_kind,
        period,
        year,
        gross_revenue,
        vat_filing_date,
        declared_on,
        _now_iso(),
    )


def replay(data):
    """Recompute a stored computation with the rule it stored (for audit).

    :param data: A :meth:`Calculation.as_dict`.
    :returns: The :class:`Calculation` its inputs and rule give; equal to the
        stored one unless it was altered, whatever the settings say today.
    :raises ValueError: the stored rule is not the one its version names.
    """
    stored = Calculation.from_dict(data)
    rule = stored.rule()
    if rule.version != stored.rule_version:
        raise ValueError(
            f"rule version {stored.rule_version} is not its rule's ({rule.version})"
        )
    return _apply(
        rule,
        stored.period_kind,
        stored.period,
        stored.year,
        stored.gross_revenue,
        stored.vat_filing_date,
        stored.declared_on,
        stored.computed_at,
    )


# -- reading what people send -------------------------------------------------

MSG_AMOUNT_AS_TEXT = _('Write the amount as text, e.g. "1234.56".')

_STRICT_AMOUNT = re.compile(r"^[+-]?\d+(\.\d+)?$")
_GREEK_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+$")


def parse_amount(value, greek=False):
    """An amount typed in a form (``greek``) or sent over JSON, as ``Decimal``.

    JSON: a string like ``"1234.56"`` or a whole number; never a JSON
    number with decimals (a ``float``): money is never float. A Greek form
    also takes ``1.234,56``, ``1234,56`` and ``1.234`` (one thousand two
    hundred and thirty-four), as people write them.

    :raises ValueError: not an amount (a ``float`` included).
    """
    if isinstance(value, (bool, float)) or value is None:
        raise ValueError(value)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        return value
    if not isinstance(value, str):
        raise ValueError(value)
    text = value.strip().replace("€", "").replace(" ", "").replace("\u00a0", "")
    sign = ""
    if text[:1] in "+-" and text:
        sign, text = ("-" if text[0] == "-" else ""), text[1:]
    if greek:
        if "," in text:
            whole, _sep, cents = text.partition(",")
            if "," in cents or not cents.isdigit():
                raise ValueError(value)
            if "." in whole:
                if not _GREEK_THOUSANDS.match(whole):
                    raise ValueError(value)
                whole = whole.replace(".", "")
            text = f"{whole}.{cents}"
        elif _GREEK_THOUSANDS.match(text):
            text = text.replace(".", "")
    if not _STRICT_AMOUNT.match(text):
        raise ValueError(value)
    try:
        return Decimal(sign + text)
    except InvalidOperation:
        raise ValueError(value) from None


_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


def parse_date(value):
    """``date`` from ``2026-03-31`` (JSON, date inputs) or ``31/03/2026``.

    :raises ValueError: not a date.
    """
    if isinstance(value, datetime):
        raise ValueError(value)
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError(value)
    text = value.strip()
    match = _DMY.match(text)
    if match:
        day, month, year = (int(part) for part in match.groups())
        return date(year, month, day)
    if re.match(r"^\d{4}-\d{2}-\d{2}$", text):
        return date.fromisoformat(text)
    raise ValueError(value)


def _integer(value):
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise ValueError(value)


def parse_inputs(data, greek=False):
    """Typed inputs from a form or a JSON object, and what could not be read.

    :param data: ``{field: value}`` with the keys of :data:`FIELDS`.
    :param greek: Amounts as a Greek form writes them (:func:`parse_amount`).
    :returns: ``(values, errors)``; ``errors`` maps a field to a message
        (not translated); an unreadable field is ``None`` in ``values``.
    """
    data = data or {}
    values, errors = {}, {}

    def text(name):
        value = data.get(name)
        return value.strip() if isinstance(value, str) else value

    for name in ("category", "period_kind"):
        value = text(name)
        values[name] = value if isinstance(value, str) and value else None
    for name in ("period", "year"):
        value = text(name)
        try:
            values[name] = _integer(value)
        except ValueError:
            values[name] = None
    value = text("gross_revenue")
    if value in (None, ""):
        values["gross_revenue"] = None
        errors["gross_revenue"] = _("Enter the gross revenue of the period.")
    elif isinstance(value, float):
        # A JSON number with decimals is a binary float: 0.1 + 0.2 is not
        # 0.3. Money is sent as text.
        values["gross_revenue"] = None
        errors["gross_revenue"] = MSG_AMOUNT_AS_TEXT
    else:
        try:
            values["gross_revenue"] = parse_amount(value, greek=greek)
        except ValueError:
            values["gross_revenue"] = None
    value = text("vat_filing_date")
    values["vat_filing_date"] = None
    if value not in (None, ""):
        try:
            values["vat_filing_date"] = parse_date(value)
        except ValueError:
            errors["vat_filing_date"] = _(
                "Enter the date of the VAT return as dd/mm/yyyy."
            )
    return values, errors


def calculate(data, declared_on=None, greek=False, rules=None):
    """:func:`parse_inputs` then :func:`compute`, every error at once.

    :param data: ``{field: value}`` as a form or a JSON body sends them.
    :param declared_on: The day of the declaration; today (Athens) by default.
    :raises TaxInputError: by field, in Greek.
    """
    declared_on = declared_on or today()
    values, errors = parse_inputs(data, greek=greek)
    try:
        calculation = compute(declared_on=declared_on, rules=rules, **values)
    except TaxInputError as e:
        merged = dict(e.errors)
        merged.update({k: translated(v) for k, v in errors.items()})
        raise TaxInputError(merged) from None
    return calculation


# -- the declarations folder ----------------------------------------------------

FOLDER_ID = "municipal-tax"
FOLDER_TYPE = "MunicipalTaxFolder"
PORTAL_TYPE = "MunicipalTaxDeclaration"
WORKFLOW_ID = "municipal_tax_declaration_workflow"
SERIES = "ΔΦ"

MANAGERS = ("Manager", "Site Administrator")
USE_BUSINESS_SERVICES = "municipality: Use business services"
MANAGE_REVENUE = "municipality: Manage revenue"
ADD_PERMISSION = "municipality.payments: Add MunicipalTaxDeclaration"
# When the site's mapping cannot be read (core's rolemap.xml defaults).
DEFAULT_BUSINESS_ROLES = ("VerifiedBusiness",)
DEFAULT_REVENUE_ROLES = ("RevenueOfficer",)

PENDING = "pending_payment"
ACCEPTED = "accepted"
REJECTED = "rejected"
STATE_TITLES = {
    PENDING: _("Awaiting payment"),
    ACCEPTED: _("Accepted"),
    REJECTED: _("Rejected"),
}


def _roles_of(portal, permission, default):
    roles = [
        role["name"]
        for role in portal.rolesOfPermission(permission)
        if role["selected"] and role["name"] not in MANAGERS
    ]
    return tuple(roles) or default


def folder_permissions(portal):
    """Permission → roles on ``/municipal-tax``, not acquired.

    Everyone may see the folder's page (it says who may declare and how a
    business gets verified); the roles holding «Use business services» may
    add declarations; the revenue staff list them. Each declaration's
    workflow keeps it to its business (Owner) and the revenue staff.
    """
    businesses = _roles_of(portal, USE_BUSINESS_SERVICES, DEFAULT_BUSINESS_ROLES)
    revenue = _roles_of(portal, MANAGE_REVENUE, DEFAULT_REVENUE_ROLES)
    return {
        "View": ("Anonymous",),
        "Access contents information": ("Anonymous",),
        "List folder contents": (*revenue, *MANAGERS),
        "Modify portal content": MANAGERS,
        "Delete objects": MANAGERS,
        "Add portal content": (*businesses, *MANAGERS),
        ADD_PERMISSION: (*businesses, *MANAGERS),
    }


def install(site):
    """Create the ``/municipal-tax`` folder (idempotent), secure it, number
    declarations ``ΔΦ-2026/000001`` unless the operator chose a series."""
    folder = site.get(FOLDER_ID)
    if folder is None:
        folder = createContentInContainer(
            site,
            FOLDER_TYPE,
            checkConstraints=False,
            id=FOLDER_ID,
            title=translated(_("Municipal tax")),
            exclude_from_nav=True,
        )
        logger.info("Created the municipal-tax folder /%s", FOLDER_ID)
    for permission, roles in folder_permissions(site).items():
        folder.manage_permission(permission, roles=list(roles), acquire=False)
    folder.reindexObjectSecurity()
    key = "municipality.reference.series"
    series = dict(api.portal.get_registry_record(key, default=None) or {})
    if PORTAL_TYPE not in series:
        series[PORTAL_TYPE] = SERIES
        api.portal.set_registry_record(key, series)


def uninstall(site):
    """Keep the folder and the declarations.

    They are the municipality's records of what was declared and paid and
    must outlive the add-on; installing it again gives them back their type
    and workflow.
    """


def get_folder():
    """The declarations folder (``/municipal-tax``), or ``None``."""
    return api.portal.get().get(FOLDER_ID)


# -- who may declare ------------------------------------------------------------


def business_of(member):
    """``{"userid", "fullname", "afm"}`` of a verified business, else ``None``.

    The ΑΦΜ and name come from the verified identity (the in-person
    verification of the business, or GSIS), never from the profile its
    owner can edit; the account must hold «Use business services».
    """
    if member is None or not member.getId():
        return None
    portal = api.portal.get()
    if not api.user.has_permission(USE_BUSINESS_SERVICES, user=member, obj=portal):
        return None
    identity = verified_identity(member.getId())
    if not identity or not identity.get("afm"):
        return None
    return {
        "userid": member.getId(),
        "fullname": identity.get("fullname") or member.getId(),
        "afm": identity["afm"],
    }


def member_email(member):
    if member is None:
        return ""
    value = member.getProperty("email", "") or ""
    return value.strip() if isinstance(value, str) else ""


# -- declaring ------------------------------------------------------------------


def review_state(obj):
    """The declaration's state, without the View permission check."""
    status = api.portal.get_tool("portal_workflow").getStatusOf(WORKFLOW_ID, obj)
    return (status or {}).get("review_state")


def payment_of(obj):
    """The declaration's payment (``ledger.Payment``), or ``None``."""
    token = getattr(obj, "payment_token", None)
    return payments.get_payment(token) if token else None


def _months(calculation):
    first, last = period_months(calculation.period_kind, calculation.period)
    return [f"{calculation.year}-{month:02d}" for month in range(first, last + 1)]


def standing_declaration(afm, calculation, exclude=None):
    """A declaration of ``afm`` for the same category and any of the same
    months that stands: accepted, or awaiting a payment still live.

    Searched unrestricted: one business's accounts change over time, and a
    declaration made by an earlier account still counts.

    :param exclude: The UID of a declaration not to count (the one asking).
    """
    catalog = api.portal.get_tool("portal_catalog")
    keys = [f"{afm}|{calculation.category}|{month}" for month in _months(calculation)]
    for brain in catalog.unrestrictedSearchResults(
        portal_type=PORTAL_TYPE, municipal_tax_keys=keys
    ):
        if exclude and brain.UID == exclude:
            continue
        obj = brain._unrestrictedGetObject()
        state = review_state(obj)
        if state == ACCEPTED:
            return obj
        if state == PENDING:
            payment = payment_of(obj)
            if payment is not None and payment.is_live:
                return obj
    return None


def _refuse_second(afm, calculation):
    other = standing_declaration(afm, calculation)
    if other is None:
        return
    reference = getattr(other, "reference_number", "") or ""
    if review_state(other) == ACCEPTED:
        message = _(
            "The municipal tax of this period has already been declared "
            "(${reference}) and the declaration was accepted. To correct it, "
            "contact the municipality's revenue office.",
            mapping={"reference": reference},
        )
    else:
        message = _(
            "A declaration for this period (${reference}) is waiting for its "
            "payment. Complete or cancel that payment first.",
            mapping={"reference": reference},
        )
    raise TaxInputError({"period": translated(message)})


def description_of(calculation, reference="", head=None):
    """What the payment and the receipt say: «Δημοτικός φόρος ΔΦ-2026/000001 –
    Καταστήματα εστίασης … – 1ο τρίμηνο 2026»."""
    head = translated(head or _("Municipal tax"))
    if reference:
        head = f"{head} {reference}"
    period = period_title(calculation.period_kind, calculation.period, calculation.year)
    return f"{head} – {calculation.category_title} – {period}"


def _check_expected(calculation, expected):
    """The amounts the business saw (``expected``) are still the ones due."""
    if not expected:
        return
    total = expected.get("total")
    version = expected.get("rule_version")
    same_total = True
    if total not in (None, ""):
        try:
            same_total = parse_amount(total) == calculation.total
        except ValueError:
            same_total = False
    if not same_total or (version and version != calculation.rule_version):
        raise TaxInputError(
            {
                "": translated(
                    _(
                        "The amounts changed since they were shown to you "
                        "(the inputs or the municipality's rates changed). "
                        "Check them and submit again."
                    )
                )
            }
        )


def declare(member, data, email=None, greek=False, expected=None, declared_on=None):
    """Declare the municipal tax of a period as ``member`` (a verified business).

    Computes the tax from ``data`` and the settings (never an amount sent by
    the browser), creates the declaration (``ΔΦ-…``, owned by ``member``,
    private) and its card payment, in one transaction. A nil declaration
    (nothing to pay) is accepted at once and has no payment.

    :param member: The business's account.
    :param data: The inputs (:data:`FIELDS`), as a form or JSON sends them.
    :param email: Where the receipt goes; the account's email by default.
    :param greek: Amounts as a Greek form writes them.
    :param expected: ``{"total", "rule_version"}`` the business was shown;
        when the computation now differs, nothing is made.
    :returns: ``(declaration, payment)``; ``payment`` is ``None`` for a nil
        declaration. Send the business on to ``api.bank_redirect_url(payment)``.
    :raises Unauthorized: ``member`` is not a verified business.
    :raises TaxInputError: bad input, a declaration of the same period that
        stands, or a payment that cannot be made; nothing is stored.
    """
    business = business_of(member)
    if business is None:
        raise Unauthorized("Only verified businesses declare the municipal tax.")
    calculation = calculate(data, declared_on=declared_on, greek=greek)
    _check_expected(calculation, expected)
    _refuse_second(business["afm"], calculation)
    email = member_email(member) if email is None else (email or "").strip()

    folder = get_folder()
    savepoint = transaction.savepoint()
    with api.env.adopt_user(user=member):
        obj = createContent(
            PORTAL_TYPE,
            title=description_of(calculation, head=_("Municipal tax declaration")),
            business_userid=business["userid"],
            business_afm=business["afm"],
            business_name=business["fullname"],
            category=calculation.category,
            category_title=calculation.category_title,
            period_kind=calculation.period_kind,
            period=calculation.period,
            year=calculation.year,
            gross_revenue=calculation.gross_revenue,
            vat_filing_date=calculation.vat_filing_date,
            declared_on=calculation.declared_on,
            calculation=calculation.as_dict(),
        )
        obj.id = f"declaration-{secrets.token_hex(5)}"
        obj = addContentToContainer(folder, obj, checkConstraints=True)
    if calculation.is_nil:
        _system_transition(
            obj,
            "accept",
            _("Nothing to pay: the declaration is accepted as it was made."),
        )
        return obj, None
    reference = obj.reference_number
    item = payments.Item(
        kind="declaration",
        ref=obj.UID(),
        description=description_of(calculation, reference),
        amount=calculation.total,
        category=calculation.levy,
        details={
            **calculation.inputs(),
            "reference": reference,
            "afm": business["afm"],
            "tax": f"{calculation.tax:.2f}",
            "surcharge": f"{calculation.surcharge:.2f}",
            "months_late": calculation.months_late,
            "rule_version": calculation.rule_version,
        },
    )
    try:
        payment = payments.create_payment(
            [item], "municipal_tax", payer=business, email=email, context=obj
        )
    except payments.PaymentError as e:
        savepoint.rollback()
        # «email» is the business's; anything else is about the whole
        # payment (a total more than a card payment can be).
        field = "email" if e.field == "email" else ""
        raise TaxInputError({field: translated(e.message)}) from e
    obj.payment_token = payment.token
    return obj, payment


def my_declarations(member):
    """The declarations ``member`` made and may see, newest first (objects)."""
    if member is None or not member.getId():
        return []
    brains = api.content.find(
        portal_type=PORTAL_TYPE,
        Creator=member.getId(),
        sort_on="created",
        sort_order="descending",
    )
    return [brain.getObject() for brain in brains]


def all_declarations(state=None, limit=200):
    """The declarations the current (staff) user may see, newest first."""
    query = {
        "portal_type": PORTAL_TYPE,
        "sort_on": "created",
        "sort_order": "descending",
        "sort_limit": limit,
    }
    if state:
        query["review_state"] = state
    return [brain.getObject() for brain in api.content.find(**query)[:limit]]


# -- the payment decides ----------------------------------------------------------

REJECTION_REASONS = {
    "failed": _(
        "The card payment was not completed (the bank did not approve it). "
        "The declaration is rejected: declare again to pay."
    ),
    "cancelled": _(
        "The card payment was cancelled at the bank's page. The declaration "
        "is rejected: declare again to pay."
    ),
    "expired": _(
        "The card payment was not completed in time. The declaration is "
        "rejected: declare again to pay."
    ),
}


def _system_transition(obj, transition, comment):
    """A transition only the system makes (the workflow's guard: Manage portal)."""
    workflow = api.portal.get_tool("portal_workflow")
    with api.env.adopt_roles(["Manager"]):
        workflow.doActionFor(obj, transition, comment=translated(comment))


def _declaration_of(payment):
    """The declaration ``payment`` pays, or ``None`` (another kind of payment)."""
    uids = [payment.context_uid] if getattr(payment, "context_uid", None) else []
    uids += [
        item.get("ref")
        for item in getattr(payment, "items", ())
        if item.get("kind") == "declaration"
    ]
    for uid in uids:
        obj = uuidToObject(uid, unrestricted=True) if uid else None
        if (
            obj is not None
            and getattr(obj, "portal_type", None) == PORTAL_TYPE
            and getattr(obj, "payment_token", None) == payment.token
        ):
            return obj
    return None


def _note(obj, comment):
    """A comment in the declaration's history, its state unchanged."""
    workflow = api.portal.get_tool("portal_workflow")
    status = dict(workflow.getStatusOf(WORKFLOW_ID, obj) or {})
    status.update(
        {
            "action": None,
            "actor": api.user.get_current().getId() or "system",
            "comments": translated(comment),
            "time": DateTime(),
        }
    )
    workflow.setStatusOf(WORKFLOW_ID, obj, status)


def _hold_late_payment(obj, payment, other):
    """A late payment of a rejected declaration whose period stands in
    ``other``: the declaration stays rejected; the history says why and the
    operators are told (the money is to be refunded or set off)."""
    from municipality.payments.settlement import _needs_attention

    other_payment = payment_of(other)
    reference = getattr(other, "reference_number", "") or ""
    _note(
        obj,
        _(
            "The bank confirmed the payment ${payment} after the declaration "
            "had been rejected, but the same period has since been declared "
            "again (${reference}). This declaration stays rejected; the "
            "municipality's staff have been told and will contact you about "
            "refunding the amount.",
            mapping={"payment": payment.id, "reference": reference},
        ),
    )
    obj.late_payment_held = payment.id
    _needs_attention(
        payment,
        "paid_twice",
        getattr(payment, "settled", None) or time.time(),
        other=other_payment,
    )
    logger.warning(
        "Declaration %s stays rejected: %s paid late, the period stands in %s",
        obj.reference_number,
        payment.id,
        reference,
    )


def payment_state_changed(event):
    """Accept or reject a declaration as its payment goes (``IPaymentStateChanged``).

    ``paid`` (or ``posted``) accepts it — also one rejected before, when the
    bank's payment arrives late, unless the business has since declared the
    same period again and that declaration stands (accepted, or awaiting a
    live payment): then it stays rejected and the payment is flagged for the
    operators (:func:`_hold_late_payment`), so a period is never accepted,
    nor its tax kept, twice. ``failed``, ``cancelled`` and ``expired``
    reject a declaration still awaiting its payment, with the reason in the
    history's comment.
    """
    payment = event.payment
    if getattr(payment, "channel", None) != "municipal_tax":
        return
    obj = _declaration_of(payment)
    if obj is None:
        return
    state = review_state(obj)
    new_state = event.new_state
    if new_state in ("paid", "posted"):
        if state == ACCEPTED:
            return
        if state == REJECTED:
            if getattr(obj, "late_payment_held", None) == payment.id:
                return
            calculation = obj.get_calculation()
            other = (
                standing_declaration(obj.business_afm, calculation, exclude=obj.UID())
                if calculation is not None
                else None
            )
            if other is not None:
                _hold_late_payment(obj, payment, other)
                return
            comment = _(
                "The bank confirmed the payment ${payment} after the "
                "declaration had been rejected: it is accepted.",
                mapping={"payment": payment.id},
            )
        else:
            comment = _(
                "Paid by card (payment ${payment}).", mapping={"payment": payment.id}
            )
        _system_transition(obj, "accept", comment)
        logger.info(
            "Declaration %s accepted: %s paid", obj.reference_number, payment.id
        )
    elif new_state in REJECTION_REASONS and state == PENDING:
        _system_transition(obj, "reject", REJECTION_REASONS[new_state])
        logger.info(
            "Declaration %s rejected: payment %s %s",
            obj.reference_number,
            payment.id,
            new_state,
        )


# -- certified municipal-tax debts and payment orders (the finance system) ----------


class FinanceUnavailable(Exception):
    """The finance system cannot answer now; nothing was done."""

    message = _(
        "The municipality's finance system cannot be reached right now. "
        "Nothing was changed; please try again in a few minutes."
    )


def _finance():
    """The finance client; :class:`FinanceUnavailable` when it is not set up.

    A missing or unusable ``municipality.finance.*`` setting is the
    operators' to fix: the person is told finance cannot answer now.
    """
    try:
        return FinanceClient.from_registry()
    except (KeyError, ValueError) as e:
        logger.error("Finance system not configured (municipality.finance.*): %r", e)
        raise FinanceUnavailable(repr(e)) from e


def _ask_finance(call):
    """``call(client)`` outside the write lock.

    Whatever finance answers other than data is :class:`FinanceUnavailable`
    (a 503 and a Greek message, never a 500): unreachable, a 5xx, an
    unreadable answer, any refusal (4xx), and a ``ValueError`` of the
    client (an ΑΦΜ it will not send, a setting it cannot use).
    """
    client = _finance()
    try:
        with outside():
            return call(client)
    except ExternalSystemError as e:
        logger.warning("Finance system: %s", e)
        raise FinanceUnavailable(str(e)) from e
    except ValueError as e:
        logger.error("Finance system call refused by its client: %s", e)
        raise FinanceUnavailable(str(e)) from e


def certified_debts(business):
    """The certified unpaid municipal-tax debts of ``business`` (its ΑΦΜ)."""
    return _ask_finance(lambda client: client.municipal_tax_debts(business["afm"]))


def debt_item(debt):
    """The payment :class:`~municipality.payments.api.Item` of a certified debt."""
    return payments.Item(
        kind="debt",
        ref=debt.id,
        description=" – ".join(
            part for part in (debt.description, debt.reference) if part
        ),
        amount=debt.amount,
        category=debt.category,
        rf_code=debt.rf_code,
        details={
            "afm": debt.afm,
            "debtor": debt.debtor,
            "reference": debt.reference,
            "principal": f"{debt.principal:.2f}",
            "surcharges": f"{debt.surcharges:.2f}",
            "as_of": debt.as_of.isoformat(),
        },
    )


def pay_debt(member, debt_id, email=None):
    """Start the card payment of one certified municipal-tax debt.

    The debt and its amount today are read from finance again (never from
    the browser); it must be one of the business's own.

    :returns: The payment (``ledger.Payment``).
    :raises Unauthorized: ``member`` is not a verified business.
    :raises FinanceUnavailable: finance cannot answer; nothing is made.
    :raises TaxInputError: field ``debt`` (not one of its unpaid debts, or
        already being paid) or ``email``.
    """
    business = business_of(member)
    if business is None:
        raise Unauthorized("Only verified businesses pay municipal-tax debts.")
    debt_id = debt_id.strip() if isinstance(debt_id, str) else ""
    if not debt_id:
        raise TaxInputError({"debt": translated(_("Choose the debt to pay."))})
    debts = {debt.id: debt for debt in certified_debts(business)}
    debt = debts.get(debt_id)
    if debt is None:
        raise TaxInputError(
            {
                "debt": translated(
                    _(
                        "This is not one of your unpaid municipal-tax debts "
                        "(it may have been paid already)."
                    )
                )
            }
        )
    email = member_email(member) if email is None else (email or "").strip()
    try:
        return payments.create_payment(
            [debt_item(debt)], "municipal_tax", payer=business, email=email
        )
    except payments.PaymentError as e:
        field = "debt" if e.field == "items" else e.field
        raise TaxInputError({field: translated(e.message)}) from e


def payment_orders(business):
    """The payment orders issued to ``business`` and their totals.

    :returns: ``(orders, totals)``; ``totals`` = ``{"issued", "paid",
        "unpaid", "count"}`` in euros (Decimal): the sum of every order, of
        the paid ones and of those not paid yet.
    """
    orders = _ask_finance(lambda client: client.payment_orders(business["afm"]))
    issued = sum((order.amount for order in orders), Decimal(0))
    paid = sum((order.amount for order in orders if order.status == "paid"), Decimal(0))
    return orders, {
        "issued": issued,
        "paid": paid,
        "unpaid": issued - paid,
        "count": len(orders),
    }
