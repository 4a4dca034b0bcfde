"""The archive folder: one, at ``/archive``, holding every decision."""

from plone.dexterity.content import Container
from plone.supermodel import model
from zope.interface import implementer


class IDecisionArchive(model.Schema):
    """The archive; title and description from ``plone.basic``."""


@implementer(IDecisionArchive)
class DecisionArchive(Container):
    """Tens of thousands of decisions: unordered (a BTree folder), and its
    modification date is left alone when a decision is added, so ingestion
    does not write the folder object on every decision."""

    _ordering = "unordered"

    def notifyModified(self):
        """Keep the folder's own modification date when a decision is added."""
