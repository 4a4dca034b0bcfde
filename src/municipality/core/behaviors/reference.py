"""Behavior: a case's reference number, given when it is added."""

from municipality import _
from municipality.core.refnumbers import next_number
from plone.autoform.interfaces import IFormFieldProvider
from plone.registry.interfaces import IRegistry
from plone.supermodel import model
from zope import schema
from zope.component import queryUtility
from zope.interface import provider


@provider(IFormFieldProvider)
class IReferenceNumber(model.Schema):
    """A reference number per series and year, e.g. ``ΑΙΤ-2026/000123``."""

    reference_number = schema.TextLine(
        title=_("Reference number"),
        required=False,
        readonly=True,
    )


def series_for(obj):
    """The series of ``obj``'s type: the setting, else the type's name."""
    registry = queryUtility(IRegistry)
    series = (registry.get("municipality.reference.series") if registry else None) or {}
    return series.get(obj.portal_type) or obj.portal_type.upper()[:12]


def assign_reference_number(obj, event):
    """Give a newly added item its number, in the transaction that adds it."""
    if getattr(obj, "reference_number", None):
        return
    obj.reference_number = next_number(series_for(obj))
    obj.reindexObject(idxs=["reference_number"])


def clear_reference_number(obj, event):
    """A copy is a new case: it must not carry the original's number."""
    obj.reference_number = None
