"""REST services of the certificates add-on (plone.restapi).

* ``POST /certificates`` (the folder): a verified citizen applies. It
  replaces plone.restapi's generic content POST on this folder, so that an
  application is checked as a whole (what the kind and the delivery method
  require) and gets the applicant's data from the profile: a 400 names each
  field that is wrong and nothing is stored; 401 for anonymous, 403 with a
  Greek explanation for a user who is not verified.
* ``POST /certificates/<id>/@issue`` (staff): issue and sign, as the staff
  page's «Έκδοση και υπογραφή» does.

Reading an application (``GET``) and the other transitions
(``POST …/@workflow/start|reject|deliver``) are plone.restapi's own; the
workflow keeps every application private to its applicant and the staff,
and ``staff_note`` is only serialised for staff (its read permission).
"""

from municipality import _
from municipality.certificates import api
from plone import api as ploneapi
from plone.protect.interfaces import IDisableCSRFProtection
from plone.restapi.deserializer import json_body
from plone.restapi.interfaces import ISerializeToJson
from plone.restapi.services import Service
from zExceptions import Unauthorized
from zope.component import queryMultiAdapter
from zope.i18n import translate
from zope.interface import alsoProvides


NOT_VERIFIED = _(
    "Only people whose identity the municipality has verified can apply for "
    "certificates: log in with TaxisNet, or visit the Citizens' Service "
    "Office with your identity card."
)


def _tr(request, message):
    return translate(message, context=request)


class ApplyPost(Service):
    """``POST`` on the certificates folder: a new application."""

    def reply(self):
        # Token-less like plone.restapi's own POSTs (authentication is by
        # header, which a cross-site form cannot send).
        alsoProvides(self.request, IDisableCSRFProtection)
        if ploneapi.user.is_anonymous():
            raise Unauthorized("Log in to apply for a certificate.")
        member = ploneapi.user.get_current()
        if not api.may_apply(self.context, member):
            self.request.response.setStatus(403)
            return {
                "error": {
                    "type": "Forbidden",
                    "message": _tr(self.request, NOT_VERIFIED),
                }
            }
        try:
            data = json_body(self.request)
        except Exception:  # noqa: BLE001 - plone.restapi raises a bare DeserializationError
            data = None
        if not isinstance(data, dict):
            self.request.response.setStatus(400)
            return {
                "error": {
                    "type": "BadRequest",
                    "message": _tr(self.request, _("Send a JSON object.")),
                    "errors": [],
                }
            }
        portal_type = data.get("@type", api.PORTAL_TYPE)
        if portal_type != api.PORTAL_TYPE:
            self.request.response.setStatus(400)
            return {
                "error": {
                    "type": "BadRequest",
                    "message": f"Only {api.PORTAL_TYPE} can be added here.",
                    "errors": [{"field": "@type", "message": "Not allowed here"}],
                }
            }
        try:
            obj = api.submit(self.context, member, data)
        except api.SubmissionError as error:
            self.request.response.setStatus(400)
            errors = [
                {"field": field or None, "message": message}
                for field, message in error.errors.items()
            ]
            return {
                "error": {
                    "type": "BadRequest",
                    "message": "; ".join(
                        f"{e['field']}: {e['message']}" if e["field"] else e["message"]
                        for e in errors
                    ),
                    "errors": errors,
                }
            }
        self.request.response.setStatus(201)
        self.request.response.setHeader("Location", obj.absolute_url())
        serialized = queryMultiAdapter((obj, self.request), ISerializeToJson)()
        serialized["@id"] = obj.absolute_url()
        return serialized


class IssuePost(Service):
    """``POST …/@issue`` on an application: issue and sign it (staff)."""

    def reply(self):
        alsoProvides(self.request, IDisableCSRFProtection)
        if not api.is_staff(self.context):
            raise Unauthorized("Only staff issue certificates.")
        try:
            from municipality.certificates import issuing
        except ImportError:
            self.request.response.setStatus(501)
            return {"error": {"type": "NotImplemented", "message": "No issuing"}}
        member = ploneapi.user.get_current()
        try:
            issuing.issue(self.context, member.getId())
        except issuing.IssuingError as error:
            self.request.response.setStatus(400)
            message = getattr(error, "message", None) or str(error)
            return {
                "error": {"type": "IssuingError", "message": _tr(self.request, message)}
            }
        return queryMultiAdapter((self.context, self.request), ISerializeToJson)()
