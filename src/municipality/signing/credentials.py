"""Employees' signing credentials, kept in the site and encrypted.

A credential is either

* **PKCS#12**: the uploaded file and its passphrase, encrypted together
  (AES-256-GCM) with the server's *master key*; or
* **PKCS#11**: a hardware token (module from the administrators' allow-list,
  token label, key label or id) and its PIN, encrypted the same way.

The certificate itself (public) is stored in clear so pages can show
subject, issuer, validity and fingerprint without the master key.

The master key is **not** in the ZODB: a database backup or a leaked
``Data.fs`` does not give away anyone's key. It is a file, by default
``var/signing.key`` of the Zope instance, or wherever
``MUNICIPALITY_SIGNING_KEY_FILE`` points, created (mode 0600) on first use.
Lose it and every stored credential must be uploaded again.

Each stored credential has a new ``version`` (random), bound into its
ciphertext, so process caches of parsed keys notice a replacement and a
ciphertext cannot be moved to another user.
"""

from BTrees.OOBTree import OOBTree
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from datetime import datetime
from datetime import UTC
from municipality import _
from municipality.signing.errors import CredentialLocked
from municipality.signing.errors import InvalidCredential
from municipality.signing.errors import NoCredential
from municipality.signing.errors import TokenUnavailable
from municipality.signing.signer import fingerprint
from municipality.signing.signer import load_pkcs12
from pathlib import Path
from persistent import Persistent
from plone import api
from zope.annotation.interfaces import IAnnotations

import base64
import json
import logging
import os
import threading
import uuid


logger = logging.getLogger(__name__)

KEY_FILE_ENV = "MUNICIPALITY_SIGNING_KEY_FILE"
KEY_FILE_NAME = "signing.key"
ANNOTATION_KEY = "municipality.signing.credentials"

PKCS12 = "pkcs12"
PKCS11 = "pkcs11"

# An upload larger than this is not a personal certificate.
MAX_PKCS12_SIZE = 64 * 1024
_CIPHER_PREFIX = b"MSK1"


# The master key


def master_key_path() -> Path:
    """Where the master key lives: the environment, else the instance's var/."""
    configured = os.environ.get(KEY_FILE_ENV, "").strip()
    if configured:
        return Path(configured)
    from App.config import getConfiguration

    config = getConfiguration()
    home = getattr(config, "clienthome", None)
    if not home:
        instance = getattr(config, "instancehome", None)
        home = os.path.join(instance, "var") if instance else None
    if not home:
        raise CredentialLocked(
            detail=f"no instance home; set {KEY_FILE_ENV} to the master key file"
        )
    return Path(home) / KEY_FILE_NAME


_keys: dict = {}
_keys_lock = threading.Lock()


def master_key(create=True) -> bytes:
    """The 32-byte master key, created with mode 0600 if there is none yet."""
    path = master_key_path()
    with _keys_lock:
        try:
            stat = path.stat()
        except FileNotFoundError:
            if not create:
                raise CredentialLocked(detail=f"{path} does not exist") from None
            _create_key_file(path)
            stat = path.stat()
        cached = _keys.get(str(path))
        if cached and cached[0] == (stat.st_mtime_ns, stat.st_ino):
            return cached[1]
        try:
            key = base64.b64decode(path.read_bytes().strip(), validate=True)
        except (OSError, ValueError) as exc:
            raise CredentialLocked(detail=f"{path}: {exc}") from exc
        if len(key) != 32:
            raise CredentialLocked(detail=f"{path} does not hold a 256-bit key")
        _keys[str(path)] = ((stat.st_mtime_ns, stat.st_ino), key)
        return key


def _create_key_file(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    key = base64.b64encode(AESGCM.generate_key(bit_length=256)) + b"\n"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # another process made it first: use theirs
    with os.fdopen(fd, "wb") as out:
        out.write(key)
    logger.warning(
        "Created the signing master key %s: back it up apart from the database; "
        "without it stored signing credentials cannot be used.",
        path,
    )


def encrypt(data: bytes, context: str) -> bytes:
    """AES-256-GCM with the master key; ``context`` is bound as associated data."""
    nonce = os.urandom(12)
    sealed = AESGCM(master_key()).encrypt(nonce, data, context.encode("utf-8"))
    return _CIPHER_PREFIX + nonce + sealed


def decrypt(blob: bytes, context: str) -> bytes:
    """Open what :func:`encrypt` sealed, or raise :class:`CredentialLocked`."""
    if not blob.startswith(_CIPHER_PREFIX):
        raise CredentialLocked(detail="unknown ciphertext format")
    nonce, sealed = blob[4:16], blob[16:]
    try:
        return AESGCM(master_key(create=False)).decrypt(
            nonce, sealed, context.encode("utf-8")
        )
    except InvalidTag:
        raise CredentialLocked(detail="wrong master key") from None


# Stored credentials


class Credential(Persistent):
    """One employee's signing credential (replaced whole, never edited)."""

    def __init__(self, userid, kind, cert, chain=(), secret=b"", **token):
        self.userid = userid
        self.kind = kind
        self.version = uuid.uuid4().hex
        self.cert_der = cert.public_bytes(serialization.Encoding.DER)
        self.chain_der = tuple(
            c.public_bytes(serialization.Encoding.DER) for c in chain
        )
        self.module_path = token.get("module_path")
        self.token_label = token.get("token_label")
        self.key_label = token.get("key_label")
        self.key_id = token.get("key_id")
        self.created = datetime.now(UTC)
        self.created_by = token.get("created_by") or userid
        self.secret = b""
        self.secret = encrypt(secret, self.context)

    @property
    def context(self) -> str:
        return f"municipality.signing:{self.kind}:{self.userid}:{self.version}"

    @property
    def certificate(self) -> x509.Certificate:
        return x509.load_der_x509_certificate(self.cert_der)

    @property
    def chain(self) -> list:
        return [x509.load_der_x509_certificate(der) for der in self.chain_der]

    def unlock(self) -> dict:
        """The decrypted secret: ``{"pkcs12", "passphrase"}`` or ``{"pin"}``."""
        return json.loads(decrypt(self.secret, self.context))

    def info(self) -> dict:
        """What pages show: who, by whom, how long, which one."""
        return dict(
            certificate_info(self.certificate),
            kind=self.kind,
            version=self.version,
            created=self.created,
            created_by=self.created_by,
            module_path=self.module_path,
            token_label=self.token_label,
            key_label=self.key_label,
            key_id=self.key_id,
        )


def certificate_info(cert: x509.Certificate) -> dict:
    now = datetime.now(UTC)
    return {
        "subject": cert.subject.rfc4514_string(),
        "common_name": _common_name(cert.subject),
        "issuer": cert.issuer.rfc4514_string(),
        "issuer_name": _common_name(cert.issuer),
        "serial": format(cert.serial_number, "X"),
        "not_before": cert.not_valid_before_utc,
        "not_after": cert.not_valid_after_utc,
        "fingerprint": fingerprint(cert),
        "valid_now": cert.not_valid_before_utc <= now <= cert.not_valid_after_utc,
    }


def _common_name(name: x509.Name) -> str:
    attributes = name.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(attributes[0].value) if attributes else name.rfc4514_string()


def _storage(create=False):
    annotations = IAnnotations(api.portal.get())
    storage = annotations.get(ANNOTATION_KEY)
    if storage is None and create:
        storage = annotations[ANNOTATION_KEY] = OOBTree()
    return storage


def get_credential(userid) -> Credential | None:
    """The stored credential of ``userid``, or ``None``."""
    storage = _storage()
    if storage is None or not userid:
        return None
    return storage.get(userid)


def all_credentials() -> list[Credential]:
    """Every stored credential, by user id."""
    storage = _storage()
    return list(storage.values()) if storage is not None else []


def remove_credential(userid) -> bool:
    """Forget ``userid``'s credential; ``True`` if there was one."""
    storage = _storage()
    if storage is None or userid not in storage:
        return False
    del storage[userid]
    logger.info("Removed the signing credential of %s", userid)
    return True


def _put(credential: Credential) -> Credential:
    _storage(create=True)[credential.userid] = credential
    logger.info(
        "Stored a %s signing credential for %s (by %s)",
        credential.kind,
        credential.userid,
        credential.created_by,
    )
    return credential


# Checks


def _format_date(value: datetime) -> str:
    return value.strftime("%d/%m/%Y %H:%M UTC")


def check_certificate(cert: x509.Certificate, key=None, now=None):
    """Refuse a certificate that cannot sign today, or that is not ``key``'s.

    :raises InvalidCredential: with a message for the user.
    """
    now = now or datetime.now(UTC)
    if cert.not_valid_after_utc < now:
        raise InvalidCredential(
            _(
                "The certificate expired on ${date}. Ask your certification "
                "authority for a new one.",
                mapping={"date": _format_date(cert.not_valid_after_utc)},
            )
        )
    if cert.not_valid_before_utc > now:
        raise InvalidCredential(
            _(
                "The certificate is valid only from ${date}.",
                mapping={"date": _format_date(cert.not_valid_before_utc)},
            )
        )
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        usage = None
    if usage is not None and not (usage.digital_signature or usage.content_commitment):
        raise InvalidCredential(
            _("This certificate is not meant for signing documents (key usage).")
        )
    if not isinstance(cert.public_key(), rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        raise InvalidCredential(
            _("Only RSA and elliptic-curve keys can sign documents here.")
        )
    if key is not None and _public_der(key.public_key()) != _public_der(
        cert.public_key()
    ):
        raise InvalidCredential(
            _("The private key in the file does not belong to its certificate.")
        )


def _public_der(public_key) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def parse_pkcs12(data: bytes, passphrase: str):
    """``(key, cert, chain)`` of an uploaded PKCS#12, checked; else a clear error."""
    if not data:
        raise InvalidCredential(_("Choose the certificate file (.p12 or .pfx)."))
    if len(data) > MAX_PKCS12_SIZE:
        raise InvalidCredential(
            _("This file is too large to be a personal certificate (.p12 or .pfx).")
        )
    try:
        key, cert, chain = load_pkcs12(data, (passphrase or "").encode("utf-8") or None)
    except ValueError:
        raise InvalidCredential(
            _(
                "The passphrase is wrong, or the file is not a PKCS#12 "
                "certificate (.p12 or .pfx)."
            )
        ) from None
    if key is None:
        raise InvalidCredential(
            _("The file holds no private key: export the certificate with its key.")
        )
    if cert is None:
        raise InvalidCredential(_("The file holds no certificate for its private key."))
    check_certificate(cert, key)
    return key, cert, chain


def check_issued_by_trusted_ca(cert: x509.Certificate, chain=()):
    """Refuse a certificate that does not chain to a trusted CA.

    The trusted CAs are ``municipality.signing.trusted_certificates`` (the
    ones signatures are validated against): otherwise an employee could
    upload a self-made certificate in anyone's name and sign with it.
    Intermediate certificates may come in ``chain`` (the PKCS#12 file's).
    """
    from municipality.signing.pki import load_pem_certificates

    record = "municipality.signing.trusted_certificates"
    pem = api.portal.get_registry_record(record, default="") or ""
    try:
        roots = load_pem_certificates(pem.encode("ascii"))
    except ValueError:
        roots = []
    if not roots:
        raise InvalidCredential(
            _(
                "No certification authority is trusted yet: an administrator "
                "adds them under Site Setup → Digital signatures first."
            )
        )
    pool = list(chain)
    current = cert
    for _level in range(6):
        for root in roots:
            if current.issuer == root.subject:
                try:
                    current.verify_directly_issued_by(root)
                except (ValueError, TypeError, InvalidSignature):
                    continue
                return
        parents = [c for c in pool if c.subject == current.issuer and c != current]
        for parent in parents:
            try:
                current.verify_directly_issued_by(parent)
            except (ValueError, TypeError, InvalidSignature):
                continue
            current = parent
            break
        else:
            break
    raise InvalidCredential(
        _(
            "This certificate was not issued by a certification authority the "
            "municipality trusts (Site Setup → Digital signatures)."
        )
    )


# Storing


def store_pkcs12(userid, data: bytes, passphrase: str, created_by=None) -> Credential:
    """Check and store a PKCS#12 credential for ``userid``, replacing any other.

    :raises InvalidCredential: wrong passphrase, expired or foreign certificate
        …; nothing is stored then.
    """
    key, cert, chain = parse_pkcs12(data, passphrase)
    check_issued_by_trusted_ca(cert, chain)
    secret = json.dumps(
        {
            "pkcs12": base64.b64encode(data).decode("ascii"),
            "passphrase": passphrase or "",
        }
    ).encode("utf-8")
    return _put(Credential(userid, PKCS12, cert, chain, secret, created_by=created_by))


def allowed_modules() -> list[str]:
    return list(
        api.portal.get_registry_record(
            "municipality.signing.pkcs11_modules", default=None
        )
        or []
    )


def store_pkcs11(
    userid,
    module_path,
    token_label,
    pin,
    key_label=None,
    key_id=None,
    created_by=None,
) -> Credential:
    """Check a hardware token's key and store it for ``userid``.

    The token is opened with ``pin`` and must hold the private key and its
    certificate (found by ``key_label`` and/or ``key_id``, hex).

    :raises InvalidCredential: a module not on the allow-list, a token, key
        or certificate not found, a wrong PIN; nothing is stored then.
    """
    from municipality.signing import tokens

    module_path = (module_path or "").strip()
    if module_path not in allowed_modules():
        raise InvalidCredential(
            _(
                "This PKCS#11 module is not allowed. An administrator must add "
                "it to the allowed modules in the digital signatures settings."
            )
        )
    if not (token_label or "").strip():
        raise InvalidCredential(_("Give the token's label."))
    if not (key_label or "").strip() and not (key_id or "").strip():
        raise InvalidCredential(_("Give the key's label or its id."))
    try:
        key_id_bytes = bytes.fromhex(key_id) if key_id else None
    except ValueError:
        raise InvalidCredential(
            _("The key id must be hexadecimal, e.g. 01 or a1b2.")
        ) from None
    from municipality.signing.api import forget_token

    forget_token(module_path, token_label.strip())
    try:
        cert = tokens.token_certificate(
            module_path, token_label.strip(), pin, key_label or None, key_id_bytes
        )
    except TokenUnavailable as exc:
        raise InvalidCredential(exc.message, detail=exc.detail) from exc
    check_certificate(cert)
    check_issued_by_trusted_ca(cert)
    secret = json.dumps({"pin": pin or ""}).encode("utf-8")
    return _put(
        Credential(
            userid,
            PKCS11,
            cert,
            (),
            secret,
            module_path=module_path,
            token_label=token_label.strip(),
            key_label=(key_label or "").strip() or None,
            key_id=(key_id or "").strip().lower() or None,
            created_by=created_by,
        )
    )


def trust(certificate_pem: bytes):
    """Add a PEM certificate to ``municipality.signing.trusted_certificates``."""
    record = "municipality.signing.trusted_certificates"
    current = api.portal.get_registry_record(record, default="") or ""
    text = certificate_pem.decode("ascii").strip()
    if text not in current:
        api.portal.set_registry_record(
            record, (current.strip() + "\n" + text).strip() + "\n"
        )


def require_credential(userid) -> Credential:
    credential = get_credential(userid)
    if credential is None:
        raise NoCredential()
    return credential
