"""The REST API answers JSON, over real HTTP."""

from plone.app.testing import SITE_OWNER_NAME
from plone.app.testing import SITE_OWNER_PASSWORD

import requests


def _url(functional):
    return functional["portal"].absolute_url()


def test_site_as_json(functional):
    response = requests.get(
        _url(functional), headers={"Accept": "application/json"}, timeout=10
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    data = response.json()
    assert data["@type"] == "Plone Site"
    assert data["@id"] == _url(functional)


def test_controlpanel_settings_over_the_api(functional):
    response = requests.get(
        f"{_url(functional)}/@registry/municipality.name_el",
        headers={"Accept": "application/json"},
        auth=(SITE_OWNER_NAME, SITE_OWNER_PASSWORD),
        timeout=10,
    )
    assert response.status_code == 200
    assert response.json() == "Δήμος Παραδείγματος"


def test_anonymous_cannot_read_settings(functional):
    response = requests.get(
        f"{_url(functional)}/@registry/municipality.protocol.password",
        headers={"Accept": "application/json"},
        timeout=10,
    )
    assert response.status_code == 401
