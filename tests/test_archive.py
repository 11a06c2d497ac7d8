"""The archival PDF: XMP from the letter, ids, Info, embedded source, /ID."""

from __future__ import annotations

import hashlib
import io

import pikepdf
import pytest

from briefpers.check.preflight import preflight
from briefpers.pipeline import build_letter
from briefpers.settings import Settings

from .conftest import INPUT

SEED = INPUT / "navo-ministeriele-2022.xml"


@pytest.fixture(scope="module")
def seed_pdf(built):
    with pikepdf.open(built["navo-ministeriele-2022"]) as pdf:
        yield pdf


def meta(pdf: pikepdf.Pdf):
    return pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False)


def test_xmp_is_filled_from_the_letter(seed_pdf) -> None:
    with meta(seed_pdf) as m:
        subject = "Verslag NAVO ministeriële bijeenkomst van 7 januari 2022"
        assert m["dc:title"] == subject
        assert m["dc:description"] == subject
        assert m["dc:creator"] == ["Ministerie van Buitenlandse Zaken", "W.B. Hoekstra"]
        assert m["dc:language"] == {"nl"}
        assert m["dc:identifier"] == "BZ2200001"
        assert m["dc:date"] == ["2022-01-14"]
        assert m["xmp:CreateDate"] == "2022-01-14T00:00:00+00:00"
        assert m["xmp:ModifyDate"] == "2022-01-14T00:00:00+00:00"
        assert m["xmp:MetadataDate"] == "2022-01-14T00:00:00+00:00"
        assert m["pdf:Producer"].startswith("briefpers ")
        assert m["pdfaid:part"] == "3"
        assert m["pdfaid:conformance"] == "A"
        assert m["pdfuaid:part"] == "1"
        assert m["{urn:x-briefpers:letter:1.0#}reference"] == "BZ2200001"
        assert (
            m["{urn:x-briefpers:letter:1.0#}sourceSha256"]
            == hashlib.sha256(SEED.read_bytes()).hexdigest()
        )


def test_pdfuaid_is_declared_in_an_extension_schema(seed_pdf) -> None:
    xmp = seed_pdf.Root.Metadata.read_bytes().decode()
    assert "<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/<" in xmp
    assert "<pdfaSchema:prefix>pdfuaid<" in xmp
    assert "<pdfaSchema:namespaceURI>urn:x-briefpers:letter:1.0#<" in xmp


def test_info_matches_xmp_and_catalog_flags(seed_pdf) -> None:
    info = seed_pdf.docinfo
    assert str(info.Title) == "Verslag NAVO ministeriële bijeenkomst van 7 januari 2022"
    assert str(info.Author) == "Ministerie van Buitenlandse Zaken, W.B. Hoekstra"
    assert str(info.CreationDate) == "D:20220114000000+00'00'"
    assert seed_pdf.Root.ViewerPreferences.DisplayDocTitle is True
    assert str(seed_pdf.Root.Lang) == "nl"
    assert seed_pdf.Root.MarkInfo.Marked is True
    assert "/StructTreeRoot" in seed_pdf.Root


def test_source_embedded_once_as_associated_file(seed_pdf) -> None:
    af = seed_pdf.Root.AF
    assert len(af) == 1
    spec = af[0]
    assert spec.AFRelationship == pikepdf.Name.Source
    assert str(spec.UF) == "navo-ministeriele-2022.xml"
    assert spec.EF.F.read_bytes() == SEED.read_bytes()
    assert spec.EF.F.Subtype == pikepdf.Name("/application/xml")
    assert str(spec.EF.F.Params.ModDate) == "D:20220114000000+00'00'"
    assert list(seed_pdf.attachments) == ["navo-ministeriele-2022.xml"]


def test_pdfa2_profile_embeds_nothing() -> None:
    built = build_letter(SEED, profile="pdfa-2a-ua1")
    with pikepdf.open(io.BytesIO(built.pdf)) as pdf:
        assert "/AF" not in pdf.Root
        assert not list(pdf.attachments)
        with meta(pdf) as m:
            assert m["pdfaid:part"] == "2"
            assert m["pdfuaid:part"] == "1"


def test_source_date_epoch_sets_modify_date() -> None:
    settings = Settings.from_env({"SOURCE_DATE_EPOCH": "1700000000"})  # 2023-11-14T22:13:20Z
    built = build_letter(SEED, settings=settings)
    with pikepdf.open(io.BytesIO(built.pdf)) as pdf, meta(pdf) as m:
        assert m["xmp:CreateDate"] == "2022-01-14T00:00:00+00:00"
        assert m["xmp:ModifyDate"] == "2023-11-14T22:13:20+00:00"
        assert str(pdf.docinfo.ModDate) == "D:20231114221320+00'00'"


def test_id_is_content_derived(built) -> None:
    with (
        pikepdf.open(built["navo-ministeriele-2022"]) as a,
        pikepdf.open(built["water-quality-2023"]) as b,
    ):
        assert bytes(a.trailer.ID[0]) != bytes(b.trailer.ID[0])
    again = build_letter(SEED).pdf
    assert again == built["navo-ministeriele-2022"].read_bytes()


def test_preflight_passes_on_examples(built) -> None:
    for path in built.values():
        report = preflight(path)
        assert report.ok, report.problems
        assert report.facts["pdfa"] == "3a"


def test_preflight_catches_problems(built, tmp_path) -> None:
    with pikepdf.open(built["water-quality-2023"]) as pdf:
        del pdf.Root.AF
        pdf.docinfo.Title = "Something else"
        del pdf.Root.Lang
        bad = tmp_path / "bad.pdf"
        pdf.save(bad)
    problems = " | ".join(preflight(bad).problems)
    assert "embedded XML source" in problems
    assert "Info /Title differs" in problems
    assert "/Lang" in problems
    blank = tmp_path / "blank.pdf"
    pikepdf.new().save(blank)
    assert preflight(blank).problems == ["no XMP metadata"]
