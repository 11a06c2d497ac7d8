"""The command line: the only module that parses arguments, prints and exits."""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

import click

from briefpers import __version__
from briefpers.errors import BriefpersError, ExitCode

DEBUG = {"on": False}


def fail(exc: BaseException) -> None:
    """Print one line for a known error (a traceback only with --debug) and exit."""
    if DEBUG["on"]:
        traceback.print_exception(exc)
    if isinstance(exc, BriefpersError):
        click.echo(f"error: {exc}", err=True)
        sys.exit(int(exc.exit_code))
    click.echo(f"internal error: {type(exc).__name__}: {exc} (rerun with --debug)", err=True)
    sys.exit(int(ExitCode.INTERNAL))


class Group(click.Group):
    """Turns every escaping exception into one line and a documented exit code."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except Exception as exc:
            fail(exc)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="briefpers")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
def main(debug: bool) -> None:
    """Turn letter XML sources into archival PDF/A-3a + PDF/UA-1 letters."""
    DEBUG["on"] = debug


@main.command()
@click.argument("sources", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("output"),
    show_default=True,
    help="Folder for the PDFs.",
)
@click.option("--theme", help="Theme name or folder (default: the letter's, else rijk).")
@click.option(
    "--profile",
    type=click.Choice(["pdfa-3a-ua1", "pdfa-2a-ua1"]),
    default="pdfa-3a-ua1",
    show_default=True,
    help="Archival profile; pdfa-2a-ua1 embeds no source.",
)
def build(sources: tuple[Path, ...], out_dir: Path, theme: str | None, profile: str) -> None:
    """Build SOURCES (files or folders of *.xml; default: input/) into PDFs."""
    from briefpers.build.batch import build_all, find_sources

    found = find_sources(sources or (Path("input"),))
    if not found:
        click.echo("nothing to build: no *.xml sources found", err=True)
        sys.exit(int(ExitCode.USAGE))
    failed = 0
    results = build_all(found, out_dir, theme=theme, profile=profile)
    for result in results:
        if result.ok:
            click.echo(f"built {result.output} ({result.pages} pages)")
        else:
            failed += 1
            click.echo(f"error: {result.error}", err=True)
    total = len(found)
    click.echo(f"{total - failed} of {total} letters built")
    if failed:
        code = results_code(failed, total, last=result.error)
        sys.exit(int(code))


def results_code(failed: int, total: int, last: BriefpersError | None) -> ExitCode:
    """One letter: its own error's code. A batch: SOME_FAILED."""
    if total == 1 and last is not None:
        return last.exit_code
    return ExitCode.SOME_FAILED


@main.command()
@click.argument("pdfs", nargs=-1, required=True, type=click.Path(path_type=Path))
def check(pdfs: tuple[Path, ...]) -> None:
    """Fast in-process preflight of archival PDFs (no Java)."""
    from briefpers.check.preflight import preflight

    bad = 0
    for path in pdfs:
        report = preflight(path)
        facts = " ".join(f"{k}={v}" for k, v in report.facts.items())
        if report.ok:
            click.echo(f"ok   {path} {facts}")
        else:
            bad += 1
            click.echo(f"FAIL {path}: {'; '.join(report.problems)}")
    if bad:
        sys.exit(int(ExitCode.CHECK_FAILED))


@main.command()
@click.argument("pdfs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--flavour", help="Check one flavour (e.g. 3a, ua1) instead of all declared.")
@click.option("--json", "json_out", type=click.Path(path_type=Path), help="Write verdicts as JSON.")
def validate(pdfs: tuple[Path, ...], flavour: str | None, json_out: Path | None) -> None:
    """Validate PDFs with veraPDF: exit 0 only if every declared flavour passes."""
    import json

    from briefpers.build.files import write_atomic
    from briefpers.check.verapdf import validate as run_verapdf

    verdicts = run_verapdf(list(pdfs), flavour=flavour)
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
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Where to write the XML.")
def extract(pdf: Path, output: Path | None) -> None:
    """Write the XML source embedded in an archival PDF (default: to stdout)."""
    from briefpers.archive.extract import extract_source
    from briefpers.build.files import write_atomic

    _name, data = extract_source(pdf)
    if output is None:
        sys.stdout.buffer.write(data)
    else:
        write_atomic(output, data)
        click.echo(f"wrote {output}", err=True)


@main.command()
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--theme", help="Theme name or folder.")
def html(source: Path, theme: str | None) -> None:
    """Print the HTML stage of a letter (for theme work)."""
    from briefpers.pipeline import render_letter_html

    click.echo(render_letter_html(source, theme=theme))


@main.command()
def schema() -> None:
    """Print the path of the letter schema (XSD)."""
    from briefpers.source.load import schema_path

    click.echo(schema_path())


if __name__ == "__main__":
    main()
