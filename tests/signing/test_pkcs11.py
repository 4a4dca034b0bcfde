"""Signing with a real PKCS#11 token: SoftHSM2 in a temporary directory.

The token is made with ``softhsm2-util`` (key imported as PKCS#8) and the
certificate written with python-pkcs11, as an operator would provision a
token; then the add-on stores the token as a credential and signs with it.
"""

from cryptography.hazmat.primitives.serialization import Encoding
from municipality.signing import api
from municipality.signing import credentials
from municipality.signing import pki
from municipality.signing.testing import greek_pdf
from municipality.signing.testing import test_ca
from municipality.signing.testing import trust
from municipality.signing.testing import validate
from pathlib import Path
from plone import api as plone_api
from zope.i18n import translate

import os
import pkcs11
import pytest
import shutil
import subprocess


MODULE = "/usr/lib/softhsm/libsofthsm2.so"
TOKEN = "municipality-test"
PIN = "5678"
SO_PIN = "12345678"
KEY_LABEL = "clerk-signing"
KEY_ID = "a1b2"

pytestmark = pytest.mark.skipif(
    not (Path(MODULE).exists() and shutil.which("softhsm2-util")),
    reason=f"SoftHSM2 is not installed ({MODULE}; Debian package softhsm2)",
)


@pytest.fixture(scope="module")
def token(tmp_path_factory):
    """A SoftHSM2 token holding a test-CA certificate and its key."""
    directory = tmp_path_factory.mktemp("softhsm")
    (directory / "tokens").mkdir()
    config = directory / "softhsm2.conf"
    config.write_text(
        f"directories.tokendir = {directory / 'tokens'}\n"
        "objectstore.backend = file\nlog.level = ERROR\n"
    )
    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(config)

    keypair = pki.issue_certificate(test_ca(), "Νίκος Βασιλείου (token)")
    key_file = directory / "key.pem"
    key_file.write_bytes(keypair.key_pem())
    run = {"check": True, "capture_output": True, "env": os.environ.copy()}
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", TOKEN]
        + ["--so-pin", SO_PIN, "--pin", PIN],
        **run,
    )
    subprocess.run(
        ["softhsm2-util", "--import", str(key_file), "--token", TOKEN]
        + ["--label", KEY_LABEL, "--id", KEY_ID, "--pin", PIN],
        **run,
    )
    key_file.unlink()

    library = pkcs11.lib(MODULE)
    # A library loaded earlier in this process read another configuration.
    library.reinitialize()
    with library.get_token(token_label=TOKEN).open(rw=True, user_pin=PIN) as session:
        session.create_object(
            {
                pkcs11.Attribute.CLASS: pkcs11.ObjectClass.CERTIFICATE,
                pkcs11.Attribute.CERTIFICATE_TYPE: pkcs11.CertificateType.X_509,
                pkcs11.Attribute.TOKEN: True,
                pkcs11.Attribute.LABEL: KEY_LABEL,
                pkcs11.Attribute.ID: bytes.fromhex(KEY_ID),
                pkcs11.Attribute.SUBJECT: keypair.cert.subject.public_bytes(),
                pkcs11.Attribute.VALUE: keypair.cert.public_bytes(Encoding.DER),
            }
        )
    yield keypair
    api.forget()
    if previous is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = previous


@pytest.fixture
def allowed(portal, token):
    plone_api.portal.set_registry_record(
        "municipality.signing.pkcs11_modules", [MODULE]
    )
    trust(test_ca().cert_pem())
    return token


def test_sign_with_the_token(allowed):
    credential = credentials.store_pkcs11(
        "secretary", MODULE, TOKEN, PIN, key_label=KEY_LABEL
    )
    assert credential.kind == credentials.PKCS11
    assert credential.info()["common_name"] == "Νίκος Βασιλείου (token)"
    assert PIN.encode() not in credential.secret

    pdf = greek_pdf()
    first = api.sign_pdf(pdf, "secretary")
    second = api.sign_pdf(first, "secretary")  # the session is reused

    statuses = validate(second)
    assert len(statuses) == 2
    for status in statuses:
        assert status.intact
        assert status.valid
        assert status.trusted
        assert status.signing_cert.subject.native["common_name"] == (
            "Νίκος Βασιλείου (token)"
        )
    assert [k for k in api.cached_versions() if k[0] == "secretary"] == [
        ("secretary", credential.version)
    ]


def test_key_found_by_id(allowed):
    credentials.store_pkcs11("secretary", MODULE, TOKEN, PIN, key_id=KEY_ID.upper())
    (status,) = validate(api.sign_pdf(greek_pdf(), "secretary"))
    assert status.bottom_line


def _refused(**overrides):
    arguments = {
        "userid": "secretary",
        "module_path": MODULE,
        "token_label": TOKEN,
        "pin": PIN,
        "key_label": KEY_LABEL,
    }
    arguments.update(overrides)
    with pytest.raises(api.InvalidCredential) as raised:
        credentials.store_pkcs11(**arguments)
    assert credentials.get_credential("secretary") is None
    return translate(raised.value.message, target_language="el")


def test_wrong_pin_is_refused(allowed):
    assert "PIN" in _refused(pin="0000")


def test_unknown_token_is_refused(allowed):
    assert "no-such-token" in _refused(token_label="no-such-token")


def test_unknown_key_is_refused(allowed):
    assert _refused(key_label="no-such-key")


def test_module_must_be_allowed(portal, token):
    plone_api.portal.set_registry_record("municipality.signing.pkcs11_modules", [])
    assert "PKCS#11" in _refused()
