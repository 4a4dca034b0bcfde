"""The client of the municipality's finance system (contract: ``docs/finance.md``).

ΤΑΠ debts of a property (certificates); certified debts by ΑΦΜ and by
payment code, posting a payment, supplier payment orders, the fines
register and certified municipal-tax debts (payments).
"""

from dataclasses import dataclass
from datetime import date
from datetime import datetime
from decimal import Decimal
from decimal import InvalidOperation
from municipality.integrations.base import ExternalSystemClient
from municipality.integrations.errors import ExternalSystemBadResponse
from municipality.integrations.errors import ExternalSystemRejected
from stdnum import iso11649
from stdnum.exceptions import ValidationError as StdnumError
from urllib.parse import quote

import re
import unicodedata


@dataclass(frozen=True)
class TapDebt:
    """One unpaid ΤΑΠ charge of a property."""

    id: str
    period: str
    description: str
    amount: Decimal
    due_date: date | None


@dataclass(frozen=True)
class TapStatement:
    """A property's ΤΑΠ standing: where it is and what is unpaid."""

    supply_number: str
    address: str
    municipal_unit: str
    area: int | None
    debts: tuple
    total: Decimal

    @property
    def has_debts(self):
        return bool(self.debts)


# The eight categories of certified debt (seed 000: α–η).
DEBT_CATEGORIES = (
    "gross_revenue",  # α) Τέλη επί των ακαθαρίστων εσόδων
    "visitor_levy",  # β) Τέλος παρεπιδημούντων
    "common_spaces",  # γ) Τέλη κοινοχρήστων χώρων
    "tap",  # δ) Τέλος ακίνητης περιουσίας
    "traffic_fines",  # ε) Πρόστιμα Κ.Ο.Κ.
    "other_fines",  # στ) Λοιπά πρόστιμα & τέλη
    "installments",  # ζ) Δόσεις ρυθμίσεων
    "rents",  # η) Μισθώματα
)
# The categories that make up the municipal tax (Δημοτικός Φόρος).
MUNICIPAL_TAX_CATEGORIES = ("gross_revenue", "visitor_levy")

# Their Greek names, as the finance system and the receipts print them.
CATEGORY_TITLES = {
    "gross_revenue": "Τέλη επί των ακαθαρίστων εσόδων",
    "visitor_levy": "Τέλος παρεπιδημούντων",
    "common_spaces": "Τέλη κοινοχρήστων χώρων",
    "tap": "Τέλος ακίνητης περιουσίας",
    "traffic_fines": "Πρόστιμα Κ.Ο.Κ.",
    "other_fines": "Λοιπά πρόστιμα και τέλη",
    "installments": "Δόσεις ρυθμίσεων",
    "rents": "Μισθώματα",
}

# What a posted payment item pays (``payments.api.ITEM_KINDS``).
ITEM_KINDS = ("debt", "fine", "declaration")

# Registration plates use only the 14 capitals that look alike in Greek and
# Latin (greek-domain.md §4); the Greek ones are stored as their Latin twins.
_PLATE_GREEK = dict(zip("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ", "ABEZHIKMNOPTYX", strict=True))
_PLATE_RE = re.compile(r"^[ABEZHIKMNOPTYX]{2,3}[0-9]{4}$")
_PLATE_LETTERS = "Α Β Ε Ζ Η Ι Κ Μ Ν Ο Ρ Τ Υ Χ"
# What people type between the parts of a plate: spaces, hyphens, dots.
_PLATE_SEPARATORS = re.compile(r"[\s\-‐‑‒–—.·]+")


def normalize_plate(text):
    """The registration plate ``text`` in the form the fines register keeps.

    Greek letters become their Latin look-alikes (lower case and accented
    forms too), spaces, hyphens and dots go, and the rest is upper-cased:
    ``"ικτ-1234"``, ``"ΙΚΤ 1234"`` and ``"IKT1234"`` are all ``"IKT1234"``.

    :param text: [required] The plate as a person typed it.
    :type text: string
    :returns: 2 or 3 of the letters ``ABEZHIKMNOPTYX`` and 4 digits.
    :rtype: string
    :raises ValueError: with a message naming the problem (empty, a letter
        that is not on Greek plates, not 2–3 letters and 4 digits).
    """
    compact = _PLATE_SEPARATORS.sub("", text or "")
    if not compact:
        raise ValueError("the plate is empty")
    letters = []
    for char in compact:
        if "GREEK" in unicodedata.name(char, ""):
            # Drop accents and diaeresis: ά → α, ΐ → ι.
            base = unicodedata.normalize("NFD", char)[0].upper()
            if base not in _PLATE_GREEK:
                raise ValueError(
                    f"«{char}» is not a letter of Greek plates (only {_PLATE_LETTERS})"
                )
            letters.append(_PLATE_GREEK[base])
        elif char.isascii() and char.isalnum():
            letters.append(char.upper())
        else:
            raise ValueError(f"«{char}» cannot be part of a plate")
    plate = "".join(letters)
    for char in plate:
        if char.isalpha() and char not in _PLATE_GREEK.values():
            raise ValueError(
                f"«{char}» is not a letter of Greek plates (only {_PLATE_LETTERS})"
            )
    if not _PLATE_RE.match(plate):
        raise ValueError(
            f"«{text.strip()}» is not a plate: 2 or 3 letters and 4 digits, "
            "e.g. ΙΚΤ-1234"
        )
    return plate


def normalize_afm(text):
    """The 9-digit ΑΦΜ of ``text``; ``ValueError`` when it is not valid.

    The rules of the profile fields (``core.identity.validators``): spaces
    and an ``EL`` prefix are dropped, the old 8-digit form gets its leading
    0, the check digit must be right and the all-zero number is refused.
    """
    from municipality.core.identity.validators import InvalidAFM
    from municipality.core.identity.validators import normalize_afm as _normalize

    try:
        return _normalize(text if isinstance(text, str) else "")
    except InvalidAFM:
        raise ValueError(
            f"«{text}» is not a valid ΑΦΜ (9 digits, the last a check digit)"
        ) from None


def normalize_rf(text):
    """The RF payment code ``text`` without spaces, upper case; checked.

    ISO 11649: ``RF``, two check digits and a reference of 1–21 letters or
    digits, 25 characters at most; printed in groups of four
    (``RF18 5390 0754 7034``).

    :raises ValueError: when it is not an RF code or its check digits are wrong.
    """
    compact = re.sub(r"[\s\-]+", "", text or "").upper()
    if not compact:
        raise ValueError("the payment code is empty")
    if not compact.startswith("RF"):
        raise ValueError(f"«{text}» is not an RF payment code (it starts with RF)")
    try:
        return iso11649.validate(compact)
    except StdnumError as e:
        raise ValueError(f"«{text}» is not a valid RF payment code: {e}") from None


def format_rf(rf_code):
    """An RF code in groups of four, as printed: ``RF18 5390 0754 7034``."""
    return iso11649.format(rf_code)


@dataclass(frozen=True)
class Debt:
    """A certified (βεβαιωμένη) debt, with its amount as of ``as_of``."""

    id: str
    category: str
    description: str
    reference: str  # the assessment (βεβαίωση) number
    principal: Decimal
    surcharges: Decimal  # late interest and surcharges up to ``as_of``
    amount: Decimal  # principal + surcharges: what is paid today
    due_date: date | None
    as_of: date
    rf_code: str
    afm: str
    debtor: str
    # "debt" for a certified debt; "fine" for a ticket of the fines register
    # found by its RF code (then ``id`` is the fine's): the kind to pay it as.
    kind: str = "debt"


@dataclass(frozen=True)
class PostingReceipt:
    """What finance answers to a posted payment."""

    transaction_id: str
    receipt_number: str  # the finance system's receipt (γραμμάτιο) number
    posted_at: str  # ISO 8601
    duplicate: bool  # True when this transaction had been posted before
    # What the finance office must look at: ``{"ref", "code", "message", …}``
    # with code ``already_paid`` (a refund is due), ``amount_differs`` or
    # ``unknown``. The posting is accepted all the same.
    warnings: tuple = ()


@dataclass(frozen=True)
class PaymentOrder:
    """A supplier payment order (ένταλμα πληρωμής) the municipality issued."""

    number: str
    date: date
    description: str
    amount: Decimal
    status: str  # "issued" | "paid"
    paid_date: date | None


@dataclass(frozen=True)
class Fine:
    """A traffic ticket in the fines register."""

    id: str
    municipality_code: str
    ticket_type: str
    ticket_number: str
    plate: str  # normalised: Latin look-alikes, no spaces or dashes
    issued_at: str  # ISO 8601 local date and time
    violation: str
    location: str
    amount: Decimal  # the ticket's amount
    surcharges: Decimal
    total: Decimal  # what is paid today
    status: str  # "unpaid" | "paid"
    rf_code: str
    registered_by: str  # "police" / "municipal police" / "portal"


class FinanceClient(ExternalSystemClient):
    """Talk to the finance system.

    Build it with ``FinanceClient.from_registry()`` (records
    ``municipality.finance.url``, ``.username``, ``.password``,
    ``.timeout``) or with explicit arguments in tests.
    """

    system = "finance"

    def tap_statement(self, supply_number):
        """The ΤΑΠ debts of the property with this electricity supply number.

        A read-only call.

        :param supply_number: [required] The supply number, digits only.
        :type supply_number: string
        :returns: The property's :class:`TapStatement`, or ``None`` when the
            finance system has no property with that supply number.
        :rtype: TapStatement or None
        :raises:
            :class:`~municipality.integrations.errors.ExternalSystemUnavailable`
            (unreachable, timeout, 5xx: try again later),
            :class:`~municipality.integrations.errors.ExternalSystemRejected`
            (the number was refused as malformed: 400),
            :class:`~municipality.integrations.errors.ExternalSystemBadResponse`
        :Example:

        .. code-block:: python

            statement = FinanceClient.from_registry().tap_statement("100000002")
            if statement is not None and statement.has_debts:
                statement.total  # Decimal("187.40")
        """
        try:
            data = self.request(
                "GET", "tap/debts", params={"supply_number": supply_number}
            )
        except ExternalSystemRejected as e:
            if e.status == 404:
                return None
            raise
        return self._statement(data)

    def _statement(self, data):
        if not isinstance(data, dict) or not isinstance(data.get("debts"), list):
            raise ExternalSystemBadResponse(self.system, "statement has no debts list")
        prop = data.get("property") or {}
        try:
            debts = tuple(
                TapDebt(
                    id=str(debt["id"]),
                    period=str(debt.get("period") or ""),
                    description=str(debt.get("description") or ""),
                    amount=Decimal(str(debt["amount"])),
                    due_date=date.fromisoformat(debt["due_date"])
                    if debt.get("due_date")
                    else None,
                )
                for debt in data["debts"]
            )
            total = Decimal(str(data.get("total", sum(d.amount for d in debts))))
            area = prop.get("area")
            return TapStatement(
                supply_number=str(data.get("supply_number") or ""),
                address=str(prop.get("address") or ""),
                municipal_unit=str(prop.get("municipal_unit") or ""),
                area=int(area) if area is not None else None,
                debts=debts,
                total=total,
            )
        except (KeyError, TypeError, ValueError, InvalidOperation) as e:
            raise ExternalSystemBadResponse(
                self.system, f"malformed ΤΑΠ statement: {e}"
            ) from e

    # Certified debts ---------------------------------------------------------

    def debts(self, afm, as_of=None):
        """The certified unpaid debts of a taxpayer, with their amounts today.

        A read-only call. Each debt's ``amount`` is its principal plus the
        late surcharges up to ``as_of`` (0.73 % of the principal for each
        month or part of a month after the due date); a debt that is paid
        is not listed.

        :param afm: [required] The taxpayer's ΑΦΜ (checked before calling).
        :type afm: string
        :param as_of: The day the amounts are computed for; today (in
            Athens) when not given.
        :type as_of: datetime.date
        :returns: The debts, oldest due date first; empty when none.
        :rtype: tuple of :class:`Debt`
        :raises:
            ``ValueError`` (the ΑΦΜ is not valid),
            :class:`~municipality.integrations.errors.ExternalSystemUnavailable`
            (unreachable, timeout, 5xx: try again later),
            :class:`~municipality.integrations.errors.ExternalSystemRejected`,
            :class:`~municipality.integrations.errors.ExternalSystemBadResponse`
        :Example:

        .. code-block:: python

            for debt in FinanceClient.from_registry().debts("123456783"):
                debt.amount  # Decimal("52.15")
        """
        params = {"afm": normalize_afm(afm)}
        if as_of is not None:
            params["as_of"] = _iso_date(as_of)
        return self._debts(self.request("GET", "debts", params=params))

    def municipal_tax_debts(self, afm, as_of=None):
        """The certified unpaid municipal-tax debts of a business.

        Like :meth:`debts`, for the categories of
        :data:`MUNICIPAL_TAX_CATEGORIES` only (gross revenue, visitor levy).
        """
        params = {"afm": normalize_afm(afm)}
        if as_of is not None:
            params["as_of"] = _iso_date(as_of)
        return self._debts(self.request("GET", "municipal-tax/debts", params=params))

    def debt_by_code(self, rf_code, as_of=None):
        """The unpaid debt with this RF payment code, or ``None``.

        A read-only call, for paying without logging in. A traffic ticket
        of the fines register is found by its code too and answers as a
        debt of category ``traffic_fines`` whose ``id`` is the fine's.

        :param rf_code: [required] The RF code, with or without spaces.
        :type rf_code: string
        :param as_of: The day the amount is computed for (default today).
        :type as_of: datetime.date
        :returns: The :class:`Debt`, or ``None`` when no debt has that code.
        :rtype: Debt or None
        :raises:
            ``ValueError`` (not an RF code: bad check digits),
            :class:`~municipality.integrations.errors.ExternalSystemRejected`
            with ``status == 409`` when the debt is already paid,
            :class:`~municipality.integrations.errors.ExternalSystemUnavailable`,
            :class:`~municipality.integrations.errors.ExternalSystemBadResponse`
        """
        params = {"rf": normalize_rf(rf_code)}
        if as_of is not None:
            params["as_of"] = _iso_date(as_of)
        try:
            data = self.request("GET", "debts/by-code", params=params)
        except ExternalSystemRejected as e:
            if e.status == 404:
                return None
            raise
        return self._debt(data)

    def certify_debt(
        self, afm, debtor, category, description, principal, due_date, reference=""
    ):
        """Certify (βεβαίωση) a new debt; the finance system gives it an RF code.

        Used by tests, the demo set-up and assessment notes. Not idempotent:
        each call certifies one more debt.

        :param afm: [required] The debtor's ΑΦΜ.
        :param debtor: [required] The debtor's name.
        :param category: [required] One of :data:`DEBT_CATEGORIES`.
        :param description: [required] Greek text of what is owed.
        :param principal: [required] Euros, ``Decimal`` or ``"12.50"``.
        :param due_date: [required] The day it is due (``datetime.date``).
        :param reference: The assessment number; the system numbers it
            when empty.
        :returns: The new :class:`Debt`, its amount as of today.
        :raises:
            ``ValueError`` (the ΑΦΜ is not valid),
            :class:`~municipality.integrations.errors.ExternalSystemRejected`
            (400, a field refused),
            :class:`~municipality.integrations.errors.ExternalSystemUnavailable`
        """
        body = {
            "afm": normalize_afm(afm),
            "debtor": debtor,
            "category": category,
            "description": description,
            "principal": _money_text(principal),
            "due_date": _iso_date(due_date),
        }
        if reference:
            body["reference"] = reference
        return self._debt(self.request("POST", "debts", json=body))

    def _debts(self, data):
        if not isinstance(data, dict) or not isinstance(data.get("debts"), list):
            raise ExternalSystemBadResponse(self.system, "answer has no debts list")
        return tuple(self._debt(debt) for debt in data["debts"])

    def _debt(self, data):
        try:
            return Debt(
                id=_text(data["id"], required=True),
                category=_text(data["category"], required=True),
                description=_text(data.get("description")),
                reference=_text(data.get("reference")),
                principal=_money(data["principal"]),
                surcharges=_money(data["surcharges"]),
                amount=_money(data["amount"]),
                due_date=_date(data.get("due_date")),
                as_of=date.fromisoformat(data["as_of"]),
                rf_code=_text(data.get("rf_code")),
                afm=_text(data.get("afm")),
                debtor=_text(data.get("debtor")),
                kind=_choice(data.get("kind", "debt"), ("debt", "fine")),
            )
        except (KeyError, TypeError, ValueError, InvalidOperation) as e:
            raise ExternalSystemBadResponse(
                self.system, f"malformed debt: {e!r}"
            ) from e

    # Payments ------------------------------------------------------------

    def post_payment(
        self,
        transaction_id,
        items,
        amount,
        currency,
        paid_at,
        bank_reference,
        channel,
        payer,
    ):
        """Post a settled payment to the finance system (ταμείο).

        Idempotent by ``transaction_id``: posting the same payment again
        answers the receipt it got the first time, with ``duplicate=True``,
        so the outbox may retry after any failure. The same
        ``transaction_id`` with different content is refused (409).

        Never refused for business reasons: an item whose debt was paid in
        the meantime is accepted and listed in ``warnings`` (a refund is
        due); only malformed input is refused (400, naming the field).

        :param transaction_id: [required] The payment's own id, at most 100
            characters without spaces or ``/``.
        :param items: [required] A list of dicts ``{"kind": "debt" | "fine"
            | "declaration", "ref", "amount" ("12.50" or Decimal),
            "description", "details" (dict)}``.
        :param amount: [required] The total, the sum of the items.
        :param currency: [required] ``"EUR"``.
        :param paid_at: [required] When the bank took the money
            (``datetime`` or ISO 8601 text).
        :param bank_reference: The bank's reference of the transaction.
        :param channel: The service that took the payment
            (``payments.api.CHANNELS``).
        :param payer: ``{"userid", "fullname", "afm", "email"}`` or ``None``.
        :returns: The :class:`PostingReceipt` with the receipt number.
        :raises:
            :class:`~municipality.integrations.errors.ExternalSystemRejected`
            (400 malformed, 409 the id was posted with other content),
            :class:`~municipality.integrations.errors.ExternalSystemUnavailable`
            (try again later: the posting is idempotent),
            :class:`~municipality.integrations.errors.ExternalSystemBadResponse`
        :Example:

        .. code-block:: python

            receipt = client.post_payment(
                "PAY-8f3a", [{"kind": "debt", "ref": "D000101",
                              "amount": "52.15", "description": "ΤΑΠ 2025"}],
                Decimal("52.15"), "EUR", paid_at, "482910", "debts", None)
            receipt.receipt_number  # "ΓΡ-2026/000001"
        """
        body = {
            "transaction_id": transaction_id,
            "items": [_posting_item(item) for item in items],
            "amount": _money_text(amount),
            "currency": currency,
            "paid_at": paid_at.isoformat()
            if isinstance(paid_at, datetime)
            else paid_at,
            "bank_reference": bank_reference or "",
            "channel": channel or "",
            "payer": payer,
        }
        return self._receipt(self.request("POST", "payments", json=body))

    def _receipt(self, data):
        try:
            warnings = data.get("warnings") or []
            if not isinstance(warnings, list):
                raise TypeError("warnings is not a list")
            return PostingReceipt(
                transaction_id=_text(data["transaction_id"], required=True),
                receipt_number=_text(data["receipt_number"], required=True),
                posted_at=_text(data["posted_at"], required=True),
                duplicate=bool(data.get("duplicate", False)),
                warnings=tuple(dict(w) for w in warnings),
            )
        except (AttributeError, KeyError, TypeError, ValueError) as e:
            raise ExternalSystemBadResponse(
                self.system, f"malformed posting receipt: {e!r}"
            ) from e

    def payment(self, transaction_id):
        """The posting of ``transaction_id`` as the finance system keeps it.

        A read-only call for reconciliation and tests: the posted request
        (items, amount, paid_at …) plus ``receipt_number``, ``posted_at``,
        ``warnings`` and ``requests`` (how many times it was posted).

        :returns: The posting as a dict, or ``None`` when it was never posted.
        :rtype: dict or None
        """
        try:
            data = self.request(
                "GET", f"payments/{quote(str(transaction_id), safe='')}"
            )
        except ExternalSystemRejected as e:
            if e.status == 404:
                return None
            raise
        if not isinstance(data, dict) or not data.get("receipt_number"):
            raise ExternalSystemBadResponse(self.system, "posting has no receipt")
        return data

    # Supplier payment orders -------------------------------------------

    def payment_orders(self, afm):
        """The payment orders (εντάλματα) the municipality issued to a supplier.

        :param afm: [required] The supplier's ΑΦΜ.
        :returns: Newest first; empty when none.
        :rtype: tuple of :class:`PaymentOrder`
        :raises: ``ValueError`` (the ΑΦΜ is not valid) and the typed errors.
        """
        data = self.request("GET", "payment-orders", params={"afm": normalize_afm(afm)})
        if not isinstance(data, dict) or not isinstance(data.get("orders"), list):
            raise ExternalSystemBadResponse(self.system, "answer has no orders list")
        try:
            return tuple(
                PaymentOrder(
                    number=_text(order["number"], required=True),
                    date=date.fromisoformat(order["date"]),
                    description=_text(order.get("description")),
                    amount=_money(order["amount"]),
                    status=_choice(order["status"], ("issued", "paid")),
                    paid_date=_date(order.get("paid_date")),
                )
                for order in data["orders"]
            )
        except (KeyError, TypeError, ValueError, InvalidOperation) as e:
            raise ExternalSystemBadResponse(
                self.system, f"malformed payment order: {e!r}"
            ) from e

    # The fines register ---------------------------------------------------

    def find_fine(self, ticket_number, plate):
        """The ticket with this number and plate in the fines register.

        A read-only call; a paid ticket is found too (``status == "paid"``).

        :param ticket_number: [required] The number printed on the ticket.
        :param plate: [required] The vehicle's plate, as typed
            (normalised with :func:`normalize_plate`).
        :returns: The :class:`Fine`, or ``None`` when the register has no
            ticket with that number and plate.
        :raises: ``ValueError`` (not a plate) and the typed errors
            (400 for a malformed ticket number).
        """
        params = {
            "ticket_number": (ticket_number or "").strip(),
            "plate": normalize_plate(plate),
        }
        try:
            data = self.request("GET", "fines", params=params)
        except ExternalSystemRejected as e:
            if e.status == 404:
                return None
            raise
        return self._fine(data)

    def register_fine(
        self,
        municipality_code,
        ticket_type,
        ticket_number,
        plate,
        issued_at,
        amount,
        violation="",
        location="",
    ):
        """Register a ticket the citizen typed in, when the register lacks it.

        Idempotent on ticket number and plate: a ticket already in the
        register (by the police or an earlier call) is answered as it is
        there, its own amount included.

        :param municipality_code: [required] The issuing municipality's code
            on the ticket; the finance system refuses another municipality's
            (400, field ``municipality_code``).
        :param ticket_type: [required] The kind of ticket (``Ε1Α`` …).
        :param ticket_number: [required] The ticket's number.
        :param plate: [required] The plate (normalised before sending).
        :param issued_at: [required] Date and time on the ticket
            (``datetime`` or ISO text, local time).
        :param amount: [required] The ticket type's amount, from the settings.
        :param violation: The violation as printed, optional.
        :param location: Where, optional.
        :returns: The :class:`Fine` (``registered_by == "portal"`` when new).
        :raises:
            ``ValueError`` (not a plate),
            :class:`~municipality.integrations.errors.ExternalSystemRejected`
            (400 a field refused; 409 the number is registered with another
            plate),
            :class:`~municipality.integrations.errors.ExternalSystemUnavailable`
        """
        body = {
            "municipality_code": municipality_code,
            "ticket_type": ticket_type,
            "ticket_number": (ticket_number or "").strip(),
            "plate": normalize_plate(plate),
            "issued_at": issued_at.isoformat()
            if isinstance(issued_at, datetime | date)
            else issued_at,
            "amount": _money_text(amount),
        }
        if violation:
            body["violation"] = violation
        if location:
            body["location"] = location
        return self._fine(self.request("POST", "fines", json=body))

    def _fine(self, data):
        try:
            return Fine(
                id=_text(data["id"], required=True),
                municipality_code=_text(data["municipality_code"], required=True),
                ticket_type=_text(data["ticket_type"], required=True),
                ticket_number=_text(data["ticket_number"], required=True),
                plate=_text(data["plate"], required=True),
                issued_at=_text(data["issued_at"], required=True),
                violation=_text(data.get("violation")),
                location=_text(data.get("location")),
                amount=_money(data["amount"]),
                surcharges=_money(data["surcharges"]),
                total=_money(data["total"]),
                status=_choice(data["status"], ("unpaid", "paid")),
                rf_code=_text(data.get("rf_code")),
                registered_by=_text(data.get("registered_by")),
            )
        except (KeyError, TypeError, ValueError, InvalidOperation) as e:
            raise ExternalSystemBadResponse(
                self.system, f"malformed fine: {e!r}"
            ) from e


# Reading and writing the contract's values ----------------------------------

_CENT = Decimal("0.01")


def _money(value):
    """A decimal string of euros as a 2-place ``Decimal``; ``ValueError`` if not."""
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise TypeError(f"amount {value!r} is not a decimal string")
    amount = Decimal(str(value))
    if not amount.is_finite() or amount != amount.quantize(_CENT):
        raise ValueError(f"amount {value!r} is not in cents")
    return amount.quantize(_CENT)


def _money_text(value):
    """``Decimal("12.5")`` / ``"12.50"`` → ``"12.50"`` for a request."""
    if isinstance(value, float):
        raise TypeError("amounts are Decimal or text, never float")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        # The finance system names the field; send it as it is.
        return str(value)
    if not amount.is_finite() or amount != amount.quantize(_CENT):
        return str(value)
    return str(amount.quantize(_CENT))


def _posting_item(item):
    result = dict(item)
    if "amount" in result:
        result["amount"] = _money_text(result["amount"])
    return result


def _text(value, required=False):
    if value is None:
        if required:
            raise ValueError("a required value is missing")
        return ""
    if not isinstance(value, str):
        raise TypeError(f"{value!r} is not text")
    if required and not value:
        raise ValueError("a required value is empty")
    return value


def _date(value):
    return date.fromisoformat(value) if value else None


def _iso_date(value):
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return date.fromisoformat(value).isoformat()


def _choice(value, choices):
    if value not in choices:
        raise ValueError(f"{value!r} is not one of {', '.join(choices)}")
    return value
