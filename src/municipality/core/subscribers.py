"""Event subscribers of the core add-on."""

from municipality.core.roles import DEFAULT_GROUP
from plone import api
from Products.CMFPlone.utils import get_installer
from Products.PluggableAuthService.interfaces.events import IPrincipalCreatedEvent
from zope.component import adapter


@adapter(IPrincipalCreatedEvent)
def add_new_member_to_citizens(event):
    """Every new portal user is a registered citizen."""
    principal = event.principal
    if getattr(principal, "isGroup", lambda: False)():
        return
    try:
        portal = api.portal.get()
    except api.exc.CannotGetPortalError:
        return
    if not get_installer(portal).is_product_installed("municipality.core"):
        return
    portal.portal_groups.addPrincipalToGroup(principal.getId(), DEFAULT_GROUP)
