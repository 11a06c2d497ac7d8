"""Load the signer's key, certificate and chain, and check that they can sign.

PKCS#12 files (.p12/.pfx: key, certificate and chain in one) and PEM or DER
keys with a separate certificate. Everything a user can get wrong is a
SignError (exit 10) with one line that names the file: a wrong or missing
passphrase, a key that does not belong to the certificate, a certificate
that has expired, is not valid yet or may not sign. The passphrase is read
from a file and never appears in a message.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from briefpers.errors import ConfigError, SignError
from briefpers.sign.options import SignOptions

MAX_FILE_BYTES = 1024 * 1024  # a key, certificate or chain file is a few KiB
PKCS12_SUFFIXES = (".p12", ".pfx")
_DER = serialization.Encoding.DER


@dataclass(frozen=True)
class Credentials:
    """The signer: certificate and key (asn1crypto, as pyHanko takes them) and chain."""

    cert: asn1_x509.Certificate
    key: asn1_keys.PrivateKeyInfo
    chain: tuple[asn1_x509.Certificate, ...]

    @property
    def subject(self) -> str:
        """The signer as people read it (the common name, else the whole subject)."""
        return describe(self.cert)

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the certificate (DER), lower-case hex."""
        return hashlib.sha256(self.cert.dump()).hexdigest()


def describe(cert: asn1_x509.Certificate) -> str:
    """A certificate's common name, else its whole subject."""
    names = cert.subject.native
    return str(names.get("common_name") or cert.subject.human_friendly)


def load_credentials(options: SignOptions, *, now: dt.datetime) -> Credentials:
    """The key, certificate and chain `options` name, checked to be able to sign at `now`."""
    if options.key is None:
        raise ConfigError("signing needs a key: --key FILE (PKCS#12 or PEM)")
    passphrase = read_passphrase(options.passphrase_file)
    data = _read(options.key, "key")
    extra: list[x509.Certificate] = []
    cert: x509.Certificate | None = None
    if options.key.suffix.lower() in PKCS12_SUFFIXES or not _looks_like_pem_or_der_key(data):
        key, cert, extra = _load_pkcs12(options.key, data, passphrase)
    else:
        key = _load_key(options.key, data, passphrase)
    if options.cert is not None:
        certs = load_certificates(options.cert)
        cert, extra = certs[0], [*certs[1:], *extra]
    if cert is None:
        raise SignError("no certificate: give --cert FILE", path=options.key)
    chain = [c for path in options.chain for c in load_certificates(path)] + extra
    where = options.cert or options.key
    _check_pair(key, cert, where)
    check_certificate(cert, now=now, path=where)
    key_info = asn1_keys.PrivateKeyInfo.load(
        key.private_bytes(_DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    signer = asn1_x509.Certificate.load(cert.public_bytes(_DER))
    unique = {c.public_bytes(_DER): None for c in chain if c != cert}
    return Credentials(signer, key_info, tuple(asn1_x509.Certificate.load(der) for der in unique))


def read_passphrase(path: Path | None) -> bytes | None:
    """The first line of the passphrase file (without its line break), or None."""
    if path is None:
        return None
    data = _read(path, "passphrase file")
    line = data.splitlines()[0] if data else b""
    return line or None


def load_certificates(path: Path) -> list[x509.Certificate]:
    """Every certificate in a PEM file (in order), or the one in a DER file."""
    data = _read(path, "certificate file")
    try:
        if b"-----BEGIN" in data:
            certs = x509.load_pem_x509_certificates(data)
        else:
            certs = [x509.load_der_x509_certificate(data)]
    except ValueError:
        raise SignError("not a certificate (PEM or DER)", path=path) from None
    return certs


def check_certificate(cert: x509.Certificate, *, now: dt.datetime, path: Path | str) -> None:
    """SignError unless `cert` is valid at `now` and its key usage allows signing."""
    if now < cert.not_valid_before_utc:
        raise SignError(
            f"the certificate is not valid yet (from {_day(cert.not_valid_before_utc)})", path=path
        )
    if now > cert.not_valid_after_utc:
        raise SignError(f"the certificate expired on {_day(cert.not_valid_after_utc)}", path=path)
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return  # no key usage extension: every use is allowed
    if not (usage.digital_signature or usage.content_commitment):
        raise SignError(
            "the certificate may not sign documents: its key usage has neither "
            "digitalSignature nor nonRepudiation",
            path=path,
        )


@functools.cache
def public_roots() -> tuple[asn1_x509.Certificate, ...]:
    """The public root certificates certifi ships (Mozilla's list): the default trust."""
    import certifi
    from asn1crypto import pem

    # asn1crypto, not cryptography: a few public roots have serial numbers
    # that cryptography warns about.
    data = Path(certifi.where()).read_bytes()
    return tuple(asn1_x509.Certificate.load(der) for _, _, der in pem.unarmor(data, multiple=True))


def _day(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _read(path: Path, what: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"cannot read the {what}: {exc.strerror or exc}", path=path) from None
    if len(data) > MAX_FILE_BYTES:
        raise SignError(f"the {what} is larger than {MAX_FILE_BYTES:,} bytes", path=path)
    return data


def _looks_like_pem_or_der_key(data: bytes) -> bool:
    if b"-----BEGIN" in data:
        return True
    try:
        serialization.load_der_private_key(data, password=None)
    except TypeError:  # an encrypted DER key
        return True
    except (ValueError, UnsupportedAlgorithm):
        return False
    return True


def _load_key(path: Path, data: bytes, passphrase: bytes | None):
    try:
        if b"-----BEGIN" in data:
            return serialization.load_pem_private_key(data, password=passphrase)
        return serialization.load_der_private_key(data, password=passphrase)
    except TypeError:
        if passphrase is None:
            raise SignError("the key is encrypted: give --passphrase-file", path=path) from None
        raise SignError("the key is not encrypted, but a passphrase was given", path=path) from None
    except ValueError:
        if passphrase is not None:
            raise SignError("cannot unlock the key: wrong passphrase", path=path) from None
        raise SignError("not a private key (PEM or DER)", path=path) from None
    except UnsupportedAlgorithm:
        raise SignError("the key's algorithm is not supported", path=path) from None


def _load_pkcs12(path: Path, data: bytes, passphrase: bytes | None):
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, passphrase)
    except ValueError:
        if passphrase is None:
            raise SignError(
                "cannot open the PKCS#12 file: not one, or it needs --passphrase-file", path=path
            ) from None
        raise SignError(
            "cannot open the PKCS#12 file: wrong passphrase (or not a PKCS#12 file)", path=path
        ) from None
    except UnsupportedAlgorithm:
        raise SignError("the PKCS#12 file uses an unsupported algorithm", path=path) from None
    if key is None:
        raise SignError("the PKCS#12 file holds no private key", path=path)
    return key, cert, list(extra)


def _check_pair(key, cert: x509.Certificate, path: Path | str) -> None:
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    if key.public_key().public_bytes(_DER, spki) != cert.public_key().public_bytes(_DER, spki):
        raise SignError("the key does not belong to the certificate", path=path)
