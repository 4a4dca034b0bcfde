"""The archive's search over real HTTP: the REST service ``@archive-search``
(shape, batching, errors naming the parameter, anonymous access), Plone's
own ``@search`` finding every spelling, the public pages as a visitor gets
them, and the cached sets following what is published."""

from .search_helpers import add
from .search_helpers import day
from .search_helpers import ingest
from AccessControl.SpecialUsers import nobody
from DateTime import DateTime
from municipality.archive import search
from municipality.archive.setuphandlers import get_archive
from plone import api
from zope.component.hooks import setSite

import pytest
import requests
import transaction


TIMEOUT = 30
JSON = {"Accept": "application/json"}


@pytest.fixture
def site(functional):
    """A site with published decisions of 1964, 1987 and 1988 (committed)."""
    portal = functional["portal"]
    setSite(portal)
    made = {
        "polytonic": ingest(
            5,
            1964,
            ["Πρακτικὸν συνεδριάσεως.", "Ἡ ΑΠΟΦΑΣΙΣ τοῦ Συμβουλίου περὶ ὑδρεύσεως."],
            subject="Ὕδρευσις τῆς κοινότητος",
            meeting_date=day(1964, 5, 10),
        ),
        "monotonic": add(
            12,
            1987,
            "Η απόφαση για την ύδρευση του οικισμού.",
            "Ύδρευση οικισμού",
            day(1987, 3, 15),
        ),
        "other": add(
            2, 1988, "Ηλεκτροφωτισμός της πλατείας.", "Ηλεκτροφωτισμός", day(1988, 1, 5)
        ),
        "withheld": add(
            9, 1987, "Η ύδρευση και προσωπικά δεδομένα.", "Ύδρευση", state="withheld"
        ),
        "ingested": add(8, 1987, "Η ύδρευση, πρόχειρο.", "Ύδρευση", state="ingested"),
    }
    transaction.commit()
    return portal, made


def get(portal, path, **params):
    return requests.get(
        f"{portal.absolute_url()}{path}", params=params, headers=JSON, timeout=TIMEOUT
    )


# -- @archive-search ----------------------------------------------------------------


def test_search_answers_anonymous_visitors_in_shape(site):
    portal, made = site
    response = get(portal, "/@archive-search", q="ΥΔΡΕΥΣΗ")
    assert response.status_code == 200
    data = response.json()
    assert data["items_total"] == 2
    assert data["@id"].startswith(f"{portal.absolute_url()}/@archive-search?")
    uids = {item["UID"] for item in data["items"]}
    assert uids == {made["polytonic"].UID(), made["monotonic"].UID()}
    item = next(i for i in data["items"] if i["UID"] == made["polytonic"].UID())
    decision = made["polytonic"]
    assert item["@id"] == decision.absolute_url()
    assert item["title"] == decision.Title()
    assert item["number"] == "5"
    assert item["year"] == 1964
    assert item["meeting_date"] == "1964-05-10"
    assert item["subject"] == "Ὕδρευσις τῆς κοινότητος"
    assert item["page"] == 2  # «ὑδρεύσεως» is on the second page
    assert item["thumbnail"] == f"{decision.absolute_url()}/@@page/2/thumbnail"
    assert any("<mark>ὑδρεύσεως</mark>" in s for s in item["snippets"])
    # The thumbnail is there for anyone.
    thumbnail = requests.get(item["thumbnail"], timeout=TIMEOUT)
    assert thumbnail.status_code == 200
    assert thumbnail.headers["Content-Type"].startswith("image/jpeg")
    # Facets: what the visitor may see only.
    facets = data["facets"]
    assert [(f["value"], f["count"]) for f in facets["decade"]] == [
        (1960, 1),
        (1980, 1),
    ]
    assert facets["decade"][0]["title"] == "1960–1969"
    assert {(f["value"], f["count"]) for f in facets["year"]} == {(1964, 1), (1987, 1)}
    terms = {f["value"]: f for f in facets["term"]}
    assert terms["οικισμ"]["title"] == "οικισμού"
    assert terms["οικισμ"]["count"] == 1
    assert data["batching"] == {"@id": data["@id"]}


def test_filters_and_orderings(site):
    portal, made = site
    data = get(portal, "/@archive-search", q="υδρευση", decade="1980").json()
    assert [i["UID"] for i in data["items"]] == [made["monotonic"].UID()]
    assert [f["value"] for f in data["facets"]["decade"]] == [1960, 1980]
    assert [f["active"] for f in data["facets"]["decade"]] == [False, True]
    data = get(portal, "/@archive-search", term="ηλεκτροφωτισμοσ").json()
    assert [i["UID"] for i in data["items"]] == [made["other"].UID()]
    assert data["items"][0]["snippets"] == []
    oldest = get(portal, "/@archive-search", sort="date_asc", b_size="10").json()
    assert [i["year"] for i in oldest["items"]] == [1964, 1987, 1988]
    newest = get(portal, "/@archive-search", sort="date").json()
    assert [i["year"] for i in newest["items"]] == [1988, 1987, 1964]


def test_batching_links(site):
    portal, _made = site
    first = get(portal, "/@archive-search", sort="date", b_size="2").json()
    assert first["items_total"] == 3
    assert len(first["items"]) == 2
    links = first["batching"]
    assert set(links) == {"@id", "first", "last", "next"}
    assert "b_start=2" in links["next"]
    assert "b_size=2" in links["next"]
    second = requests.get(links["next"], headers=JSON, timeout=TIMEOUT).json()
    assert [i["year"] for i in second["items"]] == [1964]
    assert set(second["batching"]) == {"@id", "first", "last", "prev"}
    assert second["batching"]["last"] == links["last"]
    assert second["batching"]["prev"] == links["first"]
    assert "b_start" not in links["first"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"year": "abc"}, "year"),
        ({"sort": "x"}, "sort"),
        ({"b_size": "101"}, "b_size"),
        ({"decade": "1985"}, "decade"),
        ({"b_start": "-5"}, "b_start"),
    ],
)
def test_bad_parameters_answer_400_naming_the_parameter(site, params, field):
    portal, _made = site
    response = get(portal, "/@archive-search", q="ύδρευση", **params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "BadRequest"
    assert [e["field"] for e in error["errors"]] == [field]
    assert error["message"].startswith(f"{field}: ")
    # In Greek, the site's language.
    assert any("\u0370" <= c <= "\u03ff" for c in error["errors"][0]["message"])


def test_several_bad_parameters_at_once(site):
    portal, _made = site
    response = get(portal, "/@archive-search", year="abc", sort="x", b_size="500")
    assert response.status_code == 400
    fields = [e["field"] for e in response.json()["error"]["errors"]]
    assert fields == ["year", "sort", "b_size"]


def test_also_on_the_archive_folder(site):
    portal, _made = site
    archive = get_archive(portal)
    response = requests.get(
        f"{archive.absolute_url()}/@archive-search",
        params={"q": "ύδρευση"},
        headers=JSON,
        timeout=TIMEOUT,
    )
    assert response.status_code == 200
    assert response.json()["items_total"] == 2


def test_plone_search_finds_every_spelling(site):
    """Plone's own ``@search`` (core's folding lexicon): «αποφαση» finds the
    decision written «ΑΠΟΦΑΣΙΣ»."""
    portal, made = site
    response = get(
        portal,
        "/@search",
        SearchableText="αποφαση",
        portal_type="HistoricalDecision",
    )
    assert response.status_code == 200
    found = {item["@id"] for item in response.json()["items"]}
    assert made["polytonic"].absolute_url() in found
    assert made["withheld"].absolute_url() not in found


def test_what_is_published_later_is_found(site):
    """The cached set of published decisions follows the catalog."""
    portal, made = site
    search.clear_cache()
    assert get(portal, "/@archive-search", q="πρόχειρο").json()["items_total"] == 0
    assert len(search._CACHE) == 1  # the visitors' set, kept for the next ones
    before = get(portal, "/@archive-search", q="ύδρευση").json()
    assert before["items_total"] == 2
    decision = made["ingested"]
    with api.env.adopt_roles(["Manager"]):
        api.content.transition(obj=decision, transition="review")
        api.content.transition(obj=decision, transition="publish")
    transaction.commit()
    after = get(portal, "/@archive-search", q="ύδρευση").json()
    assert after["items_total"] == 3
    assert len(search._CACHE) == 2  # a new state of the catalog, a new set
    with api.env.adopt_roles(["Manager"]):
        api.content.transition(obj=decision, transition="retract")
    transaction.commit()
    assert get(portal, "/@archive-search", q="ύδρευση").json()["items_total"] == 2


def test_the_next_minute_shares_the_base_while_nothing_comes_into_effect(
    site, monkeypatch
):
    """A visitor's set of published decisions is made for the minute (their
    effective range); the next minute's is the same object, with its
    counts and masks, until a decision's effective date passes."""
    portal, made = site
    catalog = api.portal.get_tool("portal_catalog")
    start = DateTime(DateTime().millis() // 60000 * 60000 / 1000.0) + 10 / 1440
    later = made["other"]
    later.setEffectiveDate(start + 2.5 / 1440)
    later.reindexObject()
    transaction.commit()
    search.clear_cache()
    minute = [start]
    monkeypatch.setattr(search, "_minute", lambda: minute[0])
    with api.env.adopt_user(user=nobody):
        first = search._base(catalog, get_archive(portal))
        minute[0] = start + 1 / 1440
        assert search._base(catalog, get_archive(portal)) is first
        minute[0] = start + 4 / 1440
        fourth = search._base(catalog, get_archive(portal))
    assert fourth is not first
    assert fourth.size == first.size + 1 == 3
    assert len(search._CACHE) == 3


# -- the pages as a visitor gets them ----------------------------------------------


def test_the_archive_folder_shows_its_home(site):
    portal, _made = site
    response = requests.get(f"{portal.absolute_url()}/archive", timeout=TIMEOUT)
    assert response.status_code == 200
    assert "Περιήγηση ανά δεκαετία και έτος" in response.text
    assert "1980–1989" in response.text
    assert "++resource++municipality.archive.public.css" in response.text
    css = requests.get(
        f"{portal.absolute_url()}/++resource++municipality.archive.public.css",
        timeout=TIMEOUT,
    )
    assert css.status_code == 200
    assert ".archive-hit" in css.text


def test_the_e_service_leads_to_the_search_page(site):
    portal, _made = site
    home = requests.get(portal.absolute_url(), timeout=TIMEOUT)
    assert f'{portal.absolute_url()}/@@archive-search"' in home.text
    response = requests.get(
        f"{portal.absolute_url()}/@@archive-search",
        params={"q": "ΥΔΡΕΥΣΗ"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 200
    assert "2 αποτελέσματα" in response.text
    assert "<mark>ὑδρεύσεως</mark>" in response.text
    bad = requests.get(
        f"{portal.absolute_url()}/@@archive-search",
        params={"year": "abc"},
        timeout=TIMEOUT,
    )
    assert bad.status_code == 400
    assert "Δώστε το έτος ως αριθμό" in bad.text
