"""Notifications: Greek email templates, delivered through the outbox.

A template is a text file in ``mail_templates/`` whose first line is the
subject (``Subject: …``), followed by an empty line and the body. Both use
``${name}`` placeholders. :func:`notify` renders the message in the
transaction of the change it reports, and enqueues it as an outbox item of
kind ``mail``; the worker hands it to Plone's MailHost. An SMTP server that
is down delays the message, it never loses or duplicates it.

Templates shipped: ``case_received``, ``case_protocol_assigned``,
``case_answered``, ``case_closed`` (any case: requests, certificate
applications …) and ``outbox_alert`` for the operators; the add-ons'
own (``certificate_*``, ``payment_receipt``, ``payment_attention``) sit
beside them.
"""

from email.header import Header
from email.mime.text import MIMEText
from email.utils import formataddr
from email.utils import formatdate
from municipality.core import outbox
from pathlib import Path
from plone.registry.interfaces import IRegistry
from Products.CMFCore.utils import getToolByName
from zope.component import queryUtility
from zope.component.hooks import getSite
from zope.interface import implementer

import quopri
import string


TEMPLATES = Path(__file__).parent / "mail_templates"
MAIL_KIND = "mail"


def _registry_value(name, default=""):
    registry = queryUtility(IRegistry)
    if registry is None:
        return default
    value = registry.get(name)
    return default if value is None else value


def municipality_name():
    return _registry_value("municipality.name_el", "") or _registry_value(
        "plone.email_from_name", ""
    )


def operators_address():
    """Where outbox alerts go: the setting, else the site's sender address."""
    return _registry_value("municipality.outbox.alert_email") or _registry_value(
        "plone.email_from_address"
    )


# Kind of case -> subject, object and «to the» forms with their article,
# written with the accent Greek adds before «σας»: «το αίτημά σας».
KIND_PHRASES = {
    "request": ("Το αίτημά", "το αίτημά", "στο αίτημά"),
    "complaint": ("Η καταγγελία", "την καταγγελία", "στην καταγγελία"),
    "proposal": ("Η πρότασή", "την πρότασή", "στην πρότασή"),
    "application": ("Η αίτησή", "την αίτησή", "στην αίτησή"),
}
DEFAULT_KIND_PHRASES = ("Η υπόθεσή", "την υπόθεσή", "στην υπόθεσή")


def kind_phrases(kind):
    """The ``kind_title``, ``kind_title_acc`` and ``kind_title_dat`` placeholders."""
    nominative, accusative, dative = KIND_PHRASES.get(kind, DEFAULT_KIND_PHRASES)
    return {
        "kind_title": nominative,
        "kind_title_acc": accusative,
        "kind_title_dat": dative,
    }


def render(template, mapping):
    """Return ``{"subject", "body"}`` of ``template`` filled with ``mapping``.

    Unknown placeholders stay as they are rather than failing: a mail with a
    visible ``${x}`` is better than no mail. ``municipality`` (the name from
    the control panel) and ``signature`` are always available.
    """
    path = TEMPLATES / f"{template}.txt"
    if not path.is_file():
        raise ValueError(f"No mail template {template!r}")
    text = path.read_text(encoding="utf-8")
    head, _, body = text.partition("\n\n")
    if not head.startswith("Subject:"):
        raise ValueError(f"Mail template {template!r} must start with 'Subject:'")
    values = {
        "municipality": municipality_name(),
        "phone": _registry_value("municipality.phone"),
        "email": _registry_value("municipality.email"),
    }
    values.update(kind_phrases(mapping.get("kind")))
    values.update({k: "" if v is None else str(v) for k, v in mapping.items()})
    subject = string.Template(head[len("Subject:") :].strip()).safe_substitute(values)
    body = string.Template(body).safe_substitute(values)
    return {"subject": " ".join(subject.split()), "body": body.strip() + "\n"}


def notify(template, to, mapping, context=None, key=None):
    """Render ``template`` for ``to`` and enqueue it; return the outbox item.

    :param to: The recipient's address; nothing is sent when it is empty.
    :param mapping: The template's placeholders.
    :param context: The content object the mail is about (shown as pending
        on it until sent).
    :param key: An idempotency key: a second ``notify`` with the same key
        sends nothing more. Give one whenever the same event could be
        reported twice.
    """
    if not to:
        return None
    message = render(template, mapping)
    payload = {"to": to, "template": template, **message}
    return outbox.enqueue(MAIL_KIND, payload, key=key, context=context)


@implementer(outbox.IOutboxHandler)
class MailHandler:
    """Sends an outbox mail item through the site's MailHost."""

    title = "Email"

    def deliver(self, item):
        site = getSite()
        mailhost = getToolByName(site, "MailHost")
        from_address = _registry_value("plone.email_from_address")
        if not from_address:
            raise ValueError("No sender address (Site Setup → Mail)")
        # compat32 messages, as Plone's MailHost expects; Greek headers are
        # RFC 2047 encoded and the body is quoted-printable UTF-8.
        message = MIMEText(item.payload["body"], "plain", "utf-8")
        message.replace_header("Content-Transfer-Encoding", "quoted-printable")
        message.set_payload(
            quopri.encodestring(item.payload["body"].encode("utf-8")).decode("ascii")
        )
        message["Subject"] = Header(item.payload["subject"], "utf-8")
        message["From"] = formataddr(
            (_registry_value("plone.email_from_name"), from_address), "utf-8"
        )
        message["To"] = item.payload["to"]
        message["Date"] = formatdate(localtime=True)
        # One id per outbox item: a copy sent twice would show as such.
        domain = from_address.rpartition("@")[2] or "localhost"
        message["Message-ID"] = f"<{item.id}@{domain}>"
        message["X-Municipality-Key"] = item.key
        # As text: MailHost parses it with CRLF line ends, as SMTP wants.
        mailhost.send(message.as_string(), immediate=True, charset="utf-8")
        return {"message_id": message["Message-ID"]}

    def delivered(self, item, result):
        pass
