"""Every build passes the in-process conformance gate before it is returned.

The stages are meant to make a conformant PDF; the gate (`check.gate`) is the
backstop that turns a slip into a clear error instead of exit 0 with a PDF
that veraPDF would fail. Here a stage is made to slip on purpose.
"""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf
import pytest

from briefpers import pipeline
from briefpers.errors import ExitCode, RenderError
from briefpers.pipeline import build_letter

from .pdf_measure import letter_xml


def _letter(tmp_path: Path) -> Path:
    path = tmp_path / "letter.xml"
    path.write_text(letter_xml("<p>Tekst van de brief.</p>"), encoding="utf-8")
    return path


def test_a_clean_build_passes_the_gate(tmp_path: Path) -> None:
    assert build_letter(_letter(tmp_path)).pages == 1


def test_a_slip_in_a_stage_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    finish = pipeline.finish

    def sloppy(*args, **kwargs) -> bytes:
        """Finishing that writes a string past PDF/A's implementation limit."""
        with pikepdf.open(io.BytesIO(finish(*args, **kwargs))) as pdf:
            pdf.Root.BPLong = pikepdf.String("x" * 40_000)
            out = io.BytesIO()
            pdf.save(out)
            return out.getvalue()

    monkeypatch.setattr(pipeline, "finish", sloppy)
    with pytest.raises(RenderError, match="would not conform to PDF/A") as caught:
        build_letter(_letter(tmp_path))
    assert "32767" in str(caught.value) and caught.value.exit_code == ExitCode.RENDER
