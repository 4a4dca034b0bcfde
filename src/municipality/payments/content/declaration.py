"""A declaration of the municipal tax of one period, with its computation.

Everything on it is written by the system (:mod:`municipality.payments.tax`)
when the business declares: who the business is (from its verified
identity), the inputs, the computation with the rule it applied, and the
token of its card payment. Nobody edits it afterwards; its workflow
(``municipal_tax_declaration_workflow``) moves with the payment.
"""

from municipality import _
from plone.autoform import directives
from plone.dexterity.content import Item
from plone.indexer import indexer
from plone.supermodel import model
from zope import schema
from zope.interface import implementer


# Written by code only (tax.declare and the payment subscriber), never a form.
SYSTEM = "cmf.ManagePortal"

FIELDS = (
    "business_userid",
    "business_afm",
    "business_name",
    "category",
    "category_title",
    "period_kind",
    "period",
    "year",
    "gross_revenue",
    "vat_filing_date",
    "declared_on",
    "calculation",
    "payment_token",
)


class IMunicipalTaxDeclaration(model.Schema):
    """A municipal-tax declaration: the business, the inputs, the computation."""

    business_userid = schema.TextLine(title=_("Account"), required=False)
    business_afm = schema.TextLine(title=_("Business tax number (AFM)"), required=False)
    business_name = schema.TextLine(title=_("Business"), required=False)

    category = schema.TextLine(title=_("Kind of business (code)"), required=False)
    category_title = schema.TextLine(title=_("Kind of business"), required=False)
    period_kind = schema.TextLine(title=_("VAT return"), required=False)
    period = schema.Int(title=_("Period"), required=False)
    year = schema.Int(title=_("Year"), required=False)
    gross_revenue = schema.Decimal(title=_("Gross revenue"), required=False)
    vat_filing_date = schema.Date(title=_("Date of the VAT return"), required=False)
    declared_on = schema.Date(title=_("Declared on"), required=False)

    calculation = schema.Dict(
        title=_("Computation"),
        description=_(
            "The inputs, the rule applied (rate, surcharge, cap, legal basis, "
            "deadline rule, rule version) and the amounts, as computed."
        ),
        key_type=schema.TextLine(),
        value_type=schema.Field(),
        required=False,
    )

    payment_token = schema.TextLine(title=_("Payment"), required=False)

    directives.omitted(*FIELDS)
    directives.write_permission(**dict.fromkeys(FIELDS, SYSTEM))


@implementer(IMunicipalTaxDeclaration)
class MunicipalTaxDeclaration(Item):
    """A municipal-tax declaration (``ΔΦ-2026/000001``)."""

    def get_calculation(self):
        """The stored :class:`~municipality.payments.tax.Calculation`, or ``None``."""
        from municipality.payments.tax import Calculation

        data = getattr(self, "calculation", None)
        return Calculation.from_dict(data) if data else None

    def months(self):
        """The months the declaration covers, ``["2026-01", …]`` (catalog)."""
        from municipality.payments.tax import period_months

        if not (self.period_kind and self.period and self.year):
            return []
        first, last = period_months(self.period_kind, self.period)
        return [f"{self.year}-{month:02d}" for month in range(first, last + 1)]


@indexer(IMunicipalTaxDeclaration)
def municipal_tax_keys(obj):
    """``<afm>|<category>|<yyyy-mm>`` for each month declared: finds the
    declarations that overlap a new one, whichever its VAT period kind."""
    afm = getattr(obj, "business_afm", None)
    category = getattr(obj, "category", None)
    if not (afm and category):
        return []
    return [f"{afm}|{category}|{month}" for month in obj.months()]
