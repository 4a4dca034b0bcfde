"""Issuing a certificate: the PDF, the employee's signature, the record, the mail.

::

    from municipality.certificates.issuing import issue, IssuingError

    try:
        issue(application, actor_userid)
    except IssuingError as e:
        show(e.message)   # a msgid of the «municipality» domain

:func:`issue` works in the caller's transaction and in this order:

1. **checks** that change nothing: the application is in progress, the
   actor may handle citizen cases and has a signing credential, the record
   has what the certificate prints;
2. for ΤΑΠ, **the finance system** (a read-only call, before any write):
   debts, an unknown property or a finance system that cannot answer stop
   the issuing;
3. a new **verification code**, the **PDF** (:mod:`.pdf`) with its QR code,
   and the **signature** with the actor's own credential (PAdES);
4. the **writes**, under a savepoint: the signed file
   (``certificate_file``), the signature record (verification code,
   SHA-256, signer, time), ``issued_by``/``issued_at``, the ``issue``
   transition as the actor, and, when the applicant asked for it, the
   email with the PDF attached (an outbox item of kind
   ``certificates.mail``, one per application).

Any failure raises :class:`IssuingError` and leaves the application as it
was: nothing is written before step 4, and a failure in step 4 rolls the
savepoint back. The email carries no PDF in the outbox: the handler loads
the signed file from the application when it sends, and marks the
application delivered once the mail is out.
"""

from datetime import datetime
from datetime import UTC
from decimal import Decimal
from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr
from email.utils import formatdate
from municipality import _
from municipality import logger
from municipality.certificates import finance_check
from municipality.certificates.pdf import render_certificate
from municipality.core import outbox
from municipality.core.notifications import _registry_value
from municipality.core.notifications import municipality_name
from pathlib import Path
from plone import api
from plone.app.uuid.utils import uuidToObject
from plone.namedfile.file import NamedBlobFile
from Products.CMFCore.utils import getToolByName
from zope.component.hooks import getSite
from zope.interface import implementer

import quopri
import string
import transaction


HANDLE_CASES = "municipality: Handle citizen cases"
ISSUABLE_STATES = ("in_progress",)
MAIL_KIND = "certificates.mail"
MAIL_TEMPLATES = Path(__file__).parent / "mail_templates"
PDF_TYPE = "application/pdf"
SIGNING_SETUP_VIEW = "@@my-signing-certificate"


class IssuingError(Exception):
    """The certificate was not issued; nothing was changed.

    ``message`` is a translatable message (msgid of the ``municipality``
    domain, maybe with a mapping) for the employee; ``str(error)`` is for
    the log.
    """

    def __init__(self, message, detail=None):
        self.message = message
        self.detail = detail
        text = str(message)
        mapping = getattr(message, "mapping", None)
        if mapping:
            text = f"{text} {mapping}"
        super().__init__(f"{text} ({detail})" if detail else text)


# -- checks -------------------------------------------------------------------


def _state(application):
    return api.content.get_state(application, default=None)


def check_can_issue(application, actor_userid):
    """Raise :class:`IssuingError` unless ``actor_userid`` may issue now.

    Only checks that need no external system: the state, the actor's
    permission and credential, the data the certificate prints.
    """
    from municipality.signing.api import has_credential

    if _state(application) not in ISSUABLE_STATES:
        if getattr(application, "certificate_file", None) is not None:
            raise IssuingError(_("This certificate has already been issued."))
        raise IssuingError(
            _("Only an application in progress can be issued: start handling it first.")
        )
    actor = api.user.get(userid=actor_userid) if actor_userid else None
    if actor is None or not api.user.has_permission(
        HANDLE_CASES, user=actor, obj=application
    ):
        raise IssuingError(_("You may not issue certificates."))
    if not has_credential(actor_userid):
        raise IssuingError(no_credential_message())
    if not (getattr(application, "applicant_fullname", None) or "").strip():
        raise IssuingError(
            _("The application has no applicant's name to print on the certificate.")
        )
    if not getattr(application, "reference_number", None):
        raise IssuingError(_("The application has no reference number yet."))


def no_credential_message():
    return _(
        "You have no signing certificate, so you cannot sign certificates. "
        "Set it up at «My signing certificate» (${url}) or ask an administrator.",
        mapping={"url": f"{api.portal.get().absolute_url()}/{SIGNING_SETUP_VIEW}"},
    )


def format_amount(amount):
    """``Decimal("1234.5")`` → «1.234,50 €», as Greek documents write money."""
    text = f"{Decimal(amount):,.2f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".") + " €"


def check_tap_debts(application):
    """For ΤΑΠ: raise :class:`IssuingError` unless the property owes nothing.

    :returns: the finance system's ``TapStatement`` of the property (its
        address, area and unit are what the certificate prints), or ``None``
        for other kinds.
    """
    if getattr(application, "kind", None) != "tap":
        return None
    try:
        statement = finance_check.tap_statement(application)
        debts = list(statement.debts)
    except finance_check.FinanceUnavailable as e:
        raise IssuingError(
            _(
                "The finance system cannot be reached right now, so the ΤΑΠ "
                "debts cannot be checked and the certificate was not issued. "
                "Please try again later."
            ),
            detail=str(e),
        ) from e
    except finance_check.FinanceCheckError as e:
        raise IssuingError(e.message, detail=str(e)) from e
    if debts:
        total = sum((Decimal(str(debt.amount)) for debt in debts), Decimal(0))
        raise IssuingError(
            _(
                "The property owes ΤΑΠ (${count} unpaid charge(s), ${total} in "
                "total): a non-debt certificate cannot be issued. Reject the "
                "application with this reason, or wait until the debt is paid.",
                mapping={"count": len(debts), "total": format_amount(total)},
            )
        )
    return statement


# -- names --------------------------------------------------------------------

# ELOT 743, letter by letter: enough for an ASCII file name.
_GREEK_TO_LATIN = dict(
    zip(
        "ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩαβγδεζηθικλμνξοπρσςτυφχψωΆΈΉΊΌΎΏάέήίόύώϊϋΐΰΪΫ",
        [
            *"A V G D E Z I TH I K L M N X O P R S T Y F CH PS O".split(),
            *"a v g d e z i th i k l m n x o p r s s t y f ch ps o".split(),
            *"A E I I O Y O a e i i o y o i y i y I Y".split(),
        ],
        strict=True,
    )
)


def transliterate(text):
    """Greek letters as Latin ones (ELOT 743, simplified): «ΠΙΣ» → «PIS»."""
    return "".join(_GREEK_TO_LATIN.get(char, char) for char in text)


def certificate_filename(application):
    """«ΠΙΣ-2026-000123.pdf» from the reference number «ΠΙΣ-2026/000123»."""
    reference = getattr(application, "reference_number", None) or "certificate"
    safe = "".join(
        char if char.isalnum() or char in "-_" else "-" for char in reference
    )
    return f"{safe}.pdf"


def ascii_filename(filename):
    """The file name for clients that cannot take UTF-8 ones: «PIS-2026-000123.pdf»."""
    latin = transliterate(filename)
    return "".join(
        char if char.isascii() and char.isprintable() else "_" for char in latin
    )


# -- issuing ------------------------------------------------------------------


def _fullname(userid):
    user = api.user.get(userid=userid)
    fullname = user.getProperty("fullname", "") if user is not None else ""
    return fullname or userid


def issue(application, actor_userid, *, now=None):
    """Issue ``application``'s certificate, signed by ``actor_userid``.

    Renders the PDF, signs it with the actor's own credential, stores it
    with its signature record, does the ``issue`` transition as the actor
    and, for delivery by email, enqueues the mail with the PDF.

    :param now: The issue time (aware); the current time by default.
    :returns: The signed PDF's bytes.
    :raises IssuingError: when it cannot be issued; nothing was changed.
    """
    from municipality.signing import api as signing
    from municipality.signing.verification import new_verification_code
    from municipality.signing.verification import verification_url

    check_can_issue(application, actor_userid)
    tap_property = check_tap_debts(application)

    issued_at = now or datetime.now(UTC)
    code = new_verification_code()
    try:
        unsigned = render_certificate(
            application,
            verification_url=verification_url(code),
            issued_at=issued_at,
            issuer_fullname=_fullname(actor_userid),
            verification_code=code,
            tap_property=tap_property,
        )
    except ValueError as e:
        raise IssuingError(
            _(
                "The certificate's text does not fit on one page: shorten the "
                "purpose or the address of the application."
            ),
            detail=str(e),
        ) from e
    try:
        signed = signing.sign_pdf(
            unsigned,
            actor_userid,
            reason=f"Έκδοση {getattr(application, 'reference_number', '')}".strip(),
        )
    except signing.NoCredential as e:
        raise IssuingError(no_credential_message(), detail=str(e)) from e
    except signing.SigningError as e:
        raise IssuingError(e.message, detail=str(e)) from e

    savepoint = transaction.savepoint()
    try:
        _store(application, signed, code, actor_userid, issued_at)
    except Exception as e:
        savepoint.rollback()
        logger.exception("Issuing %s failed", application.absolute_url())
        message = getattr(e, "message", None)
        raise IssuingError(
            message or _("The certificate could not be issued."), detail=repr(e)
        ) from e
    logger.info(
        "Certificate %s issued by %s (code %s)",
        getattr(application, "reference_number", ""),
        actor_userid,
        code,
    )
    return signed


def _store(application, signed, code, actor_userid, issued_at):
    from municipality.signing.verification import record_signed_document

    application.certificate_file = NamedBlobFile(
        data=signed,
        contentType=PDF_TYPE,
        filename=certificate_filename(application),
    )
    record_signed_document(application, code, signed, actor_userid)
    application.issued_by = actor_userid
    application.issued_at = issued_at
    workflow = getToolByName(application, "portal_workflow")
    with api.env.adopt_user(username=actor_userid):
        workflow.doActionFor(application, "issue")
    application.reindexObject()
    if getattr(application, "delivery", None) == "email":
        enqueue_certificate_mail(application)


# -- the email with the certificate -------------------------------------------


def mail_key(application):
    """One certificate mail per application, whatever retries or repeats."""
    return f"{MAIL_KIND}:{application.UID()}"


def render_mail(template, mapping):
    """``{"subject", "body"}`` of ``mail_templates/<template>.txt`` with ``mapping``.

    As :func:`municipality.core.notifications.render`: the first line is
    ``Subject: …``; unknown placeholders stay as they are.
    """
    text = (MAIL_TEMPLATES / f"{template}.txt").read_text(encoding="utf-8")
    head, _sep, body = text.partition("\n\n")
    values = {
        "municipality": municipality_name(),
        "phone": _registry_value("municipality.phone"),
        "email": _registry_value("municipality.email"),
    }
    values.update({k: "" if v is None else str(v) for k, v in mapping.items()})
    subject = string.Template(head[len("Subject:") :].strip()).safe_substitute(values)
    return {
        "subject": " ".join(subject.split()),
        "body": string.Template(body).safe_substitute(values).strip() + "\n",
    }


def enqueue_certificate_mail(application):
    """Enqueue the mail with the signed PDF to the applicant; return the item.

    The payload holds the rendered text and the address, not the PDF: the
    handler reads the file from the application when it sends.
    """
    from municipality.certificates import api as certificates
    from municipality.certificates.subscribers import mapping
    from municipality.signing.verification import verification_url

    to = certificates.applicant_email(application)
    if not to:
        raise IssuingError(
            _("The application asks for delivery by email but gives no address.")
        )
    message = render_mail(
        "certificate_sent",
        mapping(
            application,
            verification_url=verification_url(application.verification_code),
        ),
    )
    payload = {"to": to, **message}
    return outbox.enqueue(
        MAIL_KIND, payload, key=mail_key(application), context=application
    )


@implementer(outbox.IOutboxHandler)
class CertificateMailHandler:
    """Sends the signed certificate attached; marks the application delivered."""

    title = "Certificate by email"

    def deliver(self, item):
        application = uuidToObject(item.context_uid, unrestricted=True)
        blob = getattr(application, "certificate_file", None)
        if application is None or blob is None:
            # Deleted, or its certificate withdrawn: nothing to send, ever.
            logger.warning(
                "No certificate to email for %s (%r)", item.context_uid, application
            )
            return {"skipped": "no certificate"}
        site = getSite()
        mailhost = getToolByName(site, "MailHost")
        from_address = _registry_value("plone.email_from_address")
        if not from_address:
            raise ValueError("No sender address (Site Setup → Mail)")
        message = MIMEMultipart("mixed")
        message["Subject"] = Header(item.payload["subject"], "utf-8")
        message["From"] = formataddr(
            (_registry_value("plone.email_from_name"), from_address), "utf-8"
        )
        message["To"] = item.payload["to"]
        message["Date"] = formatdate(localtime=True)
        domain = from_address.rpartition("@")[2] or "localhost"
        message["Message-ID"] = f"<{item.id}@{domain}>"
        message["X-Municipality-Key"] = item.key
        text = MIMEText(item.payload["body"], "plain", "utf-8")
        text.replace_header("Content-Transfer-Encoding", "quoted-printable")
        text.set_payload(
            quopri.encodestring(item.payload["body"].encode("utf-8")).decode("ascii")
        )
        message.attach(text)
        attachment = MIMEApplication(bytes(blob.data), "pdf")
        filename = blob.filename or certificate_filename(application)
        attachment.add_header(
            "Content-Disposition", "attachment", filename=("utf-8", "", filename)
        )
        message.attach(attachment)
        mailhost.send(message.as_string(), immediate=True, charset="utf-8")
        return {"message_id": message["Message-ID"]}

    def delivered(self, item, result):
        if result.get("skipped"):
            return
        application = uuidToObject(item.context_uid, unrestricted=True)
        if application is None:
            return
        if (
            getattr(application, "delivery", None) == "email"
            and _state(application) == "issued"
        ):
            from municipality.certificates.api import _tr

            workflow = getToolByName(application, "portal_workflow")
            workflow.doActionFor(
                application,
                "deliver",
                comment=_tr(_("Sent by email with the certificate attached.")),
            )
