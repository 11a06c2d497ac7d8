"""A real Dask cluster whose workers cannot see the letters or the output folder.

A `dask scheduler` and two `dask worker` processes on 127.0.0.1; each worker
runs in a mount namespace of its own with an empty file system (tmpfs)
mounted over the test's folder, which holds the letters, their images and
the output. So a worker can read nothing the client has and write nothing
where the client looks: the build works only if the client sends sources,
images and theme, and writes the PDFs itself. The PDFs must be the bytes a
local build makes, the errors the lines it prints.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefpers.batch import manifest, remote
from briefpers.cli import main
from briefpers.errors import ExitCode

from .letter_kit import letter, noisy_png, signatory

distributed = pytest.importorskip("distributed")

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
DASK = Path(sys.executable).with_name("dask")
SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="80" height="40">'
    b'<image href="dot.png" width="10" height="10"/></svg>'
)
START = 120.0  # seconds for the cluster to come up: generous, for a loaded machine


def _can_hide(folder: Path) -> str | None:
    """Why a worker cannot be given a file system without `folder` here, or None."""
    if shutil.which("unshare") is None:
        return "unshare (util-linux) is not installed"
    probe = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c",
         f"mount -t tmpfs none '{folder}' && test ! -e '{folder}/probe'"],
        capture_output=True,
        text=True,
    )  # fmt: skip
    if probe.returncode != 0:
        return f"unshare --mount is not permitted here: {probe.stderr.strip()[:200]}"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """(scheduler address, the folder the workers cannot see)."""
    hidden = tmp_path_factory.mktemp("client")
    (hidden / "probe").write_text("the client's file")
    why = _can_hide(hidden)
    if why is not None:
        pytest.skip(f"cannot hide the client's folder from Dask workers: {why}")
    if not DASK.exists():
        pytest.skip(f"the dask command is not installed next to {sys.executable}")
    space = tmp_path_factory.mktemp("worker-space")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "BRIEFPERS_CONFIG": ""}
    address = f"tcp://127.0.0.1:{_free_port()}"
    procs = [
        subprocess.Popen(
            [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1],
             "--no-dashboard"],
            cwd=space,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]  # fmt: skip
    for n in range(2):
        worker = (
            f"mount -t tmpfs none '{hidden}' && cd / && exec '{DASK}' worker {address} "
            f"--nthreads 1 --no-dashboard --name w{n} --local-directory '{space}'"
        )
        procs.append(
            subprocess.Popen(
                ["unshare", "--mount", "--propagation", "private", "sh", "-c", worker],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    try:
        with distributed.Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=START)
            # The premise: no worker sees the client's folder.
            assert set(client.run(os.path.exists, str(hidden / "probe")).values()) == {False}
        yield address, hidden
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in reversed(procs):
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(30)


def build(folder: Path, *args: str) -> tuple[int, str, str]:
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        result = CliRunner().invoke(main, ["build", *args])
    finally:
        os.chdir(cwd)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def letters(folder: Path) -> None:
    """A letter with a figure, an SVG that shows another file, and a signature; a
    plain one; one whose image is missing, one whose image is no image; one
    that is not well-formed."""
    files = {
        "img/chart.png": noisy_png(),
        "img/signature.png": noisy_png((60, 30)),
        "img/shape.svg": SVG,
        "img/dot.png": noisy_png((8, 8)),
    }
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    letter(
        folder,
        '<p>Met beeld.</p><figure src="img/chart.png" alt="Een grafiek"/>'
        '<figure src="img/shape.svg" alt="Een vlak"/>',
        after=signatory("img/signature.png"),
        name="beeld.xml",
    )
    letter(folder, "<p>Zonder beeld.</p>", after=signatory("img/signature.png"), name="kaal.xml")
    letter(folder, '<p>Weg.</p><figure src="img/weg.png" alt="Weg"/>', name="zoek.xml")
    (folder / "img" / "stuk.png").write_bytes(b"not a PNG")
    letter(folder, '<p>Stuk.</p><figure src="img/stuk.png" alt="Stuk"/>', name="stuk.xml")
    (folder / "kapot.xml").write_text("<letter>")


def test_a_cluster_without_the_letters_builds_the_same_bytes(cluster):
    address, hidden = cluster
    run = hidden / "run"
    letters(run / "in")
    dask = ("in", "-o", "out", "--executor", "dask", "--scheduler", address, "--report", "r.json")

    code, out, err = build(run, *dask)
    assert code == ExitCode.SOME_FAILED, err
    assert "2 built, 0 up to date, 3 failed" in out
    report = json.loads((run / "r.json").read_text())
    assert (report["executor"], report["workers"]) == ("dask", 2)
    workers = {r["worker"].split(":")[1] for r in report["letters"] if r["status"] == "built"}
    assert str(os.getpid()) not in workers  # built over there, not in this process

    code_local, _, err_local = build(run, "in", "-o", "local", "-j", "1")
    assert code_local == ExitCode.SOME_FAILED
    # The same lines for the letters that fail (a broken image named by its
    # path here, not in a worker's scratch folder) …
    assert sorted(err.splitlines()) == sorted(err_local.splitlines())
    assert f"{run / 'in' / 'img' / 'stuk.png'}: cannot be used as an image" in err
    assert "'img/weg.png' does not exist" in err
    # … and the same bytes and manifest entries for those that build.
    for name in ("beeld.pdf", "kaal.pdf"):
        assert (run / "out" / name).read_bytes() == (run / "local" / name).read_bytes()
    entries, local = manifest.read(run / "out"), manifest.read(run / "local")
    assert sorted(entries) == ["beeld.pdf", "kaal.pdf"]
    for name, entry in entries.items():
        assert entry == {**local[name], "source": entry["source"]}
        assert entry["assets"]  # the images, hashed
    assert not list((run / "out").glob("*.part"))

    # Each file and the theme reached each worker at most once.
    with distributed.Client(address, timeout="60s") as client:
        counts = client.run(remote.fetched)
    assert any(counts.values())
    for fetched in counts.values():
        assert set(fetched.values()) <= {1}

    # Nothing changed: nothing to build, as after a local build.
    for name in ("zoek.xml", "stuk.xml", "kapot.xml"):
        (run / "in" / name).unlink()
    code, out, _ = build(run, *dask)
    assert code == 0
    assert "all 2 letters up to date" in out

    # An edited image rebuilds its letter, and the worker gets the new bytes.
    (run / "in" / "img" / "chart.png").write_bytes(noisy_png((100, 70)))
    code, out, _ = build(run, *dask)
    assert code == 0
    assert "1 built, 1 up to date" in out
    code, _, _ = build(run, "in", "-o", "local", "-j", "1")
    assert (run / "out" / "beeld.pdf").read_bytes() == (run / "local" / "beeld.pdf").read_bytes()


def test_workers_and_the_client_must_run_one_version(cluster, monkeypatch):
    address, hidden = cluster
    from briefpers.batch import executors

    monkeypatch.setattr(executors, "__version__", "0.0.0-other")
    run = hidden / "version"
    letter(run / "in", "<p>Tekst.</p>")
    code, _, err = build(run, "in", "-o", "out", "--executor", "dask", "--scheduler", address)
    assert code == ExitCode.DEPENDENCY
    assert "install the same version everywhere" in err
    assert not (run / "out" / "letter.pdf").exists()


def test_files_lost_on_the_cluster_are_sent_again(cluster, monkeypatch):
    """A worker that cannot fetch a letter's files (lost with the worker that
    held them) says which; the client sends them again under new keys."""
    from briefpers.batch import executors

    address, hidden = cluster
    run = hidden / "lost"
    letters(run / "in")
    for name in ("zoek.xml", "stuk.xml", "kapot.xml"):
        (run / "in" / name).unlink()
    for name, size in (("chart.png", (90, 50)), ("signature.png", (50, 25))):
        (run / "in" / "img" / name).write_bytes(noisy_png(size))  # in no worker's cache yet
    hold = executors.DaskExecutor._hold
    dropped: list[str] = []

    def lose_files_once(self, client, data):
        if not dropped:  # the first parcels' files never reach the cluster
            dropped.extend(key for key in data if key.startswith(remote.ASSET_PREFIX))
            data = {k: v for k, v in data.items() if k not in dropped}
        hold(self, client, data)

    monkeypatch.setattr(executors.DaskExecutor, "_hold", lose_files_once)
    code, out, err = build(run, "in", "-o", "out", "--executor", "dask", "--scheduler", address)
    assert code == 0, err
    assert dropped and "2 built" in out
    build(run, "in", "-o", "local", "-j", "1")
    for name in ("beeld.pdf", "kaal.pdf"):
        assert (run / "out" / name).read_bytes() == (run / "local" / name).read_bytes()
    with distributed.Client(address, timeout="60s") as client:
        counts = client.run(remote.fetched)
    asked = {key for fetched in counts.values() for key in fetched}
    assert {f"{key}-r1" for key in dropped} & asked  # sent again under a new key


def test_editions_come_back_from_the_cluster(cluster):
    """The web edition and MDTO records are made where the letter is built and
    written here beside the PDF, the same bytes as a local build's; a letter
    rebuilt without them loses them."""
    address, hidden = cluster
    run = hidden / "editions"
    letters(run / "in")
    for name in ("zoek.xml", "stuk.xml", "kapot.xml"):
        (run / "in" / name).unlink()
    for n, path in enumerate(sorted((run / "in").glob("*.xml"))):  # records need a reference
        ours = f"</subject>\n  <references><ours>REF-{n}</ours></references>"
        path.write_text(path.read_text().replace("</subject>", ours))
    asked = ("--format", "pdf,html", "--mdto")
    dask = ("in", "-o", "out", "--executor", "dask", "--scheduler", address)
    code, out, err = build(run, *dask, *asked)
    assert code == 0, err
    code, _, err = build(run, "in", "-o", "local", "-j", "1", *asked)
    assert code == 0, err
    made = sorted(p.name for p in (run / "out").iterdir() if not p.name.startswith("."))
    local = sorted(p.name for p in (run / "local").iterdir() if not p.name.startswith("."))
    assert made == local
    assert {"beeld.html", "kaal.html"} <= set(made)
    assert any(name.endswith(".mdto.xml") for name in made)
    for name in made:
        if name != "manifest.json":
            assert (run / "out" / name).read_bytes() == (run / "local" / name).read_bytes(), name

    code, out, err = build(run, *dask)
    assert (code, out.startswith("all 2 letters up to date")) == (0, True), err  # left alone
    code, out, err = build(run, *dask, "--force")
    assert code == 0, err
    assert "2 built" in out  # rebuilt without them: they would describe another PDF
    left = sorted(p.name for p in (run / "out").iterdir() if not p.name.startswith("."))
    assert left == ["beeld.pdf", "kaal.pdf", "manifest.json"]
