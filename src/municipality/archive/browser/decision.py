"""A historical decision's pages: the decision view and its page images.

``<decision>`` (``@@view``): the decision's data, its PDF, its permanent
link, a strip of page thumbnails and the current page's image beside its
text (``?page=n``); ``?q=…`` marks the words of a search in the text and
opens the first page that has them. Staff also see the state and why the
decision needs review, and the archivists correct a page's text there.

``<decision>/@@page/<n>/image`` and ``…/thumbnail``: the page's JPEGs,
with the View permission of the decision (so not for anonymous visitors
until it is published), cached by browsers and proxies when public.
"""

from AccessControl.PermissionRole import rolesForPermissionOn
from DateTime import DateTime
from email.utils import formatdate
from html import escape
from municipality import _
from municipality.archive import settings
from municipality.archive.restapi import page_url
from municipality.archive.restapi import permalink
from municipality.archive.subscribers import MSG_WITHHOLD_REASON
from plone import api as ploneapi
from plone.memoize.view import memoize
from plone.namedfile.file import NamedBlobFile
from plone.namedfile.utils import stream_data
from plone.protect.authenticator import check as check_authenticator
from Products.CMFCore.WorkflowCore import WorkflowException
from Products.Five.browser import BrowserView
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from Products.statusmessages.interfaces import IStatusMessage
from urllib.parse import urlencode
from zExceptions import NotFound
from zExceptions import Unauthorized
from zope.event import notify
from zope.i18n import translate
from zope.interface import implementer
from zope.lifecycleevent import ObjectModifiedEvent
from zope.publisher.interfaces import IPublishTraverse

import logging
import re
import unicodedata


logger = logging.getLogger(__name__)

REVIEW_PERMISSION = "municipality: Review archive"
MODIFY_PERMISSION = "Modify portal content"
WORKFLOW_ID = "archive_decision_workflow"

# Seconds browsers and proxies may keep a public page image.
PUBLIC_MAX_AGE = 24 * 3600

STATE_TITLES = {
    "ingested": _("Ingested"),
    "reviewed": _("Reviewed"),
    "published": _("Published"),
    "withheld": _("Withheld"),
}

REASON_TITLES = {
    "number_from_text": _("The number was read from the text."),
    "number_corrected": _(
        "A second reading of the number's digits corrected the first; "
        "check it against the scan."
    ),
    "number_unconfirmed": _(
        "Two readings of the number's digits disagree; check it against the scan."
    ),
    "date_from_text": _("The meeting date was read from the text."),
    "date_corrected": _(
        "A second reading of the meeting date's digits corrected the first; "
        "check it against the scan."
    ),
    "date_unconfirmed": _(
        "Two readings of the meeting date's digits disagree; check it against the scan."
    ),
    "year_from_text": _("The year was read from the text."),
    "no_number": _("No decision number was found."),
    "no_date": _("No meeting date was found."),
    "low_confidence": _("Page ${page} was read with low confidence."),
    "no_text": _("No text was read on page ${page}."),
    "text_missing": _(
        "The scan of page ${page} shows text that was not read; check the page."
    ),
}


def reason_title(code):
    """A review reason code (``low_confidence:3``) as a Greek sentence."""
    name, _sep, page = (code or "").partition(":")
    message = REASON_TITLES.get(name)
    if message is None:
        return code
    return _(message, mapping={"page": page})


def state_title(state):
    return STATE_TITLES.get(state, state or "")


def format_date(value):
    """A ``date`` as «dd/mm/yyyy»; "" for nothing."""
    return value.strftime("%d/%m/%Y") if value else ""


def format_confidence(value):
    """«91,3 %», the Greek way; "—" when Tesseract read no words."""
    if value is None:
        return "—"
    return f"{value:.1f}".replace(".", ",") + " %"


# -- marking a search's words ----------------------------------------------------

# A word as core's lexicon sees one: letters and digits with any combining
# marks (a polytonic page decomposed somewhere keeps its words whole).
_WORD_RE = re.compile(
    r"[\w\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+"
)


class Marker:
    """Marks, in a text, every word the search would find.

    The comparison is the search's own: the query is read as the catalog
    reads ``SearchableText`` (:func:`municipality.core.textindex.query_terms`:
    operators and ``NOT`` words skipped, ``word*`` as a prefix) and each word
    of the text goes through the same lexicon (:func:`~municipality.core.
    textindex.terms`: case, accents, diaeresis, final sigma, polytonic marks
    and endings folded), so ἀποφάσεως, ΑΠΟΦΑΣΗ and αποφαση are all marked
    for «απόφαση». Unlike ``highlight`` (snippets), every match is marked.
    """

    def __init__(self, query):
        from municipality.core.textindex import query_terms

        self.exact = set()
        self.globs = []
        for term in query_terms(query) if query and query.strip() else ():
            if "*" in term or "?" in term:
                self.globs.append(
                    re.compile(
                        "".join(
                            ".*" if c == "*" else "." if c == "?" else re.escape(c)
                            for c in term
                        )
                    )
                )
            else:
                self.exact.add(term)
        self._cache = {}

    def __bool__(self):
        return bool(self.exact or self.globs)

    def matches(self, word):
        found = self._cache.get(word)
        if found is None:
            from municipality.core.textindex import terms

            found = False
            for term in terms(word):
                if term in self.exact or any(g.fullmatch(term) for g in self.globs):
                    found = True
                    break
            self._cache[word] = found
        return found

    def has_match(self, text):
        if not self or not text:
            return False
        return any(self.matches(m.group()) for m in _WORD_RE.finditer(text))

    def mark(self, text):
        """``text`` HTML-escaped, the matching words in ``<mark>``."""
        text = text or ""
        if not self:
            return escape(text)
        out = []
        last = 0
        for match in _WORD_RE.finditer(text):
            if self.matches(match.group()):
                out.append(escape(text[last : match.start()]))
                out.append(f"<mark>{escape(match.group())}</mark>")
                last = match.end()
        out.append(escape(text[last:]))
        return "".join(out)


# -- the decision view -----------------------------------------------------------


class DecisionView(BrowserView):
    """The default view of a HistoricalDecision."""

    index = ViewPageTemplateFile("templates/decision.pt")

    def __call__(self):
        self.errors = {}
        if self.request.get("REQUEST_METHOD", "GET").upper() == "POST" and (
            self.request.form.get("form.action") == "save-page"
        ):
            result = self.save_page()
            if result is not None:
                return result
        return self.index()

    # -- who ----------------------------------------------------------------

    @memoize
    def is_staff(self):
        return bool(ploneapi.user.has_permission(REVIEW_PERMISSION, obj=self.context))

    @memoize
    def can_edit(self):
        return bool(ploneapi.user.has_permission(MODIFY_PERMISSION, obj=self.context))

    # -- the decision ----------------------------------------------------------

    def number_label(self):
        number, year = self.context.number, self.context.year
        if number and year:
            return f"{number}/{year}"
        return number or ""

    def meeting_date(self):
        return format_date(self.context.meeting_date)

    def meeting_date_iso(self):
        day = self.context.meeting_date
        return day.isoformat() if day else ""

    def confidence(self):
        return format_confidence(self.context.confidence)

    def pdf_url(self):
        if self.context.pdf is None:
            return None
        return f"{self.context.absolute_url()}/@@download/pdf"

    def pdf_size(self):
        pdf = self.context.pdf
        if pdf is None:
            return ""
        size = pdf.getSize()
        if size >= 1024 * 1024:
            return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")
        return f"{max(1, round(size / 1024))} kB"

    def permalink(self):
        return permalink(self.context)

    def state(self):
        return ploneapi.content.get_state(self.context, default="")

    def tr(self, message):
        return translate(message, context=self.request)

    def state_title(self):
        return self.tr(state_title(self.state()))

    def review_reasons(self):
        return [
            self.tr(reason_title(code)) for code in self.context.review_reasons or ()
        ]

    def review_url(self):
        return f"{self.context.__parent__.absolute_url()}/@@archive-review"

    @memoize
    def history(self):
        """The workflow's record: who did what, when, with which comment."""
        rows = []
        entries = (getattr(self.context, "workflow_history", None) or {}).get(
            WORKFLOW_ID, ()
        )
        for entry in entries:
            actor = entry.get("actor") or ""
            user = ploneapi.user.get(userid=actor) if actor else None
            name = (user.getProperty("fullname", "") if user else "") or actor
            when = entry.get("time")
            rows.append(
                {
                    "action": entry.get("action") or "",
                    "state": self.tr(state_title(entry.get("review_state"))),
                    "actor": name,
                    "time": when.strftime("%d/%m/%Y %H:%M")
                    if isinstance(when, DateTime)
                    else "",
                    "comment": entry.get("comments") or "",
                }
            )
        return list(reversed(rows))

    # -- pages --------------------------------------------------------------

    @property
    def pages(self):
        pages = getattr(self, "_pages", None)
        if pages is None:
            pages = self._pages = list(self.context.pages or ())
        return pages

    def query(self):
        value = self.request.form.get("q") or ""
        return value.strip()[:200] if isinstance(value, str) else ""

    def quoted_query(self):
        return f"«{self.query()}»"

    @memoize
    def marker(self):
        return Marker(self.query())

    @memoize
    def current_number(self):
        """The page asked for; else the first the search finds; else 1."""
        pages = self.pages
        if not pages:
            return 0
        value = self.request.form.get("page")
        if isinstance(value, str) and value.isdigit() and value.isascii():
            number = int(value)
            if 1 <= number <= len(pages):
                return number
        marker = self.marker()
        if marker:
            for page in pages:
                if marker.has_match(page.text):
                    return page.number
        return 1

    def current(self):
        number = self.current_number()
        return self.pages[number - 1] if number else None

    def page_link(self, number):
        params = {"page": number}
        if self.query():
            params["q"] = self.query()
        return f"{self.context.absolute_url()}?{urlencode(params)}"

    def image_url(self, number):
        return page_url(self.context, number, "image")

    def thumbnail_url(self, number):
        return page_url(self.context, number, "thumbnail")

    def page_alt(self, number):
        return self.tr(
            _(
                "Scan of page ${page} of the decision",
                mapping={"page": number},
            )
        )

    def page_heading(self, number):
        return self.tr(
            _(
                "Page ${page} of ${pages}",
                mapping={"page": number, "pages": len(self.pages)},
            )
        )

    def page_text(self):
        """The current page's text, HTML-escaped, the search's words marked."""
        page = self.current()
        if page is None:
            return ""
        return self.marker().mark(page.text or "")

    def page_confidence(self):
        page = self.current()
        return format_confidence(page.confidence if page else None)

    def page_is_low(self):
        page = self.current()
        if page is None:
            return False
        return page.confidence is None or page.confidence < settings.get(
            "low_confidence"
        )

    @memoize
    def matching_pages(self):
        marker = self.marker()
        if not marker:
            return set()
        return {page.number for page in self.pages if marker.has_match(page.text)}

    def previous_number(self):
        number = self.current_number()
        return number - 1 if number > 1 else None

    def next_number(self):
        number = self.current_number()
        return number + 1 if number and number < len(self.pages) else None

    # -- correcting a page's text (archivists) ----------------------------------

    def save_page(self):
        """Store the corrected text of one page; back to that page."""
        check_authenticator(self.request)
        if not self.can_edit():
            raise Unauthorized("You may not correct this decision.")
        form = self.request.form
        value = form.get("page")
        pages = self.pages
        if not (isinstance(value, str) and value.isdigit() and value.isascii()):
            raise NotFound("No such page")
        number = int(value)
        if not 1 <= number <= len(pages):
            raise NotFound("No such page")
        text = form.get("text")
        if not isinstance(text, str):
            self.errors["text"] = translate(
                _("Write the text of the page."), context=self.request
            )
            return None
        text = unicodedata.normalize("NFKC", text).replace("\r\n", "\n")
        text = text.replace("\f", "\n").replace("\x00", "").strip()
        page = pages[number - 1]
        if page.text != text:
            page.text = text
            self.context.text = "\f".join(p.text or "" for p in pages)
            self._put_text_in_pdf(number, text)
            notify(ObjectModifiedEvent(self.context))
            self.context.reindexObject()
            IStatusMessage(self.request).add(
                translate(
                    _("The text of page ${page} was saved.", mapping={"page": number}),
                    context=self.request,
                ),
                type="info",
            )
        self.request.response.redirect(self.page_link(number))
        return ""

    def _put_text_in_pdf(self, number, text):
        """The PDF's invisible text layer of page ``number`` shows ``text``
        too (:func:`ocr.put_page_text`): what a reader of the PDF selects and
        finds is the corrected text. A PDF without Tesseract's text layer
        (one uploaded by hand) stays as it is."""
        from municipality.archive import ocr

        pdf = self.context.pdf
        if pdf is None:
            return
        data = pdf.data
        new = ocr.put_page_text(data, number, text)
        if new is None:
            logger.info(
                "%s: page %d corrected, its PDF has no text layer to correct",
                "/".join(self.context.getPhysicalPath()),
                number,
            )
        elif new is not data:
            self.context.pdf = NamedBlobFile(
                data=new, contentType=pdf.contentType, filename=pdf.filename
            )


# -- page images -----------------------------------------------------------------


def is_public(obj):
    """True when anonymous visitors may see ``obj`` (a published decision)."""
    return "Anonymous" in rolesForPermissionOn("View", obj)


@implementer(IPublishTraverse)
class PageImageView(BrowserView):
    """``@@page/<n>/image`` and ``@@page/<n>/thumbnail``."""

    KINDS = ("image", "thumbnail")

    def __init__(self, context, request):
        super().__init__(context, request)
        self.params = []

    def publishTraverse(self, request, name):
        if len(self.params) >= 2:
            raise NotFound(name)
        self.params.append(name)
        return self

    def blob(self):
        if len(self.params) != 2:
            raise NotFound("Give a page and image or thumbnail")
        number, kind = self.params
        if kind not in self.KINDS or not (number.isdigit() and number.isascii()):
            raise NotFound(f"{number}/{kind}")
        pages = self.context.pages or ()
        index = int(number) - 1
        if not 0 <= index < len(pages):
            raise NotFound(f"No page {number}")
        blob = getattr(pages[index], kind, None)
        if blob is None:
            raise NotFound(f"Page {number} has no {kind}")
        return blob

    def __call__(self):
        blob = self.blob()
        response = self.request.response
        modified = self.context.modified()
        public = is_public(self.context)
        response.setHeader(
            "Last-Modified", formatdate(modified.timeTime(), usegmt=True)
        )
        if public:
            response.setHeader("Cache-Control", f"public, max-age={PUBLIC_MAX_AGE}")
        else:
            # Staff only: never in a shared cache, checked again every time.
            response.setHeader("Cache-Control", "private, no-cache")
        response.setHeader("X-Content-Type-Options", "nosniff")
        since = self.request.getHeader("If-Modified-Since")
        if since:
            try:
                seen = DateTime(since)
            except Exception:  # noqa: BLE001 - a malformed header is ignored
                seen = None
            if seen is not None and int(modified.timeTime()) <= int(seen.timeTime()):
                response.setStatus(304)
                return b""
        response.setHeader("Content-Type", blob.contentType or "image/jpeg")
        response.setHeader("Content-Length", blob.getSize())
        response.setHeader(
            "Content-Disposition",
            f'inline; filename="{self.filename()}"',
        )
        return stream_data(blob)

    def filename(self):
        number, kind = self.params
        suffix = "" if kind == "image" else "-thumbnail"
        return f"{self.context.getId()}-{int(number)}{suffix}.jpg"


# -- withholding one decision ------------------------------------------------------


class WithholdView(BrowserView):
    """``<decision>/@@withhold``: the reason, then «withhold».

    Plone's state menu leads here (the workflow's «withhold» action URL):
    a withheld decision's history must say why, and a bare
    ``content_status_modify`` has no comment to give.
    """

    index = ViewPageTemplateFile("templates/decision_withhold.pt")

    def __call__(self):
        self.error = ""
        if self.request.get("REQUEST_METHOD", "GET").upper() == "POST":
            check_authenticator(self.request)
            if "form.buttons.cancel" in self.request.form:
                self.request.response.redirect(self.context.absolute_url())
                return ""
            comment = self.request.form.get("comment")
            comment = comment.strip() if isinstance(comment, str) else ""
            if not comment:
                self.error = translate(MSG_WITHHOLD_REASON, context=self.request)
                self.request.response.setStatus(400)
                return self.index()
            wftool = ploneapi.portal.get_tool("portal_workflow")
            try:
                wftool.doActionFor(self.context, "withhold", comment=comment[:2000])
            except WorkflowException as error:
                self.error = str(error)
                self.request.response.setStatus(400)
                return self.index()
            IStatusMessage(self.request).add(
                translate(_("The decision was withheld."), context=self.request),
                type="info",
            )
            self.request.response.redirect(self.context.absolute_url())
            return ""
        return self.index()

    def available(self):
        wftool = ploneapi.portal.get_tool("portal_workflow")
        return any(
            t["id"] == "withhold" for t in wftool.getTransitionsFor(self.context)
        )
