"""The veraPDF gate: the examples and the corpus, in both profiles, with zero
failed rules for every flavour they declare; and reproducible across processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from briefpers.check.verapdf import validate
from briefpers.pipeline import build_letter

from .conftest import EXAMPLES, ROOT

CORPUS = sorted((ROOT / "tests" / "corpus").glob("*.xml"))
SOURCES = EXAMPLES + CORPUS
PROFILES = {"pdfa-3a-ua1": {"3a", "ua1"}, "pdfa-2a-ua1": {"2a", "ua1"}}

pytestmark = pytest.mark.verapdf


@pytest.fixture(scope="module")
def built_all(tmp_path_factory) -> dict[tuple[str, str], Path]:
    out = tmp_path_factory.mktemp("conformance")
    paths = {}
    for profile in PROFILES:
        for source in SOURCES:
            path = out / profile / f"{source.stem}.pdf"
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(build_letter(source, profile=profile).pdf)
            paths[(profile, source.stem)] = path
    return paths


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
    ):
        assert any(needle in n for n in names), needle


def test_page_counts_span_one_to_ten(built_all) -> None:
    import pikepdf

    counts = []
    for (profile, _stem), path in built_all.items():
        if profile == "pdfa-3a-ua1":
            with pikepdf.open(path) as pdf:
                counts.append(len(pdf.pages))
    assert min(counts) == 1 and max(counts) >= 10


def test_verapdf_zero_failed_rules(built_all) -> None:
    paths = list(built_all.values())
    verdicts = validate(paths)
    assert len(verdicts) == len(paths)
    failures = []
    for (profile, stem), verdict in zip(built_all, verdicts, strict=True):
        assert verdict.error is None, (stem, verdict.error)
        flavours = {f.flavour for f in verdict.flavours}
        assert flavours == PROFILES[profile], (stem, flavours)
        for result in verdict.flavours:
            failures += [(profile, stem, r.rule_id) for r in result.failed_rules]
    assert failures == []


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
