"""The veraPDF wrapper against the real validator (no mocked reports).

Each JVM start costs seconds, so the files are validated in two batch calls
shared by the module. Skipped only if `java` is missing: a missing jar fails
with the DependencyError message, so CI notices that `make tools` did not run.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pytest

from briefpers.check.verapdf import (
    ENV_VAR,
    Verdict,
    find_verapdf,
    validate,
)
from briefpers.errors import DependencyError

pytestmark = pytest.mark.skipif(shutil.which("java") is None, reason="java is not installed")

RULE_ID = re.compile(r"^ISO \d+-\d+:\d{4} [\d.]+-\d+$")


def _blank(path: Path) -> Path:
    with pikepdf.new() as pdf:
        pdf.add_blank_page()
        pdf.save(path)
    return path


def _declares_3a_ua1(path: Path) -> Path:
    """A blank page whose XMP claims PDF/A-3A and PDF/UA-1 (it satisfies neither)."""
    with pikepdf.new() as pdf:
        pdf.add_blank_page()
        with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta.register_xml_namespace("http://www.aiim.org/pdfua/ns/id/", "pdfuaid")
            meta["pdfaid:part"] = "3"
            meta["pdfaid:conformance"] = "A"
            meta["pdfuaid:part"] = "1"
            meta["dc:title"] = "Test"
        pdf.save(path)
    return path


@dataclass
class Files:
    blank: Path
    both: Path
    not_pdf: Path
    blank_again: Path  # non-ASCII name, no .pdf suffix
    missing: Path


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Files:
    tmp = tmp_path_factory.mktemp("verapdf")
    not_pdf = tmp / "not-a-pdf.pdf"
    not_pdf.write_text("this is not a PDF\n")
    return Files(
        blank=_blank(tmp / "blank.pdf"),
        both=_declares_3a_ua1(tmp / "both.pdf"),
        not_pdf=not_pdf,
        blank_again=_blank(tmp / "brief ë.bin"),
        missing=tmp / "missing.pdf",
    )


@pytest.fixture(scope="module")
def auto_verdicts(files: Files) -> list[Verdict]:
    """One call, flavours detected from each file's XMP."""
    return validate(
        [files.both, files.blank, files.not_pdf, files.missing, files.blank_again],
        timeout=120,
    )


@pytest.fixture(scope="module")
def verdicts_3a(files: Files) -> list[Verdict]:
    """One call, flavour forced to PDF/A-3A."""
    return validate([files.blank, files.both], flavour="3a", timeout=120)


def test_blank_pdf_fails_pdfa_3a(verdicts_3a: list[Verdict]) -> None:
    verdict = verdicts_3a[0]
    assert verdict.error is None
    assert not verdict.compliant
    assert [f.flavour for f in verdict.flavours] == ["3a"]
    result = verdict.flavours[0]
    assert not result.compliant
    assert result.profile == "PDF/A-3A validation profile"
    assert result.failed_rule_count == len(result.failed_rules) > 0
    for rule in result.failed_rules:
        assert RULE_ID.match(rule.rule_id), rule.rule_id
        assert rule.specification == "ISO 19005-3:2012"
        assert rule.failed_checks > 0
        assert rule.description
    # A blank pikepdf file has no XMP metadata and no structure tree.
    ids = {rule.rule_id for rule in result.failed_rules}
    assert "ISO 19005-3:2012 6.7.3.3-1" in ids  # no StructTreeRoot


def test_forced_flavour_overrides_xmp(verdicts_3a: list[Verdict]) -> None:
    assert [f.flavour for f in verdicts_3a[1].flavours] == ["3a"]


def test_declared_flavours_are_all_checked(files: Files, auto_verdicts: list[Verdict]) -> None:
    verdict = auto_verdicts[0]
    assert verdict.path == files.both
    assert verdict.error is None
    assert [f.flavour for f in verdict.flavours] == ["3a", "ua1"]
    assert [f.profile for f in verdict.flavours] == [
        "PDF/A-3A validation profile",
        "PDF/UA-1 validation profile",
    ]
    assert not verdict.compliant
    pdfa, pdfua = verdict.flavours
    assert pdfa.failed_rule_count > 0
    assert pdfua.failed_rule_count > 0
    assert all(r.specification == "ISO 19005-3:2012" for r in pdfa.failed_rules)
    assert all(r.specification == "ISO 14289-1:2014" for r in pdfua.failed_rules)
    # pdfuaid is not predefined XMP: PDF/A wants an extension schema for it.
    assert "ISO 19005-3:2012 6.6.2.3.1-1" in {r.rule_id for r in pdfa.failed_rules}

    data = json.loads(json.dumps(verdict.to_dict()))
    assert data["path"] == str(files.both)
    assert data["compliant"] is False
    assert [f["flavour"] for f in data["flavours"]] == ["3a", "ua1"]
    assert data["flavours"][1]["failed_rule_count"] == pdfua.failed_rule_count
    assert data["flavours"][1]["failed_rules"][0]["rule_id"].startswith("ISO 14289-1")


def test_batch_keeps_input_order(files: Files, auto_verdicts: list[Verdict]) -> None:
    assert [v.path for v in auto_verdicts] == [
        files.both,
        files.blank,
        files.not_pdf,
        files.missing,
        files.blank_again,
    ]
    # Without an XMP claim veraPDF falls back to PDF/A-1B.
    for verdict in (auto_verdicts[1], auto_verdicts[4]):
        assert verdict.error is None
        assert [f.flavour for f in verdict.flavours] == ["1b"]
        assert {r.rule_id for r in verdict.flavours[0].failed_rules} == {
            "ISO 19005-1:2005 6.7.2-1"  # no metadata stream
        }


def test_not_a_pdf_is_an_error_verdict(auto_verdicts: list[Verdict]) -> None:
    verdict = auto_verdicts[2]
    assert verdict.error is not None
    assert "parse" in verdict.error.lower()
    assert verdict.flavours == []
    assert not verdict.compliant
    assert verdict.to_dict()["error"] == verdict.error


def test_missing_file_is_an_error_verdict(auto_verdicts: list[Verdict]) -> None:
    verdict = auto_verdicts[3]
    assert verdict.error is not None
    assert "does not exist" in verdict.error
    assert not verdict.compliant


def test_missing_jar_is_a_dependency_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "no-such-verapdf.jar"))
    with pytest.raises(DependencyError, match=ENV_VAR):
        find_verapdf()
    with pytest.raises(DependencyError):
        validate([_blank(tmp_path / "x.pdf")])


def test_unknown_flavour_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="flavour"):
        validate([tmp_path / "x.pdf"], flavour="9z")


def test_no_paths_no_java() -> None:
    assert validate([]) == []
