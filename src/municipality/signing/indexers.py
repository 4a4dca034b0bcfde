"""Catalog indexers of the signed-document behavior (indexes in ``catalog.xml``).

Only items that carry the behavior and a value are indexed: an unsigned
draft is not in the ``verification_code`` index at all.
"""

from municipality.signing.behaviors import ISignedDocument
from plone.indexer import indexer


def _present(value, name):
    if not value:
        raise AttributeError(name)
    return value


@indexer(ISignedDocument)
def verification_code(obj):
    return _present(getattr(obj, "verification_code", None), "verification_code")


@indexer(ISignedDocument)
def signed_sha256(obj):
    return _present(getattr(obj, "signed_sha256", None), "signed_sha256")
