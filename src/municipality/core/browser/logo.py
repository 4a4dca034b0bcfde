"""The municipality's logo, as set in its control panel."""

from municipality.core.interfaces import IMunicipalitySettings
from plone.formwidget.namedfile.converter import b64decode_file
from plone.namedfile.browser import Download
from plone.namedfile.file import NamedImage
from plone.registry.interfaces import IRegistry
from Products.CMFPlone.utils import getSiteLogo
from zope.component import getUtility


class MunicipalityLogo(Download):
    """Serve the logo from the registry; else Plone's site logo or its default."""

    def __init__(self, context, request):
        super().__init__(context, request)
        self.filename = None
        self.data = None
        settings = getUtility(IRegistry).forInterface(
            IMunicipalitySettings, prefix="municipality", check=False
        )
        if settings.logo:
            filename, data = b64decode_file(settings.logo)
            self.data = NamedImage(data=data, filename=filename)
            self.filename = filename

    def __call__(self):
        if self.data is None:
            # Plone's @@site-logo fails when no site logo is set either;
            # getSiteLogo knows Plone's shipped default.
            return self.request.response.redirect(getSiteLogo())
        return super().__call__()

    def _getFile(self):
        return self.data
