"""Interfaces of ``municipality.certificates``."""

from zope.publisher.interfaces.browser import IDefaultBrowserLayer


class ICertificatesLayer(IDefaultBrowserLayer):
    """Marker: the certificates add-on is installed on this site."""
