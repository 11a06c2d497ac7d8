"""The archive copy alone rebuilds itself: source and images come back out, same bytes.

A letter with a signature image and a figure in a subfolder is built; the PDF
is all that is kept. `briefpers extract PDF -o DIR` writes the source and
every file it references; building DIR's source gives the same bytes, in
another folder, from another working directory.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest

from .conftest import ROOT
from .pdf_measure import letter_xml

pytestmark = pytest.mark.slow  # three fresh processes

CLI = [sys.executable, "-m", "briefpers.cli"]
SIGNATURE = ROOT / "tests" / "corpus" / "signature.png"
FIGURE = """<svg xmlns="http://www.w3.org/2000/svg" width="120" height="60">
<rect x="5" y="5" width="110" height="50" fill="#dde"/></svg>
"""


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [*CLI, *args], cwd=cwd, capture_output=True, text=True, timeout=180, check=False
    )
    assert done.returncode == 0, done.stderr
    return done


def test_extract_then_build_gives_the_same_bytes(tmp_path: Path) -> None:
    work = tmp_path / "office" / "brieven"
    (work / "img").mkdir(parents=True)
    shutil.copy(SIGNATURE, work / "img" / "handtekening.png")
    (work / "img" / "grafiek.svg").write_text(FIGURE, encoding="utf-8")
    signatory = (
        "<signatory><function>De minister,</function>"
        '<signature src="img/handtekening.png" alt="Handtekening van A. Voorbeeld"/>'
        "<name>A. Voorbeeld</name></signatory>"
    )
    body = (
        "<p>Zie de grafiek.</p>"
        '<figure src="img/grafiek.svg" alt="Grafiek van de voortgang"><caption>Voortgang'
        "</caption></figure>"
    )
    (work / "brief.xml").write_text(letter_xml(body, signatories=signatory), encoding="utf-8")
    run("build", "brieven/brief.xml", "-o", "archief", cwd=work.parent)
    original = (work.parent / "archief" / "brief.pdf").read_bytes()

    with pikepdf.open(work.parent / "archief" / "brief.pdf") as pdf:
        names = sorted(str(spec.get("/UF")) for spec in pdf.Root.AF)
        relations = {str(spec.get("/UF")): str(spec.get("/AFRelationship")) for spec in pdf.Root.AF}
    assert names == ["brief.xml", "img/grafiek.svg", "img/handtekening.png"]
    assert relations["brief.xml"] == "/Source"
    assert relations["img/handtekening.png"] == relations["img/grafiek.svg"] == "/Supplement"

    # Only the PDF is kept; everything else comes back from it, elsewhere.
    kept = tmp_path / "kept.pdf"
    kept.write_bytes(original)
    shutil.rmtree(tmp_path / "office")
    restored = tmp_path / "elders" / "uitgepakt"
    restored.parent.mkdir()
    run("extract", str(kept), "-o", str(restored), cwd=tmp_path)
    assert (restored / "img" / "handtekening.png").read_bytes() == SIGNATURE.read_bytes()
    assert (restored / "img" / "grafiek.svg").read_text(encoding="utf-8") == FIGURE
    run("build", "uitgepakt/brief.xml", "-o", "opnieuw", cwd=restored.parent)
    again = (restored.parent / "opnieuw" / "brief.pdf").read_bytes()
    assert hashlib.sha256(again).hexdigest() == hashlib.sha256(original).hexdigest()
