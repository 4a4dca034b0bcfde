"""Hardware tokens (PKCS#11) through pyHanko's PKCS#11 signer.

A session is opened and logged in once per stored credential and kept by
the api's process cache (its :class:`~.signer.DocumentSigner` serialises the
operations on it, since a PKCS#11 session runs one operation at a time). A
session that breaks (token pulled out, module reset) is dropped and opened
again once.
"""

from cryptography import x509
from municipality import _
from municipality.signing.errors import TokenUnavailable
from municipality.signing.signer import DocumentSigner
from pyhanko.config.pkcs11 import TokenCriteria
from pyhanko.sign.pkcs11 import open_pkcs11_session
from pyhanko.sign.pkcs11 import PKCS11Signer

import logging
import pkcs11


logger = logging.getLogger(__name__)


def open_signer(module_path, token_label, pin, key_label=None, key_id=None):
    """``(PKCS11Signer, session)`` with the key and certificate loaded.

    :raises TokenUnavailable: the module, token, key or certificate cannot be
        found or the PIN is wrong.
    """
    criteria = TokenCriteria(label=token_label)
    try:
        try:
            session = open_pkcs11_session(
                module_path, token_criteria=criteria, user_pin=pin or None
            )
        except pkcs11.exceptions.UserAlreadyLoggedIn:
            # PKCS#11 logs in an application, not a session: another open
            # session of ours (another credential on this token) already did.
            session = open_pkcs11_session(module_path, token_criteria=criteria)
    except pkcs11.exceptions.PinIncorrect:
        raise TokenUnavailable(
            _("The token's PIN is wrong."), detail=token_label
        ) from None
    except pkcs11.exceptions.PinLocked:
        raise TokenUnavailable(
            _("The token's PIN is locked after too many wrong tries."),
            detail=token_label,
        ) from None
    except (pkcs11.PKCS11Error, OSError, RuntimeError) as exc:
        raise TokenUnavailable(
            _(
                "The token «${label}» was not found. Check that it is connected "
                "and that its label is right.",
                mapping={"label": token_label},
            ),
            detail=f"{type(exc).__name__}: {exc}",
        ) from exc
    signer = PKCS11Signer(
        session,
        key_label=key_label,
        key_id=key_id,
        # Certificates are looked up by the key's label/id; no bulk pull of
        # every certificate on the token.
        other_certs_to_pull=(),
    )
    try:
        signer._load_objects()
    except (pkcs11.PKCS11Error, ValueError) as exc:
        _close(session)
        raise TokenUnavailable(
            _(
                "The key or its certificate was not found on the token: check "
                "the key's label or id."
            ),
            detail=f"{type(exc).__name__}: {exc}",
        ) from exc
    return signer, session


def _close(session):
    try:
        session.close()
    except Exception:  # noqa: BLE001 - a broken session may not close
        logger.debug("Closing a PKCS#11 session failed", exc_info=True)


def token_certificate(module_path, token_label, pin, key_label=None, key_id=None):
    """The certificate of the key on the token (``cryptography``), checking the PIN."""
    signer, session = open_signer(module_path, token_label, pin, key_label, key_id)
    try:
        return x509.load_der_x509_certificate(signer.signing_cert.dump())
    finally:
        _close(session)


def document_signer(module_path, token_label, pin, key_label=None, key_id=None):
    """A :class:`DocumentSigner` on a logged-in session of the token."""
    signer, session = open_signer(module_path, token_label, pin, key_label, key_id)
    document_signer = DocumentSigner(
        signer, serialize=True, on_close=lambda: _close(session)
    )
    document_signer.token = (module_path, token_label)
    return document_signer
