"""`briefpers build --executor dask` against a LocalCluster of two worker processes."""

from __future__ import annotations

import json
from pathlib import Path

import distributed  # installed with the [dask] extra by `make setup`: never skipped
import pytest
from click.testing import CliRunner

from briefpers.batch import executors, manifest
from briefpers.batch.files import sha256_file
from briefpers.check.preflight import preflight
from briefpers.cli import main
from briefpers.errors import ExitCode

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "input" / "water-quality-2023.xml"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def scheduler():
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=40,  # logging.ERROR
    ) as cluster:
        yield cluster.scheduler_address


def build(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["build", *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_dask_build(scheduler, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in").mkdir()
    text = BASE.read_text(encoding="utf-8")
    for i in range(4):
        (tmp_path / "in" / f"letter-{i}.xml").write_text(
            text.replace("Progress report", f"Progress report {i}"), "utf-8"
        )
    (tmp_path / "in" / "bad.xml").write_text("<letter>")
    args = ("in", "-o", "out", "--executor", "dask", "--scheduler", scheduler)

    code, out, err = build(*args, "--report", "r.json")
    assert code == ExitCode.SOME_FAILED, err
    assert "4 built, 0 up to date, 1 failed" in out
    assert err.count("in/bad.xml:1:") == 1
    report = json.loads((tmp_path / "r.json").read_text())
    assert (report["executor"], report["workers"]) == ("dask", 2)
    assert len({r["worker"] for r in report["letters"] if r["status"] == "built"}) >= 1

    entries = manifest.read(tmp_path / "out")
    assert sorted(entries) == [f"letter-{i}.pdf" for i in range(4)]
    for name, entry in entries.items():
        pdf = tmp_path / "out" / name
        assert entry["output_sha256"] == sha256_file(pdf)
        assert preflight(pdf).ok

    (tmp_path / "in" / "bad.xml").unlink()
    code, out, _ = build(*args)
    assert code == 0
    assert "all 4 letters up to date" in out


def test_unreachable_scheduler_is_a_dependency_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(executors, "CONNECT_TIMEOUT", "1s")
    (tmp_path / "a.xml").write_bytes(BASE.read_bytes())
    code, _, err = build(
        "a.xml", "-o", "out", "--executor", "dask", "--scheduler", "tcp://127.0.0.1:9"
    )
    assert code == ExitCode.DEPENDENCY
    assert "cannot reach the Dask scheduler" in err
