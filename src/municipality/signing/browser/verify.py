"""``@@verify-document``: the public page that checks a signed document.

- ``GET  @@verify-document``         explains, offers an upload and a code form;
- ``GET  @@verify-document/<code>``  our registry entry for the code (the QR
  code's target) and an upload form to check a copy against it; an unknown
  code is a 404 with a clear message;
- ``POST`` (either address) with a PDF: every signature's validation and the
  registry match by the file's SHA-256.

Nothing is stored: the transaction is doomed, so even an accidental write
is thrown away (and plone.protect has nothing to object to). The page
shows only public facts of an entry — reference number, type, status,
signer and date, the file's hash — never the document's content.
"""

from datetime import datetime
from municipality import _
from municipality.signing import validation
from municipality.signing.verification import find_by_code
from municipality.signing.verification import find_by_hash
from municipality.signing.verification import normalize_code
from municipality.signing.verification import VIEW_NAME
from plone import api
from Products.CMFCore.utils import getToolByName
from Products.Five.browser import BrowserView
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from urllib.parse import quote
from zExceptions import NotFound
from zope.i18n import translate
from zope.i18nmessageid import Message
from zope.interface import implementer
from zope.publisher.interfaces import IPublishTraverse

import transaction


# How the registry answers about an uploaded file.
ISSUED = "issued"  # the exact file we issued (under this code, if one was given)
MISMATCH = "mismatch"  # a code was given and the file is not the one issued under it
NOT_OURS = "not_ours"  # valid signatures, but not a file in our registry
NOT_FOUND = "not_found"  # not in our registry (and its signatures do not hold)

MATCH_MESSAGES = {
    ISSUED: _("This is exactly the file we issued. Its entry in our registry:"),
    MISMATCH: _(
        "The file is not the one issued under this verification code. Its "
        "content may differ from the document we issued."
    ),
    NOT_OURS: _(
        "The signatures are valid, but this file is not in our registry of "
        "issued documents: it was not issued by us in this form."
    ),
    NOT_FOUND: _("This file is not in our registry of issued documents."),
}

UPLOAD_ERRORS = {
    validation.EMPTY: _("Please choose a PDF file to check."),
    validation.TOO_LARGE: _("The file is larger than 20 MB and was not checked."),
}


def tr(request, message):
    if message is None:
        return ""
    if isinstance(message, Message):
        return translate(message, context=request)
    return str(message)


def _translate_title(title, request, domain="municipality"):
    translated = translate(Message(title, domain=domain), context=request)
    if translated == title and domain != "plone":
        translated = translate(Message(title, domain="plone"), context=request)
    return translated


def format_datetime(value, context=None):
    """«dd/mm/yyyy HH:MM» in the site's time zone; "" for nothing."""
    if not isinstance(value, datetime):
        return ""
    if value.tzinfo is not None:
        from plone.app.event.base import default_timezone

        value = value.astimezone(default_timezone(context, as_tzinfo=True))
    return value.strftime("%d/%m/%Y %H:%M")


def user_fullname(userid):
    if not userid:
        return ""
    user = api.user.get(userid=userid)
    if user is None:
        return userid
    return user.getProperty("fullname") or userid


def type_title(obj, request):
    fti = getToolByName(obj, "portal_types").getTypeInfo(obj)
    if fti is None:
        return obj.portal_type
    return _translate_title(
        fti.Title(), request, getattr(fti, "i18n_domain", "") or "plone"
    )


def state_info(obj, request):
    """(state id, translated title) of ``obj``, read without permission checks."""
    wftool = getToolByName(obj, "portal_workflow")
    for workflow in wftool.getWorkflowsFor(obj):
        status = wftool.getStatusOf(workflow.id, obj) or {}
        state = status.get(workflow.state_var)
        if not state:
            continue
        definition = workflow.states.get(state)
        title = (definition.title if definition is not None else "") or state
        return state, _translate_title(title, request)
    return "", ""


def entry_facts(obj, request):
    """The public facts of a registry entry, as plain (translated) values."""
    state, state_title = state_info(obj, request)
    signed_at = getattr(obj, "signed_at", None)
    return {
        "verification_code": getattr(obj, "verification_code", "") or "",
        "reference_number": getattr(obj, "reference_number", "") or "",
        "type": obj.portal_type,
        "type_title": type_title(obj, request),
        "state": state,
        "state_title": state_title,
        "signed_at": signed_at.isoformat() if isinstance(signed_at, datetime) else "",
        "signed_at_text": format_datetime(signed_at, obj),
        "signed_by": user_fullname(getattr(obj, "signed_by", "") or ""),
        "sha256": getattr(obj, "signed_sha256", "") or "",
    }


def registry_match(result, entry):
    """(kind, matching object) for an uploaded file's result and the code's entry."""
    if not result.checked or not result.sha256:
        return None, None
    found = find_by_hash(result.sha256)
    if entry is not None:
        if found is not None and found.UID() == entry.UID():
            return ISSUED, found
        return MISMATCH, found
    if found is not None:
        return ISSUED, found
    if result.ok:
        return NOT_OURS, None
    return NOT_FOUND, None


def signature_facts(signature, request, context=None):
    """One signature's result as plain (translated) values for the page."""
    timestamp = None
    if signature.timestamp_valid is not None:
        timestamp = {
            "time": format_datetime(signature.timestamp_time, context),
            "iso": signature.timestamp_time.isoformat()
            if signature.timestamp_time
            else "",
            "valid": signature.timestamp_valid,
        }
    return {
        "index": signature.index,
        "kind": signature.kind,
        "verdict": signature.verdict,
        "ok": signature.ok,
        "headline": tr(request, signature.headline),
        "intact": signature.intact,
        "trusted": signature.trusted,
        "signer_name": signature.signer_name,
        "signer_organization": signature.signer_organization,
        "signer_email": signature.signer_email,
        "issuer_name": signature.issuer_name,
        "signing_time": format_datetime(signature.signing_time, context),
        "signing_time_iso": signature.signing_time.isoformat()
        if signature.signing_time
        else "",
        "timestamp": timestamp,
        # What a broken signature "covers" means nothing to a reader.
        "coverage": tr(request, signature.coverage_message) if signature.intact else "",
        "modification": tr(request, signature.modification_message)
        if signature.intact
        else "",
        "problems": [tr(request, message) for message in signature.messages()],
    }


def read_upload(upload):
    """The bytes of an uploaded file, at most MAX_SIZE + 1 of them; b"" if none."""
    if (
        upload is None
        or isinstance(upload, (str, bytes))
        or not hasattr(upload, "read")
    ):
        return b""
    try:
        upload.seek(0)
    except (AttributeError, OSError):
        pass
    return upload.read(validation.MAX_SIZE + 1) or b""


def check(data, entry):
    """Validate ``data`` and match it in the registry (outside the write lock)."""
    from municipality.core.serial import outside

    # Checking is CPU work that writes nothing: let other writers go on.
    with outside():
        result = validation.validate_pdf(data)
        match, found = registry_match(result, entry)
    return result, match, found


@implementer(IPublishTraverse)
class VerifyDocumentView(BrowserView):
    """The public verification page (see the module's docstring)."""

    index = ViewPageTemplateFile("templates/verify.pt")

    code = None  # as traversed (the URL's segment)
    entry = None  # the object of the code
    result = None
    match = None
    match_entry = None
    upload_error = ""
    code_error = ""

    def publishTraverse(self, request, name):
        if self.code is None:
            self.code = name
            return self
        raise NotFound(self, name, request)

    def __call__(self):
        # Read-only: whatever happens, nothing is committed.
        transaction.doom()
        response = self.request.response
        response.setHeader("Cache-Control", "no-store, private")
        response.setHeader("Referrer-Policy", "no-referrer")
        response.setHeader("X-Robots-Tag", "noindex, nofollow")

        if self.code is None and "code" in self.request.form:
            return self.go_to_code(self.request.form.get("code"))

        if self.code is not None:
            self.entry = find_by_code(self.code)
            if self.entry is None:
                response.setStatus(404)
                return self.index()

        if self.request.get("REQUEST_METHOD", "GET").upper() == "POST":
            self.check_upload()
        return self.index()

    def go_to_code(self, typed):
        canonical = normalize_code(typed if isinstance(typed, str) else "")
        if canonical is None:
            self.code_error = tr(
                self.request,
                _(
                    "This is not a verification code. It has 16 letters and "
                    "digits, as printed on the document, e.g. k7m2-x9qp-4hrt-w8ca."
                ),
            )
            self.request.response.setStatus(400)
            return self.index()
        self.request.response.redirect(self.url_for(canonical))
        return ""

    def check_upload(self):
        content_length = self.request.get("CONTENT_LENGTH") or 0
        try:
            too_large = int(content_length) > validation.MAX_SIZE + 64 * 1024
        except (TypeError, ValueError):
            too_large = False
        data = b"" if too_large else read_upload(self.request.form.get("file"))
        if too_large or len(data) > validation.MAX_SIZE:
            self.upload_error = tr(self.request, UPLOAD_ERRORS[validation.TOO_LARGE])
            self.request.response.setStatus(413)
            return
        if not data:
            self.upload_error = tr(self.request, UPLOAD_ERRORS[validation.EMPTY])
            self.request.response.setStatus(400)
            return
        self.result, self.match, self.match_entry = check(data, self.entry)

    # What the template shows

    @property
    def portal_url(self):
        return api.portal.get().absolute_url()

    def url_for(self, code=None):
        base = f"{self.portal_url}/{VIEW_NAME}"
        return f"{base}/{quote(code, safe='')}" if code else base

    @property
    def page_url(self):
        if self.entry is not None:
            return self.url_for(self.entry.verification_code)
        return self.url_for()

    @property
    def not_found(self):
        return self.code is not None and self.entry is None

    def entry_info(self):
        return entry_facts(self.entry, self.request) if self.entry is not None else None

    def match_info(self):
        """The matching entry's facts, unless they are the code's (shown above)."""
        if self.match_entry is None or self.match_entry is self.entry:
            return None
        return entry_facts(self.match_entry, self.request)

    def match_message(self):
        return tr(self.request, MATCH_MESSAGES.get(self.match))

    def verdict(self):
        return self.result.verdict if self.result is not None else ""

    def verdict_class(self):
        return {
            validation.VALID: "alert-success",
            validation.ALTERED: "alert-danger",
            validation.UNTRUSTED: "alert-warning",
        }.get(self.verdict(), "alert-secondary")

    def headline(self):
        return tr(self.request, self.result.headline) if self.result else ""

    def explanation(self):
        return tr(self.request, self.result.explanation) if self.result else ""

    def signatures(self):
        if self.result is None:
            return []
        return [
            signature_facts(signature, self.request, self.context)
            for signature in self.result.signatures
        ]

    def max_size_text(self):
        return f"{validation.MAX_SIZE // (1024 * 1024)} MB"
