"""Install and uninstall handlers of ``municipality.core``."""

from municipality import logger
from municipality.core import textindex
from municipality.core.interfaces import EXTERNAL_SYSTEMS
from municipality.core.roles import GROUPS
from plone import api
from zope.i18n import translate

import os


# Where `make start` runs the simulators unless told otherwise.
DEFAULT_SIMULATORS_URL = "http://127.0.0.1:8090"
DEFAULT_SMTP = ("127.0.0.1", 8025)


def post_install(context):
    """Create the groups, point unset connections at the simulators, set the home page.

    The home page (``@@municipality-home``) replaces only Plone's default view.
    Search folds Greek (:mod:`municipality.core.textindex`).
    """
    from municipality.core.browser.home import set_home_page
    from municipality.core.identity import setup as identity

    ensure_groups()
    configure_external_systems(
        os.environ.get("MUNICIPALITY_SIMULATORS_URL", DEFAULT_SIMULATORS_URL),
        overwrite=False,
    )
    configure_mail(*DEFAULT_SMTP, overwrite=False)
    set_home_page(api.portal.get())
    identity.install(api.portal.get())
    textindex.install(api.portal.get())


def ensure_groups():
    """Create each group of ``roles.GROUPS`` with its roles; keep existing members."""
    portal_groups = api.portal.get_tool("portal_groups")
    request = api.env.getRequest()
    for group_id, (title, description, roles) in GROUPS.items():
        group = api.group.get(groupname=group_id)
        props = {
            "title": translate(title, target_language="el", context=request),
            "description": translate(
                description, target_language="el", context=request
            ),
        }
        if group is None:
            api.group.create(groupname=group_id, roles=list(roles), **props)
            logger.info("Created group %s", group_id)
        else:
            portal_groups.setRolesForGroup(group_id, list(roles))
            group.setGroupProperties(props)


def configure_external_systems(base_url, overwrite=True):
    """Point every external system at ``base_url``/<system>.

    With ``overwrite=False`` only systems without an address are changed, so a
    re-install never undoes an operator's production settings.
    """
    base_url = base_url.rstrip("/")
    for name in EXTERNAL_SYSTEMS:
        key = f"municipality.{name}.url"
        if overwrite or not api.portal.get_registry_record(key, default=None):
            api.portal.set_registry_record(key, f"{base_url}/{name}")


def configure_mail(host, port, overwrite=True):
    """Point Plone's MailHost at an SMTP server (by default the mail catcher)."""
    current = api.portal.get_registry_record("plone.smtp_host", default="")
    if overwrite or current in ("", "localhost"):
        api.portal.set_registry_record("plone.smtp_host", host)
        api.portal.set_registry_record("plone.smtp_port", int(port))
    if not api.portal.get_registry_record("plone.email_from_address", default=""):
        api.portal.set_registry_record(
            "plone.email_from_address", "noreply@example.gov.gr"
        )
        api.portal.set_registry_record("plone.email_from_name", "Δήμος Παραδείγματος")


def uninstall(context):
    """Give the site root Plone's default view back, and search Plone's lexicon.

    Groups and their members stay: they are people's accounts, and removing
    the add-on must not lose who belongs where.
    """
    from municipality.core.browser.home import unset_home_page
    from municipality.core.identity import setup as identity

    unset_home_page(api.portal.get())
    identity.uninstall(api.portal.get())
    textindex.uninstall(api.portal.get())
