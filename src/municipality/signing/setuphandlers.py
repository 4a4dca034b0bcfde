"""Install and uninstall handlers of ``municipality.signing``."""

from municipality import logger
from plone import api
from zope.annotation.interfaces import IAnnotations


def post_install(context):
    """Nothing the profile's XML cannot do: credentials are added per employee.

    The master key file is created on the first stored credential, not
    here, so that installing the add-on writes nothing outside the database.
    """


def uninstall(context):
    """Forget every stored credential (the encrypted keys of the employees).

    Keys are not records of the municipality; leaving them behind in a site
    that no longer uses them would only keep secrets around. Signed
    documents keep their signatures.
    """
    from municipality.signing import api as signing_api
    from municipality.signing.credentials import ANNOTATION_KEY

    annotations = IAnnotations(api.portal.get())
    if ANNOTATION_KEY in annotations:
        count = len(annotations[ANNOTATION_KEY])
        del annotations[ANNOTATION_KEY]
        logger.info("Removed %d stored signing credentials", count)
    signing_api.forget()
