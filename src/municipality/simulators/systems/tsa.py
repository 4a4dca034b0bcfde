"""A simulated RFC 3161 time-stamping authority (like timestamp.aped.gov.gr).

* ``POST /tsa`` with a DER ``TimeStampReq`` (``Content-Type:
  application/timestamp-query``) answers a DER ``TimeStampResp``
  (``application/timestamp-reply``): a token signed by the TSA's
  certificate (extended key usage timeStamping), carrying the TSA's and its
  CA's certificates. A request that is not DER answers a ``rejection``
  with failInfo ``badDataFormat``; a digest algorithm other than SHA-2,
  ``badAlg`` — as RFC 3161 §2.4.2 says, with HTTP 200.
* ``GET /tsa/ca.pem``: the CA that issued the TSA's certificate, to trust.
* ``GET /tsa/tsa.pem``: the TSA's own certificate.
* ``GET /tsa/stats``: how many tokens were issued (tests see requests).

The CA and the TSA's key are made when the process first needs them and
live as long as it — or, when ``MUNICIPALITY_TSA_KEY_FILE`` names a file,
are kept there (mode 0600) and read back at the next start, so a site that
trusts the simulated TSA's CA keeps trusting it across restarts.
``POST /_admin/reset`` keeps them (tokens already issued stay verifiable)
and zeroes the count. The failure modes of ``/_admin/systems/tsa`` apply
as for every system.
"""

from asn1crypto import cms
from asn1crypto import core
from asn1crypto import tsp
from cryptography.hazmat.primitives import serialization
from municipality.signing import pki
from municipality.simulators.registry import registry
from municipality.simulators.registry import System
from pathlib import Path
from pyhanko.keys.internal import translate_pyca_cryptography_cert_to_asn1
from pyhanko.keys.internal import translate_pyca_cryptography_key_to_asn1
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from webob import Response

import os
import threading


QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"
# Digest algorithm -> its length in bytes.
DIGESTS = {"sha256": 32, "sha384": 48, "sha512": 64}
MAX_REQUEST = 16 * 1024
KEY_FILE_ENV = "MUNICIPALITY_TSA_KEY_FILE"

tsa = registry.register("tsa", "RFC 3161 time-stamping authority")


class Authority:
    """The CA, the TSA's key pair and pyHanko's token maker, made once."""

    def __init__(self):
        self._lock = threading.Lock()
        self._ready = None
        self._issued = 0

    def _keys(self):
        """The CA and the TSA's key pairs: from ``KEY_FILE_ENV``'s file, or new."""
        path = os.environ.get(KEY_FILE_ENV, "").strip()
        if path and Path(path).exists():
            data = Path(path).read_bytes()
            keys = serialization.load_pem_private_key
            certs = pki.load_pem_certificates(data)
            blocks = data.split(b"-----END PRIVATE KEY-----")
            ca_key = keys(blocks[0] + b"-----END PRIVATE KEY-----", None)
            unit_key = keys(blocks[1] + b"-----END PRIVATE KEY-----", None)
            return pki.KeyPair(ca_key, certs[0]), pki.KeyPair(unit_key, certs[1])
        ca = pki.create_ca("Simulated TSA Root CA", "Municipality simulators")
        unit = pki.issue_certificate(
            ca,
            "Simulated Time-Stamping Authority",
            "Municipality simulators",
            timestamping=True,
        )
        if path:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(
                    ca.key_pem() + unit.key_pem() + ca.cert_pem() + unit.cert_pem()
                )
        return ca, unit

    def _make(self):
        ca, unit = self._keys()
        # pyHanko's "dummy" time stamper is a complete RFC 3161 token maker
        # (signed TSTInfo with the TSA's certificate), only without a network
        # front end — which this simulator is. Tokens it makes validate like a
        # real TSA's (tests/signing/test_tsa_signing.py).
        stamper = DummyTimeStamper(
            tsa_cert=translate_pyca_cryptography_cert_to_asn1(unit.cert),
            tsa_key=translate_pyca_cryptography_key_to_asn1(unit.key),
            certs_to_embed=[translate_pyca_cryptography_cert_to_asn1(ca.cert)],
        )
        return ca, unit, stamper

    @property
    def parts(self):
        with self._lock:
            if self._ready is None:
                self._ready = self._make()
            return self._ready

    def stamp(self, request: tsp.TimeStampReq) -> tsp.TimeStampResp:
        response = self.parts[2].request_tsa_response(request)
        with self._lock:
            self._issued += 1
        return response

    @property
    def issued(self):
        with self._lock:
            return self._issued

    def clear(self):
        with self._lock:
            self._issued = 0


authority = Authority()


def _reset():
    authority.clear()
    return System.reset(tsa)


tsa.reset = _reset


class TimeStampRejection(core.Sequence):
    """A ``TimeStampResp`` without a token (asn1crypto makes it mandatory)."""

    _fields = [
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


def _reply(response) -> Response:
    return Response(body=response.dump(), status=200, content_type=REPLY_TYPE)


def _rejection(fail_info: str, text: str) -> Response:
    status = tsp.PKIStatusInfo(
        {
            "status": tsp.PKIStatus("rejection"),
            "status_string": tsp.PKIFreeText([text]),
            "fail_info": tsp.PKIFailureInfo({fail_info}),
        }
    )
    return _reply(TimeStampRejection({"status": status}))


@tsa.route("POST", "/")
def timestamp(request):
    """Answer one RFC 3161 request."""
    content_type = (request.content_type or "").lower()
    if content_type != QUERY_TYPE:
        return Response(
            body=f"Content-Type must be {QUERY_TYPE}".encode(),
            status=415,
            content_type="text/plain",
            charset="utf-8",
        )
    body = request.body
    if not body or len(body) > MAX_REQUEST:
        return _rejection("bad_data_format", "Empty or oversized request")
    try:
        query = tsp.TimeStampReq.load(body, strict=True)
        algorithm = query["message_imprint"]["hash_algorithm"]["algorithm"].native
        digest = query["message_imprint"]["hashed_message"].native
        query["nonce"].native  # noqa: B018 - parses the lazily-read field
    except (ValueError, TypeError, KeyError) as exc:
        return _rejection("bad_data_format", f"Not a DER TimeStampReq: {exc}")
    if algorithm not in DIGESTS:
        return _rejection("bad_alg", f"Unsupported digest algorithm {algorithm}")
    if len(digest) != DIGESTS[algorithm]:
        return _rejection("bad_data_format", "Digest length does not match")
    return _reply(authority.stamp(query))


@tsa.route("GET", "/ca.pem")
def ca_pem(request):
    return Response(
        body=authority.parts[0].cert_pem(), content_type="application/x-pem-file"
    )


@tsa.route("GET", "/tsa.pem")
def tsa_pem(request):
    return Response(
        body=authority.parts[1].cert_pem(), content_type="application/x-pem-file"
    )


@tsa.route("GET", "/stats")
def stats(request):
    return {"issued": authority.issued}
