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
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import (
    async_validate_pdf_signature,
    async_validate_pdf_timestamp,
)
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

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
    # Not trusted now (certificate expired, revocation data out of date) but
    # then: when timestamps prove it was made, its certificate good (ISO 8601).
    proven_at: str | None = None
    # A signature's own timestamp: the AdES sub-indication for its authority.
    timestamp_trust_problem: str | None = None
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
        except Exception as exc:
            status = None
            entry = SignatureReport(_name(sig), _kind(sig))
            entry.problems.append(f"cannot validate: {_text(exc)}")
        finally:
            await context.aclose()
        _judge_changes(entry, status)
        report.signatures.append(entry)
    await _at_their_time(reader, embedded, report, kwargs, has_dss, usage)


# Trust problems that a timestamp can answer: the certificate was good when
# it was used and has expired since, or the revocation data in the file has
# gone out of date since it was fetched.
_EXPIRED_SINCE = ("EXPIRED", "OUT_OF_BOUNDS_NO_POE", "OUT_OF_BOUNDS_NOT_REVOKED")
_OUT_OF_DATE = "TRY_LATER"
_TIMESTAMP_FAILS = "its signature timestamp does not validate"


async def _at_their_time(reader, embedded, report: FileReport, kwargs, has_dss, usage) -> None:
    """Judge signatures and timestamps at the time a timestamp proves, where
    now they fail only for time, with the validation data the file holds.

    Revocation data is fetched when a copy is signed (B-LT) or timestamped,
    and it goes out of date within days; certificates expire within years.
    Judged now, offline, every archive copy would fail soon after it was
    made. So each signature is judged at its signature timestamp's time and
    each document timestamp at its own time, with the file's revocation
    data (also if issued moments after that time). What vouches for those
    times is the newest timestamp in the file: its authority's certificate
    must not have expired now (renew before it does, `briefpers renew`).
    A revocation published after the file's last update cannot be known
    offline.
    """
    newest = _newest_timestamp_ok(report)
    for sig, entry in zip(embedded, report.signatures, strict=True):
        if not newest or not _only_time_against(entry) or entry.timestamp is None:
            continue
        moment = dt.datetime.fromisoformat(entry.timestamp)
        context = _context(
            reader, {**kwargs, "moment": moment, "retroactive_revinfo": True}, has_dss
        )
        try:
            if sig.sig_object_type == "/DocTimeStamp":
                status = await async_validate_pdf_timestamp(sig, context, skip_diff=True)
                good = status.intact and status.valid and status.trusted
                who = "timestamp authority"
            else:
                status = await async_validate_pdf_signature(
                    sig,
                    context,
                    ts_validation_context=context,
                    skip_diff=True,
                    key_usage_settings=usage,
                )
                stamp = status.timestamp_validity  # judged at its own time too
                good = bool(
                    status.intact and status.valid and status.trusted and stamp is not None
                ) and bool(stamp.intact and stamp.valid and stamp.trusted)
                who = "signer"
        except Exception:
            continue  # no better than the judgement now
        finally:
            await context.aclose()
        if good:
            _answered(entry, who, entry.timestamp)


def _newest_timestamp_ok(report: FileReport) -> bool:
    """Whether the newest timestamp's authority certificate still holds now
    (intact, valid, not expired; its revocation data may be out of date)."""
    stamps = [s for s in report.signatures if s.kind == "timestamp"]
    if stamps:
        newest = stamps[-1]
        return (
            newest.intact
            and newest.valid
            and (newest.trusted or newest.trust_problem == _OUT_OF_DATE)
        )
    # No document timestamp: the last signature's own timestamp is the newest.
    last = report.signatures[-1] if report.signatures else None
    return (
        last is not None
        and last.timestamp is not None
        and (last.timestamped or last.timestamp_trust_problem == _OUT_OF_DATE)
    )


def _only_time_against(entry: SignatureReport) -> bool:
    """Whether all that stands against `entry` now is time."""
    timely = entry.trust_problem in (*_EXPIRED_SINCE, _OUT_OF_DATE) or (
        entry.trusted and not entry.timestamped
    )
    return entry.intact and entry.valid and timely


def _answered(entry: SignatureReport, who: str, when: str | None) -> None:
    """`entry` proven good when it was made: its trust problems are cleared."""
    if entry.trust_problem:
        why = TRUST_PROBLEMS.get(entry.trust_problem, TRUST_PROBLEMS[""])
        entry.problems = [p for p in entry.problems if p != f"the {who}'s certificate {why}"]
    entry.problems = [p for p in entry.problems if p != _TIMESTAMP_FAILS]
    entry.trusted, entry.trust_problem, entry.proven_at = True, None, when
    entry.timestamped = entry.timestamp is not None


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
        entry.timestamp_trust_problem = None if ts.trusted else _indication(ts)
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
_EXPIRED = "has expired, and no timestamp proves it was used while it was good"
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
    "TRY_LATER": "cannot be shown good: the revocation data in the file is out of date, and "
    "no timestamp proves it was used while that data was current",
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
