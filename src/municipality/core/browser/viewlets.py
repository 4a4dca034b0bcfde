"""Viewlets of the municipality's look: the header, the skip link, the language
switcher and the contact details in the footer.

The Diazo theme (``core/theme``) puts them in place; without the theme they
still render where Plone's viewlet managers are.
"""

from municipality.core.interfaces import IMunicipalitySettings
from plone.app.i18n.locales.browser.selector import LanguageSelector
from plone.app.layout.viewlets.common import LogoViewlet
from plone.app.layout.viewlets.common import ViewletBase
from plone.base.interfaces import ISiteSchema
from plone.i18n.locales.interfaces import IContentLanguageAvailability
from plone.registry.interfaces import IRegistry
from Products.CMFPlone.utils import getSiteLogo
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from zope.component import getUtility

import re


# Shown when neither the municipality nor the Plone site has a logo.
DEFAULT_EMBLEM = "++theme++municipality/img/emblem.svg"


def municipality_settings():
    """The ``IMunicipalitySettings`` records (name, address, logo …)."""
    return getUtility(IRegistry).forInterface(
        IMunicipalitySettings, prefix="municipality", check=False
    )


def current_language(request):
    """The language negotiated for this request (``el``, ``en`` …)."""
    language = request.get("LANGUAGE") or "el"
    return language.split("-")[0].lower()


def municipality_name(request, settings=None):
    """The municipality's name in the visitor's language: English for ``en``."""
    if settings is None:
        settings = municipality_settings()
    if current_language(request) == "en" and settings.name_en:
        return settings.name_en
    return settings.name_el or settings.name_en or ""


def logo_url(portal_url, settings=None):
    """The address of the municipality's logo.

    The logo of the municipality's control panel, else Plone's site logo,
    else the theme's neutral emblem.
    """
    if settings is None:
        settings = municipality_settings()
    if settings.logo:
        return f"{portal_url}/@@municipality-logo"
    plone_settings = getUtility(IRegistry).forInterface(
        ISiteSchema, prefix="plone", check=False
    )
    if getattr(plone_settings, "site_logo", None):
        return getSiteLogo()
    return f"{portal_url}/{DEFAULT_EMBLEM}"


class BrandViewlet(LogoViewlet):
    """Plone's logo viewlet (``plone.logo``) with the municipality's name."""

    index = ViewPageTemplateFile("templates/brand.pt")

    def update(self):
        super().update()
        settings = municipality_settings()
        self.name = municipality_name(self.request, settings)
        self.logo_src = logo_url(self.site_url, settings)


class SkipLinksViewlet(ViewletBase):
    """The link to the main content, the first thing a keyboard reaches."""

    index = ViewPageTemplateFile("templates/skiplinks.pt")


class LanguageSwitcherViewlet(LanguageSelector):
    """Plone's language selector as «EL | EN»: codes shown, names for readers."""

    index = ViewPageTemplateFile("templates/languageselector.pt")

    def render(self):
        """The viewlet's HTML (Plone's LanguageSelector has no template of its own)."""
        return self.index()

    def languages(self):
        """The site's languages in their order, each with Plone's information
        on it (``native``, ``name`` …), ``code`` and ``selected``.

        What Plone's ``LanguageSelector.languages`` returns, without its
        way there: it builds the information of all 200-odd languages and
        reads the site's own from the registry once for each (3 % of every
        page).
        """
        if self.tool is None:
            return []
        current = self.tool.getLanguageBindings(self.request)[0]
        known = getUtility(IContentLanguageAvailability).getLanguages(
            combined=self.tool.use_combined_language_codes
        )
        return [
            dict(known[code], code=code, selected=code == current)
            for code in self.tool.getSupportedLanguages()
            if code in known
        ]

    def links(self):
        """One dict per language: code, label, name, url, selected."""
        context_state = self.context.restrictedTraverse("@@plone_context_state")
        here_url = context_state.view_url()
        return [
            {
                "code": language["code"],
                "label": language["code"].upper(),
                "name": language.get("native") or language.get("name"),
                "url": f"{here_url}?set_language={language['code']}",
                "selected": language["selected"],
            }
            for language in self.languages()
        ]


class ContactViewlet(ViewletBase):
    """The municipality's contact details, for the footer."""

    index = ViewPageTemplateFile("templates/contact.pt")

    def update(self):
        super().update()
        self.settings = municipality_settings()
        self.name = municipality_name(self.request, self.settings)

    def street(self):
        """The street address."""
        return self.settings.address or ""

    def locality(self):
        """Postal code and city, e.g. «10000 Παράδειγμα»."""
        parts = (self.settings.postal_code, self.settings.city)
        return " ".join(part for part in parts if part)

    def phone(self):
        """The telephone number as written in the control panel."""
        return self.settings.phone or ""

    def phone_href(self):
        """The ``tel:`` link of the telephone number."""
        return "tel:" + re.sub(r"[^\d+]", "", self.phone())

    def email(self):
        """The contact email address."""
        return self.settings.email or ""

    def opening_hours(self):
        """The opening hours of the citizens' service desk."""
        return self.settings.opening_hours or ""
