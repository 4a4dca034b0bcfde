"""``municipality.core.summary.BrainSummary``: plone.restapi's summary of a
catalog brain, the same JSON, with the type's title translated once per
request and type."""

from datetime import datetime
from municipality.core import summary
from municipality.core.interfaces import IMunicipalityLayer
from plone import api
from plone.restapi.interfaces import ISerializeToJsonSummary
from plone.restapi.serializer.summary import DefaultJSONSummarySerializer
from zope.component import getMultiAdapter
from zope.interface import alsoProvides

import json
import pytest


@pytest.fixture
def brains(integration):
    portal = integration["portal"]
    request = integration["request"]
    alsoProvides(request, IMunicipalityLayer)
    with api.env.adopt_roles(["Manager"]):
        folder = api.content.create(
            container=portal, type="Folder", id="folder", title="Φάκελος"
        )
        api.content.create(
            container=folder,
            type="Document",
            id="page",
            title="Ύδρευση",
            description="Η ύδρευση του οικισμού.",
            subject=("νερό", "δίκτυο"),
        )
        api.content.create(
            container=portal, type="News Item", id="news", title="Ανακοίνωση"
        )
        event = api.content.create(
            container=portal, type="Event", id="event", title="Συνεδρίαση"
        )
        event.start = datetime(2026, 3, 15, 18, 0)
        event.end = datetime(2026, 3, 15, 21, 0)
        event.reindexObject()
        api.content.transition(obj=folder, transition="publish")
    found = api.portal.get_tool("portal_catalog")()
    assert len(found) >= 4
    return found, request


def _plone_s(brain, request):
    return DefaultJSONSummarySerializer(brain, request)()


def _ours(brain, request):
    return summary.BrainSummary(brain, request)()


def test_the_site_s_layer_gets_ours(brains):
    found, request = brains
    serializer = getMultiAdapter((found[0], request), ISerializeToJsonSummary)
    assert isinstance(serializer, summary.BrainSummary)


@pytest.mark.parametrize(
    "metadata_fields",
    [None, "_all", ["start", "end", "Subject", "modified"], "no-such-column"],
)
def test_the_same_json_as_plone_restapi_s(brains, metadata_fields):
    found, request = brains
    if metadata_fields is not None:
        request.form["metadata_fields"] = metadata_fields
    for brain in found:
        ours = _ours(brain, request)
        assert ours == _plone_s(brain, request)
        # And it is JSON as it stands.
        assert json.loads(json.dumps(ours)) == ours
    if metadata_fields == "_all":
        assert len(ours) > 20


def test_the_type_s_title_in_the_request_s_language(brains):
    found, request = brains
    request["LANGUAGE"] = "el"
    request.other.pop(summary.TITLES, None)
    pages = [brain for brain in found if brain.portal_type == "Document"]
    assert (
        _ours(pages[0], request)["type_title"]
        == _plone_s(pages[0], request)["type_title"]
    )


def test_each_type_s_title_is_looked_up_once_per_request(brains, monkeypatch):
    found, request = brains
    asked = []

    def title(portal_type):
        asked.append(portal_type)
        return f"title of {portal_type}"

    monkeypatch.setattr(summary, "get_portal_type_title", title)
    request.other.pop(summary.TITLES, None)
    titles = [_ours(brain, request)["type_title"] for brain in found]
    assert titles == [f"title of {brain.portal_type}" for brain in found]
    assert sorted(asked) == sorted({brain.portal_type for brain in found})
