"""The pages of the payments add-on, and the helpers they share.

:func:`format_amount` (``1.234,56 €``) and :func:`format_time`
(``dd/mm/yyyy HH:MM`` in Athens) are the formats every payments page and
mail uses; :data:`STATE_TITLES` and :data:`STATE_HEADLINES` name the states
of a payment for citizens (message ids, Greek in the catalog).
"""

from datetime import datetime
from decimal import Decimal
from municipality import _
from zoneinfo import ZoneInfo


TIMEZONE = ZoneInfo("Europe/Athens")

# Short names of the states, for lists.
STATE_TITLES = {
    "started": _("In progress"),
    "paid": _("Paid"),
    "posted": _("Paid and recorded"),
    "failed": _("Failed"),
    "cancelled": _("Cancelled"),
    "expired": _("Expired"),
}

# The headline of the payment page in each state.
STATE_HEADLINES = {
    "started": _("Waiting for the bank's confirmation"),
    "paid": _("Your payment has been completed"),
    "posted": _("Your payment has been completed"),
    "failed": _("The payment did not go through"),
    "cancelled": _("The payment was cancelled"),
    "expired": _("The payment was not completed in time"),
}

CHANNEL_TITLES = {
    "debts": _("My debts"),
    "code": _("Payment by RF code"),
    "fine": _("Traffic ticket"),
    "municipal_tax": _("Municipal tax"),
}

# Where «Νέα προσπάθεια» leads: the service that started the payment.
CHANNEL_START = {
    "debts": "@@my-debts",
    "code": "@@pay-by-code",
    "fine": "@@pay-traffic-fine",
    "municipal_tax": "@@declare-municipal-tax",
}


def format_amount(amount):
    """``Decimal("1234.5")`` or ``"1234.50"`` → «1.234,50 €»; "" for ``None``."""
    if amount is None or amount == "":
        return ""
    text = f"{Decimal(amount):,.2f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".") + " €"


def format_time(timestamp):
    """Seconds since the epoch → «dd/mm/yyyy HH:MM» in Athens; "" for nothing."""
    if not timestamp:
        return ""
    return datetime.fromtimestamp(timestamp, TIMEZONE).strftime("%d/%m/%Y %H:%M")


def format_date(timestamp):
    """Seconds since the epoch → «dd/mm/yyyy» in Athens; "" for nothing."""
    if not timestamp:
        return ""
    return datetime.fromtimestamp(timestamp, TIMEZONE).strftime("%d/%m/%Y")


def iso_time(timestamp):
    """Seconds since the epoch → ISO 8601 with the Athens offset."""
    if not timestamp:
        return ""
    return datetime.fromtimestamp(timestamp, TIMEZONE).isoformat(timespec="seconds")
