"""The archive settings as Python values, with the shipped defaults as fallback."""

from municipality.archive.interfaces import IArchiveSettings
from municipality.archive.interfaces import REGISTRY_PREFIX
from plone.registry.interfaces import IRegistry
from zope.component import queryUtility


def get(name):
    """The value of setting ``name``; the schema's default when it is unset."""
    registry = queryUtility(IRegistry)
    value = None
    if registry is not None:
        value = registry.get(f"{REGISTRY_PREFIX}.{name}")
    if value is None:
        value = IArchiveSettings[name].default
    return value


def as_dict():
    """Every setting by name (what ``GET @archive-ingest`` tells the tool)."""
    return {name: get(name) for name in IArchiveSettings.names()}
