"""The profiles install and uninstall cleanly."""

from municipality.core.interfaces import IMunicipalityLayer
from plone import api
from plone.app.theming.utils import getCurrentTheme
from plone.registry.interfaces import IRegistry
from zope.component import getUtility

import pytest


PROFILES = ("municipality:default", "municipality.core:default")


class TestInstall:
    @pytest.fixture(autouse=True)
    def _setup(self, portal):
        self.portal = portal

    @pytest.mark.parametrize("addon", ["municipality", "municipality.core"])
    def test_addon_installed(self, installer, addon):
        assert installer.is_product_installed(addon) is True

    def test_browserlayer(self, browser_layers):
        assert IMunicipalityLayer in browser_layers

    @pytest.mark.parametrize("profile", PROFILES)
    def test_profile_version_is_the_metadata_version(
        self, setup_tool, profile_last_version, profile
    ):
        assert setup_tool.getLastVersionForProfile(profile) == (
            profile_last_version(profile),
        )

    @pytest.mark.parametrize("profile", PROFILES)
    def test_no_pending_upgrade_step(self, setup_tool, profile):
        assert setup_tool.listUpgrades(profile) == []

    def test_dependencies_installed(self, installer):
        for addon in ("plone.restapi", "plone.app.theming", "plone.app.registry"):
            assert installer.is_product_installed(addon), addon

    def test_registry_records(self):
        registry = getUtility(IRegistry)
        assert registry["municipality.name_el"] == "Δήμος Παραδείγματος"
        for system in ("protocol", "finance", "bank", "taxisnet", "diavgeia"):
            assert registry[f"municipality.{system}.url"].endswith(f"/{system}")
            assert registry[f"municipality.{system}.timeout"] == 10.0

    def test_mailhost_points_at_the_mail_catcher(self):
        assert api.portal.get_registry_record("plone.smtp_host") == "127.0.0.1"
        assert api.portal.get_registry_record("plone.smtp_port") == 8025

    def test_reinstall_keeps_an_operators_settings(self, setup_tool):
        api.portal.set_registry_record(
            "municipality.protocol.url", "https://protocol.example.gov.gr/api"
        )
        api.portal.set_registry_record("plone.smtp_host", "mail.example.gov.gr")
        setup_tool.runAllImportStepsFromProfile("profile-municipality.core:default")
        assert (
            api.portal.get_registry_record("municipality.protocol.url")
            == "https://protocol.example.gov.gr/api"
        )
        assert (
            api.portal.get_registry_record("plone.smtp_host") == "mail.example.gov.gr"
        )


class TestUninstall:
    @pytest.fixture(autouse=True)
    def _uninstall(self, portal, installer):
        self.portal = portal
        installer.uninstall_product("municipality")

    @pytest.mark.parametrize("addon", ["municipality", "municipality.core"])
    def test_addon_uninstalled(self, installer, addon):
        assert installer.is_product_installed(addon) is False

    def test_browserlayer_removed(self, browser_layers):
        assert IMunicipalityLayer not in browser_layers

    def test_controlpanel_removed(self, controlpanel_actions):
        assert "municipality" not in controlpanel_actions

    def test_registry_records_removed(self):
        registry = getUtility(IRegistry)
        assert "municipality.name_el" not in registry
        assert "municipality.protocol.url" not in registry

    def test_theme_back_to_barceloneta(self):
        assert getCurrentTheme() == "barceloneta"

    def test_groups_and_their_members_stay(self):
        # People's accounts are not the add-on's to delete.
        assert api.group.get(groupname="verified-citizens") is not None

    def test_reinstall_after_uninstall(self, installer):
        installer.install_product("municipality")
        assert installer.is_product_installed("municipality.core")
        assert getCurrentTheme() == "municipality"
