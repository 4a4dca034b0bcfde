"""plone.restapi's ``@users`` over real HTTP with the profile's checks: the
member fields normalised as on the forms, a wrong value refused with a JSON
error naming the field and nothing stored, the verified ΑΦΜ kept."""

from municipality.core.identity import verification
from plone import api

import pytest
import requests
import transaction


PASSWORD = "a-long-test-password-1"
ADMIN_PASSWORD = "an-admin-test-password-1"
TIMEOUT = 30
HEADERS = {"Accept": "application/json"}


def _user(userid, afm=None, groups=(), roles=None):
    with api.env.adopt_roles(["Manager"]):
        api.user.create(
            username=userid,
            email=f"{userid}@example.org",
            password=PASSWORD,
            properties={"fullname": userid.title()},
        )
        for group in groups:
            api.group.add_user(groupname=group, username=userid)
        if roles:
            api.user.grant_roles(username=userid, roles=list(roles))
    if afm:
        api.user.get(userid=userid).setMemberProperties({"afm": afm})


@pytest.fixture
def site(functional):
    portal = functional["portal"]
    _user("maria", afm="094259216")
    _user("nikos")
    _user("siteadmin", roles=("Site Administrator",))
    transaction.commit()
    return portal


def _patch(site, userid, body, auth=("maria", PASSWORD)):
    return requests.patch(
        f"{site.absolute_url()}/@users/{userid}",
        json=body,
        headers=HEADERS,
        auth=auth,
        timeout=TIMEOUT,
    )


def _property(userid, name):
    transaction.begin()  # see what the server committed
    return api.user.get(userid=userid).getProperty(name, "")


def test_good_values_are_stored_in_their_normal_form(site):
    response = _patch(
        site,
        "maria",
        {
            "phone": "+30 69-1234 5678",
            "postal_code": "104 31",
            "street": "  Ερμού   25 ",
            "fullname": "Μαρία Π.",
        },
    )
    assert response.status_code == 204, response.text
    assert _property("maria", "phone") == "6912345678"
    assert _property("maria", "postal_code") == "10431"
    assert _property("maria", "street") == "Ερμού 25"
    assert _property("maria", "fullname") == "Μαρία Π."


def test_wrong_values_are_refused_and_nothing_is_stored(site):
    response = _patch(
        site,
        "maria",
        {"afm": "094259217", "phone": "12345", "fullname": "Άλλο όνομα"},
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "BadRequest"
    assert error["field"] == "afm"
    assert [e["field"] for e in error["errors"]] == ["afm", "phone"]
    assert "ΑΦΜ" in error["message"] or "φορολογικ" in error["message"].lower()
    assert "69" in error["errors"][1]["message"]
    # Nothing changed, the valid field of the same request included.
    assert _property("maria", "afm") == "094259216"
    assert _property("maria", "phone") == ""
    assert _property("maria", "fullname") == "Maria"


def test_not_text_is_refused(site):
    response = _patch(site, "maria", {"postal_code": 10431})
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "postal_code"


def test_a_verified_afm_cannot_be_changed_or_cleared(site):
    verification.verify_citizen("maria", "identity_card", "clerk")
    transaction.commit()
    for afm in ("123456783", ""):
        for auth in (("maria", PASSWORD), ("siteadmin", PASSWORD)):
            response = _patch(site, "maria", {"afm": afm}, auth=auth)
            assert response.status_code == 400, (afm, auth, response.text)
            assert response.json()["error"]["field"] == "afm"
    assert _property("maria", "afm") == "094259216"
    # The same number, written otherwise, is no change.
    response = _patch(site, "maria", {"afm": "EL 094 259 216"})
    assert response.status_code == 204, response.text


def test_an_unverified_afm_may_be_set(site):
    response = _patch(site, "nikos", {"afm": "123 456 783"}, auth=("nikos", PASSWORD))
    assert response.status_code == 204, response.text
    assert _property("nikos", "afm") == "123456783"


def test_someone_elses_account_is_refused_by_plone_first(site):
    """No check of ours answers for an account the caller may not change."""
    for body in ({"afm": "123456783"}, {"afm": "wrong"}):
        response = _patch(site, "maria", body, auth=("nikos", PASSWORD))
        assert response.status_code in (401, 403), response.text
        response = requests.patch(
            f"{site.absolute_url()}/@users/maria",
            json=body,
            headers=HEADERS,
            timeout=TIMEOUT,
        )
        assert response.status_code in (401, 403), response.text
    assert _property("maria", "afm") == "094259216"


def test_a_new_account_is_checked(site):
    url = f"{site.absolute_url()}/@users"
    auth = ("siteadmin", PASSWORD)
    account = {
        "username": "eleni",
        "email": "eleni@example.org",
        "password": PASSWORD,
        "afm": "094259217",
    }
    response = requests.post(
        url, json=account, headers=HEADERS, auth=auth, timeout=TIMEOUT
    )
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "afm"
    transaction.begin()
    assert api.user.get(userid="eleni") is None
    account["afm"] = "EL094259216"
    account["phone"] = "210 123 4567"
    response = requests.post(
        url, json=account, headers=HEADERS, auth=auth, timeout=TIMEOUT
    )
    assert response.status_code == 201, response.text
    assert _property("eleni", "afm") == "094259216"
    assert _property("eleni", "phone") == "2101234567"
