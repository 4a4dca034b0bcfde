"""Interfaces, events and the settings schema of ``municipality.payments``."""

from decimal import Decimal
from decimal import InvalidOperation
from municipality import _
from plone.supermodel import model
from zope import schema
from zope.interface import Attribute
from zope.interface import implementer
from zope.interface import Interface
from zope.publisher.interfaces.browser import IDefaultBrowserLayer

import re


REGISTRY_PREFIX = "municipality.payments"


class IPaymentsLayer(IDefaultBrowserLayer):
    """Marker: the payments add-on is installed on this site."""


# Events ---------------------------------------------------------------------


class IPaymentStateChanged(Interface):
    """A payment moved from one state to another (``payments.ledger.STATES``).

    Fired inside the transaction that changed it, once per change: the
    municipal-tax declaration listens to accept or reject itself.
    """

    payment = Attribute("The payment (municipality.payments.ledger.Payment).")
    old_state = Attribute("The state before.")
    new_state = Attribute("The state now.")


@implementer(IPaymentStateChanged)
class PaymentStateChanged:
    def __init__(self, payment, old_state, new_state):
        self.payment = payment
        self.old_state = old_state
        self.new_state = new_state


# Settings lines -------------------------------------------------------------

_CODE = re.compile(r"^[A-Za-zΑ-Ωα-ω0-9][A-Za-zΑ-Ωα-ω0-9._-]{0,19}$")
_YES = {"yes", "ναι", "1", "true"}
_NO = {"no", "όχι", "0", "false"}


def _amount(text):
    try:
        value = Decimal(text.strip().replace(",", "."))
    except (InvalidOperation, AttributeError):
        raise ValueError(text) from None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        raise ValueError(text)
    return value.quantize(Decimal("0.01"))


def parse_ticket_type(line):
    """``code|title|amount|payable|legal basis`` → a dict; ``ValueError`` if bad.

    ``payable`` is yes/no: whether the municipality collects that kind of
    ticket (others are paid elsewhere and are not offered).
    """
    parts = [part.strip() for part in (line or "").split("|")]
    if len(parts) != 5 or not _CODE.match(parts[0]) or not parts[1]:
        raise ValueError(line)
    payable = parts[3].lower()
    if payable not in _YES | _NO:
        raise ValueError(line)
    return {
        "code": parts[0],
        "title": parts[1],
        "amount": _amount(parts[2]),
        "payable": payable in _YES,
        "legal_basis": parts[4],
    }


def parse_tax_category(line):
    """``code|title|rate %|legal basis`` → a dict; ``ValueError`` if bad."""
    parts = [part.strip() for part in (line or "").split("|")]
    if len(parts) != 4 or not _CODE.match(parts[0]) or not parts[1] or not parts[3]:
        raise ValueError(line)
    try:
        rate = Decimal(parts[2].replace(",", "."))
    except InvalidOperation:
        raise ValueError(line) from None
    if not rate.is_finite() or not Decimal(0) < rate <= Decimal(100):
        raise ValueError(line)
    return {"code": parts[0], "title": parts[1], "rate": rate, "legal_basis": parts[3]}


class InvalidLine(schema.ValidationError):
    """A settings line that does not parse."""

    def doc(self):
        return _(
            "«${line}» is not written as the description above says.",
            mapping={"line": self.args[0] if self.args else ""},
        )


def _checker(parse):
    def check(value):
        try:
            parse(value)
        except ValueError:
            raise InvalidLine(value) from None
        return True

    return check


# Traffic tickets the municipality collects (greek-domain.md §4): ν. 5209/2025
# categories; amounts, like everything here, are the municipality's to set.
DEFAULT_TICKET_TYPES = [
    "Ε1Α|Στάθμευση σε ελεγχόμενη ζώνη χωρίς κάρτα ή κωδικό στάθμευσης (Ρ-69)"
    "|30.00|yes|ν. 5209/2025",
    "Ε1Β|Στάθμευση σε θέση φορτοεκφόρτωσης ή σε πεζοδρόμιο|40.00|yes|ν. 5209/2025",
    "Ε2|Στάθμευση σε θέση ατόμων με αναπηρία|100.00|yes|ν. 5209/2025",
    "Ε3|Στάθμευση σε στάση λεωφορείου ή ράμπα|80.00|yes|ν. 5209/2025",
    "ΤΡ|Παραβάσεις που βεβαιώνει η Τροχαία (πληρώνονται στη Δ.Ο.Υ.)"
    "|0.00|no|ν. 5209/2025",
]

TAX_LEGAL_BASIS = (
    "άρθρο 20 ν. 2539/1997, όπως αντικαταστάθηκε με το άρθρο 23 παρ. 2 ν. 3756/2009"
)

# The municipal levies declared with the periodic VAT return (§5a, §5b).
DEFAULT_TAX_CATEGORIES = [
    "food|Καταστήματα εστίασης και αναψυχής με τραπεζοκαθίσματα, μπαρ, κυλικεία|0.5|"
    + TAX_LEGAL_BASIS,
    "entertainment|Κέντρα διασκέδασης και καταστήματα με θέαμα και ποτά|5|"
    + TAX_LEGAL_BASIS,
    "accommodation|Τέλος διαμονής παρεπιδημούντων (καταλύματα)|0.5|"
    "άρθρο 1 ν. 339/1976 και άρθρο 6 ν. 1080/1980",
]


class IPaymentsSettings(model.Schema):
    """The «Payments» control panel, stored under ``municipality.payments``."""

    status_check_after = schema.Int(
        title=_("Ask the bank about an unfinished payment after (minutes)"),
        description=_(
            "A payment with no answer from the bank by then is looked up at "
            "the bank (StatusRequest) and settled by what the bank says."
        ),
        required=True,
        default=20,
        min=1,
        max=1440,
    )

    expire_after = schema.Int(
        title=_("An unfinished payment expires after (minutes)"),
        description=_(
            "When the bank knows no such payment by then, the payment "
            "expires and the citizen can start a new one; one last check "
            "follows an hour later. While the bank says it is still being "
            "processed, it is checked again, for up to a day."
        ),
        required=True,
        default=60,
        min=5,
        max=10080,
    )

    receipt_note = schema.Text(
        title=_("Note on receipts"),
        description=_("Printed at the foot of every payment receipt."),
        required=False,
        default="",
    )

    ticket_types = schema.List(
        title=_("Kinds of traffic ticket"),
        description=_(
            "One a line: code|Title|amount in euros|payable here (yes/no)|legal "
            "basis. Only payable kinds are offered; the amount is what a ticket "
            "not yet in the fines register is registered with."
        ),
        value_type=schema.TextLine(constraint=_checker(parse_ticket_type)),
        required=False,
        default=list(DEFAULT_TICKET_TYPES),
    )

    tax_categories = schema.List(
        title=_("Municipal tax: kinds of business and rates"),
        description=_(
            "One a line: code|Title|rate in % of gross revenue|legal basis. "
            "A changed rate applies to declarations made after the change; "
            "each declaration keeps the rule it was computed with."
        ),
        value_type=schema.TextLine(constraint=_checker(parse_tax_category)),
        required=False,
        default=list(DEFAULT_TAX_CATEGORIES),
    )

    tax_penalty_per_month = schema.Decimal(
        title=_("Municipal tax: surcharge per month of delay (%)"),
        description=_(
            "Of the tax, for each month or part of a month after the deadline."
        ),
        required=True,
        default=Decimal("2"),
        min=Decimal("0"),
        max=Decimal("100"),
    )

    tax_penalty_cap = schema.Decimal(
        title=_("Municipal tax: surcharge cap (% of the tax)"),
        required=True,
        default=Decimal("100"),
        min=Decimal("0"),
        max=Decimal("1000"),
    )

    tax_penalty_legal_basis = schema.TextLine(
        title=_("Municipal tax: legal basis of the surcharge"),
        required=True,
        default="άρθρο 20 ν. 2539/1997 (προσαύξηση για εκπρόθεσμη δήλωση)",
    )
