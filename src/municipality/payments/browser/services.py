"""Citizens' payment services: «Οι οφειλές μου» and payment by RF code.

* ``@@my-debts`` (site root): anonymous visitors read what the service is,
  are offered to log in (also through TaxisNet) and may pay by code; a
  person who is not verified reads how to be; a verified person sees the
  certified debts of the ΑΦΜ of their **verified identity** (never the
  editable profile's), grouped by the eight categories, chooses some,
  confirms (``@@my-debts/confirm``) and pays (``@@my-debts/pay``).
* ``@@pay-by-code``: anyone types the RF payment code of a notice, sees the
  debt (the debtor's name masked) and pays it (``@@pay-by-code/pay``).

The pages and the REST services (:mod:`municipality.payments.restapi_services`)
share the functions of this module: amounts always come from the finance
system, re-read when paying, never from the browser; bad input raises
:class:`ServiceError`, which names the field and the HTTP status. The
payment itself is :func:`municipality.payments.api.create_payment`; the
citizen then goes to :func:`municipality.payments.api.bank_redirect_url`.
"""

from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from decimal import ROUND_HALF_UP
from municipality import _
from municipality import logger
from municipality.core import serial
from municipality.core.submissions import translated
from municipality.integrations.errors import ExternalSystemRejected
from municipality.integrations.errors import ExternalSystemUnavailable
from municipality.integrations.finance import DEBT_CATEGORIES
from municipality.payments import api
from municipality.payments.browser import format_amount
from municipality.requests.ratelimit import SlidingWindowLimiter
from plone import api as ploneapi
from plone.memoize.view import memoize
from plone.protect.authenticator import check
from Products.Five.browser import BrowserView
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from urllib.parse import quote
from urllib.parse import urlencode
from zExceptions import Forbidden
from zExceptions import NotFound
from zope.i18n import translate
from zope.i18nmessageid import Message
from zope.interface import implementer
from zope.publisher.interfaces import IPublishTraverse

import re


USE_VERIFIED_SERVICES = "municipality: Use verified services"

# The eight categories of certified debt (seed 000, α–η), in that order.
CATEGORY_TITLES = {
    "gross_revenue": _("Fees on gross revenue"),
    "visitor_levy": _("Visitors' accommodation fee"),
    "common_spaces": _("Common-space occupancy fees"),
    "tap": _("Property levy (TAP)"),
    "traffic_fines": _("Traffic fines"),
    "other_fines": _("Other fines and fees"),
    "installments": _("Instalments of payment arrangements"),
    "rents": _("Rents"),
}

MSG_CSRF = _(
    "The form has expired or did not come from this site. "
    "Please check your entries and submit it again."
)
MSG_FINANCE_DOWN = _(
    "The municipality's finance system cannot be reached right now. Please "
    "try again in a few minutes; nothing has been charged."
)
MSG_NOT_VERIFIED = _(
    "Only people whose identity the municipality has verified can see and pay "
    "their debts here: log in with TaxisNet, or visit the Citizens' Service "
    "Office with your identity card. Anyone can pay a debt by its payment code."
)
MSG_BAD_AFM = _(
    "The tax number (AFM) of your verified identity is not valid. Please "
    "contact the municipality's Citizens' Service Office."
)
MSG_BAD_RF = _(
    "This payment code is not right: its check digits do not match. Check it "
    "against the notice."
)
MSG_BAD_EMAIL = _("This is not a valid email address, e.g. name@example.gr.")
MSG_TOO_MANY = _(
    "Too many look-ups from your connection. Please try again in ${minutes} minutes."
)

# Look-ups of a payment code or a traffic ticket answer whether a debt
# exists (and, for codes, whose it is, masked): an address may make this
# many in WINDOW seconds, so a script cannot walk the codes.
LOOKUP_LIMIT = 30
LOOKUP_WINDOW = 600
lookups = SlidingWindowLimiter(window=LOOKUP_WINDOW)

# At most this many debts in one payment.
MAX_DEBTS = 50

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")
_RF = re.compile(r"^RF[0-9]{2}[A-Z0-9]{1,21}$")
CENTS = Decimal("0.01")


class ServiceError(Exception):
    """Bad input or a refusal: ``errors`` maps a field to a message (msgid).

    The key ``""`` holds a message about the whole request. ``status`` is
    the HTTP status the pages and REST services answer with.
    """

    def __init__(self, errors, status=400):
        self.errors = dict(errors)
        self.status = status
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


# -- formatting -------------------------------------------------------------------


def tr(request, message):
    """``message`` translated for ``request``; "" for ``None``."""
    if message is None:
        return ""
    if isinstance(message, Message):
        return translate(message, context=request)
    return str(message)


def cents(amount):
    """``amount`` as a ``Decimal`` with 2 places (ROUND_HALF_UP)."""
    return Decimal(str(amount)).quantize(CENTS, rounding=ROUND_HALF_UP)


def format_date(value):
    """«dd/mm/yyyy»; "" for nothing."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    return value.strftime("%d/%m/%Y")


def amount_text(amount):
    """«12.50»: how amounts travel in JSON (exact, no float)."""
    return str(cents(amount))


def group_rf(code):
    """«RF18 5390 0754 7034»: the code in groups of four, as printed."""
    code = code or ""
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


def mask_name(name):
    """«Παπαδόπουλος Γεώργιος» → «Π*********** Γ*******»: initials only."""
    words = (name or "").split()
    return " ".join(word[0] + "*" * (len(word) - 1) for word in words)


def category_title(category):
    title = CATEGORY_TITLES.get(category)
    return translated(title) if title is not None else category


# -- request helpers --------------------------------------------------------------


def check_csrf(request):
    """True when the form came by POST with a valid ``_authenticator``."""
    if request.get("REQUEST_METHOD", "GET").upper() != "POST":
        return False
    try:
        check(request)
    except Forbidden:
        return False
    return True


def client_address(request):
    """The visitor's address: Zope honours ``trusted-proxy`` for X-Forwarded-For."""
    getter = getattr(request, "getClientAddr", None)
    address = getter() if getter is not None else None
    return address or request.get("REMOTE_ADDR", "") or "unknown"


def count_lookup(kind, address):
    """Count one look-up of ``kind`` from ``address``; refuse one too many (429)."""
    key = f"{kind}:{address or 'unknown'}"
    wait = lookups.retry_after(key, LOOKUP_LIMIT)
    if wait:
        minutes = max(1, (wait + 59) // 60)
        raise ServiceError(
            {"": _(MSG_TOO_MANY, mapping={"minutes": minutes})}, status=429
        )
    lookups.hit(key)


def clean_email(value, field="email"):
    """The email address stripped ("" allowed); a bad one is a :class:`ServiceError`."""
    value = value.strip() if isinstance(value, str) else ""
    if value and (len(value) > 254 or not _EMAIL.match(value)):
        raise ServiceError({field: MSG_BAD_EMAIL})
    return value


def member_email(member):
    if member is None:
        return ""
    value = member.getProperty("email", "") or ""
    return value.strip() if isinstance(value, str) else ""


# -- who pays -------------------------------------------------------------------


def verified_payer(member=None):
    """``{"userid", "fullname", "afm"}`` of a verified person, else ``None``.

    The ΑΦΜ is the verified identity's (TaxisNet or the verification in
    person), never the profile's, which its owner can edit.
    """
    from municipality.core.identity.identity import verified_identity

    if member is None:
        if ploneapi.user.is_anonymous():
            return None
        member = ploneapi.user.get_current()
    userid = member.getId() if member is not None else None
    if not userid:
        return None
    portal = ploneapi.portal.get()
    if not ploneapi.user.has_permission(USE_VERIFIED_SERVICES, user=member, obj=portal):
        return None
    identity = verified_identity(userid)
    if not identity or not identity.get("afm"):
        return None
    return {
        "userid": userid,
        "fullname": identity.get("fullname") or member.getProperty("fullname", ""),
        "afm": identity["afm"],
    }


def any_payer(member=None):
    """The payer of a payment anyone may make: the logged-in person, else ``None``."""
    if member is None:
        if ploneapi.user.is_anonymous():
            return None
        member = ploneapi.user.get_current()
    if member is None or not member.getId():
        return None
    verified = verified_payer(member)
    if verified is not None:
        return verified
    return {
        "userid": member.getId(),
        "fullname": member.getProperty("fullname", "") or member.getId(),
        "afm": "",
    }


# -- the finance system -----------------------------------------------------------


def finance():
    """The finance client; a site without its settings is «finance down» (503)."""
    from municipality.integrations.finance import FinanceClient

    try:
        return FinanceClient.from_registry()
    except (KeyError, TypeError, ValueError) as e:
        logger.error("The finance system is not configured: %r", e)
        raise ServiceError({"": MSG_FINANCE_DOWN}, status=503) from e


@contextmanager
def finance_call():
    """Call the finance system; unreachable is a 503 :class:`ServiceError`.

    A write request lets other writers of the process in meanwhile.
    """
    try:
        with serial.outside():
            yield
    except ExternalSystemUnavailable as e:
        logger.warning("Finance system unavailable: %s", e)
        raise ServiceError({"": MSG_FINANCE_DOWN}, status=503) from e
    except ExternalSystemRejected as e:
        # A refusal the caller did not expect (not 404/409): our request or
        # the contract is wrong; the citizen can only try later.
        logger.error("Finance system refused an unexpected request: %s", e)
        raise ServiceError({"": MSG_FINANCE_DOWN}, status=503) from e


def create_payment(items, channel, payer, email, field):
    """:func:`api.create_payment`; its refusals become a :class:`ServiceError`."""
    try:
        return api.create_payment(items, channel, payer=payer, email=email)
    except api.PaymentError as error:
        name = {"items": field, "email": "email"}.get(error.field, error.field or "")
        status = 409 if error.field == "items" else 400
        raise ServiceError({name: error.message}, status=status) from error


def payment_json(payment):
    """What REST clients get of a payment just made: its page is ``url``."""
    return {
        "number": payment.number,
        "token": payment.token,
        "state": payment.state,
        "channel": payment.channel,
        "amount": amount_text(payment.amount),
        "currency": payment.currency,
        "items": [
            {
                "kind": item["kind"],
                "ref": item["ref"],
                "description": item["description"],
                "amount": item["amount"],
                "rf_code": item.get("rf_code", ""),
            }
            for item in payment.items
        ],
        "url": api.payment_url(payment),
    }


def bank_json(payment):
    """The bank's signed form, for a REST client to post itself."""
    form = api.bank_form(payment)
    return {"action": form.action, "fields": [list(pair) for pair in form.fields]}


def live_payment_of(payment, userid):
    """The status page of a live payment when it is ``userid``'s, else ``None``."""
    if userid and payment.payer_userid == userid:
        return api.payment_url(payment)
    return None


# -- debts --------------------------------------------------------------------------


def debt_item(debt):
    """The :class:`api.Item` that pays ``debt`` in full, as finance says today."""
    return api.Item(
        # A traffic ticket found by its RF code is a fine of the register.
        kind="fine" if debt.kind == "fine" else "debt",
        ref=debt.id,
        description=debt.description or category_title(debt.category),
        amount=cents(debt.amount),
        category=debt.category,
        rf_code=debt.rf_code or "",
        details={
            "reference": debt.reference or "",
            "principal": amount_text(debt.principal),
            "surcharges": amount_text(debt.surcharges),
            "as_of": debt.as_of.isoformat() if debt.as_of else "",
            "due_date": debt.due_date.isoformat() if debt.due_date else "",
            "afm": debt.afm or "",
        },
    )


def debt_data(debt, live=None, userid=None):
    """What pages and REST show of one debt, as plain values."""
    return {
        "id": debt.id,
        "category": debt.category,
        "category_title": category_title(debt.category),
        "description": debt.description,
        "reference": debt.reference,
        "principal": amount_text(debt.principal),
        "surcharges": amount_text(debt.surcharges),
        "amount": amount_text(debt.amount),
        "due_date": debt.due_date.isoformat() if debt.due_date else None,
        "as_of": debt.as_of.isoformat() if debt.as_of else None,
        "rf_code": debt.rf_code or "",
        "in_progress": live is not None,
        "payment_state": live.state if live is not None else None,
        "payment_url": live_payment_of(live, userid) if live is not None else None,
        "payable": live is None and cents(debt.amount) > 0,
    }


def read_debts(afm):
    """The certified unpaid debts of ``afm`` from finance, amounts as of today."""
    with finance_call():
        try:
            return tuple(finance().debts(afm))
        except ValueError as e:
            logger.error("A verified identity has an invalid ΑΦΜ: %s", e)
            raise ServiceError({"": MSG_BAD_AFM}) from e
        except ExternalSystemRejected as e:
            # Our own ΑΦΜ refused: nothing the citizen can fix.
            logger.error("Finance refused the debts of a verified ΑΦΜ: %s", e)
            raise ServiceError({"": MSG_FINANCE_DOWN}, status=503) from e


def debts_with_status(afm, userid):
    """``[debt_data]`` of ``afm``'s debts, in the finance system's order."""
    debts = read_debts(afm)
    live = api.live_payments([debt.id for debt in debts]) if debts else {}
    return [debt_data(debt, live.get(debt.id), userid) for debt in debts]


def grouped(rows):
    """``rows`` (``debt_data``) by category, the eight in order, then others."""
    order = list(DEBT_CATEGORIES)
    groups = {}
    for row in rows:
        groups.setdefault(row["category"], []).append(row)
    order += sorted(c for c in groups if c not in order)
    result = []
    for category in order:
        debts = groups.get(category)
        if not debts:
            continue
        result.append(
            {
                "id": category,
                "title": category_title(category),
                "debts": debts,
                "total": amount_text(sum(Decimal(d["amount"]) for d in debts)),
            }
        )
    return result


def clean_ids(ids):
    """The chosen debt ids: strings, each once, in the order given."""
    if isinstance(ids, str):
        ids = [ids]
    if not isinstance(ids, (list, tuple)):
        raise ServiceError({"debts": _("Send the ids of the debts as a list.")})
    result = []
    for value in ids:
        if not isinstance(value, str) or not value.strip():
            raise ServiceError({"debts": _("Send the ids of the debts as a list.")})
        if value.strip() not in result:
            result.append(value.strip())
    if not result:
        raise ServiceError({"debts": _("Choose at least one debt to pay.")})
    if len(result) > MAX_DEBTS:
        raise ServiceError(
            {
                "debts": _(
                    "Choose at most ${max} debts at a time.", mapping={"max": MAX_DEBTS}
                )
            }
        )
    return result


def choose_debts(afm, ids):
    """The debts ``ids`` of ``afm``, re-read from finance; refuse others' ids.

    :raises ServiceError: none chosen, an id that is not among ``afm``'s
        unpaid debts (another person's, or paid meanwhile), a debt whose
        payment is in progress (409), finance down (503).
    """
    ids = clean_ids(ids)
    debts = {debt.id: debt for debt in read_debts(afm)}
    unknown = [i for i in ids if i not in debts]
    if unknown:
        raise ServiceError(
            {
                "debts": _(
                    "A chosen debt is not among your unpaid debts (it may have "
                    "been paid meanwhile). Look at the list again and choose anew."
                )
            }
        )
    chosen = [debts[i] for i in ids]
    live = api.live_payments(ids)
    if live:
        busy = next(debt for debt in chosen if debt.id in live)
        raise ServiceError(
            {
                "debts": _(
                    "A payment of «${description}» is already in progress. Wait "
                    "for it to finish before you pay it again.",
                    mapping={"description": busy.description},
                )
            },
            status=409,
        )
    return chosen


def pay_debts(member, ids, email):
    """Start the payment of the verified ``member``'s debts ``ids``.

    :returns: The new payment (state ``started``).
    :raises ServiceError: see :func:`choose_debts`; 403 when not verified.
    """
    payer = verified_payer(member)
    if payer is None:
        raise ServiceError({"": MSG_NOT_VERIFIED}, status=403)
    email = clean_email(email)
    chosen = choose_debts(payer["afm"], ids)
    return create_payment(
        [debt_item(debt) for debt in chosen], "debts", payer, email, "debts"
    )


# -- payment codes ------------------------------------------------------------------


def rf_is_valid(code):
    """ISO 11649 check digits right (:func:`municipality.payments.rf.is_valid`)."""
    from municipality.payments.rf import is_valid

    return bool(is_valid(code))


def clean_rf(text):
    """The RF code without spaces, upper case; a bad one is a :class:`ServiceError`."""
    code = re.sub(r"[\s-]+", "", text if isinstance(text, str) else "").upper()
    if not code:
        raise ServiceError({"rf": _("Type the payment code (RF) of the notice.")})
    if not _RF.match(code):
        raise ServiceError(
            {
                "rf": _(
                    "A payment code starts with RF, then two check digits and up "
                    "to 21 letters or digits, e.g. RF18 5390 0754 7034."
                )
            }
        )
    if not rf_is_valid(code):
        raise ServiceError({"rf": MSG_BAD_RF})
    return code


def debt_by_code(rf, address):
    """The unpaid debt of payment code ``rf`` (already cleaned), from finance.

    :raises ServiceError: unknown code (404), already paid (409), too many
        look-ups from ``address`` (429), finance down (503).
    """
    count_lookup("code", address)
    with finance_call():
        try:
            debt = finance().debt_by_code(rf)
        except ValueError as e:
            raise ServiceError({"rf": MSG_BAD_RF}) from e
        except ExternalSystemRejected as e:
            if e.status == 409:
                raise ServiceError(
                    {"rf": _("The debt with this payment code has already been paid.")},
                    status=409,
                ) from e
            logger.info("Finance refused the payment code %s: %s", rf, e)
            raise ServiceError(
                {"rf": _("The finance system does not accept this payment code.")}
            ) from e
    if debt is None:
        raise ServiceError(
            {
                "rf": _(
                    "There is no unpaid debt with this payment code. Check the "
                    "code against the notice."
                )
            },
            status=404,
        )
    return debt


def code_data(debt, live=None, userid=None):
    """What anyone holding the code sees of its debt: the debtor masked."""
    data = debt_data(debt, live, userid)
    data.pop("id")
    data["debtor"] = mask_name(debt.debtor)
    data["rf_code"] = debt.rf_code or ""
    return data


def lookup_code(text, address, userid=None):
    """``(debt, code_data)`` of the payment code ``text``."""
    rf = clean_rf(text)
    debt = debt_by_code(rf, address)
    live = api.live_payments([debt.id]).get(debt.id)
    return debt, code_data(debt, live, userid)


def pay_by_code(text, email, address, member=None):
    """Start the payment of the debt of payment code ``text``; return it."""
    rf = clean_rf(text)
    email = clean_email(email)
    debt = debt_by_code(rf, address)
    if cents(debt.amount) <= 0:
        raise ServiceError(
            {"rf": _("The debt with this payment code has already been paid.")},
            status=409,
        )
    if api.live_payments([debt.id]):
        raise ServiceError(
            {
                "rf": _(
                    "A payment of this debt is already in progress. Wait for it "
                    "to finish before you pay it again."
                )
            },
            status=409,
        )
    return create_payment([debt_item(debt)], "code", any_payer(member), email, "rf")


# -- pages --------------------------------------------------------------------------


class ServiceView(BrowserView):
    """What the citizens' payment pages share: URLs, values and errors."""

    form_id = "payments"
    labels = {}

    def __init__(self, context, request):
        super().__init__(context, request)
        self.errors = {}
        self.general_errors = []

    @property
    def portal_url(self):
        return ploneapi.portal.get().absolute_url()

    def login_url(self, came_from):
        return f"{self.portal_url}/login?came_from={quote(came_from, safe='')}"

    def taxisnet_url(self, came_from):
        return f"{self.portal_url}/@@taxisnet-login?" + urlencode(
            {"came_from": came_from}
        )

    def is_anonymous(self):
        return ploneapi.user.is_anonymous()

    @memoize
    def member(self):
        if self.is_anonymous():
            return None
        return ploneapi.user.get_current()

    def userid(self):
        member = self.member()
        return member.getId() if member is not None else None

    def is_post(self):
        return self.request.get("REQUEST_METHOD", "GET").upper() == "POST"

    def value(self, name, default=""):
        """What the visitor typed (kept after an error), stripped."""
        value = self.request.form.get(name, default)
        if isinstance(value, (list, tuple)):
            value = value[0] if value else default
        return value.strip() if isinstance(value, str) else default

    def values(self, name):
        value = self.request.form.get(name, [])
        if isinstance(value, str):
            value = [value]
        return [v for v in value if isinstance(v, str)]

    def email_value(self):
        if "email" in self.request.form:
            return self.value("email")
        return member_email(self.member())

    def amount(self, value):
        return format_amount(value)

    def date(self, value):
        return format_date(value)

    def rf(self, code):
        return group_rf(code)

    # -- errors -----------------------------------------------------------

    def show_error(self, error):
        """Put a :class:`ServiceError`'s messages by their fields; set the status."""
        self.request.response.setStatus(error.status)
        for field, message in error.errors.items():
            if field and field in self.labels:
                self.errors[field] = tr(self.request, message)
            else:
                self.general_errors.append(tr(self.request, message))

    def error(self, name):
        return self.errors.get(name)

    def field_id(self, name):
        return f"{self.form_id}-{name}"

    def described_by(self, name, hint=False):
        ids = []
        if hint:
            ids.append(f"{self.field_id(name)}-hint")
        if name in self.errors:
            ids.append(f"{self.field_id(name)}-error")
        return " ".join(ids) or None

    def invalid(self, name):
        return "true" if name in self.errors else None

    def control_class(self, name, base="form-control"):
        return f"{base} is-invalid" if name in self.errors else base

    def summary(self):
        items = [{"href": None, "label": "", "message": m} for m in self.general_errors]
        for name, label in self.labels.items():
            if name in self.errors:
                items.append(
                    {
                        "href": f"#{self.field_id(name)}",
                        "label": tr(self.request, label),
                        "message": self.errors[name],
                    }
                )
        return items


@implementer(IPublishTraverse)
class StepsView(ServiceView):
    """A page with sub-addresses: ``@@<view>/<step>``."""

    steps = ()

    def __init__(self, context, request):
        super().__init__(context, request)
        self.step = None

    def publishTraverse(self, request, name):
        if self.step is None and name in self.steps:
            self.step = name
            return self
        raise NotFound(name)

    @property
    def view_url(self):
        return f"{self.context.absolute_url()}/@@{self.__name__}"


class MyDebtsView(StepsView):
    """``@@my-debts``: a verified person's certified debts, chosen and paid."""

    index = ViewPageTemplateFile("templates/debts.pt")
    confirm_page = ViewPageTemplateFile("templates/debts_confirm.pt")
    form_id = "my-debts"
    steps = ("confirm", "pay")
    labels = {"debts": _("Debts"), "email": _("Email for the receipt")}

    def __init__(self, context, request):
        super().__init__(context, request)
        self.rows = []
        self.chosen = []
        self.mode = "list"

    def __call__(self):
        self.request.response.setHeader("Cache-Control", "private, no-store")
        if self.is_anonymous():
            self.mode = "anonymous"
            return self.index()
        self.payer = verified_payer(self.member())
        if self.payer is None:
            self.mode = "not_verified"
            self.request.response.setStatus(403)
            return self.index()
        if self.step == "pay":
            return self.pay()
        if self.step == "confirm":
            return self.confirm()
        return self.show_list()

    def show_list(self, error=None):
        if error is not None:
            self.show_error(error)
        try:
            self.rows = debts_with_status(self.payer["afm"], self.payer["userid"])
        except ServiceError as e:
            self.show_error(e)
        return self.index()

    def groups(self):
        return grouped(self.rows)

    def chosen_ids(self):
        return self.values("debts")

    def checked(self, debt_id):
        return "checked" if debt_id in self.chosen_ids() else None

    def confirm(self):
        try:
            self.chosen = [
                debt_data(debt)
                for debt in choose_debts(self.payer["afm"], self.chosen_ids())
            ]
        except ServiceError as e:
            return self.show_list(e)
        return self.confirm_page()

    def total(self):
        return format_amount(sum(Decimal(row["amount"]) for row in self.chosen))

    def pay(self):
        if not self.is_post():
            self.request.response.redirect(self.view_url)
            return ""
        if not check_csrf(self.request):
            self.show_error(ServiceError({"": MSG_CSRF}, status=403))
            return self.confirm_again()
        try:
            payment = pay_debts(self.member(), self.chosen_ids(), self.value("email"))
        except ServiceError as e:
            if "debts" in e.errors or e.status == 503:
                return self.show_list(e)
            self.show_error(e)
            return self.confirm_again()
        self.request.response.redirect(api.bank_redirect_url(payment))
        return ""

    def confirm_again(self):
        try:
            self.chosen = [
                debt_data(debt)
                for debt in choose_debts(self.payer["afm"], self.chosen_ids())
            ]
        except ServiceError as e:
            return self.show_list(e)
        return self.confirm_page()


class PayByCodeView(StepsView):
    """``@@pay-by-code``: anyone pays a certified debt by its RF payment code."""

    index = ViewPageTemplateFile("templates/code.pt")
    form_id = "pay-by-code"
    steps = ("pay",)
    labels = {"rf": _("Payment code (RF)"), "email": _("Email for the receipt")}

    def __init__(self, context, request):
        super().__init__(context, request)
        self.debt = None

    def __call__(self):
        self.request.response.setHeader("Cache-Control", "private, no-store")
        if self.step == "pay":
            return self.pay()
        if "rf" in self.request.form:
            self.lookup()
        return self.index()

    def lookup(self):
        try:
            _debt, self.debt = lookup_code(
                self.value("rf"), client_address(self.request), self.userid()
            )
        except ServiceError as e:
            self.show_error(e)

    def pay(self):
        if not self.is_post():
            self.request.response.redirect(self.view_url)
            return ""
        if not check_csrf(self.request):
            self.show_error(ServiceError({"": MSG_CSRF}, status=403))
            return self.index()
        try:
            payment = pay_by_code(
                self.value("rf"),
                self.value("email"),
                client_address(self.request),
                self.member(),
            )
        except ServiceError as e:
            self.show_error(e)
            if "email" in e.errors:
                status = e.status
                self.lookup()
                self.request.response.setStatus(status)
            return self.index()
        self.request.response.redirect(api.bank_redirect_url(payment))
        return ""
