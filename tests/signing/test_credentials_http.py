"""The credential pages over real HTTP: upload, refusal, CSRF, permissions."""

from municipality.requests.testing import create_citizen
from municipality.requests.testing import create_staff
from municipality.requests.testing import PASSWORD
from municipality.signing import credentials
from municipality.signing.testing import PASSPHRASE
from municipality.signing.testing import pkcs12_for
from municipality.signing.testing import test_ca
from municipality.signing.testing import trust
from plone import api
from plone.app.testing import SITE_OWNER_NAME
from plone.app.testing import SITE_OWNER_PASSWORD

import pytest
import re
import requests
import transaction


TIMEOUT = 30


@pytest.fixture
def site(functional):
    portal = functional["portal"]
    create_staff("eleni", group="protocol-clerks", fullname="Ελένη Γεωργίου")
    create_citizen("maria")
    trust(test_ca().cert_pem())
    transaction.commit()
    return portal


def _session(user, password=PASSWORD):
    session = requests.Session()
    session.auth = (user, password)
    return session


def _form(session, url):
    response = session.get(url, timeout=TIMEOUT)
    assert response.status_code == 200, response.text[:300]
    token = re.search(r'name="_authenticator"[^>]*value="([^"]+)"', response.text)
    assert token, "no CSRF token in the page"
    return response.text, token.group(1)


def _upload(session, url, token, passphrase, data=None, **extra):
    return session.post(
        url,
        data={"_authenticator": token, "passphrase": passphrase, "form.upload": "1"}
        | extra,
        files={"pkcs12": ("eleni.p12", data or pkcs12_for("eleni", "Ελένη Γεωργίου"))},
        timeout=TIMEOUT,
        allow_redirects=False,
    )


def _stored(userid):
    transaction.begin()  # see what the server committed
    return credentials.get_credential(userid)


def test_employee_uploads_own_certificate(site):
    url = f"{site.absolute_url()}/@@my-signing-certificate"
    session = _session("eleni")
    page, token = _form(session, url)
    assert "Δεν έχετε ακόμη πιστοποιητικό υπογραφής" in page

    refused = _upload(session, url, token, "wrong passphrase")
    assert refused.status_code == 400
    assert "Το συνθηματικό είναι λάθος" in refused.text
    assert _stored("eleni") is None

    stored = _upload(session, url, token, PASSPHRASE)
    assert stored.status_code == 302
    credential = _stored("eleni")
    assert credential is not None
    assert credential.created_by == "eleni"

    page = session.get(url, timeout=TIMEOUT).text
    assert "Ελένη Γεωργίου" in page
    assert credential.info()["fingerprint"] in page
    assert "Δήμος Παραδείγματος Test CA" in page
    assert PASSPHRASE not in page


def test_upload_without_the_csrf_token_is_refused(site):
    url = f"{site.absolute_url()}/@@my-signing-certificate"
    response = _upload(_session("eleni"), url, "forged", PASSPHRASE)
    assert response.status_code == 403
    assert _stored("eleni") is None


def test_employee_removes_own_certificate(site):
    credentials.store_pkcs12("eleni", pkcs12_for("eleni", "Ελένη Γεωργίου"), PASSPHRASE)
    transaction.commit()
    url = f"{site.absolute_url()}/@@my-signing-certificate"
    session = _session("eleni")
    _, token = _form(session, url)
    response = session.post(
        url,
        data={"_authenticator": token, "form.remove": "1"},
        timeout=TIMEOUT,
        allow_redirects=False,
    )
    assert response.status_code == 302
    assert _stored("eleni") is None


def test_a_citizen_has_no_certificate_page(site):
    response = _session("maria").get(
        f"{site.absolute_url()}/@@my-signing-certificate",
        timeout=TIMEOUT,
        allow_redirects=False,
    )
    assert response.status_code in (302, 401, 403)
    assert "Το πιστοποιητικό υπογραφής μου" not in response.text


def test_administrator_adds_and_lists_certificates(site):
    url = f"{site.absolute_url()}/@@signing-credentials"
    admin = _session(SITE_OWNER_NAME, SITE_OWNER_PASSWORD)
    page, token = _form(admin, url)
    assert "Κανένας υπάλληλος δεν έχει ακόμη πιστοποιητικό υπογραφής" in page

    unknown = _upload(admin, url, token, PASSPHRASE, userid="nobody")
    assert unknown.status_code == 400
    assert "Δεν υπάρχει χρήστης «nobody»" in unknown.text

    assert _upload(admin, url, token, PASSPHRASE, userid="eleni").status_code == 302
    assert _stored("eleni").created_by == SITE_OWNER_NAME
    page = admin.get(url, timeout=TIMEOUT).text
    assert "Ελένη Γεωργίου" in page
    assert "PKCS#12" in page


def test_employees_cannot_see_everyone(site):
    response = _session("eleni").get(
        f"{site.absolute_url()}/@@signing-credentials",
        timeout=TIMEOUT,
        allow_redirects=False,
    )
    assert response.status_code in (302, 401, 403)


def test_settings_over_rest_validate_the_pem(site):
    url = f"{site.absolute_url()}/++api++/@controlpanels/municipality-signing"
    admin = _session(SITE_OWNER_NAME, SITE_OWNER_PASSWORD)
    admin.headers["Accept"] = "application/json"

    response = admin.patch(
        url, json={"trusted_certificates": "not a certificate"}, timeout=TIMEOUT
    )
    assert response.status_code == 400
    assert "trusted_certificates" in response.text

    response = admin.patch(url, json={"tsa_timeout": 3.5}, timeout=TIMEOUT)
    assert response.status_code == 204
    transaction.begin()
    assert api.portal.get_registry_record("municipality.signing.tsa_timeout") == 3.5
