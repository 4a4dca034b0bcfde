"""The pages of verification: the staff page and the person's own page.

``@@identity-verification`` (site root, ``municipality: Verify identity``):
find a person, see their profile, status and history, verify them as a
citizen or a business, or revoke. Every POST carries plone.protect's
``_authenticator`` and the permission is checked again; bad input leaves
everything as it was and says why, in Greek, next to the field.

``@@my-verification`` (any logged-in person): their own status and history,
without the staff's notes.
"""

from municipality import _
from municipality.core.identity import verification
from municipality.core.identity.userdata import FIELDS
from municipality.core.identity.validators import is_valid_afm
from plone import api
from plone.app.event.base import default_timezone
from plone.protect.authenticator import check
from Products.Five.browser import BrowserView
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from Products.statusmessages.interfaces import IStatusMessage
from urllib.parse import urlencode
from zExceptions import Forbidden
from zExceptions import Unauthorized
from zope.i18n import translate


ACTIONS = ("verify_citizen", "verify_business", "revoke")


def format_datetime(value, context=None):
    """«dd/mm/yyyy HH:MM» in the site's time zone; "" for nothing."""
    if value is None:
        return ""
    zone = default_timezone(context, as_tzinfo=True)
    return value.astimezone(zone).strftime("%d/%m/%Y %H:%M")


def _title(request, choices, key):
    message = choices.get(key)
    return translate(message, context=request) if message is not None else key or ""


def options(request, choices):
    return [
        {"value": key, "title": translate(title, context=request)}
        for key, title in choices.items()
    ]


def describe_record(record, request, context=None, internal=False):
    """A history record as plain strings for a page or JSON.

    ``internal`` adds what only staff see: their note, the user id of the
    employee, the last characters of the document's number.
    """
    kind = record.get("kind")
    info = {
        "action": record["action"],
        "action_title": translate(
            _("Verification") if record["action"] == "verify" else _("Revocation"),
            context=request,
        ),
        "kind": kind,
        "kind_title": translate(
            _("Citizen") if kind == verification.CITIZEN else _("Business"),
            context=request,
        ),
        "at": record["at"].isoformat(),
        "at_display": format_datetime(record["at"], context),
        "actor_name": record.get("actor_name") or record.get("actor", ""),
        "afm": record.get("afm", ""),
        "reason": record.get("reason", ""),
        "document_kind": record.get("document_kind") or "",
        "document_kind_title": _title(
            request, verification.DOCUMENT_KINDS, record.get("document_kind")
        ),
        "representative_name": record.get("representative_name") or "",
        "representative_afm": record.get("representative_afm") or "",
        "capacity": record.get("capacity") or "",
        "capacity_title": _title(
            request, verification.CAPACITIES, record.get("capacity")
        ),
        "document": record.get("document") or "",
        "document_title": _title(
            request, verification.REPRESENTATION_DOCUMENTS, record.get("document")
        ),
    }
    if internal:
        info.update(
            actor=record.get("actor", ""),
            note=record.get("note", ""),
            document_digits=record.get("document_digits", ""),
        )
    return info


def describe_status(status, request, context=None, internal=False):
    """:func:`verification.verification_status` as plain strings."""
    kind = status["kind"]
    info = {
        "verified": status["verified"],
        "kind": kind,
        "kind_title": translate(
            _("Verified citizen")
            if kind == verification.CITIZEN
            else _("Verified business"),
            context=request,
        )
        if kind
        else "",
        "verified_at": status["verified_at"].isoformat()
        if status["verified_at"]
        else None,
        "verified_at_display": format_datetime(status["verified_at"], context),
        "verified_by_name": status["verified_by_name"] or "",
        "afm": status["afm"] or "",
        "afm_changed": status["afm_changed"],
        "document_kind": status["document_kind"] or "",
        "document_kind_title": _title(
            request, verification.DOCUMENT_KINDS, status["document_kind"]
        ),
        "representative_name": status["representative_name"] or "",
        "representative_afm": status["representative_afm"] or "",
        "capacity": status["capacity"] or "",
        "capacity_title": _title(request, verification.CAPACITIES, status["capacity"]),
        "document": status["document"] or "",
        "document_title": _title(
            request, verification.REPRESENTATION_DOCUMENTS, status["document"]
        ),
        "groups": list(status["groups"]),
    }
    if internal:
        info.update(
            verified_by=status["verified_by"] or "",
            document_digits=status["document_digits"] or "",
        )
    return info


def profile(user):
    """The profile fields of ``user`` as plain values."""
    get = user.getProperty
    afm = get("afm", "") or ""
    return {
        "userid": user.getId(),
        "login": user.getUserName(),
        "fullname": get("fullname", "") or "",
        "email": get("email", "") or "",
        "afm": afm,
        "afm_valid": bool(afm) and is_valid_afm(afm) and len(afm) == 9,
        **{name: get(name, "") or "" for name in FIELDS if name != "afm"},
    }


class StaffVerificationView(BrowserView):
    """``@@identity-verification``: find, verify, revoke."""

    template = ViewPageTemplateFile("templates/verification_staff.pt")

    def __init__(self, context, request):
        super().__init__(context, request)
        self.errors = {}
        self.error_message = ""

    def __call__(self):
        self.request.response.setHeader("Cache-Control", "no-store")
        if not api.user.has_permission(verification.PERMISSION, obj=self.context):
            raise Unauthorized("municipality: Verify identity")
        if self.request.method == "POST":
            done = self.handle_post()
            if done:
                return ""
        return self.template()

    # -- POST

    def handle_post(self):
        form = self.request.form
        check(self.request)  # raises Forbidden without a valid token
        action = form.get("action", "")
        userid = form.get("userid", "")
        if action not in ACTIONS:
            raise Forbidden("Unknown action.")
        actor = api.user.get_current().getId()
        try:
            if action == "verify_citizen":
                verification.verify_citizen(
                    userid,
                    form.get("document_kind", ""),
                    actor,
                    note=form.get("note", ""),
                    document_digits=form.get("document_digits", ""),
                )
                message = _("The citizen is verified.")
            elif action == "verify_business":
                verification.verify_business(
                    userid,
                    form.get("representative_name", ""),
                    form.get("representative_afm", ""),
                    form.get("capacity", ""),
                    form.get("document", ""),
                    actor,
                    note=form.get("note", ""),
                )
                message = _("The business is verified.")
            else:
                verification.revoke(userid, form.get("reason", ""), actor)
                message = _("The verification is revoked.")
        except verification.VerificationError as error:
            self.error_message = translate(error.message, context=self.request)
            self.errors[error.field or "form"] = self.error_message
            self.errors["action"] = action
            IStatusMessage(self.request).add(
                _("Nothing was changed: correct the marked field."), type="error"
            )
            return False
        IStatusMessage(self.request).add(message, type="info")
        url = f"{self.context.absolute_url()}/@@identity-verification?"
        self.request.response.redirect(url + urlencode({"userid": userid}))
        return True

    # -- what the template shows

    def value(self, name):
        """A submitted value, to show again after an error."""
        if not self.errors:
            return ""
        return self.request.form.get(name, "")

    def error(self, name):
        return self.errors.get(name, "")

    def failed_action(self):
        return self.errors.get("action", "")

    def query(self):
        return (self.request.form.get("q") or "").strip()

    def results(self):
        query = self.query()
        if not query:
            return []
        return [self.person_summary(user) for user in verification.find_people(query)]

    def person_summary(self, user):
        status = verification.verification_status(user.getId())
        info = profile(user)
        info["status"] = describe_status(status, self.request, self.context)
        info["url"] = (
            f"{self.context.absolute_url()}/@@identity-verification?"
            + urlencode({"userid": user.getId()})
        )
        return info

    def person(self):
        userid = (self.request.form.get("userid") or "").strip()
        if not userid:
            return None
        user = api.user.get(userid=userid)
        if user is None:
            return None
        info = profile(user)
        status = verification.verification_status(userid)
        info["status"] = describe_status(
            status, self.request, self.context, internal=True
        )
        info["active"] = status["kind"] is not None or bool(status["groups"])
        info["history"] = [
            describe_record(r, self.request, self.context, internal=True)
            for r in reversed(verification.history(userid))
        ]
        return info

    def archived(self):
        userid = (self.request.form.get("userid") or "").strip()
        if not userid:
            return []
        return [
            {
                "deleted_at_display": format_datetime(
                    entry["deleted_at"], self.context
                ),
                "records": [
                    describe_record(r, self.request, self.context, internal=True)
                    for r in reversed(entry["records"])
                ],
            }
            for entry in verification.archived_history(userid)
        ]

    def missing_userid(self):
        userid = (self.request.form.get("userid") or "").strip()
        return bool(userid) and api.user.get(userid=userid) is None

    def document_kinds(self):
        return options(self.request, verification.DOCUMENT_KINDS)

    def capacities(self):
        return options(self.request, verification.CAPACITIES)

    def representation_documents(self):
        return options(self.request, verification.REPRESENTATION_DOCUMENTS)

    def group_title(self, group_id):
        group = api.group.get(groupname=group_id)
        return group.getProperty("title") or group_id if group else group_id


class MyVerificationView(BrowserView):
    """``@@my-verification``: the person's own status and history."""

    template = ViewPageTemplateFile("templates/verification_mine.pt")

    def __call__(self):
        if api.user.is_anonymous():
            raise Unauthorized("Log in to see your verification.")
        self.request.response.setHeader("Cache-Control", "no-store")
        return self.template()

    def user(self):
        return api.user.get_current()

    def info(self):
        user = self.user()
        info = profile(user)
        info["status"] = describe_status(
            verification.verification_status(user.getId()), self.request, self.context
        )
        info["history"] = [
            describe_record(r, self.request, self.context)
            for r in reversed(verification.history(user.getId()))
        ]
        return info
