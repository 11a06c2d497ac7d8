"""What runs in a worker process (local pool or Dask): build one letter, write it.

Workers write their PDF themselves (atomically) and return only facts
(hashes, pages, timings): a PDF never travels between processes, and on a
cluster the output folder is a path every worker shares.

Errors never escape as exceptions: a BriefpersError does not survive pickling
with its location, and one bad letter must not break the pool. Each becomes
the one-line message and exit code the CLI reports.

A process that builds letters for a batch runs under a memory ceiling
(`Limits.max_memory`, RLIMIT_DATA: heap and private mappings, not shared
libraries or mapped font files): a letter that would take the machine's memory
fails with MemoryError instead, reported as a memory-limit error (exit 5).
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from briefpers import __version__, outputs
from briefpers.batch.files import sha256_bytes, sha256_file, write_together
from briefpers.errors import (
    BriefpersError,
    DependencyError,
    ExitCode,
    MemoryLimitError,
    OutputError,
    TimeLimitError,
    diagnostic,
)
from briefpers.limits import deadline, env_name
from briefpers.settings import Settings
from briefpers.themes import Theme

if TYPE_CHECKING:  # only for annotations: planning loads no stage
    from briefpers.mdto.settings import MdtoSettings

try:
    import resource
except ImportError:  # not on Unix: no memory ceiling
    resource = None  # type: ignore[assignment]

MIB = 1024 * 1024


@dataclass(frozen=True)
class Task:
    """One letter to build; paths absolute, so that any worker can follow them."""

    source: str
    output: str
    theme: str | None
    profile: str
    name: str = ""  # the source as the user named it, for messages
    # The client's settings (SOURCE_DATE_EPOCH, limits, user configuration),
    # not the worker's environment: a cluster's workers must build the bytes
    # the client would.
    settings: Settings = field(default_factory=Settings)
    # Beside the PDF: the web edition, and MDTO records made with these settings.
    html: bool = False
    mdto: MdtoSettings | None = None
    # Files an earlier build of this letter wrote beside its PDF: those not
    # written again are removed (they would describe another PDF).
    earlier_files: tuple[str, ...] = ()


@dataclass
class Outcome:
    """What a worker reports back about one Task."""

    source: str
    output: str
    ok: bool = False
    error: str | None = None
    exit_code: int = 0
    pages: int | None = None
    source_sha256: str | None = None
    output_sha256: str | None = None
    output_size: int | None = None  # bytes: where a later signature's revision starts
    theme: str | None = None
    theme_request: str | None = None
    theme_dirs: list[str] = field(default_factory=list)
    assets: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # written beside the PDF → sha256
    seconds: float = 0.0
    version: str = __version__
    worker: str = ""  # host:pid
    peak_rss_kb: int | None = None  # the worker's VmHWM after this letter
    rss_kb: int | None = None  # the worker's VmRSS after this letter
    # Lines for the operator about the worker, not the letter (a slow font
    # subsetter), each once per worker process.
    warnings: list[str] = field(default_factory=list)


_state: dict[str, object] = {}


def init_worker(ignore_sigint: bool = True, parent: int | None = None) -> None:
    """Import WeasyPrint and the pipeline once per process (the pool initializer).

    With `parent`, the worker exits when that process is gone: a build killed
    with `kill -9` must not leave its workers waiting for work forever.
    """
    if ignore_sigint:
        # Ctrl-C goes to the whole process group: let the parent decide.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    if parent is not None:
        threading.Thread(target=_watch, args=(parent,), daemon=True).start()
    _state.pop("import_error", None)
    try:
        from briefpers.quick_import import import_weasyprint

        import_weasyprint()  # a third of a second, paid once here
        import briefpers.pipeline  # noqa: F401
    except (ImportError, OSError) as exc:
        # e.g. Pango missing: every letter reports it, with code 7.
        _state["import_error"] = f"WeasyPrint cannot be loaded: {exc}"


def tune_gc() -> None:
    """For a process that builds letters: what start-up loaded is never
    collected (frozen), so a collection walks only what letters made, and in
    a forked worker never writes to (and so copies) the pages it shares.

    The collector's thresholds stay CPython's: since a render's garbage is
    collected young (`typeset`), higher ones (10,000/5/2) no longer paid
    (1.02-1.03x the CPU, bench section 2); freezing alone does (0.96x).
    """
    gc.freeze()


def _watch(parent: int) -> None:
    while True:
        time.sleep(1.0)
        try:
            os.kill(parent, 0)
        except ProcessLookupError:
            # An unfinished PDF stays a .part file, which the next run removes.
            os._exit(1)
        except PermissionError:
            pass


def reset_caches() -> None:
    """Forget parsed themes, CSS and fonts: a long-lived (Dask) worker must see edits."""
    from briefpers import themes, typeset

    themes.forget()
    typeset.forget()


def set_memory_ceiling(mib: int) -> None:
    """Lower this process's memory ceiling to `mib` MiB for good (0: leave it).

    For processes that only build letters (pool workers). The hard limit is
    left alone, and a tighter limit already in force is kept.
    """
    if mib and resource is not None:
        soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        wanted = _ceiling(mib, soft, hard)
        if wanted is not None:
            resource.setrlimit(resource.RLIMIT_DATA, (wanted, hard))
        _state["ceiling"] = mib


@contextlib.contextmanager
def memory_ceiling(mib: int) -> Iterator[None]:
    """The memory ceiling for a build in this process (the CLI's), lifted afterwards.

    Only the soft limit changes, so it can be restored: veraPDF's JVM and the
    rest of the command run without it.
    """
    if not mib or resource is None:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    wanted = _ceiling(mib, soft, hard)
    if wanted is not None:
        resource.setrlimit(resource.RLIMIT_DATA, (wanted, hard))
    _state["ceiling"] = mib
    try:
        yield
    finally:
        _state.pop("ceiling", None)
        if wanted is not None:
            resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))


def _ceiling(mib: int, soft: int, hard: int) -> int | None:
    """The soft limit to set, or None if the one in force is already as tight."""
    wanted = mib * MIB
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft <= wanted:
        return None
    return wanted


def build_one(task: Task) -> Outcome:
    """Build one letter into its output file; never raises."""
    return _guarded(task, lambda outcome: _build(task, outcome))


def build_one_from(
    task: Task,
    source: Path,
    data: bytes,
    *,
    theme: Theme | None,
    theme_error: BriefpersError | None = None,
    theme_request: str = "",
) -> tuple[Outcome, dict[str, bytes]]:
    """Build a letter sent to this worker (`batch.remote`): the source's bytes
    stand at `source` (its files beside it), the theme is the one the client
    sent, or `theme_error` why the client could not load it. Returns the
    outcome and the files to write (the PDF's name last) for the client to
    write; never raises."""
    files: dict[str, bytes] = {}

    def body(outcome: Outcome) -> None:
        from briefpers.pipeline import build_letter
        from briefpers.source.load import load

        if "import_error" in _state:
            raise DependencyError(str(_state["import_error"]))
        with deadline(task.settings.limits.timeout, path=source):
            if theme is None or theme_error is not None:
                load(source, data, task.settings.limits)  # the source's own errors first
                raise theme_error or DependencyError("no theme was sent with the letter")
            built = build_letter(
                source,
                settings=task.settings,
                theme=theme,
                profile=task.profile,
                data=data,
                timeout=0,  # the deadline above is the letter's
            )
            pdf_name = Path(task.output).name
            files.update(_editions(task, built, pdf_name))
            files[pdf_name] = built.pdf  # last: the file that decides "built"
        outcome.pages = built.pages
        outcome.source_sha256 = sha256_bytes(data)
        outcome.output_sha256 = sha256_bytes(built.pdf)
        outcome.output_size = len(built.pdf)
        outcome.files = {n: sha256_bytes(d) for n, d in files.items() if n != pdf_name}
        outcome.theme = built.theme.name
        outcome.theme_request = theme_request
        outcome.assets = _assets(built.letter)  # the copies beside `source`: the same bytes

    outcome = _guarded(task, body, aliases=(str(source),))
    return outcome, (files if outcome.ok else {})


def failed(task: Task, exc: BaseException, aliases: tuple[str, ...] = ()) -> Outcome:
    """The Outcome of a letter that failed with `exc`: one line, an exit code."""
    outcome = Outcome(task.source, task.output, worker=_worker_id())
    if isinstance(exc, BriefpersError):
        if exc.path is None or exc.path in (task.source, *aliases):
            # Name the letter as the user wrote it: in a batch, an error that
            # names no file (or an absolute path nobody typed) is no help.
            exc.path = task.name or task.source
        outcome.error, outcome.exit_code = exc.diagnostic(), int(exc.exit_code)
    else:  # a bug: report it for this letter, build the rest
        outcome.error = diagnostic(
            task.name or task.source, "error", f"internal error: {type(exc).__name__}: {exc}"
        )
        outcome.exit_code = int(ExitCode.INTERNAL)
    return outcome


def _guarded(task: Task, body: Callable[[Outcome], None], aliases: tuple[str, ...] = ()) -> Outcome:
    start = time.perf_counter()
    outcome = Outcome(task.source, task.output, worker=_worker_id())
    try:
        try:
            body(outcome)
        except MemoryError:
            reset_caches()  # the shared font and CSS caches may be half-built
            raise _memory_error(task) from None
        except TimeLimitError:
            reset_caches()  # the shared font and CSS caches may be half-built
            raise
        outcome.ok = True
    except Exception as exc:
        outcome = failed(task, exc, aliases)
    outcome.seconds = time.perf_counter() - start
    outcome.peak_rss_kb, outcome.rss_kb = _memory()
    outcome.warnings = _notices()
    return outcome


def _notices() -> list[str]:
    if "import_error" in _state:
        return []
    from briefpers.typeset import take_notices

    return take_notices()


def _memory_error(task: Task) -> MemoryLimitError:
    mib = _state.get("ceiling")
    if mib:
        why = (
            f"building the letter needed more memory than the limit of {mib} MiB "
            f"({env_name('max_memory')} changes it)"
        )
    else:
        why = "building the letter ran out of memory"
    return MemoryLimitError(why, path=task.name or task.source)


def _build(task: Task, outcome: Outcome) -> None:
    if "import_error" in _state:
        raise DependencyError(str(_state["import_error"]))
    from briefpers.pipeline import build_letter
    from briefpers.source.load import read_source

    source, output = Path(task.source), Path(task.output)
    # The time limit covers reading the source too (a slow or stuck file system).
    with deadline(task.settings.limits.timeout, path=source):
        data = read_source(source, task.settings.limits)  # bounded, regular files only
        built = build_letter(
            source,
            settings=task.settings,
            theme=task.theme,
            profile=task.profile,
            data=data,
            timeout=0,  # the deadline above is the letter's
        )
        extra = _editions(task, built, output.name)
    write_files(task, {**extra, output.name: built.pdf})

    from briefpers.batch.fingerprint import theme_dirs
    from briefpers.themes import theme_for

    letter = built.letter
    outcome.pages = built.pages
    outcome.source_sha256 = sha256_bytes(data)
    outcome.output_sha256 = sha256_bytes(built.pdf)
    outcome.output_size = len(built.pdf)
    outcome.files = {name: sha256_bytes(data) for name, data in extra.items()}
    outcome.theme = built.theme.name
    outcome.theme_request = task.theme or theme_for(letter)
    outcome.theme_dirs = theme_dirs(built.theme)
    outcome.assets = _assets(letter)


def _editions(task: Task, built, pdf_name: str) -> dict[str, bytes]:
    """The web edition and MDTO records asked for: file name → bytes."""
    if not (task.html or task.mdto is not None):
        return {}
    from briefpers.editions import editions

    return editions(built, pdf_name, html=task.html, records=task.mdto)


def write_files(task: Task, files: dict[str, bytes]) -> None:
    """Write a letter's files beside its output, the PDF (the last) after the
    editions: a PDF is "built" with all of them. Files an earlier build wrote
    and this one did not are removed (they would describe another PDF)."""
    output = Path(task.output)
    try:
        write_together([(output.parent / name, data) for name, data in files.items()])
        for name in (set(task.earlier_files) & set(outputs.beside(output))) - set(files):
            (output.parent / name).unlink(missing_ok=True)
    except OSError as exc:
        raise OutputError(
            f"cannot write the PDF: {exc.strerror or exc}", path=task.output
        ) from None


def _assets(letter) -> dict[str, str]:
    """Files the source references (figures, signatures): their hashes."""
    root = letter.body.getroottree()
    found = {}
    for src in sorted(set(root.xpath("//@src"))):
        digest = sha256_file(letter.path.parent / src)
        if digest is not None:
            found[str(src)] = digest
    return found


def _worker_id() -> str:
    import socket

    return f"{socket.gethostname()}:{os.getpid()}"


def _memory() -> tuple[int | None, int | None]:
    """VmHWM and VmRSS in kB from /proc (None where there is no /proc)."""
    values: dict[str, int] = {}
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(("VmHWM:", "VmRSS:")):
                    key, value = line.split(":", 1)
                    values[key] = int(value.split()[0])
    except (OSError, ValueError):
        return None, None
    return values.get("VmHWM"), values.get("VmRSS")
