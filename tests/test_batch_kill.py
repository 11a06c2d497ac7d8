"""SIGKILL to one worker of a 40-letter `-j 2` build: only its letter fails.

Before the worker pool knew which letter each worker held, killing one worker
failed 39 of 40 letters (BrokenProcessPool), including letters not started.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from briefpers.batch import manifest
from briefpers.batch.files import sha256_file
from briefpers.errors import ExitCode

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "input" / "water-quality-2023.xml"
BRIEFPERS = [sys.executable, "-m", "briefpers.cli"]
LETTERS = 40

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc"),
]


def _stat(pid: int) -> tuple[str, int]:
    """(state, parent pid) of a process, from /proc."""
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text.rpartition(")")[2].split()
    return fields[0], int(fields[1])


def busy_worker(build: int) -> int | None:
    """A worker of the build that is running: a child (forked from the build
    itself) or a grandchild (build → fork server → worker, a replacement)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = _stat(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue
    children = {pid for pid, (_, ppid) in parents.items() if ppid == build}
    for pid, (state, ppid) in parents.items():
        if (ppid == build or ppid in children) and state == "R":  # building, not waiting
            return pid
    return None


def test_killing_one_worker_loses_only_its_letter(tmp_path):
    (tmp_path / "in").mkdir()
    text = BASE.read_text(encoding="utf-8")
    for i in range(LETTERS):
        (tmp_path / "in" / f"letter-{i:02d}.xml").write_text(
            text.replace("Progress report", f"Progress report {i}"), "utf-8"
        )
    out = tmp_path / "out"
    argv = [*BRIEFPERS, "build", "in", "-o", "out", "-j", "2", "--report", "r.json"]
    proc = subprocess.Popen(
        argv, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    killed = None
    try:
        deadline = time.monotonic() + 120
        while killed is None:
            assert proc.poll() is None, "the build ended before the kill"
            assert time.monotonic() < deadline, "no busy worker within 120 s"
            if len(list(out.glob("*.pdf"))) >= 4:  # well into the run
                killed = busy_worker(proc.pid)
                if killed is not None:
                    os.kill(killed, signal.SIGKILL)
            time.sleep(0.02)
        stdout, stderr = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    assert proc.returncode == ExitCode.SOME_FAILED, stderr
    assert "Traceback" not in stderr
    report = json.loads((tmp_path / "r.json").read_text())
    failed = [r for r in report["letters"] if r["status"] == "failed"]
    assert len(failed) == 1, failed
    (dead,) = failed
    assert dead["exit_code"] == ExitCode.WORKER_DIED
    assert dead["worker"].endswith(f":{killed}")
    assert "killed by SIGKILL" in dead["error"]
    assert stderr.count("error: ") == 1 and dead["error"] in stderr
    assert f"{LETTERS - 1} built, 0 up to date, 1 failed" in stdout

    # Every other letter is built and recorded; the dead letter left nothing.
    lost = Path(dead["output"]).name
    entries = manifest.read(out)
    assert len(entries) == LETTERS - 1 and lost not in entries
    assert sorted(p.name for p in out.glob("*.pdf")) == sorted(entries)
    for name, entry in entries.items():
        assert entry["output_sha256"] == sha256_file(out / name)

    rerun = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert f"1 built, {LETTERS - 1} up to date" in rerun.stdout
