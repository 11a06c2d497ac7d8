"""The command line: the only module that parses arguments, prints and exits."""

from __future__ import annotations

import datetime as dt
import os
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import click

from briefpers import __version__
from briefpers.errors import BriefpersError, ExitCode, UsageError, diagnostic
from briefpers.profiles import DEFAULT_PROFILE, PROFILES
from briefpers.sign.options import LEVELS

# click 8.2+ raises this for a group called without arguments, to show its help.
NO_ARGS_IS_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())

# How much the CLI says (the progress display's levels).
QUIET, NORMAL, VERBOSE = 0, 1, 2


@dataclass
class Cli:
    """What the global options asked for, for this invocation."""

    debug: bool = False
    level: int = NORMAL  # QUIET (-q), NORMAL, VERBOSE (-v)
    progress: bool | None = None  # None: a bar on a terminal, unless CI is set
    config: Path | None = None  # --config: the office settings file
    stdout_taken: bool = False  # `--report -`/`--json -`: people's lines go to stderr


CLI = Cli()


def fail(exc: BaseException) -> None:
    """Print one line for a known error (a traceback only with --debug) and exit."""
    if CLI.debug:
        traceback.print_exception(exc)
    if isinstance(exc, BriefpersError):
        click.echo(exc.diagnostic(), err=True)
        sys.exit(int(exc.exit_code))
    message = f"internal error: {type(exc).__name__}: {exc} (rerun with --debug)"
    click.echo(diagnostic(None, "error", message), err=True)
    sys.exit(int(ExitCode.INTERNAL))


def usage_error(exc: click.ClickException) -> NoReturn:
    """A mistake on the command line as one diagnostic line (click prints four),
    pointing at the command's --help; its exit code (2 for usage errors)."""
    if isinstance(exc, NO_ARGS_IS_HELP):  # `briefpers` alone: the help, as click shows it
        raise exc
    message = _one_line(exc.format_message()).rstrip(".")
    message = message.replace(". Did you mean", "; did you mean")
    if message[:1].isupper() and message[1:2].islower():  # "Invalid value …" → "invalid value …"
        message = message[0].lower() + message[1:]
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        message += f" (see '{ctx.command_path} --help')"
    click.echo(diagnostic(None, "error", message), err=True)
    sys.exit(exc.exit_code)


def _count(n: int, word: str) -> str:
    """`1 error`, `2 errors`."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def say(line: str, level: int = NORMAL) -> None:
    """A line for people (not an error): to stdout unless stdout carries JSON; -q hides it."""
    if CLI.level >= level:
        click.echo(line, err=CLI.stdout_taken)


def note(line: str, level: int = NORMAL) -> None:
    """A remark on stderr (`note: …`), hidden by -q."""
    if CLI.level >= level:
        click.echo(line, err=True)


class Group(click.Group):
    """Turns every escaping exception into one line and a documented exit code."""

    def make_context(self, info_name, args, parent=None, **extra):
        if parent is None:  # a new invocation (tests run many in one process)
            CLI.__init__()
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.ClickException as exc:
            usage_error(exc)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.Abort):
            raise
        except click.ClickException as exc:
            usage_error(exc)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(int(ExitCode.INTERRUPTED))
        except Exception as exc:
            fail(exc)


def _quiet(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        CLI.level = QUIET


def _verbose(ctx: click.Context, param: click.Parameter, value: int) -> None:
    if value:
        CLI.level = NORMAL + value


def _progress(ctx: click.Context, param: click.Parameter, value: bool | None) -> None:
    if value is not None:
        CLI.progress = value


def _config(ctx: click.Context, param: click.Parameter, value: Path | None) -> None:
    if value is not None:
        CLI.config = value


def global_options(command):
    """-q, -v, --progress/--no-progress and --config: on `briefpers` and on every
    command, so `briefpers -q build` and `briefpers build -q` mean the same."""
    for option in reversed(
        [
            click.option(
                "-q", "--quiet", is_flag=True, expose_value=False, callback=_quiet,
                help="Print errors (and lint findings) only.",
            ),
            click.option(
                "-v", "--verbose", count=True, expose_value=False, callback=_verbose,
                help="Say more: why each letter was built, what was up to date, "
                "which settings file is in use.",
            ),
            click.option(
                "--progress/--no-progress", default=None, expose_value=False,
                callback=_progress,
                help="A progress bar (default: on a terminal, off when CI is set "
                "or output is not a terminal).",
            ),
            click.option(
                "--config", type=click.Path(dir_okay=False, path_type=Path),
                expose_value=False, callback=_config,
                help="The office settings file (default: briefpers.toml in the "
                "working folder, if there is one).",
            ),
        ]
    ):  # fmt: skip
        command = option(command)
    return command


def output_folder_option(help_text: str, default: Path | None = Path("output")):
    """`-o/--output DIR`, default `output/`: shared by the commands that write files."""
    return click.option(
        "-o",
        "--output",
        "out_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=default,
        show_default=default is not None,
        help=help_text,
    )


def timeout_option(per: str = ""):
    """`--timeout SECONDS`: each command's time limit (per letter or PDF, if `per`)."""
    unit = f" per {per}" if per else ""
    return click.option(
        "--timeout",
        type=click.FloatRange(min=0),
        help=f"Seconds{unit} before it fails (default: BRIEFPERS_TIMEOUT or 300; 0: none).",
    )


theme_option = click.option(
    "--theme", help="Theme name or folder (default: the letter's, else its kind's, else rijk)."
)


def settings_from_env(timeout: float | None = None):
    """Read the environment and the office settings file once, here at the edge
    (a wrong setting: exit 2, before anything else happens)."""
    import dataclasses

    from briefpers import office
    from briefpers.settings import Settings

    settings = Settings.from_env(office_file=office.find(Path(), CLI.config))
    if settings.office.path is not None:
        note(f"note: settings from {settings.office.path}", VERBOSE)
    if timeout is not None:
        limits = dataclasses.replace(settings.limits, timeout=timeout)
        settings = dataclasses.replace(settings, limits=limits)
    return settings


def signing_options(command):
    """--key, --cert, --chain, --passphrase-file, --tsa, --level: shared by sign and build."""
    file = click.Path(dir_okay=False, path_type=Path)
    for option in reversed(
        [
            click.option(
                "--key", type=file, help="PKCS#12 file (.p12/.pfx) or PEM/DER private key."
            ),
            click.option("--cert", type=file, help="The signer's certificate (PEM or DER)."),
            click.option(
                "--chain",
                type=file,
                multiple=True,
                help="Intermediate (and root) certificates, PEM or DER; repeatable.",
            ),
            click.option(
                "--passphrase-file",
                type=file,
                help="A file whose first line unlocks the key (never the passphrase itself).",
            ),
            click.option("--tsa", metavar="URL", help="RFC 3161 timestamp authority (B-T and up)."),
            click.option(
                "--level",
                type=click.Choice(LEVELS),
                help="PAdES level (default: B-B, or the settings' [sign] level).",
            ),
        ]
    ):
        command = option(command)
    return command


def sign_options(settings, flags: dict):
    """The settings' signing defaults with the flags given put over them; checked."""
    from briefpers.sign.options import SignOptions, require_pyhanko

    require_pyhanko()
    base = settings.office.section("sign") or SignOptions()  # the office settings' [sign]
    options = base.with_overrides(
        key=flags.pop("key", None),
        cert=flags.pop("cert", None),
        chain=flags.pop("chain", ()),
        passphrase_file=flags.pop("passphrase_file", None),
        tsa=flags.pop("tsa", None),
        level=flags.pop("level", None),
    )
    options.check()
    return options


def load_signer(options):
    """The credentials, checked now: a wrong passphrase or certificate stops before any work."""
    from briefpers.sign.keys import load_credentials
    from briefpers.sign.signing import now

    quiet_pyhanko()
    return load_credentials(options, now=now())


def quiet_pyhanko() -> None:
    """pyHanko logs tracebacks for what we report as one line: keep them off stderr."""
    import logging

    for name in ("pyhanko", "pyhanko_certvalidator", "aiohttp"):
        logger = logging.getLogger(name)
        logger.addHandler(logging.NullHandler())
        logger.propagate = CLI.debug


def in_ci() -> bool:
    """`CI` set to anything but empty, 0, false or no (as CI services set it)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _display(count: int):
    """A progress bar on a terminal, else a line per letter (see `--progress`)."""
    from briefpers.batch import progress

    bar = CLI.progress if CLI.progress is not None else sys.stderr.isatty() and not in_ci()
    if bar and CLI.level > QUIET and count:
        from rich.console import Console

        console = Console(stderr=True, force_terminal=True if CLI.progress else None)
        return progress.RichProgress(console, CLI.level)

    def echo(line: str, err: bool) -> None:
        click.echo(line, err=err or CLI.stdout_taken)

    return progress.PlainProgress(echo, CLI.level)


def _stdout(path: Path | None) -> bool:
    """`-` for --report or --json: the JSON goes to standard output."""
    return path is not None and str(path) == "-"


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="briefpers")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@global_options
def main(debug: bool) -> None:
    """Turn letter XML sources into archival PDF/A-3a + PDF/UA-1 letters.

    Settings: flags, then the environment (BRIEFPERS_*), then the office
    settings file (briefpers.toml or --config), then the defaults.
    """
    CLI.debug = debug


@main.command()
@click.argument("sources", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the PDFs (default: the settings file's `output`, else output/).",
)
@theme_option
@click.option(
    "--profile",
    type=click.Choice(list(PROFILES)),
    help=f"Archival profile (default: the settings file's, else {DEFAULT_PROFILE}); "
    "pdfa-2a-ua1 embeds no source.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    help="Worker processes (default: the settings file's, else all cores; with dask and "
    "no --scheduler: local workers).",
)
@click.option("--force", is_flag=True, help="Rebuild every letter, up to date or not.")
@click.option(
    "--validate/--no-validate",
    "run_validate",
    default=None,
    help="Validate the PDFs with veraPDF (one JVM) and record verdicts in the manifest "
    "(default: the settings file's, else no).",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help="Write the run's JSON report (per letter: status, error, durations) to FILE; "
    "- for standard output.",
)
@click.option(
    "--executor",
    type=click.Choice(["process", "dask"]),
    default="process",
    show_default=True,
    help="Local worker processes, or a dask.distributed cluster.",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: a local cluster).",
)
@click.option(
    "--strict/--no-strict",
    default=None,
    help="Lint first; any finding (warnings too) stops the build (default: the settings "
    "file's, else no).",
)
@timeout_option("letter")
@click.option(
    "--format",
    "formats",
    default="pdf",
    show_default=True,
    metavar="pdf|pdf,html",
    help="What to write per letter: the PDF, or the PDF and its web edition (<name>.html).",
)
@click.option(
    "--mdto",
    "with_mdto",
    is_flag=True,
    help="Write MDTO records beside each PDF: <name>.mdto.xml and <name>.pdf.bestand.mdto.xml.",
)
@click.option(
    "--mdto-appraisal",
    type=click.Choice(["B", "V", "N"]),
    help="MDTO appraisal for letters that set none: B (keep), V (destroy after the "
    "retention period), N (to be decided; the default).",
)
@click.option("--mdto-retention", metavar="DURATION", help="Retention period for V, e.g. P10Y.")
@click.option(
    "--mdto-restriction",
    metavar="LABEL",
    help="MDTO use restriction, e.g. 'Geen beperking' (default: 'Nader te bepalen').",
)
@click.option(
    "--mdto-creator",
    metavar="NAME",
    help="The archive creator (archiefvormer; default: the letter's sender).",
)
@click.option(
    "--sign",
    "run_sign",
    is_flag=True,
    help="Sign the PDFs after validation (PAdES); letters signed before and unchanged are kept.",
)
@click.option("--resign", is_flag=True, help="Sign every letter anew (implies --sign).")
@signing_options
@global_options
def build(
    sources: tuple[Path, ...],
    out_dir: Path | None,
    theme: str | None,
    profile: str | None,
    jobs: int | None,
    force: bool,
    run_validate: bool | None,
    report_path: Path | None,
    executor: str,
    scheduler: str | None,
    strict: bool | None = None,
    timeout: float | None = None,
    formats: str = "pdf",
    with_mdto: bool = False,
    mdto_appraisal: str | None = None,
    mdto_retention: str | None = None,
    mdto_restriction: str | None = None,
    mdto_creator: str | None = None,
    run_sign: bool = False,
    resign: bool = False,
    **signing,
) -> None:
    """Build SOURCES into PDFs, skipping letters that are up to date.

    SOURCES are files, folders of *.xml, or @LIST files of paths (default:
    input/). Content hashes in OUTPUT/manifest.json decide what is up to date.
    With --format pdf,html each letter also gets its web edition, with --mdto
    its MDTO records (written with the PDF, listed in the manifest).
    With --sign, the PDFs are signed after validation (see `briefpers sign`).
    """
    from briefpers.batch import progress
    from briefpers.batch.executors import make_executor
    from briefpers.batch.run import (
        Batch,
        Options,
        check_report_path,
        interrupt_on_sigterm,
        report_json,
        write_report,
    )
    from briefpers.batch.sources import find_sources, physical

    if scheduler and executor != "dask":
        raise click.UsageError("--scheduler needs --executor dask")
    settings = settings_from_env(timeout)
    office = settings.office
    out_dir = physical(out_dir or office.output or Path("output"))
    theme = theme or office.theme
    profile = profile or office.profile or DEFAULT_PROFILE
    jobs = jobs or office.jobs
    strict = office.strict is True if strict is None else strict
    run_validate = office.validate is True if run_validate is None else run_validate
    CLI.stdout_taken = _stdout(report_path)
    html = _formats(formats)
    mdto_settings = None
    if with_mdto:
        mdto_settings = _mdto_settings(
            settings,
            appraisal=mdto_appraisal,
            retention=mdto_retention,
            restriction=mdto_restriction,
            creator=mdto_creator,
        )
    elif any(
        v is not None for v in (mdto_appraisal, mdto_retention, mdto_restriction, mdto_creator)
    ):
        raise click.UsageError("the --mdto-* options need --mdto")
    if report_path is not None and not CLI.stdout_taken:
        check_report_path(report_path)  # exit 4 now, not after building every letter
    found = find_sources(sources or (Path("input"),))
    if not found:
        raise UsageError("nothing to build: no *.xml sources found")
    if strict:
        from briefpers.lint import gate

        gate(found, lambda line: click.echo(line, err=True), settings.limits, mdto=mdto_settings)
    if run_validate:
        from briefpers.check.verapdf import find_verapdf

        find_verapdf(settings.verapdf_jar)  # a missing Java stops the run before rendering
    signer = None
    if run_sign or resign:
        sign_with = sign_options(settings, signing)
        signer = load_signer(sign_with)  # a wrong key or passphrase: exit now, not after rendering
    elif any(v not in (None, ()) for v in signing.values()):
        raise click.UsageError("signing options need --sign (or --resign)")
    options = Options(
        out_dir,
        theme=theme,
        profile=profile,
        force=force,
        settings=settings,
        html=html,
        mdto=mdto_settings,
    )
    if mdto_settings is not None and mdto_settings.defaults_in_force():
        click.echo(
            f"warning: MDTO {' and '.join(mdto_settings.defaults_in_force())}: the documented "
            "defaults, for letters that set none in <archive>; an archivist must confirm them "
            "(--mdto-appraisal, --mdto-restriction)",
            err=True,
        )
    batch = Batch(found, options)
    batch.plan()  # an output folder that cannot be written: exit 4 here, before rendering
    for line in batch.warnings:
        click.echo(line, err=True)
    for result in batch.results:
        say(progress.skipped_line(result), VERBOSE)
    runner = make_executor(executor, jobs=jobs, scheduler=scheduler)
    try:
        runner.prepare(batch.tasks)  # before the progress bar's thread: workers fork now
        display = _display(batch.to_run)
        display.start(len(found), batch.to_run)
        try:
            with interrupt_on_sigterm():
                for result in batch.run(runner):
                    display.advance(result)
        finally:
            display.close()
    finally:
        runner.close()
    for line in batch.notices:
        click.echo(f"warning: {line}", err=True)
    if run_validate:
        for result in batch.validate():
            say(progress.verdict_line(result))
    if signer is not None:
        _sign_batch(batch, signer, sign_with, resign)

    counts = batch.counts()
    failed = [r for r in batch.results if not r.ok]
    if any(r.exit_code == ExitCode.DEPENDENCY for r in failed):
        code = ExitCode.DEPENDENCY  # not the letters' fault: say what is missing
    elif failed:
        code = ExitCode(failed[0].exit_code) if len(found) == 1 else ExitCode.SOME_FAILED
    elif counts["noncompliant"]:
        code = ExitCode.CHECK_FAILED
    else:
        code = ExitCode.OK
    say(progress.summary_line(counts, batch.seconds))
    if report_path is not None:
        report = batch.report(executor=runner.name, workers=runner.workers, exit_code=int(code))
        if CLI.stdout_taken:
            click.echo(report_json(report), nl=False)
        else:
            write_report(report_path, report)
    if code:
        sys.exit(int(code))


def _formats(value: str) -> bool:
    """`--format`: "pdf" or "pdf,html"; whether the web edition is asked for."""
    chosen = {part.strip().lower() for part in value.split(",") if part.strip()}
    unknown = chosen - {"pdf", "html"}
    if unknown:
        raise click.UsageError(f"--format: unknown format {sorted(unknown)[0]!r} (pdf, html)")
    if "pdf" not in chosen:
        raise click.UsageError(
            "--format: build always writes the PDF (use pdf,html); for web pages alone: "
            "briefpers web"
        )
    return "html" in chosen


MDTO_FLAGS = {
    "appraisal": "--mdto-appraisal",
    "retention": "--mdto-retention",
    "restriction": "--mdto-restriction",
    "creator": "--mdto-creator",
}


def _mdto_settings(settings, **flags):
    """The office's MDTO settings (the settings file's `[mdto]`, else the
    documented defaults) with the command line's values over them."""
    from briefpers.mdto import MdtoSettings

    base = settings.office.section("mdto") or MdtoSettings()
    return base.with_overrides(MDTO_FLAGS, **flags)


@main.command()
@click.argument("sources", nargs=-1, type=click.Path(path_type=Path))
@output_folder_option("Folder for the PDFs.")
@theme_option
@click.option(
    "--profile",
    type=click.Choice(list(PROFILES)),
    default=DEFAULT_PROFILE,
    show_default=True,
    help="Archival profile; pdfa-2a-ua1 embeds no source.",
)
@click.option(
    "--preview",
    "preview_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also write a PNG of every page into this folder after each build (needs pdftoppm).",
)
@click.option("--dpi", type=click.IntRange(10, 600), default=60, show_default=True)
@click.option(
    "--interval",
    type=click.FloatRange(min=0.01),
    default=0.1,
    show_default=True,
    help="Seconds between looks at the files (a large folder is looked at less often).",
)
@timeout_option("letter")
def watch(
    sources: tuple[Path, ...],
    out_dir: Path,
    theme: str | None,
    profile: str,
    preview_dir: Path | None,
    dpi: int,
    interval: float,
    timeout: float | None,
) -> None:
    """Build SOURCES, then rebuild a letter whenever it or a file it shows changes.

    SOURCES as for `build` (default: input/); new letters in a watched folder
    are picked up, and an edit to the theme rebuilds every letter. One warm
    worker process builds the letters: a save costs about a warm build.
    Errors are shown and the watch goes on; Ctrl-C stops it (exit 130).
    """
    from briefpers.batch.run import Options, check_output_folder, interrupt_on_sigterm
    from briefpers.batch.sources import find_sources, physical
    from briefpers.themes import operator_themes
    from briefpers.watch import Watcher, check_preview

    settings = settings_from_env(timeout)
    args = sources or (Path("input"),)
    find_sources(args)  # a missing file or folder: exit 2 now
    operator_themes(settings, theme)  # a wrong --theme or theme setting: now, not per save
    out_dir = physical(out_dir)
    check_output_folder(out_dir)  # exit 4 now, not at the first save
    check_preview(preview_dir)
    options = Options(out_dir, theme=theme, profile=profile, settings=settings)
    watcher = Watcher(args, options, preview=preview_dir, dpi=dpi, interval=interval)
    events = watcher.run()
    try:
        with interrupt_on_sigterm():
            for event in events:
                _show(event)
                if event.kind == "stop":
                    return
    finally:
        events.close()  # stops the worker


def _show(event) -> None:
    """One line per event of `watch`."""
    from briefpers.batch.progress import error_line

    if event.kind == "result":
        result = event.result
        if result.status == "skipped":
            click.echo(f"up to date {result.output}")
        elif result.ok:
            pages = f"{result.pages} pages, " if result.pages is not None else ""
            click.echo(f"built {result.output} ({pages}{result.seconds:.2f} s)")
        else:
            click.echo(error_line(result), err=True)
    elif event.kind == "preview":
        names = ", ".join(path.name for path in event.paths)
        where = event.paths[0].parent if event.paths else ""
        click.echo(f"preview {where}: {names}")
    else:
        err = event.kind == "stop" or event.text.startswith(("error:", "warning:"))
        click.echo(event.text, err=err)


@main.command()
def doctor() -> None:
    """Show what this installation runs with: versions, the font subsetter, veraPDF.

    Warns when something makes builds slow (fontTools subsetting instead of
    HarfBuzz: every letter about 3x as long; veraPDF without its class
    archive). Exit 0: letters can be built; 7: WeasyPrint cannot be loaded.
    """
    from briefpers.doctor import ERROR, OK, WARNING, diagnose

    findings = diagnose(settings_from_env())
    for finding in findings:
        click.echo(f"{finding.part}: {finding.value}")
    for finding in findings:
        if finding.level == OK:
            continue
        label = "warning" if finding.level == WARNING else finding.level
        hint = f": {finding.hint}" if finding.hint else ""
        click.echo(f"{label}: {finding.part}: {finding.value}{hint}", err=True)
    if any(f.level == ERROR for f in findings):
        sys.exit(int(ExitCode.DEPENDENCY))


@main.command()
@click.argument("pdfs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--theme",
    help="Allow the fonts of this theme (default: the theme each PDF names in its XMP).",
)
@timeout_option("PDF")
@global_options
def check(pdfs: tuple[Path, ...], theme: str | None, timeout: float | None) -> None:
    """Fast in-process preflight of archival PDFs (no Java).

    Checks identification, metadata, tagging and the embedded source, and
    the conformance gate: missing glyphs, separators in text, colour,
    PDF/A implementation limits, fonts other than the theme's. Exit 0: all
    pass; 6: a PDF failed, or is not a readable PDF (not a regular file,
    damaged, too large or too slow to check).
    """
    from briefpers.check.preflight import Report, preflight
    from briefpers.errors import TimeLimitError
    from briefpers.limits import deadline

    settings = settings_from_env(timeout)
    seconds = settings.limits.timeout
    fonts_for = _theme_fonts(theme, settings)
    bad = 0
    for path in pdfs:
        try:
            with deadline(seconds, what="checking the PDF", path=path):
                report = preflight(path, fonts=fonts_for)
        except TimeLimitError as exc:
            report = Report(path, problems=[exc.message])
        facts = " ".join(f"{k}={v}" for k, v in report.facts.items())
        for remark in report.notes:
            note(diagnostic(str(path), "note", remark))
        if report.ok:
            say(f"ok   {path} {facts}")
        else:
            bad += 1
            click.echo(f"FAIL {path}: {_one_line('; '.join(report.problems))}")
    if bad:
        sys.exit(int(ExitCode.CHECK_FAILED))


def _theme_fonts(forced: str | None, settings=None):
    """For `check`: the font files of the theme given, else of the theme a PDF names."""
    from briefpers.api import theme_fonts

    return theme_fonts(forced, settings)


@main.command()
@click.argument("pdfs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--flavour",
    help="Check one flavour instead of all the file declares: 1a 1b 2a 2b 2u 3a 3b 3u "
    "4 4e 4f (PDF/A), ua1 ua2 (PDF/UA), wt1a wt1r (WTPDF).",
)
@click.option(
    "--json",
    "json_out",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help="Write verdicts as JSON to FILE; - for standard output.",
)
@global_options
def validate(pdfs: tuple[Path, ...], flavour: str | None, json_out: Path | None) -> None:
    """Validate PDFs with veraPDF: exit 0 only if every declared flavour passes.

    Without --flavour each file is checked against every flavour its XMP
    declares (PDF/A-1 to 4, PDF/UA-1 and 2). veraPDF is found through
    BRIEFPERS_VERAPDF, `verapdf` in the settings file, or the copy
    `briefpers fetch-verapdf` fetched. Exit 6: a file failed or could not be
    validated; 7: veraPDF or Java is missing or failed to run; 2: an unknown
    flavour.
    """
    import json

    from briefpers.batch.files import write_atomic
    from briefpers.check.verapdf import check_flavour
    from briefpers.check.verapdf import validate as run_verapdf

    check_flavour(flavour)  # before Java is even looked for
    CLI.stdout_taken = _stdout(json_out)
    verdicts = run_verapdf(list(pdfs), flavour=flavour, jar=settings_from_env().verapdf_jar)
    failed_rules = 0
    for verdict in verdicts:
        if verdict.error:
            click.echo(f"FAIL {verdict.path}: {verdict.error}", err=CLI.stdout_taken)
            continue
        for result in verdict.flavours:
            failed_rules += result.failed_rule_count
            line = f"{'PASS' if result.compliant else 'FAIL'} {verdict.path} {result.flavour}"
            if not result.compliant:
                rules = ", ".join(r.rule_id for r in result.failed_rules)
                line += f": {result.failed_rule_count} failed rules ({rules})"
                click.echo(line, err=CLI.stdout_taken)
            else:
                say(line)
    passed = sum(v.compliant for v in verdicts)
    flavours = sum(len(v.flavours) for v in verdicts)
    say(
        f"{passed} of {len(verdicts)} files compliant; {flavours} flavour checks, "
        f"{failed_rules} failed rules"
    )
    if json_out:
        data = {"verdicts": [v.to_dict() for v in verdicts]}
        text = json.dumps(data, indent=2, sort_keys=True) + "\n"
        if CLI.stdout_taken:
            click.echo(text, nl=False)
        else:
            write_atomic(json_out, text.encode())
    if passed != len(verdicts):
        sys.exit(int(ExitCode.CHECK_FAILED))


def _sign_batch(batch, signer, options, resign: bool) -> None:
    """The build's signing step: a line per letter signed or failed, then a count."""
    from briefpers.batch.run import interrupt_on_sigterm

    signed = failed = 0
    with interrupt_on_sigterm():
        for result in batch.sign(signer, options, resign=resign):
            if result.ok:
                signed += 1
                click.echo(f"signed {result.output} ({options.level})")
            else:
                failed += 1
                click.echo(f"error: {_one_line(result.error or '')}", err=True)
    kept = sum(1 for r in batch.results if r.signature and not r.signature.get("signed"))
    line = f"signing: {signed} signed ({options.level}), {kept} already signed"
    click.echo(line + (f", {failed} not signed" if failed else ""))


def _pdfs_out(what: str):
    """-o/--output for commands that change PDFs, by default in place."""
    help_text = f"Folder for the {what} PDFs (default: each PDF is {what} in place)."
    return output_folder_option(help_text, default=None)


def _trust_option(whose: str, default: str):
    """--trust FILE, repeatable: trust anchors for `whose` certificates."""
    return click.option(
        "--trust",
        type=click.Path(dir_okay=False, path_type=Path),
        multiple=True,
        help=f"A trust anchor{whose}: a certificate file (PEM or DER); repeatable ({default}).",
    )


@main.command()
@click.argument("pdfs", nargs=-1, required=True, type=click.Path(path_type=Path))
@signing_options
@_pdfs_out("signed")
@global_options
def sign(pdfs: tuple[Path, ...], out_dir: Path | None, **flags) -> None:
    """Sign archival PDFs (PAdES B-B, B-T, B-LT or B-LTA) as an incremental update.

    The unsigned bytes stay whole at the start of the file; the signature
    field is invisible and tagged, so PDF/A and PDF/UA hold. A PDF that is
    signed already gets a second signature; the first stays valid. Each PDF
    is signed in memory and written atomically: a failure leaves it as it
    was. Exit 0: all signed; 10: the key or certificate cannot sign (wrong
    passphrase, not matching, expired, not valid yet, no signing key usage);
    7: the timestamp or revocation service did not answer; 6: a PDF cannot
    be read; 2: usage (no key, no --tsa from B-T on); 1: some of several failed.
    """
    from briefpers.sign.signing import sign_pdf

    settings = settings_from_env()
    options = sign_options(settings, flags)
    _check_targets(pdfs, out_dir)
    credentials = load_signer(options)
    _rewrite_pdfs(
        pdfs,
        out_dir,
        settings,
        "signing the PDF",
        lambda data, pdf: sign_pdf(data, credentials, options, path=pdf),
        lambda target, signed: (
            f"signed {target} ({signed.level}, {signed.signer}, field {signed.field})"
        ),
    )


def _check_targets(pdfs: tuple[Path, ...], out_dir: Path | None) -> None:
    """Two PDFs of the same name cannot both be written into `out_dir`."""
    if out_dir is not None:
        names = [p.name for p in pdfs]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise click.UsageError(f"two PDFs would be written as {out_dir / twice[0]}")


def _rewrite_pdfs(
    pdfs: tuple[Path, ...],
    out_dir: Path | None,
    settings,
    what: str,
    change: Callable[[bytes, Path], Any],
    said: Callable[[Path, Any], str],
) -> None:
    """Change each PDF in memory (`change`, within the time limit) and write it
    atomically, into `out_dir` or in place: a failure leaves it as it was.
    One line each (`said`); a service that is down stops at once; exit 1 if
    some of several failed (one alone fails with its own code)."""
    from briefpers.batch.files import write_atomic
    from briefpers.batch.run import MAX_SIGN_BYTES
    from briefpers.errors import CheckError, DependencyError, OutputError, TimeLimitError
    from briefpers.limits import deadline
    from briefpers.regular_files import read_regular

    failures: list[int] = []
    for pdf in pdfs:
        target = pdf if out_dir is None else out_dir / pdf.name
        try:
            try:
                data = read_regular(pdf, MAX_SIGN_BYTES)
            except OSError as exc:
                raise CheckError(f"cannot read: {exc.strerror or exc}", path=pdf) from None
            try:
                with deadline(settings.limits.timeout, what=what, path=pdf):
                    changed = change(data, pdf)
            except TimeLimitError as exc:
                raise CheckError(exc.message, path=pdf) from None
            try:
                if out_dir is not None:
                    out_dir.mkdir(parents=True, exist_ok=True)
                write_atomic(target, changed.data)
            except OSError as exc:
                raise OutputError(f"cannot write: {exc.strerror or exc}", path=target) from None
        except DependencyError:
            raise  # the service is down for every PDF: stop at once
        except BriefpersError as exc:
            if len(pdfs) == 1:
                raise
            click.echo(f"error: {_one_line(str(exc))}", err=True)
            failures.append(int(exc.exit_code))
            continue
        click.echo(said(target, changed))
    if failures:
        sys.exit(int(ExitCode.SOME_FAILED))


@main.command()
@click.argument("pdfs", nargs=-1, required=True, type=click.Path(path_type=Path))
@_trust_option("", "default: the system's root certificates")
@click.option(
    "--json",
    "json_out",
    type=click.Path(allow_dash=True, path_type=Path),
    help="Write the verdicts as JSON to FILE ('-': stdout, the lines go to stderr).",
)
@click.option(
    "--theme",
    help="For the preflight: allow this theme's fonts (default: the theme each PDF names).",
)
@timeout_option("PDF")
@global_options
def verify(
    pdfs: tuple[Path, ...],
    trust: tuple[Path, ...],
    json_out: Path | None,
    theme: str | None,
    timeout: float | None,
) -> None:
    """Check the signatures of signed PDFs, and that they are still PDF/A.

    For each signature and document timestamp: intact (the signed bytes
    unchanged), valid, trusted (its certificate leads to a --trust anchor),
    timestamped, and only allowed changes after it (validation data,
    timestamps, later signatures); the last one covers the whole file.
    Offline: revocation data comes from the PDF; one that fails now only
    because that data is out of date or its certificate has expired since is
    judged at the time its timestamp proves, while the newest timestamp's
    certificate holds. Then the preflight of
    `briefpers check`. Exit 0: every PDF passes; 11: a PDF is not signed,
    or a signature is broken, invalid, untrusted or followed by other
    changes; 6: a PDF cannot be read (or took too long) or fails the preflight.
    """
    import json

    from briefpers.batch.files import write_atomic
    from briefpers.sign.options import require_pyhanko

    require_pyhanko()
    quiet_pyhanko()
    from briefpers.errors import TimeLimitError
    from briefpers.limits import deadline
    from briefpers.sign.verify import FileReport, load_trust, verify_pdf

    seconds = settings_from_env(timeout).limits.timeout
    anchors = load_trust(list(trust))
    fonts_for = _theme_fonts(theme)
    to_stdout = json_out is not None and str(json_out) == "-"
    reports = []
    for path in pdfs:
        try:
            with deadline(seconds, what="verifying the PDF", path=path):
                report = verify_pdf(path, anchors, fonts=fonts_for)
        except TimeLimitError as exc:
            report = FileReport(str(path), problems=[exc.message], unreadable=True)
        reports.append(report)
        for line in _verify_lines(report):
            click.echo(line, err=to_stdout)
    codes = {int(r.exit_code) for r in reports}
    code = ExitCode.SIGNATURE if ExitCode.SIGNATURE in codes else max(codes)
    if json_out is not None:
        data = {"ok": code == 0, "exit_code": int(code), "files": [r.to_dict() for r in reports]}
        text = json.dumps(data, indent=2, sort_keys=True) + "\n"
        if to_stdout:
            click.echo(text, nl=False)
        else:
            write_atomic(json_out, text.encode())
    if code:
        sys.exit(int(code))


@main.command()
@click.argument("pdfs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--tsa", metavar="URL", help="RFC 3161 timestamp authority (default: the settings' [sign] tsa)."
)
@_trust_option(" for the last timestamp's authority", "with the system's root certificates")
@_pdfs_out("renewed")
@global_options
def renew(
    pdfs: tuple[Path, ...], tsa: str | None, trust: tuple[Path, ...], out_dir: Path | None
) -> None:
    """Renew the archive timestamp of signed PDFs (PAdES B-LTA).

    Adds, as an incremental update, the validation data of each PDF's last
    document timestamp (fetched now, while its authority's certificates and
    revocation data can still be had) and a new document timestamp over
    everything, in a tagged field: PDF/A and PDF/UA hold. Renew before the
    last timestamp's certificate expires. Each PDF is renewed in memory and
    written atomically. Exit 0: all renewed; 11: the last timestamp no longer
    validates (broken, expired, untrusted: see `verify`); 7: the timestamp
    authority or a revocation service did not answer; 6: a PDF cannot be
    read or has no document timestamp; 2: usage (no --tsa); 1: some of
    several failed.
    """
    from briefpers.sign.options import SignOptions, require_pyhanko

    require_pyhanko()
    quiet_pyhanko()
    from briefpers.sign.renew import renew_pdf
    from briefpers.sign.verify import load_trust

    settings = settings_from_env()
    base = settings.office.section("sign") or SignOptions()
    options = base.with_overrides(tsa=tsa)
    if not options.tsa:
        raise UsageError("renewing needs a timestamp authority: --tsa URL")
    options.check_tsa()
    _check_targets(pdfs, out_dir)
    anchors = load_trust(list(trust))
    _rewrite_pdfs(
        pdfs,
        out_dir,
        settings,
        "renewing the timestamp",
        lambda data, pdf: renew_pdf(data, options.tsa, anchors, timeout=options.timeout, path=pdf),
        lambda target, renewed: (
            f"renewed {target} (field {renewed.field}, after {renewed.previous} "
            f"of {renewed.previous_time})"
        ),
    )


def _verify_lines(report) -> list[str]:
    """`ok   x.pdf: …` or `FAIL x.pdf: …`, then a line per signature and the preflight."""
    status = "ok  " if report.ok else "FAIL"
    count = len(report.signatures)
    head = f"{status} {report.path}: {count} signature{'s' * (count != 1)}"
    if report.problems:
        head += f"; {'; '.join(report.problems)}"
    lines = [head]
    for sig in report.signatures:
        facts = [sig.kind, sig.field]
        if sig.signer:
            facts.append(f"by {sig.signer}")
        if sig.level:
            facts.append(sig.level)
        if sig.timestamp:
            facts.append(f"timestamp {sig.timestamp}")
        if sig.proven_at:
            facts.append(f"proven good at {sig.proven_at} by timestamps")
        checks = " ".join(
            f"{name}={'yes' if value else 'no'}"
            for name, value in (
                ("intact", sig.intact),
                ("valid", sig.valid),
                ("trusted", sig.trusted),
                ("timestamped", sig.timestamped),
            )
        )
        line = (
            f"  {' '.join(facts)}: {checks}, covers {sig.coverage}, after it: {sig.modifications}"
        )
        if sig.problems:
            line += f" — {'; '.join(sig.problems)}"
        lines.append(f"  {_one_line(line)}")
    if report.pdfa_ok is not None:
        if report.pdfa_ok:
            facts = " ".join(f"{k}={v}" for k, v in report.pdfa_facts.items())
            lines.append(f"  preflight: ok {facts}")
        else:
            lines.append(f"  {_one_line('preflight: FAIL ' + '; '.join(report.pdfa_problems))}")
    return lines


@main.command("fetch-verapdf")
@click.option(
    "--to",
    "dest",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the jar (default: tools/verapdf/ in a source checkout, else "
    "~/.local/share/briefpers/verapdf/, where briefpers looks for it).",
)
@click.option(
    "--repository",
    metavar="URL",
    help="A Maven repository to fetch from instead of Maven Central (an office mirror).",
)
@click.option(
    "--archive/--no-archive",
    default=True,
    show_default=True,
    help="Also make the class-data-sharing archive that halves veraPDF's start-up "
    "(needs Java; skipped without it).",
)
@global_options
def fetch_verapdf(dest: Path | None, repository: str | None, archive: bool) -> None:
    """Fetch the pinned veraPDF validator from Maven Central (no Java or Maven needed).

    The jar's SHA-256 is checked against the one pinned in briefpers; a
    matching copy already there is kept. Exit 7: it could not be fetched or
    did not match; 2: the folder cannot be written.
    """
    import shutil

    from briefpers.check import fetch
    from briefpers.check.verapdf import VERAPDF_VERSION, checkout_copy, fetched_copy

    settings = settings_from_env()
    default = (
        checkout_copy().parent
        if checkout_copy().parent.parent.is_dir()
        else fetched_copy(settings.data_home).parent
    )
    folder = dest or default
    found = fetch.fetch(folder, repository=repository or fetch.MAVEN_CENTRAL)
    done = "fetched from " + found.url if found.downloaded else "already present"
    say(f"veraPDF {VERAPDF_VERSION} {done}: {found.jar}")
    if archive and shutil.which("java"):
        from briefpers.check.verapdf import class_archive, make_class_archive

        if not class_archive(found.jar).is_file():
            try:
                say(f"made the class archive {make_class_archive(found.jar)}")
            except BriefpersError as exc:
                note(diagnostic(None, "note", f"no class archive (only slower): {exc}"))
    elif not shutil.which("java"):
        note("note: validating needs Java: install a Java runtime (e.g. default-jre-headless)")
    if dest is not None and found.jar.resolve() not in (
        checkout_copy().resolve(),
        fetched_copy(settings.data_home).resolve(),
    ):
        say(f"use it with: export BRIEFPERS_VERAPDF={found.jar} (or `verapdf` in briefpers.toml)")


@main.command()
@click.argument("pdf", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="A FOLDER: the source and its embedded assets; a FILE.xml: the source only "
    "(default: the source to stdout).",
)
@timeout_option()
@global_options
def extract(pdf: Path, output: Path | None, timeout: float | None) -> None:
    """Write the XML source embedded in an archival PDF, and the assets beside it.

    With -o FOLDER, the source is written as FOLDER/<its name>.xml and each
    embedded asset (an image the letter references) at FOLDER/<its src
    path>, so that `briefpers build FOLDER/<name>.xml` rebuilds the letter.
    Names that would leave the folder are refused, and so is a symlink in
    the way. At most 4 × BRIEFPERS_MAX_SOURCE_BYTES are decoded. Exit 0:
    written; 6: the PDF is not readable, holds no source, unsafe names or
    too much data, or took too long; 2: the output cannot be written.
    """
    from briefpers.archive.extract import default_limit
    from briefpers.archive.extract import extract as read_embedded
    from briefpers.batch.files import write_atomic
    from briefpers.batch.tree import write_tree
    from briefpers.errors import CheckError, ConfigError, TimeLimitError
    from briefpers.limits import deadline

    limits = settings_from_env(timeout).limits
    seconds = limits.timeout
    to_folder = output is not None and (output.is_dir() or output.suffix.lower() != ".xml")
    try:
        with deadline(seconds, what="extracting", path=pdf):
            found = read_embedded(pdf, max_bytes=default_limit(limits), assets=to_folder)
    except TimeLimitError as exc:
        raise CheckError(exc.message, path=pdf) from None
    if output is None:
        sys.stdout.buffer.write(found.source.data)
    elif not to_folder:
        try:
            write_atomic(output, found.source.data)
        except OSError as exc:
            raise ConfigError(f"cannot write: {exc.strerror or exc}", path=output) from None
        note(f"wrote {output}")
    else:
        files = [(found.source.path, found.source.data)]
        files += [(asset.path, asset.data) for asset in found.assets]
        write_tree(output, files)
        assets = len(found.assets)
        note(f"wrote {output / found.source.name} and {assets} asset{'s' * (assets != 1)}")


@main.command()
@click.argument("source", type=click.Path(path_type=Path))
@theme_option
@global_options
def html(source: Path, theme: str | None) -> None:
    """Print the HTML stage of a letter (for theme work)."""
    from briefpers.pipeline import render_letter_html

    settings = settings_from_env()
    theme = theme or settings.office.theme
    click.echo(render_letter_html(source, settings=settings, theme=theme))


@main.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@output_folder_option("Folder for the pages (<name>.html).")
@theme_option
@timeout_option("letter")
@global_options
def web(sources: tuple[Path, ...], out_dir: Path, theme: str | None, timeout: float | None) -> None:
    """Write the web edition of each letter: a standalone accessible HTML page.

    SOURCES are files, folders of *.xml, or @LIST files of paths.
    The theme's screen stylesheet inlined, images embedded, nothing loaded.
    `build --format pdf,html` writes it beside the PDF (and in the manifest).
    """
    from briefpers.batch.files import write_atomic
    from briefpers.batch.sources import find_sources
    from briefpers.editions import web_edition
    from briefpers.errors import OutputError
    from briefpers.limits import deadline
    from briefpers.outputs import page_name

    settings = settings_from_env(timeout)
    for source in find_sources(sources):
        with deadline(settings.limits.timeout, what="making the web edition", path=source):
            page = web_edition(source, settings=settings, theme=theme)
        target = out_dir / page_name(source.stem)
        try:
            write_atomic(target, page)
        except OSError as exc:
            raise OutputError(f"cannot write: {exc.strerror or exc}", path=target) from None
        click.echo(f"wrote {target}", err=True)


@main.command()
@click.option("--report", is_flag=True, help="The JSON Schema of `build --report` instead.")
@global_options
def schema(report: bool) -> None:
    """Print the path of the letter schema (XSD), or of the report's JSON Schema."""
    if report:
        from briefpers.batch.run import report_schema_path

        click.echo(report_schema_path())
        return
    from briefpers.source.load import schema_path

    click.echo(schema_path())


@main.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@output_folder_option("Folder for the PNGs (<stem>-<page>.png).")
@theme_option
@click.option("--dpi", type=click.IntRange(10, 600), default=60, show_default=True)
@click.option("--gray", is_flag=True, help="16 shades of grey (small files, for references).")
@global_options
def preview(
    sources: tuple[Path, ...], out_dir: Path, theme: str | None, dpi: int, gray: bool
) -> None:
    """Write a PNG of every page of each letter (built in memory; needs pdftoppm)."""
    from briefpers.batch.files import write_atomic
    from briefpers.preview import preview as make_preview
    from briefpers.preview import stale_pages

    settings = settings_from_env()
    theme = theme or settings.office.theme
    for source in sources:
        result = make_preview(source, settings=settings, theme=theme, dpi=dpi, gray=gray)
        for name, png in zip(result.names(), result.pages, strict=True):
            write_atomic(out_dir / name, png)
        for old in stale_pages(out_dir, result):
            old.unlink()
        say(f"wrote {len(result.pages)} pages of {source} to {out_dir}/{result.stem}-*.png")


@main.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--strict/--no-strict",
    default=None,
    help="Treat warnings as errors (default: the settings file's `strict`, else no).",
)
@timeout_option("letter")
@click.option(
    "--mdto",
    "with_mdto",
    is_flag=True,
    help="Also check what the MDTO record needs (an identifier; appraisal and use "
    "restriction other than the defaults).",
)
@global_options
def lint(
    sources: tuple[Path, ...], strict: bool | None, timeout: float | None, with_mdto: bool = False
) -> None:
    """Check letter sources before publishing: placeholders, empty notes, dates, names,
    importers' remarks still standing.

    Prints `file:line:col: error|warning: message`. Exit 0: clean, or only
    warnings without --strict; 8: errors; 3: a source is unreadable or invalid.
    """
    from briefpers.lint import expand, lint_paths

    settings = settings_from_env(timeout)
    strict = settings.office.strict is True if strict is None else strict
    files = expand(sources)
    mdto = _mdto_settings(settings) if with_mdto else None
    result = lint_paths(files, strict=strict, limits=settings.limits, mdto=mdto)
    for finding in result.findings:
        click.echo(str(finding))
    errors, warnings = _count(result.errors, "error"), _count(result.warnings, "warning")
    note(f"{_count(len(files), 'file')}: {errors}, {warnings}")
    if result.exit_code:
        sys.exit(int(result.exit_code))


@main.group(name="import", cls=click.Group)
@global_options
def import_group() -> None:
    """Import an old letter into a letter source, to check and then build."""


def _import_options(command):
    """FILE, -o, the reissue options and --timeout, shared by the importers."""
    for option in reversed(
        [
            click.argument("file", type=click.Path(dir_okay=False, path_type=Path)),
            click.option(
                "-o",
                "--output",
                type=click.Path(dir_okay=False, path_type=Path),
                help="Where to write the letter source (default: stdout).",
            ),
            click.option(
                "--reissue-of",
                metavar="IDENT",
                help="Mark the letter as a reissue of IDENT (e.g. 'Kamerstuk 12 345, nr. 67').",
            ),
            click.option(
                "--original-date",
                type=click.DateTime(formats=["%Y-%m-%d"]),
                help="The letter's own date, YYYY-MM-DD, when the input lacks one "
                "(a different date than the input's is an error).",
            ),
            click.option(
                "--reissue-date",
                type=click.DateTime(formats=["%Y-%m-%d"]),
                help="The day of the reissue, YYYY-MM-DD (default: the day of "
                "SOURCE_DATE_EPOCH when set, else today).",
            ),
            click.option("--reissue-reason", metavar="TEXT", help="Why the letter is reissued."),
            click.option(
                "--timeout",
                type=click.FloatRange(min=0),
                help="Seconds before the import fails "
                "(default: BRIEFPERS_TIMEOUT or 300; 0: none).",
            ),
        ]
    ):
        command = option(command)
    return command


def _reissue_day(given: dt.datetime | None, epoch: int | None) -> dt.date:
    """--reissue-date, else the day of SOURCE_DATE_EPOCH (reproducible), else today."""
    if given is not None:
        return given.date()
    if epoch is not None:
        return dt.datetime.fromtimestamp(epoch, tz=dt.UTC).date()
    return dt.date.today()


def _run_import(importer, file: Path, output: Path | None, options: dict) -> None:
    from briefpers.batch.files import write_atomic
    from briefpers.importers import Reissue
    from briefpers.limits import deadline

    reissue_of = options.pop("reissue_of")
    original, day, reason = (
        options.pop("original_date"),
        options.pop("reissue_date"),
        options.pop("reissue_reason"),
    )
    timeout = options.pop("timeout")
    if not reissue_of and (original or day or reason):
        raise click.UsageError(
            "--original-date, --reissue-date and --reissue-reason need --reissue-of"
        )
    settings = settings_from_env(timeout)
    reissue = None
    if reissue_of:
        reissue = Reissue(
            identifier=reissue_of,
            day=_reissue_day(day, settings.epoch),
            original_date=original.date() if original else None,
            reason=reason or None,
        )
    limits = settings.limits
    with deadline(limits.timeout, what="importing the letter", path=file):
        result = importer(file, reissue=reissue, limits=limits, **options)
    for line in result.warnings:
        click.echo(line, err=True)
    if output is None:
        sys.stdout.buffer.write(result.xml)
    else:
        write_atomic(output, result.xml)
        click.echo(
            f"wrote {output}: check its {result.remarks} 'briefpers-import' comments, "
            f"then run: briefpers lint {output}",
            err=True,
        )


@import_group.command("text")
@_import_options
@global_options
def import_text(file: Path, output: Path | None, **options) -> None:
    """Import FILE, a letter's text as pdftotext writes it (UTF-8)."""
    from briefpers.importers.text import import_text_file

    _run_import(import_text_file, file, output, options)


@import_group.command("opxml")
@_import_options
@click.option(
    "--metadata",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The publication's metadata record (default: found beside FILE, e.g. "
    "kst-…/metadata.xml or kst-…_metadata.xml).",
)
@global_options
def import_opxml(file: Path, output: Path | None, **options) -> None:
    """Import FILE, official publication XML (Kamerstuk, Staatsblad, Staatscourant, …)."""
    from briefpers.importers.opxml import import_opxml_file

    _run_import(import_opxml_file, file, output, options)


if __name__ == "__main__":
    main()
