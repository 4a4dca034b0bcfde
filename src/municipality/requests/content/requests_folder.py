"""The folder that holds the citizen requests: one, at ``/requests``."""

from plone.dexterity.content import Container
from plone.supermodel import model
from zope.interface import implementer


class IRequestsFolder(model.Schema):
    """The requests folder; its title and description come from ``plone.basic``.

    It has no workflow: the install handler sets who may see and add what
    (:func:`municipality.requests.setuphandlers.secure_folder`), and each
    request's workflow keeps it private to its citizen and the staff.
    """


@implementer(IRequestsFolder)
class RequestsFolder(Container):
    """The requests folder.

    Unordered: an ordered folder keeps the order of its items in one list,
    which every submission appends to, so citizens submitting at once would
    conflict in ZODB on it. Requests are listed by date through the catalog.
    """

    _ordering = "unordered"

    def notifyModified(self):
        """Keep the folder's own modification date when a request is added.

        Plone stamps a container modified whenever an item is added, which
        writes the folder object in every submission's transaction: citizens
        submitting at once would all conflict on it. Nothing about the folder
        itself changed, and its listing comes from the catalog.
        """
