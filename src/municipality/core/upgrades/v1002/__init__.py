"""1001 → 1002: the reference and protocol number indexes belong to core."""

from plone import api

import logging


logger = logging.getLogger(__name__)
INDEXES = ("reference_number", "protocol_number")


def add_number_indexes(context):
    """Import core's catalog.xml; index what a newly added index should hold.

    Sites with municipality.requests already have both indexes (its profile
    used to define them) and keep them as they are; a site without them
    gets them, filled from the content already there.
    """
    catalog = api.portal.get_tool("portal_catalog")
    missing = [name for name in INDEXES if name not in catalog.indexes()]
    context.runImportStepFromProfile("profile-municipality.core:default", "catalog")
    if missing:
        catalog.manage_reindexIndex(ids=missing)
        logger.info("Added and filled the catalog indexes %s", ", ".join(missing))
