"""The requests add-on's API: what the views (and scripts) call.

Citizens submit with :func:`submit_named` (logged in) or
:func:`submit_anonymous` (a private tracking token back); they read their
requests with :func:`my_requests`, :func:`find_by_token` and
:func:`status_history`. Staff list them with :func:`inbox` and handle them
with :func:`assign`, :func:`answer`, :func:`reject`, :func:`close`,
:func:`reopen` and :func:`register`, each a workflow transition that lands
in the request's history.

Bad input raises :class:`SubmissionError`, whose ``errors`` map each field
to a Greek message, and stores nothing: every check runs before the request
is created, so no reference number is spent on it either.
"""

from AccessControl.SecurityManagement import getSecurityManager
from AccessControl.SecurityManagement import newSecurityManager
from AccessControl.SecurityManagement import setSecurityManager
from AccessControl.users import UnrestrictedUser
from contextlib import contextmanager
from DateTime import DateTime
from datetime import datetime
from datetime import timedelta
from municipality import _
from municipality.core.submissions import do_transition as _transition
from municipality.core.submissions import SubmissionError
from municipality.core.submissions import translated as _tr
from municipality.requests import ratelimit
from municipality.requests import settings
from municipality.requests.content.citizen_request import ANSWER_MAX
from municipality.requests.content.citizen_request import ICitizenRequest
from municipality.requests.indexers import as_datetime
from municipality.requests.validation import AttachmentError
from municipality.requests.validation import check_attachment
from municipality.requests.validation import text_constraint
from municipality.requests.validation import TooManyAttachments
from plone import api
from plone.dexterity.utils import addContentToContainer
from plone.dexterity.utils import createContent
from plone.namedfile.file import NamedBlobFile
from zExceptions import Unauthorized
from zope.globalrequest import getRequest
from zope.schema import ValidationError

import hashlib
import hmac
import secrets


PORTAL_TYPE = "CitizenRequest"
ATTACHMENT_TYPE = "RequestAttachment"
WORKFLOW_ID = "municipality_request_workflow"

ADD_PERMISSION = "municipality.requests: Add CitizenRequest"
HANDLE_CASES = "municipality: Handle citizen cases"
REGISTER_IN_PROTOCOL = "municipality: Register in protocol"

# States in which the municipality still owes an answer: only these can be
# overdue.
OPEN_STATES = ("submitted", "in_progress")

STATE_TITLES = {
    "submitted": _("Submitted"),
    "in_progress": _("In progress"),
    "answered": _("Answered"),
    "closed": _("Closed"),
    "rejected": _("Rejected"),
}

# What a citizen may send; everything else in ``data`` is ignored.
NAMED_FIELDS = ("kind", "category", "title", "text", "desired_action", "email")
ANONYMOUS_FIELDS = NAMED_FIELDS

# The creator recorded on anonymous requests (no user has this id's Owner role).
ANONYMOUS_CREATOR = "anonymous"

# The form field that attachment errors belong to.
ATTACHMENTS_FIELD = "attachments"


class RateLimited(Exception):
    """Too many anonymous submissions from one address.

    ``retry_after``: seconds until the address may submit again.
    """

    def __init__(self, retry_after):
        self.retry_after = retry_after
        super().__init__(f"Rate limited, retry after {retry_after} s")


def hash_token(token):
    """The SHA-256 hex digest a tracking token is stored as."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# -- validation ---------------------------------------------------------------


def _clean(name, value):
    """Form values as the schema wants them: None for empty, no CR."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        value = value.replace("\r\n", "\n").replace("\r", "\n")
        if name in ("kind", "category", "title", "email", "department", "officer"):
            value = value.strip()
        if not value.strip():
            value = None
    return value


def validate(context, data, fields=NAMED_FIELDS):
    """Check ``data`` against the request schema.

    :param context: Where the request will be added (vocabularies need it).
    :param data: ``{field: value}`` as submitted; other keys are ignored.
    :param fields: The fields to take from ``data``.
    :returns: ``(values, errors)``: the clean values and ``{field: message}``.
    """
    values, errors = {}, {}
    for name in fields:
        field = ICitizenRequest[name].bind(context)
        value = _clean(name, (data or {}).get(name))
        if value is None and field.default is not None:
            value = field.default
        try:
            field.validate(value)
        except ValidationError as e:
            errors[name] = _tr(e.doc())
            continue
        if value is not None:
            values[name] = value
    return values, errors


def _normalise_attachments(attachments):
    """``[(filename, bytes, declared type or None)]`` from 2- or 3-tuples."""
    result = []
    for attachment in attachments or ():
        filename, data, *rest = attachment
        filename = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
        result.append((filename, data, rest[0] if rest else None))
    return result


def validate_attachments(attachments):
    """Check the attachments; return ``{"attachments": message}`` or ``{}``."""
    messages = []
    limit = settings.get("max_attachments")
    if len(attachments) > limit:
        messages.append(_tr(TooManyAttachments(limit).doc()))
    for filename, data, content_type in attachments:
        try:
            check_attachment(data, filename, content_type)
        except AttachmentError as e:
            messages.append(_tr(e.doc()))
    return {ATTACHMENTS_FIELD: " ".join(messages)} if messages else {}


# -- creating -----------------------------------------------------------------


class _AnonymousSubmitter(UnrestrictedUser):
    """Who anonymous requests are created as: nobody, allowed everything.

    Its id is ``None``, so Zope gives no one ownership or the Owner role of
    the new request, whoever is logged in.
    """

    def getId(self):
        return None


@contextmanager
def _as_anonymous_submitter():
    old = getSecurityManager()
    newSecurityManager(
        getRequest(), _AnonymousSubmitter("Anonymous User", "", ("Manager",), [])
    )
    try:
        yield
    finally:
        setSecurityManager(old)


def _create(container, values):
    obj = createContent(PORTAL_TYPE, **values)
    return addContentToContainer(container, obj, checkConstraints=True)


def _extension_for(content_type):
    return {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}[
        content_type
    ]


def _add_attachment(request_obj, filename, data, content_type):
    if "." not in filename:
        filename = (filename or "attachment") + _extension_for(content_type)
    attachment = createContent(
        ATTACHMENT_TYPE,
        file=NamedBlobFile(data=data, filename=filename, contentType=content_type),
    )
    return addContentToContainer(request_obj, attachment, checkConstraints=True)


def submit_named(container, member, data, attachments=()):
    """Submit a request as a logged-in citizen; return it.

    The citizen becomes its owner: only they and the staff can see it.

    :param container: The requests folder.
    :param member: The citizen (``api.user.get_current()``).
    :param data: ``kind``, ``category``, ``title``, ``text``,
        ``desired_action`` (and optionally ``email``).
    :param attachments: ``[(filename, bytes)]`` (or with a third item, the
        declared content type): PDF, JPEG or PNG, checked by their content.
    :raises Unauthorized: if ``member`` may not add requests here.
    :raises SubmissionError: on bad input; nothing is stored.
    """
    if member is None or not member.getId():
        raise Unauthorized("Log in to submit a named request.")
    if not api.user.has_permission(ADD_PERMISSION, user=member, obj=container):
        raise Unauthorized("This user cannot submit requests here.")
    values, errors = validate(container, data, NAMED_FIELDS)
    attachments = _normalise_attachments(attachments)
    errors.update(validate_attachments(attachments))
    if errors:
        raise SubmissionError(errors)
    with api.env.adopt_user(user=member):
        obj = _create(container, values)
        for filename, blob, _declared in attachments:
            content_type = check_attachment(blob, filename)
            _add_attachment(obj, filename, blob, content_type)
    return obj


def submit_anonymous(container, data, client_address):
    """Submit a request without logging in; return ``(request, token)``.

    The token is the citizen's only key to the request
    (``/requests/@@track/<token>``); only its SHA-256 is stored. The request
    has no owner; its creator is recorded as ``anonymous``.

    :param client_address: The client's address (``request.getClientAddr()``),
        counted by the per-process rate limit (setting ``anonymous_per_hour``).
    :raises RateLimited: when that address submitted too many in the last hour.
    :raises SubmissionError: on bad input; nothing is stored.
    """
    address = (client_address or "").strip() or "unknown"
    limiter = ratelimit.anonymous_submissions
    wait = limiter.retry_after(address, settings.get("anonymous_per_hour"))
    if wait:
        raise RateLimited(wait)
    values, errors = validate(container, data, ANONYMOUS_FIELDS)
    if errors:
        raise SubmissionError(errors)
    token = secrets.token_urlsafe(32)
    values.update(
        anonymous=True,
        tracking_token_hash=hash_token(token),
        submitter_email=values.get("email"),
        creators=(ANONYMOUS_CREATOR,),
    )
    with _as_anonymous_submitter():
        obj = _create(container, values)
    limiter.hit(address)
    from municipality.requests.subscribers import notify_received

    notify_received(obj, tracking_url(container, token))
    return obj, token


def tracking_url(container, token=None):
    """The private tracking address of an anonymous request (public host)."""
    from municipality.core.outbox import public_url

    url = f"{public_url(container)}/@@track"
    return f"{url}/{token}" if token else url


# -- reading ----------------------------------------------------------------


def find_by_token(container, token):
    """The anonymous request of tracking ``token`` in ``container``, or ``None``.

    Found unrestrictedly (the citizen is anonymous): show only what the
    tracking page is meant to show.
    """
    if not token or not isinstance(token, str) or len(token) > 200:
        return None
    digest = hash_token(token)
    catalog = api.portal.get_tool("portal_catalog")
    brains = catalog.unrestrictedSearchResults(
        portal_type=PORTAL_TYPE,
        tracking_token_hash=digest,
        path="/".join(container.getPhysicalPath()),
    )
    for brain in brains:
        obj = brain._unrestrictedGetObject()
        stored = getattr(obj, "tracking_token_hash", None) or ""
        if hmac.compare_digest(stored, digest):
            return obj
    return None


def my_requests(member_id):
    """Catalog brains of the requests ``member_id`` submitted, newest first.

    The search runs as the current user, so it never returns a request they
    may not see.
    """
    if not member_id:
        return []
    return list(
        api.content.find(
            portal_type=PORTAL_TYPE,
            Creator=member_id,
            sort_on="created",
            sort_order="descending",
        )
    )


def _today():
    from municipality.core.calendar import current_date

    return current_date()


def inbox(department=None, state=None, kind=None, overdue=None, min_age_days=None):
    """Catalog brains of the requests the current (staff) user may see, oldest first.

    :param department: A department code.
    :param state: A review state or a list of them.
    :param kind: ``request``, ``complaint`` or ``proposal``.
    :param overdue: ``True``: only open requests past their deadline;
        ``False``: only the others.
    :param min_age_days: Only requests submitted at least this many days ago.
    """
    query = {"portal_type": PORTAL_TYPE, "sort_on": "created"}
    if department:
        query["request_department"] = department
    if state:
        query["review_state"] = state
    if kind:
        query["request_kind"] = kind
    if min_age_days:
        query["created"] = {
            "query": DateTime() - int(min_age_days),
            "range": "max",
        }
    if overdue:
        states = [state] if isinstance(state, str) else list(state or OPEN_STATES)
        query["review_state"] = [s for s in states if s in OPEN_STATES]
        if not query["review_state"]:
            return []
        query["request_deadline"] = {
            "query": as_datetime(_today() - timedelta(days=1)),
            "range": "max",
        }
    brains = api.content.find(**query)
    if overdue is False:
        return [brain for brain in brains if not is_overdue(brain)]
    return list(brains)


def _as_date(value):
    if value is None or value == "":
        return None
    if isinstance(value, DateTime):
        return value.asdatetime().date()
    if isinstance(value, datetime):
        return value.date()
    return value


def review_state(obj):
    """The review state of a request, without the View permission check."""
    status = api.portal.get_tool("portal_workflow").getStatusOf(WORKFLOW_ID, obj)
    return (status or {}).get("review_state")


def is_overdue(obj_or_brain):
    """True if the request is still open after its deadline's day."""
    from municipality.core.calendar import is_overdue as past

    if hasattr(obj_or_brain, "getRID"):
        state = obj_or_brain.review_state
        deadline = _as_date(getattr(obj_or_brain, "request_deadline", None))
    else:
        state = review_state(obj_or_brain)
        deadline = getattr(obj_or_brain, "deadline", None)
    return state in OPEN_STATES and past(deadline)


def _aware(when):
    """A history time as an aware datetime in Greek time."""
    from municipality.core.calendar import TIMEZONE

    if isinstance(when, DateTime):
        when = when.asdatetime()
    if isinstance(when, datetime) and when.tzinfo is not None:
        return when.astimezone(TIMEZONE)
    return when


def _actor_title(obj, actor):
    if not actor or actor == ANONYMOUS_CREATOR:
        return _tr(_("Anonymous citizen"))
    member = api.user.get(userid=actor)
    if member is None:
        return actor
    if actor in (obj.Creator(), obj.getOwner().getId()) and obj.submitter_name:
        return obj.submitter_name
    return member.getProperty("fullname", "") or actor


def status_history(obj):
    """The request's history for the citizen, oldest first.

    One entry per workflow step (submission included) and one when the
    protocol number arrived: ``{"state", "state_title", "date" (aware
    datetime), "actor_title", "comment"}``.
    """
    entries = []
    for step in obj.workflow_history.get(WORKFLOW_ID, ()):
        state = step.get("review_state")
        when = step.get("time")
        entries.append(
            {
                "state": state,
                "state_title": _tr(STATE_TITLES.get(state, state)),
                "date": _aware(when),
                "actor_title": _actor_title(obj, step.get("actor")),
                "comment": step.get("comments") or "",
            }
        )
    number = getattr(obj, "protocol_number", None)
    if number:
        entry = _protocol_entry(obj, number)
        if entries and entry["date"] < entries[0]["date"]:
            # A protocol date is a day, the submission a moment of it.
            entry["date"] = entries[0]["date"]
        entries.append(entry)
    # Stable: an entry dated like the submission stays after it.
    entries.sort(key=lambda entry: entry["date"])
    return entries


def _protocol_entry(obj, number):
    from municipality.core.calendar import TIMEZONE
    from municipality.core.outbox import get_item
    from municipality.core.protocol import protocol_key

    registered = getattr(obj, "protocol_date", None)
    item = get_item(protocol_key(obj))
    if item is not None and item.delivered_at:
        when = datetime.fromtimestamp(item.delivered_at, TIMEZONE)
    elif registered is not None:
        when = datetime(
            registered.year, registered.month, registered.day, 12, tzinfo=TIMEZONE
        )
    else:
        when = datetime.now(TIMEZONE)
    return {
        "state": "protocol",
        "state_title": _tr(
            _(
                "Registered in the protocol with number ${number}",
                mapping={"number": number},
            )
        ),
        "date": when,
        "actor_title": "",
        "comment": "",
    }


# -- staff actions --------------------------------------------------------------


def _require(obj, permission):
    if not api.user.has_permission(permission, obj=obj):
        raise Unauthorized(f"{permission} on {obj.absolute_url()}")


def assign(obj, department, officer):
    """Give the request to a department and officer («assign» transition).

    The officer becomes a local Editor of the request (they may answer it).

    :raises SubmissionError: for an unknown department or a user who is not
        an employee.
    """
    _require(obj, HANDLE_CASES)
    values, errors = validate(
        obj, {"department": department, "officer": officer}, ("department", "officer")
    )
    if errors:
        raise SubmissionError(errors)
    department, officer = values.get("department"), values.get("officer")
    obj.department = department
    obj.officer = officer
    obj.reindexObject(idxs=["request_department"])
    _transition(obj, "assign")
    return obj


def answer(obj, text):
    """Store the answer the citizen will see and move to «answered»."""
    _require(obj, HANDLE_CASES)
    value = _clean("answer", text)
    if value is None:
        raise SubmissionError({"answer": _tr(_("Write the answer to the citizen."))})
    try:
        text_constraint(ANSWER_MAX)(value)
    except ValidationError as e:
        raise SubmissionError({"answer": _tr(e.doc())}) from e
    obj.answer = value
    _transition(obj, "answer")
    return obj


def reject(obj, reason):
    """Reject the request; the reason (the comment) is shown to the citizen."""
    _require(obj, HANDLE_CASES)
    reason = _clean("reason", reason)
    if not reason:
        raise SubmissionError({"reason": _tr(_("Give the reason for the rejection."))})
    _transition(obj, "reject", comment=reason)
    return obj


def close(obj, comment=""):
    """Close an answered request."""
    _require(obj, HANDLE_CASES)
    _transition(obj, "close", comment=comment)
    return obj


def reopen(obj, comment=""):
    """Take an answered request back to «in progress»."""
    _require(obj, HANDLE_CASES)
    _transition(obj, "reopen", comment=comment)
    return obj


def protocol_document(obj):
    """What the protocol records of a request (``register_in_protocol``'s document)."""
    text = obj.text or ""
    if obj.desired_action:
        text = f"{text}\n\n{_tr(_('Desired action'))}:\n{obj.desired_action}"
    return {
        "subject": obj.title,
        "text": text,
        "sender": {
            "name": obj.submitter_name or _tr(_("Anonymous citizen")),
            "email": obj.submitter_email or "",
        },
        "kind": obj.kind,
        "reference": getattr(obj, "reference_number", None) or "",
        "direction": "incoming",
    }


def register(obj):
    """Ask the protocol system for a number (through the outbox); idempotent.

    Every request is registered when it is submitted; this staff action is
    for the rare case that needs it again (e.g. requests from before).

    :returns: The outbox item, or ``None`` if the request already has a number.
    """
    from municipality.core.protocol import register_in_protocol

    _require(obj, REGISTER_IN_PROTOCOL)
    return register_in_protocol(obj, protocol_document(obj))
