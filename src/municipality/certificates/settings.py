"""The certificates settings as Python values, with the shipped defaults as fallback."""

from municipality import logger
from municipality.certificates.interfaces import ICertificatesSettings
from municipality.certificates.interfaces import parse_type_line
from municipality.certificates.interfaces import REGISTRY_PREFIX
from plone.registry.interfaces import IRegistry
from zope.component import queryUtility


def get(name):
    """The value of setting ``name``; the schema's default when it is unset."""
    registry = queryUtility(IRegistry)
    value = None
    if registry is not None:
        value = registry.get(f"{REGISTRY_PREFIX}.{name}")
    if value is None:
        value = ICertificatesSettings[name].default
    return value


def certificate_types():
    """``{code: title}`` of the civil-registry certificate types, in order."""
    result = {}
    for line in get("types") or ():
        try:
            code, title = parse_type_line(line)
        except ValueError:
            logger.warning("Skipping the bad certificate type line %r", line)
            continue
        result[code] = title
    return result
