"""Traffic fines (πρόστιμα ΚΟΚ) paid by anyone, logged in or not (seed 003).

``@@pay-traffic-fine``:

1. the municipality code and the kind of ticket, as printed on it: a code
   other than ours is refused (the ticket is paid to the municipality that
   issued it), and only the kinds the municipality collects are offered,
   each with its amount (setting ``ticket_types``);
2. the ticket's number, the vehicle's plate (Greek or Latin look-alike
   letters), date and time: the fines register is searched; a ticket found
   is shown as the register has it (what was typed differently is said), a
   paid one as paid, and one the register lacks is registered with the
   kind's amount;
3. the amount as of now (it may grow with surcharges later), an optional
   email for the receipt, «Πληρωμή» (the whole amount) → the bank.

``@@pay-traffic-fine/lookup?ticket_number=…&plate=…`` answers JSON for the
page's script: the kind, date and time of a ticket the register has (what
the number and plate already identify; nothing about people). The page
works without it.

The REST services share the functions here; amounts come from the register
or the settings, never from the browser.
"""

from datetime import datetime
from datetime import timedelta
from municipality import _
from municipality import logger
from municipality.core.submissions import translated
from municipality.integrations.errors import ExternalSystemRejected
from municipality.integrations.finance import normalize_plate
from municipality.payments import api
from municipality.payments import settings
from municipality.payments.browser import format_amount
from municipality.payments.browser.services import amount_text
from municipality.payments.browser.services import any_payer
from municipality.payments.browser.services import check_csrf
from municipality.payments.browser.services import clean_email
from municipality.payments.browser.services import client_address
from municipality.payments.browser.services import count_lookup
from municipality.payments.browser.services import create_payment
from municipality.payments.browser.services import finance
from municipality.payments.browser.services import finance_call
from municipality.payments.browser.services import live_payment_of
from municipality.payments.browser.services import MSG_CSRF
from municipality.payments.browser.services import ServiceError
from municipality.payments.browser.services import StepsView
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import json
import re


TIMEZONE = ZoneInfo("Europe/Athens")

# Ticket numbers as printed (the finance contract, docs/finance.md): 1 to
# 12 digits; spaces are dropped.
_TICKET_NUMBER = re.compile(r"^[0-9]{1,12}$")
_MUNICIPALITY_CODE = re.compile(r"^[0-9]{1,10}$")
# Tickets older than this are no longer in the register's hands.
OLDEST_TICKET_YEARS = 20

STEP1_FIELDS = ("municipality_code", "ticket_type")
STEP2_FIELDS = ("ticket_number", "plate", "date", "time")

LABELS = {
    "municipality_code": _("Municipality code"),
    "ticket_type": _("Kind of ticket"),
    "ticket_number": _("Ticket number"),
    "plate": _("Registration plate"),
    "date": _("Date"),
    "time": _("Time"),
    "email": _("Email for the receipt"),
}

REGISTERED_BY = {
    "police": _("the Traffic Police"),
    "municipal police": _("the Municipal Police"),
    "portal": _("this portal, from the details you typed"),
}


def municipality_accusative():
    """«Δήμο Παραδείγματος»: the municipality's name after «στον»."""
    from municipality.core.notifications import municipality_name

    name = municipality_name() or ""
    if name.startswith("Δήμος "):
        return "Δήμο " + name[len("Δήμος ") :]
    return name


def ticket_type_data(code, kind):
    return {
        "code": code,
        "title": kind["title"],
        "amount": amount_text(kind["amount"]),
        "legal_basis": kind.get("legal_basis", ""),
    }


def payable_types():
    """``[{code, title, amount, legal_basis}]`` of the kinds paid here."""
    return [
        ticket_type_data(code, kind)
        for code, kind in settings.ticket_types(payable_only=True).items()
    ]


# -- validation -----------------------------------------------------------------


def form_text(data, name):
    value = data.get(name, "")
    if isinstance(value, (list, tuple)):
        value = value[0] if value else ""
    return value.strip() if isinstance(value, str) else ""


def check_step1(data):
    """The municipality code and the kind: ``{"municipality_code", "ticket_type"}``.

    :raises ServiceError: a code that is not ours, a kind not paid here.
    """
    errors = {}
    code = form_text(data, "municipality_code").replace(" ", "")
    kind = form_text(data, "ticket_type")
    ours = settings.municipality_code()
    if not code:
        errors["municipality_code"] = _(
            "Type the municipality code printed on the ticket."
        )
    elif not _MUNICIPALITY_CODE.match(code):
        errors["municipality_code"] = _(
            "The municipality code is made of digits only, as printed on the ticket."
        )
    elif code != ours:
        errors["municipality_code"] = _(
            "The ticket does not belong to the ${municipality} (code ${ours}): "
            "it is paid to the municipality that issued it (code ${code}).",
            mapping={
                "municipality": municipality_accusative(),
                "ours": ours,
                "code": code,
            },
        )
    all_types = settings.ticket_types()
    if not kind:
        errors["ticket_type"] = _("Choose the kind of ticket printed on it.")
    elif kind not in all_types:
        errors["ticket_type"] = _("Choose one of the kinds of ticket listed.")
    elif not all_types[kind]["payable"]:
        errors["ticket_type"] = _(
            "Tickets of the kind «${title}» are not paid to the municipality: "
            "pay them as the ticket says.",
            mapping={"title": all_types[kind]["title"]},
        )
    if errors:
        raise ServiceError(errors)
    return {"municipality_code": code, "ticket_type": kind}


def parse_date(text):
    """``2026-01-31`` (a date input) or ``31/01/2026``; ``None`` if neither."""
    text = (text or "").strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def parse_time(text):
    """``14:05`` (or ``14.05``); ``None`` if not a time of day."""
    text = (text or "").strip().replace(".", ":")
    for pattern in ("%H:%M", "%H:%M:%S"):
        try:
            return datetime.strptime(text, pattern).time().replace(second=0)
        except ValueError:
            continue
    return None


def now():
    """The time in Athens, without a zone (tickets say local time)."""
    return datetime.now(TIMEZONE).replace(tzinfo=None, microsecond=0)


def clean_ticket_number(text):
    return re.sub(r"\s+", "", text or "")


def check_ticket(data):
    """Number, plate, date and time of the ticket, each checked.

    :returns: ``{"ticket_number", "plate" (normalised), "issued_at" (naive
        local datetime)}``.
    :raises ServiceError: naming every field at fault.
    """
    errors = {}
    number = clean_ticket_number(form_text(data, "ticket_number"))
    if not number:
        errors["ticket_number"] = _("Type the ticket's number.")
    elif not _TICKET_NUMBER.match(number):
        errors["ticket_number"] = _(
            "The ticket number is made of digits only (at most 12), as printed "
            "on the ticket."
        )
    plate_text = form_text(data, "plate")
    plate = ""
    if not plate_text:
        errors["plate"] = _("Type the vehicle's registration plate.")
    else:
        try:
            plate = normalize_plate(plate_text)
        except ValueError:
            errors["plate"] = _(
                "This is not a Greek registration plate: 2 or 3 letters and 4 "
                "digits, e.g. ΙΚΤ-1234. Plates use only the letters Α Β Ε Ζ Η Ι "
                "Κ Μ Ν Ο Ρ Τ Υ Χ."
            )
    day = parse_date(form_text(data, "date"))
    hour = parse_time(form_text(data, "time"))
    today = now().date()
    if not form_text(data, "date"):
        errors["date"] = _("Type the date on the ticket.")
    elif day is None:
        errors["date"] = _("Type the date as dd/mm/yyyy, e.g. 31/01/2026.")
    elif day > today:
        errors["date"] = _("The date of the ticket cannot be in the future.")
    elif day < today.replace(year=today.year - OLDEST_TICKET_YEARS, day=1):
        errors["date"] = _("Check the date: the ticket cannot be that old.")
    if not form_text(data, "time"):
        errors["time"] = _("Type the time on the ticket.")
    elif hour is None:
        errors["time"] = _("Type the time as hh:mm, e.g. 14:05.")
    if "date" not in errors and "time" not in errors:
        issued_at = datetime.combine(day, hour)
        if issued_at > now() + timedelta(minutes=5):
            errors["time"] = _("The time of the ticket cannot be in the future.")
    if errors:
        raise ServiceError(errors)
    return {
        "ticket_number": number,
        "plate": plate,
        "issued_at": datetime.combine(day, hour),
    }


def check_all(data):
    """Both steps at once: every field at fault is named."""
    errors = {}
    values = {}
    for check in (check_step1, check_ticket):
        try:
            values.update(check(data))
        except ServiceError as e:
            errors.update(e.errors)
    if errors:
        raise ServiceError(errors)
    return values


# -- the register ---------------------------------------------------------------


def issued_at_of(fine):
    """The ticket's date and time (naive, local) from the register, or ``None``."""
    try:
        value = datetime.fromisoformat(fine.issued_at)
    except (TypeError, ValueError):
        return None
    if value.tzinfo is not None:
        value = value.astimezone(TIMEZONE).replace(tzinfo=None)
    return value


def differences(fine, values):
    """What the citizen typed that the register says otherwise (msgids)."""
    notes = []
    types = settings.ticket_types()
    if fine.ticket_type != values["ticket_type"]:
        registered = types.get(fine.ticket_type, {}).get("title", fine.ticket_type)
        notes.append(
            _(
                "The register has this ticket as «${registered}», not as the "
                "kind you chose.",
                mapping={"registered": registered},
            )
        )
    issued_at = issued_at_of(fine)
    if issued_at is not None and issued_at.replace(second=0) != values["issued_at"]:
        notes.append(
            _(
                "The register has this ticket on ${date} at ${time}, not at the "
                "date and time you typed.",
                mapping={
                    "date": issued_at.strftime("%d/%m/%Y"),
                    "time": issued_at.strftime("%H:%M"),
                },
            )
        )
    return notes


def find_or_register(values, address):
    """``(fine, registered, notes)``: the register's ticket, or a new one.

    :param values: What :func:`check_all` returns.
    :raises ServiceError: the number registered with another plate (409),
        too many look-ups (429), finance down (503).
    """
    count_lookup("fine", address)
    client = finance()
    with finance_call():
        fine = client.find_fine(values["ticket_number"], values["plate"])
        if fine is not None:
            return fine, False, differences(fine, values)
        kind = settings.ticket_types()[values["ticket_type"]]
        try:
            fine = client.register_fine(
                values["municipality_code"],
                values["ticket_type"],
                values["ticket_number"],
                values["plate"],
                values["issued_at"],
                kind["amount"],
            )
        except ExternalSystemRejected as e:
            if e.status == 409:
                raise ServiceError(
                    {
                        "plate": _(
                            "A ticket with this number is registered for another "
                            "vehicle. Check the ticket number and the plate."
                        )
                    },
                    status=409,
                ) from e
            logger.info("The fines register refused a ticket: %s", e)
            raise ServiceError(
                {
                    "": _(
                        "The fines register did not accept the ticket's details "
                        "(${detail}). Check them against the ticket.",
                        mapping={"detail": e.message},
                    )
                }
            ) from e
    return fine, fine.registered_by == "portal", differences(fine, values)


def not_payable_here(fine):
    """Why a ticket of the register is not paid here (a msgid), or ``None``."""
    kind = settings.ticket_types().get(fine.ticket_type)
    if fine.municipality_code != settings.municipality_code():
        return _(
            "The ticket does not belong to the ${municipality} (code ${ours}): "
            "it is paid to the municipality that issued it (code ${code}).",
            mapping={
                "municipality": municipality_accusative(),
                "ours": settings.municipality_code(),
                "code": fine.municipality_code,
            },
        )
    if kind is not None and not kind["payable"]:
        return _(
            "Tickets of the kind «${title}» are not paid to the municipality: "
            "pay them as the ticket says.",
            mapping={"title": kind["title"]},
        )
    if kind is None:
        # A kind the settings do not list: the municipality has not said it
        # collects it here.
        return _(
            "Tickets of the kind ${code} are not paid on this site: pay them "
            "as the ticket says, or ask the municipality.",
            mapping={"code": fine.ticket_type},
        )
    return None


def fine_data(fine, registered=False, notes=(), userid=None):
    """What the pages and REST show of a ticket, as plain values."""
    types = settings.ticket_types()
    issued_at = issued_at_of(fine)
    live = api.live_payments([fine.id]).get(fine.id) if fine.status != "paid" else None
    elsewhere = not_payable_here(fine)
    return {
        "id": fine.id,
        "municipality_code": fine.municipality_code,
        "ticket_type": fine.ticket_type,
        "ticket_type_title": types.get(fine.ticket_type, {}).get(
            "title", fine.ticket_type
        ),
        "ticket_number": fine.ticket_number,
        "plate": fine.plate,
        "issued_at": issued_at.isoformat() if issued_at else fine.issued_at,
        "date": issued_at.strftime("%d/%m/%Y") if issued_at else "",
        "time": issued_at.strftime("%H:%M") if issued_at else "",
        "violation": fine.violation,
        "location": fine.location,
        "amount": amount_text(fine.amount),
        "surcharges": amount_text(fine.surcharges),
        "total": amount_text(fine.total),
        "status": fine.status,
        "paid": fine.status == "paid",
        "rf_code": fine.rf_code,
        "registered_by": fine.registered_by,
        "registered_by_title": translated(REGISTERED_BY[fine.registered_by])
        if fine.registered_by in REGISTERED_BY
        else fine.registered_by,
        "registered_now": bool(registered),
        "notes": [translated(note) for note in notes],
        "in_progress": live is not None,
        "payment_state": live.state if live is not None else None,
        "payment_url": live_payment_of(live, userid) if live is not None else None,
        "not_payable": translated(elsewhere) if elsewhere is not None else "",
        "payable": fine.status == "unpaid" and live is None and elsewhere is None,
    }


def lookup_ticket(data, address, userid=None):
    """Step 2: check everything, find or register the ticket; its ``fine_data``."""
    values = check_all(data)
    fine, registered, notes = find_or_register(values, address)
    return fine_data(fine, registered, notes, userid)


def fine_item(fine):
    kinds = settings.ticket_types()
    title = kinds.get(fine.ticket_type, {}).get("title", fine.ticket_type)
    description = translated(
        _(
            "Traffic ticket ${number}, vehicle ${plate}: ${title}",
            mapping={"number": fine.ticket_number, "plate": fine.plate, "title": title},
        )
    )
    return api.Item(
        kind="fine",
        ref=fine.id,
        description=description,
        amount=fine.total,
        category="traffic_fines",
        rf_code=fine.rf_code or "",
        details={
            "municipality_code": fine.municipality_code,
            "ticket_type": fine.ticket_type,
            "ticket_number": fine.ticket_number,
            "plate": fine.plate,
            "issued_at": fine.issued_at,
            "amount": amount_text(fine.amount),
            "surcharges": amount_text(fine.surcharges),
        },
    )


def pay_fine(data, email, address, member=None):
    """Start the payment of a ticket's whole amount as the register has it today.

    :raises ServiceError: bad input, paid already or being paid (409), the
        number with another plate (409), finance down (503).
    """
    values = check_all(data)
    email = clean_email(email)
    fine, _registered, _notes = find_or_register(values, address)
    if fine.status == "paid":
        raise ServiceError(
            {"": _("This ticket has already been paid.")},
            status=409,
        )
    elsewhere = not_payable_here(fine)
    if elsewhere is not None:
        raise ServiceError({"": elsewhere}, status=409)
    if api.live_payments([fine.id]):
        raise ServiceError(
            {
                "": _(
                    "A payment of this ticket is already in progress. Wait for "
                    "it to finish before you pay it again."
                )
            },
            status=409,
        )
    return create_payment([fine_item(fine)], "fine", any_payer(member), email, "")


def autofill(ticket_number, plate, address):
    """What the register says of the ticket ``ticket_number`` + ``plate``.

    ``{"found": False}`` or ``{"found": True, "ticket_type", "date"
    (YYYY-MM-DD), "time" (HH:MM), "paid"}``; nothing about people.
    """
    number = clean_ticket_number(ticket_number)
    try:
        plate = normalize_plate(plate or "")
    except ValueError:
        return {"found": False}
    if not number or not _TICKET_NUMBER.match(number):
        return {"found": False}
    count_lookup("fine", address)
    with finance_call():
        fine = finance().find_fine(number, plate)
    if fine is None:
        return {"found": False}
    issued_at = issued_at_of(fine)
    return {
        "found": True,
        "ticket_type": fine.ticket_type,
        "date": issued_at.date().isoformat() if issued_at else "",
        "time": issued_at.strftime("%H:%M") if issued_at else "",
        "paid": fine.status == "paid",
    }


# -- the page -------------------------------------------------------------------


class PayTrafficFineView(StepsView):
    """``@@pay-traffic-fine`` and its steps ``/pay`` and ``/lookup``."""

    index = ViewPageTemplateFile("templates/fines.pt")
    result_page = ViewPageTemplateFile("templates/fines_result.pt")
    form_id = "pay-traffic-fine"
    steps = ("pay", "lookup")
    labels = LABELS

    def __init__(self, context, request):
        super().__init__(context, request)
        self.stage = 1
        self.fine = None
        self.chosen_type = None

    def __call__(self):
        self.request.response.setHeader("Cache-Control", "private, no-store")
        if self.step == "lookup":
            return self.lookup()
        if self.step == "pay":
            return self.pay()
        if self.is_post() and self.request.form.get("form.submitted") == "find":
            return self.find()
        if "change" not in self.request.form and (
            "municipality_code" in self.request.form
            or "ticket_type" in self.request.form
        ):
            self.step1()
        return self.index()

    # -- values for the template -----------------------------------------------

    def types(self):
        return [
            {**kind, "amount_text": format_amount(kind["amount"])}
            for kind in payable_types()
        ]

    def type_selected(self, code):
        return "selected" if self.value("ticket_type") == code else None

    def chosen(self):
        code = (self.chosen_type or {}).get("ticket_type") or self.value("ticket_type")
        kind = settings.ticket_types().get(code)
        if kind is None:
            return None
        return {
            **ticket_type_data(code, kind),
            "amount_text": format_amount(kind["amount"]),
        }

    def municipality_code(self):
        return settings.municipality_code()

    def today(self):
        return now().date().isoformat()

    def change_url(self):
        """Back to step 1, with what was chosen there."""
        query = urlencode(
            {
                "municipality_code": self.value("municipality_code"),
                "ticket_type": self.value("ticket_type"),
                "change": "1",
            }
        )
        return f"{self.view_url}?{query}"

    def lookup_url(self):
        return f"{self.view_url}/lookup"

    def script_url(self):
        return f"{self.portal_url}/++resource++municipality.payments.fines.js"

    # -- steps ------------------------------------------------------------------

    def step1(self):
        try:
            self.chosen_type = check_step1(self.request.form)
        except ServiceError as e:
            self.show_error(e)
            return
        self.stage = 2

    def find(self):
        if not check_csrf(self.request):
            self.stage = 2
            self.show_error(ServiceError({"": MSG_CSRF}, status=403))
            return self.index()
        try:
            self.fine = lookup_ticket(
                self.request.form, client_address(self.request), self.userid()
            )
        except ServiceError as e:
            self.show_error(e)
            self.stage = 1 if set(e.errors) & set(STEP1_FIELDS) else 2
            if self.stage == 2:
                self.chosen_type = {"ticket_type": self.value("ticket_type")}
            return self.index()
        return self.result_page()

    def pay(self):
        if not self.is_post():
            self.request.response.redirect(self.view_url)
            return ""
        if not check_csrf(self.request):
            self.show_error(ServiceError({"": MSG_CSRF}, status=403))
            self.stage = 2
            return self.index()
        address = client_address(self.request)
        try:
            payment = pay_fine(
                self.request.form, self.value("email"), address, self.member()
            )
        except ServiceError as e:
            self.show_error(e)
            status = e.status
            if "email" in e.errors or status == 409 and "" in e.errors:
                # Show the ticket again with the message.
                try:
                    self.fine = lookup_ticket(self.request.form, address, self.userid())
                except ServiceError:
                    self.fine = None
                if self.fine is not None:
                    self.request.response.setStatus(status)
                    return self.result_page()
            self.stage = 1 if set(e.errors) & set(STEP1_FIELDS) else 2
            return self.index()
        self.request.response.redirect(api.bank_redirect_url(payment))
        return ""

    def lookup(self):
        response = self.request.response
        response.setHeader("Content-Type", "application/json; charset=utf-8")
        try:
            answer = autofill(
                self.value("ticket_number"),
                self.value("plate"),
                client_address(self.request),
            )
        except ServiceError as e:
            response.setStatus(e.status)
            answer = {
                "found": False,
                "error": {
                    "message": translated(next(iter(e.errors.values()))),
                },
            }
        return json.dumps(answer)
