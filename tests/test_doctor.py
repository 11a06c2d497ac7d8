"""`briefpers doctor`, the slow font subsetter, and where a batch is built."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefpers import typeset
from briefpers.batch.executors import SMALL_BATCH, LocalExecutor
from briefpers.cli import main
from briefpers.pipeline import build_letter

from .letter_kit import letter

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def slow_subsetter(monkeypatch):
    """WeasyPrint as it runs without libharfbuzz-subset0: fontTools subsets the fonts."""
    import weasyprint.pdf.fonts as pdf_fonts

    monkeypatch.setattr(pdf_fonts, "harfbuzz_subset", None)
    monkeypatch.setattr(typeset, "_notices", {})


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_doctor_names_the_subsetter_in_use():
    result = run("doctor")
    assert result.exit_code == 0, result.output
    lines = dict(line.split(": ", 1) for line in result.stdout.splitlines())
    assert lines["font subsetter"] == "HarfBuzz (libharfbuzz-subset)"
    assert lines["WeasyPrint"].startswith("70.")
    assert "warning" not in result.stderr


def test_doctor_says_how_c_type_strings_are_read(monkeypatch):
    result = run("doctor")
    lines = dict(line.split(": ", 1) for line in result.stdout.splitlines())
    assert lines["C type strings"].startswith("read by briefpers (cffi ")
    # A cffi whose private names changed: WeasyPrint's ffi keeps cffi's own parse.
    from weasyprint.text.ffi import ffi

    monkeypatch.setattr(ffi, "_typeof_locked", ffi._typeof_locked.cffi_parse)
    monkeypatch.setattr("briefpers.cffi_types.install", lambda ffi: False)
    result = run("doctor")
    assert result.exit_code == 0
    assert "C type strings: parsed by pycparser" in result.stdout
    assert "warning: C type strings:" in result.stderr


def test_doctor_warns_when_fonts_are_subset_slowly(slow_subsetter):
    result = run("doctor")
    assert result.exit_code == 0
    assert "font subsetter: fontTools: the slow path" in result.stdout
    assert "warning: font subsetter:" in result.stderr
    assert "libharfbuzz-subset0" in result.stderr


def test_the_slow_subsetter_is_reported_once_and_the_letter_still_builds(slow_subsetter, tmp_path):
    """WeasyPrint's warning is not muted any more: a build says it once, as one line."""
    sources = [letter(tmp_path / "in", f"<p>Brief {i}.</p>", name=f"b{i}.xml") for i in range(2)]
    built = build_letter(sources[0])
    assert built.pages == 1
    notices = typeset.take_notices()
    assert len(notices) == 1 and "fontTools" in notices[0]
    build_letter(sources[1])
    assert typeset.take_notices() == []  # once per process

    typeset._notices.clear()  # as in a fresh process
    result = run("build", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-j", "1")
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1
    assert "install libharfbuzz-subset0" in warnings[0]


def test_doctor_says_where_letters_are_built(monkeypatch):
    from briefpers.batch import executors

    lines = dict(line.split(": ", 1) for line in run("doctor").stdout.splitlines())
    cores = LocalExecutor(None).workers
    assert lines["workers"].startswith(f"{cores}, one per core" if cores > 1 else "1 core")
    monkeypatch.setattr(executors, "default_jobs", lambda: 4)
    lines = dict(line.split(": ", 1) for line in run("doctor").stdout.splitlines())
    assert lines["workers"] == (
        "4, one per core (2 letters or more: forked from briefpers itself after it loaded "
        "WeasyPrint; one letter: built in the briefpers process)"
    )
    monkeypatch.setattr(executors, "fork_supported", lambda: False)  # not Linux
    lines = dict(line.split(": ", 1) for line in run("doctor").stdout.splitlines())
    assert lines["workers"] == (
        "4, one per core (more than 4 letters: forked from a server that preloaded "
        "WeasyPrint; 2-4 letters: built in the briefpers process; one letter: built in the "
        "briefpers process)"
    )
    monkeypatch.setattr(executors, "default_jobs", lambda: 1)
    lines = dict(line.split(": ", 1) for line in run("doctor").stdout.splitlines())
    assert lines["workers"] == "1 core: letters are built in the briefpers process"


def test_where_a_batch_is_built():
    default = LocalExecutor(None)
    assert default.in_process(1)  # one letter: never worth a process
    if default.workers > 1:  # all cores: without a fork, a small batch is built here
        assert default.small(2) and default.small(SMALL_BATCH)
        assert not default.small(SMALL_BATCH + 1)  # more letters: the pool's server
    assert not default.small(0) and not default.small(1)
    asked = LocalExecutor(2)
    assert asked.in_process(1)
    assert not asked.in_process(2) and not asked.small(2)  # --jobs 2: always workers
    assert LocalExecutor(1).in_process(100) and not LocalExecutor(1).small(2)


def _fresh_python(code: str) -> str:
    """Run `code` in a new interpreter (WeasyPrint not yet imported); its stdout."""
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_weasyprint_is_imported_without_a_full_library_search():
    """The quick import asks no gcc or ld (the full search is never called) and
    finds every library, HarfBuzz's subsetter included."""
    out = _fresh_python(
        "import ctypes.util, sys\n"
        "calls = []\n"
        "full = ctypes.util.find_library\n"
        "ctypes.util.find_library = lambda name: calls.append(name) or full(name)\n"
        "from briefpers.quick_import import import_weasyprint\n"
        "import_weasyprint()\n"
        "ffi = sys.modules['weasyprint.text.ffi']\n"
        "print(len(calls), ffi.harfbuzz_subset is not None, ctypes.util.find_library is not full)"
    )
    if out.startswith("0 True"):
        assert out == "0 True True"  # and the full search is back in place afterwards
    else:  # not Linux, or no ldconfig: the usual import
        assert out.split()[1] == "True"


def test_a_quick_import_that_finds_less_is_done_again_with_the_full_search():
    """Never a weaker typesetter for a faster start: when the quick import lacks
    a library (here: said to), WeasyPrint is imported afresh, and it works."""
    out = _fresh_python(
        "import sys\n"
        "from briefpers import quick_import as q\n"
        "q._complete = lambda: False\n"
        "first = []\n"
        "forget = q._forget\n"
        "q._forget = lambda: (first.append(sys.modules['weasyprint']), forget())\n"
        "weasyprint = q.import_weasyprint()\n"
        "pdf = weasyprint.HTML(string='<p>x</p>').write_pdf()\n"
        "print(len(first), first[0] is not weasyprint, pdf.startswith(b'%PDF'))"
    )
    assert out == "1 True True"
