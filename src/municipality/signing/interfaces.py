"""Interfaces of ``municipality.signing``."""

from zope.publisher.interfaces.browser import IDefaultBrowserLayer


class ISigningLayer(IDefaultBrowserLayer):
    """Marker: the digital signatures add-on is installed on this site."""
