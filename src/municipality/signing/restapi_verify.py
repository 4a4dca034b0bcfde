"""``@verify-document`` over plone.restapi: the verification page for machines.

- ``POST /@verify-document`` with a PDF — multipart (field ``file``, optional
  ``code``) or JSON ``{"file": "<base64>", "code": "…"}`` (``file`` may also
  be plone.restapi's ``{"data": "<base64>", "encoding": "base64"}``) —
  answers the validation of every signature and the registry match;
- ``GET /@verify-document/<code>`` answers the registry entry of a code.

Bad input is a 400 (413 for a file above 20 MB, 404 for an unknown code)
with ``{"type", "message", "errors": [{"field", "message"}]}``; messages
are in the site's language. Nothing is stored.
"""

from municipality import _
from municipality.signing import validation
from municipality.signing.browser.verify import check
from municipality.signing.browser.verify import entry_facts
from municipality.signing.browser.verify import MATCH_MESSAGES
from municipality.signing.browser.verify import read_upload
from municipality.signing.browser.verify import tr
from municipality.signing.verification import find_by_code
from municipality.signing.verification import normalize_code
from municipality.signing.verification import VIEW_NAME
from plone import api
from plone.restapi.services import Service
from zope.interface import implementer
from zope.publisher.interfaces import IPublishTraverse

import base64
import binascii
import json
import transaction


# base64 of MAX_SIZE, plus room for the JSON around it.
MAX_BODY = validation.MAX_SIZE * 4 // 3 + 64 * 1024

BAD_FILE = _(
    "The file must be a PDF sent as multipart field «file» or as base64 in the "
    "JSON field «file»."
)
BAD_CODE = _(
    "This is not a verification code. It has 16 letters and digits, as printed "
    "on the document, e.g. k7m2-x9qp-4hrt-w8ca."
)
UNKNOWN_CODE = _(
    "No document was found with this verification code. Check that you typed "
    "it exactly as printed on the document."
)
BAD_JSON = _("The request body is not a JSON object.")


class VerifyService(Service):
    """The common part of the two services."""

    def error(self, status, kind, message, field=None):
        self.request.response.setStatus(status)
        text = tr(self.request, message)
        body = {"type": kind, "message": text}
        if field:
            body["errors"] = [{"field": field, "message": text}]
        return body

    def entry_json(self, obj):
        facts = entry_facts(obj, self.request)
        facts["@id"] = (
            f"{api.portal.get().absolute_url()}/{VIEW_NAME}/{facts['verification_code']}"
        )
        return facts


@implementer(IPublishTraverse)
class VerifyDocumentGet(VerifyService):
    """``GET @verify-document/<code>``: the code's registry entry."""

    def __init__(self, context, request):
        super().__init__(context, request)
        self.params = []

    def publishTraverse(self, request, name):
        self.params.append(name)
        return self

    def reply(self):
        transaction.doom()
        self.request.response.setHeader("Cache-Control", "no-store, private")
        if len(self.params) != 1:
            return self.error(400, "BadRequest", BAD_CODE, "code")
        code = normalize_code(self.params[0])
        if code is None:
            return self.error(400, "BadRequest", BAD_CODE, "code")
        obj = find_by_code(code)
        if obj is None:
            return self.error(404, "NotFound", UNKNOWN_CODE, "code")
        return {"entry": self.entry_json(obj)}


class VerifyDocumentPost(VerifyService):
    """``POST @verify-document``: check a PDF (see the module's docstring)."""

    def reply(self):
        transaction.doom()
        self.request.response.setHeader("Cache-Control", "no-store, private")
        try:
            length = int(self.request.get("CONTENT_LENGTH") or 0)
        except (TypeError, ValueError):
            length = 0
        if length > MAX_BODY:
            return self.too_large()

        upload = self.request.form.get("file")
        if hasattr(upload, "read"):  # multipart
            data = read_upload(upload)
            code = self.request.form.get("code")
        else:
            body = self.request.get("BODY") or b""
            if len(body) > MAX_BODY:
                return self.too_large()
            try:
                payload = json.loads(body or b"{}")
            except ValueError:
                return self.error(400, "BadRequest", BAD_JSON)
            if not isinstance(payload, dict):
                return self.error(400, "BadRequest", BAD_JSON)
            data = self.decode(payload.get("file"))
            if data is None:
                return self.error(400, "BadRequest", BAD_FILE, "file")
            code = payload.get("code")

        entry = None
        if code not in (None, ""):
            canonical = normalize_code(code if isinstance(code, str) else "")
            if canonical is None:
                return self.error(400, "BadRequest", BAD_CODE, "code")
            entry = find_by_code(canonical)
            if entry is None:
                return self.error(404, "NotFound", UNKNOWN_CODE, "code")

        if len(data) > validation.MAX_SIZE:
            return self.too_large()
        if not data:
            return self.error(
                400, "BadRequest", validation.EXPLANATIONS[validation.EMPTY], "file"
            )

        result, match, found = check(data, entry)
        body = result.as_dict()
        body["headline"] = tr(self.request, result.headline)
        body["explanation"] = tr(self.request, result.explanation)
        for signature, as_json in zip(
            result.signatures, body["signatures"], strict=True
        ):
            as_json["headline"] = tr(self.request, signature.headline)
            as_json["messages"] = [
                tr(self.request, message) for message in signature.messages()
            ]
        body["registry"] = {
            "match": match,
            "message": tr(self.request, MATCH_MESSAGES.get(match)),
            "entry": self.entry_json(found) if found is not None else None,
        }
        if entry is not None:
            body["code_entry"] = self.entry_json(entry)
        return body

    def too_large(self):
        return self.error(
            413,
            "PayloadTooLarge",
            validation.EXPLANATIONS[validation.TOO_LARGE],
            "file",
        )

    @staticmethod
    def decode(value):
        """The bytes of a base64 ``file`` (a string, a data: URL or a dict)."""
        if isinstance(value, dict):
            if value.get("encoding", "base64") != "base64":
                return None
            value = value.get("data")
        if not isinstance(value, str):
            return None
        if value.startswith("data:") and "," in value:
            value = value.split(",", 1)[1]
        try:
            return base64.b64decode("".join(value.split()), validate=True)
        except (binascii.Error, ValueError):
            return None
