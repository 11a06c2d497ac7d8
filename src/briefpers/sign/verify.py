"""Check a signed archive copy: every signature and timestamp, and PDF/A still.

For each signature (and document timestamp) in a PDF: is it intact (the
signed bytes unchanged), valid (the cryptography holds), trusted (the
signer's certificate leads to a trust anchor: `--trust` files, else the
public roots certifi ships), timestamped, and is every change after it one that is
allowed (document security store and timestamp updates, later signatures
with their tagging: `diff_rule`)? The last one must cover the whole file.
Validation is offline: the revocation data used is what the document
security store holds. Then the preflight says whether the file is still what
briefpers promises (PDF/A and PDF/UA identification, tags, metadata, …).

The PDF is untrusted input: whatever pyHanko cannot make of it becomes a
problem in the report, never an exception.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import os
import stat
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESPassed
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import (
    async_validate_pdf_signature,
    async_validate_pdf_timestamp,
)
from pyhanko.sign.validation.ades import ades_lta_validation
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.policy_decl import (
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.policy_decl import (
    CertRevTrustPolicy,
    FreshnessReqType,
    RevocationCheckingPolicy,
    RevocationCheckingRule,
)
from pyhanko_certvalidator.registry import SimpleTrustManager

from briefpers.errors import ExitCode
from briefpers.sign.diff_rule import diff_policy
from briefpers.sign.keys import describe, public_roots
from briefpers.sign.signing import SIGNER_KEY_USAGE

MAX_PDF_BYTES = 512 * 1024 * 1024  # a signed letter is well under a megabyte

_MODIFICATIONS = {
    ModificationLevel.NONE: "none",
    ModificationLevel.LTA_UPDATES: "validation data and timestamps",
    ModificationLevel.FORM_FILLING: "later signatures",
    ModificationLevel.ANNOTATIONS: "annotations",
    ModificationLevel.OTHER: "other changes",
}
_COVERAGE = {
    SignatureCoverageLevel.ENTIRE_FILE: "entire file",
    SignatureCoverageLevel.ENTIRE_REVISION: "entire revision",
    SignatureCoverageLevel.CONTIGUOUS_BLOCK_FROM_START: "part of the file",
    SignatureCoverageLevel.UNCLEAR: "unclear",
}
# Changes after a signature that leave it standing: none, the document security
# store and timestamps, and later signatures (with their fields and tagging).
ALLOWED_AFTER = (
    ModificationLevel.NONE,
    ModificationLevel.LTA_UPDATES,
    ModificationLevel.FORM_FILLING,
)


@dataclass
class SignatureReport:
    """One signature or document timestamp, as `verify` judged it."""

    field: str
    kind: str  # "signature" or "timestamp"
    signer: str | None = None
    certificate_sha256: str | None = None
    signing_time: str | None = None  # what the signer claims (ISO 8601)
    timestamp: str | None = None  # from the timestamp authority (ISO 8601)
    intact: bool = False
    valid: bool = False
    trusted: bool = False
    timestamped: bool = False
    coverage: str | None = None
    modifications: str | None = None
    level: str | None = None
    trust_problem: str | None = None  # the AdES sub-indication, e.g. "NO_CERTIFICATE_CHAIN_FOUND"
    # Trusted not now but by its archive timestamps: when they prove the
    # signature was made, while the certificate was still good (ISO 8601).
    proven_by_archive_timestamps: str | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "ok": self.ok}


@dataclass
class FileReport:
    """One PDF: its signatures, file-level problems and the preflight's verdict."""

    path: str
    size: int | None = None
    sha256: str | None = None
    signatures: list[SignatureReport] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # not signed, unreadable, …
    unreadable: bool = False
    pdfa_ok: bool | None = None
    pdfa_problems: list[str] = field(default_factory=list)
    pdfa_facts: dict[str, Any] = field(default_factory=dict)

    @property
    def signatures_ok(self) -> bool:
        return not self.problems and bool(self.signatures) and all(s.ok for s in self.signatures)

    @property
    def ok(self) -> bool:
        return self.signatures_ok and bool(self.pdfa_ok)

    @property
    def exit_code(self) -> ExitCode:
        if self.unreadable:
            return ExitCode.CHECK_FAILED
        if not self.signatures_ok:
            return ExitCode.SIGNATURE
        if not self.pdfa_ok:
            return ExitCode.CHECK_FAILED
        return ExitCode.OK

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "size": self.size,
            "sha256": self.sha256,
            "ok": self.ok,
            "exit_code": int(self.exit_code),
            "problems": self.problems,
            "signatures": [s.to_dict() for s in self.signatures],
            "pdfa": {"ok": self.pdfa_ok, "problems": self.pdfa_problems, "facts": self.pdfa_facts},
        }


def load_trust(paths: list[Path]) -> list[asn1_x509.Certificate]:
    """The trust anchors in these PEM or DER files (every certificate in each)."""
    from cryptography.hazmat.primitives.serialization import Encoding

    from briefpers.sign.keys import load_certificates

    return [
        asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER))
        for path in paths
        for cert in load_certificates(path)
    ]


def verify_pdf(
    path: Path, trust: list[asn1_x509.Certificate], *, fonts=None, preflight: bool = True
) -> FileReport:
    """Judge every signature in `path` against `trust` (empty: the public roots)."""
    report = FileReport(str(path))
    data = _read(path, report)
    if data is None:
        return report
    report.size, report.sha256 = len(data), hashlib.sha256(data).hexdigest()
    try:
        asyncio.run(_signatures(data, trust, report))
    except Exception as exc:
        report.problems.append(f"cannot read the signatures: {_text(exc)}")
    if preflight:
        _preflight(path, report, fonts)
    return report


def _read(path: Path, report: FileReport) -> bytes | None:
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(0, "not a regular file")
        if info.st_size > MAX_PDF_BYTES:
            raise OSError(0, f"larger than {MAX_PDF_BYTES:,} bytes")
        return path.read_bytes()
    except OSError as exc:
        report.unreadable = True
        report.problems.append(f"cannot read: {exc.strerror or exc}")
        return None


def _text(exc: BaseException) -> str:
    return " ".join(f"{type(exc).__name__}: {exc}".split())[:300]


async def _signatures(data: bytes, trust: list[asn1_x509.Certificate], report: FileReport):
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
    except Exception as exc:
        report.unreadable = True
        report.problems.append(f"not a PDF that can be read: {_text(exc)}")
        return
    if reader.encrypted:
        report.unreadable = True
        report.problems.append("the PDF is encrypted")
        return
    embedded = list(reader.embedded_signatures)
    if not embedded:
        report.problems.append("not signed: the PDF holds no signature")
        return
    has_dss = "/DSS" in reader.root
    kwargs: dict[str, Any] = {
        "allow_fetching": False,
        "revocation_mode": "soft-fail",
        "trust_roots": list(trust) or list(public_roots()),
    }
    policy = diff_policy()
    usage = KeyUsageConstraints(key_usage=set(SIGNER_KEY_USAGE))
    for index, sig in enumerate(embedded):
        context = _context(reader, kwargs, has_dss)
        later_timestamp = any(s.sig_object_type == "/DocTimeStamp" for s in embedded[index + 1 :])
        status = None
        try:
            if sig.sig_object_type == "/DocTimeStamp":
                status = await async_validate_pdf_timestamp(sig, context, diff_policy=policy)
                entry = _timestamp_entry(sig, status)
            else:
                status = await async_validate_pdf_signature(
                    sig, context, diff_policy=policy, key_usage_settings=usage
                )
                entry = _signature_entry(sig, status, has_dss, later_timestamp)
                if later_timestamp and entry.trust_problem in _EXPIRY:
                    await _past_validation(sig, entry, kwargs["trust_roots"], policy)
        except Exception as exc:
            status = None
            entry = SignatureReport(_name(sig), _kind(sig))
            entry.problems.append(f"cannot validate: {_text(exc)}")
        finally:
            await context.aclose()
        _judge_changes(entry, status)
        report.signatures.append(entry)


# Trust problems that archive timestamps can answer: the certificate was
# good when the signature was made, and has expired since.
_EXPIRY = ("EXPIRED", "OUT_OF_BOUNDS_NO_POE", "OUT_OF_BOUNDS_NOT_REVOKED")
# How long after it was issued revocation data vouches for the signer's
# certificate, when a signature is judged by its archive timestamps after the
# certificate expired. Signing fetches it moments before it signs and asks a
# timestamp authority (at most 20 s by default): a minute covers that, and
# claims no more than that the certificate was good a minute after.
PAST_FRESHNESS = dt.timedelta(minutes=1)


async def _past_validation(sig, entry: SignatureReport, trust_roots, policy) -> None:
    """Long-term validation (ETSI EN 319 102-1, pyHanko's AdES LTA), offline:
    the chain of document timestamps proves when the signature existed; if
    the signer's certificate was good then by the revocation data in the
    file, the signature stands although the certificate has expired since."""
    anchors = SimpleTrustManager.build(trust_roots=trust_roots)
    soft = RevocationCheckingRule.CHECK_IF_DECLARED_SOFT
    signer_policy = CertValidationPolicySpec(
        trust_manager=anchors,
        revinfo_policy=CertRevTrustPolicy(
            RevocationCheckingPolicy(
                RevocationCheckingRule.CRL_OR_OCSP_REQUIRED,
                RevocationCheckingRule.CHECK_IF_DECLARED,
            ),
            freshness=PAST_FRESHNESS,
            freshness_req_type=FreshnessReqType.MAX_DIFF_REVOCATION_VALIDATION,
        ),
    )
    spec = PdfSignatureValidationSpec(
        SignatureValidationSpec(
            cert_validation_policy=signer_policy,
            # The timestamps' authority, judged now as `verify` judges it.
            ts_cert_validation_policy=CertValidationPolicySpec(
                trust_manager=anchors,
                revinfo_policy=CertRevTrustPolicy(RevocationCheckingPolicy(soft, soft)),
            ),
            revinfo_gathering_policy=RevocationInfoGatheringSpec(
                online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY
            ),
            key_usage_settings=KeyUsageConstraints(key_usage=set(SIGNER_KEY_USAGE)),
        ),
        diff_policy=policy,
    )
    try:
        result = await ades_lta_validation(sig, spec)
    except Exception:
        return  # no better than the validation at the current time
    if result.ades_subindic != AdESPassed.OK or result.best_signature_time is None:
        return
    expired = f"the signer's certificate {TRUST_PROBLEMS[entry.trust_problem or '']}"
    entry.problems = [p for p in entry.problems if p != expired]
    entry.trusted, entry.trust_problem = True, None
    entry.proven_by_archive_timestamps = _iso(result.best_signature_time)


def _context(reader: PdfFileReader, kwargs: dict[str, Any], has_dss: bool) -> ValidationContext:
    if has_dss:
        try:
            return DocumentSecurityStore.read_dss(reader).as_validation_context(kwargs)
        except Exception:
            pass
    return ValidationContext(**kwargs)


def _name(sig) -> str:
    try:
        return str(sig.field_name)
    except Exception:
        return "?"


def _kind(sig) -> str:
    return "timestamp" if sig.sig_object_type == "/DocTimeStamp" else "signature"


def _iso(moment) -> str | None:
    return moment.isoformat() if moment is not None else None


def _cert_facts(entry: SignatureReport, cert) -> None:
    if cert is not None:
        entry.signer = describe(cert)
        entry.certificate_sha256 = hashlib.sha256(cert.dump()).hexdigest()


def _signature_entry(sig, status, has_dss: bool, later_timestamp: bool) -> SignatureReport:
    entry = SignatureReport(_name(sig), "signature")
    _cert_facts(entry, status.signing_cert)
    entry.signing_time = _iso(status.signer_reported_dt)
    entry.intact, entry.valid, entry.trusted = status.intact, status.valid, status.trusted
    entry.trust_problem = _indication(status)
    ts = status.timestamp_validity
    if ts is not None:
        entry.timestamp = _iso(ts.timestamp)
        entry.timestamped = bool(ts.intact and ts.valid and ts.trusted)
        if not entry.timestamped:
            entry.problems.append("its signature timestamp does not validate")
    entry.level = "B-B"
    if ts is not None:
        entry.level = "B-T"
        if has_dss:
            entry.level = "B-LTA" if later_timestamp else "B-LT"
    _crypto_problems(entry, "signer")
    return entry


def _timestamp_entry(sig, status) -> SignatureReport:
    entry = SignatureReport(_name(sig), "timestamp")
    _cert_facts(entry, status.signing_cert)
    entry.timestamp = _iso(status.timestamp)
    entry.intact, entry.valid, entry.trusted = status.intact, status.valid, status.trusted
    entry.trust_problem = _indication(status)
    entry.timestamped = bool(status.intact and status.valid and status.trusted)
    _crypto_problems(entry, "timestamp authority")
    return entry


def _crypto_problems(entry: SignatureReport, who: str) -> None:
    if not entry.intact:
        entry.problems.append("the signed bytes were changed: the digest does not match")
    elif not entry.valid:
        entry.problems.append("the signature is not valid")
    if entry.intact and entry.valid and not entry.trusted:
        why = TRUST_PROBLEMS.get(entry.trust_problem or "", TRUST_PROBLEMS[""])
        entry.problems.append(f"the {who}'s certificate {why}")


# What pyHanko's AdES sub-indication for a certificate means, in a message.
# `verify` judges at the time it runs: after the signer's certificate expires,
# a signature stands only on what proves it was valid when made.
_EXPIRED = "has expired, and no archive timestamp proves the signature older"
TRUST_PROBLEMS = {
    "NO_CERTIFICATE_CHAIN_FOUND": "does not lead to a trusted root (give it with --trust)",
    "EXPIRED": _EXPIRED,
    "OUT_OF_BOUNDS_NO_POE": _EXPIRED,
    "OUT_OF_BOUNDS_NOT_REVOKED": _EXPIRED,
    "NOT_YET_VALID": "is not valid yet",
    "REVOKED": "has been revoked",
    "REVOKED_NO_POE": "has been revoked",
    "REVOKED_CA_NO_POE": "was issued by a certificate that has been revoked",
    "CHAIN_CONSTRAINTS_FAILURE": "may not sign (its key usage or its chain's constraints)",
    "": "does not lead to a trusted root (give it with --trust), or has expired, been "
    "revoked or may not sign",
}


def _indication(status) -> str | None:
    """pyHanko's AdES sub-indication for the certificate's trust, by name (None: none)."""
    indication = getattr(status, "trust_problem_indic", None)
    return getattr(indication, "name", None) if indication is not None else None


def _judge_changes(entry: SignatureReport, status) -> None:
    if status is None:
        return
    coverage = status.coverage
    entry.coverage = _COVERAGE.get(coverage, str(coverage))
    level = status.modification_level
    entry.modifications = _MODIFICATIONS.get(level, "unknown") if level is not None else "unknown"
    if coverage is None or coverage < SignatureCoverageLevel.ENTIRE_REVISION:
        entry.problems.append("it does not cover its whole revision")
    if level is None or level not in ALLOWED_AFTER:
        detail = status.diff_result if not hasattr(status.diff_result, "modification_level") else ""
        why = f": {' '.join(str(detail).split())[:200]}" if detail else ""
        entry.problems.append(f"the file was modified after signing ({entry.modifications}){why}")
    if status.docmdp_ok is False and level in ALLOWED_AFTER:
        entry.problems.append("the changes after it are not allowed by its certification")


def _preflight(path: Path, report: FileReport, fonts) -> None:
    from briefpers.check.preflight import preflight

    try:
        result = preflight(path, fonts=fonts)
    except Exception as exc:
        report.pdfa_ok = False
        report.pdfa_problems = [_text(exc)]
        return
    report.pdfa_ok = result.ok
    report.pdfa_problems = list(result.problems)
    report.pdfa_facts = dict(result.facts)
