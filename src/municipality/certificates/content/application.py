"""An application for a civil-registry certificate or a ΤΑΠ non-debt certificate."""

from municipality import _
from municipality.certificates.validation import check_conditional
from municipality.certificates.validation import is_email
from municipality.certificates.validation import is_supply_number
from municipality.certificates.validation import text_constraint
from plone.app.content.interfaces import INameFromTitle
from plone.autoform import directives
from plone.dexterity.content import Item
from plone.namedfile.field import NamedBlobFile
from plone.supermodel import model
from zope import schema
from zope.component import adapter
from zope.interface import implementer
from zope.interface import Invalid
from zope.interface import invariant

import secrets


# Staff read and write these; the workflow gives the permission to the case
# handlers while the application is open.
HANDLE_CASES = "municipality.HandleCitizenCases"
# Set by code only (the add-on's subscribers, api and issuing), never a form.
SYSTEM = "cmf.ManagePortal"

PURPOSE_MAX = 2000
ADDRESS_MAX = 300
POSTAL_ADDRESS_MAX = 500
UNIT_MAX = 100
REASON_MAX = 5000
NOTE_MAX = 5000

KIND_CIVIL_REGISTRY = "civil_registry"
KIND_TAP = "tap"


class ICertificateApplication(model.Schema):
    """What the applicant writes, what the staff add, what the system records."""

    kind = schema.Choice(
        title=_("Certificate"),
        vocabulary="municipality.certificates.kinds",
        required=True,
        default=KIND_CIVIL_REGISTRY,
    )

    certificate_type = schema.Choice(
        title=_("Kind of certificate"),
        description=_("For a civil-registry certificate."),
        vocabulary="municipality.certificates.types",
        required=False,
    )

    model.fieldset(
        "property",
        label=_("Property"),
        fields=[
            "property_address",
            "property_supply_number",
            "property_area",
            "property_municipal_unit",
        ],
    )

    property_address = schema.TextLine(
        title=_("Address of the property"),
        description=_("Street and number, e.g. Ερμού 10."),
        required=False,
        max_length=ADDRESS_MAX,
        constraint=text_constraint(ADDRESS_MAX, required=False),
    )

    property_supply_number = schema.TextLine(
        title=_("Electricity supply number"),
        description=_(
            "The supply number on the electricity bill: the ΤΑΠ is billed on it."
        ),
        required=False,
        max_length=40,
        constraint=is_supply_number,
    )

    property_area = schema.Int(
        title=_("Area (m²)"),
        required=False,
        min=1,
        max=1_000_000,
    )

    property_municipal_unit = schema.TextLine(
        title=_("Municipal unit"),
        required=False,
        max_length=UNIT_MAX,
        constraint=text_constraint(UNIT_MAX, required=False),
    )

    purpose = schema.Text(
        title=_("Purpose"),
        description=_(
            "Why you need it and for which authority, with any details or remarks."
        ),
        required=True,
        max_length=PURPOSE_MAX,
        constraint=text_constraint(PURPOSE_MAX),
    )

    delivery = schema.Choice(
        title=_("Delivery"),
        vocabulary="municipality.certificates.deliveries",
        required=True,
        default="download",
    )

    delivery_email = schema.TextLine(
        title=_("Email for the certificate"),
        required=False,
        max_length=254,
        constraint=is_email,
    )

    postal_address = schema.Text(
        title=_("Postal address"),
        description=_("Street and number, postal code, town."),
        required=False,
        max_length=POSTAL_ADDRESS_MAX,
        constraint=text_constraint(POSTAL_ADDRESS_MAX, required=False),
    )

    model.fieldset(
        "handling",
        label=_("Handling"),
        fields=["staff_note"],
    )

    directives.read_permission(staff_note=HANDLE_CASES)
    directives.write_permission(staff_note=HANDLE_CASES)
    staff_note = schema.Text(
        title=_("Internal note"),
        description=_("For the staff only: never shown to the applicant."),
        required=False,
        max_length=NOTE_MAX,
    )

    model.fieldset(
        "record",
        label=_("Record"),
        fields=[
            "applicant_userid",
            "applicant_fullname",
            "applicant_afm",
            "applicant_fathername",
            "rejection_reason",
            "issued_by",
            "issued_at",
            "certificate_file",
        ],
    )

    directives.omitted(
        "applicant_userid",
        "applicant_fullname",
        "applicant_afm",
        "applicant_fathername",
        "rejection_reason",
        "issued_by",
        "issued_at",
        "certificate_file",
    )
    directives.write_permission(
        applicant_userid=SYSTEM,
        applicant_fullname=SYSTEM,
        applicant_afm=SYSTEM,
        applicant_fathername=SYSTEM,
        rejection_reason=SYSTEM,
        issued_by=SYSTEM,
        issued_at=SYSTEM,
        certificate_file=SYSTEM,
    )

    applicant_userid = schema.TextLine(title=_("Applicant's user id"), required=False)
    applicant_fullname = schema.TextLine(title=_("Applicant"), required=False)
    applicant_afm = schema.TextLine(
        title=_("Applicant's tax number (ΑΦΜ)"), required=False
    )
    applicant_fathername = schema.TextLine(
        title=_("Applicant's father's name"), required=False
    )
    rejection_reason = schema.Text(title=_("Reason for the rejection"), required=False)
    issued_by = schema.TextLine(title=_("Issued by"), required=False)
    issued_at = schema.Datetime(title=_("Issued on"), required=False)
    certificate_file = NamedBlobFile(title=_("Certificate"), required=False)

    @invariant
    def kind_and_delivery_fields(data):
        """What the kind and the delivery method require (also for Plone's forms)."""
        values = {
            name: getattr(data, name, None)
            for name in (
                "kind",
                "certificate_type",
                "property_address",
                "property_supply_number",
                "property_municipal_unit",
                "delivery",
                "delivery_email",
                "postal_address",
            )
        }
        errors = check_conditional(values)
        if errors:
            raise Invalid(next(iter(errors.values())))


@implementer(ICertificateApplication)
class CertificateApplication(Item):
    """A certificate application; the signed PDF is its ``certificate_file``."""

    def is_tap(self):
        return self.kind == KIND_TAP


@implementer(INameFromTitle)
@adapter(ICertificateApplication)
class NameFromNothing:
    """An application's id says nothing about it: ``application-3f9c1a2b``."""

    def __init__(self, context):
        self.title = f"application-{secrets.token_hex(4)}"
