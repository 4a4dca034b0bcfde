"""The home page's e-services: usable when their add-on is installed,
«coming soon» otherwise, and again when the add-on is uninstalled."""

from municipality.core import eservices
from Products.CMFPlone.utils import get_installer
from zope.annotation.interfaces import IAnnotations


def _offered(portal, request):
    # A new request's worth of answers: the cache lives for one request.
    IAnnotations(request).pop(eservices._CACHE_KEY, None)
    return {o.service.id: o for o in eservices.available_services(portal, request)}


def test_services_follow_their_addons(portal, http_request):
    request = http_request
    offered = _offered(portal, request)
    archive = offered["digitized-archive"]
    assert archive.available
    assert archive.url == portal.absolute_url() + "/@@archive-search"
    # No such add-on yet: offered as coming soon, with no address.
    council = offered["council-decisions"]
    assert (council.available, council.url) == (False, None)
    payments = [
        o for o in offered.values() if o.service.addon == "municipality.payments"
    ]
    assert payments
    assert all(o.available for o in payments)

    get_installer(portal, request).uninstall_product("municipality.payments")
    offered = _offered(portal, request)
    assert not any(
        o.available
        for o in offered.values()
        if o.service.addon == "municipality.payments"
    )
    assert offered["digitized-archive"].available

    get_installer(portal, request).install_product("municipality.payments")
    assert all(
        o.available
        for o in _offered(portal, request).values()
        if o.service.addon == "municipality.payments"
    )


def test_service_icons_are_kept_and_follow_the_registry(portal, http_request):
    from municipality.core.browser import home
    from plone import api
    from zope.component import getMultiAdapter

    view = getMultiAdapter((portal, http_request), name=home.HOME_VIEW)
    archive = view.icon("archive")
    assert archive.startswith("<svg")
    assert home.ICON_CLASS in archive
    assert view.icon("archive") is archive  # read once, then kept
    bank = view.icon("bank")
    assert bank != archive
    # Another file for the icon in the registry: that file's icon.
    record = "plone.icon.archive"
    saved = api.portal.get_registry_record(record)
    api.portal.set_registry_record(
        record, api.portal.get_registry_record("plone.icon.bank")
    )
    try:
        assert view.icon("archive") == bank
    finally:
        api.portal.set_registry_record(record, saved)
    assert view.icon("archive") is archive


def test_an_addon_whose_code_is_gone_is_not_installed(portal, http_request):
    """A version recorded in ``portal_setup`` but no profile any more (the
    package removed from the instance without uninstalling it): not
    installed, as Plone's installer says."""
    setup = portal.portal_setup
    setup.setLastVersionForProfile("municipality.gone:default", "1000")
    try:
        IAnnotations(http_request).pop(eservices._CACHE_KEY, None)
        assert not eservices.is_addon_installed(portal, "municipality.gone")
        assert not get_installer(portal, http_request).is_product_installed(
            "municipality.gone"
        )
        assert eservices.is_addon_installed(portal, "municipality.payments")
    finally:
        setup.unsetLastVersionForProfile("municipality.gone:default")
