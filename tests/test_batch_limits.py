"""The memory ceiling of a build, and settings that are wrong: always exit 2.

The pool's workers are tested in `test_batch_pool.py`; here the single letter
that `build` runs in its own process.
"""

from __future__ import annotations

import resource
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefpers import pipeline
from briefpers.cli import main
from briefpers.errors import ExitCode
from briefpers.limits import Limits

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "input" / "water-quality-2023.xml"


def build(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["build", *args], env=env)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_the_default_ceiling_is_documented():
    assert Limits().max_memory == 2048
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert (
        "| memory per process building letters (MiB; 0: none) | 2,048 | `BRIEFPERS_MAX_MEMORY` |"
        in readme
    )


def test_a_letter_over_the_memory_limit_fails_in_process(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "big.xml").write_bytes(BASE.read_bytes())

    def allocate(*args, **kwargs):
        return bytearray(4 * 1024**3)  # zero pages on demand: harmless without a ceiling

    monkeypatch.setattr(pipeline, "build_letter", allocate)
    before = resource.getrlimit(resource.RLIMIT_DATA)
    code, _, err = build("big.xml", "-o", "out", env={"BRIEFPERS_MAX_MEMORY": "512"})
    assert code == ExitCode.RENDER
    assert err == (
        "big.xml: error: building the letter needed more memory than the limit of 512 MiB "
        "(BRIEFPERS_MAX_MEMORY changes it)\n"
    )
    assert not (tmp_path / "out" / "big.pdf").exists()
    # The ceiling was this letter's only: the rest of the process has its old limit.
    assert resource.getrlimit(resource.RLIMIT_DATA) == before
    assert len(bytearray(1024**3)) == 1024**3


@pytest.mark.parametrize(
    "env, named",
    [
        ({"BRIEFPERS_MAX_NOTES": "many"}, "BRIEFPERS_MAX_NOTES"),
        ({"BRIEFPERS_MAX_MEMORY": "-1"}, "BRIEFPERS_MAX_MEMORY"),
        ({"BRIEFPERS_TIMEOUT": "soon"}, "BRIEFPERS_TIMEOUT"),
        ({"SOURCE_DATE_EPOCH": "１７"}, "SOURCE_DATE_EPOCH"),
        ({"BRIEFPERS_CONFIG": "/nonexistent/briefpers.toml"}, "BRIEFPERS_CONFIG"),
    ],
)
@pytest.mark.parametrize(
    "state", ["nothing to build", "up to date", "to build", "strict", "dask", "timeout given"]
)
def test_a_wrong_setting_exits_2_whatever_the_batch(tmp_path, monkeypatch, env, named, state):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in").mkdir()
    args = ["in", "-o", "out"]
    if state != "nothing to build":
        (tmp_path / "in" / "a.xml").write_bytes(BASE.read_bytes())
    if state == "up to date":
        assert build(*args)[0] == 0
    extra = {
        "strict": ["--strict"],
        "dask": ["--executor", "dask", "--scheduler", "tcp://127.0.0.1:9"],
        "timeout given": ["--timeout", "5"],
    }.get(state, [])
    monkeypatch.setattr(pipeline, "build_letter", None)  # nothing may be built
    code, out, err = build(*args, *extra, env=env)
    assert code == ExitCode.USAGE
    assert err.startswith(f"error: {named}") and err.count("\n") == 1
    assert out == ""
