"""Interfaces and the settings schema of ``municipality.archive``."""

from municipality import _
from plone.supermodel import model
from zope import schema
from zope.publisher.interfaces.browser import IDefaultBrowserLayer


REGISTRY_PREFIX = "municipality.archive"


class IArchiveLayer(IDefaultBrowserLayer):
    """Marker: the archive add-on is installed on this site."""


class IArchiveSettings(model.Schema):
    """The «Historical archive» control panel (prefix ``municipality.archive``).

    The ingestion tool reads these from the site (``GET @archive-ingest``)
    before it starts, so one place decides how every batch is read.
    """

    ocr_languages = schema.TextLine(
        title=_("OCR languages"),
        description=_(
            "Tesseract language models for monotonic pages (after the 1982 "
            "spelling reform), joined with +."
        ),
        default="ell",
    )

    polytonic_languages = schema.TextLine(
        title=_("OCR languages for polytonic pages"),
        description=_(
            "Tesseract language models for pages written in the polytonic "
            "system (grc: Ancient and polytonic Greek)."
        ),
        default="ell+grc",
    )

    polytonic_before_year = schema.Int(
        title=_("Polytonic before the year"),
        description=_(
            "Decisions of a year before this one are read with the polytonic "
            "models (the monotonic system became official in 1982). A batch "
            "may choose otherwise."
        ),
        default=1982,
        min=1800,
        max=2100,
    )

    low_confidence = schema.Int(
        title=_("Low OCR confidence (%)"),
        description=_(
            "Pages Tesseract read with a mean word confidence below this are "
            "listed in the ingestion report and flag their decision for review."
        ),
        default=80,
        min=0,
        max=100,
    )

    image_width = schema.Int(
        title=_("Page image width (pixels)"),
        description=_("Width of the page images shown beside the text."),
        default=1240,
        min=400,
        max=5000,
    )

    thumbnail_width = schema.Int(
        title=_("Thumbnail width (pixels)"),
        default=200,
        min=50,
        max=800,
    )

    results_per_page = schema.Int(
        title=_("Search results per page"),
        default=20,
        min=5,
        max=100,
    )
