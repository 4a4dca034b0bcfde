"""The archive over plone.restapi: the ingestion endpoint and the decision's JSON.

``GET <archive>/@archive-ingest`` and ``POST <archive>/@archive-ingest``
(permission «municipality: Ingest archive») are the contract of ``api.py``:
the settings and the hashes the site holds; one whole decision per POST,
``201`` created, ``200`` already there (nothing changes), ``400`` with
``{"error": {"type": "BadRequest", "message", "errors": [{"field",
"message"}]}}`` and nothing written; ``413`` for a body over
:data:`MAX_BODY_BYTES`, ``415`` for a body that is not JSON.

``GET <decision>`` (``Accept: application/json``) is plone.restapi's own
serialization plus ``pages`` (number, confidence, text, image and
thumbnail URLs, where it was scanned), ``permalink``, ``source_hash``,
``source_files``, ``languages`` and ``confidence`` — the URLs of the
images, never their bytes.
"""

from municipality import _
from municipality.archive import settings
from municipality.archive import store
from municipality.archive.content.decision import IHistoricalDecision
from municipality.archive.interfaces import IArchiveLayer
from plone.protect.interfaces import IDisableCSRFProtection
from plone.restapi.deserializer import json_body
from plone.restapi.interfaces import ISerializeToJson
from plone.restapi.serializer.dxcontent import SerializeToJson
from plone.restapi.services import Service
from zope.component import adapter
from zope.i18n import translate
from zope.interface import alsoProvides
from zope.interface import implementer


# The largest decision one POST may carry: ~100 scanned pages (their JPEG
# images, thumbnails and the PDF/A, as base64). Waitress must accept as
# much: ``max_request_body_size`` of the instance's zope.ini (written by
# scripts/control.py; buildout.cfg's ``max-request-body-size``), 128 MB.
MAX_BODY_BYTES = 128 * 1024 * 1024

MSG_JSON = _("The request body must be a JSON object.")
MSG_TOO_LARGE = _(
    "The decision is too large for one request: at most ${max} MB of JSON."
)
MSG_INVALID = _("The decision was not stored: correct the fields listed.")


def permalink(obj):
    """The decision's permanent link: ``<portal>/resolveuid/<UID>``.

    It outlives a renamed id or a moved archive (Plone's own resolver
    redirects to wherever the decision is).
    """
    from plone import api as ploneapi

    return f"{ploneapi.portal.get().absolute_url()}/resolveuid/{obj.UID()}"


def page_url(obj, number, kind="image"):
    """``<decision>/@@page/<n>/image`` or ``…/thumbnail``."""
    return f"{obj.absolute_url()}/@@page/{number}/{kind}"


def pages_json(obj):
    """The pages as plain JSON: URLs of the images, not their bytes."""
    result = []
    for page in getattr(obj, "pages", None) or ():
        result.append(
            {
                "number": page.number,
                "confidence": page.confidence,
                "text": page.text or "",
                "image": page_url(obj, page.number, "image")
                if page.image is not None
                else None,
                "thumbnail": page_url(obj, page.number, "thumbnail")
                if page.thumbnail is not None
                else None,
                "source_file": page.source_file,
                "source_page": page.source_page,
                "languages": page.languages,
            }
        )
    return result


class ArchiveService(Service):
    """Errors in the platform's JSON shape."""

    def tr(self, message):
        return translate(message, context=self.request)

    def error(self, status, message, errors=(), type_="BadRequest"):
        self.request.response.setStatus(status)
        return {
            "error": {
                "type": type_,
                "message": self.tr(message),
                "errors": [
                    {"field": field, "message": self.tr(text)} for field, text in errors
                ],
            }
        }


class IngestGet(ArchiveService):
    """What the ingestion tool needs before a batch: settings and known hashes."""

    def reply(self):
        return {
            "settings": settings.as_dict(),
            "source_hashes": store.known_hashes(self.context),
        }


class IngestPost(ArchiveService):
    """One whole decision; idempotent by ``source_hash``."""

    def reply(self):
        content_type = self.request.getHeader("Content-Type", "") or ""
        if content_type.split(";")[0].strip().lower() != "application/json":
            return self.error(415, MSG_JSON, [("", MSG_JSON)])
        try:
            length = int(self.request.getHeader("Content-Length", "0") or 0)
        except ValueError:
            length = 0
        if length > MAX_BODY_BYTES:
            message = _(MSG_TOO_LARGE, mapping={"max": MAX_BODY_BYTES // (1024 * 1024)})
            return self.error(413, message, [("", message)], type_="PayloadTooLarge")
        # A JSON body, which a cross-site form cannot send; like
        # plone.restapi's own POSTs, no plone.protect token.
        alsoProvides(self.request, IDisableCSRFProtection)
        try:
            payload = json_body(self.request)
        except Exception:  # noqa: BLE001 - any unreadable body is the client's error
            payload = None
        if not isinstance(payload, dict):
            return self.error(400, MSG_JSON, [("", MSG_JSON)])
        try:
            decision, created = store.ingest(self.context, payload)
        except store.IngestError as error:
            return self.error(400, MSG_INVALID, error.errors)
        url = decision.absolute_url()
        self.request.response.setStatus(201 if created else 200)
        self.request.response.setHeader("Location", url)
        return {"@id": url, "UID": decision.UID(), "created": created}


@implementer(ISerializeToJson)
@adapter(IHistoricalDecision, IArchiveLayer)
class SerializeDecisionToJson(SerializeToJson):
    """plone.restapi's serialization of a decision, with its pages."""

    def __call__(self, version=None, include_items=True, include_expansion=True):
        result = super().__call__(
            version=version,
            include_items=include_items,
            include_expansion=include_expansion,
        )
        obj = self.context
        result.update(
            {
                # No plone.basic behavior: the title is computed (store.py).
                "title": obj.title,
                "pages": pages_json(obj),
                "permalink": permalink(obj),
                "source_hash": obj.source_hash,
                "source_files": list(obj.source_files or ()),
                "languages": obj.languages,
                "confidence": obj.confidence,
            }
        )
        return result
