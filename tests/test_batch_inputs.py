"""What a batch reads: regular files only, and file names that are not UTF-8.

A FIFO (or a device) given as a source, listed in an `@list`, or found in a
folder is one failed letter with a clear line, at once; `lint` refuses it too.
Commands that could hang run in a subprocess with a timeout, so that a
regression fails the test instead of blocking the suite.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from briefpers.batch import manifest
from briefpers.errors import ExitCode

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "input" / "water-quality-2023.xml"
CLI = [sys.executable, "-m", "briefpers.cli"]


def letter(path: Path, n: int = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = BASE.read_text(encoding="utf-8").replace("Progress report", f"Progress report {n}")
    path.write_text(text, "utf-8")
    return path


def cli(cwd: Path, *args: str | os.PathLike | bytes) -> subprocess.CompletedProcess:
    """The CLI in a subprocess; 60 s is far more than any of these needs (a hang fails)."""
    return subprocess.run(
        [*CLI, *args], cwd=cwd, capture_output=True, text=True, timeout=60, errors="replace"
    )


def errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "error: " in line]


def test_a_fifo_source_fails_at_once_and_the_rest_builds(tmp_path):
    letter(tmp_path / "in" / "good.xml")
    os.mkfifo(tmp_path / "in" / "pipe.xml")  # in the folder: not skipped silently either
    done = cli(tmp_path, "build", "in", "-o", "out", "--report", "r.json")
    assert done.returncode == ExitCode.SOME_FAILED, done.stderr
    assert errors(done.stderr) == [
        "in/pipe.xml: error: is a FIFO (named pipe), not a letter source: "
        "only regular files are read"
    ]
    assert "1 built, 0 up to date, 1 failed" in done.stdout
    assert sorted(manifest.read(tmp_path / "out")) == ["good.pdf"]
    report = json.loads((tmp_path / "r.json").read_text())
    (bad,) = [r for r in report["letters"] if r["status"] == "failed"]
    assert bad["exit_code"] == ExitCode.INVALID_SOURCE


def test_a_single_fifo_or_device_source_is_an_invalid_source(tmp_path):
    os.mkfifo(tmp_path / "pipe.xml")
    done = cli(tmp_path, "build", "pipe.xml", "-o", "out")
    assert done.returncode == ExitCode.INVALID_SOURCE
    assert errors(done.stderr) == [
        "pipe.xml: error: is a FIFO (named pipe), not a letter source: only regular files are read"
    ]
    (tmp_path / "zero.xml").symlink_to("/dev/zero")
    done = cli(tmp_path, "build", "zero.xml", "-o", "out")
    assert done.returncode == ExitCode.INVALID_SOURCE
    assert "zero.xml: error: is a device, not a letter source" in done.stderr
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("*.pdf"))


def test_lint_refuses_a_fifo(tmp_path):
    os.mkfifo(tmp_path / "pipe.xml")
    good = letter(tmp_path / "good.xml")
    done = cli(tmp_path, "lint", "pipe.xml", good.name)
    assert done.returncode == ExitCode.INVALID_SOURCE
    assert (
        "pipe.xml: error: is a FIFO (named pipe), not a letter source: only regular files are read"
    ) in done.stdout


def test_a_fifo_as_list_file_is_a_usage_error(tmp_path):
    os.mkfifo(tmp_path / "list.txt")
    done = cli(tmp_path, "build", "@list.txt", "-o", "out")
    assert done.returncode == ExitCode.USAGE
    assert errors(done.stderr) == [
        "list.txt: error: cannot read the list: is a FIFO (named pipe), not a regular file"
    ]


def test_a_fifo_named_manifest_is_moved_aside(tmp_path):
    letter(tmp_path / "a.xml")
    (tmp_path / "out").mkdir()
    os.mkfifo(tmp_path / "out" / "manifest.json")
    done = cli(tmp_path, "build", "a.xml", "-o", "out")
    assert done.returncode == 0, done.stderr
    (warning,) = [line for line in done.stderr.splitlines() if line.startswith("warning:")]
    assert warning.startswith("warning: out/manifest.json could not be read (is a FIFO")
    aside = list((tmp_path / "out").glob("manifest.json.corrupt-*"))
    assert len(aside) == 1 and aside[0].is_fifo()
    assert sorted(manifest.read(tmp_path / "out")) == ["a.pdf"]


@pytest.mark.parametrize("profile", ["pdfa-3a-ua1", "pdfa-2a-ua1"])
def test_a_file_name_that_is_not_utf8_fails_alone(tmp_path, profile):
    folder = tmp_path / "in"
    letter(folder / "a.xml", 1)
    letter(folder / "b.xml", 2)
    letter(Path(os.fsdecode(bytes(folder) + b"/caf\xe9.xml")), 3)
    done = cli(tmp_path, "build", "in", "-o", "out", "--profile", profile, "--report", "r.json")
    assert done.returncode == ExitCode.SOME_FAILED, done.stderr
    assert errors(done.stderr) == [
        "in/caf\\xe9.xml: error: the file name is not valid UTF-8 (shown with escapes): rename it"
    ]
    assert "Traceback" not in done.stderr
    assert "2 built, 0 up to date, 1 failed" in done.stdout
    entries = manifest.read(tmp_path / "out")
    assert sorted(entries) == ["a.pdf", "b.pdf"]
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    (bad,) = [r for r in report["letters"] if r["status"] == "failed"]
    assert (bad["source"], bad["exit_code"]) == ("in/caf\\xe9.xml", ExitCode.INVALID_SOURCE)

    # Alone, it exits with its own code; renamed, it builds.
    done = cli(tmp_path, "build", os.fsdecode(b"in/caf\xe9.xml"), "-o", "out")
    assert done.returncode == ExitCode.INVALID_SOURCE
    os.rename(os.fsencode(folder) + b"/caf\xe9.xml", folder / "cafe.xml")
    done = cli(tmp_path, "build", "in", "-o", "out", "--profile", profile)
    assert done.returncode == 0, done.stderr
    assert "1 built, 2 up to date" in done.stdout
