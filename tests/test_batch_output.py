"""An output folder that cannot be written: exit 4 at once, before any rendering.

Read-only and full file systems are real tmpfs mounts where the tests run as
root (root ignores permission bits); otherwise a folder without write
permission stands in for the read-only case and the others are skipped.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from briefpers import pipeline
from briefpers.batch import manifest
from briefpers.errors import ExitCode

from .batch_kit import build, make_letters

CLI = [sys.executable, "-m", "briefpers.cli"]


@pytest.fixture
def tmpfs(tmp_path):
    """mount(name, size=..., read_only=...) → a fresh tmpfs; skips without root."""
    mounted = []

    def mount(name: str, *, size: str = "1m", read_only: bool = False) -> Path:
        if os.geteuid() != 0:
            pytest.skip("mounting a tmpfs needs root")
        path = tmp_path / name
        path.mkdir()
        options = f"size={size}" + (",ro" if read_only else "")
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True
        )
        if done.returncode:
            pytest.skip(f"cannot mount a tmpfs: {done.stderr.decode().strip()}")
        mounted.append(path)
        return path

    yield mount
    for path in mounted:
        subprocess.run(["umount", "-l", str(path)], check=False)


@pytest.fixture
def no_rendering(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a letter was rendered")

    monkeypatch.setattr(pipeline, "build_letter", refuse)


def read_only_folder(tmp_path: Path, tmpfs) -> Path:
    if os.geteuid() != 0:
        folder = tmp_path / "ro"
        folder.mkdir()
        folder.chmod(0o555)
        return folder
    return tmpfs("ro", read_only=True)


def test_a_read_only_output_folder_fails_before_rendering(
    tmp_path, monkeypatch, tmpfs, no_rendering
):
    monkeypatch.chdir(tmp_path)
    make_letters(tmp_path / "in", 2, digits=1)
    folder = read_only_folder(tmp_path, tmpfs)
    code, out, err = build("in", "-o", folder.name)
    assert code == ExitCode.ASSET
    assert err in (
        "ro: error: cannot write to the output folder: Read-only file system\n",
        "ro: error: cannot write to the output folder: Permission denied\n",
    )
    assert out == ""  # no letter was started, no summary of nothing
    code, _, err = build("in", "-o", f"{folder.name}/sub")
    assert code == ExitCode.ASSET
    assert err.startswith("ro/sub: error: cannot create the output folder: ")


def test_a_full_disk_fails_before_rendering(tmp_path, monkeypatch, tmpfs, no_rendering):
    monkeypatch.chdir(tmp_path)
    make_letters(tmp_path / "in", 1, digits=1)
    disk = tmpfs("full", size="64k")
    fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        with pytest.raises(OSError):
            while True:
                os.write(fd, bytes(4096))
    finally:
        os.close(fd)
    code, _, err = build("in/letter-0.xml", "-o", "full")
    assert code == ExitCode.ASSET
    assert err == "full: error: cannot write to the output folder: No space left on device\n"


def test_a_disk_that_fills_up_fails_letters_not_the_run(tmp_path, monkeypatch, tmpfs):
    monkeypatch.chdir(tmp_path)
    make_letters(tmp_path / "in", 3, digits=1)
    tmpfs("small", size="60k")  # one PDF (39 kB) and the manifest, not two PDFs
    done = subprocess.run(
        [*CLI, "build", "in", "-o", "small", "-j", "1", "--report", "r.json"],  # in order
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == ExitCode.SOME_FAILED, done.stderr
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    failed = [r for r in report["letters"] if r["status"] == "failed"]
    built = [r for r in report["letters"] if r["status"] == "built"]
    assert len(built) == 1 and len(failed) == 2
    for result in failed:
        assert result["exit_code"] == ExitCode.ASSET
        assert result["error"].endswith("cannot write the PDF: No space left on device")
    assert list(manifest.read(tmp_path / "small")) == [Path(built[0]["output"]).name]
    assert not list((tmp_path / "small").glob(".*.part"))


def test_a_report_that_cannot_be_written_fails_first(tmp_path, monkeypatch, no_rendering):
    monkeypatch.chdir(tmp_path)
    make_letters(tmp_path / "in", 1, digits=1)
    code, _, err = build("in", "-o", "out", "--report", "missing/r.json")
    assert code == ExitCode.ASSET
    assert err == "missing/r.json: error: cannot write the report: no such folder\n"
    assert not (tmp_path / "out").exists()
