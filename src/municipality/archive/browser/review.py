"""The archivists' review list: ``<archive>/@@archive-review``.

Decisions by state (``ingested`` first), filtered by «needs review», low
OCR confidence, year, decade and volume, in batches, oldest ingestion
first; selected decisions take one transition together — mark reviewed,
publish, withhold (the reason is required and becomes the workflow
comment, so each decision's history keeps who, when and why), back to
ingested, retract, reinstate. Permission «municipality: Review archive»;
the bulk form carries plone.protect's token.
"""

from municipality import _
from municipality.archive import settings
from municipality.archive.browser.decision import format_confidence
from municipality.archive.browser.decision import format_date
from municipality.archive.browser.decision import reason_title
from municipality.archive.browser.decision import STATE_TITLES
from plone import api as ploneapi
from plone.base.batch import Batch
from plone.memoize.view import memoize
from plone.protect.authenticator import check as check_authenticator
from Products.CMFCore.WorkflowCore import WorkflowException
from Products.Five.browser import BrowserView
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from Products.statusmessages.interfaces import IStatusMessage
from urllib.parse import urlencode
from zExceptions import Forbidden
from zope.i18n import translate


PORTAL_TYPE = "HistoricalDecision"
STATES = ("ingested", "reviewed", "published", "withheld")
DEFAULT_STATE = "ingested"
BATCH_SIZE = 50
FILTERS = ("state", "needs_review", "low_confidence", "year", "decade", "volume")

# The bulk actions, in the order the form offers them.
ACTIONS = {
    "review": _("Mark reviewed"),
    "publish": _("Publish"),
    "withhold": _("Withhold"),
    "reopen": _("Back to ingested"),
    "retract": _("Retract"),
    "reinstate": _("Reinstate"),
}
MAX_COMMENT_LENGTH = 2000

MSG_NOTHING_SELECTED = _("Select at least one decision.")
MSG_UNKNOWN_ACTION = _("Choose what to do with the selected decisions.")
MSG_WITHHOLD_REASON = _(
    "Give the reason for withholding (e.g. the personal data the decisions hold)."
)
MSG_COMMENT_TOO_LONG = _("The comment is too long: at most ${max} characters.")
MSG_YEAR = _("Write a year, e.g. 1987.")


class ReviewView(BrowserView):
    """The review list and its bulk transitions."""

    index = ViewPageTemplateFile("templates/review.pt")

    def __call__(self):
        self.errors = {}
        if self.request.get("REQUEST_METHOD", "GET").upper() == "POST":
            result = self.handle()
            if result is not None:
                return result
        return self.index()

    def tr(self, message):
        return translate(message, context=self.request)

    # -- filters --------------------------------------------------------------

    def param(self, name):
        value = self.request.form.get(name, "")
        if isinstance(value, list):
            value = value[0] if value else ""
        return value.strip() if isinstance(value, str) else ""

    def state(self):
        value = self.param("state")
        if value == "all" or value in STATES:
            return value
        return DEFAULT_STATE

    def flag(self, name):
        return self.param(name) in ("1", "on", "true")

    def _int(self, name, low=1000, high=2100):
        value = self.param(name)
        if not value:
            return None
        if value.isdigit() and value.isascii() and low <= int(value) <= high:
            return int(value)
        self.errors[name] = self.tr(MSG_YEAR)
        return None

    def year(self):
        return self._int("year")

    def decade(self):
        value = self._int("decade")
        return None if value is None else value // 10 * 10

    def volume(self):
        return self.param("volume")[:200]

    def low_confidence_threshold(self):
        return settings.get("low_confidence")

    def filter_params(self):
        """The current filters, as query-string pairs (for links and redirects)."""
        params = {}
        for name in FILTERS:
            value = self.param(name)
            if value:
                params[name] = value
        return params

    def url(self, **changes):
        params = self.filter_params()
        params.update({k: v for k, v in changes.items() if v is not None})
        params = {k: v for k, v in params.items() if v not in ("", None)}
        base = f"{self.context.absolute_url()}/@@archive-review"
        return f"{base}?{urlencode(params)}" if params else base

    def has_filters(self):
        return any(self.param(name) for name in FILTERS if name != "state")

    # -- the list -------------------------------------------------------------

    def _catalog(self):
        return ploneapi.portal.get_tool("portal_catalog")

    def _base_query(self):
        return {
            "portal_type": PORTAL_TYPE,
            "path": {"query": "/".join(self.context.getPhysicalPath())},
        }

    def query(self):
        query = self._base_query()
        state = self.state()
        if state != "all":
            query["review_state"] = state
        if self.flag("needs_review"):
            query["archive_needs_review"] = True
        year = self.year()
        if year is not None:
            query["archive_year"] = year
        decade = self.decade()
        if decade is not None:
            query["archive_decade"] = decade
        volume = self.volume()
        indexes = self._catalog().indexes()
        if volume and "archive_volume" in indexes:
            query["archive_volume"] = volume
        if self.flag("low_confidence") and "archive_confidence_rank" in indexes:
            # Up to the threshold (a range includes it): the few at exactly
            # the threshold are left out by results().
            query["archive_confidence_rank"] = {
                "query": float(self.low_confidence_threshold()),
                "range": "max",
            }
        query["sort_on"] = "created"
        return query

    @memoize
    def results(self):
        brains = self._catalog()(**self.query())
        low = self.flag("low_confidence")
        volume = self.volume()
        volume_indexed = "archive_volume" in self._catalog().indexes()
        if not low and (not volume or volume_indexed):
            return brains
        threshold = self.low_confidence_threshold()
        kept = []
        for brain in brains:
            if low:
                confidence = brain.archive_confidence
                if confidence is not None and confidence >= threshold:
                    continue
            if volume and not volume_indexed:
                if (brain.getObject().source_volume or "") != volume:
                    continue
            kept.append(brain)
        return kept

    @memoize
    def batch(self):
        try:
            start = max(0, int(self.request.form.get("b_start", 0) or 0))
        except (TypeError, ValueError):
            start = 0
        return Batch(self.results(), BATCH_SIZE, start)

    def count(self):
        return len(self.results())

    def rows(self):
        threshold = self.low_confidence_threshold()
        rows = []
        for brain in self.batch():
            number = brain.archive_number or ""
            year = brain.archive_year or ""
            confidence = brain.archive_confidence
            rows.append(
                {
                    "uid": brain.UID,
                    "url": brain.getURL(),
                    "title": brain.Title,
                    "number": f"{number}/{year}" if number and year else number,
                    "year": year,
                    "date": format_date(brain.archive_meeting_date),
                    "pages": brain.archive_pages or 0,
                    "confidence": format_confidence(confidence),
                    "low": confidence is None or confidence < threshold,
                    "needs_review": bool(brain.archive_needs_review),
                    "state": brain.review_state,
                    "state_title": self.tr(
                        STATE_TITLES.get(brain.review_state, brain.review_state)
                    ),
                }
            )
        self._add_reasons(rows)
        return rows

    def _add_reasons(self, rows):
        """Reasons are not catalog metadata: read them from the batch's objects."""
        uids = [row["uid"] for row in rows if row["needs_review"]]
        objects = {}
        if uids:
            for brain in self._catalog()(UID=uids, **self._base_query()):
                objects[brain.UID] = brain.getObject()
        for row in rows:
            obj = objects.get(row["uid"])
            codes = (getattr(obj, "review_reasons", None) or ()) if obj else ()
            row["reasons"] = [self.tr(reason_title(code)) for code in codes]

    @memoize
    def state_counts(self):
        catalog = self._catalog()
        result = []
        for state in (*STATES, "all"):
            query = self._base_query()
            if state != "all":
                query["review_state"] = state
            result.append(
                {
                    "id": state,
                    "title": self.tr(STATE_TITLES[state])
                    if state != "all"
                    else self.tr(_("All")),
                    "count": len(catalog(**query)),
                    "url": self.url(state=state, b_start=None),
                    "current": state == self.state(),
                }
            )
        return result

    def volumes(self):
        index = self._catalog()._catalog.indexes.get("archive_volume")
        if index is None:
            return []
        return sorted(value for value in index.uniqueValues() if value)

    def decades(self):
        index = self._catalog()._catalog.indexes.get("archive_decade")
        if index is None:
            return []
        return sorted(value for value in index.uniqueValues() if value)

    def actions(self):
        return [{"id": key, "title": self.tr(title)} for key, title in ACTIONS.items()]

    def form_value(self, name):
        value = self.request.form.get(name, "")
        return value if isinstance(value, str) else ""

    def selected(self):
        uids = self.request.form.get("uids", [])
        if isinstance(uids, str):
            uids = [uids]
        return {uid for uid in uids if isinstance(uid, str)}

    # -- bulk transitions ------------------------------------------------------

    def handle(self):
        """Apply one transition to the selected decisions; back to the list."""
        check_authenticator(self.request)
        if not ploneapi.user.has_permission(
            "municipality: Review archive", obj=self.context
        ):
            raise Forbidden("You may not review the archive.")
        action = self.form_value("workflow_action")
        uids = sorted(self.selected())
        comment = self.form_value("comment").strip()
        if action not in ACTIONS:
            self.errors["workflow_action"] = self.tr(MSG_UNKNOWN_ACTION)
        if not uids:
            self.errors["uids"] = self.tr(MSG_NOTHING_SELECTED)
        if action == "withhold" and not comment:
            self.errors["comment"] = self.tr(MSG_WITHHOLD_REASON)
        if len(comment) > MAX_COMMENT_LENGTH:
            self.errors["comment"] = self.tr(
                _(MSG_COMMENT_TOO_LONG, mapping={"max": MAX_COMMENT_LENGTH})
            )
        if self.errors:
            self.request.response.setStatus(400)
            return None
        done, refused = self.transition(uids, action, comment)
        messages = IStatusMessage(self.request)
        if done:
            messages.add(
                self.tr(
                    _(
                        "${action}: ${count} decisions.",
                        mapping={
                            "action": self.tr(ACTIONS[action]),
                            "count": len(done),
                        },
                    )
                ),
                type="info",
            )
        if refused:
            messages.add(
                self.tr(
                    _(
                        "Not possible for ${count} decisions in their current "
                        "state: ${titles}",
                        mapping={"count": len(refused), "titles": "; ".join(refused)},
                    )
                ),
                type="warning",
            )
        self.request.response.redirect(self.url())
        return ""

    def transition(self, uids, action, comment):
        """``(done, refused)``: titles of the decisions moved, and of those that
        could not take ``action`` (its state does not offer it, or no right)."""
        wftool = ploneapi.portal.get_tool("portal_workflow")
        done, refused = [], []
        brains = self._catalog()(UID=uids, **self._base_query())
        for brain in brains:
            obj = brain.getObject()
            try:
                wftool.doActionFor(obj, action, comment=comment)
            except WorkflowException:
                refused.append(obj.Title())
            else:
                done.append(obj.Title())
        return done, refused
