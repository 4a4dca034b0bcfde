"""Digital services platform for Greek municipalities."""

from zope.i18nmessageid import MessageFactory

import logging


PACKAGE_NAME = "municipality"

_ = MessageFactory(PACKAGE_NAME)

logger = logging.getLogger(PACKAGE_NAME)
