"""Two `briefpers build` runs into one output folder at once leave it consistent.

The batch merges `manifest.json` under a lock and writes every file
atomically (`briefpers.batch.manifest`, `briefpers.batch.files`). Here two
real processes build overlapping sets of letters into the same folder, twice:
afterwards the manifest must be valid JSON that lists every letter with the
hash of the PDF that is actually there, every PDF must pass preflight, and no
temporary file may be left behind.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from briefpers.check.preflight import preflight

from .conftest import ROOT

CLI = [sys.executable, "-m", "briefpers.cli"]
CORPUS = ROOT / "tests" / "corpus"
LETTERS = ["c01", "c05", "c06", "c07", "c09", "c10"]


# Real processes, twice: slow. (No guard that skips when a function is renamed:
# the test must fail, not vanish, if the locked manifest goes away.)
pytestmark = pytest.mark.slow


def test_two_builds_into_one_folder(tmp_path: Path) -> None:
    sources = {}
    for stem in LETTERS:
        (found,) = CORPUS.glob(f"{stem}-*.xml")
        sources[stem] = tmp_path / found.name
        shutil.copy(found, sources[stem])
    out = tmp_path / "out"
    first = [str(sources[s]) for s in LETTERS[:4]]
    second = [str(sources[s]) for s in LETTERS[2:]]  # two letters in both runs
    for _round in range(2):
        runs = [
            subprocess.Popen(
                [*CLI, "build", *names, "-o", str(out), "-j", "1", "--force"],
                cwd=tmp_path,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for names in (first, second)
        ]
        for run in runs:
            _, stderr = run.communicate(timeout=300)
            assert run.returncode == 0, stderr
            assert "Traceback" not in stderr

    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    entries = data["letters"]
    assert sorted(entries) == sorted(f"{p.stem}.pdf" for p in sources.values())
    for name, entry in entries.items():
        pdf = out / name
        assert hashlib.sha256(pdf.read_bytes()).hexdigest() == entry["output_sha256"], name
        report = preflight(pdf)
        assert report.ok, (name, report.problems)
    leftovers = [p.name for p in out.iterdir() if p.name.endswith(".part")]
    assert leftovers == []
