"""``@verification`` over plone.restapi.

- ``GET @verification``: the logged-in person's own status and history
  (without the staff's notes);
- ``GET @verification/<userid>``: anyone's, for staff with
  ``municipality: Verify identity`` (a person may also ask for their own id);
- ``POST @verification/<userid>`` (staff): ``{"action": "verify_citizen",
  "document_kind": …, "document_digits": …, "note": …}``, ``{"action":
  "verify_business", "representative_name": …, "representative_afm": …,
  "capacity": …, "document": …, "note": …}`` or ``{"action": "revoke",
  "reason": …}``. Bad input is a 400 ``{"error": {"type": "BadRequest",
  "message": <Greek>, "field": <name>}}`` and changes nothing.
"""

from municipality import _
from municipality.core.identity import verification
from municipality.core.identity.verification_views import describe_record
from municipality.core.identity.verification_views import describe_status
from plone import api
from plone.protect.interfaces import IDisableCSRFProtection
from plone.restapi.deserializer import json_body
from plone.restapi.services import Service
from zExceptions import Unauthorized
from zope.i18n import translate
from zope.interface import alsoProvides
from zope.interface import implementer
from zope.publisher.interfaces import IPublishTraverse


@implementer(IPublishTraverse)
class VerificationService(Service):
    def __init__(self, context, request):
        super().__init__(context, request)
        self.params = []

    def publishTraverse(self, request, name):
        self.params.append(name)
        return self

    @property
    def userid(self):
        return self.params[0] if self.params else None

    def error(self, status, message, field=None, type_="BadRequest"):
        self.request.response.setStatus(status)
        return {
            "error": {
                "type": type_,
                "message": translate(message, context=self.request),
                "field": field,
            }
        }

    def describe(self, userid, internal):
        status = verification.verification_status(userid)
        return {
            "@id": f"{self.context.absolute_url()}/@verification/{userid}",
            "userid": userid,
            **describe_status(status, self.request, self.context, internal=internal),
            "history": [
                describe_record(r, self.request, self.context, internal=internal)
                for r in verification.history(userid)
            ],
        }


class VerificationGet(VerificationService):
    def reply(self):
        if api.user.is_anonymous():
            raise Unauthorized("Log in to see your verification.")
        me = api.user.get_current().getId()
        userid = self.userid or me
        staff = api.user.has_permission(verification.PERMISSION, obj=self.context)
        if userid != me and not staff:
            raise Unauthorized("Only staff see another person's verification.")
        if api.user.get(userid=userid) is None:
            return self.error(
                404, _("There is no user with this id."), "userid", "NotFound"
            )
        return self.describe(userid, internal=staff)


class VerificationPost(VerificationService):
    """Staff only (the ZCML permission); the permission is checked again here."""

    def reply(self):
        if not api.user.has_permission(verification.PERMISSION, obj=self.context):
            raise Unauthorized("municipality: Verify identity")
        userid = self.userid
        if not userid:
            return self.error(400, _("There is no user with this id."), "userid")
        # Like plone.restapi's own write services, no plone.protect token: a
        # JSON body is required instead, which a cross-site form cannot send
        # without a CORS preflight.
        content_type = self.request.getHeader("Content-Type", "") or ""
        if content_type.split(";")[0].strip().lower() != "application/json":
            return self.error(415, _("The request body must be a JSON object."), None)
        alsoProvides(self.request, IDisableCSRFProtection)
        try:
            data = json_body(self.request)
        except Exception:  # noqa: BLE001 - any unreadable body is the client's error
            data = None
        if not isinstance(data, dict):
            return self.error(400, _("The request body must be a JSON object."))
        actor = api.user.get_current().getId()
        action = data.get("action")

        def text(name):
            value = data.get(name, "")
            return value if isinstance(value, str) else ""

        try:
            if action == "verify_citizen":
                verification.verify_citizen(
                    userid,
                    text("document_kind"),
                    actor,
                    note=text("note"),
                    document_digits=text("document_digits"),
                )
            elif action == "verify_business":
                verification.verify_business(
                    userid,
                    text("representative_name"),
                    text("representative_afm"),
                    text("capacity"),
                    text("document"),
                    actor,
                    note=text("note"),
                )
            elif action == "revoke":
                verification.revoke(userid, text("reason"), actor)
            else:
                return self.error(
                    400,
                    _("The action must be verify_citizen, verify_business or revoke."),
                    "action",
                )
        except verification.VerificationError as error:
            status = (
                404
                if error.field == "userid" and not api.user.get(userid=userid)
                else 400
            )
            return self.error(
                status,
                error.message,
                error.field,
                "NotFound" if status == 404 else "BadRequest",
            )
        self.request.response.setStatus(200)
        return self.describe(userid, internal=True)
