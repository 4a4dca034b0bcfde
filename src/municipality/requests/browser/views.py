"""The pages of a request: its detail (with the staff panel), the result page
after submitting, the anonymous tracking page, the citizen's list and the
staff inbox.

Everything shown is computed here and handed to the templates as plain
values; state changes go through :mod:`municipality.requests.api`.
"""

from municipality import _
from municipality.core.browser.protocol import refresh_and_redirect
from municipality.core.roles import GROUPS
from municipality.requests import api
from municipality.requests.browser.base import RequestsView
from municipality.requests.browser.utils import as_date
from municipality.requests.browser.utils import CATEGORIES_VOCABULARY
from municipality.requests.browser.utils import check_csrf
from municipality.requests.browser.utils import DEPARTMENTS_VOCABULARY
from municipality.requests.browser.utils import format_date
from municipality.requests.browser.utils import format_datetime
from municipality.requests.browser.utils import HANDLE_CASES
from municipality.requests.browser.utils import iso_date
from municipality.requests.browser.utils import KINDS_VOCABULARY
from municipality.requests.browser.utils import PORTAL_TYPE
from municipality.requests.browser.utils import state_title
from municipality.requests.browser.utils import term_title
from municipality.requests.browser.utils import tr
from municipality.requests.browser.utils import vocabulary_options
from municipality.requests.ratelimit import SlidingWindowLimiter
from plone import api as ploneapi
from plone.batching import Batch
from plone.memoize.instance import memoize
from Products.CMFCore.utils import getToolByName
from Products.CMFCore.WorkflowCore import WorkflowException
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from urllib.parse import quote
from urllib.parse import urlencode
from zExceptions import NotFound
from zExceptions import Unauthorized
from zope.interface import implementer
from zope.publisher.interfaces import IPublishTraverse


# «Ενημέρωση» on the anonymous tracking page: lookups per request per hour
# (in this process; see ratelimit.py for what that means).
TRACKING_REFRESHES_PER_HOUR = 6
tracking_refreshes = SlidingWindowLimiter(window=3600)


ATTACHMENT_TYPE = "RequestAttachment"

# The workflow's states, in their order, for the inbox filter when the
# workflow cannot be asked.
STATES = ("submitted", "in_progress", "answered", "closed", "rejected")

# The staff actions of the panel: action -> the workflow transition that
# must leave the current state for the action to be offered (None: always).
STAFF_ACTIONS = {
    "assign": "assign",
    "answer": "answer",
    "reject": "reject",
    "close": "close",
    "reopen": "reopen",
    "register": None,
}

INBOX_PAGE_SIZE = 50

OFFICERS_VOCABULARY = "municipality.requests.officers"

REGISTER = "municipality: Register in protocol"


def human_size(size):
    """«2,4 MB», «312 KB»: Greek decimal comma."""
    if not size:
        return ""
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB".replace(".", ",")
    return f"{max(1, round(size / 1024))} KB"


def user_title(user_id):
    """A user's full name, else their id."""
    if not user_id:
        return ""
    user = ploneapi.user.get(userid=user_id)
    if user is None:
        return user_id
    return user.getProperty("fullname") or user_id


class RequestInfo:
    """What the pages show of one request, as plain values."""

    def __init__(self, obj, request):
        self.obj = obj
        self.request = request

    def _get(self, name, default=None):
        value = getattr(self.obj, name, default)
        return default if value is None else value

    @property
    def url(self):
        return self.obj.absolute_url()

    def reference(self):
        return self._get("reference_number", "")

    def title(self):
        return self._get("title", "")

    def text(self):
        return self._get("text", "")

    def desired_action(self):
        return self._get("desired_action", "")

    def kind_title(self):
        return term_title(
            self.obj, self.request, KINDS_VOCABULARY, self._get("kind", "")
        )

    def category_title(self):
        return term_title(
            self.obj, self.request, CATEGORIES_VOCABULARY, self._get("category", "")
        )

    def department(self):
        return self._get("department", "")

    def department_title(self):
        return term_title(
            self.obj, self.request, DEPARTMENTS_VOCABULARY, self.department()
        )

    def officer(self):
        return self._get("officer", "")

    def officer_title(self):
        return user_title(self.officer())

    def answer(self):
        return self._get("answer", "")

    def created(self):
        created = getattr(self.obj, "created", None)
        value = created() if callable(created) else created
        return format_date(value, self.obj)

    def created_iso(self):
        created = getattr(self.obj, "created", None)
        return iso_date(created() if callable(created) else created)

    def deadline(self):
        return format_date(self._get("deadline"), self.obj)

    def deadline_iso(self):
        return iso_date(self._get("deadline"))

    def answered_date(self):
        return format_date(self._get("answered_date"), self.obj)

    def state(self):
        return ploneapi.content.get_state(self.obj, default="")

    def state_title(self):
        return state_title(self.obj, self.request, self.state())

    def is_overdue(self):
        return bool(api.is_overdue(self.obj))

    def protocol_number(self):
        return self._get("protocol_number", "")

    def protocol_date(self):
        return format_date(self._get("protocol_date"), self.obj)

    def protocol_pending(self):
        """True while the request waits for its protocol number."""
        return not self.protocol_number()

    def submitter_name(self):
        return self._get("submitter_name", "")

    def submitter_email(self):
        return self._get("submitter_email", "")

    def is_anonymous(self):
        return bool(self._get("anonymous", False))

    def attachments(self):
        """The attached files: title, download address, size."""
        result = []
        values = getattr(self.obj, "contentValues", None)
        if values is None:
            return result
        for item in values():
            if getattr(item, "portal_type", None) != ATTACHMENT_TYPE:
                continue
            blob = getattr(item, "file", None)
            filename = getattr(blob, "filename", None) or item.getId()
            result.append(
                {
                    "title": filename,
                    "url": f"{item.absolute_url()}/@@download/file/{quote(filename)}",
                    "size": human_size(getattr(blob, "size", 0)),
                    "content_type": getattr(blob, "contentType", "") or "",
                }
            )
        return result

    def history(self, with_actors=True):
        """The status history, oldest first, dates as dd/mm/yyyy HH:MM."""
        entries = api.status_history(self.obj) or []
        result = []
        for entry in entries:
            state = entry.get("state") or ""
            result.append(
                {
                    "state": state,
                    "state_title": tr(self.request, entry.get("state_title"))
                    or state_title(self.obj, self.request, state),
                    "date": format_datetime(entry.get("date"), self.obj),
                    "date_iso": iso_date(entry.get("date")),
                    "actor": tr(self.request, entry.get("actor_title"))
                    if with_actors
                    else "",
                    "comment": tr(self.request, entry.get("comment")),
                }
            )
        return result


class RequestView(RequestsView):
    """The default view of a CitizenRequest: for its citizen and for staff."""

    index = ViewPageTemplateFile("templates/request_view.pt")

    def __init__(self, context, request):
        super().__init__(context, request)
        self.info = RequestInfo(context, request)
        self.action_errors = {}

    def __call__(self):
        if self.request.get("REQUEST_METHOD", "GET").upper() == "POST" and (
            "form.action" in self.request.form
        ):
            return self.handle(self.request.form.get("form.action"))
        return self.index()

    # -- who --------------------------------------------------------------

    @memoize
    def is_staff(self):
        return bool(ploneapi.user.has_permission(HANDLE_CASES, obj=self.context))

    # -- staff panel ------------------------------------------------------

    @memoize
    def transitions_from_state(self):
        """The transitions that leave the current state, whatever their guards.

        «Answer» is guarded by a non-empty answer, which the panel writes and
        transitions in one step: asking the workflow for the transitions the
        user may take now would hide it.
        """
        wftool = getToolByName(self.context, "portal_workflow")
        result = set()
        for workflow in wftool.getWorkflowsFor(self.context):
            state_id = wftool.getInfoFor(self.context, "review_state", None)
            state = workflow.states.get(state_id) if state_id else None
            if state is not None:
                result.update(state.transitions)
        return result

    def can(self, action):
        """Is the staff action offered in the current state?"""
        if not self.is_staff():
            return False
        transition = STAFF_ACTIONS.get(action)
        if transition is None:
            # Submitting queues the registration already: the button is for
            # requests that have neither a number nor a queued registration.
            return (
                action == "register"
                and self.info.protocol_pending()
                and not self.protocol_queued()
                and ploneapi.user.has_permission(REGISTER, obj=self.context)
            )
        return transition in self.transitions_from_state()

    def has_staff_actions(self):
        return any(self.can(action) for action in STAFF_ACTIONS)

    @memoize
    def protocol_queued(self):
        """True while the registration waits in the outbox."""
        try:
            from municipality.core.protocol import protocol_pending

            return bool(protocol_pending(self.context))
        except (TypeError, ImportError):  # no protocol data on this object
            return False

    def departments(self):
        return vocabulary_options(self.context, self.request, DEPARTMENTS_VOCABULARY)

    @memoize
    def officers(self):
        """The employees a request can be assigned to, by full name."""
        options = vocabulary_options(self.context, self.request, OFFICERS_VOCABULARY)
        if options:
            return options
        # Without the model's vocabulary: the members of every staff group.
        groups = sorted(
            group_id
            for group_id, (_t, _d, roles) in GROUPS.items()
            if "Employee" in roles
        )
        seen = {}
        for group_id in groups:
            if ploneapi.group.get(groupname=group_id) is None:
                continue
            for user in ploneapi.user.get_users(groupname=group_id):
                user_id = user.getId()
                if user_id not in seen:
                    seen[user_id] = user.getProperty("fullname") or user_id
        return [
            {"value": user_id, "title": title}
            for user_id, title in sorted(seen.items(), key=lambda i: i[1].lower())
        ]

    def form_value(self, name, default=""):
        """What staff typed into a panel field (kept after an error)."""
        value = self.request.form.get(name)
        if value is None:
            return default
        return value.strip() if isinstance(value, str) else default

    def action_error(self, action):
        return self.action_errors.get(action)

    # -- actions ----------------------------------------------------------

    def handle(self, action):
        if not check_csrf(self.request):
            return self._action_failed(
                action,
                _(
                    "The form has expired or did not come from this site. "
                    "Please try again."
                ),
                status=403,
            )
        if action == "refresh":
            return self.refresh()
        if action not in STAFF_ACTIONS:
            return self._action_failed(action, _("Unknown action."))
        if not self.is_staff():
            raise Unauthorized("Only staff handle requests.")
        if not self.can(action):
            return self._action_failed(
                action, _("This action is not possible in the current state.")
            )
        try:
            if action == "assign":
                department = self.form_value("department")
                officer = self.form_value("officer")
                if not department:
                    return self._action_failed(
                        action, _("Choose the department that handles the request.")
                    )
                api.assign(self.context, department, officer or None)
                message = _("The request has been assigned.")
            elif action == "answer":
                api.answer(self.context, self.form_value("answer"))
                message = _("The answer has been saved and the citizen notified.")
            elif action == "reject":
                api.reject(self.context, self.form_value("reason"))
                message = _("The request has been rejected.")
            elif action == "close":
                api.close(self.context)
                message = _("The request has been closed.")
            elif action == "reopen":
                api.reopen(self.context)
                message = _("The request has been reopened.")
            else:  # register
                api.register(self.context)
                message = _(
                    "The request has been sent to the protocol. "
                    "Its number will appear here when the protocol assigns it."
                )
        except api.SubmissionError as error:
            # Field messages are Greek; "" holds the workflow's own (English)
            # refusal, which staff are told in plain words instead.
            messages = [
                tr(self.request, message)
                for key, message in error.errors.items()
                if key and message
            ]
            return self._action_failed(
                action,
                " ".join(messages)
                or _("This action is not possible in the current state."),
            )
        except (WorkflowException, ValueError):
            return self._action_failed(
                action, _("This action is not possible in the current state.")
            )
        ploneapi.portal.show_message(message, request=self.request, type="info")
        self.request.response.redirect(self.context.absolute_url())
        return ""

    def refresh(self):
        """«Ενημέρωση»: ask the protocol system for the number now."""
        return refresh_and_redirect(self, _("Your request is up to date."))

    def _action_failed(self, action, message, status=400):
        self.action_errors[action] = tr(self.request, message)
        self.request.response.setStatus(status)
        return self.index()


class SubmittedView(RequestsView):
    """``@@request-submitted``: the page after a named request was sent."""

    index = ViewPageTemplateFile("templates/request_submitted.pt")

    def __init__(self, context, request):
        super().__init__(context, request)
        self.info = RequestInfo(context, request)

    def __call__(self):
        return self.index()

    @property
    def folder_url(self):
        return self.context.aq_parent.absolute_url()


@implementer(IPublishTraverse)
class TrackView(RequestsView):
    """``@@track/<token>``: an anonymous request, for whoever holds its link.

    The token is looked up (by its hash) with the model's unrestricted
    search; the page shows the status, the answer and the history, never the
    submitter's name or address. An unknown token is a plain 404.
    """

    index = ViewPageTemplateFile("templates/track.pt")
    token = None
    info = None

    def publishTraverse(self, request, name):
        if self.token is None:
            self.token = name
            return self
        raise NotFound(self, name, request)

    def __call__(self):
        # A secret in the URL: no caches, no referrer to other sites, no index.
        response = self.request.response
        response.setHeader("Cache-Control", "no-store, private")
        response.setHeader("Referrer-Policy", "no-referrer")
        response.setHeader("X-Robots-Tag", "noindex, nofollow")
        obj = None
        if self.token:
            obj = api.find_by_token(self.context, self.token)
        if obj is None:
            raise NotFound(self.context, "track", self.request)
        self.info = RequestInfo(obj, self.request)
        self.action_errors = {}
        if self.request.get("REQUEST_METHOD", "GET").upper() == "POST":
            if self.request.form.get("form.action") == "refresh":
                return self.refresh(obj)
        return self.index()

    @property
    def page_url(self):
        return f"{self.context.absolute_url()}/@@track/{quote(self.token, safe='')}"

    def action_error(self, action):
        return self.action_errors.get(action)

    def refresh(self, obj):
        """«Ενημέρωση» for whoever holds the link: the same lookup as the
        citizen's own page, a few times per request and hour at most, since
        each one is a call to the protocol system."""
        from municipality.core.protocol import refresh_protocol

        if not check_csrf(self.request):
            self.action_errors["refresh"] = tr(
                self.request,
                _(
                    "The form has expired or did not come from this site. "
                    "Please try again."
                ),
            )
            self.request.response.setStatus(403)
            return self.index()
        if self.info.protocol_number():
            message, kind = _("Your request is up to date."), "info"
        elif not tracking_refreshes.allowed(obj.UID(), TRACKING_REFRESHES_PER_HOUR):
            message, kind = (
                _(
                    "You have already asked several times. The protocol number "
                    "will appear here as soon as it is assigned."
                ),
                "warning",
            )
        else:
            tracking_refreshes.hit(obj.UID())
            if refresh_protocol(obj):
                message, kind = _("The protocol number has been received."), "info"
            else:
                message, kind = (
                    _(
                        "The protocol number has not been assigned yet. "
                        "Please check this page again later."
                    ),
                    "warning",
                )
        ploneapi.portal.show_message(message, request=self.request, type=kind)
        self.request.response.redirect(self.page_url)
        return ""

    def history(self):
        return self.info.history(with_actors=False)


class MyRequestsView(RequestsView):
    """``@@my-requests``: the logged-in citizen's own requests, newest first."""

    index = ViewPageTemplateFile("templates/my_requests.pt")

    def __call__(self):
        if ploneapi.user.is_anonymous():
            raise Unauthorized("Log in to see your requests.")
        return self.index()

    @property
    def folder_url(self):
        return self.context.absolute_url()

    @memoize
    def rows(self):
        member = ploneapi.user.get_current()
        brains = api.my_requests(member.getId())
        return [self._row(brain) for brain in brains]

    def _row(self, brain):
        number = getattr(brain, "protocol_number", None) or ""
        protocol_date = getattr(brain, "protocol_date", None)
        if number and not protocol_date:
            obj = brain.getObject()
            protocol_date = getattr(obj, "protocol_date", None)
        return {
            "url": brain.getURL(),
            "reference": getattr(brain, "reference_number", None) or "",
            "title": brain.Title,
            "kind": term_title(
                self.context,
                self.request,
                KINDS_VOCABULARY,
                getattr(brain, "request_kind", None) or "",
            ),
            "date": format_date(brain.created, self.context),
            "date_iso": iso_date(brain.created),
            "state": brain.review_state or "",
            "state_title": state_title(self.context, self.request, brain.review_state),
            "protocol_number": number,
            "protocol_date": format_date(protocol_date, self.context),
        }


class InboxView(RequestsView):
    """``@@requests-inbox``: the staff's list with filters, overdue first to see."""

    index = ViewPageTemplateFile("templates/inbox.pt")
    filter_names = ("state", "kind", "department", "min_age", "overdue")

    def __call__(self):
        return self.index()

    # -- filters ----------------------------------------------------------

    def param(self, name):
        value = self.request.form.get(name, "")
        if isinstance(value, (list, tuple)):
            value = value[0] if value else ""
        return value.strip() if isinstance(value, str) else ""

    def min_age(self):
        """The «older than N days» filter as a positive int, else None."""
        value = self.param("min_age")
        if value.isdigit() and int(value) > 0:
            return int(value)
        return None

    def min_age_error(self):
        value = self.param("min_age")
        if value and self.min_age() is None:
            return tr(self.request, _("Enter a whole number of days, e.g. 10."))
        return None

    def overdue_only(self):
        return self.param("overdue") in ("1", "on", "true")

    def sort(self):
        value = self.param("sort")
        return value if value in ("newest", "oldest", "deadline") else "newest"

    def states(self):
        wftool = getToolByName(self.context, "portal_workflow")
        ids = list(STATES)
        for workflow_id in wftool.getChainForPortalType(PORTAL_TYPE):
            workflow = wftool.getWorkflowById(workflow_id)
            if workflow is not None:
                ids = list(workflow.states.objectIds())
                ids.sort(key=lambda s: STATES.index(s) if s in STATES else 99)
                break
        return [
            {"value": s, "title": state_title(self.context, self.request, s)}
            for s in ids
        ]

    def kinds(self):
        return vocabulary_options(self.context, self.request, KINDS_VOCABULARY)

    def departments(self):
        return vocabulary_options(self.context, self.request, DEPARTMENTS_VOCABULARY)

    def has_filters(self):
        return any(self.param(name) for name in self.filter_names)

    def sort_url(self, sort):
        """This page sorted otherwise, filters kept."""
        query = {name: self.param(name) for name in self.filter_names}
        query = {k: v for k, v in query.items() if v}
        query["sort"] = sort
        return f"{self.context.absolute_url()}/@@requests-inbox?{urlencode(query)}"

    def aria_sort(self, column):
        sort = self.sort()
        if column == "date":
            if sort == "newest":
                return "descending"
            if sort == "oldest":
                return "ascending"
        if column == "deadline" and sort == "deadline":
            return "ascending"
        return None

    # -- rows -------------------------------------------------------------

    @memoize
    def brains(self):
        brains = api.inbox(
            department=self.param("department") or None,
            state=self.param("state") or None,
            kind=self.param("kind") or None,
            overdue=True if self.overdue_only() else None,
            min_age_days=self.min_age(),
        )
        brains = list(brains)
        sort = self.sort()
        if sort == "deadline":
            far = as_date("2499-12-31")
            brains.sort(key=lambda b: as_date(b.request_deadline) or far)
        else:
            brains.sort(key=lambda b: b.created, reverse=sort == "newest")
        return brains

    @memoize
    def batch(self):
        b_start = self.param("b_start")
        start = int(b_start) if b_start.isdigit() else 0
        return Batch(self.brains(), INBOX_PAGE_SIZE, start)

    def count(self):
        return len(self.brains())

    def rows(self):
        return [self._row(brain) for brain in self.batch()]

    def _row(self, brain):
        officer = getattr(brain, "request_officer", None)
        if officer is None:
            officer = getattr(brain.getObject(), "officer", None)
        deadline = getattr(brain, "request_deadline", None)
        return {
            "url": brain.getURL(),
            "reference": getattr(brain, "reference_number", None) or "",
            "title": brain.Title,
            "kind": term_title(
                self.context,
                self.request,
                KINDS_VOCABULARY,
                getattr(brain, "request_kind", None) or "",
            ),
            "department": term_title(
                self.context,
                self.request,
                DEPARTMENTS_VOCABULARY,
                getattr(brain, "request_department", None) or "",
            ),
            "date": format_date(brain.created, self.context),
            "date_iso": iso_date(brain.created),
            "deadline": format_date(deadline, self.context),
            "deadline_iso": iso_date(deadline),
            "officer": user_title(officer or ""),
            "protocol_number": getattr(brain, "protocol_number", None) or "",
            "state_title": state_title(self.context, self.request, brain.review_state),
            "overdue": bool(api.is_overdue(brain)),
        }
