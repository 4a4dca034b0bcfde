"""Interfaces and the settings schema of ``municipality.signing``."""

from municipality import _
from plone.supermodel import model
from zope import schema
from zope.publisher.interfaces.browser import IDefaultBrowserLayer

import os


REGISTRY_PREFIX = "municipality.signing"


class ISigningLayer(IDefaultBrowserLayer):
    """Marker: the digital signatures add-on is installed on this site."""


class InvalidCertificates(schema.ValidationError):
    """The trusted certificates are not a PEM bundle of X.509 certificates."""

    def doc(self):
        return _(
            "These are not PEM certificates: paste one or more blocks "
            "«-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----». "
            "(${error})",
            mapping={"error": self.args[0] if self.args else ""},
        )


class InvalidModulePath(schema.ValidationError):
    """A PKCS#11 module that is not an absolute path to a shared library."""

    def doc(self):
        return _(
            "«${path}» is not a PKCS#11 module: write the absolute path of the "
            "token's library, e.g. /usr/lib/softhsm/libsofthsm2.so.",
            mapping={"path": self.args[0] if self.args else ""},
        )


def valid_pem_bundle(value):
    """Constraint of ``trusted_certificates``: every block is a certificate."""
    from municipality.signing.pki import load_pem_certificates

    if not value or not value.strip():
        return True
    try:
        certificates = load_pem_certificates(value.encode("utf-8"))
    except ValueError as exc:
        raise InvalidCertificates(str(exc)) from None
    if not certificates:
        raise InvalidCertificates("0")
    return True


def valid_module_path(value):
    value = (value or "").strip()
    if not os.path.isabs(value) or not value.endswith((".so", ".dll", ".dylib")):
        raise InvalidModulePath(value)
    return True


class ISigningSettings(model.Schema):
    """The «Digital signatures» control panel, under ``municipality.signing``."""

    trusted_certificates = schema.Text(
        title=_("Trusted certificates"),
        description=_(
            "PEM certificates of the certification authorities whose signatures "
            "and timestamps are accepted when a signed document is verified "
            "(the qualified providers the employees' certificates come from and "
            "the time-stamping authority)."
        ),
        required=False,
        default="",
        constraint=valid_pem_bundle,
    )

    tsa_url = schema.URI(
        title=_("Time-stamping authority (RFC 3161) address"),
        description=_(
            "Every signature gets a timestamp from this server, e.g. "
            "https://timestamp.aped.gov.gr/qtss. Empty: signatures carry only "
            "the signer's computer time."
        ),
        required=False,
    )

    tsa_username = schema.TextLine(
        title=_("Time-stamping authority user name"),
        description=_("Only if the server asks for HTTP basic authentication."),
        required=False,
        default="",
    )

    tsa_password = schema.Password(
        title=_("Time-stamping authority password"),
        required=False,
        default="",
    )

    tsa_timeout = schema.Float(
        title=_("Time-stamping authority timeout (seconds)"),
        required=True,
        default=10.0,
        min=0.5,
        max=120.0,
    )

    tsa_required = schema.Bool(
        title=_("Refuse to sign without a timestamp"),
        description=_(
            "When the time-stamping authority cannot be reached: if checked, "
            "signing fails with a clear message and can be tried again later; "
            "if not, the document is signed without a timestamp and the event "
            "is logged."
        ),
        required=False,
        default=True,
    )

    reason = schema.TextLine(
        title=_("Reason of the signature"),
        description=_("Shown by PDF readers beside the signature."),
        required=False,
        default="Ψηφιακή υπογραφή εγγράφου του Δήμου",
    )

    location = schema.TextLine(
        title=_("Place of signing"),
        description=_("Empty: the municipality's name (Municipality settings)."),
        required=False,
        default="",
    )

    pkcs11_modules = schema.List(
        title=_("Allowed PKCS#11 modules"),
        description=_(
            "Absolute paths of the token libraries administrators may choose for "
            "an employee's hardware token (one a line), e.g. "
            "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so. Only these are ever "
            "loaded."
        ),
        value_type=schema.TextLine(constraint=valid_module_path),
        required=False,
        default=[],
    )
