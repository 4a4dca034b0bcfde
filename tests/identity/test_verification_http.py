"""Verification over real HTTP: the staff page, the person's page, ``@verification``.

Staff verify and revoke with plone.protect's token; a POST without it, or
by someone without ``municipality: Verify identity``, changes nothing; a
citizen sees their own status only; REST errors are JSON naming the field.
"""

from municipality.core.identity import verification
from plone import api

import pytest
import re
import requests
import transaction


PASSWORD = "a-long-test-password-1"
TIMEOUT = 30
DENIED = (401, 403)


def _user(userid, fullname, afm=None, groups=()):
    with api.env.adopt_roles(["Manager"]):
        api.user.create(
            username=userid,
            email=f"{userid}@example.org",
            password=PASSWORD,
            properties={"fullname": fullname},
        )
        for group in groups:
            api.group.add_user(groupname=group, username=userid)
    if afm:
        api.user.get(userid=userid).setMemberProperties({"afm": afm})


@pytest.fixture
def site(functional):
    portal = functional["portal"]
    _user("maria", "Μαρία Παπαδοπούλου", afm="094259216")
    _user("nikos", "Νίκος Γεωργίου", afm="123456783")
    _user("acme", "Αρτοποιία Α.Ε.", afm="800000002", groups=("businesses",))
    _user("clerk", "Κατερίνα Ιωάννου", groups=("protocol-clerks", "employees"))
    _user("revenue", "Δημήτρης Αντωνίου", groups=("revenue-officers", "employees"))
    transaction.commit()
    return portal


def _session(user):
    session = requests.Session()
    session.auth = (user, PASSWORD)
    return session


def _page_url(site, **params):
    url = f"{site.absolute_url()}/@@identity-verification"
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return url


def _token(session, url):
    response = session.get(url, timeout=TIMEOUT)
    assert response.status_code == 200, response.text[:500]
    # The page's own forms come last (the header may hold other forms).
    tokens = re.findall(r'name="_authenticator"[^>]*value="([^"]+)"', response.text)
    assert tokens, "no CSRF token in the form"
    return tokens[-1]


def _fresh(userid):
    transaction.begin()  # see what the server committed
    return verification.verification_status(userid)


def test_staff_find_verify_and_revoke_over_http(site):
    clerk = _session("clerk")
    found = clerk.get(_page_url(site, q="094259216"), timeout=TIMEOUT)
    assert found.status_code == 200
    assert "Μαρία Παπαδοπούλου" in found.text
    assert "Νίκος Γεωργίου" not in found.text

    token = _token(clerk, _page_url(site, userid="maria"))
    response = clerk.post(
        _page_url(site),
        data={
            "_authenticator": token,
            "userid": "maria",
            "action": "verify_citizen",
            "document_kind": "identity_card",
            "document_digits": "4821",
            "note": "Ταυτότητα νέου τύπου",
        },
        timeout=TIMEOUT,
    )
    assert response.status_code == 200
    assert "Ο πολίτης ταυτοποιήθηκε." in response.text
    assert "Πιστοποιημένος πολίτης" in response.text
    assert "Κατερίνα Ιωάννου" in response.text
    status = _fresh("maria")
    assert status["verified"]
    assert status["verified_by"] == "clerk"

    # The citizen's protected services open up; then the revocation.
    maria = _session("maria")
    mine = maria.get(f"{site.absolute_url()}/@@my-verification", timeout=TIMEOUT)
    assert "Πιστοποιημένος πολίτης" in mine.text
    assert "Κατερίνα Ιωάννου" in mine.text
    assert "Αστυνομική ταυτότητα" in mine.text
    assert "Ταυτότητα νέου τύπου" not in mine.text  # staff note
    assert "4821" not in mine.text

    token = _token(clerk, _page_url(site, userid="maria"))
    response = clerk.post(
        _page_url(site),
        data={
            "_authenticator": token,
            "userid": "maria",
            "action": "revoke",
            "reason": "Ζήτησε διαγραφή",
        },
        timeout=TIMEOUT,
    )
    assert "Η ταυτοποίηση ανακλήθηκε." in response.text
    assert not _fresh("maria")["verified"]
    mine = maria.get(f"{site.absolute_url()}/@@my-verification", timeout=TIMEOUT)
    assert "Ζήτησε διαγραφή" in mine.text
    assert "Η ταυτότητά σας δεν έχει ταυτοποιηθεί ακόμη" in mine.text


def test_bad_input_shows_greek_message_and_changes_nothing(site):
    clerk = _session("clerk")
    token = _token(clerk, _page_url(site, userid="acme"))
    response = clerk.post(
        _page_url(site),
        data={
            "_authenticator": token,
            "userid": "acme",
            "action": "verify_business",
            "representative_name": "Κωνσταντίνος Κωνσταντίνου",
            "representative_afm": "123456781",
            "capacity": "legal_representative",
            "document": "gemi_certificate",
        },
        timeout=TIMEOUT,
    )
    assert response.status_code == 200
    assert "Ο ΑΦΜ του εκπροσώπου δεν είναι έγκυρος." in response.text
    assert "Δεν έγινε καμία αλλαγή" in response.text
    # What was typed is still in the form.
    assert 'value="Κωνσταντίνος Κωνσταντίνου"' in response.text
    assert not _fresh("acme")["verified"]
    assert verification.history("acme") == []


def test_post_without_token_is_refused(site):
    response = _session("clerk").post(
        _page_url(site),
        data={
            "userid": "maria",
            "action": "verify_citizen",
            "document_kind": "passport",
        },
        timeout=TIMEOUT,
    )
    assert response.status_code == 403
    assert not _fresh("maria")["verified"]


def test_non_staff_cannot_open_or_post(site):
    for user in ("maria", "revenue"):
        session = _session(user)
        page = session.get(_page_url(site), timeout=TIMEOUT, allow_redirects=False)
        assert page.status_code in DENIED + (302,), user
        response = session.post(
            _page_url(site),
            data={
                "userid": "nikos",
                "action": "verify_citizen",
                "document_kind": "passport",
            },
            timeout=TIMEOUT,
            allow_redirects=False,
        )
        assert response.status_code in DENIED + (302,), user
    assert not _fresh("nikos")["verified"]
    anonymous = requests.get(
        f"{site.absolute_url()}/@@my-verification",
        timeout=TIMEOUT,
        allow_redirects=False,
    )
    assert anonymous.status_code in DENIED + (302,)


# -- plone.restapi


class Client:
    def __init__(self, site, user=None):
        self.base = site.absolute_url()
        self.auth = (user, PASSWORD) if user else None

    def __call__(self, method, path, **kwargs):
        return requests.request(
            method,
            f"{self.base}/{path}",
            headers={"Accept": "application/json"},
            auth=self.auth,
            timeout=TIMEOUT,
            **kwargs,
        )


def test_rest_verify_read_revoke(site):
    clerk = Client(site, "clerk")
    response = clerk(
        "POST",
        "@verification/maria",
        json={"action": "verify_citizen", "document_kind": "passport", "note": "ok"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["verified"] is True
    assert body["kind"] == "citizen"
    assert body["verified_by"] == "clerk"
    assert body["history"][0]["note"] == "ok"

    own = Client(site, "maria")("GET", "@verification")
    assert own.status_code == 200
    body = own.json()
    assert body["userid"] == "maria"
    assert body["verified"] is True
    assert body["document_kind_title"] == "Διαβατήριο"
    assert body["verified_by_name"] == "Κατερίνα Ιωάννου"
    assert "note" not in body["history"][0]
    assert "verified_by" not in body

    # The staff see anyone; a citizen only themself.
    assert clerk("GET", "@verification/maria").json()["verified"] is True
    assert Client(site, "nikos")("GET", "@verification/maria").status_code in DENIED
    assert Client(site)("GET", "@verification").status_code in DENIED
    assert Client(site, "maria")("GET", "@verification/maria").status_code == 200

    response = clerk(
        "POST", "@verification/maria", json={"action": "revoke", "reason": "Λάθος"}
    )
    assert response.status_code == 200
    assert response.json()["verified"] is False
    actions = [r["action"] for r in response.json()["history"]]
    assert actions == ["verify", "revoke"]


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        ({"action": "verify_citizen", "document_kind": "scan"}, "document_kind", 400),
        (
            {
                "action": "verify_business",
                "representative_name": "Κώστας Κ.",
                "representative_afm": "123456781",
                "capacity": "administrator",
                "document": "articles",
            },
            "representative_afm",
            400,
        ),
        ({"action": "revoke", "reason": "x"}, "reason", 400),
        ({"action": "approve"}, "action", 400),
    ],
)
def test_rest_errors_name_the_field(site, body, field, status):
    response = Client(site, "clerk")("POST", "@verification/acme", json=body)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["field"] == field
    assert error["type"] == "BadRequest"
    assert re.search("[α-ωΑ-Ω]", error["message"])  # Greek
    assert not _fresh("acme")["verified"]


def test_rest_unknown_user_and_non_staff(site):
    clerk = Client(site, "clerk")
    missing = clerk("POST", "@verification/ghost", json={"action": "revoke"})
    assert missing.status_code == 404
    assert missing.json()["error"]["field"] == "userid"
    assert clerk("GET", "@verification/ghost").status_code == 404
    for user in ("maria", "revenue"):
        response = Client(site, user)(
            "POST",
            "@verification/nikos",
            json={"action": "verify_citizen", "document_kind": "passport"},
        )
        assert response.status_code in DENIED, user
    assert not _fresh("nikos")["verified"]


def test_rest_post_must_be_json(site):
    """A cross-site HTML form cannot send JSON: a form-encoded body is refused."""
    response = requests.post(
        f"{site.absolute_url()}/@verification/maria",
        data='{"action": "verify_citizen", "document_kind": "passport"}',
        headers={"Content-Type": "text/plain", "Accept": "application/json"},
        auth=("clerk", PASSWORD),
        timeout=TIMEOUT,
    )
    assert response.status_code == 415
    assert not _fresh("maria")["verified"]
