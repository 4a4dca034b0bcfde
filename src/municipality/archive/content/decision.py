"""A historical council decision: scanned pages, their text, the PDF/A."""

from municipality import _
from persistent import Persistent
from plone.dexterity.content import Item
from plone.namedfile.field import NamedBlobFile
from plone.supermodel import model
from zope import schema
from zope.interface import implementer


class IHistoricalDecision(model.Schema):
    """A decision of the municipal council, digitized.

    Ingestion (``@archive-ingest``) fills every field; the archivists correct
    them while reviewing. ``text`` is the OCR text of all pages, NFKC
    normalised, pages separated by a form feed (``\\f``); each page's own text,
    image, thumbnail and confidence are in :attr:`HistoricalDecision.pages`.
    """

    number = schema.TextLine(
        title=_("Decision number"),
        description=_("As written on the decision, e.g. 123 or 45Α."),
        required=False,
        max_length=20,
    )
    year = schema.Int(
        title=_("Year"),
        required=False,
        min=1830,
        max=2100,
    )
    meeting_date = schema.Date(
        title=_("Meeting date"),
        required=False,
    )
    subject = schema.Text(
        title=_("Subject"),
        required=False,
    )
    text = schema.Text(
        title=_("Text"),
        description=_("The text of the decision as read from its pages."),
        required=False,
    )
    source_volume = schema.TextLine(
        title=_("Volume"),
        description=_("The bound volume of minutes the pages come from."),
        required=False,
    )
    source_box = schema.TextLine(
        title=_("Box"),
        description=_("The archive box holding the volume or the loose pages."),
        required=False,
    )
    pdf = NamedBlobFile(
        title=_("PDF"),
        description=_("The decision as a searchable PDF/A."),
        required=False,
    )
    needs_review = schema.Bool(
        title=_("Needs review"),
        description=_(
            "Set by the ingestion when the number or the date were read from "
            "the text, or a page was read with low confidence."
        ),
        default=False,
        required=False,
    )
    review_reasons = schema.List(
        title=_("Why it needs review"),
        value_type=schema.TextLine(),
        required=False,
        default=[],
    )


class Page(Persistent):
    """One scanned page of a decision (not content: no catalog entry of its own).

    ``image`` and ``thumbnail`` are ``NamedBlobImage`` (JPEG); ``confidence``
    is Tesseract's mean word confidence, 0–100, or None for a page with no
    words.
    """

    def __init__(
        self,
        number,
        text="",
        confidence=None,
        image=None,
        thumbnail=None,
        source_file="",
        source_page=1,
        languages="ell",
    ):
        self.number = number
        self.text = text
        self.confidence = confidence
        self.image = image
        self.thumbnail = thumbnail
        self.source_file = source_file
        self.source_page = source_page
        self.languages = languages


@implementer(IHistoricalDecision)
class HistoricalDecision(Item):
    """The decision. Besides the schema, set by ingestion:

    - ``pages``: a ``PersistentList`` of :class:`Page`, in order;
    - ``source_hash``: the idempotency key (``api.source_hash``), unique in
      the archive, indexed as ``archive_source_hash``;
    - ``source_files``: tuple of the scans' file names as in the manifest;
    - ``languages``: the Tesseract models the pages were read with;
    - ``confidence``: the mean of the pages' confidences (None: no text).
    """

    pages = ()
    source_hash = None
    source_files = ()
    languages = "ell"
    confidence = None
