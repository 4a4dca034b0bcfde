"""The decisions' review workflow: who may move them, who sees them, «withhold»
needs a reason (also over ``@workflow``), «review» clears «needs review»."""

from .helpers import Client
from .helpers import create_archivist
from .helpers import create_secretary
from .helpers import ingest_decision
from .helpers import PASSWORD
from municipality.requests.testing import create_staff
from plone import api
from plone.app.testing import logout
from Products.CMFCore.WorkflowCore import WorkflowException
from zope.component.hooks import setSite

import pytest
import re
import requests
import transaction


def _transitions(decision, user):
    with api.env.adopt_user(username=user):
        workflow = api.portal.get_tool("portal_workflow")
        return {t["id"] for t in workflow.getTransitionsFor(decision)}


def _can(permission, decision, user):
    with api.env.adopt_user(username=user):
        return bool(api.user.has_permission(permission, obj=decision))


@pytest.fixture
def people(portal):
    create_archivist()
    create_secretary()
    create_staff("employee1", "employees")


class TestWhoMayDoWhat:
    def test_archivist_moves_a_decision_through_every_state(self, people):
        decision = ingest_decision(review_reasons=["no_date"])
        assert decision.needs_review is True
        assert _transitions(decision, "archivist1") == {"review", "withhold"}
        with api.env.adopt_user(username="archivist1"):
            api.content.transition(decision, transition="review")
        assert api.content.get_state(decision) == "reviewed"
        assert decision.needs_review is False
        assert _transitions(decision, "archivist1") == {
            "publish",
            "reopen",
            "withhold",
        }
        with api.env.adopt_user(username="archivist1"):
            api.content.transition(decision, transition="publish")
            api.content.transition(decision, transition="retract")
            api.content.transition(decision, transition="withhold", comment="ΑΜΚΑ")
            api.content.transition(decision, transition="reinstate")
        assert api.content.get_state(decision) == "reviewed"
        history = decision.workflow_history["archive_decision_workflow"]
        assert [h["action"] for h in history] == [
            None,
            "review",
            "publish",
            "retract",
            "withhold",
            "reinstate",
        ]
        assert {h["actor"] for h in history[1:]} == {"archivist1"}
        assert history[4]["comments"] == "ΑΜΚΑ"

    def test_the_council_secretary_may_review(self, people):
        decision = ingest_decision()
        assert _transitions(decision, "secretary1") == {"review", "withhold"}
        with api.env.adopt_user(username="secretary1"):
            api.content.transition(decision, transition="review")
            api.content.transition(decision, transition="publish")
        assert api.content.get_state(decision) == "published"

    def test_an_employee_may_not(self, people):
        decision = ingest_decision()
        assert _transitions(decision, "employee1") == set()
        assert not _can("View", decision, "employee1")
        with (
            api.env.adopt_user(username="employee1"),
            pytest.raises(WorkflowException),
        ):
            api.portal.get_tool("portal_workflow").doActionFor(decision, "review")
        assert api.content.get_state(decision) == "ingested"

    def test_who_sees_and_edits_in_each_state(self, people):
        decision = ingest_decision()
        assert _can("View", decision, "archivist1")
        assert _can("View", decision, "secretary1")
        assert _can("Modify portal content", decision, "archivist1")
        assert not _can("Modify portal content", decision, "secretary1")
        with api.env.adopt_roles(["Manager"]):
            api.content.transition(decision, transition="review")
            api.content.transition(decision, transition="publish")
        # Published: public, and no longer edited in place.
        assert _can("View", decision, "employee1")
        assert not _can("Modify portal content", decision, "archivist1")
        logout()
        assert api.user.has_permission("View", obj=decision)

    def test_withheld_and_unpublished_are_not_public(self, people):
        logout()
        for state in ("ingested", "reviewed", "withheld"):
            decision = ingest_decision(state=state)
            assert not api.user.has_permission("View", obj=decision), state
        catalog = api.portal.get_tool("portal_catalog")
        assert len(catalog(portal_type="HistoricalDecision")) == 0


class TestWithholdNeedsAReason:
    def test_refused_without_a_comment(self, people):
        decision = ingest_decision()
        with (
            api.env.adopt_user(username="archivist1"),
            pytest.raises(WorkflowException) as info,
        ):
            api.portal.get_tool("portal_workflow").doActionFor(
                decision, "withhold", comment="  "
            )
        assert "λόγο της απόκρυψης" in str(info.value)
        assert api.content.get_state(decision) == "ingested"

    def test_over_rest(self, functional):
        portal = functional["portal"]
        setSite(portal)
        create_archivist()
        decision = ingest_decision()
        transaction.commit()
        url = decision.absolute_url()
        client = Client(portal.absolute_url(), "archivist1")
        response = client.post(f"{url}/@workflow/withhold", json={})
        assert response.status_code == 400, response.text
        assert "λόγο της απόκρυψης" in response.json()["error"]["message"]
        assert client.get(url).json()["review_state"] == "ingested"
        response = client.post(
            f"{url}/@workflow/withhold",
            json={"comment": "Περιέχει στοιχεία υγείας δημότη."},
        )
        assert response.status_code == 200, response.text
        history = client.get(f"{url}/@workflow").json()["history"]
        assert history[-1]["action"] == "withhold"
        assert history[-1]["actor"] == "archivist1"
        assert history[-1]["comments"] == "Περιέχει στοιχεία υγείας δημότη."

    def test_the_state_menu_asks_for_the_reason(self, functional):
        portal = functional["portal"]
        setSite(portal)
        create_archivist()
        decision = ingest_decision()
        transaction.commit()
        url = decision.absolute_url()
        session = requests.Session()
        session.auth = ("archivist1", PASSWORD)
        page = session.get(url, timeout=30).text
        # Plone's state menu leads to the form, not to a bare transition.
        assert f'href="{url}/@@withhold?_authenticator=' in page
        assert "content_status_modify?workflow_action=withhold" not in page
        form = session.get(f"{url}/@@withhold", timeout=30).text
        assert "Λόγος απόκρυψης" in form
        token = re.search(r'name="_authenticator"[^>]*value="([^"]+)"', form).group(1)
        response = session.post(
            f"{url}/@@withhold",
            data={"_authenticator": token, "comment": " "},
            timeout=30,
        )
        assert response.status_code == 400
        assert "λόγο της απόκρυψης" in response.text
        transaction.begin()
        assert api.content.get_state(decision) == "ingested"
        response = session.post(
            f"{url}/@@withhold",
            data={"_authenticator": token, "comment": "Διευθύνσεις κατοικίας"},
            timeout=30,
            allow_redirects=False,
        )
        assert response.status_code == 302
        transaction.begin()
        assert api.content.get_state(decision) == "withheld"
        step = decision.workflow_history["archive_decision_workflow"][-1]
        assert (step["actor"], step["comments"]) == (
            "archivist1",
            "Διευθύνσεις κατοικίας",
        )
        # Without the token: refused.
        other = ingest_decision()
        transaction.commit()
        response = session.post(
            f"{other.absolute_url()}/@@withhold",
            data={"comment": "Λόγος"},
            timeout=30,
        )
        assert response.status_code == 403
        transaction.begin()
        assert api.content.get_state(other) == "ingested"
