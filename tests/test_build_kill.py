"""Killing or stopping a batch midway: every PDF complete, the manifest true."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from briefpers.batch import manifest
from briefpers.batch.files import sha256_file
from briefpers.check.preflight import preflight

from .batch_kit import default_sigint, make_letters

BRIEFPERS = [sys.executable, "-m", "briefpers.cli"]

pytestmark = pytest.mark.slow


def first_pdf(proc: subprocess.Popen, out: Path, ended: str) -> None:
    """Wait until the build has written a PDF (it must still run; 60 s at most)."""
    deadline = time.monotonic() + 60
    while not list(out.glob("*.pdf")):
        assert proc.poll() is None, ended
        assert time.monotonic() < deadline, "no output within 60 s"
        time.sleep(0.01)


def test_kill_9_then_resume(tmp_path):
    make_letters(tmp_path / "in", 12)
    out = tmp_path / "out"
    argv = [*BRIEFPERS, "build", "in", "-o", "out", "--jobs", "2"]
    # A session of its own, so that the kill reaches the workers as well.
    proc = subprocess.Popen(
        argv,
        cwd=tmp_path,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        first_pdf(proc, out, "the build ended before the kill")
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert len(list(out.glob("*.pdf"))) < 12, "killed too late to test anything"

    rerun = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr

    pdfs = sorted(out.glob("*.pdf"))
    assert [p.stem for p in pdfs] == [f"letter-{i:02d}" for i in range(12)]
    for pdf in pdfs:
        report = preflight(pdf)
        assert report.ok, (pdf.name, report.problems)
    entries = manifest.read(out)
    assert sorted(entries) == [p.name for p in pdfs]
    for pdf in pdfs:
        entry = entries[pdf.name]
        assert entry["output_sha256"] == sha256_file(pdf)
        assert entry["source_sha256"] == sha256_file(out / entry["source"])
    assert not list(out.glob(".*.part")), "a dead writer's .part was left behind"

    again = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0
    assert "all 12 letters up to date" in again.stdout


def _session_processes(session: int) -> list[int]:
    """The pids still alive in a process session (from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            if int(fields[3]) == session and fields[0] != "Z":
                found.append(int(entry))
    return found


@pytest.mark.parametrize("how", ["Ctrl-C", "SIGTERM"])
def test_stopping_a_small_batch_keeps_what_its_forked_workers_finished(tmp_path, how):
    # Four letters, no --jobs: workers forked from the command (on two cores
    # or more). Ctrl-C reaches the whole process group, a cancelled CI job's
    # SIGTERM only the command: either way exit 130, every PDF written is
    # complete and in the manifest, and no worker is left behind.
    make_letters(tmp_path / "in", 4)
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [*BRIEFPERS, "build", "in", "-o", "out"],
        cwd=tmp_path,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_sigint,
    )
    try:
        first_pdf(proc, out, "the build ended before it was stopped")
        if how == "Ctrl-C":
            os.killpg(proc.pid, signal.SIGINT)
        else:
            proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130, err
    assert err.splitlines()[-1] == "interrupted"
    assert "Traceback" not in err
    pdfs = sorted(out.glob("*.pdf"))
    entries = manifest.read(out)
    assert sorted(entries) == [p.name for p in pdfs]
    for pdf in pdfs:
        assert entries[pdf.name]["output_sha256"] == sha256_file(pdf)
        assert preflight(pdf).ok, pdf.name
    assert not list(out.glob(".*.part"))
    time.sleep(0.5)  # a worker told to stop exits after its letter
    assert _session_processes(proc.pid) == []
