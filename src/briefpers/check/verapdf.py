"""Run veraPDF, the PDF Association's reference validator, and parse its verdicts.

veraPDF is a Java program (not on PyPI or in Debian); `briefpers fetch-verapdf`
(`briefpers.check.fetch`, which `make tools` runs) fetches the pinned jar from
Maven Central. The version is written once, in `tools/verapdf.version`, which
the Makefile, the fetcher and this module read.

A JVM start costs seconds, so `validate` checks any number of files in one
invocation, with a JVM tuned for a short run (C1 only, the serial collector)
and, when one lies next to the jar, an application class-data-sharing
archive (`make tools` creates it; `python -m briefpers.check.verapdf
--make-archive` does too): about half the time, the same verdicts.

veraPDF failing to run (no Java, a broken jar, a JVM error, no report) is a
DependencyError (exit 7), never reported as a PDF that failed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from briefpers.errors import ConfigError, DependencyError


def _version_file() -> Path:
    """`verapdf.version`: packaged in a wheel, in `tools/` in a source checkout."""
    packaged = Path(__file__).resolve().parents[1] / "_data" / "verapdf.version"
    if packaged.is_file():
        return packaged
    return Path(__file__).resolve().parents[3] / "tools" / "verapdf.version"


def _read_version() -> str:
    try:
        return _version_file().read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return "unknown"  # find_verapdf says what is missing when validation is asked for


VERAPDF_VERSION = _read_version()
JAR_NAME = f"greenfield-apps-{VERAPDF_VERSION}.jar"
ENV_VAR = "BRIEFPERS_VERAPDF"
MAIN_CLASS = "org.verapdf.apps.GreenfieldCliWrapper"
# A validation run is short: the C1 compiler alone and the serial collector
# start faster than the defaults and give the same verdicts.
JVM_OPTIONS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")
CLASS_ARCHIVE_SUFFIX = ".jsa"

# The flavours veraPDF 1.28 accepts for --flavour (see `--list`).
FLAVOURS = (
    "1a", "1b", "2a", "2b", "2u", "3a", "3b", "3u", "4", "4f", "4e",
    "ua1", "ua2", "wt1r", "wt1a",
)  # fmt: skip

# veraPDF's exit codes: 1 only means "not compliant"; 7 (parse failure) and 8
# (encrypted) still produce a full report, with a taskException on the job.
_REPORT_EXIT_CODES = frozenset({0, 1, 7, 8})

# The JSON names each result by profile only ("PDF/A-3A validation profile"),
# not by the flavour id we pass to --flavour, so derive the id from the name.
_PROFILE_PATTERNS = (
    (re.compile(r"PDF/A-(\d)([ABUEF]?)\b", re.IGNORECASE), "{0}{1}"),
    (re.compile(r"PDF/UA-(\d)\b", re.IGNORECASE), "ua{0}"),
    (re.compile(r"WTPDF 1\.0 Reuse", re.IGNORECASE), "wt1r"),
    (re.compile(r"WTPDF 1\.0 Accessibility", re.IGNORECASE), "wt1a"),
)

_STDERR_TAIL_LINES = 3


@dataclass(frozen=True)
class RuleFailure:
    """One failed rule of a validation profile."""

    specification: str  # e.g. "ISO 14289-1:2014"
    clause: str  # e.g. "7.1"
    test_number: int  # e.g. 3
    description: str
    failed_checks: int  # all failed checks, not just the ones displayed
    message: str | None = None  # error message of the first failed check
    context: str | None = None  # object path of the first failed check

    @property
    def rule_id(self) -> str:
        """The id veraPDF's rule wiki uses, e.g. `ISO 14289-1:2014 7.1-3`."""
        return f"{self.specification} {self.clause}-{self.test_number}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly data."""
        return {
            "rule_id": self.rule_id,
            "specification": self.specification,
            "clause": self.clause,
            "test_number": self.test_number,
            "description": self.description,
            "failed_checks": self.failed_checks,
            "message": self.message,
            "context": self.context,
        }


@dataclass(frozen=True)
class FlavourResult:
    """The outcome of one validation profile (flavour) on one file."""

    flavour: str  # e.g. "3a", "ua1"
    compliant: bool
    failed_rules: list[RuleFailure] = field(default_factory=list)
    profile: str = ""  # veraPDF's profile name, e.g. "PDF/UA-1 validation profile"

    @property
    def failed_rule_count(self) -> int:
        return len(self.failed_rules)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly data."""
        return {
            "flavour": self.flavour,
            "profile": self.profile,
            "compliant": self.compliant,
            "failed_rule_count": self.failed_rule_count,
            "failed_rules": [rule.to_dict() for rule in self.failed_rules],
        }


@dataclass(frozen=True)
class Verdict:
    """veraPDF's verdict on one file: a result per flavour, or an error."""

    path: Path
    flavours: list[FlavourResult] = field(default_factory=list)
    error: str | None = None  # the file could not be validated at all

    @property
    def compliant(self) -> bool:
        """True only if at least one flavour was checked and all passed."""
        return (
            self.error is None
            and bool(self.flavours)
            and all(result.compliant for result in self.flavours)
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly data (for manifests and reports)."""
        return {
            "path": str(self.path),
            "compliant": self.compliant,
            "error": self.error,
            "validator": f"veraPDF {VERAPDF_VERSION}",
            "flavours": [result.to_dict() for result in self.flavours],
        }


def find_verapdf(configured: Path | str | None = None) -> Path:
    """Return the veraPDF jar: `configured` (the operator's BRIEFPERS_VERAPDF, read
    by `briefpers.settings`) or the copy `make tools` fetches; raise
    DependencyError if it or `java` is missing."""
    if VERAPDF_VERSION == "unknown":
        raise DependencyError(f"the veraPDF version file is missing ({_version_file()})")
    if configured:
        jar = Path(configured).expanduser()
        if not jar.is_file():
            raise DependencyError(
                f"{ENV_VAR} points to {jar}, which does not exist: "
                f"unset it to use the copy that `briefpers fetch-verapdf` fetches"
            )
    else:
        jar = checkout_copy()
        if not jar.is_file():
            raise DependencyError(
                f"veraPDF {VERAPDF_VERSION} is not installed: run `briefpers fetch-verapdf` "
                f"to fetch it from Maven Central, or name a greenfield-apps jar in "
                f"{ENV_VAR} or as `verapdf` in briefpers.toml"
            )
    _find_java()
    return jar


def checkout_copy() -> Path:
    """Where `make tools` puts veraPDF in a source checkout."""
    return Path(__file__).resolve().parents[3] / "tools" / "verapdf" / JAR_NAME


def fetched_copy(data_home: Path) -> Path:
    """Where `briefpers fetch-verapdf` puts veraPDF for this user (outside a checkout)."""
    return data_home / "verapdf" / JAR_NAME


def check_flavour(flavour: str | None) -> None:
    """ConfigError (exit 2, one line listing the valid ones) for an unknown flavour."""
    if flavour is not None and flavour not in FLAVOURS:
        raise ConfigError(f"unknown veraPDF flavour {flavour!r}: use one of {', '.join(FLAVOURS)}")


def class_archive(jar: Path) -> Path:
    """Where the class-data-sharing archive of `jar` lies: next to it."""
    return jar.with_suffix(CLASS_ARCHIVE_SUFFIX)


def jvm_options(
    jar: Path, archive: Path | Literal["auto"] | None = "auto", *, require: bool = False
) -> list[str]:
    """The JVM options for a run: tuning, and the class archive if there is one.

    `archive`: "auto" (the one next to the jar, if present), a path, or None.
    `require`: fail instead of running without the archive (for tests: a
    JVM that cannot use an archive otherwise ignores it silently).
    """
    options = list(JVM_OPTIONS)
    if archive == "auto":
        archive = class_archive(jar)
        archive = archive if archive.is_file() else None
    if archive is not None:
        options.append(f"-XX:SharedArchiveFile={archive}")
        if require:
            options.append("-Xshare:on")
    return options


def validate(
    paths: Sequence[Path],
    flavour: str | None = None,
    timeout: float | None = None,
    *,
    archive: Path | Literal["auto"] | None = "auto",
    require_archive: bool = False,
    jar: Path | None = None,
) -> list[Verdict]:
    """Validate PDFs with veraPDF in one JVM; return one Verdict per path, in order.

    Without `flavour`, veraPDF checks every flavour the file's XMP declares
    (PDF/A-1 to 4 with their levels, PDF/UA-1 and 2; a file without a
    declaration is checked as PDF/A-1B). A file that cannot be validated
    (missing, not a PDF, encrypted) gets `Verdict.error`; an unknown flavour
    is a ConfigError; a veraPDF that fails to run, or runs out of time, a
    DependencyError. `archive`/`require_archive`: see `jvm_options`. `jar`:
    the operator's veraPDF (Settings.verapdf_jar), else the fetched copy.
    """
    check_flavour(flavour)
    inputs = [Path(p) for p in paths]
    if not inputs:
        return []
    jar = find_verapdf(jar)
    java = _find_java()

    verdicts: list[Verdict | None] = [None] * len(inputs)
    with tempfile.TemporaryDirectory(prefix="briefpers-verapdf-") as tmp:
        tmp_dir = Path(tmp)
        # Each input is passed as a link with a plain ASCII name: veraPDF skips
        # files without a .pdf suffix, Java garbles non-ASCII file names under
        # a non-UTF-8 locale, and the names let us map the results back even
        # when the same file is given twice.
        files_dir = tmp_dir / "files"
        files_dir.mkdir()
        names: dict[str, int] = {}
        for index, path in enumerate(inputs):
            if not path.is_file():
                reason = "does not exist" if not path.exists() else "is not a file"
                verdicts[index] = Verdict(path, error=f"{path} {reason}")
                continue
            name = f"f{index:05d}.pdf"
            _link(path, files_dir / name)
            names[name] = index

        if names:
            argv = [
                java,
                *jvm_options(jar, archive, require=require_archive),
                # veraPDF writes default config files below app.home (else
                # ~/.verapdf): keep them out of the user's home and keep the
                # user's own config from changing our results.
                f"-Dapp.home={tmp_dir}",
                # The report holds rule texts: make it UTF-8 whatever the locale.
                "-Dfile.encoding=UTF-8",
                "-Dsun.stdout.encoding=UTF-8",
                "-Dstdout.encoding=UTF-8",
                "-cp",
                str(jar),
                MAIN_CLASS,
                "--format",
                "json",
                # Counts stay complete; only the listed check instances shrink.
                "--maxfailuresdisplayed",
                "1",
            ]
            if flavour is not None:
                argv += ["--flavour", flavour]
            argv += [str(files_dir / name) for name in names]
            report = _run(argv, timeout)
            for job in _jobs(report):
                name = _job_name(job)
                index = names.pop(name, None) if name is not None else None
                if index is not None:
                    verdicts[index] = _verdict(inputs[index], job)
            for index in names.values():
                verdicts[index] = Verdict(inputs[index], error="veraPDF reported no result")

    return [
        verdict if verdict is not None else Verdict(path, error="not validated")
        for verdict, path in zip(verdicts, inputs, strict=True)
    ]


def _find_java() -> str:
    java = shutil.which("java")
    if java is None:
        raise DependencyError(
            "java is not installed (veraPDF needs it): install a Java runtime, "
            "e.g. `apt-get install default-jre-headless`"
        )
    return java


def _link(source: Path, link: Path) -> None:
    try:
        link.symlink_to(source.resolve())
    except OSError:
        # Symlinks may be forbidden (some file systems, Windows): copy instead.
        shutil.copyfile(source, link)


def _run(argv: list[str], timeout: float | None) -> dict[str, Any]:
    """Run veraPDF and return its parsed JSON report.

    Every way of not getting a report is a DependencyError naming the
    reason: the validator did not run, so no PDF has failed.
    """
    try:
        proc = subprocess.run(argv, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise DependencyError(
            f"veraPDF did not finish within {exc.timeout:g} s (no verdict)"
        ) from None
    except OSError as exc:
        raise DependencyError(f"cannot run java: {exc.strerror or exc}") from None

    stdout = proc.stdout.decode("utf-8", errors="replace")
    stderr = proc.stderr.decode("utf-8", errors="replace")
    if proc.returncode not in _REPORT_EXIT_CODES:
        raise DependencyError(
            f"veraPDF failed to run (exit code {proc.returncode}){_reason(stderr, stdout)}"
        )
    # Logging goes to stderr, but be lenient about anything before the JSON.
    start = stdout.find("{")
    try:
        data = json.loads(stdout[start:]) if start >= 0 else None
    except json.JSONDecodeError as exc:
        raise DependencyError(
            f"veraPDF wrote an unreadable report ({exc}){_reason(stderr, stdout)}"
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("report"), dict):
        raise DependencyError(f"veraPDF failed to run: no report{_reason(stderr, stdout)}")
    return data["report"]


def _reason(stderr: str, stdout: str) -> str:
    """The last lines the JVM or veraPDF wrote (the JVM writes some to stdout)."""
    lines = [line.strip() for line in stderr.strip().splitlines() if line.strip()]
    if not lines:
        lines = [line.strip() for line in stdout.strip().splitlines()[:5] if line.strip()]
    if not lines:
        return ""
    return ": " + " / ".join(lines[-_STDERR_TAIL_LINES:])


def _jobs(report: dict[str, Any]) -> list[dict[str, Any]]:
    jobs = report.get("jobs")
    if not isinstance(jobs, list):
        raise DependencyError("veraPDF failed: its report has no jobs list")
    return [job for job in jobs if isinstance(job, dict)]


def _job_name(job: dict[str, Any]) -> str | None:
    details = job.get("itemDetails")
    name = details.get("name") if isinstance(details, dict) else None
    # veraPDF reports the absolute path; our link names are unique by themselves.
    return os.path.basename(name) if isinstance(name, str) else None


def _verdict(path: Path, job: dict[str, Any]) -> Verdict:
    exception = job.get("taskException")
    if isinstance(exception, dict):
        message = exception.get("exceptionMessage") or exception.get("exception")
        text = str(message or "unknown error").removeprefix("Exception: ")
        return Verdict(path, error=f"veraPDF could not read the file: {text}")

    results = job.get("validationResult")
    # A single result was an object in older veraPDF versions, a list since.
    if isinstance(results, dict):
        results = [results]
    if not isinstance(results, list) or not results:
        return Verdict(path, error="veraPDF returned no validation result")

    flavours: list[FlavourResult] = []
    for result in results:
        if not isinstance(result, dict):
            continue
        status = result.get("jobEndStatus", "normal")
        if status != "normal":
            # e.g. cancelled after a timeout: the rule list is incomplete.
            return Verdict(path, error=f"veraPDF validation ended with status {status!r}")
        profile = str(result.get("profileName", ""))
        details = result.get("details")
        summaries = details.get("ruleSummaries", []) if isinstance(details, dict) else []
        flavours.append(
            FlavourResult(
                flavour=_flavour_id(profile),
                compliant=result.get("compliant") is True,
                # veraPDF lists rules in no stable order: sort them, so that
                # reports of the same file are identical.
                failed_rules=sorted(
                    (
                        _rule(summary)
                        for summary in summaries
                        if isinstance(summary, dict) and summary.get("status", "failed") == "failed"
                    ),
                    key=_rule_key,
                ),
                profile=profile,
            )
        )
    return Verdict(path, flavours=flavours)


def _rule(summary: dict[str, Any]) -> RuleFailure:
    checks = summary.get("checks")
    first = checks[0] if isinstance(checks, list) and checks and isinstance(checks[0], dict) else {}
    try:
        test_number = int(summary.get("testNumber", 0))
    except (TypeError, ValueError):
        test_number = 0
    try:
        failed_checks = int(summary.get("failedChecks", 0))
    except (TypeError, ValueError):
        failed_checks = 0
    return RuleFailure(
        specification=str(summary.get("specification", "")),
        clause=str(summary.get("clause", "")),
        test_number=test_number,
        description=str(summary.get("description", "")).strip(),
        failed_checks=failed_checks,
        message=first.get("errorMessage"),
        context=first.get("context"),
    )


def _rule_key(rule: RuleFailure) -> tuple[str, list[tuple[int, str]], int]:
    """Sort clauses numerically: 6.10 after 6.9."""
    parts = [(int(p), "") if p.isdigit() else (-1, p) for p in rule.clause.split(".")]
    return (rule.specification, parts, rule.test_number)


def _flavour_id(profile: str) -> str:
    """`PDF/A-3A validation profile` → `3a`; unknown names are kept as they are."""
    for pattern, template in _PROFILE_PATTERNS:
        match = pattern.search(profile)
        if match:
            return template.format(*match.groups()).lower()
    return profile


def make_class_archive(
    jar: Path | None = None, dest: Path | None = None, timeout: float | None = 600
) -> Path:
    """Create the class-data-sharing archive for `jar` (default: next to it).

    veraPDF validates a small sample once with the classes it loads
    recorded (`-XX:ArchiveClassesAtExit`, Java 13 and later); later runs map
    them instead of loading and verifying them again. The archive belongs to
    this jar and this Java: a JVM that cannot use it ignores it.
    """
    jar = jar if jar is not None else find_verapdf()
    dest = dest if dest is not None else class_archive(jar)
    java = _find_java()
    with tempfile.TemporaryDirectory(prefix="briefpers-verapdf-") as tmp:
        tmp_dir = Path(tmp)
        sample = _sample_pdf(tmp_dir / "sample.pdf")
        dest.parent.mkdir(parents=True, exist_ok=True)
        part = dest.with_name(f".{dest.stem}.{os.getpid()}.part{CLASS_ARCHIVE_SUFFIX}")
        argv = [
            java,
            *JVM_OPTIONS,
            f"-XX:ArchiveClassesAtExit={part}",
            f"-Dapp.home={tmp_dir}",
            "-cp",
            str(jar),
            MAIN_CLASS,
            "--format",
            "json",
            str(sample),
        ]
        try:
            _run(argv, timeout)
            if not part.is_file():
                raise DependencyError(f"java wrote no class archive ({part})")
            os.replace(part, dest)
        finally:
            part.unlink(missing_ok=True)
    return dest


def _sample_pdf(path: Path) -> Path:
    """A one-page PDF that declares PDF/A-3A and PDF/UA-1: both profiles run."""
    import pikepdf

    with pikepdf.new() as pdf:
        pdf.add_blank_page()
        with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta.register_xml_namespace("http://www.aiim.org/pdfua/ns/id/", "pdfuaid")
            meta["pdfaid:part"] = "3"
            meta["pdfaid:conformance"] = "A"
            meta["pdfuaid:part"] = "1"
        pdf.save(path)
    return path


if __name__ == "__main__":
    import argparse
    import sys

    parser = argparse.ArgumentParser(description="veraPDF helpers for briefpers")
    parser.add_argument(
        "--make-archive",
        action="store_true",
        help="create the class-data-sharing archive next to the veraPDF jar",
    )
    args = parser.parse_args()
    if not args.make_archive:
        parser.print_help()
        sys.exit(2)
    try:
        print(f"class archive: {make_class_archive()}")
    except DependencyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(int(exc.exit_code))
