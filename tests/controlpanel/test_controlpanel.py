"""The «Municipality» control panel."""

from plone import api
from plone.app.testing import SITE_OWNER_NAME
from plone.app.testing import SITE_OWNER_PASSWORD
from plone.testing.zope import Browser
from zExceptions import Unauthorized

import pytest
import transaction


def test_configlet_listed(controlpanel_actions):
    assert "municipality" in controlpanel_actions


def test_anonymous_cannot_open_it(portal):
    with pytest.raises(Unauthorized):
        portal.restrictedTraverse("@@municipality-controlpanel")


@pytest.fixture
def browser(functional):
    browser = Browser(functional["app"])
    browser.handleErrors = False
    browser.addHeader("Authorization", f"Basic {SITE_OWNER_NAME}:{SITE_OWNER_PASSWORD}")
    browser.addHeader("Accept-Language", "el")
    return browser


@pytest.fixture
def portal_url(functional):
    return functional["portal"].absolute_url()


def test_form_has_a_tab_per_external_system(browser, portal_url):
    browser.open(f"{portal_url}/@@municipality-controlpanel")
    for name in ("protocol", "finance", "bank", "taxisnet", "diavgeia"):
        assert browser.getControl(name=f"form.widgets.{name}.url").value.endswith(
            f"/{name}"
        )
    assert "Όνομα (ελληνικά)" in browser.contents


def test_saving_writes_each_systems_own_records(browser, portal_url, functional):
    browser.open(f"{portal_url}/@@municipality-controlpanel")
    browser.getControl(name="form.widgets.name_el").value = "Δήμος Δοκιμής"
    browser.getControl(
        name="form.widgets.protocol.url"
    ).value = "https://protocol.example.gov.gr/api"
    browser.getControl(name="form.widgets.protocol.password").value = "s3cret"
    browser.getControl(name="form.widgets.bank.timeout").value = "30"
    browser.getControl(name="form.buttons.save").click()
    transaction.begin()
    with api.env.adopt_roles(["Manager"]):
        assert api.portal.get_registry_record("municipality.name_el") == "Δήμος Δοκιμής"
        assert (
            api.portal.get_registry_record("municipality.protocol.url")
            == "https://protocol.example.gov.gr/api"
        )
        assert api.portal.get_registry_record("municipality.protocol.password") == (
            "s3cret"
        )
        assert api.portal.get_registry_record("municipality.bank.timeout") == 30.0
        # Other systems untouched.
        assert api.portal.get_registry_record("municipality.finance.url").endswith(
            "/finance"
        )

    # Saving again with the password left empty keeps the stored one.
    browser.open(f"{portal_url}/@@municipality-controlpanel")
    browser.getControl(name="form.widgets.protocol.username").value = "portal"
    browser.getControl(name="form.buttons.save").click()
    transaction.begin()
    assert api.portal.get_registry_record("municipality.protocol.username") == "portal"
    assert api.portal.get_registry_record("municipality.protocol.password") == "s3cret"


def test_bad_input_is_refused_and_changes_nothing(browser, portal_url):
    browser.open(f"{portal_url}/@@municipality-controlpanel")
    browser.getControl(name="form.widgets.name_el").value = "Δήμος Αλλαγμένος"
    browser.getControl(name="form.widgets.code").value = "12ab"
    browser.getControl(name="form.widgets.finance.timeout").value = "0"
    browser.getControl(name="form.buttons.save").click()
    assert "Υπάρχουν σφάλματα" in browser.contents
    assert "Επιτρέπονται μόνο ψηφία." in browser.contents
    assert "Η τιμή είναι πολύ μικρή." in browser.contents
    transaction.begin()
    assert (
        api.portal.get_registry_record("municipality.name_el") == "Δήμος Παραδείγματος"
    )
    assert api.portal.get_registry_record("municipality.code") == "9999"
