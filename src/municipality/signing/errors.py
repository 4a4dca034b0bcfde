"""The errors of ``municipality.signing``; :mod:`.api` re-exports them."""

from municipality import _


class SigningError(Exception):
    """Signing or storing a credential failed.

    ``message`` is a translatable message (msgid of the ``municipality``
    domain, maybe with a mapping) to show to the user; ``str(error)`` is
    for the log.
    """

    default_message = _("The document could not be signed.")

    def __init__(self, message=None, detail=None):
        self.message = message if message is not None else self.default_message
        self.detail = detail
        text = str(self.message)
        mapping = getattr(self.message, "mapping", None)
        if mapping:
            text = f"{text} {mapping}"
        super().__init__(f"{text} ({detail})" if detail else text)


class NoCredential(SigningError):
    """The user has no (usable) signing credential."""

    default_message = _(
        "You have no signing certificate. Add one at «My signing certificate», "
        "or ask an administrator."
    )


class InvalidCredential(SigningError):
    """An uploaded or configured credential was refused; nothing was stored."""

    default_message = _("The certificate was not accepted.")


class CredentialLocked(SigningError):
    """A stored credential cannot be decrypted (a missing or different master key)."""

    default_message = _(
        "The stored signing certificate cannot be opened with this server's "
        "master key. An administrator must check the master key file or "
        "upload the certificate again."
    )


class TokenUnavailable(SigningError):
    """The PKCS#11 token could not be opened or used."""

    default_message = _(
        "The hardware token could not be used: check that it is connected "
        "and that its PIN is right."
    )


class TimestampUnavailable(SigningError):
    """The time-stamping authority did not give a timestamp."""

    default_message = _(
        "The time-stamping authority cannot be reached, so the document was "
        "not signed. Please try again in a few minutes."
    )
