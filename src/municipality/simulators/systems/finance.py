"""The simulated finance system: ΤΑΠ debts of properties (for now).

The contract is documented with examples in ``docs/finance.md``:

* ``GET /finance/tap/debts?supply_number=<digits>`` answers the property
  billed on that electricity supply number and its unpaid ΤΑΠ charges;
  404 for an unknown number, 400 for a malformed one.

Demo properties (the demo users' and the tests'):

* ``100000001``: Ερμού 10, Κέντρου — no debts;
* ``100000002``: Αγίου Νικολάου 5, Βόρειου Τομέα — two unpaid charges;
* ``100000003``: Πλατεία Δημαρχείου 1, Κέντρου — no debts.

The payments issue adds its endpoints to this module.
"""

from municipality.simulators.registry import error_response
from municipality.simulators.registry import system
from municipality.simulators.registry import ValidationError

import re


finance = system("finance")

_SUPPLY_RE = re.compile(r"^[0-9]{8,14}$")

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
