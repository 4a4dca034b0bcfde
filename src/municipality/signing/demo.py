"""The demo PKI of `make start`: a demo CA and a certificate per demo employee.

* A demo CA «<municipality> Demo CA» is made once. Its key is kept in the
  site, encrypted with the signing master key like the employees' keys, so
  that running this again (a new demo employee) issues from the same CA. A
  production site has no CA at all: its employees bring certificates from a
  qualified provider (ΑΠΕΔ, HARICA).
* Each staff demo user gets a certificate and a PKCS#12 credential with a
  random passphrase nobody needs to know (it is stored encrypted with the
  file).
* The demo CA goes into ``trusted_certificates``; when the simulators answer,
  ``tsa_url`` points at their TSA and its CA is trusted too (the simulators
  keep that CA in ``instance/var/tsa.pem`` across restarts).

Idempotent: users who already have a credential keep it.
"""

from municipality import logger
from municipality.signing import credentials
from municipality.signing import pki
from municipality.signing.credentials import trust
from plone import api
from zope.annotation.interfaces import IAnnotations

import json
import os
import requests
import secrets


DEMO_STAFF = (
    "employee",
    "revenue",
    "protocol",
    "secretariat",
    "legal",
    "personnel",
    "supervisor",
)
CA_KEY = "municipality.signing.demo_ca"


def _demo_ca(site) -> pki.KeyPair:
    annotations = IAnnotations(site)
    stored = annotations.get(CA_KEY)
    if stored is not None:
        data = json.loads(credentials.decrypt(stored["secret"], CA_KEY))
        key, cert, _ = credentials.load_pkcs12(
            bytes.fromhex(data["pkcs12"]), data["passphrase"].encode()
        )
        return pki.KeyPair(key, cert)
    name = api.portal.get_registry_record("municipality.name_el", default=None)
    name = name or "Δήμος Παραδείγματος"
    ca = pki.create_ca(f"{name} Demo CA", name)
    passphrase = secrets.token_urlsafe(24)
    secret = json.dumps(
        {"pkcs12": ca.pkcs12(passphrase.encode()).hex(), "passphrase": passphrase}
    ).encode()
    annotations[CA_KEY] = {"secret": credentials.encrypt(secret, CA_KEY)}
    logger.info("Created the demo CA «%s»", ca.common_name)
    return ca


def _point_at_simulated_tsa():
    base = os.environ.get("MUNICIPALITY_SIMULATORS_URL", "").strip().rstrip("/")
    if not base:
        from municipality.core.setuphandlers import DEFAULT_SIMULATORS_URL

        base = DEFAULT_SIMULATORS_URL.rstrip("/")
    try:
        response = requests.get(f"{base}/tsa/ca.pem", timeout=5)
        response.raise_for_status()
    except requests.RequestException as exc:
        logger.warning(
            "No simulated TSA at %s (%s): signing without timestamps", base, exc
        )
        return
    trust(response.content)
    if not api.portal.get_registry_record("municipality.signing.tsa_url", default=None):
        api.portal.set_registry_record("municipality.signing.tsa_url", f"{base}/tsa")
    logger.info("Demo signatures get timestamps from %s/tsa", base)


def create_demo_signing(site):
    """Create the demo CA and give each demo employee a signing credential."""
    ca = _demo_ca(site)
    trust(ca.cert_pem())
    for userid in DEMO_STAFF:
        user = api.user.get(userid=userid)
        if user is None or credentials.get_credential(userid) is not None:
            continue
        fullname = user.getProperty("fullname", "") or userid
        keypair = pki.issue_certificate(
            ca,
            fullname,
            api.portal.get_registry_record("municipality.name_el", default=None),
            email=user.getProperty("email", "") or None,
        )
        passphrase = secrets.token_urlsafe(24)
        credentials.store_pkcs12(
            userid,
            keypair.pkcs12(passphrase.encode(), chain=[ca.cert]),
            passphrase,
            created_by="demo",
        )
    _point_at_simulated_tsa()
    logger.info("Demo signing certificates ready for %s", ", ".join(DEMO_STAFF))
