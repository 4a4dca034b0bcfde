"""The pages of certificate applications.

* the folder's start page (``certificates-home``) and, for verified people,
  the application form (``@@apply-certificate``); a person who is not
  verified reads how to get verified instead;
* the page after applying (``@@application-submitted``): the application
  number and the protocol data, or that the protocol number will follow;
* «Τα πιστοποιητικά μου» (``@@my-certificates``) and an application's page,
  with the staff panel for those who handle applications;
* the staff list (``@@certificates-inbox``) with filters.

Everything shown is computed here and handed to the templates as plain
values; changes go through :mod:`municipality.certificates.api` (and
:func:`municipality.certificates.issuing.issue` for issuing).
"""

from DateTime import DateTime
from datetime import date
from datetime import datetime
from municipality import _
from municipality.certificates import api
from municipality.certificates import finance_check
from municipality.certificates import settings
from municipality.certificates.vocabularies import DELIVERIES
from municipality.certificates.vocabularies import KINDS
from municipality.core.browser.protocol import refresh_and_redirect
from plone import api as ploneapi
from plone.app.event.base import default_timezone
from plone.memoize.instance import memoize
from plone.protect.authenticator import check
from Products.CMFCore.utils import getToolByName
from Products.Five.browser import BrowserView
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from urllib.parse import quote
from urllib.parse import urlencode
from zExceptions import Forbidden
from zExceptions import Unauthorized
from zope.i18n import translate
from zope.i18nmessageid import Message


FOLDER_ID = "certificates"

MSG_CSRF = _(
    "The form has expired or did not come from this site. "
    "Please check your entries and submit it again."
)
MSG_FIX = _("Please correct the errors below.")
MSG_NOT_POSSIBLE = _("This action is not possible in the current state.")

# How often the page after applying looks again for the protocol number
# (the outbox worker registers within seconds), and how long it waits.
SUBMITTED_REFRESHES = 5
SUBMITTED_REFRESH_SECONDS = 3

LABELS = {
    "kind": _("Certificate"),
    "certificate_type": _("Kind of certificate"),
    "property_address": _("Address of the property"),
    "property_supply_number": _("Electricity supply number"),
    "property_area": _("Area (m²)"),
    "property_municipal_unit": _("Municipal unit"),
    "purpose": _("Purpose"),
    "delivery": _("Delivery"),
    "delivery_email": _("Email for the certificate"),
    "postal_address": _("Postal address"),
}


def tr(request, message):
    if message is None:
        return ""
    if isinstance(message, Message):
        return translate(message, context=request)
    return str(message)


def check_csrf(request):
    """True when the form came by POST with a valid ``_authenticator``."""
    if request.get("REQUEST_METHOD", "GET").upper() != "POST":
        return False
    try:
        check(request)
    except Forbidden:
        return False
    return True


def format_date(value, context=None, with_time=False):
    """«dd/mm/yyyy» (and «HH:MM») in the site's time zone; "" for nothing."""
    if value is None or value == "" or value == "None":
        return ""
    if isinstance(value, str):
        try:
            value = DateTime(value)
        except Exception:  # noqa: BLE001 - not a date: show it as it is
            return value
    if isinstance(value, DateTime):
        if value.year() <= 1000 or value.year() >= 2499:
            return ""
        value = value.toZone(default_timezone(context)).asdatetime()
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(default_timezone(context, as_tzinfo=True))
        return value.strftime("%d/%m/%Y %H:%M" if with_time else "%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def state_title(context, request, state):
    if not state:
        return ""
    return tr(request, api.STATE_TITLES.get(state, state))


def user_title(user_id):
    if not user_id:
        return ""
    user = ploneapi.user.get(userid=user_id)
    if user is None:
        return user_id
    return user.getProperty("fullname") or user_id


def format_amount(amount):
    """«1.234,50 €»: Greek separators."""
    text = f"{amount:,.2f}".replace(",", "\0").replace(".", ",").replace("\0", ".")
    return f"{text} €"


def protocol_status(obj):
    """``assigned``, ``pending`` (queued, not tried yet), ``failing`` (the
    protocol system could not be reached: the number will follow) or ``none``."""
    from municipality.core.outbox import get_item
    from municipality.core.protocol import protocol_key

    if getattr(obj, "protocol_number", None):
        return "assigned"
    item = get_item(protocol_key(obj))
    if item is None:
        return "none"
    if item.is_delivered:
        return "assigned"
    return "failing" if item.first_failure is not None else "pending"


class CertificatesView(BrowserView):
    """A page of the certificates add-on."""

    protocol_macros = ViewPageTemplateFile("templates/protocol_macros.pt")

    @property
    def portal_url(self):
        return ploneapi.portal.get().absolute_url()

    @property
    def folder(self):
        context = self.context
        while context is not None and getattr(context, "portal_type", None) not in (
            "CertificatesFolder",
            "Plone Site",
        ):
            context = getattr(context, "__parent__", None)
        return context

    @property
    def folder_url(self):
        return self.folder.absolute_url()

    def login_url(self, came_from):
        return f"{self.portal_url}/login?came_from={quote(came_from, safe='')}"

    def is_anonymous(self):
        return ploneapi.user.is_anonymous()

    def may_apply(self):
        return api.may_apply(self.folder)

    def is_staff(self):
        return api.is_staff(self.folder)


class ApplicationInfo:
    """What the pages show of one application, as plain values."""

    def __init__(self, obj, request):
        self.obj = obj
        self.request = request

    def _get(self, name, default=""):
        value = getattr(self.obj, name, None)
        return default if value is None else value

    @property
    def url(self):
        return self.obj.absolute_url()

    def reference(self):
        return self._get("reference_number")

    def title(self):
        return self._get("title")

    def kind(self):
        return self._get("kind")

    def is_tap(self):
        return self.kind() == "tap"

    def kind_title(self):
        return tr(self.request, KINDS.get(self.kind(), self.kind()))

    def certificate_type_title(self):
        code = self._get("certificate_type")
        return settings.certificate_types().get(code, code)

    def purpose(self):
        return self._get("purpose")

    def delivery(self):
        return self._get("delivery")

    def delivery_title(self):
        return tr(self.request, DELIVERIES.get(self.delivery(), self.delivery()))

    def delivery_email(self):
        return self._get("delivery_email")

    def postal_address(self):
        return self._get("postal_address")

    def property_rows(self):
        rows = []
        for name in (
            "property_address",
            "property_municipal_unit",
            "property_supply_number",
            "property_area",
        ):
            value = self._get(name)
            if value not in ("", None):
                rows.append({"label": tr(self.request, LABELS[name]), "value": value})
        return rows

    def created(self):
        return format_date(self.obj.created(), self.obj, with_time=True)

    def state(self):
        return api.review_state(self.obj) or ""

    def state_title(self):
        return state_title(self.obj, self.request, self.state())

    def protocol_number(self):
        return self._get("protocol_number")

    def protocol_date(self):
        return format_date(getattr(self.obj, "protocol_date", None), self.obj)

    @memoize
    def protocol_status(self):
        return protocol_status(self.obj)

    def rejection_reason(self):
        return self._get("rejection_reason")

    def has_certificate(self):
        return getattr(self.obj, "certificate_file", None) is not None

    def certificate_url(self):
        return f"{self.url}/@@certificate.pdf"

    def issued_at(self):
        return format_date(getattr(self.obj, "issued_at", None), self.obj, True)

    def issued_by_title(self):
        return user_title(self._get("issued_by"))

    def applicant_fullname(self):
        return self._get("applicant_fullname")

    def applicant_afm(self):
        return self._get("applicant_afm")

    def applicant_fathername(self):
        return self._get("applicant_fathername")

    def applicant_userid(self):
        return self._get("applicant_userid")

    def applicant_email(self):
        return api.applicant_email(self.obj)

    def staff_note(self):
        return self._get("staff_note")

    def history(self):
        """The workflow history, oldest first (for staff: with actors)."""
        entries = []
        for step in self.obj.workflow_history.get(api.WORKFLOW_ID, ()):
            state = step.get("review_state")
            entries.append(
                {
                    "state_title": state_title(self.obj, self.request, state),
                    "date": format_date(step.get("time"), self.obj, True),
                    "actor": user_title(step.get("actor")),
                    "comment": step.get("comments") or "",
                }
            )
        return entries


# -- the folder ---------------------------------------------------------------


class HomeView(CertificatesView):
    """The folder's page: what can be applied for, and by whom."""

    index = ViewPageTemplateFile("templates/certificates_home.pt")

    def __call__(self):
        return self.index()


class RedirectToFolder(BrowserView):
    """A start address on the site root: the folder's view of the same purpose."""

    target = "@@apply-certificate"
    query = ""

    def __call__(self):
        url = f"{self.context.absolute_url()}/{FOLDER_ID}/{self.target}"
        if self.query:
            url = f"{url}?{self.query}"
        self.request.response.redirect(url)
        return ""


class RequestCertificate(RedirectToFolder):
    query = "kind=civil_registry"


class RequestTapCertificate(RedirectToFolder):
    query = "kind=tap"


class MyCertificatesRedirect(RedirectToFolder):
    target = "@@my-certificates"


class ApplyForm(CertificatesView):
    """``@@apply-certificate``: the application form of a verified person."""

    index = ViewPageTemplateFile("templates/apply.pt")
    not_verified = ViewPageTemplateFile("templates/not_verified.pt")
    form_id = "apply-certificate"

    def __init__(self, context, request):
        super().__init__(context, request)
        self.errors = {}
        self.general_errors = []

    def __call__(self):
        if self.is_anonymous():
            self.request.response.redirect(
                self.login_url(f"{self.context.absolute_url()}/@@apply-certificate")
            )
            return ""
        if not self.may_apply():
            self.request.response.setStatus(403)
            return self.not_verified()
        if self.request.get("REQUEST_METHOD", "GET").upper() == "POST" and (
            "form.submitted" in self.request.form
        ):
            return self.submit()
        return self.index()

    # -- values -----------------------------------------------------------

    @memoize
    def member(self):
        return ploneapi.user.get_current()

    def value(self, name, default=""):
        value = self.request.form.get(name, default)
        if isinstance(value, (list, tuple)):
            value = value[0] if value else default
        return value.strip() if isinstance(value, str) else default

    def kind(self):
        kind = self.value("kind")
        return kind if kind in KINDS else "civil_registry"

    def delivery(self):
        delivery = self.value("delivery")
        return delivery if delivery in DELIVERIES else "download"

    def default_email(self):
        if "delivery_email" in self.request.form:
            return self.value("delivery_email")
        return api.member_email(self.member())

    def default_postal_address(self):
        if "postal_address" in self.request.form:
            return self.value("postal_address")
        member = self.member()
        parts = []
        for name in ("street", "postal_code", "city"):
            try:
                value = member.getProperty(name, "") or ""
            except (AttributeError, ValueError):
                value = ""
            if isinstance(value, str) and value.strip():
                parts.append(value.strip())
        if len(parts) == 3:
            return f"{parts[0]}\n{parts[1]} {parts[2]}"
        return "\n".join(parts)

    def kinds(self):
        return [
            {"value": value, "title": tr(self.request, title)}
            for value, title in KINDS.items()
        ]

    def certificate_types(self):
        return [
            {"value": code, "title": title}
            for code, title in settings.certificate_types().items()
        ]

    def deliveries(self):
        return [
            {"value": value, "title": tr(self.request, title)}
            for value, title in DELIVERIES.items()
        ]

    def applicant(self):
        snapshot = api.applicant_snapshot(self.member())
        return {
            "fullname": snapshot.get("applicant_fullname") or "",
            "afm": snapshot.get("applicant_afm") or "",
            "fathername": snapshot.get("applicant_fathername") or "",
        }

    def label(self, name):
        return tr(self.request, LABELS.get(name, name))

    # -- errors -----------------------------------------------------------

    def error(self, name):
        return self.errors.get(name)

    def field_id(self, name):
        return f"{self.form_id}-{name}"

    def described_by(self, name, hint=False):
        ids = []
        if hint:
            ids.append(f"{self.field_id(name)}-hint")
        if name in self.errors:
            ids.append(f"{self.field_id(name)}-error")
        return " ".join(ids) or None

    def invalid(self, name):
        return "true" if name in self.errors else None

    def control_class(self, name, base="form-control"):
        return f"{base} is-invalid" if name in self.errors else base

    def summary(self):
        items = [{"href": None, "label": "", "message": m} for m in self.general_errors]
        for name in LABELS:
            if name in self.errors:
                items.append(
                    {
                        "href": f"#{self.field_id(name)}",
                        "label": tr(self.request, LABELS[name]),
                        "message": self.errors[name],
                    }
                )
        return items

    def fail(self, status=400):
        self.request.response.setStatus(status)
        return self.index()

    def submit(self):
        if not check_csrf(self.request):
            self.general_errors.append(tr(self.request, MSG_CSRF))
            return self.fail(403)
        data = {name: self.value(name) for name in api.FIELDS}
        try:
            obj = api.submit(self.folder, self.member(), data)
        except api.SubmissionError as error:
            for key, message in error.errors.items():
                if key in LABELS:
                    self.errors[key] = tr(self.request, message)
                else:
                    self.general_errors.append(tr(self.request, message))
            if not self.general_errors:
                self.general_errors.append(tr(self.request, MSG_FIX))
            return self.fail()
        self.request.response.redirect(f"{obj.absolute_url()}/@@application-submitted")
        return ""


class MyCertificatesView(CertificatesView):
    """``@@my-certificates``: the applicant's own applications, newest first."""

    index = ViewPageTemplateFile("templates/my_certificates.pt")

    def __call__(self):
        if self.is_anonymous():
            self.request.response.redirect(
                self.login_url(f"{self.context.absolute_url()}/@@my-certificates")
            )
            return ""
        return self.index()

    def kind_filter(self):
        kind = self.request.form.get("kind", "")
        return kind if kind in KINDS else ""

    @memoize
    def rows(self):
        member = ploneapi.user.get_current()
        rows = []
        for brain in api.my_applications(member.getId(), kind=self.kind_filter()):
            obj = brain.getObject()
            info = ApplicationInfo(obj, self.request)
            rows.append(
                {
                    "url": brain.getURL(),
                    "reference": info.reference(),
                    "title": info.title(),
                    "kind": info.kind_title(),
                    "date": format_date(brain.created, self.context),
                    "state": info.state(),
                    "state_title": info.state_title(),
                    "protocol_number": info.protocol_number(),
                    "protocol_date": info.protocol_date(),
                    "protocol_status": info.protocol_status(),
                    "certificate_url": info.certificate_url()
                    if info.has_certificate()
                    else None,
                }
            )
        return rows


class InboxView(CertificatesView):
    """``@@certificates-inbox``: the applications to handle, with filters."""

    index = ViewPageTemplateFile("templates/inbox.pt")
    filter_names = ("state", "kind", "certificate_type", "text")

    def __call__(self):
        if not self.is_staff():
            raise Unauthorized("Only staff who handle applications see this list.")
        return self.index()

    def param(self, name):
        value = self.request.form.get(name, "")
        if isinstance(value, (list, tuple)):
            value = value[0] if value else ""
        return value.strip() if isinstance(value, str) else ""

    def states(self):
        return [
            {"value": state, "title": tr(self.request, title)}
            for state, title in api.STATE_TITLES.items()
        ]

    def kinds(self):
        return [
            {"value": value, "title": tr(self.request, title)}
            for value, title in KINDS.items()
        ]

    def certificate_types(self):
        return [
            {"value": code, "title": title}
            for code, title in settings.certificate_types().items()
        ]

    def selected_states(self):
        state = self.param("state")
        if state == "all":
            return None
        if state in api.STATE_TITLES:
            return state
        # By default: what still needs the staff.
        return ["submitted", "in_progress", "issued"]

    @memoize
    def rows(self):
        brains = api.inbox(
            state=self.selected_states(),
            kind=self.param("kind") or None,
            certificate_type=self.param("certificate_type") or None,
            text=self.param("text") or None,
        )
        rows = []
        for brain in brains:
            rows.append(
                {
                    "url": brain.getURL(),
                    "reference": getattr(brain, "reference_number", None) or "",
                    "title": brain.Title,
                    "kind": tr(
                        self.request,
                        KINDS.get(getattr(brain, "certificate_kind", None) or "", ""),
                    ),
                    "applicant": getattr(brain, "applicant_fullname", None) or "",
                    "date": format_date(brain.created, self.context),
                    "state_title": state_title(
                        self.context, self.request, brain.review_state
                    ),
                    "protocol_number": getattr(brain, "protocol_number", None) or "",
                }
            )
        return rows

    def filter_url(self, **changes):
        query = {name: self.param(name) for name in self.filter_names}
        query.update(changes)
        query = {k: v for k, v in query.items() if v}
        return f"{self.context.absolute_url()}/@@certificates-inbox?{urlencode(query)}"


# -- an application -----------------------------------------------------------


STAFF_ACTIONS = ("start", "issue", "deliver", "reject", "note")
# Action -> the transition it needs to be offered (None: always, for staff).
ACTION_TRANSITIONS = {
    "start": "start",
    "issue": "issue",
    "deliver": "deliver",
    "reject": "reject",
    "note": None,
}


class ApplicationView(CertificatesView):
    """An application's page: for its applicant, and for staff with their panel."""

    index = ViewPageTemplateFile("templates/application.pt")

    def __init__(self, context, request):
        super().__init__(context, request)
        self.info = ApplicationInfo(context, request)
        self.action_errors = {}

    def __call__(self):
        if self.request.get("REQUEST_METHOD", "GET").upper() == "POST" and (
            "form.action" in self.request.form
        ):
            return self.handle(self.request.form.get("form.action"))
        return self.index()

    @memoize
    def is_staff(self):
        return api.is_staff(self.context)

    @memoize
    def transitions_from_state(self):
        wftool = getToolByName(self.context, "portal_workflow")
        workflow = wftool.getWorkflowById(api.WORKFLOW_ID)
        state = workflow.states.get(self.info.state()) if workflow else None
        return set(state.transitions) if state is not None else set()

    def can(self, action):
        if not self.is_staff():
            return False
        transition = ACTION_TRANSITIONS.get(action)
        if transition is None:
            return action == "note"
        return transition in self.transitions_from_state()

    def has_staff_actions(self):
        return any(self.can(action) for action in STAFF_ACTIONS)

    def action_error(self, action):
        return self.action_errors.get(action)

    def form_value(self, name, default=""):
        value = self.request.form.get(name)
        if value is None:
            return default
        return value.strip() if isinstance(value, str) else default

    # -- the ΤΑΠ check (staff) -----------------------------------------

    @memoize
    def tap_check(self):
        """The finance system's answer for a ΤΑΠ application, for staff.

        ``{"status": "clear" | "debts" | "error", "debts": [...], "total",
        "message", "property": {...}}``, or None when there is nothing to
        check (not ΤΑΠ, not staff, or already decided).
        """
        if not self.is_staff() or not self.info.is_tap():
            return None
        if self.info.state() not in api.OPEN_STATES:
            return None
        try:
            statement = finance_check.tap_statement(self.context)
        except finance_check.FinanceCheckError as error:
            return {
                "status": "error",
                "message": tr(self.request, error.message),
                "debts": [],
            }
        debts = [
            {
                "period": debt.period,
                "description": debt.description,
                "amount": format_amount(debt.amount),
                "due_date": format_date(debt.due_date),
            }
            for debt in statement.debts
        ]
        return {
            "status": "debts" if debts else "clear",
            "debts": debts,
            "total": format_amount(statement.total),
            "message": "",
            "property": {
                "address": statement.address,
                "municipal_unit": statement.municipal_unit,
                "area": statement.area,
            },
        }

    def may_issue(self):
        check = self.tap_check()
        return self.can("issue") and (check is None or check["status"] == "clear")

    def reject_reason_default(self):
        """The reason field: what staff typed, or the debts when there are some."""
        typed = self.form_value("reason")
        if typed:
            return typed
        check = self.tap_check()
        if check and check["status"] == "debts":
            lines = [
                tr(
                    self.request,
                    _(
                        "The certificate cannot be issued: the property owes ΤΑΠ "
                        "of ${total} in total:",
                        mapping={"total": check["total"]},
                    ),
                )
            ]
            for debt in check["debts"]:
                lines.append(f"- {debt['description']}: {debt['amount']}")
            lines.append(
                tr(
                    self.request,
                    _("Please pay them and apply again."),
                )
            )
            return "\n".join(lines)
        return ""

    # -- actions --------------------------------------------------------

    def handle(self, action):
        if not check_csrf(self.request):
            return self._failed(
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
            return self._failed(action, _("Unknown action."))
        if not self.is_staff():
            raise Unauthorized("Only staff handle applications.")
        if not self.can(action):
            return self._failed(action, MSG_NOT_POSSIBLE)
        try:
            if action == "start":
                api.start(self.context)
                message = _("The application is now in progress.")
            elif action == "issue":
                failure = self.issue()
                if failure is not None:
                    return self._failed(action, failure)
                message = _("The certificate has been issued and signed.")
            elif action == "deliver":
                api.deliver(self.context, self.form_value("comment"))
                message = _("The delivery of the certificate has been recorded.")
            elif action == "reject":
                api.reject(self.context, self.form_value("reason"))
                message = _("The application has been rejected.")
            else:
                api.set_staff_note(self.context, self.form_value("staff_note"))
                message = _("The internal note has been saved.")
        except api.SubmissionError as error:
            messages = [
                tr(self.request, text) for key, text in error.errors.items() if key
            ]
            return self._failed(action, " ".join(messages) or MSG_NOT_POSSIBLE)
        ploneapi.portal.show_message(message, request=self.request, type="info")
        self.request.response.redirect(self.context.absolute_url())
        return ""

    def issue(self):
        """Issue and sign; return a message when it could not be done."""
        try:
            from municipality.certificates import issuing
        except ImportError:
            return _("Issuing certificates is not available on this site yet.")
        member = ploneapi.user.get_current()
        try:
            issuing.issue(self.context, member.getId())
        except issuing.IssuingError as error:
            return getattr(error, "message", None) or str(error)
        return None

    def refresh(self):
        """«Ενημέρωση»: ask the protocol system for the number now."""
        return refresh_and_redirect(self, _("Your application is up to date."))

    def _failed(self, action, message, status=400):
        self.action_errors[action] = tr(self.request, message)
        self.request.response.setStatus(status)
        return self.index()


class SubmittedView(CertificatesView):
    """``@@application-submitted``: the application number and protocol data.

    The protocol registration goes through the outbox (the worker registers
    within seconds): while it is queued the page looks again a few times;
    when the protocol system could not be reached it says that the number
    will follow by email.
    """

    index = ViewPageTemplateFile("templates/submitted.pt")

    def __init__(self, context, request):
        super().__init__(context, request)
        self.info = ApplicationInfo(context, request)

    def __call__(self):
        return self.index()

    def tries(self):
        value = self.request.form.get("tries", "0")
        return int(value) if isinstance(value, str) and value.isdigit() else 0

    def refresh_url(self):
        """Where the page looks again, or None when it has waited enough."""
        if self.info.protocol_status() != "pending":
            return None
        tries = self.tries()
        if tries >= SUBMITTED_REFRESHES:
            return None
        return (
            f"{self.context.absolute_url()}/@@application-submitted?tries={tries + 1}"
        )

    def refresh_content(self):
        url = self.refresh_url()
        return f"{SUBMITTED_REFRESH_SECONDS}; url={url}" if url else None
