"""The documented Python API (docs/api.md), used as a program would: only through
`from briefpers import …`."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import briefpers
from briefpers import (
    DEFAULT_PROFILE,
    PROFILES,
    BriefpersError,
    Built,
    ExitCode,
    Finding,
    Letter,
    Settings,
    Verdict,
    build_letter,
    check_pdf,
    extract_source,
    lint_file,
    load_letter,
    render_letter_html,
    validate_pdfs,
)
from tests.conftest import have_verapdf

ROOT = Path(__file__).resolve().parents[1]
WATER = ROOT / "input" / "water-quality-2023.xml"
NAVO = ROOT / "input" / "navo-ministeriele-2022.xml"


def test_every_exported_name_is_documented() -> None:
    documented = (ROOT / "docs" / "api.md").read_text()
    for name in briefpers.__all__:
        assert f"`{name}`" in documented, name
    with pytest.raises(AttributeError):
        briefpers.build_batch  # noqa: B018 (not part of the API)


def test_import_is_cheap() -> None:
    """`import briefpers` loads neither the typesetter nor the CLI."""
    code = "import sys, briefpers; print([m for m in ('weasyprint', 'click') if m in sys.modules])"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_build_check_and_extract(tmp_path: Path) -> None:
    settings = Settings()
    letter = load_letter(WATER)
    assert isinstance(letter, Letter) and letter.lang == "en"
    assert "<html" in render_letter_html(WATER, settings=settings)
    built = build_letter(WATER, settings=settings, profile=DEFAULT_PROFILE)
    assert isinstance(built, Built) and built.pages == 2 and built.pdf.startswith(b"%PDF-")
    assert DEFAULT_PROFILE in PROFILES
    pdf = tmp_path / "water.pdf"
    pdf.write_bytes(built.pdf)
    report = check_pdf(pdf)
    assert report.ok, report.problems
    name, data = extract_source(pdf)
    assert (name, data) == (WATER.name, WATER.read_bytes())
    # Same inputs, same bytes.
    assert build_letter(WATER, settings=settings).pdf == built.pdf


def test_lint_findings_are_one_line_each() -> None:
    findings = lint_file(NAVO)
    assert findings and all(isinstance(f, Finding) for f in findings)
    placeholder = next(f for f in findings if "[Afzender]" in f.message)
    assert (placeholder.severity, placeholder.line) == ("error", 62)
    assert re.fullmatch(
        rf"{re.escape(str(NAVO))}:62:\d+: error: unfilled placeholder .*", str(placeholder)
    )


def test_errors_carry_their_exit_code_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text(WATER.read_text().replace("<date>2023-03-09</date>", "<date>9 maart</date>"))
    with pytest.raises(BriefpersError) as caught:
        build_letter(bad)
    error = caught.value
    assert error.exit_code == ExitCode.INVALID_SOURCE
    assert error.diagnostic().startswith(
        f"{bad}:{error.line}:{error.column}: error: <date> must be"
    )


@pytest.mark.skipif(not have_verapdf(), reason="Java missing (make tools)")
def test_validate_pdfs(tmp_path: Path) -> None:
    pdf = tmp_path / "water.pdf"
    pdf.write_bytes(build_letter(WATER).pdf)
    [verdict] = validate_pdfs([pdf], jar=Settings.from_env().verapdf_jar)
    assert isinstance(verdict, Verdict) and verdict.compliant, verdict.to_dict()
    assert {f.flavour for f in verdict.flavours} == {"3a", "ua1"}
