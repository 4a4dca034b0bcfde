"""The application workflow: who may do what, the guards (reason for reject,
the signed certificate for issue), the mails, the staff api."""

from municipality.certificates import api as capi
from municipality.certificates.testing import create_application
from municipality.certificates.testing import create_clerk
from municipality.certificates.testing import create_verified_citizen
from municipality.certificates.testing import transition
from municipality.core.outbox import pending_items
from plone import api
from plone.namedfile.file import NamedBlobFile
from Products.CMFCore.WorkflowCore import WorkflowException

import pytest


@pytest.fixture
def people(portal):
    create_verified_citizen("maria", "Μαρία Παπαδοπούλου", "maria@example.gr")
    create_clerk("clerk", fullname="Γιώργος Υπάλληλος")
    create_clerk("revenue", group="revenue-officers")
    create_clerk("employee", group="employees")


def _mails(obj, template):
    return [
        item
        for item in pending_items(obj, kind="mail")
        if item.payload.get("template") == template
    ]


def _fake_certificate(obj):
    # What the issuing code stores before it does the «issue» transition.
    obj.certificate_file = NamedBlobFile(
        data=b"%PDF-1.7\n%%EOF\n", filename="c.pdf", contentType="application/pdf"
    )


def test_states_and_transitions(people):
    obj = create_application("maria")
    assert api.content.get_state(obj) == "submitted"
    transition(obj, "start", "clerk")
    assert api.content.get_state(obj) == "in_progress"
    _fake_certificate(obj)
    transition(obj, "issue", "clerk")
    assert api.content.get_state(obj) == "issued"
    transition(obj, "deliver", "clerk")
    assert api.content.get_state(obj) == "delivered"


def test_revenue_officers_handle_too(people):
    obj = create_application("maria", kind="tap")
    transition(obj, "start", "revenue")
    assert api.content.get_state(obj) == "in_progress"


@pytest.mark.parametrize("user_id", ["maria", "employee"])
def test_applicant_and_other_staff_cannot_transition(people, user_id):
    obj = create_application("maria")
    with pytest.raises(WorkflowException):
        transition(obj, "start", user_id)
    with pytest.raises(WorkflowException):
        transition(obj, "reject", user_id, comment="όχι")
    assert api.content.get_state(obj) == "submitted"


def test_reject_needs_a_reason(people):
    obj = create_application("maria")
    with pytest.raises(WorkflowException):
        transition(obj, "reject", "clerk", comment="  ")
    assert api.content.get_state(obj) == "submitted"
    transition(obj, "reject", "clerk", comment="Δεν είστε δημότης του Δήμου.")
    assert api.content.get_state(obj) == "rejected"
    assert obj.rejection_reason == "Δεν είστε δημότης του Δήμου."
    mails = _mails(obj, "certificate_rejected")
    assert len(mails) == 1
    assert "Δεν είστε δημότης του Δήμου." in mails[0].payload["body"]
    assert mails[0].payload["to"] == "maria@example.gr"


def test_issue_needs_the_signed_certificate(people):
    obj = create_application("maria")
    transition(obj, "start", "clerk")
    with pytest.raises(WorkflowException):
        transition(obj, "issue", "clerk")
    assert api.content.get_state(obj) == "in_progress"


def test_issued_mail_unless_emailed_with_the_pdf(people):
    download = create_application("maria")
    emailed = create_application("maria", delivery="email")
    for obj in (download, emailed):
        transition(obj, "start", "clerk")
        _fake_certificate(obj)
        transition(obj, "issue", "clerk")
    assert len(_mails(download, "certificate_issued")) == 1
    assert "κατεβάσετε" in _mails(download, "certificate_issued")[0].payload["body"]
    # The issuing code sends that mail itself, with the PDF attached.
    assert _mails(emailed, "certificate_issued") == []


def test_posted_mail(people):
    obj = create_application(
        "maria", delivery="post", postal_address="Ερμού 25\n10563 Αθήνα"
    )
    transition(obj, "start", "clerk")
    _fake_certificate(obj)
    transition(obj, "issue", "clerk")
    transition(obj, "deliver", "clerk", comment="Συστημένη επιστολή")
    assert len(_mails(obj, "certificate_posted")) == 1


def test_no_one_but_managers_may_change_closed_applications(people):
    obj = create_application("maria")
    transition(obj, "reject", "clerk", comment="Λάθος είδος πιστοποιητικού.")
    with api.env.adopt_user(username="clerk"):
        assert not api.user.has_permission("Modify portal content", obj=obj)
        assert api.user.has_permission("View", obj=obj)
    with api.env.adopt_user(username="maria"):
        assert api.user.has_permission("View", obj=obj)
        assert not api.user.has_permission("Modify portal content", obj=obj)


class TestStaffApi:
    def test_start_reject_note(self, people):
        obj = create_application("maria")
        with api.env.adopt_user(username="clerk"):
            capi.start(obj)
            capi.set_staff_note(obj, "Επικοινωνία με τη ληξιαρχική πράξη.")
            with pytest.raises(capi.SubmissionError) as info:
                capi.reject(obj, "   ")
            assert "reason" in info.value.errors
            capi.reject(obj, "Ελλιπή στοιχεία.")
        assert api.content.get_state(obj) == "rejected"
        assert obj.staff_note == "Επικοινωνία με τη ληξιαρχική πράξη."

    def test_citizen_may_not(self, people):
        from zExceptions import Unauthorized

        obj = create_application("maria")
        with api.env.adopt_user(username="maria"):
            with pytest.raises(Unauthorized):
                capi.start(obj)
            with pytest.raises(Unauthorized):
                capi.set_staff_note(obj, "μπορώ;")
        assert obj.staff_note is None

    def test_inbox_filters(self, people):
        civil = create_application("maria")
        tap = create_application("maria", kind="tap")
        with api.env.adopt_user(username="clerk"):
            assert {b.UID for b in capi.inbox()} == {civil.UID(), tap.UID()}
            assert [b.UID for b in capi.inbox(kind="tap")] == [tap.UID()]
            assert [b.UID for b in capi.inbox(certificate_type="family_status")] == [
                civil.UID()
            ]
            assert [b.UID for b in capi.inbox(text=tap.reference_number)] == [tap.UID()]
            capi.start(civil)
            assert [b.UID for b in capi.inbox(state="in_progress")] == [civil.UID()]
        with api.env.adopt_user(username="employee"):
            assert capi.inbox() == []
