"""Set-up of the umbrella profile ``municipality:default``."""

from Acquisition import aq_inner
from Acquisition import aq_parent
from plone.base.interfaces import INonInstallable
from Products.CMFPlone.utils import get_installer
from zope.interface import implementer


# The add-ons the umbrella profile installs, in the order they depend on
# each other; uninstalling the umbrella removes them in reverse.
ADDONS = (
    "municipality.core",
    "municipality.requests",
    "municipality.signing",
    "municipality.certificates",
    "municipality.payments",
    "municipality.archive",
)


@implementer(INonInstallable)
class HiddenProfiles:
    """Keep the uninstall profiles out of the add-ons control panel."""

    def getNonInstallableProfiles(self):
        return [f"{addon}:uninstall" for addon in ("municipality", *ADDONS)]


def uninstall(context):
    """Uninstall every add-on the umbrella profile installed."""
    # A post_handler is given portal_setup, whose parent is the site.
    installer = get_installer(aq_parent(aq_inner(context)))
    for addon in reversed(ADDONS):
        if installer.is_product_installed(addon):
            installer.uninstall_product(addon)


def install_new_addons(context):
    """Upgrade step: install the add-ons the umbrella gained since it was installed."""
    from plone import api

    installer = get_installer(api.portal.get())
    for addon in ADDONS:
        if not installer.is_product_installed(addon):
            installer.install_product(addon)
