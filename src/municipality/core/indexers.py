"""Catalog indexers of the shared behaviors (indexes in core's ``catalog.xml``).

Reference and protocol numbers are indexed only on items that have the
behavior and a value: a case still waiting for its protocol number is not
in the ``protocol_number`` index at all. (plone.indexer never lets the
catalog acquire these attributes, so an attachment inside a case is not
indexed under the case's number either.)
"""

from municipality.core.behaviors.protocol import IProtocolData
from municipality.core.behaviors.reference import IReferenceNumber
from plone.indexer import indexer


def _present(value, name):
    if not value:
        # Not indexed rather than indexed as None or "".
        raise AttributeError(name)
    return value


@indexer(IReferenceNumber)
def reference_number(obj):
    return _present(getattr(obj, "reference_number", None), "reference_number")


@indexer(IProtocolData)
def protocol_number(obj):
    return _present(getattr(obj, "protocol_number", None), "protocol_number")


@indexer(IProtocolData)
def protocol_date(obj):
    return _present(getattr(obj, "protocol_date", None), "protocol_date")
