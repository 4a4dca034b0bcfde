"""A file a citizen attaches to a request: a PDF document or a JPEG/PNG image."""

from municipality import _
from municipality.requests.validation import valid_attachment
from plone.dexterity.content import Item
from plone.namedfile.field import NamedBlobFile
from plone.supermodel import model
from zope.interface import implementer


class IRequestAttachment(model.Schema):
    """One attachment; it has no workflow and is visible to whoever sees its request."""

    model.primary("file")
    file = NamedBlobFile(
        title=_("File"),
        description=_("A PDF document or a JPEG or PNG image."),
        required=True,
        constraint=valid_attachment,
    )


@implementer(IRequestAttachment)
class RequestAttachment(Item):
    """An attachment; its title is its file name."""

    def Title(self):
        file = getattr(self, "file", None)
        return getattr(file, "filename", None) or self.getId() or ""
