"""The pages of the requests add-on, rendered in the integration layer.

Forms validate and store nothing on bad input, the honeypot and the CSRF
token block, one citizen cannot open another's request, and the staff panel
is for staff only.
"""

from datetime import date
from datetime import timedelta
from municipality.requests.interfaces import IRequestsLayer
from plone import api
from plone.app.testing import login
from plone.app.testing import logout
from plone.protect.authenticator import createToken
from zExceptions import NotFound
from zExceptions import Unauthorized
from zope.interface import alsoProvides

import pytest
import re


REFERENCE = re.compile(r"ΑΙΤ-\d{4}/\d{6}")
DATE = re.compile(r"\b\d{2}/\d{2}/\d{4}\b")
PASSWORD = "a-long-test-password-1"


@pytest.fixture
def portal(integration):
    portal = integration["portal"]
    alsoProvides(integration["request"], IRequestsLayer)
    return portal


@pytest.fixture
def request_(integration):
    return integration["request"]


@pytest.fixture
def folder(portal):
    return portal["requests"]


def _user(username, fullname, groups=()):
    user = api.user.create(
        email=f"{username}@example.org",
        username=username,
        password=PASSWORD,
        properties={"fullname": fullname},
    )
    for group in groups:
        api.group.add_user(groupname=group, username=username)
    return user


@pytest.fixture
def citizens(portal):
    """Two citizens (they join «citizens» on creation) and a protocol clerk."""
    with api.env.adopt_roles(["Manager"]):
        _user("maria", "Μαρία Παπαδοπούλου")
        _user("nikos", "Νίκος Γεωργίου")
        _user("clerk", "Κατερίνα Ιωάννου", groups=("protocol-clerks",))
    return portal


def render(context, name, request, form=None, method="GET", token=True, addr=None):
    """Publish-like: traverse to the view with its permission check and call it."""
    request.form.clear()
    request.form.update(form or {})
    request.environ["REQUEST_METHOD"] = method
    request.other["REQUEST_METHOD"] = method
    if method == "POST" and token:
        request.form["_authenticator"] = createToken()
    if addr:
        request._client_addr = addr
    request.response.setStatus(200)
    request.response.headers.pop("location", None)
    view = context.restrictedTraverse(f"@@{name}")
    return view()


def submit_named(folder, user_id="maria", **data):
    """A request of ``user_id`` through the model's api, as the user."""
    from municipality.requests import api as requests_api

    values = {
        "kind": "complaint",
        "category": "lighting",
        "title": "Σβηστή λάμπα στην οδό Ερμού",
        "text": "Η λάμπα μπροστά στο 12 είναι σβηστή εδώ και μια εβδομάδα.",
        "desired_action": "Αντικατάσταση της λάμπας.",
    }
    values.update(data)
    login(folder.aq_parent, user_id)
    return requests_api.submit_named(folder, api.user.get_current(), values, [])


def _children(folder):
    return sorted(folder.objectIds())


# -- @@new-request --------------------------------------------------------


def test_new_request_offers_anonymous_a_choice(folder, request_):
    logout()
    html = render(folder, "new-request", request_)
    assert "/login?came_from=" in html
    assert "@@anonymous-request" in html
    assert 'name="title"' not in html


def test_new_request_form_renders_in_greek(citizens, folder, request_):
    login(citizens, "maria")
    html = render(folder, "new-request", request_)
    assert 'name="_authenticator"' in html
    for label in ("Αίτημα", "Καταγγελία", "Πρόταση", "Θέμα", "Ηλεκτροφωτισμός"):
        assert label in html
    # Radios for the kind, one select for the category, several files.
    assert html.count('type="radio"') == 3
    assert 'name="attachments:list"' in html
    assert 'multiple="multiple"' in html
    assert "application/pdf" in html
    assert "++plone++municipality.requests/requests.css" in html


def test_new_request_bad_input_keeps_input_and_stores_nothing(
    citizens, folder, request_
):
    login(citizens, "maria")
    before = _children(folder)
    html = render(
        folder,
        "new-request",
        request_,
        form={
            "form.submitted": "1",
            "kind": "request",
            "title": "",
            "text": "",
            "desired_action": "Να καθαριστεί ο δρόμος",
        },
        method="POST",
    )
    assert request_.response.getStatus() == 400
    assert _children(folder) == before
    # The summary at the top, announced, with a link to each field.
    assert 'role="alert"' in html
    assert 'href="#new-request-title"' in html
    assert 'href="#new-request-text"' in html
    # Each field has its message, tied to the input.
    assert 'id="new-request-title-error"' in html
    assert "new-request-title-hint new-request-title-error" in html
    assert 'aria-invalid="true"' in html
    # What was typed is kept.
    assert "Να καθαριστεί ο δρόμος" in html
    # Greek messages.
    summary = html.split('role="alert"', 1)[1].split("</div>", 1)[0]
    assert re.search("[α-ωΑ-Ω]{3,}", summary)


def test_new_request_too_long_subject_and_wrong_kind(citizens, folder, request_):
    login(citizens, "maria")
    before = _children(folder)
    html = render(
        folder,
        "new-request",
        request_,
        form={
            "form.submitted": "1",
            "kind": "petition",
            "title": "Θ" * 201,
            "text": "Κείμενο",
        },
        method="POST",
    )
    assert request_.response.getStatus() == 400
    assert _children(folder) == before
    assert 'id="new-request-title-error"' in html
    assert 'id="new-request-kind-error"' in html


def test_new_request_needs_the_csrf_token(citizens, folder, request_):
    login(citizens, "maria")
    before = _children(folder)
    html = render(
        folder,
        "new-request",
        request_,
        form={
            "form.submitted": "1",
            "kind": "request",
            "title": "Θέμα",
            "text": "Κείμενο",
        },
        method="POST",
        token=False,
    )
    assert request_.response.getStatus() == 403
    assert _children(folder) == before
    assert "Η φόρμα έληξε" in html
    # What was typed is kept for the second try.
    assert 'value="Θέμα"' in html


def test_new_request_success_shows_the_reference(citizens, folder, request_):
    login(citizens, "maria")
    before = _children(folder)
    render(
        folder,
        "new-request",
        request_,
        form={
            "form.submitted": "1",
            "kind": "complaint",
            "category": "lighting",
            "title": "Σβηστή λάμπα",
            "text": "Στην οδό Ερμού 12.",
            "desired_action": "",
        },
        method="POST",
    )
    location = request_.response.getHeader("location")
    assert location.endswith("/@@request-submitted")
    new = [i for i in _children(folder) if i not in before]
    assert len(new) == 1
    obj = folder[new[0]]
    assert obj.title == "Σβηστή λάμπα"
    html = render(obj, "request-submitted", request_)
    assert REFERENCE.search(html).group(0) == obj.reference_number
    assert f'href="{obj.absolute_url()}"' in html
    assert "@@my-requests" in html


# -- @@anonymous-request ----------------------------------------------------


def test_anonymous_form_renders_with_labelled_honeypot(folder, request_):
    logout()
    html = render(folder, "anonymous-request", request_)
    assert 'name="_authenticator"' in html
    assert 'name="homepage"' in html
    assert 'tabindex="-1"' in html
    assert "Αφήστε αυτό το πεδίο κενό" in html
    assert 'name="email"' in html
    assert 'name="kind"' not in html


def test_anonymous_honeypot_blocks(folder, request_):
    logout()
    before = _children(folder)
    html = render(
        folder,
        "anonymous-request",
        request_,
        form={
            "form.submitted": "1",
            "title": "Φτηνά φάρμακα",
            "text": "Επισκεφθείτε τη σελίδα μας",
            "homepage": "http://spam.example",
        },
        method="POST",
        addr="198.51.100.210",
    )
    assert request_.response.getStatus() == 400
    assert _children(folder) == before
    assert 'id="anonymous-request-homepage-error"' in html


def test_anonymous_needs_the_csrf_token(folder, request_):
    logout()
    before = _children(folder)
    render(
        folder,
        "anonymous-request",
        request_,
        form={"form.submitted": "1", "title": "Θέμα", "text": "Κείμενο"},
        method="POST",
        token=False,
        addr="198.51.100.211",
    )
    assert request_.response.getStatus() == 403
    assert _children(folder) == before


def test_anonymous_bad_input_stores_nothing(folder, request_):
    logout()
    before = _children(folder)
    html = render(
        folder,
        "anonymous-request",
        request_,
        form={
            "form.submitted": "1",
            "title": "",
            "text": "Κ" * 10001,
            "email": "not-an-address",
        },
        method="POST",
        addr="198.51.100.212",
    )
    assert request_.response.getStatus() == 400
    assert _children(folder) == before
    for field in ("title", "text", "email"):
        assert f'id="anonymous-request-{field}-error"' in html
    assert 'value="not-an-address"' in html


def test_anonymous_success_gives_a_tracking_link(folder, request_):
    logout()
    before = _children(folder)
    html = render(
        folder,
        "anonymous-request",
        request_,
        form={
            "form.submitted": "1",
            "title": "Λακκούβα στην πλατεία",
            "text": "Μεγάλη λακκούβα μπροστά στο περίπτερο.",
            "desired_action": "Να κλείσει.",
            "email": "someone@example.org",
        },
        method="POST",
        addr="198.51.100.213",
    )
    assert len(_children(folder)) == len(before) + 1
    reference = REFERENCE.search(html).group(0)
    match = re.search(r'href="([^"]+/requests/@@track/([^"/]+))"', html)
    assert match, html
    url, token = match.groups()
    assert url.startswith("http")
    assert len(token) >= 20
    assert request_.response.getHeader("Cache-Control").startswith("no-store")
    assert "μόνος τρόπος" in html

    # The tracking page: status and reference, not the submitter's address.
    page = folder.restrictedTraverse("@@track")
    page = page.publishTraverse(request_, token)
    request_.form.clear()
    track = page()
    assert reference in track
    assert "Υποβλήθηκε" in track
    assert "someone@example.org" not in track


def test_track_unknown_token_is_not_found(folder, request_):
    logout()
    page = folder.restrictedTraverse("@@track").publishTraverse(request_, "x" * 43)
    with pytest.raises(NotFound):
        page()
    with pytest.raises(NotFound):
        folder.restrictedTraverse("@@track")()


def test_anonymous_rate_limit_answers_in_greek(folder, request_):
    logout()
    api.portal.set_registry_record("municipality.requests.anonymous_per_hour", 1)
    form = {"form.submitted": "1", "title": "Θέμα", "text": "Κείμενο"}
    render(folder, "anonymous-request", request_, form, "POST", addr="198.51.100.250")
    count = len(_children(folder))
    html = render(
        folder, "anonymous-request", request_, form, "POST", addr="198.51.100.250"
    )
    assert request_.response.getStatus() == 429
    assert len(_children(folder)) == count
    assert "Πάρα πολλά" in html


# -- the request page -----------------------------------------------------


def test_owner_sees_the_request_without_staff_panel(citizens, folder, request_):
    obj = submit_named(folder)
    login(citizens, "maria")
    html = render(obj, "view", request_)
    assert obj.reference_number in html
    assert "Η λάμπα μπροστά στο 12" in html
    assert "Αντικατάσταση της λάμπας." in html
    assert "Αριθμός πρωτοκόλλου σε αναμονή" in html
    assert 'value="refresh"' in html
    assert "Ενημέρωση" in html
    assert "Υποβλήθηκε" in html
    assert DATE.search(html)
    assert "requests-staff-panel" not in html


def test_another_citizen_cannot_open_the_request(citizens, folder, request_):
    obj = submit_named(folder)
    login(citizens, "nikos")
    with pytest.raises(Unauthorized):
        obj.restrictedTraverse("@@view")
    with pytest.raises(Unauthorized):
        citizens.restrictedTraverse(f"requests/{obj.getId()}/view")
    logout()
    with pytest.raises(Unauthorized):
        obj.restrictedTraverse("@@view")


def test_staff_see_the_panel_with_the_actions_of_the_state(citizens, folder, request_):
    obj = submit_named(folder)
    login(citizens, "clerk")
    html = render(obj, "view", request_)
    assert 'id="requests-staff-panel"' in html
    for action in ("assign", "answer", "reject"):
        assert f'value="{action}"' in html
    # Closing needs an answered request.
    assert 'value="close"' not in html
    assert "Κατερίνα Ιωάννου" in html  # the officers select
    assert "Τεχνική Υπηρεσία" in html  # the departments select
    assert "maria@example.org" in html  # staff see who wrote


def test_staff_reject_needs_a_reason(citizens, folder, request_):
    obj = submit_named(folder)
    login(citizens, "clerk")
    html = render(
        obj, "view", request_, {"form.action": "reject", "reason": ""}, "POST"
    )
    assert request_.response.getStatus() == 400
    assert api.content.get_state(obj) == "submitted"
    assert 'id="requests-reject-error"' in html


def test_staff_actions_need_the_csrf_token(citizens, folder, request_):
    obj = submit_named(folder)
    login(citizens, "clerk")
    render(
        obj,
        "view",
        request_,
        {"form.action": "reject", "reason": "Εκτός αρμοδιότητας"},
        "POST",
        token=False,
    )
    assert request_.response.getStatus() == 403
    assert api.content.get_state(obj) == "submitted"


def test_staff_assign_answer_close(citizens, folder, request_):
    obj = submit_named(folder)
    login(citizens, "clerk")
    render(
        obj,
        "view",
        request_,
        {"form.action": "assign", "department": "technical", "officer": "clerk"},
        "POST",
    )
    assert request_.response.getStatus() == 302
    assert api.content.get_state(obj) == "in_progress"
    assert obj.department == "technical"
    assert obj.officer == "clerk"

    render(
        obj,
        "view",
        request_,
        {"form.action": "answer", "answer": "Η λάμπα αντικαταστάθηκε."},
        "POST",
    )
    assert api.content.get_state(obj) == "answered"
    html = render(obj, "view", request_)
    assert 'value="close"' in html
    assert 'value="assign"' not in html

    render(obj, "view", request_, {"form.action": "close"}, "POST")
    assert api.content.get_state(obj) == "closed"

    # The citizen reads the answer and the history.
    login(citizens, "maria")
    html = render(obj, "view", request_)
    assert "Η λάμπα αντικαταστάθηκε." in html
    assert "Ολοκληρώθηκε" in html
    assert "Σε επεξεργασία" in html


def test_a_citizen_cannot_act_as_staff(citizens, folder, request_):
    obj = submit_named(folder)
    login(citizens, "maria")
    with pytest.raises(Unauthorized):
        render(
            obj,
            "view",
            request_,
            {"form.action": "reject", "reason": "Δεν θέλω"},
            "POST",
        )
    assert api.content.get_state(obj) == "submitted"


def test_refresh_redirects_back_with_a_message(citizens, folder, request_):
    obj = submit_named(folder)
    login(citizens, "maria")
    render(obj, "view", request_, {"form.action": "refresh"}, "POST")
    assert request_.response.getStatus() == 302
    assert request_.response.getHeader("location") == obj.absolute_url()
    from Products.statusmessages.interfaces import IStatusMessage

    messages = IStatusMessage(request_).show()
    assert messages
    assert re.search("[α-ωΑ-Ω]{3,}", messages[0].message)


# -- @@my-requests ----------------------------------------------------------


def test_my_requests_lists_only_my_own(citizens, folder, request_):
    mine = submit_named(folder, title="Το δικό μου αίτημα")
    other = submit_named(folder, user_id="nikos", title="Το αίτημα του Νίκου")
    login(citizens, "maria")
    html = render(folder, "my-requests", request_)
    assert "Το δικό μου αίτημα" in html
    assert mine.absolute_url() in html
    assert "Το αίτημα του Νίκου" not in html
    assert other.absolute_url() not in html
    assert "Αριθμός πρωτοκόλλου σε αναμονή" in html
    assert "Καταγγελία" in html
    assert date.today().strftime("%d/%m/%Y") in html


def test_my_requests_needs_a_login(folder, request_):
    logout()
    with pytest.raises(Unauthorized):
        render(folder, "my-requests", request_)


def test_my_requests_shows_the_protocol_number(citizens, folder, request_):
    obj = submit_named(folder)
    obj.protocol_number = "1234"
    obj.protocol_date = date(2026, 3, 5)
    obj.reindexObject()
    login(citizens, "maria")
    html = render(folder, "my-requests", request_)
    assert "1234" in html
    assert "05/03/2026" in html


# -- @@requests-inbox -------------------------------------------------------


def test_inbox_is_for_staff(citizens, folder):
    login(citizens, "maria")
    with pytest.raises(Unauthorized):
        folder.restrictedTraverse("@@requests-inbox")


def test_inbox_marks_overdue_and_filters(citizens, folder, request_):
    late = submit_named(folder, title="Παλιό αίτημα", kind="request")
    fresh = submit_named(folder, title="Νέο αίτημα", kind="complaint")
    late.deadline = date.today() - timedelta(days=3)
    late.reindexObject()
    login(citizens, "clerk")
    html = render(folder, "requests-inbox", request_)
    assert late.reference_number in html
    assert fresh.reference_number in html
    row = html.split(late.reference_number)[0].rsplit("<tr", 1)[1]
    assert "requests-overdue" in row
    assert "Εκπρόθεσμο" in html
    assert html.count("Εκπρόθεσμο") >= 1

    html = render(folder, "requests-inbox", request_, {"overdue": "1"})
    assert late.reference_number in html
    assert fresh.reference_number not in html

    html = render(folder, "requests-inbox", request_, {"kind": "complaint"})
    assert late.reference_number not in html
    assert fresh.reference_number in html

    html = render(folder, "requests-inbox", request_, {"sort": "oldest"})
    assert html.index(late.reference_number) < html.index(fresh.reference_number)
    html = render(folder, "requests-inbox", request_, {"sort": "newest"})
    assert html.index(fresh.reference_number) < html.index(late.reference_number)


def test_inbox_rejects_a_bad_age(citizens, folder, request_):
    login(citizens, "clerk")
    html = render(folder, "requests-inbox", request_, {"min_age": "δέκα"})
    assert 'id="inbox-min-age-error"' in html


# -- the site root's addresses ---------------------------------------------


@pytest.mark.parametrize("name", ["new-request", "anonymous-request", "my-requests"])
def test_site_root_addresses_lead_to_the_folder(portal, folder, request_, name):
    logout()
    render(portal, name, request_)
    assert request_.response.getHeader("location") == (
        f"{folder.absolute_url()}/@@{name}"
    )
