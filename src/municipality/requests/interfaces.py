"""Interfaces and the settings schema of the requests add-on."""

from municipality import _
from plone.supermodel import model
from zope import schema
from zope.publisher.interfaces.browser import IDefaultBrowserLayer

import re


REGISTRY_PREFIX = "municipality.requests"

# A code of a category or department: what the registry lines start with.
_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


class IRequestsLayer(IDefaultBrowserLayer):
    """Browser layer of the requests add-on: its views exist where it is installed."""


class InvalidCategoryLine(schema.ValidationError):
    """A category line that is not «code|Title|working days|department code»."""

    def doc(self):
        return _(
            "«${line}» is not a category: write code|Title|working days|"
            "department code, e.g. lighting|Ηλεκτροφωτισμός|5|technical.",
            mapping={"line": self.args[0] if self.args else ""},
        )


class InvalidDepartmentLine(schema.ValidationError):
    """A department line that is not «code|Title»."""

    def doc(self):
        return _(
            "«${line}» is not a department: write code|Title, "
            "e.g. technical|Τεχνική Υπηρεσία.",
            mapping={"line": self.args[0] if self.args else ""},
        )


def parse_category_line(line):
    """Return ``(code, title, days, department)`` of a category line.

    :raises ValueError: if the line is not ``code|Title|days|department``
        with a lower-case code and 0–365 working days.
    """
    parts = [part.strip() for part in (line or "").split("|")]
    if len(parts) != 4:
        raise ValueError(line)
    code, title, days, department = parts
    if not _CODE.match(code) or not title or not days.isdigit():
        raise ValueError(line)
    if int(days) > 365 or (department and not _CODE.match(department)):
        raise ValueError(line)
    return code, title, int(days), department


def parse_department_line(line):
    """Return ``(code, title)`` of a department line, or raise ``ValueError``."""
    parts = [part.strip() for part in (line or "").split("|")]
    if len(parts) != 2 or not _CODE.match(parts[0]) or not parts[1]:
        raise ValueError(line)
    return parts[0], parts[1]


def valid_category_line(value):
    try:
        parse_category_line(value)
    except ValueError:
        raise InvalidCategoryLine(value) from None
    return True


def valid_department_line(value):
    try:
        parse_department_line(value)
    except ValueError:
        raise InvalidDepartmentLine(value) from None
    return True


class IRequestsSettings(model.Schema):
    """The «Citizen requests» control panel, stored under ``municipality.requests``."""

    categories = schema.List(
        title=_("Categories"),
        description=_(
            "One a line: code|Title|working days to answer|department code. "
            "The department gets the new requests of its categories."
        ),
        value_type=schema.TextLine(constraint=valid_category_line),
        required=False,
        default=[
            "cleanliness|Καθαριότητα|5|cleaning",
            "lighting|Ηλεκτροφωτισμός|5|technical",
            "roads|Οδοποιία – κακοτεχνίες|15|technical",
            "green|Πράσινο – πάρκα|10|environment",
            "other|Άλλο θέμα|20|citizens",
        ],
    )

    default_deadline_days = schema.Int(
        title=_("Working days to answer a request without a category"),
        required=True,
        default=20,
        min=0,
        max=365,
    )

    departments = schema.List(
        title=_("Departments"),
        description=_("One a line: code|Title."),
        value_type=schema.TextLine(constraint=valid_department_line),
        required=False,
        default=[
            "technical|Τεχνική Υπηρεσία",
            "cleaning|Υπηρεσία Καθαριότητας",
            "environment|Υπηρεσία Περιβάλλοντος",
            "citizens|Γραφείο Εξυπηρέτησης Δημοτών",
        ],
    )

    anonymous_per_hour = schema.Int(
        title=_("Anonymous requests per hour from one address"),
        description=_(
            "More anonymous submissions from the same network address within "
            "an hour are refused. Counted by each Zope process on its own."
        ),
        required=True,
        default=5,
        min=1,
        max=10000,
    )

    max_attachments = schema.Int(
        title=_("Attachments per request at most"),
        required=True,
        default=5,
        min=0,
        max=50,
    )

    max_attachment_mb = schema.Int(
        title=_("Size of an attachment at most (MB)"),
        required=True,
        default=10,
        min=1,
        max=100,
    )
