"""Reference and protocol numbers in the catalog (indexes of municipality.core):
only the numbered item is found under its number, never what it contains."""

from datetime import date
from Missing import MV
from municipality.core.protocol import apply_registration
from municipality.core.upgrades.v1002 import add_number_indexes
from municipality.requests import api as rapi
from municipality.requests.testing import create_citizen
from municipality.requests.testing import pdf_bytes
from municipality.requests.testing import requests_folder
from plone import api

import pytest


VALID = {
    "kind": "request",
    "category": "lighting",
    "title": "Σβηστός φανοστάτης",
    "text": "Ο φανοστάτης στη γωνία δεν ανάβει.",
    "desired_action": "Αντικατάσταση λαμπτήρα.",
}


@pytest.fixture
def case(portal):
    create_citizen("maria", "Μαρία Παπαδοπούλου", "maria@example.gr")
    with api.env.adopt_user(username="maria"):
        return rapi.submit_named(
            requests_folder(),
            api.user.get_current(),
            dict(VALID),
            [("plan.pdf", pdf_bytes())],
        )


def found(**query):
    catalog = api.portal.get_tool("portal_catalog")
    return sorted(b.portal_type for b in catalog.unrestrictedSearchResults(**query))


def test_the_number_finds_the_case_not_its_attachment(case):
    assert len(case.objectIds()) == 1
    assert found(reference_number=case.reference_number) == ["CitizenRequest"]
    brain = api.portal.get_tool("portal_catalog").unrestrictedSearchResults(
        UID=case.UID()
    )[0]
    assert brain.reference_number == case.reference_number
    assert brain.protocol_number is MV


def test_the_protocol_number_and_date_are_indexed_once_assigned(case):
    apply_registration(case, {"number": 4711, "date": "2026-11-20"})
    assert found(protocol_number="4711") == ["CitizenRequest"]
    catalog = api.portal.get_tool("portal_catalog")
    brain = catalog.unrestrictedSearchResults(protocol_number="4711")[0]
    assert brain.protocol_date == date(2026, 11, 20)
    attachment = case.objectValues()[0]
    brain = catalog.unrestrictedSearchResults(UID=attachment.UID())[0]
    assert brain.reference_number is MV
    assert brain.protocol_number is MV


def test_items_without_the_behaviors_are_not_indexed(portal):
    with api.env.adopt_roles(["Manager"]):
        api.content.create(container=portal, type="Document", id="plain", title="Α")
    catalog = api.portal.get_tool("portal_catalog")
    index = catalog._catalog.indexes["reference_number"]
    rid = catalog.unrestrictedSearchResults(UID=portal.plain.UID())[0].getRID()
    assert rid not in index._unindex


def test_upgrade_step_adds_and_fills_missing_indexes(case, portal):
    catalog = api.portal.get_tool("portal_catalog")
    catalog.delIndex("reference_number")
    catalog.delIndex("protocol_number")
    add_number_indexes(api.portal.get_tool("portal_setup"))
    assert found(reference_number=case.reference_number) == ["CitizenRequest"]
    assert "protocol_number" in catalog.indexes()
