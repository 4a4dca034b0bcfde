"""The simulated RFC 3161 time-stamping authority, over real HTTP."""

from asn1crypto import tsp
from asn1crypto import x509
from cryptography.hazmat.primitives.serialization import Encoding
from municipality.signing.pki import load_pem_certificates
from municipality.simulators.systems.tsa import TimeStampRejection
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
from pyhanko_certvalidator import ValidationContext

import asyncio
import hashlib
import pytest
import requests


TIMEOUT = 10


@pytest.fixture
def tsa(simulators):
    return f"{simulators.url}/tsa"


def _ca(tsa):
    response = requests.get(f"{tsa}/ca.pem", timeout=TIMEOUT)
    assert response.status_code == 200
    (certificate,) = load_pem_certificates(response.content)
    return x509.Certificate.load(certificate.public_bytes(Encoding.DER))


def _token(tsa, data=b"an important document"):
    digest = hashlib.sha256(data).digest()
    stamper = RequestsHTTPTimeStamper(tsa, timeout=TIMEOUT)
    return digest, asyncio.run(stamper.async_timestamp(digest, "sha256"))


def test_a_token_validates_against_the_tsa_ca(tsa):
    digest, token = _token(tsa)

    signed_data = token["content"]
    info = signed_data["encap_content_info"]["content"].parsed
    assert info["message_imprint"]["hashed_message"].native == digest
    status = asyncio.run(
        validate_tst_signed_data(
            signed_data,
            ValidationContext(trust_roots=[_ca(tsa)], allow_fetching=False),
            expected_tst_imprint=lambda algorithm: digest,
        )
    )
    assert status["intact"]
    assert status["valid"]
    assert status["trust_problem_indic"] is None  # a path to the trusted CA
    assert status["validation_path"] is not None
    assert status["signing_cert"].subject.native["common_name"] == (
        "Simulated Time-Stamping Authority"
    )
    assert "time_stamping" in status["signing_cert"].extended_key_usage_value.native


def test_the_ca_stays_the_same_and_tokens_are_counted(simulators, tsa):
    assert simulators.get("/tsa/stats").json() == {"issued": 0}
    first = _ca(tsa)
    _token(tsa)
    _token(tsa, b"another")
    assert _ca(tsa).dump() == first.dump()
    assert simulators.get("/tsa/stats").json() == {"issued": 2}
    tsa_cert = requests.get(f"{tsa}/tsa.pem", timeout=TIMEOUT)
    assert b"BEGIN CERTIFICATE" in tsa_cert.content


def _post(tsa, body, content_type="application/timestamp-query"):
    return requests.post(
        tsa, data=body, headers={"Content-Type": content_type}, timeout=TIMEOUT
    )


def test_garbage_is_rejected_as_bad_data_format(tsa):
    response = _post(tsa, b"this is not DER")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/timestamp-reply"
    status = TimeStampRejection.load(response.content)["status"]
    assert status["status"].native == "rejection"
    assert status["fail_info"].native == {"bad_data_format"}


def test_md5_is_rejected_as_bad_algorithm(tsa):
    query = tsp.TimeStampReq(
        {
            "version": 1,
            "message_imprint": {
                "hash_algorithm": {"algorithm": "md5"},
                "hashed_message": hashlib.md5(b"x").digest(),  # noqa: S324
            },
            "cert_req": True,
        }
    )
    status = TimeStampRejection.load(_post(tsa, query.dump()).content)["status"]
    assert status["status"].native == "rejection"
    assert status["fail_info"].native == {"bad_alg"}


def test_wrong_content_type_is_415(tsa):
    assert _post(tsa, b"{}", "application/json").status_code == 415


def test_down_tsa_is_an_error_for_the_client(simulators, tsa):
    simulators.set_mode("tsa", mode="down")
    with pytest.raises(TimestampRequestError):
        _token(tsa)
    simulators.set_mode("tsa", mode="up")
    _token(tsa)
