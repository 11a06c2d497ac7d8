"""`briefpers import opxml`: official publication XML to a letter source.

The fixtures are hand-written in the published structure (see their header
comments): footnotes, two lists, a CALS table, a division, a processing
instruction inside a word, two signatories, an annex, and unknown elements.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections import Counter
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner
from lxml import etree

from briefpers.check.preflight import preflight
from briefpers.cli import main
from briefpers.errors import SourceError
from briefpers.importers.opxml import import_opxml, import_opxml_file
from briefpers.lint import lint_file
from briefpers.pipeline import build_letter
from briefpers.source.load import load

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "import"
LETTER = FIXTURES / "kst-28676-123.xml"
UNKNOWN = FIXTURES / "kst-unknown-element.xml"
BP = "{urn:x-briefpers:letter:1.0#}"


def _text(el: etree._Element | None) -> str:
    return " ".join("".join(el.itertext()).split()) if el is not None else ""


@pytest.fixture(scope="module")
def imported() -> etree._Element:
    return etree.fromstring(import_opxml_file(LETTER).xml)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    """Both fixtures imported and built; the letter as a reissue."""
    tmp = tmp_path_factory.mktemp("opxml")
    out = {}
    for name, path, reissue in (
        ("letter", LETTER, ("kst-28676-123", dt.date(2022, 1, 14))),
        ("unknown", UNKNOWN, None),
    ):
        source = tmp / f"{name}.xml"
        source.write_bytes(import_opxml_file(path, reissue=reissue).xml)
        load(source)  # valid against the schema
        pdf = tmp / f"{name}.pdf"
        pdf.write_bytes(build_letter(source).pdf)
        out[name], out[f"{name}-xml"] = pdf, source
    return out


def test_metadata(imported):
    assert imported.find("parliamentary").attrib == {"dossier": "28676", "number": "123"}
    assert imported.findtext("date") == "2022-01-14"
    assert _text(imported.find("subject")) == (
        "NAVO; Brief regering; Verslag van de NAVO-ministeriële bijeenkomst"
    )
    assert [_text(line) for line in imported.iterfind("recipient/line")] == [
        "De Voorzitter van de Tweede Kamer",
        "der Staten-Generaal",
    ]
    assert _text(imported.find("sender")) == "[Afzender]"  # not in the XML: a placeholder


def test_body(imported):
    body = imported.find("body")
    assert [_text(h) for h in body.iterfind("section/heading")] == ["Voorbereiding", "Toezeggingen"]
    text = _text(body)
    assert "de volgende onderwerpen:" in text  # the <?xpp?> inside the word is gone
    assert _text(body.find(".//em")) == "voorbereiding"
    assert _text(body.find(".//strong")) == "de-escalatie"
    assert body.find(".//a").get("href") == "https://www.rijksoverheid.nl"
    assert len(body.findall(".//ul/li")) == 3
    assert [_text(li) for li in body.iterfind(".//ol/li")] == [
        "een verslag van de volgende bijeenkomst;",
        "een brief over de troepenopbouw.Zie ook de brief van 7 januari 2022.",
    ]


def test_table(imported):
    table = imported.find(".//table")
    assert _text(table.find("caption")) == "Bijdragen per bondgenoot"
    rows = table.findall("tr")
    assert [c.tag for c in rows[0]] == ["th", "th", "th"]
    assert [_text(c) for c in rows[1]] == ["Nederland", "1,45%", "1,52%"]
    assert rows[2][0].get("colspan") == "3"


def test_footnotes_signatories_annex(imported):
    notes = [_text(n) for n in imported.iter("note")]
    assert notes == [
        "Kamerstuk 28 676, nr. 350.",
        "Zie ook de brief van 7 januari 2022.",
        "Het verslag van de vorige bijeenkomst staat in Kamerstuk 28 676, nr. 349.",
    ]
    assert [(s.findtext("function"), s.findtext("name")) for s in imported.iter("signatory")] == [
        ("De minister van Buitenlandse Zaken,", "W.B. Hoekstra"),
        ("De minister van Defensie,", "K.H. Ollongren"),
    ]
    annex = imported.find("annex")
    assert _text(annex.find("title")) == "Verslag NAVO ministeriële 7 januari"
    assert _text(annex.find("section/heading")) == "Inleiding"


def _words(el: etree._Element) -> Counter:
    """Words, text nodes kept apart (a footnote is glued to its call in the text)."""
    return Counter(" ".join(el.itertext()).split())


def test_no_text_is_lost(imported):
    parser = etree.XMLParser(remove_pis=True)  # <?xpp?> splits a word in the fixture
    stuk = etree.parse(str(LETTER), parser).getroot().find(".//stuk")
    read_elsewhere = ("stuknr", "titel", "li.nr", "noot.nr")  # metadata, numbering
    for el in [el for el in stuk.iter(*read_elsewhere) if el.getparent().tag != "kop"]:
        el.getparent().remove(el)
    got = sum((_words(imported.find(n)) for n in ("body", "signatories", "annex")), Counter())
    assert not _words(stuk) - got


def test_unknown_elements_are_reported_and_kept():
    result = import_opxml_file(UNKNOWN)
    root = etree.fromstring(result.xml)
    text = _text(root.find("body"))
    assert "Een gewone alinea met een afk. erin." in text
    assert "Tekst in een kader die bewaard moet blijven." in text
    assert "[Afbeelding: kst-36000-7-1.png]" in text
    comments = [c.text for c in root.iter(etree.Comment)]
    kader = "/officiele-publicatie/kamerstuk/stuk/algemeen/vrije-tekst/tekst/kader"
    assert any(f"<kader> at {kader}" in c for c in comments)
    assert any(kader in w and ":21: warning:" in w for w in result.warnings)
    assert any("<afkorting>" in w for w in result.warnings)


def test_cli_warns_on_stderr(tmp_path):
    out = tmp_path / "u.xml"
    result = CliRunner().invoke(main, ["import", "opxml", str(UNKNOWN), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "warning: unknown element <kader> at /officiele-publicatie/" in result.stderr
    load(out)
    findings = [str(f) for f in lint_file(out)]
    assert any("[Afbeelding: kst-36000-7-1.png]" in f for f in findings)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]>'
            b"<officiele-publicatie><al>&e;</al></officiele-publicatie>",
            "DOCTYPE",
        ),
        (b"<kamerstuk/>", "not an official publication"),
        (b"<officiele-publicatie><al>", "not well-formed"),
    ],
)
def test_unsafe_or_wrong_input_is_refused(data, message):
    with pytest.raises(SourceError, match=message):
        import_opxml(data, "x.xml")


def test_reissue_in_the_xmp(built):
    root = etree.parse(str(built["letter-xml"])).getroot()
    assert root.find("reissue-of").attrib == {"identifier": "kst-28676-123", "date": "2022-01-14"}
    with pikepdf.open(built["letter"]) as pdf:
        xmp = etree.fromstring(pdf.Root.Metadata.read_bytes())
    assert xmp.findtext(f".//{BP}originalIdentifier") == "kst-28676-123"
    assert xmp.findtext(f".//{BP}originalDate") == "2022-01-14"
    assert xmp.findtext(f".//{BP}reissueDate") == dt.date.today().isoformat()
    assert xmp.findtext(f".//{BP}reissuedWith").startswith("briefpers ")


@pytest.mark.verapdf
@pytest.mark.skipif(shutil.which("java") is None, reason="java is not installed")
def test_built_pdfs_pass_preflight_and_verapdf(built):
    from briefpers.check.verapdf import validate

    pdfs = [built["letter"], built["unknown"]]
    for pdf in pdfs:
        report = preflight(pdf)
        assert report.ok, report.problems
    for verdict in validate(pdfs):  # one JVM for both
        assert verdict.compliant, (verdict.path, verdict.error, verdict.to_dict())
        assert {f.flavour for f in verdict.flavours} == {"3a", "ua1"}
