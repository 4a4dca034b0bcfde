"""The bank's card gateway: the Modirum VPOS redirect (Cardlink, Nexi, Worldline).

See ``docs/bank.md`` and ``greek-domain.md`` §2. A gateway builds the form
the citizen's browser posts to the bank, checks the messages the bank posts
back (browser return and background confirmation), and asks the bank about
an order (``StatusRequest``). Another bank implements :class:`IPaymentGateway`.
"""

from dataclasses import dataclass
from decimal import Decimal
from zope.interface import Attribute
from zope.interface import Interface

import base64
import hashlib


PAID = "paid"
FAILED = "failed"
CANCELLED = "cancelled"
PENDING = "pending"


class ForgedMessage(Exception):
    """A message claiming to be from the bank that does not check out.

    ``reason`` says why (``digest``, ``merchant``, ``missing``, …) and
    ``field`` names the field at fault when there is one.
    """

    def __init__(self, reason, field=None, detail=""):
        super().__init__(f"{reason}: {field or ''} {detail}".strip())
        self.reason = reason
        self.field = field
        self.detail = detail


class PaymentFormError(ValueError):
    """A payment the gateway cannot ask the bank for as given.

    Raised by :meth:`IPaymentGateway.payment_form` before anything is sent:
    ``field`` names the argument at fault (``order_id``, ``amount``,
    ``description``, ``confirm_url``, ``cancel_url``, ``lang``). It is a
    programming or settings error of the caller, never the citizen's input,
    which services validate themselves.
    """

    def __init__(self, field, message):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class RedirectForm:
    """What the browser posts to the bank: ``action`` and ordered ``fields``."""

    action: str
    fields: tuple  # ((name, value), ...) in the order sent, digest last


@dataclass(frozen=True)
class BankMessage:
    """A verified message of the bank about one order.

    :param outcome: :data:`PAID`, :data:`FAILED`, :data:`CANCELLED` or
        :data:`PENDING` (the bank has the order but no final status).
    :param amount: The amount the bank says, ``Decimal`` (``None`` if absent).
    :param fields: Every field as received, in order (for the log).
    """

    order_id: str
    status: str
    outcome: str
    amount: Decimal | None
    currency: str
    transaction_id: str = ""
    payment_ref: str = ""
    message: str = ""
    pay_method: str = ""
    fields: tuple = ()


class IPaymentGateway(Interface):
    """A bank's card-payment gateway."""

    name = Attribute("The gateway's name in the settings (``modirum``).")

    def payment_form(
        order_id, amount, description, confirm_url, cancel_url, email="", lang="el"
    ):
        """The signed :class:`RedirectForm` that starts a payment."""

    def verify(fields):
        """Check a message the bank posted; return a :class:`BankMessage`.

        ``fields``: the posted (name, value) pairs in the order received.
        Raises :class:`ForgedMessage`.
        """

    def status(order_id):
        """Ask the bank about ``order_id``: a :class:`BankMessage`, or ``None``
        when the bank knows no such order. Raises
        ``ExternalSystemUnavailable`` when the bank cannot be asked."""


def digest(values, secret):
    """Base64(SHA-256(UTF-8(concatenated values + secret))), no separators."""
    text = "".join(str(v) for v in values) + secret
    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode(
        "ascii"
    )


def gateway_from_registry(registry=None):
    """The gateway the settings name (``municipality.bank.gateway``)."""
    from municipality.integrations.modirum import ModirumGateway

    return ModirumGateway.from_registry(registry)
