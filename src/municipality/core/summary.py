"""plone.restapi's summary of a catalog brain, the same JSON at less cost.

``@search`` (and every listing of brains: the site's ``items``, ``@querystring-
search``) serialises each result with plone.restapi's
``DefaultJSONSummarySerializer``. Profiled on the 50,000-page archive, a
folded ``@search`` of 25 results spent a quarter of its time there, most of
it twice over per result for the same answer: the type's title looked up
and translated for every result (5 % of the request), and every plain
string passed to ``json_compatible``, which returns it unchanged after an
adapter lookup (5 %).

:class:`BrainSummary` is that serializer with those two done once: the
type's title once per request and type, and plain strings (``type(value) is
str``: an i18n ``Message`` still goes through ``json_compatible``, which
translates it) kept as they are. Everything else — the fields asked for with
``metadata_fields``, the accessors, the fields left out, a workflow error
read as ``None`` — is plone.restapi's own code; ``tests/search/
test_summary.py`` compares the two on every catalog column.
"""

from plone.app.contentlisting.interfaces import IContentListingObject
from plone.restapi.serializer.converters import json_compatible
from plone.restapi.serializer.summary import DefaultJSONSummarySerializer
from plone.restapi.serializer.utils import get_portal_type_title
from Products.CMFCore.WorkflowCore import WorkflowException


#: Where a request keeps the type titles it translated.
TITLES = "_municipality_type_titles"


class BrainSummary(DefaultJSONSummarySerializer):
    """``ISerializeToJsonSummary`` of a catalog brain (see the module)."""

    def type_title(self):
        titles = self.request.other.get(TITLES)
        if titles is None:
            titles = self.request.other[TITLES] = {}
        portal_type = self.context.portal_type
        try:
            return titles[portal_type]
        except KeyError:
            title = titles[portal_type] = get_portal_type_title(portal_type)
            return title

    def __call__(self):
        obj = IContentListingObject(self.context)
        summary = {}
        for field in self.metadata_fields():
            if field.startswith("_") or field in self.blocklisted_attributes:
                continue
            if field == "type_title":
                value = self.type_title()
            else:
                value = getattr(obj, self.field_accessors.get(field, field), None)
                try:
                    if callable(value):
                        value = value()
                except WorkflowException:
                    summary[field] = None
                    continue
            if value is None or type(value) is str:
                summary[field] = value
            else:
                summary[field] = json_compatible(value)
        return summary
