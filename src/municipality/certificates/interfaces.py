"""Interfaces and the settings schema of ``municipality.certificates``."""

from municipality import _
from plone.supermodel import model
from zope import schema
from zope.publisher.interfaces.browser import IDefaultBrowserLayer

import re


REGISTRY_PREFIX = "municipality.certificates"

_TOKEN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


class ICertificatesLayer(IDefaultBrowserLayer):
    """Marker: the certificates add-on is installed on this site."""


class InvalidTypeLine(schema.ValidationError):
    """A certificate type line that is not «code|Title»."""

    def doc(self):
        return _(
            "«${line}» is not a certificate type: write code|Title, "
            "e.g. family_status|Πιστοποιητικό οικογενειακής κατάστασης.",
            mapping={"line": self.args[0] if self.args else ""},
        )


def parse_type_line(line):
    """Return ``(code, title)`` of a certificate type line, or raise ``ValueError``."""
    parts = [part.strip() for part in (line or "").split("|")]
    if len(parts) != 2 or not _TOKEN.match(parts[0]) or not parts[1]:
        raise ValueError(line)
    return parts[0], parts[1]


def valid_type_line(value):
    try:
        parse_type_line(value)
    except ValueError:
        raise InvalidTypeLine(value) from None
    return True


# The civil-registry certificates a municipality issues (greek-domain.md §7).
DEFAULT_TYPES = [
    "family_status|Πιστοποιητικό οικογενειακής κατάστασης",
    "birth|Ατομικό πιστοποιητικό γέννησης",
    "registration|Πιστοποιητικό εγγραφής στο δημοτολόγιο (δημοτικής κατάστασης)",
    "next_of_kin|Πιστοποιητικό εγγυτέρων συγγενών",
    "citizenship|Πιστοποιητικό ιθαγένειας",
    "identity|Πιστοποιητικό ταυτοπροσωπίας",
    "male_register|Πιστοποιητικό μητρώου αρρένων",
    "birth_record|Ληξιαρχική πράξη γέννησης",
    "marriage_record|Ληξιαρχική πράξη γάμου",
    "death_record|Ληξιαρχική πράξη θανάτου",
    "partnership_record|Ληξιαρχική πράξη συμφώνου συμβίωσης",
    "residence|Βεβαίωση μόνιμης κατοικίας",
]


class ICertificatesSettings(model.Schema):
    """The «Certificates» control panel, stored under ``municipality.certificates``."""

    types = schema.List(
        title=_("Kinds of civil-registry certificate"),
        description=_(
            "One a line: code|Title. Citizens choose from these; a removed "
            "kind stays on the applications made with it."
        ),
        value_type=schema.TextLine(constraint=valid_type_line),
        required=False,
        default=list(DEFAULT_TYPES),
    )
