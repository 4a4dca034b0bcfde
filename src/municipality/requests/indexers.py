"""Catalog indexers of citizen requests (indexes in ``profiles/default/catalog.xml``).

``tracking_token_hash`` needs none: the catalog reads the attribute
directly. ``reference_number`` and ``protocol_number`` are indexed by
municipality.core, whose behaviors give them.
"""

from DateTime import DateTime
from municipality.requests.content.citizen_request import ICitizenRequest
from plone.indexer import indexer


def as_datetime(day):
    """A ``date`` as the ``DateTime`` a DateIndex keeps.

    Noon in Greece, so that the date read back in any European time zone is
    the same day.
    """
    if day is None:
        return None
    return DateTime(f"{day.isoformat()} 12:00:00 GMT+2")


@indexer(ICitizenRequest)
def request_kind(obj):
    return obj.kind


@indexer(ICitizenRequest)
def request_department(obj):
    if not obj.department:
        # Not indexed rather than indexed as None.
        raise AttributeError("department")
    return obj.department


@indexer(ICitizenRequest)
def request_deadline(obj):
    if obj.deadline is None:
        raise AttributeError("deadline")
    return as_datetime(obj.deadline)
