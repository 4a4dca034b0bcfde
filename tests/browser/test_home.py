"""The home page in a real browser: Greek first, English on request."""

import pytest


pytestmark = pytest.mark.browser


def test_home_page_is_greek(functional, page):
    url = functional["portal"].absolute_url()
    response = page.goto(url)
    assert response.status == 200
    assert page.locator("html").get_attribute("lang") == "el"
    # Plone's own UI strings come out in Greek too.
    assert page.get_by_role("link", name="Αρχική").first.is_visible()


def test_language_switcher_goes_to_english_and_back(functional, page):
    url = functional["portal"].absolute_url()
    page.goto(url)
    page.locator("#portal-languageselector a[href*='set_language=en']").first.click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("link", name="Home").first.is_visible()
    page.locator("#portal-languageselector a[href*='set_language=el']").first.click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "el"
