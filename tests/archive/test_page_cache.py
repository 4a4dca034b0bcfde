"""The public archive pages in Zope's RAM cache (plone.app.caching).

Visitors get the page made for the first of them until the catalog changes;
a decision published in between shows at once; signed-in users are never
served from the cache; browsers revalidate with the ETag (304).
"""

from .search_helpers import add
from .search_helpers import day
from plone import api
from plone.app.testing import SITE_OWNER_NAME
from plone.app.testing import SITE_OWNER_PASSWORD
from zope.component.hooks import setSite

import pytest
import requests
import transaction


TIMEOUT = 30
RAM = "X-RAMCache"


@pytest.fixture
def site(functional):
    portal = functional["portal"]
    setSite(portal)
    made = {
        "published": add(
            12,
            1987,
            "Η απόφαση για την ύδρευση του οικισμού.",
            "Ύδρευση οικισμού",
            day(1987, 3, 15),
        ),
        "draft": add(8, 1988, "Η ύδρευση της πλατείας.", "Ύδρευση", state="reviewed"),
    }
    transaction.commit()
    return portal, made


def page(portal, path, auth=None, **headers):
    return requests.get(
        f"{portal.absolute_url()}{path}",
        headers=headers,
        auth=auth,
        timeout=TIMEOUT,
    )


SEARCH = "/@@archive-search?q=ύδρευση"


def test_caching_is_on_for_the_archive_pages_only(site):
    assert api.portal.get_registry_record(
        "plone.caching.interfaces.ICacheSettings.enabled"
    )
    mapping = api.portal.get_registry_record(
        "plone.caching.interfaces.ICacheSettings.operationMapping"
    )
    assert mapping == {"municipality.archive.public": "plone.app.caching.terseCaching"}


def test_a_visitor_gets_the_page_made_for_the_first(site):
    portal, made = site
    first = page(portal, SEARCH)
    assert first.status_code == 200
    assert RAM not in first.headers
    assert made["published"].absolute_url() in first.text
    second = page(portal, SEARCH)
    assert second.status_code == 200
    assert second.headers.get(RAM) == "plone.app.caching.operations.ramcache"
    assert second.text == first.text
    # Another query is another page.
    other = page(portal, "/@@archive-search?q=πλατεία")
    assert RAM not in other.headers


def test_a_decision_published_later_shows_at_once(site):
    portal, made = site
    before = page(portal, SEARCH)
    assert made["draft"].absolute_url() not in before.text
    assert page(portal, SEARCH).headers.get(RAM)  # cached
    with api.env.adopt_roles(["Manager"]):
        api.content.transition(obj=made["draft"], transition="publish")
    transaction.commit()
    after = page(portal, SEARCH)
    assert RAM not in after.headers
    assert made["draft"].absolute_url() in after.text


def test_signed_in_users_are_never_served_from_the_cache(site):
    portal, made = site
    owner = (SITE_OWNER_NAME, SITE_OWNER_PASSWORD)
    page(portal, SEARCH)
    assert page(portal, SEARCH).headers.get(RAM)  # the visitors' copy exists
    for _ in range(2):
        response = page(portal, SEARCH, auth=owner)
        assert response.status_code == 200
        assert RAM not in response.headers


def test_the_browser_revalidates_with_the_etag(site):
    portal, made = site
    first = page(portal, SEARCH)
    etag = first.headers["ETag"]
    assert "max-age=0" in first.headers["Cache-Control"]
    again = page(portal, SEARCH, **{"If-None-Match": etag})
    assert again.status_code == 304
    with api.env.adopt_roles(["Manager"]):
        api.content.transition(obj=made["draft"], transition="publish")
    transaction.commit()
    changed = page(portal, SEARCH, **{"If-None-Match": etag})
    assert changed.status_code == 200


def test_home_and_decision_pages_are_cached_too(site):
    portal, made = site
    archive = made["published"].__parent__
    for url in (archive.absolute_url(), made["published"].absolute_url()):
        path = url[len(portal.absolute_url()) :]
        assert page(portal, path).status_code == 200
        assert page(portal, path).headers.get(RAM), path


def test_a_page_with_a_status_message_is_not_taken_from_the_cache(site):
    portal, made = site
    page(portal, SEARCH)
    response = requests.get(
        f"{portal.absolute_url()}{SEARCH}",
        cookies={"statusmessages": "x"},
        timeout=TIMEOUT,
    )
    assert RAM not in response.headers
