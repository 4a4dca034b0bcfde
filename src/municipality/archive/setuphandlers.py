"""Install and uninstall handlers of ``municipality.archive``."""

from municipality import _
from plone import api
from plone.dexterity.utils import createContentInContainer
from zope.i18n import translate


ARCHIVE_ID = "archive"


def get_archive(site=None):
    """The archive folder, or None when the add-on made none."""
    site = site if site is not None else api.portal.get()
    folder = site.get(ARCHIVE_ID)
    if folder is not None and folder.portal_type == "DecisionArchive":
        return folder
    return None


def install(site):
    """The archive folder at ``/archive`` (public; decisions decide themselves)."""
    if get_archive(site) is not None:
        return get_archive(site)
    request = getattr(site, "REQUEST", None)
    with api.env.adopt_roles(["Manager"]):
        folder = createContentInContainer(
            site,
            "DecisionArchive",
            checkConstraints=False,
            id=ARCHIVE_ID,
            title=translate(
                _("Historical archive of council decisions"),
                target_language="el",
                context=request,
            ),
            description=translate(
                _(
                    "The decisions of the municipal council from the founding "
                    "of the municipality to 2010, digitized."
                ),
                target_language="el",
                context=request,
            ),
        )
    return folder


def post_install(context):
    """After the profile: the archive folder."""
    install(api.portal.get())


def uninstall(context):
    """Nothing to undo beyond the profile: the decisions stay (archives are kept)."""
