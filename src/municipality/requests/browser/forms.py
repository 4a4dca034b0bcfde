"""The citizens' forms: a named request (logged in) and an anonymous one.

Hand-written forms rather than z3c.form: the pages are the service's front
door and must read well on a phone and to a screen reader (an error summary
at the top with links to the fields, one message per field tied to its input
with ``aria-describedby``). Validation and storing are the model's
(:mod:`municipality.requests.api`); the forms turn its errors into Greek
messages and keep what the citizen typed.
"""

from municipality import _
from municipality.requests import api
from municipality.requests import settings
from municipality.requests.browser.base import RequestsView
from municipality.requests.browser.utils import CATEGORIES_VOCABULARY
from municipality.requests.browser.utils import check_csrf
from municipality.requests.browser.utils import client_address
from municipality.requests.browser.utils import KINDS_VOCABULARY
from municipality.requests.browser.utils import PORTAL_TYPE
from municipality.requests.browser.utils import tr
from municipality.requests.browser.utils import USE_CITIZEN_SERVICES
from municipality.requests.browser.utils import vocabulary_options
from plone import api as ploneapi
from Products.Five.browser import BrowserView
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from urllib.parse import quote
from zExceptions import Unauthorized


# The honeypot: a text field people never see and bots fill in.
HONEYPOT = "homepage"

# Shown in the error summary before each field's message.
LABELS = {
    "kind": _("Kind"),
    "category": _("Category"),
    "title": _("Subject"),
    "text": _("Text"),
    "desired_action": _("Desired action"),
    "email": _("Email"),
    "attachments": _("Attachments"),
    HONEYPOT: _("Leave this field empty"),
}

# Accepted by the attachment input (the model checks the bytes themselves).
ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"

# The form parts of the two forms.
NAMED_FIELDS = ("kind", "category", "title", "text", "desired_action")
ANONYMOUS_FIELDS = ("title", "text", "desired_action", "email")

MSG_CSRF = _(
    "The form has expired or did not come from this site. "
    "Please check your entries and submit it again."
)
MSG_FIX = _("Please correct the errors below.")


class FormView(RequestsView):
    """What both forms share: submitted values, errors, their markup's ids."""

    fields = ()
    form_id = "request-form"

    def __init__(self, context, request):
        super().__init__(context, request)
        self.errors = {}
        self.general_errors = []

    # -- values -----------------------------------------------------------

    def value(self, name, default=""):
        """What the citizen typed (kept after an error), stripped."""
        value = self.request.form.get(name, default)
        if isinstance(value, (list, tuple)):
            value = value[0] if value else default
        if not isinstance(value, str):
            return default
        return value.strip()

    def data(self):
        """The submitted fields as the api expects them."""
        return {name: self.value(name) for name in self.fields}

    @property
    def submitted(self):
        return (
            self.request.get("REQUEST_METHOD", "GET").upper() == "POST"
            and "form.submitted" in self.request.form
        )

    # -- errors -----------------------------------------------------------

    def field_of(self, key):
        """The form field an error of the api belongs to (None: the form)."""
        key = str(key or "")
        if key in self.fields or key == HONEYPOT:
            return key
        if key.startswith(("attachment", "file")):
            return "attachments"
        return None

    def set_errors(self, errors):
        """Keep the api's errors ({field: message}) as translated strings."""
        for key, message in (errors or {}).items():
            field = self.field_of(key)
            text = tr(self.request, message) or tr(self.request, MSG_FIX)
            if field is None:
                self.general_errors.append(text)
            elif field in self.errors:
                self.errors[field] += " " + text
            else:
                self.errors[field] = text

    def error(self, name):
        """The message of a field, or None."""
        return self.errors.get(name)

    def has_errors(self):
        return bool(self.errors or self.general_errors)

    def field_id(self, name):
        return f"{self.form_id}-{name}"

    def described_by(self, name, hint=False):
        """The ``aria-describedby`` of a field: its hint and its error."""
        ids = []
        if hint:
            ids.append(f"{self.field_id(name)}-hint")
        if name in self.errors:
            ids.append(f"{self.field_id(name)}-error")
        return " ".join(ids) or None

    def invalid(self, name):
        """``aria-invalid`` of a field: "true" or nothing."""
        return "true" if name in self.errors else None

    def control_class(self, name, base="form-control"):
        return f"{base} is-invalid" if name in self.errors else base

    def summary(self):
        """The error summary: the general messages, then one link per field."""
        items = [{"href": None, "label": "", "message": m} for m in self.general_errors]
        for name in (*self.fields, "attachments", HONEYPOT):
            if name in self.errors:
                items.append(
                    {
                        "href": f"#{self.field_id(name)}",
                        "label": tr(self.request, LABELS.get(name, name)),
                        "message": self.errors[name],
                    }
                )
        return items

    def fail(self, status=400):
        """Render the form again with its errors and what was typed."""
        self.request.response.setStatus(status)
        return self.index()

    # -- links ------------------------------------------------------------

    @property
    def folder_url(self):
        return self.context.absolute_url()


class NewRequestForm(FormView):
    """``@@new-request`` on the requests folder: a named request."""

    index = ViewPageTemplateFile("templates/new_request.pt")
    choose = ViewPageTemplateFile("templates/choose.pt")
    fields = NAMED_FIELDS
    form_id = "new-request"

    def __call__(self):
        if ploneapi.user.is_anonymous():
            # Log in, or send it without a name.
            return self.choose()
        if not self.may_submit():
            raise Unauthorized("You may not submit requests here.")
        if self.submitted:
            return self.submit()
        return self.index()

    def may_submit(self):
        if ploneapi.user.has_permission(USE_CITIZEN_SERVICES, obj=self.context):
            return True
        allowed = getattr(self.context, "allowedContentTypes", None)
        return bool(allowed) and PORTAL_TYPE in [fti.getId() for fti in allowed()]

    def login_url(self):
        came_from = quote(f"{self.folder_url}/@@new-request", safe="")
        return f"{self.portal_url}/login?came_from={came_from}"

    def anonymous_url(self):
        return f"{self.folder_url}/@@anonymous-request"

    def kinds(self):
        return vocabulary_options(self.context, self.request, KINDS_VOCABULARY)

    def selected_kind(self):
        return self.value("kind") or "request"

    def categories(self):
        return vocabulary_options(self.context, self.request, CATEGORIES_VOCABULARY)

    def max_attachments(self):
        return settings.get("max_attachments")

    def max_attachment_mb(self):
        return settings.get("max_attachment_mb")

    def accept(self):
        return ACCEPT

    def uploads(self):
        """The chosen files as ``(filename, bytes)``, checked for count and size
        before they are read (a huge upload must not fill the memory)."""
        files = self.request.form.get("attachments", [])
        if not isinstance(files, (list, tuple)):
            files = [files]
        files = [f for f in files if getattr(f, "filename", None)]
        if len(files) > self.max_attachments():
            self.errors["attachments"] = tr(
                self.request,
                _(
                    "You can attach at most ${count} files.",
                    mapping={"count": self.max_attachments()},
                ),
            )
            return []
        limit = int(self.max_attachment_mb()) * 1024 * 1024
        result = []
        for upload in files:
            upload.seek(0, 2)
            size = upload.tell()
            upload.seek(0)
            if size > limit:
                self.errors["attachments"] = tr(
                    self.request,
                    _(
                        "The file «${name}» is larger than ${size} MB.",
                        mapping={
                            "name": upload.filename,
                            "size": self.max_attachment_mb(),
                        },
                    ),
                )
                return []
            # Browsers send the name alone; old ones the whole client path.
            name = upload.filename.replace("\\", "/").rsplit("/", 1)[-1]
            result.append((name, upload.read()))
        return result

    def submit(self):
        if not check_csrf(self.request):
            self.general_errors.append(tr(self.request, MSG_CSRF))
            return self.fail(403)
        attachments = self.uploads()
        if self.has_errors():
            return self.fail()
        member = ploneapi.user.get_current()
        try:
            obj = api.submit_named(self.context, member, self.data(), attachments)
        except api.SubmissionError as error:
            self.set_errors(getattr(error, "errors", None) or {"": str(error)})
            return self.fail()
        self.request.response.redirect(f"{obj.absolute_url()}/@@request-submitted")
        return ""


class AnonymousRequestForm(FormView):
    """``@@anonymous-request``: anyone, no login, a private tracking link back."""

    index = ViewPageTemplateFile("templates/anonymous_request.pt")
    confirmation = ViewPageTemplateFile("templates/anonymous_submitted.pt")
    fields = ANONYMOUS_FIELDS
    form_id = "anonymous-request"
    honeypot = HONEYPOT

    def __call__(self):
        if self.submitted:
            return self.submit()
        return self.index()

    def is_anonymous(self):
        return ploneapi.user.is_anonymous()

    def new_request_url(self):
        return f"{self.folder_url}/@@new-request"

    def submit(self):
        if not check_csrf(self.request):
            self.general_errors.append(tr(self.request, MSG_CSRF))
            return self.fail(403)
        if self.value(HONEYPOT):
            # People never see the field; whoever filled it in is told
            # plainly (a screen-reader user may have) and nothing is stored.
            self.errors[HONEYPOT] = tr(
                self.request,
                _("This field must stay empty. Delete what you typed in it."),
            )
            return self.fail()
        try:
            obj, token = api.submit_anonymous(
                self.context, self.data(), client_address(self.request)
            )
        except api.RateLimited:
            self.general_errors.append(
                tr(
                    self.request,
                    _(
                        "Too many requests have been sent from your connection "
                        "in the last hour. Please try again later."
                    ),
                )
            )
            return self.fail(429)
        except api.SubmissionError as error:
            self.set_errors(getattr(error, "errors", None) or {"": str(error)})
            return self.fail()
        self.reference = getattr(obj, "reference_number", "") or ""
        # On the host the citizen used (the mail, sent later, uses the
        # site's public address).
        self.tracking_url = f"{self.folder_url}/@@track/{token}"
        # The page holds the only copy of the token: no cache may keep it.
        self.request.response.setHeader("Cache-Control", "no-store, private")
        self.request.response.setHeader("Referrer-Policy", "no-referrer")
        return self.confirmation()


class RedirectToFolder(BrowserView):
    """The same view on the site root: go to the requests folder's one."""

    folder_id = "requests"

    def __call__(self):
        name = self.__name__
        query = self.request.get("QUERY_STRING", "")
        url = f"{self.context.absolute_url()}/{self.folder_id}/@@{name}"
        if query:
            url = f"{url}?{query}"
        self.request.response.redirect(url)
        return ""
