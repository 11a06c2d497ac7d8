"""MDTO records: valid against the official schema 1.0.1, checksums that are the
PDF's, the format siegfried identifies, deterministic bytes, the letter's facts,
and a clear error for every value the record needs and the letter lacks."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from briefpers import mdto
from briefpers.cli import main
from briefpers.errors import ConfigError, ExitCode, SourceError
from briefpers.mdto import MdtoSettings
from briefpers.pipeline import build_letter
from briefpers.profiles import PROFILES
from briefpers.settings import Settings

from .archive_kit import NS, archive_build, letter, schema, text
from .conftest import CORPUS, EXAMPLES

EVERY = EXAMPLES + CORPUS


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    return archive_build(tmp_path_factory)


def record(path: Path) -> etree._Element:
    return etree.fromstring(path.read_bytes())


def records_of(letter_path: Path, values: MdtoSettings | None = None, **build) -> dict:
    """The records of a letter built in memory (`build`: build_letter's options)."""
    built = build_letter(letter_path, **build)
    facts = [mdto.pdf_facts(f"{letter_path.stem}.pdf", built.pdf)]
    found = mdto.records(built.letter, facts, values or MdtoSettings(), stem=letter_path.stem)
    return {name: etree.fromstring(data) for name, data in found.items()} | {"pdf": built.pdf}


# Every example and corpus letter ------------------------------------------------


@pytest.mark.parametrize("source", EVERY, ids=lambda p: p.stem)
def test_every_letter_gets_valid_records_whose_checksum_is_the_pdfs(source, out) -> None:
    xsd = schema()
    pdf = out / f"{source.stem}.pdf"
    page = out / f"{source.stem}.html"
    info = record(out / f"{source.stem}.mdto.xml")
    assert xsd.validate(info), xsd.error_log.last_error
    assert info[0].tag == f"{{{NS['m']}}}informatieobject"
    own_id = text(info, "m:informatieobject/m:identificatie[1]/m:identificatieKenmerk")[0]
    names = text(info, "m:informatieobject/m:heeftRepresentatie/m:verwijzingNaam")
    assert names == [pdf.name, page.name]
    for file in (pdf, page):
        rec = record(out / f"{file.name}.bestand.mdto.xml")
        assert xsd.validate(rec), xsd.error_log.last_error
        data = file.read_bytes()
        assert text(rec, "//m:checksumWaarde") == [hashlib.sha256(data).hexdigest()]
        assert text(rec, "//m:checksumAlgoritme/m:begripLabel") == ["SHA-256"]
        assert text(rec, "//m:omvang") == [str(len(data))]
        assert text(rec, "//m:bestand/m:naam") == [file.name]
        refers = "//m:isRepresentatieVan/m:verwijzingIdentificatie/m:identificatieKenmerk"
        assert text(rec, refers) == [own_id]


def test_the_manifest_lists_every_record_and_page_with_its_hash(out) -> None:
    entries = json.loads((out / "manifest.json").read_text())["letters"]
    assert sorted(entries) == sorted(f"{p.stem}.pdf" for p in EVERY)
    for name, entry in entries.items():
        stem = name[: -len(".pdf")]
        expected = {
            f"{stem}.html",
            f"{stem}.mdto.xml",
            f"{stem}.pdf.bestand.mdto.xml",
            f"{stem}.html.bestand.mdto.xml",
        }
        assert set(entry["files"]) == expected
        for file, digest in entry["files"].items():
            assert hashlib.sha256((out / file).read_bytes()).hexdigest() == digest


def test_a_letter_whose_record_is_missing_or_changed_is_rebuilt(out, tmp_path) -> None:
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    sources = [str(p) for p in EVERY]
    args = ["build", *sources, "-o", str(copy), "--mdto", "--format", "pdf,html", "-j", "1"]
    runner = CliRunner()
    first = runner.invoke(main, args)
    assert first.exit_code == 0 and "15 letters up to date" in first.output, first.output
    (copy / "c01-one-page-no-notes.mdto.xml").unlink()
    (copy / "c09-english.html").write_text("edited by hand")
    report = tmp_path / "report.json"
    again = runner.invoke(main, [*args, "--report", str(report)])
    assert again.exit_code == 0, again.output
    reasons = {
        Path(r["source"]).stem: r.get("reason")
        for r in json.loads(report.read_text())["letters"]
        if r["status"] == "built"
    }
    assert reasons == {
        "c01-one-page-no-notes": "c01-one-page-no-notes.mdto.xml missing or changed",
        "c09-english": "c09-english.html missing or changed",
    }
    assert (copy / "c01-one-page-no-notes.mdto.xml").read_bytes() == (
        out / "c01-one-page-no-notes.mdto.xml"
    ).read_bytes()


def test_other_mdto_values_rebuild_and_no_records_leaves_them_or_removes_stale_ones(
    tmp_path,
) -> None:
    source = letter(tmp_path / "in")
    out = tmp_path / "out"
    runner = CliRunner()
    base = ["build", str(source), "-o", str(out)]
    assert runner.invoke(main, [*base, "--mdto"]).exit_code == 0
    before = (out / "letter.mdto.xml").read_bytes()
    # Without --mdto the letter is up to date and its records stay.
    plain = runner.invoke(main, base)
    assert "up to date" in plain.output and (out / "letter.mdto.xml").exists()
    changed = runner.invoke(main, [*base, "--mdto", "--mdto-appraisal", "B"])
    assert changed.exit_code == 0 and "1 built" in changed.output, changed.output
    after = record(out / "letter.mdto.xml")
    assert text(after, "//m:waardering/m:begripCode") == ["B"]
    assert (out / "letter.mdto.xml").read_bytes() != before
    # Rebuilt without records: those of the earlier PDF would lie, so they go.
    assert runner.invoke(main, [*base, "--force"]).exit_code == 0
    assert not (out / "letter.mdto.xml").exists()
    assert not (out / "letter.pdf.bestand.mdto.xml").exists()
    entry = json.loads((out / "manifest.json").read_text())["letters"]["letter.pdf"]
    assert entry["files"] == {} and entry["files_options"] is None


# The format, the date, determinism ------------------------------------------------


@pytest.mark.parametrize("profile", list(PROFILES))
def test_the_format_is_the_puid_siegfried_identifies(profile, tmp_path) -> None:
    pygfried = pytest.importorskip("pygfried", reason="pygfried (siegfried) is not installed")
    source = next(p for p in EXAMPLES if p.stem == "water-quality-2023")
    built = build_letter(source, profile=profile)
    path = tmp_path / "letter.pdf"
    path.write_bytes(built.pdf)
    facts = mdto.pdf_facts(path.name, built.pdf)
    found = pygfried.identify(str(path), detailed=True)["files"][0]["matches"][0]
    assert (found["ns"], found["id"]) == ("pronom", facts.puid)
    prof = PROFILES[profile]
    assert found["version"].lower() == f"{prof.pdfa_part}{prof.pdfa_conformance}".lower()


def test_the_web_editions_format_is_the_puid_siegfried_identifies(out) -> None:
    pygfried = pytest.importorskip("pygfried", reason="pygfried (siegfried) is not installed")
    page = out / "water-quality-2023.html"
    found = pygfried.identify(str(page), detailed=True)["files"][0]["matches"][0]
    rec = record(out / f"{page.name}.bestand.mdto.xml")
    assert text(rec, "//m:bestandsformaat/m:begripCode") == [found["id"]]


def test_the_checksum_date_is_the_files_own_date_never_the_clock(tmp_path) -> None:
    source = letter(tmp_path)
    found = records_of(source)
    assert text(found["letter.pdf.bestand.mdto.xml"], "//m:checksumDatum") == [
        "2020-06-16T00:00:00+00:00"
    ]
    later = records_of(source, settings=Settings(epoch=1_700_000_000))
    assert text(later["letter.pdf.bestand.mdto.xml"], "//m:checksumDatum") == [
        "2023-11-14T22:13:20+00:00"
    ]


def test_records_are_the_same_bytes_in_any_folder(tmp_path, out) -> None:
    source = next(p for p in EXAMPLES if p.stem == "water-quality-2023")
    moved = tmp_path / "elsewhere" / source.name
    moved.parent.mkdir()
    shutil.copy(source, moved)
    built = build_letter(moved)
    facts = [mdto.pdf_facts(f"{source.stem}.pdf", built.pdf)]
    again = mdto.records(built.letter, facts, MdtoSettings(), stem=source.stem)
    # The batch's records also describe the web page; the PDF's own record is the same.
    name = f"{source.stem}.pdf.bestand.mdto.xml"
    assert again[name] == (out / name).read_bytes()
    assert str(tmp_path).encode() not in b"".join(again.values())


# What the record says of the letter --------------------------------------------


def test_the_record_names_the_letter_its_date_language_creator_and_files(out) -> None:
    info = record(out / "water-quality-2023.mdto.xml")
    base = "m:informatieobject/"
    assert text(info, base + "m:identificatie/m:identificatieKenmerk") == ["IENW/BSK-2023/000001"]
    assert text(info, base + "m:naam") == [
        "Progress report on the Water Framework Directive river basin measures, "
        "second quarter of the third planning period"
    ]
    assert text(info, base + "m:dekkingInTijd/m:dekkingInTijdBegindatum") == ["2023-03-09"]
    assert text(info, base + "m:taal") == ["en"]
    assert text(info, base + "m:archiefvormer/m:verwijzingNaam") == [
        "Ministry of Infrastructure and Water Management"
    ]
    assert text(info, base + "m:waardering/m:begripCode") == ["N"]
    assert text(info, base + "m:beperkingGebruik/m:beperkingGebruikType/m:begripLabel") == [
        "Nader te bepalen"
    ]


def test_a_kamerstuk_is_identified_by_its_number_and_is_part_of_its_dossier(out) -> None:
    info = record(out / "kamerstuk-voorbeelddossier-2020.mdto.xml")
    base = "m:informatieobject/"
    assert text(info, base + "m:identificatie/m:identificatieKenmerk") == ["kst-12345-67"]
    dossier = base + "m:isOnderdeelVan/"
    assert text(info, dossier + "m:verwijzingNaam") == ["Voorbeelddossier duurzame archivering"]
    assert text(info, dossier + "m:verwijzingIdentificatie/m:identificatieKenmerk") == ["12345"]
    assert text(info, base + "m:omschrijving") == ["BRIEF VAN DE MINISTER VAN FINANCIËN"]


def test_a_reissue_names_its_original_and_the_day_of_the_reissue(tmp_path) -> None:
    reissue = (
        '<reissue of="Kamerstuk 12 345, nr. 67" date="2026-12-01">'
        "<reason>Een drukfout hersteld</reason></reissue>"
    )
    found = records_of(letter(tmp_path, after_references=reissue))
    info = found["letter.mdto.xml"]
    assert schema().validate(info), schema().error_log.last_error
    related = "//m:gerelateerdInformatieobject/"
    assert text(info, related + "m:gerelateerdInformatieobjectVerwijzing/m:verwijzingNaam") == [
        "Kamerstuk 12 345, nr. 67"
    ]
    assert text(info, related + "m:gerelateerdInformatieobjectTypeRelatie/m:begripLabel") == [
        "Is een versie van"
    ]
    assert text(info, "//m:event/m:eventTijd") == ["2026-12-01"]
    assert text(info, "//m:event/m:eventResultaat") == [
        "Heruitgave van Kamerstuk 12 345, nr. 67; reden: Een drukfout hersteld"
    ]
    # The letter keeps the date it bears; the subject without its footnote.
    assert text(info, "//m:dekkingInTijdBegindatum") == ["2020-06-16"]
    assert text(info, "//m:informatieobject/m:naam") == ["Een onderwerp"]


def test_the_letters_archive_element_overrides_the_settings(tmp_path) -> None:
    archive = '<archive appraisal="V" retention="P7Y" restriction="Geen beperking"/>'
    settings = MdtoSettings(appraisal="B", restriction="Openbaar", creator="Archiefdienst")
    info = records_of(letter(tmp_path, after_references=archive), settings)["letter.mdto.xml"]
    assert schema().validate(info), schema().error_log.last_error
    assert text(info, "//m:waardering/m:begripLabel") == ["Tijdelijk te bewaren"]
    assert text(info, "//m:bewaartermijn/m:termijnLooptijd") == ["P7Y"]
    assert text(info, "//m:beperkingGebruikType/m:begripLabel") == ["Geen beperking"]
    assert text(info, "//m:archiefvormer/m:verwijzingNaam") == ["Archiefdienst"]
    plain = records_of(letter(tmp_path / "b"), settings)["letter.mdto.xml"]
    assert text(plain, "//m:waardering/m:begripCode") == ["B"]
    assert text(plain, "//m:beperkingGebruikType/m:begripLabel") == ["Openbaar"]
    assert plain.xpath("//m:bewaartermijn", namespaces=NS) == []


# Bad input ------------------------------------------------------------------------


def test_a_letter_without_identifier_fails_naming_the_field_and_the_fix(tmp_path) -> None:
    source = letter(tmp_path / "in", references="")
    with pytest.raises(SourceError, match=r"MDTO identificatie: .*<references><ours>") as exc:
        records_of(source)
    assert exc.value.line == 2 and exc.value.exit_code == ExitCode.INVALID_SOURCE
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(source), "-o", str(out), "--mdto"])
    assert result.exit_code == ExitCode.INVALID_SOURCE, result.output
    assert f"{source}:2: error: MDTO identificatie" in result.output
    assert not out.exists() or not any(out.glob("letter*")), "nothing written for a failed letter"


def test_appraisal_v_without_retention_fails_naming_how_to_set_it(tmp_path) -> None:
    source = letter(tmp_path, after_references='<archive appraisal="V"/>')
    with pytest.raises(SourceError, match=r"MDTO bewaartermijn: .*retention=\"P10Y\"") as exc:
        records_of(source)
    assert exc.value.line == 8
    ok = records_of(source, MdtoSettings(retention="P20Y"))["letter.mdto.xml"]
    assert text(ok, "//m:termijnLooptijd") == ["P20Y"]


@pytest.mark.parametrize("lang", ["english", "xx", "x-klingon"])
def test_a_language_that_is_no_language_code_fails(tmp_path, lang) -> None:
    with pytest.raises(SourceError, match=f"xml:lang='{lang}' is not a language code"):
        records_of(letter(tmp_path, lang=lang))


# Settings: a frozen value from a TOML table, flags over it ---------------------------


def test_settings_from_a_table_and_flags_over_them(tmp_path) -> None:
    origin = tmp_path / "briefpers.toml"
    settings = MdtoSettings.from_table(
        {"appraisal": "V", "retention": "P10Y", "restriction": "Openbaar"}, origin
    )
    assert (settings.appraisal, settings.retention) == ("V", "P10Y")
    assert settings.defaults_in_force() == []
    assert MdtoSettings().defaults_in_force() == [
        "appraisal N (Nader te bepalen)",
        "use restriction 'Nader te bepalen'",
    ]
    flagged = settings.with_overrides(appraisal="B", retention=None)
    assert (flagged.appraisal, flagged.retention, flagged.restriction) == ("B", "P10Y", "Openbaar")
    assert flagged.fingerprint() != settings.fingerprint()
    with pytest.raises(AttributeError):
        settings.appraisal = "B"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"apraisal": "B"}, "unknown key 'apraisal'"),
        ({"appraisal": 1}, "appraisal must be a string, found int"),
        ({"appraisal": "X"}, "appraisal must be one of B"),
        ({"retention": "10 jaar"}, "retention must be an ISO 8601 duration"),
        ({"creator_id": "oorg10103"}, "creator_id and creator_id_source go together"),
        ({"restriction": " "}, "restriction must be a non-empty string"),
    ],
)
def test_wrong_settings_name_the_file_and_the_key(tmp_path, table, message) -> None:
    origin = tmp_path / "briefpers.toml"
    with pytest.raises(ConfigError, match=message) as exc:
        MdtoSettings.from_table(table, origin)
    assert str(origin) in str(exc.value)


def test_wrong_flags_are_usage_errors_naming_the_flag(tmp_path) -> None:
    source = letter(tmp_path)
    runner = CliRunner()
    out = str(tmp_path / "out")
    bad = runner.invoke(main, ["build", str(source), "-o", out, "--mdto", "--mdto-retention", "x"])
    assert bad.exit_code == ExitCode.USAGE and "--mdto-retention must be an ISO 8601" in bad.output
    alone = runner.invoke(main, ["build", str(source), "-o", out, "--mdto-appraisal", "B"])
    assert alone.exit_code == ExitCode.USAGE and "need --mdto" in alone.output
    warned = runner.invoke(main, ["build", str(source), "-o", out, "--mdto"])
    assert warned.exit_code == 0
    assert "warning: MDTO appraisal N (Nader te bepalen) and use restriction" in warned.output


# Lint --------------------------------------------------------------------------------


def test_lint_warns_while_appraisal_and_restriction_are_the_defaults(tmp_path) -> None:
    from briefpers.lint import lint_file

    source = letter(tmp_path)
    assert not [f for f in lint_file(source) if "MDTO" in f.message]
    found = [f for f in lint_file(source, mdto=MdtoSettings()) if "MDTO" in f.message]
    assert [(f.severity, f.message.split(":")[0]) for f in found] == [
        ("warning", "MDTO appraisal is the default N (Nader te bepalen)"),
        ("warning", "MDTO use restriction is the default 'Nader te bepalen'"),
    ]
    decided = letter(
        tmp_path / "b", after_references='<archive appraisal="B" restriction="Geen beperking"/>'
    )
    assert not [f for f in lint_file(decided, mdto=MdtoSettings()) if "MDTO" in f.message]
    office = MdtoSettings(appraisal="B", restriction="Openbaar")
    assert not [f for f in lint_file(source, mdto=office) if "MDTO" in f.message]
    nameless = letter(tmp_path / "c", references="")
    errors = [f for f in lint_file(nameless, mdto=office) if f.severity == "error"]
    assert [f.message for f in errors] == [
        "the MDTO record needs an identifier: <references><ours> or a Kamerstuk number"
    ]
    result = CliRunner().invoke(main, ["lint", "--mdto", "--strict", str(source)])
    assert result.exit_code == ExitCode.LINT and "MDTO appraisal is the default" in result.output
