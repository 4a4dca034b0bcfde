"""The client of the municipality's finance system (contract: ``docs/finance.md``).

ΤΑΠ debts of a property (certificates); certified debts by ΑΦΜ and by
payment code, posting a payment, supplier payment orders, the fines
register and certified municipal-tax debts (payments).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from decimal import InvalidOperation
from municipality.integrations.base import ExternalSystemClient
from municipality.integrations.errors import ExternalSystemBadResponse
from municipality.integrations.errors import ExternalSystemRejected


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


@dataclass(frozen=True)
class PostingReceipt:
    """What finance answers to a posted payment."""

    transaction_id: str
    receipt_number: str  # the finance system's receipt (γραμμάτιο) number
    posted_at: str  # ISO 8601
    duplicate: bool  # True when this transaction had been posted before


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
