"""Signatures with a timestamp from the simulated TSA over real HTTP."""

from cryptography.x509 import load_pem_x509_certificate
from io import BytesIO
from municipality.signing import api
from municipality.signing.testing import give_test_credential
from municipality.signing.testing import greek_pdf
from municipality.signing.testing import test_ca
from municipality.signing.testing import validate
from plone import api as plone_api
from pyhanko.pdf_utils.reader import PdfFileReader
from zope.i18n import translate

import pytest


@pytest.fixture
def tsa(portal, simulators):
    """The site pointed at the simulated TSA; returns its CA certificate."""
    plone_api.portal.set_registry_record(
        "municipality.signing.tsa_url", f"{simulators.url}/tsa"
    )
    plone_api.portal.set_registry_record("municipality.signing.tsa_timeout", 5.0)
    give_test_credential("clerk", "Κατερίνα Ιωάννου")
    return load_pem_x509_certificate(simulators.get("/tsa/ca.pem").content)


def test_signature_carries_a_valid_timestamp(simulators, tsa):
    before = simulators.get("/tsa/stats").json()["issued"]

    signed = api.sign_pdf(greek_pdf(), "clerk")

    (status,) = validate(signed, trusted=[test_ca().cert, tsa])
    assert status.bottom_line
    timestamp = status.timestamp_validity
    assert timestamp is not None
    assert timestamp.intact
    assert timestamp.valid
    assert timestamp.trusted
    assert timestamp.signing_cert.subject.native["common_name"] == (
        "Simulated Time-Stamping Authority"
    )
    assert simulators.get("/tsa/stats").json()["issued"] == before + 1


def test_timestamp_not_trusted_without_the_tsa_ca(tsa):
    (status,) = validate(api.sign_pdf(greek_pdf(), "clerk"))
    assert status.intact
    assert status.timestamp_validity is not None
    assert not status.timestamp_validity.trusted


def test_signatures_fit_the_reserved_room(tsa):
    pdf = greek_pdf()
    for _ in range(3):
        signed = api.sign_pdf(pdf, "clerk")
    (status,) = validate(signed, trusted=[test_ca().cert, tsa])
    assert status.bottom_line
    (document_signer,) = [
        signer
        for (userid, _), signer in api._cache.items()  # noqa: SLF001
        if userid == "clerk"
    ]
    assert document_signer.fallbacks == 0  # no second signing with a dry run
    # The room is learnt from the tokens the TSA sends: once learnt, no more
    # than pyHanko's own margin (1.5 × a dry run) is reserved.
    reader = PdfFileReader(BytesIO(signed), strict=False)
    (embedded,) = reader.embedded_signatures
    reserved = len(embedded.sig_object["/Contents"])
    needed = len(embedded.signed_data.dump())
    assert needed < reserved < 1.5 * needed


def test_tsa_down_is_a_clear_error(simulators, tsa):
    simulators.set_mode("tsa", mode="down")

    with pytest.raises(api.TimestampUnavailable) as raised:
        api.sign_pdf(greek_pdf(), "clerk")

    message = translate(raised.value.message, target_language="el")
    assert "χρονοσήμανσης" in message
    assert "δεν υπογράφηκε" in message


def test_tsa_error_without_timestamp_required_signs_without(simulators, tsa):
    plone_api.portal.set_registry_record("municipality.signing.tsa_required", False)
    simulators.set_mode("tsa", mode="error", status=502)

    (status,) = validate(api.sign_pdf(greek_pdf(), "clerk"))

    assert status.bottom_line
    assert status.timestamp_validity is None
