"""The requests settings as Python values, with the shipped defaults as fallback."""

from municipality import logger
from municipality.requests.interfaces import IRequestsSettings
from municipality.requests.interfaces import parse_category_line
from municipality.requests.interfaces import parse_department_line
from municipality.requests.interfaces import REGISTRY_PREFIX
from plone.registry.interfaces import IRegistry
from typing import NamedTuple
from zope.component import queryUtility


class Category(NamedTuple):
    code: str
    title: str
    days: int
    department: str


def get(name):
    """The value of setting ``name``; the schema's default when it is unset."""
    registry = queryUtility(IRegistry)
    value = None
    if registry is not None:
        value = registry.get(f"{REGISTRY_PREFIX}.{name}")
    if value is None:
        value = IRequestsSettings[name].default
    return value


def categories():
    """The categories, in the order of the settings; bad lines are skipped."""
    result = []
    for line in get("categories") or ():
        try:
            result.append(Category(*parse_category_line(line)))
        except ValueError:
            logger.warning("Skipping the bad request category line %r", line)
    return result


def category(code):
    """The :class:`Category` with ``code``, or ``None``."""
    return next((c for c in categories() if c.code == code), None)


def departments():
    """``{code: title}`` of the departments, in the order of the settings."""
    result = {}
    for line in get("departments") or ():
        try:
            code, title = parse_department_line(line)
        except ValueError:
            logger.warning("Skipping the bad department line %r", line)
            continue
        result[code] = title
    return result


def deadline_days(category_code):
    """Working days to answer a request of ``category_code`` (or none)."""
    found = category(category_code) if category_code else None
    return found.days if found is not None else get("default_deadline_days")


def max_attachment_bytes():
    return get("max_attachment_mb") * 1024 * 1024
