"""What the payment services call: create a payment, send it to the bank, find it.

The services (my debts, pay by code, traffic fines, municipal tax) decide
*what* is paid and *how much*, from the finance system or the settings,
never from the browser. They hand this module a list of :class:`Item` and
get back a :class:`~municipality.payments.ledger.Payment`; the citizen is
then sent to :func:`bank_redirect_url` (a page that posts the signed form to
the bank). What the bank answers settles the payment
(:mod:`municipality.payments.settlement`); a service that must react (the
municipal-tax declaration) subscribes to
:class:`~municipality.payments.interfaces.IPaymentStateChanged`.

Implemented in ``ledger.py`` / ``settlement.py``; this module is the
stable surface.
"""

from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal


ITEM_KINDS = ("debt", "fine", "declaration")
CHANNELS = ("debts", "code", "fine", "municipal_tax")


class PaymentError(ValueError):
    """A payment cannot be made as asked; ``field`` names the input at fault.

    ``message`` is an i18n message (``municipality._``) for the citizen.
    """

    def __init__(self, field, message):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Item:
    """One thing paid in a payment.

    :param kind: ``debt`` (a certified debt of the finance system, found by
        ΑΦΜ or by payment code), ``fine`` (a traffic ticket of the fines
        register) or ``declaration`` (a municipal-tax declaration of ours).
    :param ref: The finance debt id, the fine id of the register, or the
        declaration's UID. One ``ref`` is never in two live payments.
    :param description: Greek text for the receipt and the pages.
    :param amount: Euros, ``Decimal`` with 2 places, > 0.
    :param category: The finance category (``integrations.finance.DEBT_CATEGORIES``).
    :param rf_code: The RF payment code, when the item has one.
    :param details: JSON-able data sent to finance with the posting (the
        declaration's period and gross revenue, the ticket's plate …).
    """

    kind: str
    ref: str
    description: str
    amount: Decimal
    category: str = ""
    rf_code: str = ""
    details: dict = field(default_factory=dict)


def create_payment(items, channel, payer=None, email="", context=None):
    """Record a new payment of ``items`` (state ``started``) and return it.

    :param items: One or more :class:`Item`.
    :param channel: One of :data:`CHANNELS` (which service started it).
    :param payer: ``{"userid", "fullname", "afm"}`` of a logged-in payer
        (``afm`` from the verified identity), or ``None`` when anonymous.
    :param email: Where the receipt goes (may be empty for anonymous payers).
    :param context: A content object the payment is about (the declaration).
    :raises PaymentError: no items, an amount not > 0 or not in cents,
        a bad email, or an item whose ``ref`` already has a payment that is
        started or paid (field ``items``).
    """
    from municipality.payments import ledger

    return ledger.create_payment(items, channel, payer, email, context)


def bank_redirect_url(payment):
    """The page that sends the citizen to the bank with ``payment``'s signed form."""
    from municipality.payments import ledger

    return ledger.bank_redirect_url(payment)


def bank_form(payment):
    """The bank's signed form for ``payment`` (``integrations.bank.RedirectForm``).

    For REST clients, which post it themselves.
    """
    from municipality.payments import settlement

    return settlement.bank_form(payment)


def payment_url(payment):
    """The payment's status page; reachable by its payer and with its token."""
    from municipality.payments import ledger

    return ledger.payment_url(payment)


def get_payment(token):
    """The payment with this public token, or ``None``."""
    from municipality.payments import ledger

    return ledger.get_payment(token)


def live_payments(refs):
    """``{ref: payment}`` of the refs that have a started or paid payment."""
    from municipality.payments import ledger

    return ledger.live_payments(refs)


def payments_of(userid):
    """The payments of a user, newest first."""
    from municipality.payments import ledger

    return ledger.payments_of(userid)
