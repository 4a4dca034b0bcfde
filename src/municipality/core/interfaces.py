"""Interfaces and settings schemas of the municipality core add-on."""

from municipality import _
from plone.autoform import directives
from plone.formwidget.namedfile.widget import NamedImageFieldWidget
from plone.supermodel import model
from zope import schema
from zope.publisher.interfaces.browser import IDefaultBrowserLayer


class NotDigits(schema.ValidationError):
    __doc__ = _("Only digits are allowed.")


def digits_only(value):
    """Constraint of codes made of digits, with a message that says so."""
    if not value.isdigit():
        raise NotDigits(value)
    return True


class IMunicipalityLayer(IDefaultBrowserLayer):
    """Browser layer of the core add-on: its views exist only where it is installed."""


class IMunicipalitySettings(model.Schema):
    """Who the municipality is: the «Municipality» control panel, general part.

    Stored in plone.registry under the prefix ``municipality``.
    """

    name_el = schema.TextLine(
        title=_("Name (Greek)"),
        description=_("As it appears on documents, e.g. «Δήμος Παραδείγματος»."),
        required=True,
        default="Δήμος Παραδείγματος",
    )

    name_en = schema.TextLine(
        title=_("Name (English)"),
        required=True,
        default="Municipality of Paradeigma",
    )

    code = schema.TextLine(
        title=_("Municipality code"),
        description=_(
            "The code that identifies the municipality in the national systems "
            "(traffic tickets, payment codes)."
        ),
        required=True,
        default="9999",
        constraint=digits_only,
    )

    tax_number = schema.TextLine(
        title=_("Tax number (ΑΦΜ)"),
        required=False,
        default="",
    )

    address = schema.TextLine(
        title=_("Street address"),
        required=False,
        default="Πλατεία Δημαρχείου 1",
    )

    postal_code = schema.TextLine(
        title=_("Postal code"),
        required=False,
        default="10000",
    )

    city = schema.TextLine(
        title=_("City"),
        required=False,
        default="Παράδειγμα",
    )

    phone = schema.TextLine(
        title=_("Telephone"),
        required=False,
        default="+30 210 0000000",
    )

    email = schema.ASCIILine(
        title=_("Contact email"),
        required=False,
        default="info@example.gov.gr",
    )

    opening_hours = schema.TextLine(
        title=_("Opening hours of the citizens' service desk"),
        required=False,
        default="Δευτέρα–Παρασκευή 08:00–15:00",
    )

    directives.widget("logo", NamedImageFieldWidget)
    logo = schema.Bytes(
        title=_("Logo"),
        description=_(
            "The municipality's emblem, shown in the header and on documents."
        ),
        required=False,
    )


class IExternalSystemSettings(model.Schema):
    """What every external system needs: where it is, who we are, how long to wait.

    Each system has its own sub-interface and registry prefix
    (``municipality.protocol`` …); the issue that builds its client adds the
    fields only it needs (a bank's merchant id, TaxisNet's client secret).
    """

    url = schema.URI(
        title=_("Service address (URL)"),
        required=True,
    )

    username = schema.TextLine(
        title=_("User name"),
        required=False,
        default="",
    )

    password = schema.Password(
        title=_("Password or key"),
        required=False,
        default="",
    )

    timeout = schema.Float(
        title=_("Timeout (seconds)"),
        description=_(
            "How long to wait for an answer before treating the system as down."
        ),
        required=True,
        default=10.0,
        min=0.5,
        max=120.0,
    )


class IProtocolSettings(IExternalSystemSettings):
    """The document protocol (registry) system."""


class IFinanceSettings(IExternalSystemSettings):
    """The finance system: debts, payments, payment orders, fines register."""


BANK_GATEWAYS = ("modirum",)


class IBankSettings(IExternalSystemSettings):
    """The bank's card-payment gateway.

    The service address is the gateway's host (Cardlink
    ``https://ecommerce.cardlink.gr``, test ``https://ecommerce-test.cardlink.gr``;
    Nexi/Alpha Bank and Worldline/Eurobank the same software on their own
    hosts); the client adds ``/vpos/shophandlermpi`` and
    ``/vpos/xmlpayvpos``. The user name and password of the other systems
    are not used: the merchant id and the shared secret sign every message.
    """

    gateway = schema.Choice(
        title=_("Gateway"),
        description=_(
            "The bank's payment software. modirum: Cardlink, Nexi (Alpha Bank) "
            "and Worldline (Eurobank) VPOS redirect."
        ),
        values=BANK_GATEWAYS,
        required=True,
        default="modirum",
    )

    merchant_id = schema.TextLine(
        title=_("Merchant id (MID)"),
        description=_(
            "The merchant id the bank gave the municipality. The shipped value "
            "is the simulator's demo merchant."
        ),
        required=False,
        default="0020000000",
    )

    shared_secret = schema.Password(
        title=_("Shared secret"),
        description=_(
            "The secret the bank gave with the merchant id; every message to "
            "and from the bank is signed with it. Leave empty on save to keep "
            "the stored one."
        ),
        required=False,
        default="Cardlink1",
    )


TAXISNET_VARIANTS = ("oauth2server", "oauth2servergov", "oauth2serverotp")


class ITaxisNetSettings(IExternalSystemSettings):
    """TaxisNet (GSIS) OAuth2 login.

    The service address is GSIS's base (``https://oauth2.gsis.gr``, test
    ``https://test.gsis.gr``); the user name and password of the other
    systems are not used: GSIS identifies the portal by its client id and
    secret, sent in the body of the token request.
    """

    client_id = schema.TextLine(
        title=_("Client id"),
        description=_(
            "The client id GSIS gave the municipality when it registered the "
            "portal for TaxisNet login. The shipped value is the simulator's "
            "demo client."
        ),
        required=False,
        default="municipality-demo",
    )

    client_secret = schema.Password(
        title=_("Client secret"),
        description=_(
            "The secret GSIS gave with the client id. Leave empty on save to "
            "keep the stored one."
        ),
        required=False,
        default="demo-secret",
    )

    variant = schema.Choice(
        title=_("GSIS login service"),
        description=_(
            "oauth2server: every taxpayer (citizens, businesses); "
            "oauth2servergov: civil servants; oauth2serverotp: with a one-time code."
        ),
        values=TAXISNET_VARIANTS,
        required=True,
        default="oauth2server",
    )


class IDiavgeiaSettings(IExternalSystemSettings):
    """Diavgeia, the transparency portal."""


# Registry prefix -> (schema, tab title). One tab each in the control panel.
EXTERNAL_SYSTEMS = {
    "protocol": (IProtocolSettings, _("Document protocol")),
    "finance": (IFinanceSettings, _("Finance system")),
    "bank": (IBankSettings, _("Bank card payments")),
    "taxisnet": (ITaxisNetSettings, _("TaxisNet login")),
    "diavgeia": (IDiavgeiaSettings, _("Diavgeia")),
}


class IOutboxSettings(model.Schema):
    """How the outbox delivers calls to external systems and emails.

    Stored under the prefix ``municipality.outbox``.
    """

    base_delay = schema.Int(
        title=_("First retry after (seconds)"),
        description=_(
            "A failed delivery is retried after this delay, doubled after each "
            "further failure. There is no limit on the number of attempts."
        ),
        required=True,
        default=15,
        min=1,
        max=3600,
    )

    max_delay = schema.Int(
        title=_("Longest wait between retries (seconds)"),
        required=True,
        default=1800,
        min=1,
        max=86400,
    )

    alert_after = schema.Int(
        title=_("Alert operators after (minutes)"),
        description=_(
            "When an item has been failing for longer than this, the operators "
            "are emailed once about it."
        ),
        required=True,
        default=30,
        min=1,
        max=10080,
    )

    alert_email = schema.ASCIILine(
        title=_("Operators' email"),
        description=_(
            "Where outbox alerts go. Empty: the site's sender address "
            "(Site Setup → Mail)."
        ),
        required=False,
        default="",
    )

    retention_days = schema.Int(
        title=_("Keep delivered items for (days)"),
        required=True,
        default=90,
        min=1,
        max=3650,
    )


class IReferenceSettings(model.Schema):
    """Reference-number series, stored under the prefix ``municipality.reference``."""

    series = schema.Dict(
        title=_("Reference number series"),
        description=_(
            "The series code of each kind of case, e.g. «ΑΙΤ» gives ΑΙΤ-2026/000123. "
            "A changed code applies to new cases only."
        ),
        key_type=schema.ASCIILine(title=_("Content type")),
        value_type=schema.TextLine(title=_("Series")),
        required=False,
        default={"CitizenRequest": "ΑΙΤ"},
    )
