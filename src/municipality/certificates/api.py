"""The certificates add-on's API: what the views, REST services and scripts call.

Verified citizens apply with :func:`submit` and read their applications with
:func:`my_applications`; staff list them with :func:`inbox` and handle them
with :func:`start`, :func:`reject` and :func:`deliver` (issuing is
:func:`municipality.certificates.issuing.issue`, which signs the PDF first).

Bad input raises :class:`SubmissionError`, whose ``errors`` map each field
to a Greek message, and stores nothing: every check runs before the
application is created, so no reference number is spent on it either.
"""

from municipality import _
from municipality.certificates import settings
from municipality.certificates.content.application import ICertificateApplication
from municipality.certificates.content.application import KIND_TAP
from municipality.certificates.content.application import REASON_MAX
from municipality.certificates.validation import check_conditional
from municipality.certificates.validation import normalise_supply_number
from municipality.certificates.validation import text_constraint
from municipality.certificates.vocabularies import KINDS
from municipality.core.identity.identity import verified_identity
from municipality.core.submissions import do_transition as _transition
from municipality.core.submissions import SubmissionError
from municipality.core.submissions import translated as _tr
from plone import api
from plone.dexterity.utils import addContentToContainer
from plone.dexterity.utils import createContent
from zExceptions import Unauthorized
from zope.schema import ValidationError


PORTAL_TYPE = "CertificateApplication"
WORKFLOW_ID = "certificate_application_workflow"

ADD_PERMISSION = "municipality.certificates: Add CertificateApplication"
USE_VERIFIED_SERVICES = "municipality: Use verified services"
HANDLE_CASES = "municipality: Handle citizen cases"

OPEN_STATES = ("submitted", "in_progress")

STATE_TITLES = {
    "submitted": _("Submitted"),
    "in_progress": _("In progress"),
    "issued": _("Issued"),
    "delivered": _("Delivered"),
    "rejected": _("Rejected"),
}

# What an applicant may send; everything else is ignored.
FIELDS = (
    "kind",
    "certificate_type",
    "property_address",
    "property_supply_number",
    "property_area",
    "property_municipal_unit",
    "purpose",
    "delivery",
    "delivery_email",
    "postal_address",
)
CIVIL_REGISTRY_ONLY = ("certificate_type",)
TAP_ONLY = (
    "property_address",
    "property_supply_number",
    "property_area",
    "property_municipal_unit",
)
STRIPPED = FIELDS  # every field is trimmed; only texts keep inner new lines


# -- who ----------------------------------------------------------------------


def may_apply(container, member=None):
    """True if ``member`` (default: the current user) may apply in ``container``.

    The platform's permission for verified people, the add permission of
    the folder, and a verified identity (TaxisNet or a verification in person
    in force, ``verified_identity``): a certificate states who the applicant
    is, so it must not rest on a profile its owner can edit (an account put
    in «verified-citizens» by hand, or whose ΑΦΜ changed since it was
    verified, has none).
    """
    member = member or api.user.get_current()
    if member is None or not member.getId():
        return False
    return bool(
        api.user.has_permission(USE_VERIFIED_SERVICES, user=member, obj=container)
        and api.user.has_permission(ADD_PERMISSION, user=member, obj=container)
        and verified_identity(member.getId()) is not None
    )


def is_staff(obj, member=None):
    """True if ``member`` (default: the current user) handles applications."""
    if member is None:
        return bool(api.user.has_permission(HANDLE_CASES, obj=obj))
    return bool(api.user.has_permission(HANDLE_CASES, user=member, obj=obj))


def applicant_snapshot(member):
    """The applicant's data as the certificate needs them, from their profile.

    Taken when the application is submitted, so a later change of the
    profile does not change what was applied for.
    """
    if member is None:
        return {}

    def prop(name):
        try:
            value = member.getProperty(name, "")
        except (AttributeError, ValueError):
            value = ""
        return (value or "").strip() if isinstance(value, str) else ""

    snapshot = {
        "applicant_userid": member.getId(),
        "applicant_fullname": prop("fullname") or member.getId(),
        "applicant_afm": prop("afm") or None,
        "applicant_fathername": prop("fathername") or None,
    }
    # What the municipality certifies comes from what was verified (GSIS or
    # the in-person check), not from the profile its owner can edit.
    verified = verified_identity(member.getId())
    if verified:
        snapshot["applicant_fullname"] = verified["fullname"] or member.getId()
        snapshot["applicant_afm"] = verified["afm"] or None
        snapshot["applicant_fathername"] = verified["fathername"] or None
    return snapshot


def member_email(member):
    if member is None:
        return ""
    value = member.getProperty("email", "") or ""
    return value.strip() if isinstance(value, str) else ""


# -- validation ---------------------------------------------------------------


def _clean(name, value):
    """Form and JSON values as the schema wants them: None for empty, no CR."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        value = value.replace("\r\n", "\n").replace("\r", "\n").strip()
        if not value:
            return None
    return value


def _area(value, errors):
    """``property_area`` from a form string or a JSON number."""
    if value is None:
        return None
    if isinstance(value, bool):
        errors["property_area"] = _tr(_("Write the area in whole square metres."))
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = str(value).replace(" ", "").replace(".", "")
    if not text.isdigit():
        errors["property_area"] = _tr(_("Write the area in whole square metres."))
        return None
    return int(text)


def validate(context, data, member=None):
    """Check ``data`` against the application schema and its conditional rules.

    :param context: Where the application will be added (vocabularies need it).
    :param data: ``{field: value}`` as submitted; other keys are ignored.
    :param member: The applicant: their email fills in ``delivery_email``
        when they choose delivery by email without giving one.
    :returns: ``(values, errors)``: the clean values and ``{field: message}``.
    """
    data = data or {}
    values, errors = {}, {}
    raw = {name: _clean(name, data.get(name)) for name in FIELDS}
    kind = raw.get("kind") or ICertificateApplication["kind"].default
    raw["kind"] = kind
    # Only what the kind and the delivery method use is kept.
    dropped = TAP_ONLY if kind != KIND_TAP else CIVIL_REGISTRY_ONLY
    for name in dropped:
        raw[name] = None
    delivery = raw.get("delivery") or ICertificateApplication["delivery"].default
    raw["delivery"] = delivery
    if delivery != "email":
        raw["delivery_email"] = None
    elif not raw.get("delivery_email"):
        raw["delivery_email"] = member_email(member) or None
    if delivery != "post":
        raw["postal_address"] = None
    raw["property_area"] = _area(raw.get("property_area"), errors)
    for name in FIELDS:
        if name in errors:
            continue
        field = ICertificateApplication[name].bind(context)
        value = raw[name]
        if not isinstance(value, (str, int, type(None))):
            errors[name] = _tr(_("This value is not valid."))
            continue
        try:
            field.validate(value)
        except ValidationError as e:
            errors[name] = _tr(e.doc())
            continue
        if value is not None:
            values[name] = value
    for name, message in check_conditional(raw).items():
        errors.setdefault(name, _tr(message))
    if values.get("property_supply_number"):
        values["property_supply_number"] = normalise_supply_number(
            values["property_supply_number"]
        )
    return values, errors


# -- creating -----------------------------------------------------------------


def title_for(kind, certificate_type=None, property_address=None):
    """The application's title: what is asked for.

    E.g. «Βεβαίωση μη οφειλής ΤΑΠ – Ερμού 10».
    """
    if kind == KIND_TAP:
        title = _tr(KINDS[KIND_TAP])
        return f"{title} – {property_address}" if property_address else title
    types = settings.certificate_types()
    if certificate_type and certificate_type in types:
        return types[certificate_type]
    return _tr(KINDS.get(kind, KINDS["civil_registry"]))


def submit(container, member, data):
    """Apply for a certificate as ``member``; return the new application.

    The applicant becomes its owner: only they and the staff can see it. It
    gets its reference number, the applicant's data from their profile,
    and is queued for registration in the protocol (subscribers).

    :param container: The certificates folder.
    :param member: The applicant (``api.user.get_current()``).
    :param data: The fields of :data:`FIELDS`.
    :raises Unauthorized: if ``member`` may not apply (not verified).
    :raises SubmissionError: on bad input; nothing is stored.
    """
    if member is None or not member.getId():
        raise Unauthorized("Log in to apply for a certificate.")
    if not may_apply(container, member):
        raise Unauthorized("Only verified users may apply for certificates.")
    values, errors = validate(container, data, member)
    if errors:
        raise SubmissionError(errors)
    values.update(applicant_snapshot(member))
    values["title"] = title_for(
        values["kind"], values.get("certificate_type"), values.get("property_address")
    )
    with api.env.adopt_user(user=member):
        obj = createContent(PORTAL_TYPE, **values)
        obj = addContentToContainer(container, obj, checkConstraints=True)
    return obj


# -- reading ------------------------------------------------------------------


def my_applications(member_id, kind=None):
    """Catalog brains of the applications ``member_id`` made, newest first.

    The search runs as the current user, so it never returns one they may
    not see.
    """
    if not member_id:
        return []
    query = {
        "portal_type": PORTAL_TYPE,
        "Creator": member_id,
        "sort_on": "created",
        "sort_order": "descending",
    }
    if kind:
        query["certificate_kind"] = kind
    return list(api.content.find(**query))


def inbox(state=None, kind=None, certificate_type=None, text=None):
    """Brains of the applications the current (staff) user may see, oldest first.

    :param state: A review state or a list of them.
    :param kind: ``civil_registry`` or ``tap``.
    :param certificate_type: A civil-registry certificate type code.
    :param text: Words of the title or the reference number.
    """
    query = {"portal_type": PORTAL_TYPE, "sort_on": "created"}
    if state:
        query["review_state"] = state
    if kind:
        query["certificate_kind"] = kind
    if certificate_type:
        query["certificate_type"] = certificate_type
    if text:
        text = text.strip()
        if "/" in text or "-" in text:
            query["reference_number"] = text
        else:
            query["SearchableText"] = text
    return list(api.content.find(**query))


def review_state(obj):
    """The review state of an application, without the View permission check."""
    status = api.portal.get_tool("portal_workflow").getStatusOf(WORKFLOW_ID, obj)
    return (status or {}).get("review_state")


def rejection_reason(obj):
    return getattr(obj, "rejection_reason", None) or ""


# -- staff actions ------------------------------------------------------------


def _require(obj, permission):
    if not api.user.has_permission(permission, obj=obj):
        raise Unauthorized(f"{permission} on {obj.absolute_url()}")


def start(obj):
    """Take the application into handling («in_progress»)."""
    _require(obj, HANDLE_CASES)
    _transition(obj, "start")
    return obj


def reject(obj, reason):
    """Reject the application; the reason is shown to the applicant and emailed."""
    _require(obj, HANDLE_CASES)
    reason = _clean("reason", reason)
    if not reason:
        raise SubmissionError({"reason": _tr(_("Give the reason for the rejection."))})
    try:
        text_constraint(REASON_MAX)(reason)
    except ValidationError as e:
        raise SubmissionError({"reason": _tr(e.doc())}) from e
    _transition(obj, "reject", comment=reason)
    return obj


def deliver(obj, comment=""):
    """Record that the issued certificate was posted, emailed or collected."""
    _require(obj, HANDLE_CASES)
    _transition(obj, "deliver", comment=_clean("comment", comment) or "")
    return obj


def set_staff_note(obj, note):
    """Store the internal note (never shown to the applicant)."""
    _require(obj, HANDLE_CASES)
    note = _clean("staff_note", note)
    field = ICertificateApplication["staff_note"]
    try:
        field.validate(note)
    except ValidationError as e:
        raise SubmissionError({"staff_note": _tr(e.doc())}) from e
    obj.staff_note = note
    return obj


def protocol_document(obj):
    """What the protocol records of an application (``register_in_protocol``)."""
    lines = [obj.purpose or ""]
    if obj.kind == KIND_TAP:
        lines.append("")
        lines.append(
            ", ".join(
                part
                for part in (
                    obj.property_address,
                    obj.property_municipal_unit,
                    obj.property_supply_number,
                )
                if part
            )
        )
    sender = {
        "name": obj.applicant_fullname or obj.applicant_userid or "",
        "email": obj.delivery_email or _applicant_email(obj) or None,
    }
    afm = obj.applicant_afm or ""
    if len(afm) == 9 and afm.isdigit():
        sender["tax_number"] = afm
    sender = {k: v for k, v in sender.items() if v}
    return {
        "subject": obj.title,
        "text": "\n".join(lines).strip(),
        "sender": sender,
        "kind": "certificate_application",
        "reference": getattr(obj, "reference_number", None) or "",
        "direction": "incoming",
    }


def _applicant_email(obj):
    member = api.user.get(userid=obj.applicant_userid) if obj.applicant_userid else None
    return member_email(member)


def applicant_email(obj):
    """Where to write to the applicant: the delivery email, else their profile's."""
    return obj.delivery_email or _applicant_email(obj)
