"""Build many letters: plan (what is stale), run (an executor), record (manifest).

`Batch` decides from content hashes which letters are up to date, checks that
the output folder can be written before anything is rendered, hands the rest
to an executor, merges each finished letter into `output/manifest.json` as it
goes (at most a second behind, so a killed run keeps what it finished),
optionally validates the new PDFs with veraPDF in one call, then optionally
signs them (`sign`: after validation, an incremental update on the validated
bytes), and writes the run's JSON report. It yields results; the CLI prints
them (and `warnings`).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from briefpers import __version__, outputs
from briefpers.batch import manifest
from briefpers.batch.executors import Executor
from briefpers.batch.files import (
    clean_stale_parts,
    probe_writable,
    sha256_bytes,
    sha256_file,
    write_atomic,
    write_together,
)
from briefpers.batch.fingerprint import MAX_PDF_BYTES, Fingerprints
from briefpers.batch.sources import (
    check_outputs_unique,
    decodable,
    display,
    folder_resolver,
    output_for,
    printable,
    relative_to_output,
)
from briefpers.batch.worker import Outcome, Task
from briefpers.errors import (
    BriefpersError,
    DependencyError,
    ExitCode,
    OutputError,
    UsageError,
    diagnostic,
)
from briefpers.profiles import DEFAULT_PROFILE
from briefpers.regular_files import read_regular
from briefpers.settings import Settings

if TYPE_CHECKING:  # only for annotations: planning loads no stage
    from briefpers.mdto.settings import MdtoSettings
from briefpers.themes import is_path, operator_themes

FLUSH_EVERY = 1.0  # seconds between manifest merges while letters finish
MAX_SIGN_BYTES = MAX_PDF_BYTES  # a PDF to sign is read whole; a letter is far smaller
# The JSON report (`build --report`): its kind, and the version of its shape,
# which docs/schema/report.schema.json describes. The version goes up when a
# field is removed or changes its meaning; new fields keep it (readers ignore
# fields they do not know) and are added to the schema with the change.
REPORT_FORMAT = "briefpers-report"
REPORT_VERSION = 1
REPORT_SCHEMA = "report.schema.json"


@dataclass
class Options:
    """How to build; the CLI fills it from its options."""

    out_dir: Path
    theme: str | None = None
    profile: str = DEFAULT_PROFILE
    force: bool = False
    # Limits (the time limit per letter too), SOURCE_DATE_EPOCH, user configuration.
    settings: Settings = field(default_factory=Settings)
    html: bool = False  # the web edition beside each PDF
    mdto: MdtoSettings | None = None  # MDTO records beside each PDF, with these values

    @property
    def files_options(self) -> str | None:
        """What decides the files beside each PDF (None: none are asked for)."""
        if not self.html and self.mdto is None:
            return None
        return f"html={int(self.html)};mdto={self.mdto.fingerprint() if self.mdto else '-'}"


@dataclass
class Result:
    """One letter of the run, for the progress display and the report."""

    source: str
    output: str
    status: str  # "built", "skipped" (up to date) or "failed"
    reason: str | None = None  # why it was (re)built
    error: str | None = None  # one line: `file:line:col: error: message`
    exit_code: int = 0
    seconds: float = 0.0
    pages: int | None = None
    worker: str | None = None
    peak_rss_kb: int | None = None  # the worker's peak RSS after this letter
    rss_kb: int | None = None
    finished: float | None = None  # seconds from the start of the build to its result
    verapdf: dict[str, Any] | None = None
    # Level, signer, certificate hash, and whether this run signed it ("signed": True)
    # or found it signed already (False).
    signature: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.status != "failed"

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class Batch:
    """One run of `briefpers build` over a list of sources."""

    sources: Sequence[Path]
    options: Options
    results: list[Result] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    check_seconds: float = 0.0
    run_seconds: float = 0.0
    validate_seconds: float = 0.0
    sign_seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)  # lines for the user, e.g. a bad manifest
    # What workers said about themselves (a slow font subsetter), each once.
    notices: list[str] = field(default_factory=list)
    _fingerprints: Fingerprints = field(init=False)
    _resolve: Callable[[str], str] = field(init=False)  # realpath, each folder once a run
    _entries: dict[str, manifest.Entry] = field(default_factory=dict)
    _reasons: dict[str, str] = field(default_factory=dict)
    # Up-to-date letters whose recorded source path is out of date (moved, or an
    # old manifest's path relative to another working folder): name → (output
    # sha256, source as seen from the output folder).
    _refresh: dict[str, tuple[str, str]] = field(default_factory=dict)
    _refused: list[Result] = field(default_factory=list)  # failed before any build

    def __post_init__(self) -> None:
        self._fingerprints = Fingerprints(self.options.settings)
        self._resolve = folder_resolver()

    def plan(self) -> None:
        """Sort sources into up to date (results) and stale (tasks).

        Then, if anything is to be built, check the output folder (OutputError
        at once, before any rendering) and move an unreadable manifest aside.
        """
        start = time.perf_counter()
        out_dir = self.options.out_dir
        settings = self.options.settings
        check_outputs_unique(list(self.sources), out_dir)
        if self.options.files_options is not None:
            _check_files_unique(list(self.sources), out_dir)
        theme = _normalise_theme(self.options.theme)
        # A wrong --theme or theme setting stops here, not once per letter.
        operator_themes(settings, theme)
        # Hash the usual theme before any letter is built: the hash recorded
        # for a PDF must describe the theme as it was when the build began.
        self._fingerprints.theme_hash_for(theme)
        loaded = manifest.load(out_dir)
        self._entries = loaded.entries
        for source in self.sources:
            output = output_for(source, out_dir)
            if not decodable(source.name):
                self._refused.append(_undecodable(source, output))
                continue
            reason = "forced" if self.options.force else None
            if reason is None:
                reason = self._fingerprints.stale_reason(
                    self._entries.get(output.name),
                    source,
                    output,
                    theme_option=theme,
                    profile=self.options.profile,
                    files_options=self.options.files_options,
                )
            if reason is None:
                entry = self._entries[output.name]
                self.results.append(
                    Result(
                        display(source),
                        display(output),
                        "skipped",
                        pages=entry.get("pages"),
                        verapdf=entry.get("verapdf"),
                    )
                )
                where = relative_to_output(source, out_dir, self._resolve)
                if entry.get("source") != where:
                    self._refresh[output.name] = (entry["output_sha256"], where)
                continue
            self.tasks.append(
                Task(
                    source=os.path.abspath(source),
                    output=os.path.abspath(output),
                    theme=theme,
                    profile=self.options.profile,
                    name=display(source),
                    settings=settings,
                    html=self.options.html,
                    mdto=self.options.mdto,
                    earlier_files=tuple((self._entries.get(output.name) or {}).get("files") or {}),
                )
            )
            self._reasons[self.tasks[-1].source] = reason
        if self.tasks:
            check_output_folder(out_dir)
            if loaded.unreadable is not None:
                warning = manifest.set_aside(out_dir)
                if warning:
                    self.warnings.append(warning)
        self.check_seconds = time.perf_counter() - start

    @property
    def to_run(self) -> int:
        """How many results `run` yields: letters to build and letters refused by the plan."""
        return len(self.tasks) + len(self._refused)

    def run(self, executor: Executor) -> Iterator[Result]:
        """Yield the letters the plan refused, then build the stale ones as they finish."""
        start = time.perf_counter()
        out_dir = self.options.out_dir
        for result in self._refused:
            self.results.append(result)
            yield result
        if self.tasks:
            clean_stale_parts(out_dir)
        pending: dict[str, manifest.Entry | None] = {}
        flushed = time.monotonic()
        outcomes = executor.run(self.tasks)
        in_hand: Outcome | None = None  # received, not yet recorded
        taken: set[str] = set()  # the outputs of the outcomes recorded
        try:
            for outcome in outcomes:
                in_hand = outcome
                result = self._take(outcome, pending, start)
                taken.add(outcome.output)
                in_hand = None
                self._notice(outcome)
                if pending and time.monotonic() - flushed >= FLUSH_EVERY:
                    manifest.update(out_dir, pending)
                    pending, flushed = {}, time.monotonic()
                yield result
        finally:
            # Also on Ctrl-C: what finished is recorded, so a rerun skips it;
            # that includes a letter whose outcome the Ctrl-C caught in hand.
            if in_hand is not None and in_hand.output not in taken:
                self._take(in_hand, pending, start, again=True)
                taken.add(in_hand.output)
            outcomes.close()  # stops the executor, which collects what was running
            for outcome in getattr(executor, "unreported", ()):
                if outcome.output not in taken:  # the executor may not know it was taken
                    self._take(outcome, pending, start)
            self.run_seconds = time.perf_counter() - start
            if pending:
                manifest.update(out_dir, pending)
            # Only what is recorded: not worth failing a build over (a
            # read-only archive, say); the next build records it.
            with contextlib.suppress(OutputError):
                if self._refresh:
                    manifest.refresh_sources(out_dir, self._refresh)
                if self._fingerprints.signed_since:
                    self._record_signed_since(out_dir)

    def _record_signed_since(self, out_dir: Path) -> None:
        """PDFs signed or timestamped since they were built (by `sign`, `renew`
        or another tool): the manifest, and the PDF's MDTO record if this
        build wrote one, now describe the signed bytes."""
        updates: dict[str, tuple[str, manifest.Entry]] = {}
        for name, (recorded, now) in self._fingerprints.signed_since.items():
            path, entry = out_dir / name, self._entries[name]
            fields: manifest.Entry = {"output_sha256": now, "signed_sha256": now}
            try:
                data = read_regular(path, MAX_SIGN_BYTES)
                if sha256_bytes(data) != now:
                    continue  # changed again meanwhile: the next build sees to it
                records = _signed_records(path, entry, data)
                if records:
                    write_together(records)
                    fields["files"] = {**entry["files"], **_hashes(records)}
            except OSError:
                continue
            updates[name] = (recorded, fields)
        if updates:
            manifest.record_signatures(out_dir, updates)

    def _notice(self, outcome: Outcome) -> None:
        for line in outcome.warnings:
            if line not in self.notices:
                self.notices.append(line)

    @property
    def seconds(self) -> float:
        """The run's time: up-to-date checks, building, validating and signing."""
        return self.check_seconds + self.run_seconds + self.validate_seconds + self.sign_seconds

    def _take(
        self,
        outcome: Outcome,
        pending: dict[str, manifest.Entry | None],
        start: float,
        *,
        again: bool = False,
    ) -> Result:
        """Record a finished letter: its result, and its manifest entry if built.

        `again`: it may be recorded in part already (an interrupted `_take`).
        """
        entry = self._entry(outcome) if outcome.ok else None
        result = self._result(outcome, self._reasons.get(outcome.source))
        result.finished = round(time.perf_counter() - start, 3)
        if not (again and self.results and self.results[-1].source == result.source):
            self.results.append(result)
        if entry is not None:
            pending[Path(outcome.output).name] = entry
        return result

    def _result(self, outcome: Outcome, reason: str | None) -> Result:
        return Result(
            display(Path(outcome.source)),
            display(Path(outcome.output)),
            "built" if outcome.ok else "failed",
            reason=reason,
            error=printable(outcome.error) if outcome.error is not None else None,
            exit_code=outcome.exit_code,
            seconds=round(outcome.seconds, 4),
            pages=outcome.pages,
            worker=outcome.worker or None,
            peak_rss_kb=outcome.peak_rss_kb,
            rss_kb=outcome.rss_kb,
        )

    def _entry(self, outcome: Outcome) -> manifest.Entry:
        return {
            "source": relative_to_output(outcome.source, self.options.out_dir, self._resolve),
            "source_sha256": outcome.source_sha256,
            "output_sha256": outcome.output_sha256,
            "unsigned_sha256": outcome.output_sha256,
            "unsigned_size": outcome.output_size,
            "pages": outcome.pages,
            "profile": self.options.profile,
            "theme": outcome.theme,
            "theme_request": outcome.theme_request,
            "theme_option": _normalise_theme(self.options.theme),
            "theme_sha256": self._fingerprints.theme_hash(outcome.theme_dirs),
            "assets": outcome.assets,
            "files": outcome.files,
            "files_options": self.options.files_options,
            "briefpers_version": outcome.version,
            "source_date_epoch": self.options.settings.epoch_text,
        }

    def to_validate(self) -> list[Result]:
        """Built letters, and up-to-date ones that have no verdict yet."""
        return [r for r in self.results if r.ok and (r.status == "built" or r.verapdf is None)]

    def validate(self) -> list[Result]:
        """Run veraPDF once over the letters to validate; record the verdicts."""
        from briefpers.check.verapdf import VERAPDF_VERSION, validate

        todo = self.to_validate()
        if not todo:
            return []
        start = time.perf_counter()
        paths = [Path(r.output) for r in todo]
        digests = [sha256_file(p) for p in paths]  # what veraPDF is about to see
        verdicts = validate(paths, jar=self.options.settings.verapdf_jar)
        recorded = {}
        for result, path, digest, verdict in zip(todo, paths, digests, verdicts, strict=True):
            failed = sorted({rule.rule_id for f in verdict.flavours for rule in f.failed_rules})
            result.verapdf = {
                "compliant": verdict.compliant,
                "failed_rules": sum(f.failed_rule_count for f in verdict.flavours),
                "failed_rule_ids": failed,
                "flavours": sorted(f.flavour for f in verdict.flavours),
                "error": verdict.error,
                "validator": f"veraPDF {VERAPDF_VERSION}",
            }
            if digest is not None:
                recorded[path.name] = (digest, result.verapdf)
        manifest.record_verdicts(self.options.out_dir, recorded)
        self.validate_seconds = time.perf_counter() - start
        return todo

    def sign(self, credentials: Any, options: Any, *, resign: bool = False) -> Iterator[Result]:
        """Sign the letters of this run that are not signed yet (all of them with `resign`).

        After `run` (and `validate`): each PDF is signed as an incremental
        update in memory and replaced atomically, so a failure leaves the
        unsigned PDF as it was (never half-signed); the letter is then
        reported failed, and a rerun signs it without rebuilding. A letter
        signed before and unchanged is not signed again. `resign` signs its
        unsigned revision (the first `unsigned_size` bytes, checked against
        `unsigned_sha256`) anew. A timestamp or revocation service that does
        not answer stops the signing: the letters after it fail unsigned.
        """
        from briefpers.sign.signing import sign_pdf

        out_dir = self.options.out_dir
        entries = manifest.read(out_dir)
        pending: dict[str, tuple[str, manifest.Entry]] = {}
        flushed = time.monotonic()
        stopped: str | None = None
        start = time.perf_counter()
        try:
            for result in self.results:
                if not result.ok:
                    continue
                path = Path(result.output)
                entry = entries.get(path.name)
                if entry is None:
                    continue
                try:
                    data = read_regular(path, MAX_SIGN_BYTES)
                except OSError as exc:
                    _unsigned(result, f"cannot read: {exc.strerror or exc}", ExitCode.ASSET)
                    yield result
                    continue
                digest = sha256_bytes(data)
                if digest != entry.get("output_sha256"):
                    continue  # replaced meanwhile: the next build sees to it
                already = entry.get("signed_sha256") == digest
                if already and not resign:
                    result.signature = {**(entry.get("signature") or {}), "signed": False}
                    continue
                if already:
                    data = data[: entry.get("unsigned_size") or 0]
                    if sha256_bytes(data) != entry.get("unsigned_sha256"):
                        _unsigned(
                            result,
                            "the unsigned revision cannot be recovered: rebuild with --force",
                            ExitCode.SIGN,
                        )
                        yield result
                        continue
                if stopped is not None:
                    _unsigned(result, stopped, ExitCode.DEPENDENCY)
                    yield result
                    continue
                try:
                    signed = sign_pdf(data, credentials, options, path=display(path))
                    # The PDF's MDTO record describes the signed bytes: written with them.
                    records = _signed_records(path, entry, signed.data)
                    write_together([*records, (path, signed.data)])
                except OSError as exc:
                    _unsigned(result, f"cannot write: {exc.strerror or exc}", ExitCode.ASSET)
                    yield result
                    continue
                except BriefpersError as exc:
                    _unsigned(result, str(exc), exc.exit_code)
                    if isinstance(exc, DependencyError):
                        stopped = f"not signed: stopped after: {exc.message}"
                    yield result
                    continue
                signature = {
                    "level": signed.level,
                    "field": signed.field,
                    "signer": signed.signer,
                    "certificate_sha256": signed.fingerprint,
                }
                signed_sha = sha256_bytes(signed.data)
                pending[path.name] = (
                    digest,
                    {
                        "output_sha256": signed_sha,
                        "signed_sha256": signed_sha,
                        "unsigned_sha256": sha256_bytes(data),
                        "unsigned_size": len(data),
                        "signature": signature,
                        **({"files": {**entry["files"], **_hashes(records)}} if records else {}),
                    },
                )
                result.signature = {**signature, "signed": True}
                if time.monotonic() - flushed >= FLUSH_EVERY:
                    manifest.record_signatures(out_dir, pending)
                    pending, flushed = {}, time.monotonic()
                yield result
        finally:
            if pending:
                manifest.record_signatures(out_dir, pending)
            self.sign_seconds = time.perf_counter() - start

    def counts(self) -> dict[str, int]:
        counts = {"letters": len(self.sources), "built": 0, "skipped": 0, "failed": 0}
        for result in self.results:
            counts[result.status] += 1
        verdicts = [r.verapdf for r in self.results if r.verapdf is not None]
        counts["validated"] = len(verdicts)
        counts["noncompliant"] = sum(not v["compliant"] for v in verdicts)
        return counts

    def report(self, *, executor: str, workers: int, exit_code: int) -> dict[str, Any]:
        """The run as JSON-friendly data (for `--report`), as REPORT_SCHEMA describes it."""
        return {
            "format": REPORT_FORMAT,
            "version": REPORT_VERSION,
            "briefpers_version": __version__,
            "output": display(self.options.out_dir),
            "profile": self.options.profile,
            "theme": printable(self.options.theme) if self.options.theme else None,
            "force": self.options.force,
            "executor": executor,
            "workers": workers,
            "letters": [r.to_dict() for r in sorted(self.results, key=lambda r: r.source)],
            "totals": {
                **self.counts(),
                "check_seconds": round(self.check_seconds, 4),
                "build_seconds": round(self.run_seconds, 4),
                "validate_seconds": round(self.validate_seconds, 4),
                "sign_seconds": round(self.sign_seconds, 4),
                "seconds": round(self.seconds, 4),
            },
            "exit_code": exit_code,
        }


@contextlib.contextmanager
def interrupt_on_sigterm() -> Iterator[None]:
    """Stop on SIGTERM (a cancelled CI job) as on Ctrl-C: record what finished."""

    def stop(signum, frame):
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def check_output_folder(out_dir: Path) -> None:
    """OutputError (exit 4) now, before any letter is rendered, if `out_dir` cannot be written.

    Read-only, full, not a folder, or a lock file that is a symbolic link:
    better one line at once than the same failure after rendering every letter.
    """
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError("the output folder is not a folder", path=display(out_dir))
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"cannot create the output folder: {exc.strerror}", path=display(out_dir)
        ) from None
    try:
        probe_writable(out_dir)
    except OSError as exc:
        raise OutputError(
            f"cannot write to the output folder: {exc.strerror}", path=display(out_dir)
        ) from None
    manifest.check_lock(out_dir)  # a symbolic link there: refused now, not after rendering


def check_report_path(path: Path) -> None:
    """OutputError at once if the report could not be written at the end."""
    folder = path.parent
    if not folder.is_dir():
        raise OutputError("cannot write the report: no such folder", path=display(path))
    try:
        probe_writable(folder)
    except OSError as exc:
        raise OutputError(f"cannot write the report: {exc.strerror}", path=display(path)) from None


def report_json(report: dict[str, Any]) -> str:
    """The report as stable JSON text (sorted keys, a final newline)."""
    return json.dumps(report, indent=2, sort_keys=True) + "\n"


def report_schema_path() -> Path:
    """The report's JSON Schema: packaged in a wheel, in docs/schema/ in a checkout."""
    here = Path(__file__).resolve().parents[1]
    packaged = here / "_data" / REPORT_SCHEMA
    return packaged if packaged.is_file() else here.parents[1] / "docs" / "schema" / REPORT_SCHEMA


def write_report(path: Path, report: dict[str, Any]) -> None:
    try:
        write_atomic(path, report_json(report).encode())
    except OSError as exc:
        raise OutputError(f"cannot write the report: {exc.strerror}", path=display(path)) from None


def _unsigned(result: Result, error: str, code: int) -> None:
    """The letter was built but not signed as asked: it fails (its PDF stays unsigned)."""
    result.status = "failed"
    result.error = printable(error)
    result.exit_code = int(code)


def _undecodable(source: Path, output: Path) -> Result:
    """A source whose file name is not UTF-8 fails alone (its PDF would carry the name)."""
    name = display(source)
    return Result(
        name,
        display(output),
        "failed",
        error=diagnostic(
            name, "error", "the file name is not valid UTF-8 (shown with escapes): rename it"
        ),
        exit_code=int(ExitCode.INVALID_SOURCE),
    )


def _check_files_unique(sources: list[Path], out_dir: Path) -> None:
    """No file written beside one PDF may be another letter's (a/x.xml and x.pdf.xml)."""
    owners: dict[str, Path] = {}
    for source in sources:
        pdf = output_for(source, out_dir)
        for name in [pdf.name, *outputs.beside(pdf)]:
            if name in owners and owners[name] != source:
                raise UsageError(
                    f"{display(owners[name])} and {display(source)} would both write "
                    f"{display(out_dir / name)}: rename one of them"
                )
            owners[name] = source


def _signed_records(pdf: Path, entry: manifest.Entry, signed: bytes) -> list[tuple[Path, bytes]]:
    """The PDF's MDTO bestand record, if this build wrote one, for the signed bytes."""
    name = outputs.file_record_name(pdf.name)
    if name not in (entry.get("files") or {}):
        return []
    from briefpers.mdto import signed_record

    path = pdf.parent / name
    return [(path, signed_record(read_regular(path, MAX_SIGN_BYTES), pdf.name, signed))]


def _hashes(files: list[tuple[Path, bytes]]) -> dict[str, str]:
    return {path.name: sha256_bytes(data) for path, data in files}


def _normalise_theme(theme: str | None) -> str | None:
    """A theme folder becomes absolute (workers may run elsewhere); a name stays."""
    if theme and is_path(theme):
        return os.path.abspath(theme)
    return theme
