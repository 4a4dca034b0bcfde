"""Install and uninstall handlers of ``municipality.certificates``."""

from municipality import _
from municipality import logger
from plone import api
from plone.dexterity.utils import createContentInContainer
from zope.i18n import translate


FOLDER_ID = "certificates"
FOLDER_TYPE = "CertificatesFolder"
PORTAL_TYPE = "CertificateApplication"
SERIES = "ΠΙΣ"

MANAGERS = ("Manager", "Site Administrator")
# Who handles applications: the roles holding «municipality: Handle citizen
# cases» by default (core's rolemap.xml); the workflow names the same.
HANDLERS = ("ProtocolClerk", "RevenueOfficer", "Supervisor")
USE_VERIFIED_SERVICES = "municipality: Use verified services"
ADD_PERMISSION = "municipality.certificates: Add CertificateApplication"
# When the site's mapping cannot be read.
DEFAULT_VERIFIED_ROLES = ("VerifiedCitizen", "VerifiedBusiness")


def verified_roles(portal):
    """The roles that hold «Use verified services» on the site (not managers).

    Read from the site, so a municipality that changed the mapping in its
    own rolemap gets the same people allowed to apply.
    """
    roles = [
        role["name"]
        for role in portal.rolesOfPermission(USE_VERIFIED_SERVICES)
        if role["selected"] and role["name"] not in MANAGERS
    ]
    return tuple(roles) or DEFAULT_VERIFIED_ROLES


def folder_permissions(portal):
    """Permission -> roles on /certificates, not acquired.

    Everyone may see the folder's page (it explains who may apply and how
    to get verified); only verified citizens and businesses may add; each
    application's own workflow keeps it private to its applicant and staff.
    """
    applicants = verified_roles(portal)
    return {
        "View": ("Anonymous",),
        "Access contents information": ("Anonymous",),
        "List folder contents": (*HANDLERS, *MANAGERS),
        "Modify portal content": MANAGERS,
        "Delete objects": MANAGERS,
        "Add portal content": (*applicants, *MANAGERS),
        ADD_PERMISSION: (*applicants, *MANAGERS),
    }


def post_install(context):
    """Create the applications folder (once), secure it, give the type its series."""
    portal = api.portal.get()
    folder = portal.get(FOLDER_ID)
    if folder is None:
        title = translate(
            _("Certificates"), target_language="el", context=api.env.getRequest()
        )
        # The type is not addable anywhere (global_allow is off): only here.
        folder = createContentInContainer(
            portal,
            FOLDER_TYPE,
            checkConstraints=False,
            id=FOLDER_ID,
            title=title,
            exclude_from_nav=True,
        )
        logger.info("Created the certificates folder /%s", FOLDER_ID)
    secure_folder(folder)
    set_series()


def secure_folder(folder):
    """Apply :func:`folder_permissions` to ``folder``."""
    portal = api.portal.get()
    for permission, roles in folder_permissions(portal).items():
        folder.manage_permission(permission, roles=list(roles), acquire=False)
    folder.reindexObjectSecurity()


def set_series():
    """Number applications ``ΠΙΣ-2026/000001`` unless the operator chose a series."""
    key = "municipality.reference.series"
    series = dict(api.portal.get_registry_record(key, default=None) or {})
    if PORTAL_TYPE not in series:
        series[PORTAL_TYPE] = SERIES
        api.portal.set_registry_record(key, series)


def uninstall(context):
    """Keep the applications.

    They are the municipality's records of what was asked and issued, and
    must outlive the add-on; installing it again gives them back their type
    and workflow.
    """
