"""Command-line conventions: -q/-v, the progress display (terminal, CI), `-` for standard
output, the versioned JSON report against its published schema, python -m briefpers."""

from __future__ import annotations

import json
import os
import pty
import select
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from briefpers import __version__, cli
from briefpers.batch import progress
from briefpers.cli import main
from briefpers.errors import ExitCode
from tests.conftest import have_verapdf

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "docs" / "schema" / "report.schema.json").read_text())
WATER = ROOT / "input" / "water-quality-2023.xml"
KAMERSTUK = ROOT / "input" / "kamerstuk-voorbeelddossier-2020.xml"


def _report(stdout: str) -> dict:
    report = json.loads(stdout)
    jsonschema.Draft202012Validator(SCHEMA).validate(report)
    return report


@pytest.fixture
def letters(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(WATER, folder)
    shutil.copy(KAMERSTUK, folder)
    (folder / "bad.xml").write_text(WATER.read_text().replace("<subject>", "<subjct>", 1))
    return folder


def test_python_m_briefpers() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "briefpers", "--version"], capture_output=True, text=True
    )
    assert done.returncode == 0 and done.stdout == f"briefpers, version {__version__}\n"


def test_report_to_stdout_validates_against_the_schema(letters: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "out"
    result = runner.invoke(
        main, ["build", str(letters), "-o", str(out), "-j", "1", "--report", "-"]
    )
    assert result.exit_code == ExitCode.SOME_FAILED
    report = _report(result.stdout)  # nothing but the JSON on stdout
    assert (report["format"], report["version"]) == ("briefpers-report", 1)
    by_status = {r["source"].rsplit("/", 1)[-1]: r["status"] for r in report["letters"]}
    assert by_status == {
        "bad.xml": "failed",
        "kamerstuk-voorbeelddossier-2020.xml": "built",
        "water-quality-2023.xml": "built",
    }
    failed = next(r for r in report["letters"] if r["status"] == "failed")
    assert failed["exit_code"] == ExitCode.INVALID_SOURCE
    assert failed["error"] in result.stderr  # the same line the user saw
    assert "built " in result.stderr and "not a file" not in result.stderr
    assert not Path("-").exists()
    # A rerun: up-to-date letters in the same shape; a file report is the same JSON.
    result = runner.invoke(
        main, ["build", str(letters), "-o", str(out), "--report", str(tmp_path / "r.json")]
    )
    file_report = _report((tmp_path / "r.json").read_text())
    assert {r["status"] for r in file_report["letters"]} == {"skipped", "failed"}
    # The published schema is the one `briefpers schema --report` points to.
    where = runner.invoke(main, ["schema", "--report"]).stdout.strip()
    assert json.loads(Path(where).read_text()) == SCHEMA


def test_the_schema_refuses_what_the_report_never_holds() -> None:
    letter = jsonschema.Draft202012Validator({"$ref": "#/$defs/letter", "$defs": SCHEMA["$defs"]})
    failed = {"source": "a.xml", "output": "o/a.pdf", "status": "failed", "seconds": 0.1}
    assert letter.is_valid(failed | {"exit_code": 3, "error": "a.xml:1:1: error: x"})
    assert not letter.is_valid(failed | {"exit_code": 3})  # a failure says why
    assert not letter.is_valid(failed | {"exit_code": 0, "error": "a.xml: error: x"})
    built = failed | {"status": "built", "exit_code": 0}
    assert letter.is_valid(built) and not letter.is_valid(built | {"colour": "red"})


def test_quiet_and_verbose(tmp_path: Path) -> None:
    runner = CliRunner()
    source = tmp_path / "water.xml"
    shutil.copy(WATER, source)
    out = str(tmp_path / "out")
    quiet = runner.invoke(main, ["-q", "build", str(source), "-o", out])
    assert quiet.exit_code == 0 and quiet.stdout == "" and quiet.stderr == ""
    verbose = runner.invoke(main, ["build", "-v", str(source), "-o", out, "--force"])
    assert "built " in verbose.stdout and ": forced [1/1]" in verbose.stdout
    verbose = runner.invoke(main, ["build", str(source), "-o", out, "--verbose"])
    assert f"up to date {out}/water.pdf" in verbose.stdout
    normal = runner.invoke(main, ["build", str(source), "-o", out])
    assert normal.stdout == normal.stdout.splitlines()[-1] + "\n"  # the summary alone
    (tmp_path / "bad.xml").write_text("<letter>")
    quiet = runner.invoke(main, ["build", "-q", str(tmp_path / "bad.xml"), "-o", out])
    assert quiet.exit_code == ExitCode.INVALID_SOURCE and quiet.stdout == ""
    assert quiet.stderr.startswith(f"{tmp_path / 'bad.xml'}:1:")  # errors are never hidden


@pytest.mark.parametrize(
    ("tty", "ci", "flag", "bar"),
    [
        (True, "", None, True),
        (True, "true", None, False),
        (True, "0", None, True),
        (False, "", None, False),
        (True, "", False, False),
        (False, "true", True, True),
    ],
)
def test_the_progress_bar_only_on_a_terminal_outside_ci(monkeypatch, tty, ci, flag, bar) -> None:
    monkeypatch.setattr(sys.stderr, "isatty", lambda: tty, raising=False)
    monkeypatch.setenv("CI", ci)
    cli.CLI.__init__()
    cli.CLI.progress = flag
    display = cli._display(3)
    assert isinstance(display, progress.RichProgress if bar else progress.PlainProgress)


def _on_a_terminal(args: list[str], env: dict[str, str], cwd: Path) -> str:
    """Run briefpers with a pseudo-terminal as stdout and stderr; what the terminal saw."""
    main_fd, child_fd = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "briefpers", *args],
        stdout=child_fd,
        stderr=child_fd,
        stdin=subprocess.DEVNULL,
        env=env,
        cwd=cwd,
    )
    os.close(child_fd)
    seen = b""
    while True:
        ready, _, _ = select.select([main_fd], [], [], 120)
        if not ready:
            proc.kill()
            break
        try:
            chunk = os.read(main_fd, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    proc.wait(60)
    os.close(main_fd)
    return seen.decode("utf-8", "replace")


def test_on_a_terminal_the_letter_lines_stay_and_ci_gets_plain_lines(tmp_path: Path) -> None:
    shutil.copy(WATER, tmp_path / "water.xml")
    env = {k: v for k, v in os.environ.items() if k != "CI"} | {"COLUMNS": "100"}
    seen = _on_a_terminal(["build", "water.xml", "-o", "bar"], env, tmp_path)
    assert "built bar/water.pdf (2 pages" in seen and "\x1b[" in seen  # the bar drew
    seen = _on_a_terminal(["build", "water.xml", "-o", "ci"], env | {"CI": "true"}, tmp_path)
    assert "built ci/water.pdf (2 pages" in seen and "[1/1]" in seen and "\x1b[" not in seen


@pytest.mark.skipif(not have_verapdf(), reason="Java missing (make tools)")
def test_validate_json_to_stdout(tmp_path: Path) -> None:
    runner = CliRunner()
    source = tmp_path / "water.xml"
    shutil.copy(WATER, source)
    out = tmp_path / "out"
    result = runner.invoke(
        main, ["build", str(source), "-o", str(out), "--validate", "--report", "-"]
    )
    assert result.exit_code == 0, result.stderr
    report = _report(result.stdout)
    assert report["letters"][0]["verapdf"]["compliant"] is True
    assert report["totals"]["validated"] == 1
    result = runner.invoke(main, ["validate", str(out / "water.pdf"), "--json", "-"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["verdicts"][0]["compliant"] is True
    assert "PASS" in result.stderr and not Path("-").exists()


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["build", "--jobs", "x", "input"], ["'-j' / '--jobs'", "'x'", "'briefpers build --help'"]),
        (["build", "--nosuch"], ["'--nosuch'", "did you mean", "'briefpers build --help'"]),
        (["build", "--profile", "pdfa-9"], ["'--profile'", "'pdfa-9'", "pdfa-3a-ua1"]),
        (["import", "text"], ["missing argument 'FILE'", "'briefpers import text --help'"]),
        (["nosuch"], ["no such command 'nosuch'", "'briefpers --help'"]),
        (["--nosuch"], ["no such option '--nosuch'"]),
    ],
)
def test_command_line_mistakes_are_one_diagnostic_line(args: list[str], names: list[str]) -> None:
    """Like every other diagnostic: one `error:` line (click prints a usage block
    and `Error:`), exit 2, nothing on stdout."""
    result = CliRunner().invoke(main, args, prog_name="briefpers")
    assert result.exit_code == ExitCode.USAGE
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for name in names:
        assert name in lines[0]


def test_briefpers_alone_still_shows_its_help() -> None:
    result = CliRunner().invoke(main, [], prog_name="briefpers")
    assert "Usage: briefpers [OPTIONS] COMMAND" in result.output
    assert "build" in result.output
