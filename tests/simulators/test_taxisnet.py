"""The GSIS simulator over real HTTP: the OAuth2 code flow as GSIS runs it."""

from municipality.integrations.taxisnet import normalize_taxid
from municipality.integrations.taxisnet import parse_userinfo
from municipality.simulators.systems.taxisnet import DEMO_CLIENT_ID
from municipality.simulators.systems.taxisnet import DEMO_CLIENT_SECRET
from municipality.simulators.systems.taxisnet import TAXPAYERS
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
import re
import requests


TIMEOUT = 10
CALLBACK = "http://portal.example/plone/@@taxisnet-callback"


@pytest.fixture
def gsis(simulators):
    return f"{simulators.url}/taxisnet/oauth2server"


def _authorize(gsis, **overrides):
    params = {
        "response_type": "code",
        "client_id": DEMO_CLIENT_ID,
        "redirect_uri": CALLBACK,
        "scope": "read",
        "state": "s-1",
        **overrides,
    }
    return requests.get(f"{gsis}/oauth/authorize", params=params, timeout=TIMEOUT)


def _code(gsis, taxid="068933130", redirect_uri=CALLBACK):
    page = _authorize(gsis, redirect_uri=redirect_uri)
    fields = dict(
        re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', page.text)
    )
    fields["taxid"] = taxid
    action = re.search(r'action="([^"]+)"', page.text).group(1)
    base = urlsplit(gsis)
    response = requests.post(
        f"{base.scheme}://{base.netloc}{action}",
        data=fields,
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert response.status_code == 302
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query["state"] == ["s-1"]
    return query["code"][0]


def _token(gsis, code, **overrides):
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CALLBACK,
        "client_id": DEMO_CLIENT_ID,
        "client_secret": DEMO_CLIENT_SECRET,
        **overrides,
    }
    return requests.post(f"{gsis}/oauth/token", data=data, timeout=TIMEOUT)


def test_test_users_have_valid_taxids():
    assert len(TAXPAYERS) >= 4
    assert all(normalize_taxid(p.taxid) == p.taxid for p in TAXPAYERS)


def test_login_page_lists_users_and_cancel(gsis):
    page = _authorize(gsis)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    for person in TAXPAYERS:
        assert f'value="{person.taxid}"' in page.text
    assert "Άκυρο" in page.text


def test_unknown_client_and_bad_redirect_get_an_error_page(gsis):
    page = _authorize(gsis, client_id="stranger")
    assert page.status_code == 401
    assert "invalid_client" in page.text
    page = _authorize(gsis, redirect_uri="javascript:alert(1)")
    assert page.status_code == 400
    assert _authorize(gsis, response_type="token").status_code == 400


def test_cancel_redirects_with_access_denied(gsis):
    page = _authorize(gsis)
    fields = dict(
        re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', page.text)
    )
    response = requests.post(
        f"{gsis}/oauth/authorize",
        data={**fields, "cancel": "1"},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/plone/@@taxisnet-callback"
    assert parse_qs(location.query) == {
        "error": ["access_denied"],
        "error_description": ["User denied access"],
        "state": ["s-1"],
    }


def test_code_token_userinfo(gsis):
    code = _code(gsis)
    response = _token(gsis, code)
    assert response.status_code == 200
    data = response.json()
    assert data["token_type"] == "bearer"
    assert data["expires_in"] == 3600
    info = requests.get(
        f"{gsis}/userinfo",
        params={"format": "xml"},
        headers={"Authorization": f"Bearer {data['access_token']}"},
        timeout=TIMEOUT,
    )
    assert info.status_code == 200
    assert 'taxid="068933130   "' in info.text
    assert parse_userinfo(info.content).lastname == "ΒΑΒΟΥΛΑ"

    # Single use: the second exchange fails.
    again = _token(gsis, code)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_token_errors(gsis, simulators):
    code = _code(gsis)
    response = _token(gsis, code, client_secret="wrong")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"

    response = _token(gsis, _code(gsis), redirect_uri=CALLBACK + "x")
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_grant",
        "error_description": "Redirect URI mismatch.",
    }
    assert _token(gsis, "nonsense").json()["error"] == "invalid_grant"
    assert _token(gsis, _code(gsis), grant_type="password").status_code == 400

    simulators.post("/taxisnet/_admin/config", json={"code_ttl": 0})
    response = _token(gsis, _code(gsis))
    assert response.json()["error_description"] == "Authorization code expired"
    bad = simulators.post("/taxisnet/_admin/config", json={"code_ttl": "x"})
    assert bad.status_code == 400
    assert bad.json()["error"]["field"] == "code_ttl"


def test_userinfo_errors_are_json(gsis):
    response = requests.get(
        f"{gsis}/userinfo",
        params={"format": "xml"},
        headers={"Authorization": "Bearer nope"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"

    token = _token(gsis, _code(gsis, taxid="999999993")).json()["access_token"]
    response = requests.get(
        f"{gsis}/userinfo",
        params={"format": "xml"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 200
    assert response.json()["error"] == "server_error"


def test_entities_in_userinfo(gsis):
    token = _token(gsis, _code(gsis, taxid="094259216")).json()["access_token"]
    response = requests.get(
        f"{gsis}/userinfo",
        headers={"Authorization": f"Bearer {token}"},
        timeout=TIMEOUT,
    )
    assert "&#928;&#913;" in response.text
    assert parse_userinfo(response.content).fullname == "ΓΕΩΡΓΙΟΣ ΠΑΠΑΔΟΠΟΥΛΟΣ"


def test_logout_and_modes(gsis, simulators):
    response = requests.get(
        f"{gsis}/logout/{DEMO_CLIENT_ID}/",
        params={"url": "http://portal.example/plone"},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "http://portal.example/plone"
    response = requests.get(
        f"{gsis}/logout/stranger/", params={"url": "http://x/"}, timeout=TIMEOUT
    )
    assert response.status_code == 400

    simulators.set_mode("taxisnet", mode="down")
    assert _authorize(gsis).status_code == 503
