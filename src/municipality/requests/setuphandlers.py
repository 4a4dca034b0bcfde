"""Install and uninstall handlers of ``municipality.requests``."""

from municipality import _
from municipality import logger
from plone import api
from plone.dexterity.utils import createContentInContainer
from zope.i18n import translate


FOLDER_ID = "requests"
FOLDER_TYPE = "RequestsFolder"

MANAGERS = ("Manager", "Site Administrator")
CITIZENS = ("Citizen", "Business")

# Permission -> roles on /requests, not acquired. The folder has no
# workflow; each request's own workflow keeps it private. Everyone may see
# the folder itself (its page leads to the anonymous form), but a listing or
# search shows each person only the requests they may see.
FOLDER_PERMISSIONS = {
    "View": ("Anonymous",),
    "Access contents information": ("Anonymous",),
    "List folder contents": ("Employee", *MANAGERS),
    "Modify portal content": MANAGERS,
    "Delete objects": MANAGERS,
    "Add portal content": (*CITIZENS, *MANAGERS),
    "municipality.requests: Add CitizenRequest": (*CITIZENS, *MANAGERS),
}


def post_install(context):
    """Create the requests folder (once) and set who may do what in it."""
    portal = api.portal.get()
    folder = portal.get(FOLDER_ID)
    if folder is None:
        title = translate(
            _("Requests – Complaints"),
            target_language="el",
            context=api.env.getRequest(),
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
        logger.info("Created the requests folder /%s", FOLDER_ID)
    secure_folder(folder)


def secure_folder(folder):
    """Apply :data:`FOLDER_PERMISSIONS` to ``folder``."""
    for permission, roles in FOLDER_PERMISSIONS.items():
        folder.manage_permission(permission, roles=list(roles), acquire=False)
    folder.reindexObjectSecurity()


def uninstall(context):
    """Keep the requests.

    They are the municipality's records of what citizens asked and were
    answered, and must outlive the add-on; installing it again gives them
    back their types and workflow.
    """
