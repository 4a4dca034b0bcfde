"""The folder that holds the certificate applications: one, at ``/certificates``."""

from plone.dexterity.content import Container
from plone.supermodel import model
from zope.interface import implementer


class IApplicationsFolder(model.Schema):
    """The applications folder; title and description from ``plone.basic``.

    It has no workflow: the install handler sets who may see and add what
    (:func:`municipality.certificates.setuphandlers.secure_folder`) and each
    application's workflow keeps it private to its applicant and the staff.
    """


@implementer(IApplicationsFolder)
class ApplicationsFolder(Container):
    """The applications folder.

    Unordered, and its modification date is left alone when an application
    is added, for the same reason as the requests folder's: citizens
    applying at once must not all write the folder object and conflict.
    Applications are listed through the catalog.
    """

    _ordering = "unordered"

    def notifyModified(self):
        """Keep the folder's own modification date when an item is added."""
