"""The archive add-on installs its types, workflow, indexes, settings and folder."""

from municipality.archive.setuphandlers import get_archive
from plone import api
from Products.CMFPlone.utils import get_installer


def test_installed_with_the_platform(portal):
    assert get_installer(portal).is_product_installed("municipality.archive")


def test_the_archive_folder_is_public(portal):
    archive = get_archive(portal)
    assert archive is not None
    assert archive.absolute_url().endswith("/archive")
    roles = {r["name"] for r in archive.rolesOfPermission("View") if r["selected"]}
    assert "Anonymous" in roles or archive.acquiredRolesAreUsedBy("View")


def test_types_and_workflow(portal):
    types = api.portal.get_tool("portal_types")
    assert "HistoricalDecision" in types
    assert types["DecisionArchive"].allowed_content_types == ("HistoricalDecision",)
    workflow = api.portal.get_tool("portal_workflow")
    assert workflow.getChainForPortalType("HistoricalDecision") == (
        "archive_decision_workflow",
    )
    states = set(workflow["archive_decision_workflow"].states)
    assert states == {"ingested", "reviewed", "published", "withheld"}


def test_indexes_and_settings(portal):
    catalog = api.portal.get_tool("portal_catalog")
    for name in (
        "archive_year",
        "archive_decade",
        "archive_number",
        "archive_source_hash",
        "archive_needs_review",
        "archive_subject_terms",
        "archive_date",
    ):
        assert name in catalog.indexes(), name
    assert api.portal.get_registry_record("municipality.archive.ocr_languages") == "ell"
    assert (
        api.portal.get_registry_record("municipality.archive.polytonic_before_year")
        == 1982
    )


def test_control_panel(portal):
    controlpanel = api.portal.get_tool("portal_controlpanel")
    assert "municipality-archive" in [a.id for a in controlpanel.listActions()]


def test_uninstall_keeps_the_decisions_folder(portal):
    installer = get_installer(portal)
    with api.env.adopt_roles(["Manager"]):
        installer.uninstall_product("municipality.archive")
    assert not installer.is_product_installed("municipality.archive")
    catalog = api.portal.get_tool("portal_catalog")
    assert "archive_year" not in catalog.indexes()
    with api.env.adopt_roles(["Manager"]):
        installer.install_product("municipality.archive")
    assert get_archive(portal) is not None
