"""A real test PKI for the signing tests: certomancer, served on 127.0.0.1.

`TestPKI.start(folder)` makes fresh keys, a root CA, a signer (with CRL and
OCSP pointers), a timestamp authority, an OCSP responder and certificates that
must be refused (expired, not yet valid, no signing key usage); it writes the
files briefpers signs with and serves certomancer's TSA, OCSP and CRL
endpoints from a thread on 127.0.0.1 (a free port). `stop()` ends it.
Validity is relative to now, so the PKI never ages.
"""

from __future__ import annotations

import datetime as dt
import logging
import socket
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from certomancer.integrations.animator import Animator, AnimatorArchStore
from certomancer.registry import CertLabel, CertomancerConfig
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509 import load_der_x509_certificate
from werkzeug.serving import make_server

ARCH = "briefpers"
PASSPHRASE = "correct horse battery staple"
KEYS = ("root", "signer", "tsa", "ocsp", "other")


def _stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S+0000")


def _config(prefix: str, now: dt.datetime, brief: dt.timedelta | None = None) -> dict:
    long_ago, far = _stamp(now - dt.timedelta(days=3650)), _stamp(now + dt.timedelta(days=3650))
    day = dt.timedelta(days=1)
    signer_extensions = [
        {
            "id": "key_usage",
            "critical": True,
            "smart-value": {
                "schema": "key-usage",
                "params": ["digital_signature", "non_repudiation"],
            },
        },
        {
            "id": "crl_distribution_points",
            "smart-value": {"schema": "crl-dist-url", "params": {"crl-repo-names": ["root"]}},
        },
        {
            "id": "authority_information_access",
            "smart-value": {"schema": "aia-urls", "params": {"ocsp-responder-names": ["root"]}},
        },
    ]

    def tsa(valid_from: str, valid_to: str) -> dict:
        return {
            "subject": "tsa",
            "subject-key": "tsa",
            "issuer": "root",
            "validity": {"valid-from": valid_from, "valid-to": valid_to},
            "extensions": [
                {
                    "id": "key_usage",
                    "critical": True,
                    "smart-value": {"schema": "key-usage", "params": ["digital_signature"]},
                },
                {"id": "extended_key_usage", "critical": True, "value": ["time_stamping"]},
                {
                    "id": "crl_distribution_points",
                    "smart-value": {
                        "schema": "crl-dist-url",
                        "params": {"crl-repo-names": ["root"]},
                    },
                },
            ],
        }

    def signer(valid_from: str, valid_to: str, extensions=None) -> dict:
        return {
            "subject": "signer",
            "subject-key": "signer",
            "issuer": "root",
            "validity": {"valid-from": valid_from, "valid-to": valid_to},
            "extensions": extensions or signer_extensions,
        }

    return {
        "external-url-prefix": prefix,
        "keysets": {ARCH: {"keys": {k: {"path": f"{k}.key.pem"} for k in KEYS}}},
        "pki-architectures": {
            ARCH: {
                "keyset": ARCH,
                "entity-defaults": {"country-name": "NL", "organization-name": "Testministerie"},
                "entities": {
                    "root": {"common-name": "Test Root CA"},
                    "signer": {"common-name": "Test Ondertekenaar"},
                    "tsa": {"common-name": "Test Tijdstempeldienst"},
                    "ocsp": {"common-name": "Test OCSP"},
                },
                "certs": {
                    "root": {
                        "subject": "root",
                        "subject-key": "root",
                        "issuer": "root",
                        "authority-key": "root",
                        "validity": {"valid-from": long_ago, "valid-to": far},
                        "extensions": [
                            {"id": "basic_constraints", "critical": True, "value": {"ca": True}},
                            {
                                "id": "key_usage",
                                "critical": True,
                                "smart-value": {
                                    "schema": "key-usage",
                                    "params": ["digital_signature", "key_cert_sign", "crl_sign"],
                                },
                            },
                        ],
                    },
                    "signer": signer(_stamp(now - day), _stamp(now + 365 * day)),
                    "expired": signer(_stamp(now - 400 * day), _stamp(now - 35 * day)),
                    "future": signer(_stamp(now + 30 * day), _stamp(now + 400 * day)),
                    # Expires moments after the PKI starts (only when asked for).
                    **({"brief": signer(_stamp(now - day), _stamp(now + brief))} if brief else {}),
                    "nosign": signer(
                        _stamp(now - day),
                        _stamp(now + 365 * day),
                        [
                            {
                                "id": "key_usage",
                                "critical": True,
                                "smart-value": {
                                    "schema": "key-usage",
                                    "params": ["key_encipherment"],
                                },
                            }
                        ],
                    ),
                    "tsa": tsa(long_ago, far),
                    # Expires with "brief": a timestamp authority whose certificate
                    # ends while the archive copies it stamped must stay valid.
                    **({"tsa-brief": tsa(_stamp(now - day), _stamp(now + brief))} if brief else {}),
                    "ocsp": {
                        "subject": "ocsp",
                        "issuer": "root",
                        "validity": {"valid-from": long_ago, "valid-to": far},
                        "extensions": [
                            {
                                "id": "key_usage",
                                "critical": True,
                                "smart-value": {
                                    "schema": "key-usage",
                                    "params": ["digital_signature"],
                                },
                            },
                            {
                                "id": "extended_key_usage",
                                "critical": True,
                                "value": ["ocsp_signing"],
                            },
                            {"id": "ocsp_no_check"},
                        ],
                    },
                },
                "services": {
                    "ocsp": {
                        "root": {
                            "for-issuer": "root",
                            "responder-cert": "ocsp",
                            "signing-key": "ocsp",
                            # With "brief", revocation data that vouches for ten
                            # seconds: a certificate then expires after it does,
                            # as one expires years after its revocation data.
                            **({"validity-period": {"seconds": 10}} if brief else {}),
                        }
                    },
                    "crl-repo": {
                        "root": {
                            "for-issuer": "root",
                            "signing-key": "root",
                            "simulated-update-schedule": "PT10S" if brief else "P7D",
                        }
                    },
                    "time-stamping": {
                        "tsa": {"signing-key": "tsa", "signing-cert": "tsa"},
                        **(
                            {"tsa-brief": {"signing-key": "tsa", "signing-cert": "tsa-brief"}}
                            if brief
                            else {}
                        ),
                    },
                },
            }
        },
    }


class _App:
    """The WSGI app, set once the port (and so the PKI's URLs) is known."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


@dataclass
class TestPKI:
    """Files to sign with and the URLs of the running services."""

    folder: Path
    url: str
    server: object = None
    thread: threading.Thread | None = None

    __test__ = False  # not a test class, whatever its name

    @property
    def tsa_url(self) -> str:
        return f"{self.url}/{ARCH}/tsa/tsa"

    @property
    def brief_tsa_url(self) -> str:
        """The timestamp authority whose certificate expires with `brief`."""
        return f"{self.url}/{ARCH}/tsa/tsa-brief"

    def file(self, name: str) -> Path:
        return self.folder / name

    @property
    def root(self) -> Path:
        return self.folder / "root.cert.pem"

    @property
    def passphrase_file(self) -> Path:
        return self.folder / "passphrase.txt"

    @classmethod
    def start(cls, folder: Path, brief: dt.timedelta | None = None) -> TestPKI:
        """Keys, certificates and services on 127.0.0.1. `brief`: also a signer
        certificate (`brief.cert.pem`) and a timestamp authority
        (`brief_tsa_url`) whose certificates expire that long after now, and
        revocation data that is current for ten seconds only."""
        folder.mkdir(parents=True, exist_ok=True)
        for name in KEYS:
            key = ec.generate_private_key(ec.SECP256R1())
            pem = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            (folder / f"{name}.key.pem").write_bytes(pem)
        app = _App()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        url = f"http://127.0.0.1:{server.server_port}"
        now = dt.datetime.now(dt.UTC)
        config = CertomancerConfig(_config(url, now, brief), key_search_dir=str(folder))
        arch = config.get_pki_arch(ARCH)
        app.app = Animator(AnimatorArchStore(config.pki_archs), with_web_ui=False)
        pki = cls(folder, url, server)
        pki._write_files(arch, ("brief",) if brief else ())
        pki.thread = threading.Thread(target=server.serve_forever, daemon=True)
        pki.thread.start()
        return pki

    def _write_files(self, arch, extra: tuple[str, ...] = ()) -> None:
        folder = self.folder
        folder.joinpath("passphrase.txt").write_text(PASSPHRASE + "\n")
        password = PASSPHRASE.encode()

        def cert(label: str):
            return load_der_x509_certificate(arch.get_cert(CertLabel(label)).dump())

        def key(name: str):
            return serialization.load_pem_private_key(
                (folder / f"{name}.key.pem").read_bytes(), password=None
            )

        pem = serialization.Encoding.PEM
        for label in ("root", "signer", "expired", "future", "nosign", "tsa", *extra):
            (folder / f"{label}.cert.pem").write_bytes(cert(label).public_bytes(pem))
        encrypted = key("signer").private_bytes(
            pem,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(password),
        )
        (folder / "signer.enc.pem").write_bytes(encrypted)
        (folder / "signer.p12").write_bytes(
            pkcs12.serialize_key_and_certificates(
                b"signer",
                key("signer"),
                cert("signer"),
                [cert("root")],
                serialization.BestAvailableEncryption(password),
            )
        )

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
        if self.thread is not None:
            self.thread.join(timeout=10)


def closed_port_url() -> str:
    """An http URL on 127.0.0.1 where nothing listens (a port just released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/tsa"


SEED = Path(__file__).resolve().parents[1] / "input" / "navo-ministeriele-2022.xml"


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    """The running test PKI (one per session), stopped at the end."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no request log in the output
    started = TestPKI.start(tmp_path_factory.mktemp("pki"))
    yield started
    started.stop()


@pytest.fixture(scope="session")
def seed_pdfs(tmp_path_factory) -> dict[str, Path]:
    """profile → the seed letter built, unsigned, in that profile."""
    from briefpers.pipeline import build_letter
    from briefpers.profiles import PROFILES

    folder = tmp_path_factory.mktemp("seed-unsigned")
    paths = {}
    for profile in PROFILES:
        path = folder / f"{profile}.pdf"
        path.write_bytes(build_letter(SEED, profile=profile).pdf)
        paths[profile] = path
    return paths


def parent_tree(pdf) -> dict:
    """A tagged PDF's ParentTree (a pikepdf.Pdf): key → what it maps to, every leaf read."""
    found = {}

    def walk(node):
        nums = node.get("/Nums")
        if nums is not None:
            for i in range(0, len(nums), 2):
                found[int(nums[i])] = nums[i + 1]
        for kid in node.get("/Kids", []):
            walk(kid)

    walk(pdf.Root.StructTreeRoot.ParentTree)
    return found


def sign_options(pki: TestPKI, level: str = "B-B", **changes):
    """SignOptions for the PKI's signer (PKCS#12 with its passphrase file)."""
    from briefpers.sign.options import SignOptions

    base = SignOptions(
        key=pki.file("signer.p12"),
        passphrase_file=pki.passphrase_file,
        tsa=pki.tsa_url,
        level=level,
    )
    return base.with_overrides(**changes)
