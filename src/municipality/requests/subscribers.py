"""What happens around a request: numbers, deadlines, notifications, roles.

* added: reference number (the core behavior's handler, called here too so
  that the «received» mail carries it whatever order the handlers run in),
  deadline in working days, the category's department, the submitter's name
  and email, the «case_received» mail, the registration in the protocol;
* workflow: «answer» needs an answer and «reject» a reason (checked before
  the transition, so nothing changes without them); «assign» makes the
  officer a local Editor; «answer», «close» and «reject» email the citizen;
* protocol number assigned (core's event): the «case_protocol_assigned» mail;
* attachments: at most ``max_attachments`` per request; images re-encoded.

Every mail goes through the outbox with an idempotency key, so a retried
transaction (ZODB conflict) never sends twice.
"""

from datetime import datetime
from datetime import UTC
from municipality import _
from municipality.core.behaviors.reference import assign_reference_number
from municipality.core.calendar import add_working_days
from municipality.core.calendar import current_date
from municipality.core.notifications import notify
from municipality.core.outbox import public_url
from municipality.core.protocol import register_in_protocol
from municipality.requests import settings
from municipality.requests.content.request_attachment import IRequestAttachment
from municipality.requests.validation import reencode_image
from municipality.requests.validation import sniff
from municipality.requests.validation import TooManyAttachments
from plone import api
from plone.namedfile.file import NamedBlobFile
from Products.CMFCore.WorkflowCore import WorkflowException
from zExceptions import BadRequest
from zope.globalrequest import getRequest
from zope.i18n import translate


WORKFLOW_ID = "municipality_request_workflow"
OFFICER_ROLE = "Editor"


def _tr(message):
    request = getRequest()
    if request is not None:
        return translate(message, context=request)
    return translate(message, target_language="el")


def _format_date(value):
    return value.strftime("%d/%m/%Y") if value else ""


def _state_title(state):
    from municipality.requests.api import STATE_TITLES

    return _tr(STATE_TITLES.get(state, state or ""))


def _url(obj):
    """Where the citizen follows the request: its page, or for an anonymous
    request the tracking page (the token itself is not stored)."""
    if getattr(obj, "anonymous", False):
        from municipality.requests.api import tracking_url

        return tracking_url(obj.__parent__)
    return public_url(obj)


def mapping(obj, **extra):
    """The mail templates' placeholders for ``obj``."""
    from municipality.requests.vocabularies import KINDS

    values = {
        "reference": getattr(obj, "reference_number", None) or "",
        "title": obj.title,
        "kind": obj.kind,
        "kind_name": _tr(KINDS.get(obj.kind, obj.kind or "")),
        "url": _url(obj),
        # «Αγαπητέ/ή πολίτη,» when we do not know the name.
        "name": obj.submitter_name or _tr(_("mail_name_unknown", default="citizen")),
        "deadline": _format_date(obj.deadline),
        "answer": obj.answer or "",
        "protocol_number": getattr(obj, "protocol_number", None) or "",
        "protocol_date": _format_date(getattr(obj, "protocol_date", None)),
    }
    values.update(extra)
    return values


def _history_length(obj):
    return len(obj.workflow_history.get(WORKFLOW_ID, ()))


# -- requests -----------------------------------------------------------------


def notify_received(obj, url=None):
    """Email the citizen that the request arrived (once per request)."""
    return notify(
        "case_received",
        obj.submitter_email,
        mapping(obj, **({"url": url} if url else {})),
        context=obj,
        key=f"mail:case_received:{obj.UID()}",
    )


def _fill_submitter(obj):
    creator = obj.Creator()
    member = api.user.get(userid=creator) if creator else None
    if member is None:
        member = api.user.get_current()
    if member is None or not member.getId():
        return
    obj.submitter_name = member.getProperty("fullname", "") or member.getId()
    obj.submitter_email = member.getProperty("email", "") or obj.email or None


def request_added(obj, event):
    """Number, deadline, department and submitter of a new request; «received» mail."""
    assign_reference_number(obj, event)
    category = settings.category(obj.category) if obj.category else None
    if obj.deadline is None:
        obj.deadline = add_working_days(
            current_date(), settings.deadline_days(obj.category)
        )
    if category is not None and category.department and not obj.department:
        obj.department = category.department
    if not obj.anonymous and not obj.submitter_name:
        _fill_submitter(obj)
    obj.reindexObject()
    if not obj.anonymous:
        notify_received(obj)
    register_incoming(obj)


def register_incoming(obj):
    """Ask the protocol for a number: every incoming document is registered.

    Through the outbox, so the request is accepted while the protocol system
    is down; the citizen sees «protocol number pending» until it arrives.
    """
    from municipality.requests.api import protocol_document

    register_in_protocol(obj, protocol_document(obj))


def check_transition(obj, event):
    """Refuse «answer» without an answer and «reject» without a reason."""
    if event.workflow.getId() != WORKFLOW_ID or event.transition is None:
        return
    transition = event.transition.getId()
    if transition == "answer" and not (obj.answer or "").strip():
        raise WorkflowException(
            _tr(_("Write the answer to the citizen before answering."))
        )
    comment = (event.kwargs or {}).get("comment") or ""
    if transition == "reject" and not comment.strip():
        raise WorkflowException(
            _tr(_("Give the reason for the rejection in the comment."))
        )


def sync_officer_role(obj):
    """The officer, and only they, holds the local Editor role of the request."""
    officer = obj.officer or None
    for principal, roles in obj.get_local_roles():
        if OFFICER_ROLE in roles and principal != officer:
            remaining = [role for role in roles if role != OFFICER_ROLE]
            if remaining:
                obj.manage_setLocalRoles(principal, remaining)
            else:
                obj.manage_delLocalRoles([principal])
    if officer:
        roles = set(obj.get_local_roles_for_userid(officer))
        if OFFICER_ROLE not in roles:
            obj.manage_setLocalRoles(officer, sorted(roles | {OFFICER_ROLE}))
    obj.reindexObjectSecurity()


def request_transitioned(obj, event):
    """Record dates, give the officer their role, email the citizen."""
    if event.workflow.getId() != WORKFLOW_ID or event.transition is None:
        return
    transition = event.transition.getId()
    # UTC: ZODB cannot pickle zoneinfo time zones.
    now = datetime.now(UTC)
    key = f"{obj.UID()}:{_history_length(obj)}"
    if transition == "assign":
        sync_officer_role(obj)
    elif transition == "answer":
        obj.answered_date = now
        notify(
            "case_answered",
            obj.submitter_email,
            mapping(obj),
            context=obj,
            key=f"mail:case_answered:{key}",
        )
    elif transition in ("close", "reject"):
        obj.closed_date = now
        extra = {"state_title": _state_title(event.new_state.getId())}
        if transition == "reject":
            # The reason is what the citizen needs to read.
            extra["answer"] = (event.kwargs or {}).get("comment") or ""
        notify(
            "case_closed",
            obj.submitter_email,
            mapping(obj, **extra),
            context=obj,
            key=f"mail:case_closed:{key}",
        )


def request_modified(obj, event):
    """An officer changed through the edit form or a PATCH gets their role."""
    current = {
        principal for principal, roles in obj.get_local_roles() if OFFICER_ROLE in roles
    }
    if current != ({obj.officer} if obj.officer else set()):
        sync_officer_role(obj)


def protocol_number_assigned(obj, event):
    """Email the citizen the protocol number (the core's event)."""
    notify(
        "case_protocol_assigned",
        obj.submitter_email,
        mapping(obj),
        context=obj,
        key=f"mail:case_protocol_assigned:{obj.UID()}",
    )


# -- attachments ----------------------------------------------------------------


def _attachment_count(container):
    return sum(
        1 for item in container.objectValues() if IRequestAttachment.providedBy(item)
    )


def attachment_added(obj, event):
    """Enforce the number of attachments; strip the metadata of images."""
    container = event.newParent
    limit = settings.get("max_attachments")
    if container is not None and _attachment_count(container) > limit:
        # Over plone.restapi this is a 400 naming the field, like the
        # deserializer's errors; the api checks the count before adding.
        raise BadRequest(
            [
                {
                    "field": "file",
                    "message": _tr(TooManyAttachments(limit).doc()),
                    "error": "ValidationError",
                }
            ]
        )
    strip_metadata(obj)


def attachment_modified(obj, event):
    """A replaced file is re-encoded too."""
    for description in getattr(event, "descriptions", ()) or ():
        names = getattr(description, "attributes", ()) or ()
        if any(name.split(".")[-1] == "file" for name in names):
            strip_metadata(obj)
            return


def strip_metadata(obj):
    """Re-encode an image attachment so that no EXIF/GPS data is kept."""
    file = getattr(obj, "file", None)
    if file is None:
        return
    data = file.data
    content_type = sniff(data)
    if content_type not in ("image/jpeg", "image/png"):
        return
    obj.file = NamedBlobFile(
        data=reencode_image(data, content_type),
        filename=file.filename,
        contentType=content_type,
    )
