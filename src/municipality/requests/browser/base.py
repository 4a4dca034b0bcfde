"""The base of the add-on's views: its stylesheet and shared macros."""

from plone import api as ploneapi
from Products.Five.browser import BrowserView
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile


# The name of the add-on's static resource directory (``++plone++…``).
STATIC = "municipality.requests"


class RequestsView(BrowserView):
    """A view of the requests add-on."""

    form_macros = ViewPageTemplateFile("templates/macros.pt")

    @property
    def portal_url(self):
        return ploneapi.portal.get().absolute_url()

    def static_url(self, name):
        """The address of a file in ``browser/static``."""
        return f"{self.portal_url}/++plone++{STATIC}/{name}"
