"""The veraPDF wrapper against the real validator (no mocked reports).

Each JVM start costs seconds, so the files are validated in two batch calls
shared by the module. Skipped only if `java` is missing: a missing jar fails
with the DependencyError message, so CI notices that `make tools` did not run.
veraPDF failing to run is simulated with a broken jar and a fake `java`.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner

from briefpers.check.verapdf import (
    CLASS_ARCHIVE_SUFFIX,
    ENV_VAR,
    FLAVOURS,
    JVM_OPTIONS,
    VERAPDF_VERSION,
    Verdict,
    find_verapdf,
    jvm_options,
    make_class_archive,
    validate,
)
from briefpers.cli import main
from briefpers.errors import ConfigError, DependencyError
from briefpers.settings import Settings

from .conftest import ROOT

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


def _declares(path: Path, **properties: str) -> Path:
    """A blank PDF 2.0 page whose XMP claims what `properties` say (pdfaid_part=…)."""
    with pikepdf.new() as pdf:
        pdf.add_blank_page()
        with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta.register_xml_namespace("http://www.aiim.org/pdfua/ns/id/", "pdfuaid")
            for key, value in properties.items():
                meta[key.replace("_", ":")] = value
        pdf.save(path, min_version="2.0")
    return path


@dataclass
class Files:
    blank: Path
    both: Path
    not_pdf: Path
    blank_again: Path  # non-ASCII name, no .pdf suffix
    missing: Path
    a4_ua2: Path  # declares PDF/A-4 and PDF/UA-2
    a4f: Path  # declares PDF/A-4F


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
        a4_ua2=_declares(tmp / "a4-ua2.pdf", pdfaid_part="4", pdfaid_rev="2020", pdfuaid_part="2"),
        a4f=_declares(tmp / "a4f.pdf", pdfaid_part="4", pdfaid_rev="2020", pdfaid_conformance="F"),
    )


@pytest.fixture(scope="module")
def auto_verdicts(files: Files) -> list[Verdict]:
    """One call, flavours detected from each file's XMP."""
    return validate(
        [
            files.both,
            files.blank,
            files.not_pdf,
            files.missing,
            files.blank_again,
            files.a4_ua2,
            files.a4f,
        ],
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
        files.a4_ua2,
        files.a4f,
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
        find_verapdf(Settings.from_env().verapdf_jar)
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "x.pdf")])
    assert result.exit_code == 7 and ENV_VAR in result.output  # read at the edge
    with pytest.raises(DependencyError):
        validate([_blank(tmp_path / "x.pdf")], jar=tmp_path / "no-such-verapdf.jar")


def test_pdfa4_and_pdfua2_declarations_are_all_checked(
    files: Files, auto_verdicts: list[Verdict]
) -> None:
    both, level_f = auto_verdicts[5], auto_verdicts[6]
    assert both.error is None and level_f.error is None
    assert [f.flavour for f in both.flavours] == ["4", "ua2"]
    assert [f.profile for f in both.flavours] == [
        "PDF/A-4 validation profile",
        "PDF/UA-2 + Tagged PDF validation profile",
    ]
    assert all(r.specification == "ISO 14289-2:2024" for r in both.flavours[1].failed_rules)
    assert [f.flavour for f in level_f.flavours] == ["4f"]
    assert not both.compliant and not level_f.compliant  # blank pages fulfil neither


def test_unknown_flavour_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="flavour") as caught:
        validate([tmp_path / "x.pdf"], flavour="9z")
    assert caught.value.exit_code == 2


def test_unknown_flavour_on_the_command_line_is_one_usage_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["validate", "--flavour", "3x", str(tmp_path / "x.pdf")])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: unknown veraPDF flavour '3x'")
    listed = lines[0].split("use one of ", 1)[1].split(", ")
    assert listed == list(FLAVOURS)
    assert {"ua1", "ua2", "4", "4e", "4f", "wt1a", "wt1r", "3a", "2a"} <= set(listed)


def _fake_java(folder: Path, script: str) -> Path:
    """A `java` on PATH that does what `script` (sh) says, whatever it is asked."""
    folder.mkdir(parents=True, exist_ok=True)
    java = folder / "java"
    java.write_text(f"#!/bin/sh\n{script}\n")
    java.chmod(0o755)
    return folder


@pytest.mark.parametrize(
    ("script", "reason"),
    [
        ("echo '# A fatal error has been detected by the Java Runtime' >&2; exit 134", "134"),
        ("echo 'Error: Invalid or corrupt jarfile' >&2; exit 1", "corrupt jarfile"),
        ('echo \'{"report": {"jobs": [\' ; exit 0', "unreadable report"),
        ("echo 'java.lang.OutOfMemoryError: Java heap space' >&2; exit 0", "OutOfMemoryError"),
    ],
)
def test_verapdf_failing_to_run_is_a_dependency_error_not_a_failed_pdf(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str, reason: str
) -> None:
    jar = tmp_path / "verapdf.jar"
    jar.write_bytes(b"not really a jar")
    monkeypatch.setenv(ENV_VAR, str(jar))
    monkeypatch.setenv("PATH", f"{_fake_java(tmp_path / 'bin', script)}:/usr/bin:/bin")
    pdf = _blank(tmp_path / "x.pdf")
    with pytest.raises(DependencyError, match="veraPDF") as caught:
        validate([pdf], timeout=60, jar=jar)
    assert reason in str(caught.value)
    assert caught.value.exit_code == 7

    result = CliRunner().invoke(main, ["validate", str(pdf)])
    assert result.exit_code == 7
    assert "FAIL" not in result.output  # no file is said to have failed
    assert result.output.strip().splitlines()[-1].startswith("error: veraPDF")


def test_verapdf_that_never_finishes_is_a_dependency_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    jar = tmp_path / "verapdf.jar"
    jar.write_bytes(b"")
    monkeypatch.setenv(ENV_VAR, str(jar))
    monkeypatch.setenv("PATH", f"{_fake_java(tmp_path / 'bin', 'exec sleep 30')}:/usr/bin:/bin")
    with pytest.raises(DependencyError, match=r"did not finish within 0\.5 s"):
        validate([_blank(tmp_path / "x.pdf")], timeout=0.5, jar=jar)


def test_a_broken_jar_is_a_dependency_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real java with a jar that is not one: veraPDF never ran."""
    broken = tmp_path / "greenfield-apps.jar"
    broken.write_bytes(b"PK\x03\x04 truncated")
    monkeypatch.setenv(ENV_VAR, str(broken))
    with pytest.raises(DependencyError, match="veraPDF failed to run") as caught:
        validate([_blank(tmp_path / "x.pdf")], timeout=120, jar=broken)
    assert "jar" in str(caught.value).lower() or "class" in str(caught.value).lower()


def test_the_version_is_written_once() -> None:
    """tools/verapdf.version is read by the Makefile, the fetcher and the module."""
    written = (ROOT / "tools" / "verapdf.version").read_text().strip()
    assert written == VERAPDF_VERSION
    assert re.fullmatch(r"\d+(\.\d+)+", written)
    for path in ("Makefile", "src/briefpers/check/fetch.py", "src/briefpers/check/verapdf.py"):
        text = (ROOT / path).read_text()
        assert written not in text, path
        assert "verapdf.version" in text, path


def test_jvm_options_use_an_archive_next_to_the_jar(tmp_path: Path) -> None:
    jar = tmp_path / "greenfield-apps-9.9.jar"
    jar.write_bytes(b"")
    assert jvm_options(jar) == list(JVM_OPTIONS)  # none there: plain tuning
    archive = tmp_path / f"greenfield-apps-9.9{CLASS_ARCHIVE_SUFFIX}"
    archive.write_bytes(b"")
    assert jvm_options(jar) == [*JVM_OPTIONS, f"-XX:SharedArchiveFile={archive}"]
    assert jvm_options(jar, None) == list(JVM_OPTIONS)
    assert jvm_options(jar, archive, require=True)[-1] == "-Xshare:on"
    assert {"-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"} <= set(JVM_OPTIONS)


@pytest.mark.slow
def test_tuned_jvm_and_class_archive_give_the_same_verdicts(
    files: Files, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The archive is made once and used for real (-Xshare:on fails if the JVM
    cannot map it); verdicts are the same as from an untuned JVM without it."""
    from briefpers.check import verapdf

    archive = make_class_archive(find_verapdf(), tmp_path / f"x{CLASS_ARCHIVE_SUFFIX}")
    assert archive.is_file() and archive.stat().st_size > 1_000_000
    inputs = [files.both, files.a4_ua2, files.not_pdf]
    tuned = validate(inputs, timeout=120, archive=None)
    shared = validate(inputs, timeout=120, archive=archive, require_archive=True)
    monkeypatch.setattr(verapdf, "JVM_OPTIONS", ())
    plain = validate(inputs, timeout=120, archive=None)
    expected = [v.to_dict() for v in plain]
    assert [v.to_dict() for v in tuned] == expected
    assert [v.to_dict() for v in shared] == expected
    assert plain[0].flavours and plain[0].flavours[0].failed_rules  # a real verdict
