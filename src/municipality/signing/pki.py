"""A small certificate authority: the demo PKI of `make start` and the tests.

Real municipalities sign with certificates from a qualified provider (ΑΠΕΔ,
HARICA); these helpers only make the demo and test keys, with the extensions
a PAdES validator expects (key usage nonRepudiation + digitalSignature for a
signer, a CA with keyCertSign).
"""

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.oid import NameOID
from dataclasses import dataclass

import datetime


KEY_SIZE = 2048


@dataclass
class KeyPair:
    """A private key with its certificate (cryptography objects)."""

    key: rsa.RSAPrivateKey
    cert: x509.Certificate

    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def key_pem(self, password: bytes | None = None) -> bytes:
        encryption = (
            serialization.BestAvailableEncryption(password)
            if password
            else serialization.NoEncryption()
        )
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        )

    def pkcs12(self, password: bytes, chain=(), name: str | None = None) -> bytes:
        """The key, its certificate and ``chain`` as a PKCS#12 file."""
        return pkcs12.serialize_key_and_certificates(
            (name or self.common_name).encode("utf-8"),
            self.key,
            self.cert,
            list(chain) or None,
            serialization.BestAvailableEncryption(password),
        )

    @property
    def common_name(self) -> str:
        return self.cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value


def _name(common_name, organization=None, email=None, country="GR"):
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, country)]
    if organization:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    if email:
        attrs.append(x509.NameAttribute(NameOID.EMAIL_ADDRESS, email))
    return x509.Name(attrs)


def _now():
    return datetime.datetime.now(datetime.UTC)


def create_ca(common_name, organization=None, years=10) -> KeyPair:
    """A self-signed root CA."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
    name = _name(common_name, organization)
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
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
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    return KeyPair(key, cert)


def issue_certificate(
    ca: KeyPair,
    common_name,
    organization=None,
    email=None,
    years=3,
    key=None,
    timestamping=False,
    valid_from=None,
    valid_until=None,
) -> KeyPair:
    """A signer's certificate issued by ``ca``.

    ``timestamping=True`` makes a time-stamping authority's certificate
    (extended key usage timeStamping, critical, as RFC 3161 requires).
    ``valid_from``/``valid_until`` (aware datetimes) override the validity
    (from yesterday for ``years``), e.g. for an expired certificate.
    """
    key = key or rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
    now = _now()
    not_before = valid_from or now - datetime.timedelta(days=1)
    not_after = valid_until or now + datetime.timedelta(days=365 * years)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name, organization, email))
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=not timestamping,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()),
            critical=False,
        )
    )
    if timestamping:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
    if email:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False
        )
    return KeyPair(key, builder.sign(ca.key, hashes.SHA256()))


def load_pem_certificates(data: bytes) -> list[x509.Certificate]:
    """Every certificate in a PEM bundle (an empty list for empty input)."""
    if not data or not data.strip():
        return []
    return x509.load_pem_x509_certificates(data)
