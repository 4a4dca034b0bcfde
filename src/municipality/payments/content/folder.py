"""The folder of the municipal-tax declarations: one, at ``/municipal-tax``."""

from plone.dexterity.content import Container
from plone.supermodel import model
from zope.interface import implementer


class IMunicipalTaxFolder(model.Schema):
    """The declarations folder; title and description from ``plone.basic``.

    It has no workflow: :func:`municipality.payments.tax.install` sets who
    may see and add what, and each declaration's workflow keeps it private
    to the business that made it and the revenue staff.
    """


@implementer(IMunicipalTaxFolder)
class MunicipalTaxFolder(Container):
    """The declarations folder.

    Unordered, and its modification date is left alone when a declaration
    is added, so businesses declaring at once do not all write the folder
    object and conflict. Declarations are listed through the catalog.
    """

    _ordering = "unordered"

    def notifyModified(self):
        """Keep the folder's own modification date when a declaration is added."""
