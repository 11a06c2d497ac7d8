"""Resource limits: pathological letters fail fast; builds have a deadline."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from briefpers.errors import ConfigError, ExitCode, SourceError, TimeLimitError
from briefpers.limits import Limits, deadline, run_with_deadline
from briefpers.pipeline import build_letter
from briefpers.settings import Settings
from briefpers.source.load import load

from .conftest import ROOT
from .pdf_measure import letter_xml
from .test_source import MINIMAL

CLI = [sys.executable, "-m", "briefpers.cli"]


def letter(tmp_path: Path, body: str, name: str = "letter.xml") -> Path:
    path = tmp_path / name
    path.write_text(MINIMAL.replace("<p>Tekst.</p>", body), encoding="utf-8")
    return path


# The four pathological letters of issue 7: each is refused before rendering.
PATHOLOGICAL = {
    "100,000 paragraphs": (
        lambda: "\n".join(f"<p>Alinea {i}.</p>" for i in range(100_000)),
        "more than 20,000 elements (limit BRIEFPERS_MAX_ELEMENTS=20000)",
    ),
    "10,000 footnotes": (
        lambda: "<p>" + " ".join(f"Zin<note>Noot {i}.</note>." for i in range(10_000)) + "</p>",
        "more than 1,000 footnotes (limit BRIEFPERS_MAX_NOTES=1000)",
    ),
    "a 1 MB word": (
        lambda: "<p>" + "a" * 1_000_000 + "</p>",
        "a word of 1,000,000 characters without a space",
    ),
    "nesting 200 deep": (
        lambda: "<section><heading>K</heading>" * 200 + "<p>Diep.</p>" + "</section>" * 200,
        "elements nested more than 50 levels deep (limit BRIEFPERS_MAX_DEPTH=50)",
    ),
}


@pytest.mark.parametrize(("make", "message"), PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_pathological_letters_fail_fast(make, message, tmp_path: Path) -> None:
    path = letter(tmp_path, make())
    start = time.perf_counter()
    with pytest.raises(SourceError) as info:
        load(path)
    assert time.perf_counter() - start < 2
    assert message in str(info.value)
    assert info.value.exit_code == ExitCode.INVALID_SOURCE
    assert info.value.line is not None


def test_pathological_letter_through_the_cli(tmp_path: Path) -> None:
    path = letter(tmp_path, PATHOLOGICAL["100,000 paragraphs"][0]())
    start = time.perf_counter()
    result = subprocess.run(
        [*CLI, "build", str(path), "-o", str(tmp_path / "out")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert time.perf_counter() - start < 30
    assert result.returncode == 3
    assert "more than 20,000 elements" in result.stderr
    assert not any((tmp_path / "out").glob("*"))


def test_letters_at_the_limits_build(tmp_path: Path) -> None:
    """The deepest lists (WeasyPrint's worst case) and the longest word allowed."""
    levels = 23  # letter, body, 24 ul/li pairs: the innermost li is at depth 50
    lists = "<ul><li>x" * levels + "<ul><li>diep</li></ul>" + "</li></ul>" * levels
    path = letter(tmp_path, lists + "<p>" + "w" * 1000 + "</p>")
    with pytest.raises(SourceError, match="nested more than 49 levels"):
        load(path, limits=Limits(max_depth=49))
    built = build_letter(path)
    assert built.pages >= 1


def test_limits_from_the_environment() -> None:
    limits = Limits.from_env({"BRIEFPERS_MAX_NOTES": "7", "BRIEFPERS_TIMEOUT": "0"})
    assert limits.max_notes == 7 and limits.timeout == 0
    assert Limits.from_env({}) == Limits()
    assert Limits.from_env({"BRIEFPERS_TIMEOUT": "2.5"}).timeout == 2.5
    for name, value in [
        ("BRIEFPERS_MAX_NOTES", "many"),
        ("BRIEFPERS_MAX_NOTES", "0"),
        ("BRIEFPERS_MAX_WORD", "-1"),
        ("BRIEFPERS_MAX_DEPTH", "2.5"),
        ("BRIEFPERS_TIMEOUT", "nan"),
        ("BRIEFPERS_TIMEOUT", "inf"),
    ]:
        with pytest.raises(ConfigError, match=name) as info:
            Limits.from_env({name: value})
        assert info.value.exit_code == ExitCode.USAGE


def spin(seconds: float) -> str:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass
    return "done"


def swallow_once(seconds: float) -> str:
    """Like WeasyPrint around an SVG: catches everything, once."""
    with contextlib.suppress(BaseException):
        spin(seconds)
    return spin(seconds)


@pytest.mark.parametrize("body", [spin, swallow_once])
@pytest.mark.parametrize("in_thread", [False, True], ids=["main thread", "other thread"])
def test_deadline_interrupts(body, in_thread: bool) -> None:
    outcome: dict[str, object] = {}

    def run() -> None:
        start = time.monotonic()
        try:
            outcome["result"] = run_with_deadline(0.2, body, 5, path="x.xml")
        except TimeLimitError as exc:
            outcome["error"] = exc
        outcome["seconds"] = time.monotonic() - start
        time.sleep(0.7)  # a stray interruption after the block would land here
        outcome["clean"] = True

    if in_thread:
        thread = threading.Thread(target=run)
        thread.start()
        thread.join(10)
    else:
        run()
    error = outcome["error"]
    assert isinstance(error, TimeLimitError) and error.exit_code == ExitCode.RENDER
    assert str(error) == (
        "x.xml: building the letter took longer than the limit of 0.2 s "
        "(--timeout or BRIEFPERS_TIMEOUT changes it)"
    )
    assert outcome["seconds"] < 2
    assert outcome["clean"]


def test_deadline_leaves_no_trace() -> None:
    handler = signal.getsignal(signal.SIGALRM)
    assert run_with_deadline(2, spin, 0.05) == "done"
    assert run_with_deadline(None, spin, 0.01) == "done"
    assert run_with_deadline(0, spin, 0.01) == "done"
    assert signal.getsignal(signal.SIGALRM) is handler
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    with deadline(0.2):
        pass
    time.sleep(0.3)  # nothing fires after the block


def test_outer_timer_is_restored() -> None:
    fired = []
    old = signal.signal(signal.SIGALRM, lambda *a: fired.append(True))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.5)
        with deadline(5):
            spin(0.05)
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 0 < remaining < 0.5
        time.sleep(0.6)
        assert fired == [True]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def test_build_letter_has_a_deadline(tmp_path: Path) -> None:
    path = letter(tmp_path, "<p>Tekst.</p>")
    with pytest.raises(TimeLimitError, match=r"longer than the limit of 0\.001 s") as info:
        build_letter(path, timeout=0.001)
    assert info.value.path == str(path)
    settings = Settings.from_env({"BRIEFPERS_TIMEOUT": "0.001"})
    with pytest.raises(TimeLimitError):
        build_letter(path, settings=settings)
    assert build_letter(path, settings=settings, timeout=0).pages == 1  # an explicit value wins


def test_endless_source_is_not_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "letter.xml"
    path.symlink_to("/dev/zero")
    start = time.perf_counter()
    # A device is refused before it is opened: only regular files are read.
    with pytest.raises(SourceError, match="is a device, not a letter source"):
        load(path)
    assert time.perf_counter() - start < 2


@pytest.mark.parametrize(
    ("field", "at_limit", "over"),
    [
        (
            "max_block_notes",
            "<p>x<em><note>n</note></em> " + "x<note>n</note> " * 4 + "</p>",
            "<p>x<em><note>n</note></em> " + "x<note>n</note> " * 5 + "</p>",
        ),
        (
            "max_note_text",
            "<p>x<note>" + "a" * 40 + "</note> y<note>" + "b" * 10 + "</note></p>",
            "<p>x<note>" + "a" * 40 + "</note> y<note>" + "b" * 11 + "</note></p>",
        ),
    ],
)
def test_footnote_limits_are_exact(tmp_path: Path, field: str, at_limit: str, over: str) -> None:
    """Five notes per block / fifty characters of notes pass; one more does not,
    and the error names the setting. Notes in an inline element count for
    their block."""
    limits = Limits(**{field: 5 if field == "max_block_notes" else 50})
    load(letter(tmp_path, at_limit), limits=limits)
    with pytest.raises(SourceError, match=f"limit BRIEFPERS_{field.upper()}=") as info:
        load(letter(tmp_path, over), limits=limits)
    assert info.value.line is not None


def test_annex_limit(tmp_path: Path) -> None:
    annexes = "".join(f"<annex><title>B{n}</title></annex>" for n in range(4))
    path = tmp_path / "annexes.xml"
    path.write_text(letter_xml("<p>Tekst.</p>", annexes=annexes), encoding="utf-8")
    assert len(load(path, limits=Limits(max_annexes=4)).annexes) == 4
    with pytest.raises(SourceError, match=r"more than 3 annexes \(limit BRIEFPERS_MAX_ANNEXES=3\)"):
        load(path, limits=Limits(max_annexes=3))
