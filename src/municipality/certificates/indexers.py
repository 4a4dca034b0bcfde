"""Catalog indexers of certificate applications (``profiles/default/catalog.xml``)."""

from municipality.certificates.content.application import ICertificateApplication
from plone.indexer import indexer


@indexer(ICertificateApplication)
def certificate_kind(obj):
    return obj.kind


@indexer(ICertificateApplication)
def certificate_type(obj):
    if not obj.certificate_type:
        # Not indexed rather than indexed as None.
        raise AttributeError("certificate_type")
    return obj.certificate_type


@indexer(ICertificateApplication)
def certificate_delivery(obj):
    return obj.delivery
