"""Behavior ``municipality.signed_document``: the registry entry of a signed PDF.

The fields are set by code (``verification.record_signed_document``) when a
document is signed and issued, never in a form: the verification code
printed on the document (its QR code leads to ``@@verify-document/<code>``),
the SHA-256 of the exact signed bytes, who signed and when.
"""

from municipality import _
from plone.autoform import directives
from plone.autoform.interfaces import IFormFieldProvider
from plone.supermodel import model
from zope import schema
from zope.interface import provider


FIELDS = ("verification_code", "signed_sha256", "signed_by", "signed_at")


@provider(IFormFieldProvider)
class ISignedDocument(model.Schema):
    """A document issued as a signed PDF, checkable on the public page."""

    directives.omitted(*FIELDS)

    verification_code = schema.ASCIILine(
        title=_("Verification code"),
        required=False,
        readonly=True,
    )

    signed_sha256 = schema.ASCIILine(
        title=_("SHA-256 of the signed file"),
        required=False,
        readonly=True,
    )

    signed_by = schema.TextLine(
        title=_("Signed by"),
        required=False,
        readonly=True,
    )

    signed_at = schema.Datetime(
        title=_("Signed on"),
        required=False,
        readonly=True,
    )


def clear_signature_record(obj, event):
    """A copy was not issued: it must not answer for the original's code or file."""
    for name in FIELDS:
        if getattr(obj, name, None) is not None:
            setattr(obj, name, None)
