"""`briefpers watch`: a running watch rebuilds what changes, shows errors, goes on.

The command runs as a real process on a folder of its own; the test edits
files as an editor would and reads what the watch prints. Waits are bounded
(a hung watch fails the test), never timed.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pikepdf
import pytest
from pdfminer.high_level import extract_text

from briefpers.errors import ExitCode

from .batch_kit import default_sigint
from .letter_kit import letter, noisy_png, signatory

ROOT = Path(__file__).resolve().parents[1]
WAIT = 120.0  # seconds: generous, for a loaded machine


class Watch:
    """A `briefpers watch` process and the lines it printed, as they come."""

    def __init__(self, cwd: Path, *args: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "BRIEFPERS_CONFIG": ""}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "briefpers.cli", "watch", *args],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=default_sigint,
        )
        self.lines: queue.Queue[tuple[str, str]] = queue.Queue()
        for name, stream in (("out", self.proc.stdout), ("err", self.proc.stderr)):
            threading.Thread(target=self._read, args=(name, stream), daemon=True).start()
        self.seen: list[tuple[str, str]] = []

    def _read(self, name: str, stream) -> None:
        for line in stream:
            self.lines.put((name, line.rstrip("\n")))

    def expect(self, text: str, stream: str = "out") -> str:
        """The next line on `stream` that contains `text` (lines before it are kept)."""
        deadline = time.monotonic() + WAIT
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or (self.proc.poll() is not None and self.lines.empty()):
                raise AssertionError(f"no line with {text!r}; saw {self.seen}")
            try:
                name, line = self.lines.get(timeout=min(left, 1.0))
            except queue.Empty:
                continue
            self.seen.append((name, line))
            if name == stream and text in line:
                return line

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(WAIT)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()


def save(path: Path, data: bytes) -> None:
    """As an editor saves: a new file renamed over the old one."""
    part = path.with_name(f".{path.name}.swp")
    part.write_bytes(data)
    os.replace(part, path)


def embedded(pdf: Path, name: str) -> bytes:
    with pikepdf.open(pdf) as doc:
        return doc.attachments[name].get_file().read_bytes()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "in" / "img").mkdir(parents=True)
    (tmp_path / "in" / "img" / "sig.png").write_bytes(noisy_png((60, 30)))
    letter(tmp_path / "in", "<p>Eerste versie.</p>", after=signatory("img/sig.png"))
    return tmp_path


def test_watch_rebuilds_edits_shows_errors_and_goes_on(folder: Path) -> None:
    source = folder / "in" / "letter.xml"
    pdf = folder / "out" / "letter.pdf"
    watch = Watch(folder, "in", "-o", "out", "--preview", "png", "--interval", "0.05")
    try:
        watch.expect("built out/letter.pdf")
        watch.expect("preview png: letter-1.png")
        watch.expect("watching 1 letter")
        assert "Eerste versie." in extract_text(str(pdf))

        # An edit to the source: rebuilt, the manifest follows.
        save(source, source.read_bytes().replace(b"Eerste versie.", b"Tweede versie."))
        watch.expect("built out/letter.pdf")
        assert "Tweede versie." in extract_text(str(pdf))
        entry = json.loads((folder / "out" / "manifest.json").read_text())["letters"]["letter.pdf"]
        assert entry["source_sha256"] == sha256(source)
        assert entry["output_sha256"] == sha256(pdf)
        watch.expect("preview png: letter-1.png")

        # An edit to the image the letter shows: rebuilt with the new image.
        new_image = noisy_png((64, 32))
        save(folder / "in" / "img" / "sig.png", new_image)
        watch.expect("built out/letter.pdf")
        assert embedded(pdf, "img/sig.png") == new_image

        # A broken source: one error line, the last good PDF stays, the watch goes on.
        good = pdf.read_bytes()
        save(source, source.read_bytes().replace(b"</body>", b"</bdy>"))
        error = watch.expect("in/letter.xml:", stream="err")
        assert ": error: not well-formed" in error
        assert pdf.read_bytes() == good
        assert watch.proc.poll() is None

        # A new letter in the watched folder is built; the broken one, fixed, too.
        letter(folder / "in", "<p>Een nieuwe brief.</p>", name="nieuw.xml")
        watch.expect("built out/nieuw.pdf")
        save(source, source.read_bytes().replace(b"</bdy>", b"</body>"))
        line = watch.expect("out/letter.pdf")  # rebuilt, or up to date again
        assert line.startswith(("built", "up to date"))
        assert "Tweede versie." in extract_text(str(pdf))
    finally:
        code = watch.stop()
    assert code == ExitCode.INTERRUPTED


def test_a_saved_but_unchanged_letter_is_not_rebuilt(folder: Path) -> None:
    """Saving the same bytes changes the file's times, not its content: nothing is built."""
    source = folder / "in" / "letter.xml"
    watch = Watch(folder, "in", "-o", "out", "--interval", "0.05")
    try:
        watch.expect("watching 1 letter")
        built = (folder / "out" / "letter.pdf").stat().st_mtime_ns
        save(source, source.read_bytes())  # same content, new inode and times
        letter(folder / "in", "<p>Een tweede brief.</p>", name="b.xml")  # a marker after it
        watch.expect("built out/b.pdf")
        assert not any("out/letter.pdf" in line for _, line in watch.seen[3:])
        assert (folder / "out" / "letter.pdf").stat().st_mtime_ns == built
    finally:
        watch.stop()


def test_a_theme_edit_rebuilds_with_the_new_theme(folder: Path) -> None:
    """A stylesheet edit reaches the PDF: the worker, whose caches hold the old
    stylesheet, is replaced."""
    import shutil

    from briefpers.themes import data_root

    theme = folder / "mytheme"
    shutil.copytree(data_root() / "styles" / "plain", theme)
    watch = Watch(folder, "in", "-o", "out", "--theme", "./mytheme", "--interval", "0.05")
    try:
        watch.expect("watching 1 letter")
        before = extract_text(str(folder / "out" / "letter.pdf"))
        css = theme / "letter.css"
        css.write_text(css.read_text() + '\nbody::after { content: "Thema gewijzigd"; }\n')
        watch.expect("the theme changed")
        watch.expect("built out/letter.pdf")
        after = extract_text(str(folder / "out" / "letter.pdf"))
        assert "Thema gewijzigd" not in before
        assert "Thema gewijzigd" in after
    finally:
        watch.stop()


def test_watch_refuses_what_cannot_work_before_watching(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "BRIEFPERS_CONFIG": ""}
    missing = subprocess.run(
        [sys.executable, "-m", "briefpers.cli", "watch", "nowhere", "-o", "out"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=WAIT,
    )
    assert missing.returncode == ExitCode.USAGE
    assert missing.stderr == "nowhere: error: no such file or folder\n"
    (tmp_path / "in").mkdir()
    unknown = subprocess.run(
        [sys.executable, "-m", "briefpers.cli", "watch", "in", "-o", "out", "--theme", "nosuch"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=WAIT,
    )
    assert unknown.returncode == ExitCode.ASSET
    assert "no theme 'nosuch'" in unknown.stderr
    assert "watching" not in unknown.stdout
