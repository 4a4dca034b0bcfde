"""The simulated finance system: debts, payments, payment orders, fines.

The contract is documented with examples in ``docs/finance.md``:

* ``GET /finance/tap/debts?supply_number=<digits>``: a property's ΤΑΠ;
* ``GET /finance/debts?afm=&as_of=``, ``GET /finance/debts/by-code?rf=``,
  ``POST /finance/debts``: certified debts, their late surcharges computed
  for the day asked (0.73 % of the principal per month or part of a month
  after the due date);
* ``GET /finance/municipal-tax/debts?afm=``: the debts of the municipal tax;
* ``POST /finance/payments``, ``GET /finance/payments[/<transaction_id>]``:
  postings of settled payments, idempotent by transaction id, with
  receipt numbers ``ΓΡ-<year>/<6 digits>``;
* ``GET /finance/payment-orders?afm=``: supplier payment orders;
* ``GET /finance/fines?ticket_number=&plate=``, ``POST /finance/fines``:
  the traffic-fines register.

Everything is kept in memory behind one lock. The demo data (the demo
users', the TaxisNet test taxpayers', a few tickets) are seeded at start
and again on ``POST /_admin/reset``; their dates are relative to the day
they are seeded, so the demo looks the same whenever it runs.
"""

from datetime import date
from datetime import datetime
from datetime import timedelta
from decimal import Decimal
from decimal import ROUND_HALF_UP
from municipality.integrations.finance import CATEGORY_TITLES
from municipality.integrations.finance import DEBT_CATEGORIES
from municipality.integrations.finance import ITEM_KINDS
from municipality.integrations.finance import MUNICIPAL_TAX_CATEGORIES
from municipality.integrations.finance import normalize_plate
from municipality.simulators.registry import error_response
from municipality.simulators.registry import json_response
from municipality.simulators.registry import read_json
from municipality.simulators.registry import System
from municipality.simulators.registry import system
from municipality.simulators.registry import ValidationError
from stdnum import iso11649
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.gr import vat
from stdnum.iso7064 import mod_97_10
from zoneinfo import ZoneInfo

import calendar
import copy
import re
import threading


finance = system("finance")

ATHENS = ZoneInfo("Europe/Athens")
# The municipality this finance system keeps the books of (core setting
# ``municipality.code`` defaults to it); tickets of another are refused.
MUNICIPALITY_CODE = "9999"
# Late interest on overdue municipal debts, per month or part of a month:
# ΚΕΔΕ (ν. 4978/2022) with άρθρο 53 ΚΦΔ, 8.76 % a year.
MONTHLY_SURCHARGE = Decimal("0.0073")
RECEIPT_SERIES = "ΓΡ"
CURRENCY = "EUR"

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999.99")
MAX_TEXT = 500
MAX_NAME = 200
MAX_ID = 100

_SUPPLY_RE = re.compile(r"^[0-9]{8,14}$")
_AMOUNT_RE = re.compile(r"^[0-9]{1,9}(\.[0-9]{1,2})?$")
_TICKET_NUMBER_RE = re.compile(r"^[0-9]{1,12}$")
_TICKET_TYPE_RE = re.compile(r"^[A-Za-zΑ-Ωα-ω0-9][A-Za-zΑ-Ωα-ω0-9._-]{0,19}$")
_RECEIPT_RE = re.compile(rf"^{RECEIPT_SERIES}-([0-9]{{4}})/([0-9]{{6}})$")
_TRANSACTION_ID_RE = re.compile(r"^[^\s/?#%]{1,100}$")

DEBT_FIELDS = frozenset(
    {"afm", "debtor", "category", "description", "principal", "due_date", "reference"}
)
PAYMENT_FIELDS = frozenset(
    {
        "transaction_id",
        "items",
        "amount",
        "currency",
        "paid_at",
        "bank_reference",
        "channel",
        "payer",
    }
)
ITEM_FIELDS = frozenset(
    {"kind", "ref", "amount", "description", "details", "category", "rf_code"}
)
FINE_FIELDS = frozenset(
    {
        "municipality_code",
        "ticket_type",
        "ticket_number",
        "plate",
        "issued_at",
        "amount",
        "violation",
        "location",
    }
)

MONTHS = (
    "Ιανουαρίου",
    "Φεβρουαρίου",
    "Μαρτίου",
    "Απριλίου",
    "Μαΐου",
    "Ιουνίου",
    "Ιουλίου",
    "Αυγούστου",
    "Σεπτεμβρίου",
    "Οκτωβρίου",
    "Νοεμβρίου",
    "Δεκεμβρίου",
)


def now_in_athens() -> datetime:
    """The current time in Europe/Athens, to the second."""
    return datetime.now(ATHENS).replace(microsecond=0)


def today_in_athens() -> date:
    return now_in_athens().date()


# Money and surcharges


def money(value: Decimal) -> str:
    """``Decimal`` → ``"12.50"``."""
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


def add_months(day: date, months: int) -> date:
    """``day`` ``months`` later, on the month's last day when it is shorter."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def months_late(due_date: date | None, as_of: date) -> int:
    """Months, or parts of a month, from ``due_date`` to ``as_of``.

    Due on 15/01: paid on 15/01 → 0; on 16/01 … 15/02 → 1; on 16/02 → 2.
    """
    if due_date is None or as_of <= due_date:
        return 0
    months = (as_of.year - due_date.year) * 12 + as_of.month - due_date.month
    if add_months(due_date, months) < as_of:
        months += 1
    return months


def surcharges(principal: Decimal, due_date: date | None, as_of: date) -> Decimal:
    """0.73 % of ``principal`` per month or part of a month late, to the cent."""
    late = months_late(due_date, as_of)
    return (principal * MONTHLY_SURCHARGE * late).quantize(CENT, ROUND_HALF_UP)


def rf_code(kind: int, number: int) -> str:
    """The ISO 11649 RF code of debt (``kind`` 1) or fine (2) ``number``.

    The reference is the municipality's code, the kind and the number in 9
    digits (14 digits; DIAS assigns real layouts, up to 21 characters).
    """
    reference = f"{MUNICIPALITY_CODE}{kind}{number:09d}"
    return f"RF{mod_97_10.calc_check_digits(reference + 'RF')}{reference}"


# Validation


def _check_unknown(data: dict, allowed: frozenset, prefix: str = "") -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        name = f"{prefix}{unknown[0]}"
        raise ValidationError(name, f"{name} is not a field of the finance contract")


def _text(data: dict, name: str, limit: int, required=False, prefix="") -> str:
    field = f"{prefix}{name}"
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError(field, f"{field} is required")
        return ""
    if not isinstance(value, str):
        raise ValidationError(field, f"{field} must be a string")
    if len(value) > limit:
        raise ValidationError(field, f"{field} is longer than {limit} characters")
    return value.strip()


def _amount(data: dict, name: str, prefix="") -> Decimal:
    """A positive amount in euros, sent as a decimal string (``"12.50"``)."""
    field = f"{prefix}{name}"
    value = data.get(name)
    if value is None or value == "":
        raise ValidationError(field, f"{field} is required")
    if not isinstance(value, str):
        raise ValidationError(
            field, f'{field} must be a decimal string in euros, e.g. "12.50"'
        )
    if not _AMOUNT_RE.match(value):
        raise ValidationError(
            field, f'{field} must be euros with at most 2 decimals, e.g. "12.50"'
        )
    amount = Decimal(value).quantize(CENT)
    if amount <= 0:
        raise ValidationError(field, f"{field} must be more than 0")
    if amount > MAX_AMOUNT:
        raise ValidationError(field, f"{field} is too large")
    return amount


def _afm(value, field="afm") -> str:
    if value is None or value == "":
        raise ValidationError(field, f"{field} is required")
    if not isinstance(value, str):
        raise ValidationError(field, f"{field} must be a string")
    try:
        afm = vat.validate(value)
    except StdnumError:
        raise ValidationError(
            field, f"{field} is not a valid ΑΦΜ (9 digits, the last a check digit)"
        ) from None
    if not afm.strip("0"):
        raise ValidationError(field, f"{field} is not a valid ΑΦΜ")
    return afm


def _day(value, field, required=True) -> date | None:
    if value is None or value == "":
        if required:
            raise ValidationError(field, f"{field} is required")
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValidationError(field, f"{field} must be a date, YYYY-MM-DD") from None


def _moment(value, field) -> datetime:
    if value is None or value == "":
        raise ValidationError(field, f"{field} is required")
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValidationError(
            field, f"{field} must be an ISO 8601 date and time"
        ) from None


def _as_of(request) -> date:
    return _day(request.GET.get("as_of"), "as_of", required=False) or (
        today_in_athens()
    )


def _plate(value, field="plate") -> str:
    if not isinstance(value, str) and value is not None:
        raise ValidationError(field, f"{field} must be a string")
    try:
        return normalize_plate(value or "")
    except ValueError as e:
        raise ValidationError(field, f"{field}: {e}") from None


def _ticket_number(value, field="ticket_number") -> str:
    if not isinstance(value, str) and value is not None:
        raise ValidationError(field, f"{field} must be a string")
    number = re.sub(r"\s+", "", value or "")
    if not number:
        raise ValidationError(field, f"{field} is required")
    if not _TICKET_NUMBER_RE.match(number):
        raise ValidationError(field, f"{field} must be 1 to 12 digits")
    return number


def validate_debt(data: dict) -> dict:
    """A ``POST /debts`` body, checked and normalised; raises ValidationError."""
    _check_unknown(data, DEBT_FIELDS)
    category = data.get("category")
    if category not in DEBT_CATEGORIES:
        raise ValidationError(
            "category", f"category must be one of: {', '.join(DEBT_CATEGORIES)}"
        )
    return {
        "afm": _afm(data.get("afm")),
        "debtor": _text(data, "debtor", MAX_NAME, required=True),
        "category": category,
        "description": _text(data, "description", MAX_TEXT, required=True),
        "principal": _amount(data, "principal"),
        "due_date": _day(data.get("due_date"), "due_date"),
        "reference": _text(data, "reference", 50),
    }


def validate_payment(data: dict) -> dict:
    """A ``POST /payments`` body, checked and normalised to compare repeats."""
    _check_unknown(data, PAYMENT_FIELDS)
    transaction_id = _text(data, "transaction_id", MAX_ID, required=True)
    if not _TRANSACTION_ID_RE.match(transaction_id):
        raise ValidationError(
            "transaction_id",
            "transaction_id must be at most 100 characters without spaces, "
            "/, ?, # or %",
        )
    items = data.get("items")
    if not isinstance(items, list) or not items:
        raise ValidationError("items", "items must be a non-empty list")
    normalized = []
    refs = set()
    for index, item in enumerate(items):
        prefix = f"items[{index}]."
        if not isinstance(item, dict):
            raise ValidationError(
                f"items[{index}]", f"items[{index}] must be an object"
            )
        _check_unknown(item, ITEM_FIELDS, prefix)
        kind = item.get("kind")
        if kind not in ITEM_KINDS:
            raise ValidationError(
                f"{prefix}kind", f"{prefix}kind must be one of: {', '.join(ITEM_KINDS)}"
            )
        ref = _text(item, "ref", MAX_ID, required=True, prefix=prefix)
        if ref in refs:
            raise ValidationError(f"{prefix}ref", f"{prefix}ref {ref!r} appears twice")
        refs.add(ref)
        details = item.get("details")
        if details is None:
            details = {}
        if not isinstance(details, dict):
            raise ValidationError(
                f"{prefix}details", f"{prefix}details must be an object"
            )
        normalized.append(
            {
                "kind": kind,
                "ref": ref,
                "amount": money(_amount(item, "amount", prefix)),
                "description": _text(item, "description", MAX_TEXT, prefix=prefix),
                "category": _text(item, "category", 50, prefix=prefix),
                "rf_code": _text(item, "rf_code", 25, prefix=prefix),
                "details": details,
            }
        )
    amount = _amount(data, "amount")
    total = sum((Decimal(item["amount"]) for item in normalized), Decimal(0))
    if total != amount:
        raise ValidationError(
            "amount",
            f"amount {money(amount)} is not the sum of the items ({money(total)})",
        )
    currency = data.get("currency")
    if currency != CURRENCY:
        raise ValidationError("currency", f"currency must be {CURRENCY}")
    paid_at = _moment(data.get("paid_at"), "paid_at")
    payer = data.get("payer")
    if payer is not None:
        if not isinstance(payer, dict):
            raise ValidationError("payer", "payer must be an object or null")
        for name, value in payer.items():
            if value is not None and not isinstance(value, str):
                raise ValidationError(f"payer.{name}", f"payer.{name} must be a string")
        if payer.get("afm"):
            _afm(payer["afm"], "payer.afm")
    return {
        "transaction_id": transaction_id,
        "items": normalized,
        "amount": money(amount),
        "currency": currency,
        "paid_at": paid_at.isoformat(),
        "bank_reference": _text(data, "bank_reference", MAX_ID),
        "channel": _text(data, "channel", 50),
        "payer": payer,
    }


def validate_fine(data: dict) -> dict:
    """A ``POST /fines`` body, checked and normalised; raises ValidationError."""
    _check_unknown(data, FINE_FIELDS)
    code = _text(data, "municipality_code", 20, required=True)
    if code != MUNICIPALITY_CODE:
        raise ValidationError(
            "municipality_code",
            f"municipality_code {code} is not this municipality's "
            f"({MUNICIPALITY_CODE}): the ticket is paid to the municipality "
            "that issued it",
        )
    ticket_type = _text(data, "ticket_type", 20, required=True)
    if not _TICKET_TYPE_RE.match(ticket_type):
        raise ValidationError("ticket_type", "ticket_type is not a ticket type code")
    issued_at = _moment(data.get("issued_at"), "issued_at")
    now = now_in_athens()
    local = issued_at.astimezone(ATHENS) if issued_at.tzinfo else issued_at
    if local.replace(tzinfo=None) > now.replace(tzinfo=None) + timedelta(minutes=10):
        raise ValidationError("issued_at", "issued_at is in the future")
    return {
        "municipality_code": code,
        "ticket_type": ticket_type,
        "ticket_number": _ticket_number(data.get("ticket_number")),
        "plate": _plate(data.get("plate")),
        "issued_at": local.replace(tzinfo=None).isoformat(timespec="minutes"),
        "amount": _amount(data, "amount"),
        "violation": _text(data, "violation", MAX_TEXT),
        "location": _text(data, "location", MAX_TEXT),
    }


# The books


class IdempotencyConflict(Exception):
    """A transaction id was posted before with different content."""

    def __init__(self, posting: dict, differs: list[str]):
        super().__init__(", ".join(differs))
        self.posting = posting
        self.differs = differs


class AlreadyPaid(Exception):
    """The debt or fine asked for is paid."""

    def __init__(self, record: dict):
        super().__init__(record["id"])
        self.record = record


class PlateMismatch(Exception):
    """A ticket number is in the register with another plate."""


class Ledger:
    """Debts, fines, postings and payment orders; one lock guards them all.

    Records are dicts with ``Decimal`` amounts and ``date`` due dates; the
    JSON forms are made by :meth:`debt_json` and :meth:`fine_json`.
    """

    def __init__(self, now=now_in_athens):
        self._now = now
        self._lock = threading.RLock()
        self.clear()

    def clear(self) -> None:
        """Forget everything; numbering starts again."""
        with self._lock:
            self._debts: dict[str, dict] = {}
            self._fines: dict[str, dict] = {}
            self._by_rf: dict[str, dict] = {}
            self._tickets: dict[str, dict] = {}
            self._payments: dict[str, dict] = {}
            self._orders: dict[str, list[dict]] = {}
            self._receipts: dict[int, int] = {}
            self._last_debt = 100
            self._last_fine = 0
            self._last_reference: dict[int, int] = {}

    def reset(self) -> None:
        """Back to the demo data as of today."""
        with self._lock:
            self.clear()
            seed(self, self._now().date())

    # Debts

    def certify(
        self,
        afm,
        debtor,
        category,
        description,
        principal,
        due_date,
        reference="",
        certified_on=None,
    ) -> dict:
        """Add a certified debt; it gets its number, assessment number and RF."""
        with self._lock:
            certified_on = certified_on or self._now().date()
            self._last_debt += 1
            number = self._last_debt
            if not reference:
                year = certified_on.year
                self._last_reference[year] = self._last_reference.get(year, 0) + 1
                reference = f"ΒΕΒ-{year}/{self._last_reference[year]:06d}"
            record = {
                "kind": "debt",
                "id": f"D{number:06d}",
                "afm": afm,
                "debtor": debtor,
                "category": category,
                "description": description,
                "reference": reference,
                "principal": Decimal(principal).quantize(CENT),
                "due_date": due_date,
                "certified_on": certified_on,
                "rf_code": rf_code(1, number),
                "status": "unpaid",
            }
            self._debts[record["id"]] = record
            self._by_rf[record["rf_code"]] = record
            return copy.deepcopy(record)

    def debts_of(self, afm: str, categories=DEBT_CATEGORIES) -> list[dict]:
        """The unpaid debts of ``afm`` in ``categories``, oldest due first."""
        with self._lock:
            found = [
                copy.deepcopy(debt)
                for debt in self._debts.values()
                if debt["afm"] == afm
                and debt["category"] in categories
                and debt["status"] == "unpaid"
            ]
        return sorted(found, key=lambda d: (d["due_date"], d["id"]))

    def by_rf(self, code: str) -> dict | None:
        """The unpaid debt or fine with RF ``code``; raises :class:`AlreadyPaid`."""
        with self._lock:
            record = self._by_rf.get(code)
            if record is None:
                return None
            if record["status"] == "paid":
                raise AlreadyPaid(copy.deepcopy(record))
            return copy.deepcopy(record)

    def mark_paid(self, ref: str, receipt: dict) -> None:
        """Mark a debt or fine paid at the cash desk (demo data).

        The receipt's series goes on after its number, so receipts of
        postings come later.
        """
        with self._lock:
            self._mark(self._record(ref), receipt)
            found = _RECEIPT_RE.match(receipt["receipt_number"])
            if found:
                year, number = int(found.group(1)), int(found.group(2))
                self._receipts[year] = max(self._receipts.get(year, 0), number)

    def _record(self, ref):
        return self._debts.get(ref) or self._fines.get(ref)

    def _mark(self, record, posting):
        record["status"] = "paid"
        record["paid_at"] = posting["paid_at"]
        record["receipt_number"] = posting["receipt_number"]
        record["transaction_id"] = posting["transaction_id"]

    # The fines register

    def add_fine(
        self,
        ticket_type,
        ticket_number,
        plate,
        issued_at,
        amount,
        violation="",
        location="",
        surcharge=Decimal(0),
        registered_by="portal",
        municipality_code=MUNICIPALITY_CODE,
    ) -> dict:
        with self._lock:
            self._last_fine += 1
            number = self._last_fine
            record = {
                "kind": "fine",
                "id": f"F{number:06d}",
                "municipality_code": municipality_code,
                "ticket_type": ticket_type,
                "ticket_number": ticket_number,
                "plate": plate,
                "issued_at": issued_at,
                "violation": violation,
                "location": location,
                "amount": Decimal(amount).quantize(CENT),
                "surcharges": Decimal(surcharge).quantize(CENT),
                "rf_code": rf_code(2, number),
                "registered_by": registered_by,
                "status": "unpaid",
            }
            self._fines[record["id"]] = record
            self._tickets[ticket_number] = record
            self._by_rf[record["rf_code"]] = record
            return copy.deepcopy(record)

    def find_fine(self, ticket_number: str, plate: str) -> dict | None:
        with self._lock:
            record = self._tickets.get(ticket_number)
            if record is None or record["plate"] != plate:
                return None
            return copy.deepcopy(record)

    def register_fine(self, fine: dict) -> tuple[dict, bool]:
        """Register a validated ticket: ``(record, created)``.

        Raises :class:`PlateMismatch` when the number has another plate.
        """
        with self._lock:
            record = self._tickets.get(fine["ticket_number"])
            if record is not None:
                if record["plate"] != fine["plate"]:
                    raise PlateMismatch(fine["ticket_number"])
                return copy.deepcopy(record), False
            return self.add_fine(registered_by="portal", **fine), True

    # Payment orders

    def add_order(self, afm, beneficiary, number, day, description, amount, paid):
        with self._lock:
            self._orders.setdefault(afm, []).append(
                {
                    "number": number,
                    "date": day,
                    "description": description,
                    "amount": Decimal(amount).quantize(CENT),
                    "status": "paid" if paid else "issued",
                    "paid_date": paid,
                    "afm": afm,
                    "beneficiary": beneficiary,
                }
            )

    def orders_of(self, afm: str) -> list[dict]:
        with self._lock:
            orders = copy.deepcopy(self._orders.get(afm, []))
        return sorted(orders, key=lambda o: (o["date"], o["number"]), reverse=True)

    # Postings

    def post(self, payment: dict) -> tuple[dict, bool]:
        """Post a validated payment: ``(posting, created)``.

        A repeat of the same content answers the first posting; other
        content under the same id raises :class:`IdempotencyConflict`.
        """
        with self._lock:
            existing = self._payments.get(payment["transaction_id"])
            if existing is not None:
                differs = [
                    name for name, value in payment.items() if existing[name] != value
                ]
                if differs:
                    existing["conflicts"] += 1
                    raise IdempotencyConflict(copy.deepcopy(existing), differs)
                existing["requests"] += 1
                return copy.deepcopy(existing), False
            now = self._now()
            year = now.year
            self._receipts[year] = self._receipts.get(year, 0) + 1
            posting = {
                **copy.deepcopy(payment),
                "receipt_number": f"{RECEIPT_SERIES}-{year}/{self._receipts[year]:06d}",
                "posted_at": now.isoformat(),
                "warnings": [],
                "requests": 1,
                "conflicts": 0,
            }
            paid_on = _athens_date(payment["paid_at"])
            for item in payment["items"]:
                warning = self._apply(item, posting, paid_on)
                if warning is not None:
                    posting["warnings"].append(warning)
            self._payments[payment["transaction_id"]] = posting
            return copy.deepcopy(posting), True

    def _apply(self, item, posting, paid_on):
        """Mark what ``item`` pays as paid; a warning for the office, or None."""
        if item["kind"] == "declaration":
            return None
        ref = item["ref"]
        paid = Decimal(item["amount"])
        record = self._record(ref)
        if record is None:
            return {
                "ref": ref,
                "code": "unknown",
                "message": f"No debt or fine {ref}: to be reconciled",
                "amount": item["amount"],
            }
        if record["status"] == "paid":
            return {
                "ref": ref,
                "code": "already_paid",
                "message": (
                    f"{ref} was already paid (receipt {record['receipt_number']}): "
                    f"a refund of {item['amount']} is due"
                ),
                "refund": item["amount"],
                "receipt_number": record["receipt_number"],
            }
        due = _due(record, paid_on)
        self._mark(record, posting)
        if paid != due:
            return {
                "ref": ref,
                "code": "amount_differs",
                "message": (
                    f"{ref} paid {money(paid)}, due {money(due)} on "
                    f"{paid_on.isoformat()}: difference to be reconciled"
                ),
                "paid": money(paid),
                "due": money(due),
            }
        return None

    def payment(self, transaction_id: str) -> dict | None:
        with self._lock:
            posting = self._payments.get(transaction_id)
            return copy.deepcopy(posting) if posting is not None else None

    def payments(self) -> list[dict]:
        with self._lock:
            return copy.deepcopy(list(self._payments.values()))


def _athens_date(moment: str) -> date:
    parsed = datetime.fromisoformat(moment)
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(ATHENS)
    return parsed.date()


def _due(record: dict, as_of: date) -> Decimal:
    """What a debt or fine amounts to on ``as_of``."""
    if record["kind"] == "fine":
        return record["amount"] + record["surcharges"]
    return record["principal"] + surcharges(
        record["principal"], record["due_date"], as_of
    )


# JSON forms


def debt_json(record: dict, as_of: date) -> dict:
    """A debt (or a fine, in the debt shape) with its amount on ``as_of``."""
    if record["kind"] == "fine":
        fine = fine_json(record)
        description = f"Κλήση Κ.Ο.Κ. {fine['ticket_type']} αρ. {fine['ticket_number']}"
        description += f", όχημα {fine['plate']}"
        if fine["violation"]:
            description += f": {fine['violation']}"
        return {
            "kind": "fine",
            "id": fine["id"],
            "category": "traffic_fines",
            "category_title": CATEGORY_TITLES["traffic_fines"],
            "description": description,
            "reference": f"Κλήση {fine['ticket_number']}",
            "principal": fine["amount"],
            "surcharges": fine["surcharges"],
            "amount": fine["total"],
            "due_date": None,
            "as_of": as_of.isoformat(),
            "rf_code": fine["rf_code"],
            "afm": "",
            "debtor": "",
            "status": fine["status"],
        }
    extra = surcharges(record["principal"], record["due_date"], as_of)
    return {
        "kind": "debt",
        "id": record["id"],
        "category": record["category"],
        "category_title": CATEGORY_TITLES[record["category"]],
        "description": record["description"],
        "reference": record["reference"],
        "principal": money(record["principal"]),
        "surcharges": money(extra),
        "amount": money(record["principal"] + extra),
        "due_date": record["due_date"].isoformat(),
        "as_of": as_of.isoformat(),
        "months_late": months_late(record["due_date"], as_of),
        "rf_code": record["rf_code"],
        "afm": record["afm"],
        "debtor": record["debtor"],
        "status": record["status"],
    }


def debts_json(afm: str, records: list[dict], as_of: date) -> dict:
    debts = [debt_json(record, as_of) for record in records]
    total = sum((Decimal(d["amount"]) for d in debts), Decimal(0))
    return {
        "afm": afm,
        "as_of": as_of.isoformat(),
        "debts": debts,
        "total": money(total),
        "currency": CURRENCY,
    }


def fine_json(record: dict) -> dict:
    return {
        "id": record["id"],
        "municipality_code": record["municipality_code"],
        "ticket_type": record["ticket_type"],
        "ticket_number": record["ticket_number"],
        "plate": record["plate"],
        "issued_at": record["issued_at"],
        "violation": record["violation"],
        "location": record["location"],
        "amount": money(record["amount"]),
        "surcharges": money(record["surcharges"]),
        "total": money(record["amount"] + record["surcharges"]),
        "status": record["status"],
        "rf_code": record["rf_code"],
        "registered_by": record["registered_by"],
        "paid_at": record.get("paid_at"),
        "receipt_number": record.get("receipt_number"),
    }


def order_json(order: dict) -> dict:
    return {
        "number": order["number"],
        "date": order["date"].isoformat(),
        "description": order["description"],
        "amount": money(order["amount"]),
        "status": order["status"],
        "paid_date": order["paid_date"].isoformat() if order["paid_date"] else None,
        "afm": order["afm"],
        "beneficiary": order["beneficiary"],
    }


def receipt_json(posting: dict, duplicate: bool) -> dict:
    return {
        "transaction_id": posting["transaction_id"],
        "receipt_number": posting["receipt_number"],
        "posted_at": posting["posted_at"],
        "amount": posting["amount"],
        "currency": posting["currency"],
        "duplicate": duplicate,
        "warnings": posting["warnings"],
    }


# Demo data


def _month_end(today: date, months_back: int) -> date:
    """The last day of the month ``months_back`` months before this one."""
    first = add_months(today.replace(day=1), -months_back)
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def _month_name(day: date) -> str:
    """«μηνός Οκτωβρίου 2026»."""
    return f"μηνός {MONTHS[day.month - 1]} {day.year}"


def seed(ledger: Ledger, today: date) -> None:
    """The demo data, dated relative to ``today``."""
    year = today.year
    last_year = year - 1

    def certify(afm, debtor, category, description, principal, due, months_before):
        ledger.certify(
            afm,
            debtor,
            category,
            description,
            Decimal(principal),
            due,
            certified_on=add_months(due, -months_before),
        )

    # «verified» (Γιώργος Νικολάου): a bit of everything a citizen owes.
    citizen = ("123456783", "ΝΙΚΟΛΑΟΥ ΓΕΩΡΓΙΟΣ του ΚΩΝΣΤΑΝΤΙΝΟΥ")
    due = _month_end(today, 7)
    certify(
        *citizen,
        "tap",
        f"Τέλος ακίνητης περιουσίας έτους {due.year}, ακίνητο Πατησίων 100 "
        "(παροχή 100000004), που δεν εισπράχθηκε με τον λογαριασμό ρεύματος",
        "48.60",
        due,
        2,
    )
    due = _month_end(today, 4)
    certify(
        *citizen,
        "traffic_fines",
        f"Πρόστιμο Κ.Ο.Κ., κλήση 000311/{due.year}: στάθμευση σε θέση "
        "φορτοεκφόρτωσης, όχημα ΙΚΤ-4821 (ν. 5209/2025)",
        "40.00",
        due,
        2,
    )
    due = _month_end(today, 1)
    certify(
        *citizen,
        "other_fines",
        "Πρόστιμο για εναπόθεση ογκωδών αντικειμένων σε κοινόχρηστο χώρο, "
        "οδός Πατησίων 100 (Κανονισμός Καθαριότητας, άρθρο 12)",
        "150.00",
        due,
        1,
    )
    due = today + timedelta(days=20)
    certify(
        *citizen,
        "installments",
        f"Δόση 3 από 12 της ρύθμισης 45/{year} (ν. 4152/2013), "
        "οφειλές ύδρευσης και ΤΑΠ",
        "85.50",
        due,
        3,
    )
    # One paid already: its code answers 409.
    paid = ledger.certify(
        *citizen,
        "tap",
        f"Τέλος ακίνητης περιουσίας έτους {last_year - 1}, ακίνητο Πατησίων 100",
        Decimal("46.20"),
        date(last_year, 3, 31),
        certified_on=date(last_year, 1, 15),
    )
    ledger.mark_paid(
        paid["id"],
        {
            "paid_at": f"{last_year}-03-20T11:42:00+02:00",
            "receipt_number": f"{RECEIPT_SERIES}-{last_year}/000412",
            "transaction_id": f"CASH-{last_year}-0412",
        },
    )

    # «verified-business» (Αρτοποιία Κωνσταντίνου Α.Ε.): the municipal tax,
    # a pavement licence, the rent of a market shop; and orders it is paid.
    business = ("800000002", "ΑΡΤΟΠΟΙΙΑ ΚΩΝΣΤΑΝΤΙΝΟΥ Α.Ε.")
    for months_back, principal in ((6, "212.35"), (2, "187.90")):
        period = _month_end(today, months_back + 1)
        certify(
            *business,
            "gross_revenue",
            "Τέλος 0,5 % επί των ακαθαρίστων εσόδων (καφέ-αρτοποιείο με "
            f"τραπεζοκαθίσματα), {_month_name(period)}, βεβαίωση από έλεγχο "
            "δήλωσης ΦΠΑ",
            principal,
            _month_end(today, months_back),
            1,
        )
    due = _month_end(today, 3)
    certify(
        *business,
        "visitor_levy",
        "Τέλος διαμονής παρεπιδημούντων 0,5 % (ενοικιαζόμενα δωμάτια "
        f"Τσιμισκή 40, όροφος 3ος), {_month_name(_month_end(today, 4))}",
        "96.40",
        due,
        1,
    )
    certify(
        *business,
        "common_spaces",
        f"Τέλος κατάληψης κοινοχρήστου χώρου με τραπεζοκαθίσματα, 12 m², "
        f"πεζοδρόμιο Τσιμισκή 40, έτος {year} (άρθρο 3 ν. 1080/1980)",
        "468.00",
        today + timedelta(days=15),
        1,
    )
    due = _month_end(today, 1)
    certify(
        *business,
        "rents",
        f"Μίσθωμα δημοτικού καταστήματος αρ. 7 της Δημοτικής Αγοράς, "
        f"{_month_name(due)}",
        "650.00",
        due,
        1,
    )
    orders = (
        (
            1245,
            date(last_year, 11, 28),
            "Προμήθεια άρτου και αρτοσκευασμάτων για τους παιδικούς σταθμούς, "
            f"Οκτώβριος {last_year}",
            "1840.00",
            date(last_year, 12, 19),
        ),
        (
            318,
            add_months(today, -5),
            "Προμήθεια αρτοσκευασμάτων για την εκδήλωση του ΚΑΠΗ",
            "426.30",
            add_months(today, -5) + timedelta(days=18),
        ),
        (
            702,
            add_months(today, -1),
            f"Προμήθεια άρτου για τους παιδικούς σταθμούς, "
            f"{_month_name(add_months(today, -2))}",
            "2115.60",
            None,
        ),
        (
            911,
            today - timedelta(days=6),
            f"Προμήθεια άρτου για τους παιδικούς σταθμούς, "
            f"{_month_name(add_months(today, -1))}",
            "1978.20",
            None,
        ),
    )
    for number, day, description, amount, paid_on in orders:
        ledger.add_order(
            *business,
            f"ΧΕ {number}/{day.year}",
            day,
            description,
            Decimal(amount),
            paid_on,
        )

    # The TaxisNet test taxpayers.
    due = _month_end(today, 5)
    certify(
        "068933130",
        "ΒΑΒΟΥΛΑ ΕΥΤΥΧΙΑ του ΕΜΜΑΝΟΥΗΛ",
        "tap",
        f"Τέλος ακίνητης περιουσίας έτους {due.year}, ακίνητο Αγίου Νικολάου 5",
        "112.40",
        due,
        2,
    )
    due = _month_end(today, 2)
    certify(
        "094259216",
        "ΠΑΠΑΔΟΠΟΥΛΟΣ ΓΕΩΡΓΙΟΣ του ΙΩΑΝΝΗ",
        "other_fines",
        "Τέλος σύνδεσης με το δίκτυο αποχέτευσης, ακίνητο Ερμού 25",
        "230.00",
        due,
        1,
    )
    for number, months_back in ((5, 2), (6, 1)):
        due = _month_end(today, months_back)
        certify(
            "111111114",
            "ΚΩΝΣΤΑΝΤΙΝΙΔΗΣ ΣΠΥΡΙΔΩΝ του ΑΘΑΝΑΣΙΟΥ",
            "installments",
            f"Δόση {number} από 24 της ρύθμισης 112/{last_year} (ν. 4152/2013)",
            "64.15",
            due,
            3,
        )
    certify(
        "111111114",
        "ΚΩΝΣΤΑΝΤΙΝΙΔΗΣ ΣΠΥΡΙΔΩΝ του ΑΘΑΝΑΣΙΟΥ",
        "common_spaces",
        "Τέλος κατάληψης κοινοχρήστου χώρου με οικοδομικά υλικά, 8 m² για "
        "2 μήνες, οδός Αθηνάς 12",
        "480.00",
        _month_end(today, 3),
        1,
    )

    # The fines register: tickets of the municipal police.
    issued = datetime.combine(today - timedelta(days=3), datetime.min.time())
    ledger.add_fine(
        "Ε1Α",
        "000123",
        "IKT1234",
        issued.replace(hour=10, minute=15).isoformat(timespec="minutes"),
        Decimal("30.00"),
        violation="Στάθμευση σε ελεγχόμενη ζώνη χωρίς κάρτα στάθμευσης (Ρ-69)",
        location="Ερμού 14",
        registered_by="municipal police",
    )
    issued = datetime.combine(add_months(today, -4), datetime.min.time())
    ledger.add_fine(
        "Ε1Β",
        "000087",
        "YXH5678",
        issued.replace(hour=8, minute=40).isoformat(timespec="minutes"),
        Decimal("40.00"),
        violation="Στάθμευση σε θέση φορτοεκφόρτωσης",
        location="Αθηνάς 63",
        surcharge=Decimal("20.00"),
        registered_by="municipal police",
    )
    issued = datetime.combine(add_months(today, -2), datetime.min.time())
    paid = ledger.add_fine(
        "Ε2",
        "000045",
        "KHM4321",
        issued.replace(hour=18, minute=5).isoformat(timespec="minutes"),
        Decimal("100.00"),
        violation="Στάθμευση σε θέση ατόμων με αναπηρία",
        location="Πλατεία Δημαρχείου 1",
        registered_by="municipal police",
    )
    paid_at = (issued + timedelta(days=6, hours=12)).replace(tzinfo=ATHENS)
    ledger.mark_paid(
        paid["id"],
        {
            "paid_at": paid_at.isoformat(),
            "receipt_number": f"{RECEIPT_SERIES}-{paid_at.year}/000988",
            "transaction_id": f"CASH-{paid_at.year}-0988",
        },
    )
    issued = datetime.combine(today - timedelta(days=12), datetime.min.time())
    ledger.add_fine(
        "Ε3",
        "000152",
        "BO4410",
        issued.replace(hour=13, minute=30).isoformat(timespec="minutes"),
        Decimal("80.00"),
        violation="Στάθμευση σε στάση λεωφορείου",
        location="Λεωφόρος Αλεξάνδρας 20",
        registered_by="police",
    )


# The endpoints

ledger = Ledger()
ledger.reset()


def _reset():
    # The registry resets a system's failure mode only; the books go too.
    # System.reset, not a saved bound method, so reloading does not chain.
    ledger.reset()
    return System.reset(finance)


finance.reset = _reset


PROPERTIES = {
    "100000001": {
        "address": "Ερμού 10",
        "municipal_unit": "Κέντρου",
        "area": 85,
        "debts": [],
    },
    "100000002": {
        "address": "Αγίου Νικολάου 5",
        "municipal_unit": "Βόρειου Τομέα",
        "area": 120,
        "debts": [
            {
                "id": "TAP-2025-0002-11",
                "period": "2025/11",
                "description": "ΤΑΠ λογαριασμού ρεύματος Νοεμβρίου 2025",
                "amount": "93.70",
                "due_date": "2025-12-15",
            },
            {
                "id": "TAP-2026-0002-01",
                "period": "2026/01",
                "description": "ΤΑΠ λογαριασμού ρεύματος Ιανουαρίου 2026",
                "amount": "93.70",
                "due_date": "2026-02-16",
            },
        ],
    },
    "100000003": {
        "address": "Πλατεία Δημαρχείου 1",
        "municipal_unit": "Κέντρου",
        "area": 64,
        "debts": [],
    },
}


def _total(debts):
    cents = sum(int(debt["amount"].replace(".", "")) for debt in debts)
    return f"{cents // 100}.{cents % 100:02d}"


@finance.route("GET", "/tap/debts")
def tap_debts(request):
    supply_number = (request.GET.get("supply_number") or "").strip()
    if not supply_number:
        raise ValidationError("supply_number", "supply_number is required")
    if not _SUPPLY_RE.match(supply_number):
        raise ValidationError("supply_number", "supply_number must be 8 to 14 digits")
    found = PROPERTIES.get(supply_number)
    if found is None:
        return error_response(
            404, "No property is billed on this supply number", field="supply_number"
        )
    debts = [dict(debt) for debt in found["debts"]]
    return {
        "supply_number": supply_number,
        "property": {
            "address": found["address"],
            "municipal_unit": found["municipal_unit"],
            "area": found["area"],
        },
        "debts": debts,
        "total": _total(debts),
        "currency": "EUR",
    }


@finance.route("GET", "/debts")
def list_debts(request):
    """The unpaid certified debts of ``?afm=``, amounts as of ``?as_of=``."""
    afm = _afm(request.GET.get("afm"))
    as_of = _as_of(request)
    return debts_json(afm, ledger.debts_of(afm), as_of)


@finance.route("GET", "/municipal-tax/debts")
def municipal_tax_debts(request):
    """The unpaid debts of the municipal tax (gross revenue, visitor levy)."""
    afm = _afm(request.GET.get("afm"))
    as_of = _as_of(request)
    return debts_json(afm, ledger.debts_of(afm, MUNICIPAL_TAX_CATEGORIES), as_of)


@finance.route("GET", "/debts/by-code")
def debt_by_code(request):
    """The unpaid debt or fine with the RF code ``?rf=``."""
    value = request.GET.get("rf") or ""
    if not value.strip():
        raise ValidationError("rf", "rf is required")
    try:
        code = iso11649.validate(value)
    except StdnumError:
        raise ValidationError(
            "rf", "rf is not a valid RF payment code (ISO 11649)"
        ) from None
    as_of = _as_of(request)
    try:
        record = ledger.by_rf(code)
    except AlreadyPaid as paid:
        return error_response(
            409,
            f"The debt with payment code {code} is already paid "
            f"(receipt {paid.record['receipt_number']})",
            field="rf",
            receipt_number=paid.record["receipt_number"],
            paid_at=paid.record["paid_at"],
        )
    if record is None:
        return error_response(404, f"No debt has the payment code {code}", field="rf")
    return debt_json(record, as_of)


@finance.route("POST", "/debts")
def certify_debt(request):
    """Certify a debt: 201 with it, its number, RF code and amount today."""
    data = validate_debt(read_json(request))
    record = ledger.certify(**data)
    return json_response(debt_json(record, today_in_athens()), status=201)


@finance.route("POST", "/payments")
def post_payment(request):
    """Post a settled payment: 201 when new, 200 ``duplicate`` when repeated."""
    payment = validate_payment(read_json(request))
    try:
        posting, created = ledger.post(payment)
    except IdempotencyConflict as conflict:
        existing = conflict.posting
        return error_response(
            409,
            f"transaction_id {payment['transaction_id']!r} was posted with other "
            f"content as receipt {existing['receipt_number']} "
            f"(different: {', '.join(conflict.differs)})",
            field="transaction_id",
            differs=conflict.differs,
            receipt_number=existing["receipt_number"],
        )
    return json_response(
        receipt_json(posting, not created), status=201 if created else 200
    )


@finance.route("GET", "/payments")
def list_payments(request):
    """Every posting, in the order posted, with how often each was posted."""
    items = ledger.payments()
    return {"items": items, "count": len(items)}


@finance.route("GET", "/payments/{transaction_id}")
def get_payment(request, transaction_id):
    """One posting as kept."""
    posting = ledger.payment(transaction_id)
    if posting is None:
        return error_response(
            404,
            f"No payment was posted as {transaction_id!r}",
            field="transaction_id",
        )
    return posting


@finance.route("GET", "/payment-orders")
def payment_orders(request):
    """The payment orders issued to the supplier ``?afm=``, newest first."""
    afm = _afm(request.GET.get("afm"))
    orders = [order_json(order) for order in ledger.orders_of(afm)]
    return {"afm": afm, "orders": orders, "currency": CURRENCY}


@finance.route("GET", "/fines")
def find_fine(request):
    """The ticket ``?ticket_number=`` of the vehicle ``?plate=``."""
    number = _ticket_number(request.GET.get("ticket_number"))
    plate = _plate(request.GET.get("plate"))
    record = ledger.find_fine(number, plate)
    if record is None:
        return error_response(
            404,
            f"No ticket {number} for the vehicle {plate} in the register",
            field="ticket_number",
        )
    return fine_json(record)


@finance.route("POST", "/fines")
def register_fine(request):
    """Register a ticket: 201 when new, 200 with the register's when known."""
    fine = validate_fine(read_json(request))
    try:
        record, created = ledger.register_fine(fine)
    except PlateMismatch:
        return error_response(
            409,
            f"Ticket {fine['ticket_number']} is registered for another vehicle",
            field="plate",
        )
    return json_response(fine_json(record), status=201 if created else 200)
