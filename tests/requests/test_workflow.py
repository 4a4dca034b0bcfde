"""The request workflow and the staff actions of the api: every step in the
history with its comment, the rules of «answer» and «reject», the officer's
role, the mails to the citizen, the inbox and deadlines, the protocol."""

from AccessControl import Unauthorized as AccessDenied
from datetime import timedelta
from municipality.core.calendar import current_date
from municipality.core.outbox import pending_items
from municipality.core.protocol import apply_registration
from municipality.core.protocol import KIND as PROTOCOL_KIND
from municipality.requests import api as rapi
from municipality.requests.testing import create_citizen
from municipality.requests.testing import create_staff
from municipality.requests.testing import pdf_bytes
from municipality.requests.testing import requests_folder
from plone import api
from Products.CMFCore.WorkflowCore import WorkflowException
from zExceptions import Unauthorized

import pytest


VALID = {
    "kind": "request",
    "category": "roads",
    "title": "Λακκούβα στην οδό Αθηνάς",
    "text": "Μεγάλη λακκούβα μπροστά στο νούμερο 5.",
    "desired_action": "Επισκευή του οδοστρώματος.",
}


@pytest.fixture
def folder(portal):
    return requests_folder()


@pytest.fixture
def people(portal):
    create_citizen("maria", "Μαρία Παπαδοπούλου", "maria@example.gr")
    create_staff(
        "clerk", "protocol-clerks", "Γιώργος Υπάλληλος", "clerk@example.gov.gr"
    )
    create_staff("boss", "supervisors", "Άννα Προϊσταμένη")
    create_staff("kostas", "employees", "Κώστας Μηχανικός")
    create_staff("other", "employees", "Άλλος Υπάλληλος")


@pytest.fixture
def case(folder, people):
    with api.env.adopt_user(username="maria"):
        return rapi.submit_named(folder, api.user.get_current(), dict(VALID))


def state(obj):
    return rapi.review_state(obj)


def history(obj):
    return obj.workflow_history[rapi.WORKFLOW_ID]


def mails(obj, template):
    return [
        item
        for item in pending_items(obj, kind="mail")
        if item.payload["template"] == template
    ]


class TestLifecycle:
    def test_assign_answer_close(self, case):
        with api.env.adopt_user(username="clerk"):
            rapi.assign(case, "technical", "kostas")
        assert state(case) == "in_progress"
        assert case.department == "technical"
        assert case.officer == "kostas"
        with api.env.adopt_user(username="kostas"):
            # The assigned officer may now answer, as a local Editor.
            rapi.answer(case, "Η επισκευή προγραμματίστηκε για τη Δευτέρα.")
        assert state(case) == "answered"
        assert case.answered_date is not None
        with api.env.adopt_user(username="boss"):
            rapi.close(case, comment="Έγινε η επισκευή.")
        assert state(case) == "closed"
        assert case.closed_date is not None
        steps = history(case)
        assert [step["action"] for step in steps] == [None, "assign", "answer", "close"]
        assert [step["actor"] for step in steps] == ["maria", "clerk", "kostas", "boss"]
        assert steps[-1]["comments"] == "Έγινε η επισκευή."

    def test_reject_needs_a_reason(self, case):
        with api.env.adopt_user(username="clerk"):
            with pytest.raises(rapi.SubmissionError) as error:
                rapi.reject(case, "  ")
            assert set(error.value.errors) == {"reason"}
            assert state(case) == "submitted"
            # The workflow itself refuses too, whoever calls it.
            with pytest.raises(WorkflowException):
                api.portal.get_tool("portal_workflow").doActionFor(
                    case, "reject", comment=""
                )
            assert state(case) == "submitted"
            rapi.reject(case, "Δεν είναι αρμοδιότητα του Δήμου.")
        assert state(case) == "rejected"
        assert history(case)[-1]["comments"] == "Δεν είναι αρμοδιότητα του Δήμου."

    def test_answer_needs_an_answer(self, case):
        with api.env.adopt_user(username="clerk"):
            with pytest.raises(rapi.SubmissionError) as error:
                rapi.answer(case, "")
            assert set(error.value.errors) == {"answer"}
            with pytest.raises(WorkflowException):
                api.portal.get_tool("portal_workflow").doActionFor(case, "answer")
            assert state(case) == "submitted"
            with pytest.raises(rapi.SubmissionError) as error:
                rapi.answer(case, "α" * 20001)
            assert "20000" in error.value.errors["answer"]
            assert state(case) == "submitted"

    def test_reopen(self, case):
        with api.env.adopt_user(username="clerk"):
            rapi.answer(case, "Απάντηση")
            rapi.reopen(case, comment="Ο πολίτης επανήλθε.")
            assert state(case) == "in_progress"
            rapi.answer(case, "Δεύτερη απάντηση")
        assert state(case) == "answered"
        # Each answer is mailed: the keys differ per history step.
        assert len(mails(case, "case_answered")) == 2

    def test_close_only_when_answered(self, case):
        with api.env.adopt_user(username="clerk"):
            with pytest.raises(rapi.SubmissionError):
                rapi.close(case)
        assert state(case) == "submitted"

    def test_terminal_states(self, case):
        with api.env.adopt_user(username="clerk"):
            rapi.reject(case, "Διπλή υποβολή")
            wftool = api.portal.get_tool("portal_workflow")
            assert wftool.getTransitionsFor(case) == ()


class TestWhoMayAct:
    def test_citizen_cannot_act_on_own_request(self, case):
        with api.env.adopt_user(username="maria"):
            with pytest.raises(Unauthorized):
                rapi.answer(case, "Μόνη μου")
            with pytest.raises(Unauthorized):
                rapi.assign(case, "technical", "kostas")
            assert not api.user.has_permission("Modify portal content", obj=case)
            wftool = api.portal.get_tool("portal_workflow")
            assert wftool.getTransitionsFor(case) == ()

    def test_plain_employee_cannot_act(self, case):
        with api.env.adopt_user(username="other"):
            assert api.user.has_permission("View", obj=case)
            with pytest.raises(Unauthorized):
                rapi.reject(case, "Όχι")
        assert state(case) == "submitted"

    @pytest.mark.parametrize("user_id", ["clerk", "boss"])
    def test_case_handlers_may_act(self, case, user_id):
        with api.env.adopt_user(username=user_id):
            assert api.user.has_permission("Modify portal content", obj=case)
            rapi.assign(case, "cleaning", "")
        assert state(case) == "in_progress"

    def test_officer_role_moves_with_reassignment(self, case):
        with api.env.adopt_user(username="clerk"):
            rapi.assign(case, "technical", "kostas")
            assert "Editor" in case.get_local_roles_for_userid("kostas")
            rapi.assign(case, "technical", "other")
        assert "Editor" not in case.get_local_roles_for_userid("kostas")
        assert "Editor" in case.get_local_roles_for_userid("other")
        with api.env.adopt_user(username="kostas"):
            assert not api.user.has_permission("Modify portal content", obj=case)
        with api.env.adopt_user(username="other"):
            assert api.user.has_permission("Modify portal content", obj=case)

    def test_assign_checks_department_and_officer(self, case):
        with api.env.adopt_user(username="clerk"):
            with pytest.raises(rapi.SubmissionError) as error:
                rapi.assign(case, "weather", "maria")
        assert set(error.value.errors) == {"department", "officer"}
        assert state(case) == "submitted"
        assert case.officer is None

    def test_owner_adds_attachments_only_while_submitted(self, case):
        permission = "municipality.requests: Add RequestAttachment"
        with api.env.adopt_user(username="maria"):
            assert api.user.has_permission(permission, obj=case)
        with api.env.adopt_user(username="clerk"):
            rapi.assign(case, "technical", "kostas")
        with api.env.adopt_user(username="maria"):
            assert not api.user.has_permission(permission, obj=case)
            assert not api.user.has_permission("Add portal content", obj=case)
        with api.env.adopt_user(username="clerk"):
            assert api.user.has_permission(permission, obj=case)

    def test_attachment_follows_its_request(self, folder, people):
        with api.env.adopt_user(username="maria"):
            case = rapi.submit_named(
                folder,
                api.user.get_current(),
                dict(VALID),
                [("plan.pdf", pdf_bytes())],
            )
        attachment = case.objectValues()[0]
        create_citizen("nikos")
        with api.env.adopt_user(username="nikos"):
            assert not api.user.has_permission("View", obj=attachment)
            with pytest.raises((Unauthorized, AccessDenied)):
                case.restrictedTraverse(attachment.getId())
        with api.env.adopt_user(username="maria"):
            assert api.user.has_permission("View", obj=attachment)
            assert not api.user.has_permission("Modify portal content", obj=attachment)
            assert not api.user.has_permission("Delete objects", obj=attachment)


class TestNotifications:
    def test_answered_and_closed_mails(self, case):
        with api.env.adopt_user(username="clerk"):
            rapi.answer(case, "Θα γίνει επισκευή.")
            rapi.close(case)
        (answered,) = mails(case, "case_answered")
        assert answered.payload["to"] == "maria@example.gr"
        assert "Θα γίνει επισκευή." in answered.payload["body"]
        assert case.reference_number in answered.payload["subject"]
        (closed,) = mails(case, "case_closed")
        assert closed.payload["to"] == "maria@example.gr"

    def test_rejected_mail_gives_the_reason(self, case):
        with api.env.adopt_user(username="clerk"):
            rapi.reject(case, "Αφορά την Περιφέρεια.")
        (closed,) = mails(case, "case_closed")
        assert "Αφορά την Περιφέρεια." in closed.payload["body"]

    def test_anonymous_without_email_gets_nothing(self, folder, people):
        obj, _token = rapi.submit_anonymous(
            folder, {"title": "Θέμα", "text": "Κείμενο"}, "10.1.1.1"
        )
        with api.env.adopt_user(username="clerk"):
            rapi.answer(obj, "Απάντηση")
        assert pending_items(obj, kind="mail") == []

    def test_anonymous_later_mails_link_the_tracking_page(self, folder, people):
        obj, token = rapi.submit_anonymous(
            folder,
            {"title": "Θέμα", "text": "Κείμενο", "email": "anon@example.gr"},
            "10.1.1.2",
        )
        with api.env.adopt_user(username="clerk"):
            rapi.answer(obj, "Απάντηση")
        (answered,) = mails(obj, "case_answered")
        assert "/requests/@@track" in answered.payload["body"]
        assert token not in answered.payload["body"]


class TestProtocol:
    def test_register_is_idempotent(self, case):
        with api.env.adopt_user(username="clerk"):
            item = rapi.register(case)
            again = rapi.register(case)
        assert item is again
        assert item.kind == PROTOCOL_KIND
        document = item.payload["document"]
        assert document["subject"] == VALID["title"]
        assert document["reference"] == case.reference_number
        assert document["sender"] == {
            "name": "Μαρία Παπαδοπούλου",
            "email": "maria@example.gr",
        }
        assert VALID["desired_action"] in document["text"]
        assert len(pending_items(case, kind=PROTOCOL_KIND)) == 1

    def test_only_protocol_staff_register(self, case):
        with api.env.adopt_user(username="boss"):
            with pytest.raises(Unauthorized):
                rapi.register(case)
        with api.env.adopt_user(username="maria"):
            with pytest.raises(Unauthorized):
                rapi.register(case)

    def test_number_assigned_mail_and_history(self, case):
        with api.env.adopt_user(username="clerk"):
            rapi.register(case)
        apply_registration(case, {"number": "1234", "date": "2026-03-02"})
        (mail,) = mails(case, "case_protocol_assigned")
        assert "1234" in mail.payload["subject"]
        assert "02/03/2026" in mail.payload["body"]
        assert [entry["state"] for entry in rapi.status_history(case)] == [
            "submitted",
            "protocol",
        ]
        assert "1234" in rapi.status_history(case)[-1]["state_title"]
        with api.env.adopt_user(username="clerk"):
            assert len(api.content.find(protocol_number="1234")) == 1


class TestHistory:
    def test_status_history(self, case):
        with api.env.adopt_user(username="clerk"):
            rapi.assign(case, "technical", "kostas")
            rapi.reject(case, "Εκτός αρμοδιότητας")
        entries = rapi.status_history(case)
        assert [entry["state"] for entry in entries] == [
            "submitted",
            "in_progress",
            "rejected",
        ]
        assert entries[0]["actor_title"] == "Μαρία Παπαδοπούλου"
        assert entries[1]["actor_title"] == "Γιώργος Υπάλληλος"
        assert entries[2]["comment"] == "Εκτός αρμοδιότητας"
        assert all(entry["state_title"] for entry in entries)
        assert all(entry["date"].tzinfo is not None for entry in entries)
        assert entries[0]["date"] <= entries[1]["date"] <= entries[2]["date"]

    def test_anonymous_submitter_title(self, folder, people):
        obj, _token = rapi.submit_anonymous(
            folder, {"title": "Θέμα", "text": "Κείμενο"}, "10.1.1.3"
        )
        (entry,) = rapi.status_history(obj)
        assert entry["actor_title"]
        assert entry["actor_title"] != "None"


class TestInbox:
    def _make(self, folder, **changes):
        with api.env.adopt_user(username="maria"):
            obj = rapi.submit_named(
                folder, api.user.get_current(), dict(VALID, **changes)
            )
        return obj

    def test_filters(self, folder, people):
        lighting = self._make(folder, category="lighting", kind="complaint")
        green = self._make(folder, category="green", kind="proposal")
        late = self._make(folder, category="other")
        late.deadline = current_date() - timedelta(days=3)
        late.reindexObject()
        with api.env.adopt_user(username="clerk"):
            rapi.answer(green, "Ευχαριστούμе")
            uids = lambda brains: {b.UID for b in brains}  # noqa: E731
            assert uids(rapi.inbox()) == {lighting.UID(), green.UID(), late.UID()}
            assert uids(rapi.inbox(department="technical")) == {lighting.UID()}
            assert uids(rapi.inbox(kind="proposal")) == {green.UID()}
            assert uids(rapi.inbox(state="answered")) == {green.UID()}
            assert uids(rapi.inbox(overdue=True)) == {late.UID()}
            assert uids(rapi.inbox(overdue=False)) == {lighting.UID(), green.UID()}
            assert uids(rapi.inbox(overdue=True, state="answered")) == set()
            assert uids(rapi.inbox(min_age_days=1)) == set()

    def test_is_overdue(self, folder, people):
        obj = self._make(folder)
        assert not rapi.is_overdue(obj)
        obj.deadline = current_date()
        obj.reindexObject()
        assert not rapi.is_overdue(obj)  # due today is not late yet
        obj.deadline = current_date() - timedelta(days=1)
        obj.reindexObject()
        assert rapi.is_overdue(obj)
        with api.env.adopt_user(username="clerk"):
            (brain,) = rapi.inbox()
            assert rapi.is_overdue(brain)
            rapi.answer(obj, "Απάντηση")
            (brain,) = rapi.inbox()
        # Answered: no longer owed.
        assert not rapi.is_overdue(obj)
        assert not rapi.is_overdue(brain)

    def test_citizen_inbox_is_own_only(self, folder, people):
        self._make(folder)
        create_citizen("nikos")
        with api.env.adopt_user(username="nikos"):
            assert rapi.inbox() == []
