"""The bad-input corpus: one clear line, the right code, nothing in the output folder.

Each case in `tests/bad_input/cases.toml` is built with `briefpers build CASE
-o TMP` in this process (the CLI through click's test runner: a fresh
interpreter per case costs two seconds, the case itself milliseconds). A few
cases also go through the real command in its own process, so that the
in-process runner cannot hide a difference. Time is bounded by the product
itself (every case runs under a `--timeout`); memory by the peak of one
fresh process that builds the whole corpus. Cases that are expected to build (exit 0)
must produce PDFs that veraPDF passes: those are validated in one JVM.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefpers.cli import main

from .conftest import ROOT, have_verapdf

HERE = Path(__file__).resolve().parent / "bad_input"
CASES = tomllib.loads((HERE / "cases.toml").read_text(encoding="utf-8"))["case"]
CLI = [sys.executable, "-m", "briefpers.cli"]
# Representative cases also run as a real process (parse error, sandbox, timeout).
THROUGH_THE_CLI = ("empty.xml", "figure-svg-fetches.xml", "timeout.xml", "bad-limit-setting.xml")
# Each case must finish (succeed or fail) within this; the product enforces it.
CASE_TIMEOUT = "60"
# The whole corpus in one process may not push its peak memory beyond this.
MAX_PEAK_MB = 1000  # issue 18: the hostile letters finish under 1 GB (measured: ~150 MB)
BUILT: dict[str, Path] = {}  # cases that built (exit 0): file → PDF


def _env(case: dict) -> dict[str, str | None]:
    """The case's settings over a clean environment (no developer settings)."""
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("BRIEFPERS_")}
    env.update({"BRIEFPERS_CONFIG": "", "SOURCE_DATE_EPOCH": None})
    env.update(case.get("env", {}))
    return env


def _args(case: dict, out: Path) -> list[str]:
    source = (HERE / case["file"]).relative_to(ROOT)
    timeout = [] if "BRIEFPERS_TIMEOUT" in case.get("env", {}) else ["--timeout", CASE_TIMEOUT]
    return ["build", str(source), "-o", str(out), *timeout]


def _check(case: dict, code: int, stdout: str, stderr: str, out: Path) -> None:
    errors = [line for line in stderr.splitlines() if "error: " in line]
    assert "Traceback" not in stdout + stderr
    assert code == case["code"], stderr
    if case["code"] == 0:
        assert not errors, stderr
        return
    assert len(errors) == 1, stderr
    assert case["message"] in errors[0], errors[0]
    # The line names the file as the user gave it (a wrong setting is not the letter's).
    if not case.get("why", "").startswith("a setting"):
        assert errors[0].startswith(f"tests/bad_input/{case['file']}"), errors[0]
    leftovers = sorted(p.name for p in out.iterdir()) if out.exists() else []
    assert not leftovers, leftovers


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_case_fails_cleanly(case: dict, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, _args(case, out), env=_env(case))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    _check(case, result.exit_code, result.stdout, result.stderr, out)
    if case["code"] == 0:
        BUILT[case["file"]] = out / (Path(case["file"]).stem + ".pdf")


@pytest.mark.parametrize("name", THROUGH_THE_CLI)
def test_case_through_the_real_command(name: str, tmp_path: Path) -> None:
    [case] = [c for c in CASES if c["file"] == name]
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFPERS_")}
    env.update({k: v for k, v in _env(case).items() if v is not None})
    out = tmp_path / "out"
    done = subprocess.run(
        [*CLI, *_args(case, out)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    _check(case, done.returncode, done.stdout, done.stderr, out)


# The peak is read from /proc (VmHWM): getrusage's ru_maxrss survives exec and
# would report the forking pytest process's own peak.
MEASURE = """
import os, sys, tomllib
from pathlib import Path
from click.testing import CliRunner
from briefpers.cli import main
here = Path(sys.argv[1])
os.chdir(here.parents[1])
for case in tomllib.loads((here / "cases.toml").read_text())["case"]:
    env = {"BRIEFPERS_CONFIG": "", "SOURCE_DATE_EPOCH": None, **case.get("env", {})}
    out = Path(sys.argv[2]) / case["file"]
    CliRunner().invoke(main, ["build", str(here / case["file"]), "-o", str(out)], env=env)
status = open("/proc/self/status").read().split("VmHWM:")[1].split()[0]
print(int(status) // 1024)
"""


@pytest.mark.slow
def test_corpus_memory_stays_bounded(tmp_path: Path) -> None:
    """The whole corpus built in one fresh process never takes 1 GB (a process
    of its own: this one's high-water mark holds whatever ran before)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFPERS_")}
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(HERE), str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    peak_mb = int(done.stdout.split()[-1])
    assert 0 < peak_mb < MAX_PEAK_MB, f"peak RSS {peak_mb} MB"


@pytest.mark.verapdf
@pytest.mark.skipif(not have_verapdf(), reason="veraPDF or Java missing (make tools)")
def test_what_builds_passes_verapdf() -> None:
    """No hostile letter builds with exit 0 unless veraPDF passes it (one JVM)."""
    from briefpers.check.verapdf import validate

    expected = [c["file"] for c in CASES if c["code"] == 0]
    assert expected, "the corpus has no case that should build"
    missing = [name for name in expected if name not in BUILT]
    if missing:
        pytest.skip(f"the in-process cases did not run first: {missing[:3]}")
    verdicts = validate([BUILT[name] for name in expected])
    bad = {v.path.name: [f.flavour for f in v.flavours if not f.compliant] for v in verdicts}
    assert all(v.compliant for v in verdicts), {k: v for k, v in bad.items() if v}


def test_corpus_is_big_and_up_to_date() -> None:
    sys.path.insert(0, str(HERE))
    try:
        import make_cases
    finally:
        sys.path.remove(str(HERE))
    cases = make_cases.cases()
    assert len(cases) >= 30
    for case in cases:
        assert (HERE / case["file"]).read_bytes() == case["data"], case["file"]
    assert (HERE / "cases.toml").read_text(encoding="utf-8") == make_cases.to_toml(cases)
    assert {c["code"] for c in cases} >= {2, 3, 4, 5}
