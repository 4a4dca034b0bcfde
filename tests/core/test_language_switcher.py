"""The language switcher lists what Plone's language selector lists."""

from municipality.core.browser.viewlets import LanguageSwitcherViewlet
from plone.app.i18n.locales.browser.selector import LanguageSelector

import pytest


@pytest.mark.parametrize("language", ["el", "en"])
def test_the_languages_of_plones_selector(portal, http_request, language):
    http_request.cookies["I18N_LANGUAGE"] = language
    http_request.other.pop("LANGUAGE_TOOL", None)  # negotiated again
    ours = LanguageSwitcherViewlet(portal, http_request, None, None)
    plones = LanguageSelector(portal, http_request, None, None)
    ours.update()
    plones.update()
    languages = ours.languages()
    assert languages == plones.languages()
    assert [(lang["code"], lang["selected"]) for lang in languages] == [
        ("el", language == "el"),
        ("en", language == "en"),
    ]
    assert [link["label"] for link in ours.links()] == ["EL", "EN"]
    assert languages[0]["native"] == "Ελληνικά"
