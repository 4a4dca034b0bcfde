"""Behavior: the document-protocol number and date of a case."""

from municipality import _
from plone.autoform.interfaces import IFormFieldProvider
from plone.supermodel import model
from zope import schema
from zope.interface import provider


@provider(IFormFieldProvider)
class IProtocolData(model.Schema):
    """Filled in by the outbox when the protocol system registers the case."""

    protocol_number = schema.TextLine(
        title=_("Protocol number"),
        required=False,
        readonly=True,
    )

    protocol_date = schema.Date(
        title=_("Protocol date"),
        required=False,
        readonly=True,
    )
