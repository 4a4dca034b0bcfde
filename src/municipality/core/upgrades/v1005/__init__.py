"""1005: the archivists (role, group, permissions) and Greek folding in search."""

from municipality.core.setuphandlers import ensure_groups


def archivists(context):
    """The Archivist role, its two permissions and the «archivists» group."""
    context.runImportStepFromProfile("profile-municipality.core:default", "rolemap")
    ensure_groups()


def greek_search(context):
    """Fold case, accents and polytonic marks in the lexicon; reindex the text."""
    from municipality.core import textindex
    from plone import api

    textindex.install(api.portal.get())
