"""The archivists' review list over real HTTP: states, filters, batches; bulk
transitions with plone.protect's token, «withhold» only with a reason, the
history keeping who, when and why; editing through Plone's edit form and
over REST recomputes the title."""

from .helpers import Client
from .helpers import create_archivist
from .helpers import create_secretary
from .helpers import ingest_decision
from .helpers import PASSWORD
from html.parser import HTMLParser
from municipality.archive.browser import review
from municipality.requests.testing import create_staff
from plone import api
from zope.component.hooks import setSite

import pytest
import re
import requests
import transaction


TIMEOUT = 30


@pytest.fixture
def site(functional):
    portal = functional["portal"]
    setSite(portal)
    create_archivist()
    create_secretary()
    create_staff("employee1", "employees")
    transaction.commit()
    return portal


@pytest.fixture
def review_url(site):
    return f"{site.absolute_url()}/archive/@@archive-review"


def _session(user="archivist1"):
    session = requests.Session()
    session.auth = (user, PASSWORD)
    return session


def _token(html):
    match = re.search(r'name="_authenticator"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def _listed(html):
    """The UIDs of the rows of the review table."""
    return re.findall(r'name="uids:list"[^>]*value="([0-9a-f]{32})"', html)


def _text(html):
    """The page's text without tags, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split()).replace(" :", ":")


def _state(decision):
    transaction.begin()  # see what the server committed
    return api.content.get_state(decision)


class TestTheList:
    def test_by_state_with_filters(self, site, review_url):
        old = ingest_decision(year=1962, meeting_date=None, source_volume="Τόμος 1")
        doubtful = ingest_decision(
            year=1985,
            meeting_date=None,
            review_reasons=["number_from_text", "low_confidence:1"],
            confidences=[40.0],
            source_volume="Τόμος 7",
        )
        reviewed = ingest_decision(year=1987, state="reviewed")
        published = ingest_decision(year=1987, state="published")
        transaction.commit()
        session = _session()

        html = session.get(review_url, timeout=TIMEOUT).text
        assert set(_listed(html)) == {old.UID(), doubtful.UID()}
        assert "Αποφάσεις που βρέθηκαν: 2" in _text(html)
        assert "Ο αριθμός αναγνώστηκε από το κείμενο." in html
        assert "Η σελίδα 1 αναγνώστηκε με χαμηλή βεβαιότητα." in html
        assert "40,0 %" in html

        def listed(**params):
            response = session.get(review_url, params=params, timeout=TIMEOUT)
            assert response.status_code == 200
            return set(_listed(response.text))

        assert listed(state="reviewed") == {reviewed.UID()}
        assert listed(state="published") == {published.UID()}
        assert listed(state="all") == {
            old.UID(),
            doubtful.UID(),
            reviewed.UID(),
            published.UID(),
        }
        assert listed(state="all", year="1987") == {reviewed.UID(), published.UID()}
        assert listed(decade="1960") == {old.UID()}
        assert listed(volume="Τόμος 7") == {doubtful.UID()}
        assert listed(needs_review="1") == {doubtful.UID()}
        assert listed(low_confidence="1") == {doubtful.UID()}
        assert listed(low_confidence="1", year="1962") == set()
        assert listed(state="nonsense") == {old.UID(), doubtful.UID()}
        bad_year = session.get(review_url, params={"year": "19x7"}, timeout=TIMEOUT)
        assert "Γράψτε ένα έτος, π.χ. 1987." in bad_year.text

    def test_low_confidence_from_the_index(self, site, review_url):
        """Below the setting (80 by default): the index's range, the decision
        at exactly the setting left out, one without a confidence kept."""
        catalog = api.portal.get_tool("portal_catalog")
        assert "archive_confidence_rank" in catalog.indexes()
        low = ingest_decision(confidences=[79.9])
        ingest_decision(confidences=[80.0])
        ingest_decision(confidences=[95.0])
        unknown = ingest_decision()
        unknown.confidence = None
        unknown.reindexObject()
        transaction.commit()
        ranks = {
            b.UID: catalog.getIndexDataForRID(b.getRID())["archive_confidence_rank"]
            for b in catalog.unrestrictedSearchResults(portal_type="HistoricalDecision")
        }
        assert ranks[unknown.UID()] == -1.0
        response = _session().get(
            review_url, params={"low_confidence": "1"}, timeout=TIMEOUT
        )
        assert set(_listed(response.text)) == {low.UID(), unknown.UID()}

    def test_batches(self, site, review_url, monkeypatch):
        monkeypatch.setattr(review, "BATCH_SIZE", 2)
        for _ in range(5):
            ingest_decision()
        transaction.commit()
        session = _session()
        first = session.get(review_url, timeout=TIMEOUT).text
        second = session.get(review_url, params={"b_start": 2}, timeout=TIMEOUT).text
        assert len(_listed(first)) == 2
        assert len(_listed(second)) == 2
        assert not set(_listed(first)) & set(_listed(second))
        assert "Αποφάσεις που βρέθηκαν: 5" in _text(first)

    def test_the_council_secretary_may_use_it(self, site, review_url):
        decision = ingest_decision()
        transaction.commit()
        response = _session("secretary1").get(review_url, timeout=TIMEOUT)
        assert response.status_code == 200
        assert _listed(response.text) == [decision.UID()]

    @pytest.mark.parametrize("user", [None, "employee1"])
    def test_not_for_others(self, site, review_url, user):
        ingest_decision()
        transaction.commit()
        session = _session(user) if user else requests.Session()
        response = session.get(review_url, timeout=TIMEOUT, allow_redirects=False)
        assert response.status_code in (302, 401, 403)
        assert "uids:list" not in response.text


class TestTheTab:
    """A «Review decisions» tab leads the archivists to the list, from the
    archive and from its decisions."""

    def _tab(self, html):
        return re.search(r'<a[^>]+href="[^"]*/archive/@@archive-review[?"]', html)

    @pytest.mark.parametrize("user", ["archivist1", "secretary1"])
    def test_for_those_who_review(self, site, user):
        decision = ingest_decision()
        transaction.commit()
        for url in (f"{site.absolute_url()}/archive", decision.absolute_url()):
            page = _session(user).get(url, timeout=TIMEOUT)
            assert page.status_code == 200
            assert self._tab(page.text), f"no tab to the review list on {url}"
            assert "Έλεγχος αποφάσεων" in page.text
        # Not elsewhere in the site.
        page = _session(user).get(site.absolute_url(), timeout=TIMEOUT)
        assert "@@archive-review" not in page.text

    @pytest.mark.parametrize("user", [None, "employee1"])
    def test_not_for_others(self, site, user):
        session = _session(user) if user else requests.Session()
        page = session.get(f"{site.absolute_url()}/archive", timeout=TIMEOUT)
        assert page.status_code == 200
        assert not self._tab(page.text)
        assert "@@archive-review" not in page.text


class TestBulkTransitions:
    @pytest.fixture
    def decisions(self, site):
        result = [
            ingest_decision(review_reasons=["no_date"]),
            ingest_decision(),
            ingest_decision(),
        ]
        transaction.commit()
        return result

    def _post(self, session, review_url, uids, action, comment="", token=True):
        page = session.get(review_url, timeout=TIMEOUT).text
        data = {"uids:list": uids, "workflow_action": action, "comment": comment}
        if token:
            data["_authenticator"] = _token(page)
        return session.post(
            review_url, data=data, timeout=TIMEOUT, allow_redirects=False
        )

    def test_mark_reviewed(self, site, review_url, decisions):
        session = _session()
        first, second, third = decisions
        response = self._post(
            session, review_url, [first.UID(), second.UID()], "review"
        )
        assert response.status_code == 302
        assert response.headers["Location"] == review_url
        assert _state(first) == _state(second) == "reviewed"
        assert _state(third) == "ingested"
        assert first.needs_review is False
        history = first.workflow_history["archive_decision_workflow"]
        assert history[-1]["action"] == "review"
        assert history[-1]["actor"] == "archivist1"
        shown = session.get(review_url, timeout=TIMEOUT).text
        assert "Σήμανση ως ελεγμένη: 2 αποφάσεις." in shown

    def test_withhold_needs_a_reason(self, site, review_url, decisions):
        session = _session()
        first, second, _third = decisions
        response = self._post(session, review_url, [first.UID()], "withhold", "  ")
        assert response.status_code == 400
        assert "Γράψτε τον λόγο της απόκρυψης" in response.text
        assert _state(first) == "ingested"

        response = self._post(
            session,
            review_url,
            [first.UID(), second.UID()],
            "withhold",
            "Ονόματα και ΑΦΜ δημοτών",
        )
        assert response.status_code == 302
        assert _state(first) == _state(second) == "withheld"
        for decision in (first, second):
            step = decision.workflow_history["archive_decision_workflow"][-1]
            assert step["action"] == "withhold"
            assert step["actor"] == "archivist1"
            assert step["comments"] == "Ονόματα και ΑΦΜ δημοτών"
            assert step["time"] is not None

    def test_refused_without_the_token(self, site, review_url, decisions):
        session = _session()
        first = decisions[0]
        response = self._post(session, review_url, [first.UID()], "review", token=False)
        assert response.status_code == 403
        assert _state(first) == "ingested"

    def test_nothing_selected_or_no_action(self, site, review_url, decisions):
        session = _session()
        response = self._post(session, review_url, [], "review")
        assert response.status_code == 400
        assert "Επιλέξτε τουλάχιστον μία απόφαση." in response.text
        response = self._post(session, review_url, [decisions[0].UID()], "destroy")
        assert response.status_code == 400
        assert _state(decisions[0]) == "ingested"

    def test_only_where_the_state_allows(self, site, review_url, decisions):
        session = _session()
        first, second, _third = decisions
        self._post(session, review_url, [first.UID()], "review")
        response = self._post(
            session, review_url, [first.UID(), second.UID()], "publish"
        )
        assert response.status_code == 302
        assert _state(first) == "published"
        assert _state(second) == "ingested"
        shown = session.get(review_url, timeout=TIMEOUT).text
        assert "Δεν είναι δυνατό για 1 αποφάσεις" in shown
        assert second.title in shown


class _Form(HTMLParser):
    """The fields of the form with id ``form`` (Plone's edit form), as posted."""

    def __init__(self):
        super().__init__()
        self.inside = False
        self.fields = []
        self.textarea = None
        self.select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == "form":
            self.inside = True
        if not self.inside:
            return
        if tag == "input" and attrs.get("name"):
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            if kind in ("submit", "button", "file"):
                return
            self.fields.append([attrs["name"], attrs.get("value", "")])
        elif tag == "textarea":
            self.textarea = [attrs["name"], ""]
            self.fields.append(self.textarea)
        elif tag == "select":
            self.select = attrs["name"]
        elif tag == "option" and self.select and "selected" in attrs:
            self.fields.append([self.select, attrs.get("value", "")])

    def handle_endtag(self, tag):
        if tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None
        elif tag == "form":
            self.inside = False

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data


class TestEditing:
    def test_plone_edit_form_recomputes_the_title(self, site):
        decision = ingest_decision(subject="Παλιό θέμα", review_reasons=["no_date"])
        transaction.commit()
        text = decision.text
        url = decision.absolute_url()
        session = _session()
        page = session.get(f"{url}/edit", timeout=TIMEOUT)
        assert page.status_code == 200
        for name in (
            "number",
            "year",
            "meeting_date",
            "subject",
            "text",
            "source_volume",
            "source_box",
            "needs_review",
        ):
            assert f"form.widgets.{name}" in page.text, name
        form = _Form()
        form.feed(page.text)
        fields = [f for f in form.fields if not f[0].startswith("form.widgets.number")]
        fields = [f for f in fields if not f[0].startswith("form.widgets.subject")]
        fields += [
            ["form.widgets.number", "124"],
            ["form.widgets.subject", "Νέο θέμα της απόφασης"],
            ["form.buttons.save", "Αποθήκευση"],
        ]
        response = session.post(
            f"{url}/@@edit", data=fields, timeout=TIMEOUT, allow_redirects=False
        )
        assert response.status_code == 302, re.findall(
            r'class="invalid-feedback[^"]*">([^<]+)', response.text
        )
        transaction.begin()
        assert decision.number == "124"
        assert decision.title == "Απόφαση 124/1987 — Νέο θέμα της απόφασης"
        assert decision.text == text
        catalog = api.portal.get_tool("portal_catalog")
        (brain,) = catalog.unrestrictedSearchResults(UID=decision.UID())
        assert brain.Title == decision.title
        assert brain.archive_number == "124"

    def test_rest_patch_recomputes_the_title(self, site):
        decision = ingest_decision()
        transaction.commit()
        url = decision.absolute_url()
        client = Client(site.absolute_url(), "archivist1")
        response = client.patch(
            url, json={"number": "5", "year": 1988, "meeting_date": "1988-01-20"}
        )
        assert response.status_code == 204, response.text
        body = client.get(url).json()
        assert body["title"].startswith("Απόφαση 5/1988 — ")
        # A published decision is not edited in place.
        transaction.begin()
        published = ingest_decision(state="published")
        transaction.commit()
        response = client.patch(published.absolute_url(), json={"number": "9"})
        assert response.status_code in (401, 403)
