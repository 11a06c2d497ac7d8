"""The command line: the only module that parses arguments, prints and exits."""

from __future__ import annotations

import datetime as dt
import sys
import traceback
from pathlib import Path

import click

from briefpers import __version__
from briefpers.errors import BriefpersError, ExitCode
from briefpers.profiles import DEFAULT_PROFILE, PROFILES

DEBUG = {"on": False}


def fail(exc: BaseException) -> None:
    """Print one line for a known error (a traceback only with --debug) and exit."""
    if DEBUG["on"]:
        traceback.print_exception(exc)
    # One line, whatever the message holds (libxml2 and others embed newlines).
    if isinstance(exc, BriefpersError):
        click.echo(f"error: {_one_line(str(exc))}", err=True)
        sys.exit(int(exc.exit_code))
    message = _one_line(f"{type(exc).__name__}: {exc}")
    click.echo(f"error: internal error: {message} (rerun with --debug)", err=True)
    sys.exit(int(ExitCode.INTERNAL))


def _one_line(text: str) -> str:
    return " ".join(text.split())


class Group(click.Group):
    """Turns every escaping exception into one line and a documented exit code."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(int(ExitCode.INTERRUPTED))
        except Exception as exc:
            fail(exc)


def output_folder_option(help_text: str):
    """`-o/--output DIR`, default `output/`: shared by the commands that write files."""
    return click.option(
        "-o",
        "--output",
        "out_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("output"),
        show_default=True,
        help=help_text,
    )


theme_option = click.option(
    "--theme", help="Theme name or folder (default: the letter's, else its kind's, else rijk)."
)


def settings_from_env(timeout: float | None = None):
    """Read the environment once, here at the edge (a wrong setting: exit 2)."""
    import dataclasses

    from briefpers.settings import Settings

    settings = Settings.from_env()
    if timeout is not None:
        limits = dataclasses.replace(settings.limits, timeout=timeout)
        settings = dataclasses.replace(settings, limits=limits)
    return settings


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="briefpers")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
def main(debug: bool) -> None:
    """Turn letter XML sources into archival PDF/A-3a + PDF/UA-1 letters."""
    DEBUG["on"] = debug


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
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    help="Worker processes (default: all cores; with dask and no --scheduler: local workers).",
)
@click.option("--force", is_flag=True, help="Rebuild every letter, up to date or not.")
@click.option(
    "--validate",
    "run_validate",
    is_flag=True,
    help="Validate the PDFs with veraPDF (one JVM) and record verdicts in the manifest.",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the run's JSON report (per letter: status, error, durations) to FILE.",
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
    "--strict", is_flag=True, help="Lint first; any finding (warnings too) stops the build."
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0),
    help="Seconds per letter before it fails (default: BRIEFPERS_TIMEOUT or 300; 0: none).",
)
def build(
    sources: tuple[Path, ...],
    out_dir: Path,
    theme: str | None,
    profile: str,
    jobs: int | None,
    force: bool,
    run_validate: bool,
    report_path: Path | None,
    executor: str,
    scheduler: str | None,
    strict: bool = False,
    timeout: float | None = None,
) -> None:
    """Build SOURCES into PDFs, skipping letters that are up to date.

    SOURCES are files, folders of *.xml, or @LIST files of paths (default:
    input/). Content hashes in OUTPUT/manifest.json decide what is up to date.
    """
    from briefpers.batch import progress
    from briefpers.batch.executors import make_executor
    from briefpers.batch.run import (
        Batch,
        Options,
        check_report_path,
        interrupt_on_sigterm,
        write_report,
    )
    from briefpers.batch.sources import find_sources

    if scheduler and executor != "dask":
        raise click.UsageError("--scheduler needs --executor dask")
    settings = settings_from_env(timeout)
    if report_path is not None:
        check_report_path(report_path)  # exit 4 now, not after building every letter
    found = find_sources(sources or (Path("input"),))
    if not found:
        click.echo("nothing to build: no *.xml sources found", err=True)
        sys.exit(int(ExitCode.USAGE))
    if strict:
        from briefpers.lint import gate

        gate(found, lambda line: click.echo(line, err=True))
    if run_validate:
        from briefpers.check.verapdf import find_verapdf

        find_verapdf(settings.verapdf_jar)  # a missing Java stops the run before rendering
    options = Options(out_dir, theme=theme, profile=profile, force=force, settings=settings)
    batch = Batch(found, options)
    batch.plan()  # an output folder that cannot be written: exit 4 here, before rendering
    for line in batch.warnings:
        click.echo(line, err=True)
    runner = make_executor(executor, jobs=jobs, scheduler=scheduler)

    def echo(line: str, err: bool) -> None:
        click.echo(line, err=err)

    if sys.stderr.isatty() and batch.to_run:  # nothing to build: not worth importing rich
        from rich.console import Console

        display: progress.Display = progress.RichProgress(Console(stderr=True))
    else:
        display = progress.PlainProgress(echo)
    display.start(len(found), batch.to_run)
    try:
        with interrupt_on_sigterm():
            for result in batch.run(runner):
                display.advance(result)
    finally:
        display.close()
    for line in batch.notices:
        click.echo(f"warning: {line}", err=True)
    if run_validate:
        for result in batch.validate():
            click.echo(progress.verdict_line(result))

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
    click.echo(progress.summary_line(counts, batch.seconds))
    if report_path is not None:
        write_report(
            report_path,
            batch.report(executor=runner.name, workers=runner.workers, exit_code=int(code)),
        )
    if code:
        sys.exit(int(code))


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
@click.option(
    "--timeout",
    type=click.FloatRange(min=0),
    help="Seconds per letter before it fails (default: BRIEFPERS_TIMEOUT or 300; 0: none).",
)
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
    from briefpers.batch.sources import find_sources
    from briefpers.themes import operator_themes
    from briefpers.watch import Watcher, check_preview

    settings = settings_from_env(timeout)
    args = sources or (Path("input"),)
    find_sources(args)  # a missing file or folder: exit 2 now
    operator_themes(settings, theme)  # a wrong --theme or theme setting: now, not per save
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
@click.option(
    "--timeout",
    type=click.FloatRange(min=0),
    help="Seconds per PDF before it fails (default: BRIEFPERS_TIMEOUT or 300; 0: none).",
)
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

    seconds = settings_from_env(timeout).limits.timeout
    fonts_for = _theme_fonts(theme)
    bad = 0
    for path in pdfs:
        try:
            with deadline(seconds, what="checking the PDF", path=path):
                report = preflight(path, fonts=fonts_for)
        except TimeLimitError as exc:
            report = Report(path, problems=[exc.message])
        facts = " ".join(f"{k}={v}" for k, v in report.facts.items())
        for note in report.notes:
            click.echo(f"note: {path}: {note}", err=True)
        if report.ok:
            click.echo(f"ok   {path} {facts}")
        else:
            bad += 1
            click.echo(f"FAIL {path}: {_one_line('; '.join(report.problems))}")
    if bad:
        sys.exit(int(ExitCode.CHECK_FAILED))


def _theme_fonts(forced: str | None):
    """For `check`: the font files of the theme given, else of the theme a PDF names."""
    import re

    from briefpers.errors import BriefpersError
    from briefpers.themes import load_theme

    if forced is not None:
        files = [face.path for face in load_theme(forced).fonts]  # a wrong --theme: exit now
        return lambda _named: files
    cache: dict[str, list[Path] | None] = {}

    def rule(named: str | None) -> list[Path] | None:
        # The name comes from the PDF, which may be hostile: a plain theme
        # name only, never a path.
        if not named or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", named):
            return None
        if named not in cache:
            try:
                cache[named] = [face.path for face in load_theme(named).fonts]
            except BriefpersError:
                cache[named] = None
        return cache[named]

    return rule


@main.command()
@click.argument("pdfs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--flavour",
    help="Check one flavour instead of all the file declares: 1a 1b 2a 2b 2u 3a 3b 3u "
    "4 4e 4f (PDF/A), ua1 ua2 (PDF/UA), wt1a wt1r (WTPDF).",
)
@click.option("--json", "json_out", type=click.Path(path_type=Path), help="Write verdicts as JSON.")
def validate(pdfs: tuple[Path, ...], flavour: str | None, json_out: Path | None) -> None:
    """Validate PDFs with veraPDF: exit 0 only if every declared flavour passes.

    Without --flavour each file is checked against every flavour its XMP
    declares (PDF/A-1 to 4, PDF/UA-1 and 2). Exit 6: a file failed or could
    not be validated; 7: veraPDF or Java is missing or failed to run; 2: an
    unknown flavour.
    """
    import json

    from briefpers.batch.files import write_atomic
    from briefpers.check.verapdf import check_flavour
    from briefpers.check.verapdf import validate as run_verapdf

    check_flavour(flavour)  # before Java is even looked for
    verdicts = run_verapdf(list(pdfs), flavour=flavour, jar=settings_from_env().verapdf_jar)
    failed_rules = 0
    for verdict in verdicts:
        if verdict.error:
            click.echo(f"FAIL {verdict.path}: {verdict.error}")
            continue
        for result in verdict.flavours:
            failed_rules += result.failed_rule_count
            status = "PASS" if result.compliant else "FAIL"
            line = f"{status} {verdict.path} {result.flavour}"
            if not result.compliant:
                rules = ", ".join(r.rule_id for r in result.failed_rules)
                line += f": {result.failed_rule_count} failed rules ({rules})"
            click.echo(line)
    passed = sum(v.compliant for v in verdicts)
    flavours = sum(len(v.flavours) for v in verdicts)
    click.echo(
        f"{passed} of {len(verdicts)} files compliant; {flavours} flavour checks, "
        f"{failed_rules} failed rules"
    )
    if json_out:
        data = {"verdicts": [v.to_dict() for v in verdicts]}
        write_atomic(json_out, (json.dumps(data, indent=2, sort_keys=True) + "\n").encode())
    if passed != len(verdicts):
        sys.exit(int(ExitCode.CHECK_FAILED))


@main.command()
@click.argument("pdf", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="A FOLDER: the source and its embedded assets; a FILE.xml: the source only "
    "(default: the source to stdout).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0),
    help="Seconds before it fails (default: BRIEFPERS_TIMEOUT or 300; 0: none).",
)
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
        click.echo(f"wrote {output}", err=True)
    else:
        files = [(found.source.path, found.source.data)]
        files += [(asset.path, asset.data) for asset in found.assets]
        write_tree(output, files)
        assets = len(found.assets)
        click.echo(
            f"wrote {output / found.source.name} and {assets} asset{'s' * (assets != 1)}",
            err=True,
        )


@main.command()
@click.argument("source", type=click.Path(path_type=Path))
@theme_option
def html(source: Path, theme: str | None) -> None:
    """Print the HTML stage of a letter (for theme work)."""
    from briefpers.pipeline import render_letter_html

    click.echo(render_letter_html(source, settings=settings_from_env(), theme=theme))


@main.command()
def schema() -> None:
    """Print the path of the letter schema (XSD)."""
    from briefpers.source.load import schema_path

    click.echo(schema_path())


@main.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@output_folder_option("Folder for the PNGs (<stem>-<page>.png).")
@theme_option
@click.option("--dpi", type=click.IntRange(10, 600), default=60, show_default=True)
@click.option("--gray", is_flag=True, help="16 shades of grey (small files, for references).")
def preview(
    sources: tuple[Path, ...], out_dir: Path, theme: str | None, dpi: int, gray: bool
) -> None:
    """Write a PNG of every page of each letter (built in memory; needs pdftoppm)."""
    from briefpers.batch.files import write_atomic
    from briefpers.preview import preview as make_preview
    from briefpers.preview import stale_pages

    settings = settings_from_env()
    for source in sources:
        result = make_preview(source, settings=settings, theme=theme, dpi=dpi, gray=gray)
        for name, png in zip(result.names(), result.pages, strict=True):
            write_atomic(out_dir / name, png)
        for old in stale_pages(out_dir, result):
            old.unlink()
        click.echo(f"wrote {len(result.pages)} pages of {source} to {out_dir}/{result.stem}-*.png")


@main.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
def lint(sources: tuple[Path, ...], strict: bool) -> None:
    """Check letter sources before publishing: placeholders, empty notes, dates, names.

    Prints `file:line: error|warning: message`. Exit 0: clean, or only
    warnings without --strict; 8: errors; 3: a source is unreadable or invalid.
    """
    from briefpers.lint import expand, lint_paths

    files = expand(sources)
    result = lint_paths(files, strict=strict)
    for finding in result.findings:
        click.echo(str(finding))
    click.echo(f"{len(files)} files: {result.errors} errors, {result.warnings} warnings", err=True)
    if result.exit_code:
        sys.exit(int(result.exit_code))


@main.group(name="import")
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
def import_opxml(file: Path, output: Path | None, **options) -> None:
    """Import FILE, official publication XML (Kamerstuk, Staatsblad, Staatscourant, …)."""
    from briefpers.importers.opxml import import_opxml_file

    _run_import(import_opxml_file, file, output, options)


if __name__ == "__main__":
    main()
