"""A citizen's request, complaint or proposal."""

from municipality import _
from municipality.requests.validation import is_email
from municipality.requests.validation import is_employee
from municipality.requests.validation import text_constraint
from plone.app.content.interfaces import INameFromTitle
from plone.autoform import directives
from plone.dexterity.content import Container
from plone.supermodel import model
from zope import schema
from zope.component import adapter
from zope.interface import implementer

import secrets


# Staff edit these; the workflow gives the permission to the case handlers
# (and to the assigned officer, a local Editor) while the case is open.
HANDLE_CASES = "municipality.HandleCitizenCases"
# Set by code only (the add-on's subscribers and api), never from a form.
SYSTEM = "cmf.ManagePortal"

TITLE_MAX = 200
TEXT_MAX = 10000
DESIRED_ACTION_MAX = 2000
ANSWER_MAX = 20000


class ICitizenRequest(model.Schema):
    """What the citizen writes, what the staff add, what the system records."""

    kind = schema.Choice(
        title=_("Kind"),
        vocabulary="municipality.requests.kinds",
        required=True,
        default="request",
    )

    category = schema.Choice(
        title=_("Category"),
        vocabulary="municipality.requests.categories",
        required=False,
    )

    title = schema.TextLine(
        title=_("Subject"),
        required=True,
        max_length=TITLE_MAX,
        constraint=text_constraint(TITLE_MAX),
    )

    text = schema.Text(
        title=_("Text"),
        required=True,
        max_length=TEXT_MAX,
        constraint=text_constraint(TEXT_MAX),
    )

    desired_action = schema.Text(
        title=_("Desired action"),
        description=_("What would you like the municipality to do?"),
        required=False,
        max_length=DESIRED_ACTION_MAX,
        constraint=text_constraint(DESIRED_ACTION_MAX, required=False),
    )

    email = schema.TextLine(
        title=_("Email"),
        description=_("Optional: where to tell you about the progress."),
        required=False,
        max_length=254,
        constraint=is_email,
    )

    model.fieldset(
        "handling",
        label=_("Handling"),
        fields=["department", "officer", "answer"],
    )

    directives.write_permission(
        department=HANDLE_CASES, officer=HANDLE_CASES, answer=HANDLE_CASES
    )

    department = schema.Choice(
        title=_("Department"),
        vocabulary="municipality.requests.departments",
        required=False,
    )

    officer = schema.TextLine(
        title=_("Officer"),
        description=_("The user name of the employee who handles the case."),
        required=False,
        max_length=100,
        constraint=is_employee,
    )

    answer = schema.Text(
        title=_("Answer"),
        description=_("The municipality's answer, shown to the citizen."),
        required=False,
        max_length=ANSWER_MAX,
        constraint=text_constraint(ANSWER_MAX, required=False),
    )

    model.fieldset(
        "record",
        label=_("Record"),
        fields=[
            "anonymous",
            "tracking_token_hash",
            "submitter_name",
            "submitter_email",
            "deadline",
            "answered_date",
            "closed_date",
        ],
    )

    directives.omitted(
        "anonymous",
        "tracking_token_hash",
        "submitter_name",
        "submitter_email",
        "deadline",
        "answered_date",
        "closed_date",
    )
    directives.write_permission(
        anonymous=SYSTEM,
        tracking_token_hash=SYSTEM,
        submitter_name=SYSTEM,
        submitter_email=SYSTEM,
        deadline=SYSTEM,
        answered_date=SYSTEM,
        closed_date=SYSTEM,
    )
    directives.read_permission(tracking_token_hash=SYSTEM)

    anonymous = schema.Bool(
        title=_("Submitted anonymously"),
        required=False,
        default=False,
    )

    tracking_token_hash = schema.TextLine(
        title=_("Tracking token (SHA-256)"),
        required=False,
    )

    submitter_name = schema.TextLine(
        title=_("Submitted by"),
        required=False,
    )

    submitter_email = schema.TextLine(
        title=_("Submitter's email"),
        required=False,
    )

    deadline = schema.Date(
        title=_("Deadline"),
        required=False,
    )

    answered_date = schema.Datetime(
        title=_("Answered on"),
        required=False,
    )

    closed_date = schema.Datetime(
        title=_("Closed on"),
        required=False,
    )


@implementer(ICitizenRequest)
class CitizenRequest(Container):
    """A citizen request; its attachments are its items."""


@implementer(INameFromTitle)
@adapter(ICitizenRequest)
class NameFromNothing:
    """A request's id says nothing about it: ``request-3f9c1a2b``.

    Titles are the citizen's words; they do not belong in addresses, logs
    and browser histories.
    """

    def __init__(self, context):
        self.title = f"request-{secrets.token_hex(4)}"
