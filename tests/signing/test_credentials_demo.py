"""The demo PKI of `make start`: every demo employee can sign, the site trusts it."""

from municipality.demo import create_demo_users
from municipality.signing import api
from municipality.signing import credentials
from municipality.signing.demo import create_demo_signing
from municipality.signing.demo import DEMO_STAFF
from municipality.signing.pki import load_pem_certificates
from municipality.signing.testing import greek_pdf
from municipality.signing.testing import validate
from plone import api as plone_api


def test_demo_employees_sign_with_timestamps(portal, simulators, monkeypatch):
    monkeypatch.setenv("MUNICIPALITY_SIMULATORS_URL", simulators.url)
    create_demo_users()

    create_demo_signing(portal)
    versions = {u: credentials.get_credential(u).version for u in DEMO_STAFF}
    create_demo_signing(portal)  # again: nothing changes

    assert {u: credentials.get_credential(u).version for u in DEMO_STAFF} == versions
    assert credentials.get_credential("citizen") is None
    assert plone_api.portal.get_registry_record("municipality.signing.tsa_url") == (
        f"{simulators.url}/tsa"
    )
    bundle = plone_api.portal.get_registry_record(
        "municipality.signing.trusted_certificates"
    )
    trusted = load_pem_certificates(bundle.encode())
    names = sorted(c.subject.rfc4514_string() for c in trusted)
    assert any("Demo CA" in n for n in names)
    assert any("Simulated TSA Root CA" in n for n in names)

    (status,) = validate(api.sign_pdf(greek_pdf(), "supervisor"), trusted=trusted)
    assert status.bottom_line
    assert status.signing_cert.subject.native["common_name"] == "Αναστασία Μιχαήλ"
    assert status.timestamp_validity is not None
    assert status.timestamp_validity.trusted
