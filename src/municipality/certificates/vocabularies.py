"""Vocabularies of the certificates add-on: kinds, certificate types, deliveries."""

from municipality import _
from municipality.certificates import settings
from zope.interface import provider
from zope.schema.interfaces import IVocabularyFactory
from zope.schema.vocabulary import SimpleTerm
from zope.schema.vocabulary import SimpleVocabulary


KINDS = {
    "civil_registry": _("Civil-registry certificate"),
    "tap": _("ΤΑΠ non-debt certificate"),
}

DELIVERIES = {
    "download": _("Download from the portal"),
    "email": _("By email"),
    "post": _("By post"),
    "office": _("Collect at the municipality's office"),
}


def _vocabulary(items):
    return SimpleVocabulary(
        [SimpleTerm(value, value, title) for value, title in items.items()]
    )


@provider(IVocabularyFactory)
def kinds(context=None):
    """A civil-registry certificate or a ΤΑΠ non-debt certificate."""
    return _vocabulary(KINDS)


@provider(IVocabularyFactory)
def certificate_types(context=None):
    """The civil-registry certificate types of the settings (``code|Title``)."""
    return _vocabulary(settings.certificate_types())


@provider(IVocabularyFactory)
def deliveries(context=None):
    """Download, email, post, collect at the office."""
    return _vocabulary(DELIVERIES)
