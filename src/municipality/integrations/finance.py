"""The client of the municipality's finance system.

Only what the certificates need so far: the ΤΑΠ (property levy, billed with
the electricity bill) debts of a property, found by its electricity supply
number. The payments issue extends this client with the rest of the
contract (``docs/finance.md``).
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
