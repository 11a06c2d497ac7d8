"""The veraPDF gate: the examples and the corpus, in every profile, with zero
failed rules for every flavour they declare; and reproducible across processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest

from briefpers.check.verapdf import validate
from briefpers.profiles import PROFILES

from .conftest import CORPUS

pytestmark = [pytest.mark.verapdf, pytest.mark.slow]  # the corpus in three profiles, veraPDF

# What still separates a PDF 1.7 file from PDF/UA-2: its version declarations
# and the PDF 1.7 structure namespace (Note instead of FENote). Links,
# bookmarks and lists are UA-2-ready (no 8.8, 8.2.5.25 or 8.2.5.14-2 findings).
UA2_DECLARATIONS_ONLY = {
    "ISO 14289-2:2024 5-2",  # pdfuaid:part is 1
    "ISO 14289-2:2024 5-5",  # no pdfuaid:rev
    "ISO 14289-2:2024 8.2.5.2-2",  # Document not in the PDF 2.0 namespace
    "ISO 14289-2:2024 8.2.5.14-1",  # Note is a PDF 1.7 type
}


def test_corpus_covers_the_cases() -> None:
    names = {p.stem for p in CORPUS}
    assert len(CORPUS) >= 10
    for needle in (
        "footnotes",
        "table-and-list",
        "nested",
        "two-sig",
        "three-sig",
        "annexes",
        "english",
        "foreign",
        "signature-image",
        "ten-pages",
        "note-references",
    ):
        assert any(needle in n for n in names), needle


def test_page_counts_span_one_to_ten(built_profiles) -> None:
    counts = []
    for (profile, _stem), path in built_profiles.items():
        if profile == "pdfa-3a-ua1":
            with pikepdf.open(path) as pdf:
                counts.append(len(pdf.pages))
    assert min(counts) == 1 and max(counts) >= 10


def test_verapdf_zero_failed_rules(built_profiles) -> None:
    """One veraPDF run over every file of every profile: each file is checked
    against every flavour it declares, and declares exactly its profile's."""
    paths = list(built_profiles.values())
    verdicts = validate(paths)
    assert len(verdicts) == len(paths)
    failures = []
    for (profile, stem), verdict in zip(built_profiles, verdicts, strict=True):
        assert verdict.error is None, (stem, verdict.error)
        flavours = {f.flavour for f in verdict.flavours}
        assert flavours == set(PROFILES[profile].flavours), (profile, stem, flavours)
        for result in verdict.flavours:
            failures += [(profile, stem, r.rule_id) for r in result.failed_rules]
    assert failures == []
    assert {"4f", "ua2", "wt1a", "wt1r"} <= {f for p in PROFILES.values() for f in p.flavours}


def test_pdf_1_7_profiles_have_the_structure_destinations_of_ua2(built_profiles) -> None:
    older = {k: p for k, p in built_profiles.items() if not PROFILES[k[0]].pdf2}
    verdicts = validate(list(older.values()), flavour="ua2")
    found = set()
    for (profile, stem), verdict in zip(older, verdicts, strict=True):
        assert verdict.error is None, (profile, stem, verdict.error)
        (result,) = verdict.flavours
        assert result.flavour == "ua2"
        found |= {r.rule_id for r in result.failed_rules}
    assert found <= UA2_DECLARATIONS_ONLY, found - UA2_DECLARATIONS_ONLY
    assert "ISO 14289-2:2024 5-2" in found, "checked as PDF/UA-2 indeed"


def test_pdf_2_files_say_so_in_their_header(built_profiles) -> None:
    for (profile, stem), path in built_profiles.items():
        header = path.read_bytes()[:9]
        expected = b"%PDF-2.0\n" if PROFILES[profile].pdf2 else b"%PDF-1.7\n"
        assert header == expected, (profile, stem, header)


def test_corpus_rebuilds_identically_in_separate_processes(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONHASHSEED="random")
    env.pop("SOURCE_DATE_EPOCH", None)
    script = (
        "import sys; from pathlib import Path; from briefpers.pipeline import build_letter\n"
        "out = Path(sys.argv[1]); out.mkdir()\n"
        "for s in sys.argv[2:]:\n"
        "    (out / (Path(s).stem + '.pdf')).write_bytes(build_letter(s).pdf)\n"
    )
    for name in ("a", "b"):
        subprocess.run(
            [sys.executable, "-c", script, str(tmp_path / name), *map(str, CORPUS)],
            check=True,
            env=env,
            timeout=600,
        )
    for pdf in sorted((tmp_path / "a").glob("*.pdf")):
        assert pdf.read_bytes() == (tmp_path / "b" / pdf.name).read_bytes(), pdf.name
