"""Upgrade steps of ``municipality.archive:default``."""

from plone import api
from Products.CMFPlone.utils import get_installer


PROFILE = "profile-municipality.archive:default"


def cache_public_pages(setup_tool):
    """1001: plone.app.caching installed; the public pages in its RAM cache."""
    installer = get_installer(api.portal.get())
    if not installer.is_product_installed("plone.app.caching"):
        installer.install_product("plone.app.caching")
    setup_tool.runImportStepFromProfile(
        PROFILE, "plone.app.registry", run_dependencies=False
    )


def review_action(setup_tool):
    """1002: the archive's «Review decisions» tab (for archivists)."""
    setup_tool.runImportStepFromProfile(PROFILE, "actions", run_dependencies=False)


def confidence_index(setup_tool):
    """1003: the confidence indexed for the review list's filter."""
    catalog = api.portal.get_tool("portal_catalog")
    if "archive_confidence_rank" not in catalog.indexes():
        catalog.addIndex("archive_confidence_rank", "FieldIndex")
    # Only the decisions have a value: index them, not the whole site.
    for brain in catalog.unrestrictedSearchResults(portal_type="HistoricalDecision"):
        obj = brain._unrestrictedGetObject()
        catalog.catalog_object(
            obj, brain.getPath(), idxs=["archive_confidence_rank"], update_metadata=0
        )


def subject_word_forms(setup_tool):
    """1004: each subject word indexed once for all its forms (one facet
    for «προϋπολογισμός» and «προϋπολογισμού»)."""
    catalog = api.portal.get_tool("portal_catalog")
    for brain in catalog.unrestrictedSearchResults(portal_type="HistoricalDecision"):
        obj = brain._unrestrictedGetObject()
        catalog.catalog_object(
            obj, brain.getPath(), idxs=["archive_subject_terms"], update_metadata=0
        )
