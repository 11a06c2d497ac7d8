"""The bad-input corpus through the real CLI: one clear line, the right code, no output.

Each case in `tests/bad_input/cases.toml` is built with `briefpers build CASE
-o TMP` in its own process. Two processes run at a time (the cases are
independent; most of each run is Python and WeasyPrint starting up).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from .conftest import ROOT

HERE = Path(__file__).resolve().parent / "bad_input"
CASES = tomllib.loads((HERE / "cases.toml").read_text(encoding="utf-8"))["case"]
CLI = [sys.executable, "-m", "briefpers.cli"]
PARALLEL = 2


def _run(case: dict, out: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFPERS_")}
    env.update(case.get("env", {}))
    source = (HERE / case["file"]).relative_to(ROOT)
    return subprocess.run(
        [*CLI, "build", str(source), "-o", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def runs(request, tmp_path_factory):
    """file → (future of the finished process, its output folder), for the selected cases."""
    wanted = {
        item.callspec.params["case"]["file"]
        for item in request.session.items
        if item.originalname == "test_case_fails_cleanly" and hasattr(item, "callspec")
    }
    pool = ThreadPoolExecutor(PARALLEL)
    started: dict[str, tuple[Future, Path]] = {}
    for case in CASES:
        if case["file"] in wanted:
            out = tmp_path_factory.mktemp("bad") / "out"
            started[case["file"]] = (pool.submit(_run, case, out), out)
    yield started
    pool.shutdown(wait=True, cancel_futures=True)


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


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_case_fails_cleanly(case: dict, runs) -> None:
    future, out = runs[case["file"]]
    result = future.result()
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert result.returncode == case["code"], result.stderr
    assert len(errors) == 1, result.stderr
    assert case["message"] in errors[0]
    # The line names the file as the user gave it (a wrong setting is not the letter's).
    if not case.get("why", "").startswith("a setting"):
        assert errors[0].startswith(f"error: tests/bad_input/{case['file']}")
    assert "Traceback" not in result.stderr + result.stdout
    assert not (out.exists() and any(out.iterdir())), sorted(p.name for p in out.iterdir())
