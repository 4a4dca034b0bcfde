"""Stored credentials: encrypted with a key outside the ZODB, checked on upload."""

from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.hazmat.primitives.serialization import NoEncryption
from cryptography.hazmat.primitives.serialization import PrivateFormat
from datetime import datetime
from datetime import timedelta
from datetime import UTC
from municipality.signing import api
from municipality.signing import credentials
from municipality.signing import pki
from municipality.signing.testing import give_test_credential
from municipality.signing.testing import greek_pdf
from municipality.signing.testing import PASSPHRASE
from municipality.signing.testing import pkcs12_for
from municipality.signing.testing import test_ca
from zope.i18n import translate

import pickle
import pytest
import stat


@pytest.fixture
def key_file(tmp_path, monkeypatch):
    """A fresh master key file for this test only."""
    path = tmp_path / "var" / "signing.key"
    monkeypatch.setenv(credentials.KEY_FILE_ENV, str(path))
    return path


def _greek(error):
    return translate(error.message, target_language="el")


def test_master_key_file_is_made_private_on_first_use(portal, key_file):
    assert not key_file.exists()
    give_test_credential("clerk")
    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(credentials.master_key()) == 32


def test_stored_credential_reveals_neither_key_nor_passphrase(portal, key_file):
    keypair = give_test_credential("clerk")
    credential = credentials.get_credential("clerk")

    stored = pickle.dumps(credential.__getstate__())
    key_der = keypair.key.private_bytes(
        Encoding.DER, PrivateFormat.PKCS8, NoEncryption()
    )
    assert keypair.key_pem() not in stored
    assert key_der not in stored
    private = keypair.key.private_numbers()
    assert private.d.to_bytes(256, "big") not in stored
    assert private.p.to_bytes(128, "big") not in stored
    assert PASSPHRASE.encode() not in stored
    assert pkcs12_for("clerk")[:200] not in stored
    assert credential.secret.startswith(b"MSK1")
    # The certificate itself is public and kept in clear for the pages.
    assert credential.info()["common_name"] == keypair.common_name


def test_a_wrong_master_key_cannot_open_it(portal, key_file, tmp_path, monkeypatch):
    give_test_credential("clerk")
    api.forget()  # no parsed key left in the process cache
    monkeypatch.setenv(credentials.KEY_FILE_ENV, str(tmp_path / "other.key"))
    credentials.master_key()  # another, new key

    with pytest.raises(api.CredentialLocked) as raised:
        api.sign_pdf(greek_pdf(), "clerk")
    assert "κλειδί" in _greek(raised.value)

    monkeypatch.setenv(credentials.KEY_FILE_ENV, str(key_file))
    assert api.sign_pdf(greek_pdf(), "clerk")


def test_a_missing_master_key_is_not_recreated_for_decryption(portal, key_file):
    give_test_credential("clerk")
    api.forget()
    key_file.unlink()
    with pytest.raises(api.CredentialLocked):
        api.sign_pdf(greek_pdf(), "clerk")
    assert not key_file.exists()


def test_ciphertext_is_bound_to_its_user(portal, key_file):
    give_test_credential("clerk")
    give_test_credential("other")
    stolen = credentials.get_credential("clerk").secret
    credentials.get_credential("other").secret = stolen
    with pytest.raises(api.CredentialLocked):
        credentials.get_credential("other").unlock()


def _refusal(data, passphrase=PASSPHRASE):
    with pytest.raises(api.InvalidCredential) as raised:
        credentials.store_pkcs12("clerk", data, passphrase)
    assert credentials.get_credential("clerk") is None
    return _greek(raised.value)


def test_wrong_passphrase_is_refused(portal):
    message = _refusal(pkcs12_for("clerk"), "wrong")
    assert "συνθηματικό" in message


def test_certificate_from_an_untrusted_ca_is_refused(portal):
    # Anyone can make a CA and a certificate «in the mayor's name».
    message = _refusal(pki.issue_certificate(test_ca(), "Κάποιος").pkcs12(b"x"), "x")
    assert "καμία έμπιστη αρχή" in message  # nothing trusted yet: refused
    credentials.trust(test_ca().cert_pem())
    own_ca = pki.create_ca("Αυτοσχέδια Αρχή")
    forged = pki.issue_certificate(own_ca, "Δήμαρχος")
    message = _refusal(forged.pkcs12(PASSPHRASE.encode(), chain=[own_ca.cert]))
    assert "δεν εκδόθηκε από αρχή πιστοποίησης" in message


def test_not_a_pkcs12_file_is_refused(portal):
    assert _refusal(b"%PDF-1.7 definitely not a certificate")


def test_expired_certificate_is_refused(portal):
    now = datetime.now(UTC)
    expired = pki.issue_certificate(
        test_ca(),
        "Ληγμένο Πιστοποιητικό",
        valid_from=now - timedelta(days=400),
        valid_until=now - timedelta(days=1),
    )
    message = _refusal(expired.pkcs12(PASSPHRASE.encode()))
    assert "έληξε" in message


def test_future_certificate_is_refused(portal):
    now = datetime.now(UTC)
    future = pki.issue_certificate(
        test_ca(),
        "Μελλοντικό",
        valid_from=now + timedelta(days=2),
        valid_until=now + timedelta(days=400),
    )
    assert _refusal(future.pkcs12(PASSPHRASE.encode()))


def test_key_without_its_certificate_is_refused(portal):
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption
    from cryptography.hazmat.primitives.serialization import pkcs12

    mine = pki.issue_certificate(test_ca(), "Δικό μου")
    theirs = pki.issue_certificate(test_ca(), "Κάποιου άλλου")
    data = pkcs12.serialize_key_and_certificates(
        b"mixed",
        mine.key,
        None,
        [theirs.cert],
        BestAvailableEncryption(PASSPHRASE.encode()),
    )
    assert "πιστοποιητικό" in _refusal(data)


def test_certificate_of_another_key_is_refused(portal):
    mine = pki.issue_certificate(test_ca(), "Δικό μου")
    theirs = pki.issue_certificate(test_ca(), "Κάποιου άλλου")
    with pytest.raises(api.InvalidCredential) as raised:
        credentials.check_certificate(theirs.cert, mine.key)
    assert "κλειδί" in _greek(raised.value)


def test_ca_certificate_cannot_sign_documents(portal):
    other = pki.create_ca("Μια Αρχή")
    # keyCertSign without digitalSignature would be refused; create_ca has
    # digitalSignature, so a CA with only keyCertSign is built here.
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    cert = (
        x509.CertificateBuilder()
        .subject_name(other.cert.subject)
        .issuer_name(other.cert.subject)
        .public_key(other.key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime.now(UTC) - timedelta(days=1))
        .not_valid_after(datetime.now(UTC) + timedelta(days=10))
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(other.key, hashes.SHA256())
    )
    assert _refusal(pki.KeyPair(other.key, cert).pkcs12(PASSPHRASE.encode()))
