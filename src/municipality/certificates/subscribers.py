"""What happens around an application: number, applicant, protocol, mails, guards.

* added: reference number (the core behavior's handler, called here too so
  the «received» mail carries it whatever order the handlers run in), the
  applicant's data when the api did not set them (an application added some
  other way), its title, the «certificate_received» mail and the
  registration in the protocol (through the outbox);
* before a transition: «reject» needs a reason (the comment) and «issue»
  needs the signed certificate, stored by the issuing code first — so a
  bare ``@workflow/issue`` cannot mark an application issued without one;
* after a transition: the reason is stored as ``rejection_reason``; the
  applicant is emailed on «reject», on «issue» (unless the certificate is
  itself emailed: the issuing code sends that mail with the PDF) and on
  «deliver» by post;
* protocol number assigned (core's event): the «case_protocol_assigned» mail.

Every mail goes through the outbox with an idempotency key, so a retried
transaction (ZODB conflict) never sends twice.
"""

from municipality import _
from municipality.certificates import api
from municipality.core.behaviors.reference import assign_reference_number
from municipality.core.notifications import notify
from municipality.core.outbox import public_url
from municipality.core.protocol import register_in_protocol
from plone import api as ploneapi
from Products.CMFCore.WorkflowCore import WorkflowException


WORKFLOW_ID = api.WORKFLOW_ID

DELIVERY_TEXTS = {
    "download": _(
        "You can download the signed certificate from the page of your application:"
    ),
    "email": _("The signed certificate is sent to you by email."),
    "post": _("The certificate will be sent to you by post, to the address you gave."),
    "office": _(
        "You can collect the certificate from the municipality's office during "
        "opening hours; you can also download it from the page of your application:"
    ),
}


def _format_date(value):
    return value.strftime("%d/%m/%Y") if value else ""


def mapping(obj, **extra):
    """The mail templates' placeholders for ``obj``."""
    values = {
        "reference": getattr(obj, "reference_number", None) or "",
        "title": obj.title,
        "kind": "application",
        "url": public_url(obj),
        "name": obj.applicant_fullname
        or api._tr(_("mail_name_unknown", default="citizen")),
        "protocol_number": getattr(obj, "protocol_number", None) or "",
        "protocol_date": _format_date(getattr(obj, "protocol_date", None)),
        "reason": api.rejection_reason(obj),
        "delivery_text": api._tr(DELIVERY_TEXTS.get(obj.delivery, "")),
    }
    values.update(extra)
    return values


def _history_length(obj):
    return len(getattr(obj, "workflow_history", {}).get(WORKFLOW_ID, ()))


def application_added(obj, event):
    """Number, applicant, title; «received» mail; registration in the protocol."""
    assign_reference_number(obj, event)
    if not obj.applicant_userid:
        creator = obj.Creator()
        member = ploneapi.user.get(userid=creator) if creator else None
        for name, value in api.applicant_snapshot(member).items():
            setattr(obj, name, value)
    if not obj.title:
        obj.title = api.title_for(obj.kind, obj.certificate_type, obj.property_address)
    obj.reindexObject()
    notify(
        "certificate_received",
        api.applicant_email(obj),
        mapping(obj),
        context=obj,
        key=f"mail:certificate_received:{obj.UID()}",
    )
    register_in_protocol(obj, api.protocol_document(obj))


def check_transition(obj, event):
    """Refuse «reject» without a reason and «issue» without the signed certificate."""
    if event.workflow.getId() != WORKFLOW_ID or event.transition is None:
        return
    transition = event.transition.getId()
    comment = (event.kwargs or {}).get("comment") or ""
    if transition == "reject" and not comment.strip():
        raise WorkflowException(
            api._tr(_("Give the reason for the rejection in the comment."))
        )
    if transition == "issue" and getattr(obj, "certificate_file", None) is None:
        raise WorkflowException(
            api._tr(
                _(
                    "A certificate is issued with «Issue and sign», which "
                    "signs the PDF first."
                )
            )
        )


def application_transitioned(obj, event):
    """Store the rejection reason; email the applicant."""
    if event.workflow.getId() != WORKFLOW_ID or event.transition is None:
        return
    transition = event.transition.getId()
    key = f"{obj.UID()}:{_history_length(obj)}"
    to = api.applicant_email(obj)
    if transition == "reject":
        obj.rejection_reason = ((event.kwargs or {}).get("comment") or "").strip()
        notify(
            "certificate_rejected",
            to,
            mapping(obj),
            context=obj,
            key=f"mail:certificate_rejected:{key}",
        )
    elif transition == "issue" and obj.delivery != "email":
        notify(
            "certificate_issued",
            to,
            mapping(obj),
            context=obj,
            key=f"mail:certificate_issued:{key}",
        )
    elif transition == "deliver" and obj.delivery == "post":
        notify(
            "certificate_posted",
            to,
            mapping(obj),
            context=obj,
            key=f"mail:certificate_posted:{key}",
        )


def protocol_number_assigned(obj, event):
    """Email the applicant the protocol number (the core's event)."""
    notify(
        "case_protocol_assigned",
        api.applicant_email(obj),
        mapping(obj),
        context=obj,
        key=f"mail:case_protocol_assigned:{obj.UID()}",
    )
