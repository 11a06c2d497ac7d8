"""End to end: the CLI builds both examples; the PDFs say what the sources say."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from .conftest import INPUT, ROOT
from .text import in_order, pdf_text, source_words, words

CLI = [sys.executable, "-m", "briefpers.cli"]


def run(*args: str, cwd: Path = ROOT, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CLI, *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=300
    )


@pytest.mark.parametrize("stem", ["navo-ministeriele-2022", "water-quality-2023"])
def test_full_text_in_the_pdf(built, stem: str) -> None:
    source = INPUT / f"{stem}.xml"
    text = words(pdf_text(built[stem], max_x_mm=157), drop_calls=True)
    # Signatories stand side by side, so each block is checked on its own.
    count = len(etree.parse(str(source)).findall("signatories/signatory"))
    blocks = [f"/letter/signatories/signatory[{i + 1}]" for i in range(count)]
    for xpath in ("/letter/body", "/letter/closing", *blocks, "/letter/annex"):
        expected = source_words(source, xpath)
        assert in_order(expected, text) == [], xpath
    notes = source_words(source, "//note", notes=True)
    assert notes and in_order(notes, text) == []
    for line in source_words(source, "/letter/recipient | /letter/subject"):
        assert line in text


def test_seed_details(built) -> None:
    text = pdf_text(built["navo-ministeriele-2022"])
    assert "Datum 14 januari 2022" in text
    assert "NAVO-verdragsgebied" in text and "de-escalatie" in text
    assert "[Ondertekenaar 2]" in text and "[Afzender]" in text
    assert "1 Kamerstuk 28676 nr. 350 van 30 november 2020" in text
    assert "Pagina 1 van 3" in text and "Pagina 3 van 3" in text


def test_english_details(built) -> None:
    text = pdf_text(built["water-quality-2023"])
    assert "Date 9 March 2023" in text
    assert "Page 1 of 2" in text
    assert "A.B. Example" in text and "C.D. Sample" in text


def test_cli_build_check_extract(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("build", "input", "-o", str(out))
    assert result.returncode == 0, result.stderr
    stems = sorted(p.stem for p in INPUT.glob("*.xml"))
    assert f"{len(stems)} built, 0 up to date" in result.stdout
    pdfs = sorted(out.glob("*.pdf"))
    assert [p.stem for p in pdfs] == stems
    assert run("check", *map(str, pdfs)).returncode == 0
    extracted = tmp_path / "x.xml"
    seed = out / "navo-ministeriele-2022.pdf"
    assert run("extract", str(seed), "-o", str(extracted)).returncode == 0
    assert extracted.read_bytes() == (INPUT / "navo-ministeriele-2022.xml").read_bytes()


def test_rebuilds_are_byte_identical_across_processes(tmp_path: Path, built) -> None:
    """A fresh process (another hash seed, the CLI, a worker) gives the bytes that
    this test session built in process."""
    env = dict(os.environ, PYTHONHASHSEED="random")
    env.pop("SOURCE_DATE_EPOCH", None)
    result = run("build", "input", "-o", str(tmp_path / "a"), env=env)
    assert result.returncode == 0, result.stderr
    assert sorted(p.stem for p in (tmp_path / "a").glob("*.pdf")) == sorted(built)
    for pdf in (tmp_path / "a").glob("*.pdf"):
        assert pdf.read_bytes() == built[pdf.stem].read_bytes(), pdf.name


def test_extracted_source_rebuilds_to_the_same_bytes(tmp_path: Path, built) -> None:
    folder = tmp_path / "again"
    folder.mkdir()
    source = folder / "navo-ministeriele-2022.xml"
    assert run("extract", str(built["navo-ministeriele-2022"]), "-o", str(source)).returncode == 0
    assert run("build", str(source), "-o", str(folder)).returncode == 0
    assert (folder / "navo-ministeriele-2022.pdf").read_bytes() == built[
        "navo-ministeriele-2022"
    ].read_bytes()


@pytest.mark.parametrize(
    ("change", "message", "code"),
    [
        (("<p>", "<p><b>"), "not well-formed", 3),
        (
            ("<date>2022-01-14</date>", "<date>14-01-2022</date>"),
            "must be a date like 2022-01-14",
            3,
        ),
        (('version="1"', 'version="2"'), "version", 3),
    ],
)
def test_bad_input_one_line_and_nothing_written(tmp_path: Path, change, message, code) -> None:
    bad = tmp_path / "bad.xml"
    text = (INPUT / "navo-ministeriele-2022.xml").read_text(encoding="utf-8")
    bad.write_text(text.replace(*change, 1), encoding="utf-8")
    out = tmp_path / "out"
    result = run("build", str(bad), "-o", str(out))
    assert result.returncode == code
    errors = [line for line in result.stderr.splitlines() if "error: " in line]
    assert len(errors) == 1 and message in errors[0] and str(bad) in errors[0]
    assert "Traceback" not in result.stderr
    assert not out.exists() or not any(out.iterdir())


def test_check_fails_on_a_foreign_pdf(tmp_path: Path) -> None:
    import pikepdf

    plain = tmp_path / "plain.pdf"
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.save(plain)
    result = run("check", str(plain))
    assert result.returncode == 6
    assert "FAIL" in result.stdout
