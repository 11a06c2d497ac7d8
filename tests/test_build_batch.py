"""`briefpers build` over many letters: incremental, reported, recorded.

Most runs use `--jobs 1` (in this process: no pool to start); one uses a
pool of two. Letters are copies of the English example with a unique subject.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefpers import pipeline
from briefpers.batch import files, fingerprint, manifest
from briefpers.batch.executors import LocalExecutor
from briefpers.batch.files import sha256_file
from briefpers.cli import main
from briefpers.errors import ExitCode

from .batch_kit import make_letters

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "input" / "water-quality-2023.xml"


def run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["build", *map(str, args)])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def work(tmp_path, monkeypatch):
    """A folder of three letters, built once; cwd is tmp_path."""
    monkeypatch.chdir(tmp_path)
    make_letters(tmp_path / "in", 3)
    code, out, err = run("in", "-o", "out", "-j", "1")
    assert code == 0, err
    assert "3 built, 0 up to date" in out
    return tmp_path


def _no_rendering(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the pipeline ran for an up-to-date letter")

    monkeypatch.setattr(pipeline, "build_letter", refuse)


def test_second_run_is_a_no_op(work, monkeypatch):
    _no_rendering(monkeypatch)
    code, out, _ = run("in", "-o", "out", "-j", "1")
    assert code == 0
    assert "all 3 letters up to date" in out
    assert "built " not in out


def probe_build(args: list[str], modules: tuple[str, ...] = (), before: str = "") -> dict:
    """`briefpers build ARGS --report probe.json` in a fresh interpreter
    (`before` runs first): its stdout, exit code, pid and report, and which
    of `modules` it imported."""
    probe = (
        "import json, os, sys\n"
        f"{before}\n"
        "from briefpers.cli import main\n"
        "try: main(['build', *sys.argv[1:], '--report', 'probe.json'])\n"
        "except SystemExit as e: code = e.code or 0\n"
        "else: code = 0\n"
        f"loaded = [m for m in {modules!r} if m in sys.modules]\n"
        "print(json.dumps({'code': code, 'pid': os.getpid(), 'loaded': loaded}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    *lines, last = proc.stdout.splitlines()
    found = json.loads(last)
    found["out"], found["err"] = "\n".join(lines), proc.stderr
    found["report"] = json.loads(Path("probe.json").read_text())
    return found


def _builders(report: dict) -> set[int]:
    """The pids of the processes that built the report's letters."""
    return {int(r["worker"].rpartition(":")[2]) for r in report["letters"] if r.get("worker")}


def test_no_op_does_not_import_weasyprint(work):
    found = probe_build(["in", "-o", "out"], ("weasyprint",))
    assert "all 3 letters up to date" in found["out"]
    assert found["loaded"] == []


# Run first in a probe: the command then has a thread besides its own.
ANOTHER_THREAD = (
    "import threading\n"
    "stop = threading.Event()\n"
    "threading.Thread(target=stop.wait, daemon=True).start()"
)

two_cores = pytest.mark.skipif(
    LocalExecutor(None).workers < 2, reason="a small batch is forked only with two cores or more"
)


POOL_MODULES = ("multiprocessing.popen_fork", "multiprocessing.popen_forkserver")


@two_cores
@pytest.mark.parametrize("jobs", [[], ["-j", "2"]], ids=["small-batch", "jobs-2"])
def test_a_batch_is_built_by_workers_forked_from_the_command(work, jobs):
    # Three letters, without --jobs or with: the command imports WeasyPrint
    # and forks two workers from itself (no fork server to start and preload,
    # no import in the workers).
    found = probe_build(["in", "-o", "fresh", *jobs], POOL_MODULES)
    assert found["code"] == 0 and "3 built" in found["out"], found["err"]
    assert found["loaded"] == ["multiprocessing.popen_fork"]
    report = found["report"]
    assert report["workers"] == 2
    builders = _builders(report)
    assert len(builders) == 2 and found["pid"] not in builders
    # The same bytes as letters built one by one in a process of their own.
    for path in (work / "out").glob("*.pdf"):
        assert (work / "fresh" / path.name).read_bytes() == path.read_bytes(), path.name


@two_cores
def test_a_command_with_another_thread_gets_its_jobs_from_a_fork_server(work):
    found = probe_build(["in", "-o", "fresh", "-j", "2"], POOL_MODULES, before=ANOTHER_THREAD)
    assert found["code"] == 0 and "3 built" in found["out"], found["err"]
    assert "multiprocessing.popen_forkserver" in found["loaded"]
    builders = _builders(found["report"])
    assert len(builders) == 2 and found["pid"] not in builders


def test_one_job_builds_in_the_command_and_starts_no_process(work):
    found = probe_build(["in", "-o", "fresh", "-j", "1"], ("multiprocessing",))
    assert found["code"] == 0 and "3 built" in found["out"], found["err"]
    # No pool: multiprocessing (a fiftieth of a second of a cold command) is not imported.
    assert found["loaded"] == []
    assert found["report"]["workers"] == 1
    assert _builders(found["report"]) == {found["pid"]}


@two_cores
def test_a_command_with_another_thread_builds_a_small_batch_itself(work):
    # A fork copies only the calling thread (and any lock another holds):
    # with a thread running, the letters are built in the process itself.
    found = probe_build(["in", "-o", "fresh"], before=ANOTHER_THREAD)
    assert found["code"] == 0 and "3 built" in found["out"], found["err"]
    assert found["report"]["workers"] == 1
    assert _builders(found["report"]) == {found["pid"]}


@two_cores
def test_a_letter_that_kills_its_forked_worker_fails_alone(work):
    before = (
        "import os, signal\n"
        "from briefpers import pipeline\n"
        "real = pipeline.build_letter\n"
        "def build_letter(source, **kwargs):\n"
        "    if str(source).endswith('letter-01.xml'):\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "    return real(source, **kwargs)\n"
        "pipeline.build_letter = build_letter"
    )
    found = probe_build(["in", "-o", "fresh"], before=before)
    assert found["code"] == ExitCode.SOME_FAILED
    status = {r["source"]: (r["status"], r.get("exit_code")) for r in found["report"]["letters"]}
    assert status["in/letter-01.xml"] == ("failed", ExitCode.WORKER_DIED)
    assert status["in/letter-00.xml"][0] == status["in/letter-02.xml"][0] == "built"
    assert (
        "in/letter-01.xml: error: the worker process building this letter was killed by "
        "SIGKILL" in found["err"]
    )
    assert sorted(p.name for p in (work / "fresh").glob("*.pdf")) == [
        "letter-00.pdf",
        "letter-02.pdf",
    ]


@pytest.mark.parametrize(
    "change, reason",
    [
        ("source", "source changed"),
        ("profile", "profile changed"),
        ("epoch", "SOURCE_DATE_EPOCH changed"),
        ("version", "briefpers version changed"),
        ("output", "output missing or changed"),
    ],
)
def test_a_change_rebuilds(work, monkeypatch, change, reason):
    args = ["in", "-o", "out", "-j", "1", "--report", "r.json"]
    if change == "source":
        path = work / "in" / "letter-01.xml"
        path.write_text(path.read_text().replace("Dear", "Dear dear"))
    elif change == "profile":
        args += ["--profile", "pdfa-2a-ua1"]
    elif change == "epoch":
        monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    elif change == "version":
        monkeypatch.setattr(fingerprint, "__version__", "99.0")
    elif change == "output":
        (work / "out" / "letter-01.pdf").write_bytes(b"%PDF-1.7 truncated")
    code, _, err = run(*args)
    assert code == 0, err
    report = json.loads((work / "r.json").read_text())
    built = {r["source"]: r.get("reason") for r in report["letters"] if r["status"] == "built"}
    if change in ("source", "output"):
        assert built == {"in/letter-01.xml": reason}
    else:
        assert len(built) == 3 and set(built.values()) == {reason}


def test_theme_change_rebuilds(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    make_letters(tmp_path / "in", 2)
    # The theme folder and its neighbours (it may name ../fonts/… files).
    shutil.copytree(ROOT / "styles", tmp_path / "styles")
    theme = tmp_path / "styles" / "rijk"
    args = ("in", "-o", "out", "-j", "1", "--theme", "styles/rijk")
    assert run(*args)[0] == 0
    entry = manifest.read(tmp_path / "out")["letter-00.pdf"]
    assert entry["theme_option"] == str(theme)
    assert "all 2 letters up to date" in run(*args)[1]
    css = theme / "letter.css"
    css.write_text(css.read_text() + "\n/* a new rule */\n")
    code, out, _ = run(*args)
    assert code == 0
    assert "2 built, 0 up to date" in out
    assert manifest.read(tmp_path / "out")["letter-00.pdf"]["theme_sha256"] != entry["theme_sha256"]


def test_force_rebuilds_everything(work):
    code, out, _ = run("in", "-o", "out", "-j", "1", "--force")
    assert code == 0
    assert "3 built, 0 up to date" in out


def test_manifest_records_hashes(work):
    text = (work / "out" / "manifest.json").read_text()
    entries = manifest.read(work / "out")
    assert text == manifest.dumps(entries).decode()  # stable: sorted keys, fixed layout
    assert sorted(entries) == ["letter-00.pdf", "letter-01.pdf", "letter-02.pdf"]
    entry = entries["letter-00.pdf"]
    assert entry["source"] == "../in/letter-00.xml"  # as seen from the output folder
    assert entry["source_sha256"] == sha256_file(work / "in" / "letter-00.xml")
    assert entry["output_sha256"] == sha256_file(work / "out" / "letter-00.pdf")
    assert entry["pages"] == 2
    assert entry["profile"] == "pdfa-3a-ua1"
    assert entry["theme"] == "rijk"
    assert len(entry["theme_sha256"]) == 64
    assert entry["briefpers_version"]
    assert "verapdf" not in entry


def test_bad_letter_among_good_ones(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    make_letters(tmp_path / "in", 2)
    (tmp_path / "in" / "bad.xml").write_text('<letter version="1">\n  <sender>\n</letter>\n')
    code, out, err = run("in", "-o", "out", "-j", "2", "--report", "r.json")
    assert code == ExitCode.SOME_FAILED
    errors = [line for line in err.splitlines() if ": error: " in line]
    assert len(errors) == 1
    assert errors[0].startswith("in/bad.xml:3:")  # file:line:col
    assert "2 built, 0 up to date, 1 failed" in out
    assert sorted(p.name for p in (tmp_path / "out").glob("*.pdf")) == [
        "letter-00.pdf",
        "letter-01.pdf",
    ]
    assert "bad.pdf" not in manifest.read(tmp_path / "out")
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["exit_code"] == 1
    assert report["totals"] | {"seconds": 0} == report["totals"] | {
        "letters": 3,
        "built": 2,
        "skipped": 0,
        "failed": 1,
        "seconds": 0,
    }
    bad = next(r for r in report["letters"] if r["source"] == "in/bad.xml")
    assert bad["status"] == "failed"
    assert bad["exit_code"] == ExitCode.INVALID_SOURCE
    assert bad["error"] == errors[0]
    good = next(r for r in report["letters"] if r["status"] == "built")
    assert good["seconds"] > 0 and good["pages"] == 2


def test_one_bad_letter_exits_with_its_own_code(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.xml").write_text("<letter>")
    code, _, err = run("bad.xml", "-o", "out")
    assert code == ExitCode.INVALID_SOURCE
    assert err.startswith("bad.xml:1:")


def test_list_files_and_usage_errors(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    a = make_letters(tmp_path / "a", 2)[0]
    (tmp_path / "list.txt").write_text(f"# two letters\n{a.relative_to(tmp_path)}\n\nb/\n")
    make_letters(tmp_path / "b", 1, prefix="other")
    code, out, _ = run("@list.txt", "-o", "out", "-j", "1")
    assert code == 0
    assert "2 built" in out
    assert sorted(manifest.read(tmp_path / "out")) == ["letter-00.pdf", "other-00.pdf"]

    make_letters(tmp_path / "c", 1)  # c/letter-00.xml: same output name as a/letter-00.xml
    code, _, err = run("a", "c", "-o", "out")
    assert code == ExitCode.USAGE
    assert "would both be built into" in err
    assert run("missing", "-o", "out")[0] == ExitCode.USAGE
    assert run("a", "--scheduler", "tcp://x:1")[0] == ExitCode.USAGE


def test_stale_part_files_are_removed(tmp_path):
    host = files._host()
    dead = tmp_path / f".x.pdf.{host}-{2**22 + 12345}.abc.part"  # no such pid
    live = tmp_path / f".y.pdf.{host}-{os.getpid()}.abc.part"
    remote = tmp_path / ".z.pdf.elsewhere-1.abc.part"
    old_remote = tmp_path / ".w.pdf.elsewhere-1.def.part"
    for part in (dead, live, remote, old_remote):
        part.write_bytes(b"half")
    old = time.time() - 2 * files.STALE_AFTER
    os.utime(old_remote, (old, old))
    removed = files.clean_stale_parts(tmp_path)
    assert sorted(removed) == sorted([dead, old_remote])
    assert live.exists() and remote.exists()
    assert socket.gethostname()  # the host part is derived from it


def _merge_many(out_dir: str, prefix: str) -> None:
    for i in range(25):
        manifest.update(Path(out_dir), {f"{prefix}{i}.pdf": {"n": i}})


def test_concurrent_manifest_updates_merge(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_merge_many, args=(str(tmp_path), p)) for p in "ab"]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(60)
    assert all(proc.exitcode == 0 for proc in procs)
    assert len(manifest.read(tmp_path)) == 50


def test_an_image_change_rebuilds(tmp_path, monkeypatch):
    from PIL import Image

    monkeypatch.chdir(tmp_path)
    (tmp_path / "in").mkdir()
    Image.new("RGB", (40, 16), "navy").save(tmp_path / "in" / "sig.png")
    text = BASE.read_text(encoding="utf-8").replace(
        "<name>A.B. Example</name>",
        '<signature src="sig.png" alt="Signed"/><name>A.B. Example</name>',
    )
    (tmp_path / "in" / "signed.xml").write_text(text, "utf-8")
    assert run("in", "-o", "out")[0] == 0
    assert list(manifest.read(tmp_path / "out")["signed.pdf"]["assets"]) == ["sig.png"]
    Image.new("RGB", (40, 16), "black").save(tmp_path / "in" / "sig.png")
    code, _, _ = run("in", "-o", "out", "--report", "r.json")
    assert code == 0
    assert (
        json.loads((tmp_path / "r.json").read_text())["letters"][0]["reason"] == "sig.png changed"
    )


class FakeRule:
    rule_id = "ISO 14289-1:2014 7.1-3"


class FakeFlavour:
    def __init__(self, ok: bool) -> None:
        self.flavour, self.compliant = "ua1", ok
        self.failed_rules = [] if ok else [FakeRule()]
        self.failed_rule_count = len(self.failed_rules)


class FakeVerdict:
    def __init__(self, path: Path) -> None:
        self.path, self.error = path, None
        self.flavours = [FakeFlavour(not path.name.startswith("letter-01"))]
        self.compliant = self.flavours[0].compliant


def test_validate_records_verdicts(work, monkeypatch):
    from briefpers.check import verapdf

    calls = []

    def fake_validate(paths, jar=None):
        calls.append([Path(p).name for p in paths])
        return [FakeVerdict(Path(p)) for p in paths]

    monkeypatch.setattr(verapdf, "find_verapdf", lambda jar=None: Path("verapdf.jar"))
    monkeypatch.setattr(verapdf, "validate", fake_validate)
    code, out, _ = run("in", "-o", "out", "--validate")
    assert code == ExitCode.CHECK_FAILED
    assert calls == [["letter-00.pdf", "letter-01.pdf", "letter-02.pdf"]]  # one call
    assert "FAIL out/letter-01.pdf: 1 failed rules (ISO 14289-1:2014 7.1-3)" in out
    assert "veraPDF: 2 of 3 compliant" in out
    entries = manifest.read(work / "out")
    assert entries["letter-00.pdf"]["verapdf"]["compliant"] is True
    assert entries["letter-01.pdf"]["verapdf"]["failed_rules"] == 1

    # Up to date with verdicts recorded: no new validation, the same exit code.
    code, out, _ = run("in", "-o", "out", "--validate")
    assert (code, len(calls)) == (ExitCode.CHECK_FAILED, 1)
    assert "all 3 letters up to date" in out


def test_timeout_fails_the_letter_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    make_letters(tmp_path / "in", 1)
    code, _, err = run("in", "-o", "out", "-j", "1", "--timeout", "0.01")
    assert code == ExitCode.RENDER
    assert "took longer than the limit of 0.01 s" in err
    assert not list((tmp_path / "out").glob("*.pdf"))
    code, _, err = run("in", "-o", "out", "-j", "1", "--timeout", "0")
    assert code == 0, err
