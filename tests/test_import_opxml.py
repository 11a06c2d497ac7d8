"""`briefpers import opxml`: official publication XML, as it really comes, to a letter source.

The fixtures (see `tests/fixtures/import/README.md`) are written for the tests
in the shapes of real publications: Kamerstukken whose document carries only
a reference to a separate metadata record, a Staatsblad decree, a
Staatscourant and a Gemeenteblad notice, records in both published forms
(`metadata_gegevens` and OWMS) and in the usual places beside the document.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner
from lxml import etree

from briefpers.check.preflight import preflight
from briefpers.cli import main
from briefpers.errors import SourceError
from briefpers.importers import Reissue
from briefpers.importers.oprecord import find_record
from briefpers.importers.opxml import import_opxml, import_opxml_file
from briefpers.lint import lint_file
from briefpers.pipeline import build_letter
from briefpers.source.load import load

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "import"
LETTER = FIXTURES / "kst-28676-123.xml"  # metadata inside the document
UNKNOWN = FIXTURES / "kst-unknown-element.xml"
KST68 = FIXTURES / "kst-12345-68.xml"  # record: kst-12345-68/metadata.xml
KST69 = FIXTURES / "kst-12345-69.xml"  # record: kst-12345-69_metadata.xml
STB = FIXTURES / "stb-2024-101.xml"  # record: stb-2024-101/metadata.xml
STCRT = FIXTURES / "stcrt-2024-2001" / "1" / "xml" / "stcrt-2024-2001.xml"  # ../metadata/
GMB = FIXTURES / "gmb-2024-5001.xml"  # record: gmb-2024-5001.metadata.xml
ALL = [LETTER, UNKNOWN, KST68, KST69, STB, STCRT, GMB]
BP = "{urn:x-briefpers:letter:1.0#}"


def _text(el: etree._Element | None) -> str:
    return " ".join("".join(el.itertext()).split()) if el is not None else ""


def _spaced(el: etree._Element) -> str:
    """Text with a space wherever elements meet (a <br/> is a line break)."""
    return " ".join(" ".join(el.itertext()).split())


def _comments(root: etree._Element) -> str:
    return " | ".join(c.text for c in root.iter(etree.Comment))


@pytest.fixture(scope="module")
def imported() -> dict[Path, etree._Element]:
    return {path: etree.fromstring(import_opxml_file(path).xml) for path in ALL}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    """Every fixture imported and built; the first letter as a reissue."""
    tmp = tmp_path_factory.mktemp("opxml")
    out = {}
    for path in ALL:
        reissue = None
        if path == LETTER:
            reissue = Reissue("kst-28676-123", dt.date(2026, 12, 1), dt.date(2022, 1, 14))
        source = tmp / f"{path.stem}.xml"
        source.write_bytes(import_opxml_file(path, reissue=reissue).xml)
        load(source)  # valid against the schema
        pdf = tmp / f"{path.stem}.pdf"
        pdf.write_bytes(build_letter(source).pdf)
        out[path.stem], out[f"{path.stem}-xml"] = pdf, source
    return out


# Every text node reaches the output ================================================


def _output_texts(root: etree._Element) -> str:
    """All text of the output: element text, attribute values and comments."""
    parts = []
    for node in root.iter():
        if isinstance(node.tag, str):
            parts += [node.text or "", *node.attrib.values()]
        else:
            parts.append(node.text or "")
        parts.append(node.tail or "")
    return " ".join(" ".join(parts).split())


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.stem)
def test_every_text_of_the_input_is_in_the_output_or_a_comment(imported, path):
    """Numbering (li.nr, noot.nr) is carried by structure: checked by count instead;
    a label the output cannot reproduce is named in a comment."""
    source = etree.parse(str(path), etree.XMLParser(remove_pis=True, remove_comments=True))
    out = imported[path]
    haystack = _output_texts(out)
    missing = []
    for el in source.getroot().iter():
        label = " ".join((el.text or "").split())
        numbering = el.tag in ("li.nr", "noot.nr") and (
            re.fullmatch(r"[0-9]+[.)]?", label) or label in "•·▪◦-–—*"
        )
        own = [] if numbering else [el.text]
        for text in own + ([el.tail] if el is not source.getroot() else []):
            text = " ".join((text or "").split())
            if not text:
                continue
            pattern = r"(?<!\w)" + re.escape(text) + r"(?!\w)"
            if not re.search(pattern, haystack):
                missing.append((source.getpath(el), text))
    assert missing == []
    assert len(out.findall(".//note")) == len(source.findall(".//noot"))
    assert len(out.findall(".//li")) == len(source.findall(".//li"))
    assert "text not imported" not in _comments(out)  # the safety net was not needed


# Metadata records ==================================================================


@pytest.mark.parametrize(
    ("document", "record"),
    [
        (KST68, FIXTURES / "kst-12345-68" / "metadata.xml"),  # the download site's layout
        (KST69, FIXTURES / "kst-12345-69_metadata.xml"),
        (GMB, FIXTURES / "gmb-2024-5001.metadata.xml"),
        (STB, FIXTURES / "stb-2024-101" / "metadata.xml"),
        (STCRT, FIXTURES / "stcrt-2024-2001" / "1" / "metadata" / "metadata.xml"),  # repository
        (LETTER, None),
    ],
)
def test_the_record_is_found_beside_the_document(document, record):
    assert find_record(document) == record


def test_fields_the_document_lacks_come_from_the_record(imported):
    root = imported[KST69]
    assert root.get("kind") == "kamerstuk"
    parl = root.find("parliamentary")
    assert parl.attrib == {"dossier": "12345", "number": "69"}
    title = "Voorbeelddossier over de verantwoording van de rijksfinanciën"
    assert _text(parl.find("dossier-title")) == title
    assert _text(parl.find("document-title")) == "BRIEF VAN DE STAATSSECRETARIS VAN FINANCIËN"
    assert root.findtext("date") == "2024-06-27"  # OVERHEIDop.datumBrief
    assert _text(root.find("subject")) == title
    assert [_text(line) for line in root.iterfind("recipient/line")] == [
        "Voorzitter van de Tweede Kamer",
        "der Staten-Generaal",
    ]
    assert _text(root.find("sender")) == "Ministerie van Financiën"


def test_a_kamerstuk_letter_whose_record_is_only_referenced(imported):
    root = imported[KST68]
    assert root.get("kind") == "kamerstuk"
    # The date is the printed "Den Haag, …" line: the record has only the
    # publication date (DCTERMS.issued 2024-06-25), which is not the letter's.
    assert (root.findtext("place"), root.findtext("date")) == ("Den Haag", "2024-06-20")
    assert [_text(line) for line in root.iterfind("recipient/line")] == [
        "De Voorzitter van de Tweede Kamer",
        "der Staten-Generaal",
    ]
    parl = root.find("parliamentary")
    assert parl.attrib == {"dossier": "12345", "number": "68"}
    # The title's footnote stays with the document title, not in the subject.
    assert _text(parl.find("document-title/note")) == "Ontvangen ter griffie op 21 juni 2024."
    assert _text(root.find("subject")) == (
        "Voorbeelddossier over de verantwoording van de rijksfinanciën"
    )
    assert "griffie" not in _text(root.find("subject"))
    assert _text(root.find("sender")) == "Minister voor Rechtsbescherming"
    body_text = _text(root.find("body"))
    assert not body_text.startswith("Aan de Voorzitter") and "Den Haag, 20 juni" not in body_text


def test_signature_text_after_an_inline_element_is_kept(imported):
    sig = imported[KST68].find("signatories/signatory")
    assert (sig.findtext("function"), sig.findtext("name")) == (
        "De Minister voor Rechtsbescherming,",
        "F.M. Weerwind",
    )


def test_a_second_call_of_a_note_is_a_reference_to_it(imported):
    root = imported[KST68]
    ref = root.find(".//noteref")
    note = next(n for n in root.iter("note") if n.get("id") == ref.get("ref"))
    assert _text(note) == "Raad voor de rechtspraak, brief van 3 juni 2024."


def test_images_in_list_items_and_unknown_elements_are_flagged(imported):
    root = imported[KST68]
    first = root.find(".//ol/li")
    assert _spaced(first) == "de reistijd naar de rechtbank; [Afbeelding: kst-12345-68-1.png]"
    assert any(
        "kst-12345-68-1.png" in c.text and "li[1]/plaatje" in c.text
        for c in first.iter(etree.Comment)
    )
    assert "[Afbeelding: kst-12345-68-2.png, Kaart van de spreekuurlocaties]" in _text(root)
    assert "/tekst/kader/plaatje was not imported" in _comments(root)
    findings = [f.message for f in lint_file_for(root)]
    assert sum("[Afbeelding:" in m for m in findings) == 2


def lint_file_for(root: etree._Element):
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.xml"
        path.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
        return lint_file(path)


def test_a_staatsblad_decree(imported):
    root = imported[STB]
    assert root.get("kind") is None  # not a Kamerstuk: an ordinary letter shape
    assert _text(root.find("subject")).startswith("Besluit van 4 april 2024, houdende")
    assert (root.findtext("place"), root.findtext("date")) == ("Wassenaar", "2024-04-04")
    assert _text(root.find("sender")) == "Ministerie van Financiën"
    sigs = [(s.findtext("function"), s.findtext("name")) for s in root.iter("signatory")]
    assert sigs == [("De Minister van Financiën,", "S.A.M. Dijkgraaf")]
    text = _spaced(root.find("body"))
    assert "Uitgegeven de zestiende april 2024" in text  # the issue date stays text
    assert "De Minister van Justitie en Veiligheid, D. Yeşilgöz-Zegerius" in text
    assert [_text(h) for h in root.iter("heading")] == ["Artikel 1", "Artikel 2"]
    assert text.count("[Afbeelding: stb-2024-101-00") == 2
    assert "Staatsblad van het Koninkrijk" not in text  # the masthead is not body text


def test_a_staatscourant_notice_with_an_owms_record(imported):
    root = imported[STCRT]
    assert _text(root.find("sender")) == "Gemeente Voorbeeld"  # DC.creator, scheme Gemeente
    assert _text(root.find("subject")) == "Ter inzage: ontwerpbesluit omgevingsvergunning"
    assert root.findtext("date") == "2024-01-05"  # only the publication date is known
    assert "the date of publication (DCTERMS.available)" in _comments(root)
    assert "[Afbeelding: stcrt-2024-2001-1.png, Logo Voorbeeldgemeente]" in _text(root)


def test_block_texts_never_run_together(imported):
    root = imported[GMB]
    text = _text(root)
    assert "GEMEENTEBLADOfficiële" not in text and "GEMEENTEBLAD" not in _text(root.find("body"))
    assert "masthead (/officiele-publicatie/kop): GEMEENTEBLAD | Officiële uitgave" in (
        _comments(root)
    )
    assert [_text(p) for p in root.iterfind("body/p")] == [
        "Ontvangen aanvraag omgevingsvergunning:",
        "- 05/01/2024, kappen van twee eiken, Kerkweg 3, 1234 CD Voorbeeld.",
        "Tegen betaling van de kosten kan een ieder een kopie van de stukken krijgen. "
        "Digitaal opvragen kan via info@voorbeeld.nl.",
        "Voorbeeld, 8 januari 2024",
    ]
    # The notice's own date line wins over the publication date (2024-01-09).
    assert root.findtext("date") == "2024-01-08"


def test_an_explicit_record_and_the_cli(tmp_path):
    document = tmp_path / "brief.xml"
    shutil.copy(KST69, document)
    record = tmp_path / "elders" / "record.xml"
    record.parent.mkdir()
    shutil.copy(FIXTURES / "kst-12345-69_metadata.xml", record)
    out = tmp_path / "out.xml"
    runner = CliRunner()
    result = runner.invoke(main, ["import", "opxml", str(document), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert etree.parse(str(out)).findtext("date") == "1900-01-01"  # no record found
    result = runner.invoke(
        main, ["import", "opxml", str(document), "--metadata", str(record), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert etree.parse(str(out)).findtext("date") == "2024-06-27"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ('content="12345"', 'content="12346"'),
            "gives dossier number '12346', but the document gives '12345' "
            "(/officiele-publicatie/kamerstuk/dossier/dossiernummer)",
        ),
        (
            ('content="68"', 'content="70"'),
            "gives document number '70', but the document gives '68' "
            "(/officiele-publicatie/kamerstuk/stuk/stuknr)",
        ),
        (
            ('content="kst-12345-68"', 'content="kst-12345-99"'),
            "gives identifier 'kst-12345-99', but the document gives 'kst-12345-68'",
        ),
        (
            (
                '<metadata name="DCTERMS.issued"',
                '<metadata name="OVERHEIDop.datumBrief" scheme="" content="2024-06-21"/>'
                '<metadata name="DCTERMS.issued"',
            ),
            "gives the letter's date '2024-06-21', but the document gives '2024-06-20' "
            "(/officiele-publicatie/kamerstuk/stuk/algemeen/vrije-tekst/tekst/al[2])",
        ),
    ],
)
def test_a_record_that_disagrees_with_the_document_is_an_error(tmp_path, change, message):
    document = tmp_path / "kst-12345-68.xml"
    shutil.copy(KST68, document)
    (tmp_path / "kst-12345-68").mkdir()
    record = (FIXTURES / "kst-12345-68" / "metadata.xml").read_text(encoding="utf-8")
    assert change[0] in record
    (tmp_path / "kst-12345-68" / "metadata.xml").write_text(
        record.replace(change[0], change[1], 1), encoding="utf-8"
    )
    out = tmp_path / "out.xml"
    result = CliRunner().invoke(main, ["import", "opxml", str(document), "-o", str(out)])
    assert result.exit_code == 3
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{document}:")
    assert message in lines[0]
    assert not out.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "no such file"), (b"<metadata/>", "not a metadata record: the root is <metadata>")],
)
def test_an_unusable_record_is_refused(tmp_path, content, message):
    record = tmp_path / "record.xml"
    if content is not None:
        record.write_bytes(content)
    result = CliRunner().invoke(
        main, ["import", "opxml", str(KST68), "--metadata", str(record), "-o", str(tmp_path / "o")]
    )
    assert result.exit_code == 3
    assert message in result.stderr and len(result.stderr.splitlines()) == 1


# The earlier fixtures (metadata inside the document) ================================


def test_metadata_inside_the_document(imported):
    root = imported[LETTER]
    assert root.get("kind") == "kamerstuk"
    assert root.find("parliamentary").attrib == {"dossier": "28676", "number": "123"}
    assert root.findtext("date") == "2022-01-14"
    assert _text(root.find("subject")) == "NAVO"  # the dossier title: no Betreft line
    assert [_text(line) for line in root.iterfind("recipient/line")] == [
        "De Voorzitter van de Tweede Kamer",
        "der Staten-Generaal",
    ]
    assert _text(root.find("sender")) == "Ministerie van Buitenlandse Zaken"  # from the title


def test_body(imported):
    body = imported[LETTER].find("body")
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
    table = imported[LETTER].find(".//table")
    assert _text(table.find("caption")) == "Bijdragen per bondgenoot"
    rows = table.findall("tr")
    assert [c.tag for c in rows[0]] == ["th", "th", "th"]
    assert [_text(c) for c in rows[1]] == ["Nederland", "1,45%", "1,52%"]
    assert rows[2][0].get("colspan") == "3"


def test_footnotes_signatories_annex(imported):
    root = imported[LETTER]
    assert [_text(n) for n in root.iter("note")] == [
        "Kamerstuk 28 676, nr. 350.",
        "Zie ook de brief van 7 januari 2022.",
        "Het verslag van de vorige bijeenkomst staat in Kamerstuk 28 676, nr. 349.",
    ]
    assert [(s.findtext("function"), s.findtext("name")) for s in root.iter("signatory")] == [
        ("De minister van Buitenlandse Zaken,", "W.B. Hoekstra"),
        ("De minister van Defensie,", "K.H. Ollongren"),
    ]
    annex = root.find("annex")
    assert _text(annex.find("title")) == "Verslag NAVO ministeriële 7 januari"
    assert _text(annex.find("section/heading")) == "Inleiding"


def test_unknown_elements_are_reported_and_kept():
    result = import_opxml_file(UNKNOWN)
    root = etree.fromstring(result.xml)
    text = _text(root.find("body"))
    assert "Een gewone alinea met een afk. erin." in text
    assert "Tekst in een kader die bewaard moet blijven." in text
    assert "[Afbeelding: kst-36000-7-1.png]" in text
    kader = "/officiele-publicatie/kamerstuk/stuk/algemeen/vrije-tekst/tekst/kader"
    assert f"<kader> at {kader}" in _comments(root)
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
    root = etree.parse(str(built["kst-28676-123-xml"])).getroot()
    assert root.find("reissue").attrib == {"of": "kst-28676-123", "date": "2026-12-01"}
    assert root.findtext("date") == "2022-01-14"
    with pikepdf.open(built["kst-28676-123"]) as pdf:
        xmp = etree.fromstring(pdf.Root.Metadata.read_bytes())
    assert xmp.findtext(f".//{BP}originalIdentifier") == "kst-28676-123"
    assert xmp.findtext(f".//{BP}originalDate") == "2022-01-14"
    assert xmp.findtext(f".//{BP}reissueDate") == "2026-12-01"
    assert xmp.findtext(f".//{BP}reissuedWith").startswith("briefpers ")


@pytest.mark.verapdf
@pytest.mark.skipif(shutil.which("java") is None, reason="java is not installed")
def test_built_pdfs_pass_preflight_and_verapdf(built):
    from briefpers.check.verapdf import validate

    pdfs = [built[path.stem] for path in ALL]
    for pdf in pdfs:
        report = preflight(pdf)
        assert report.ok, report.problems
    for verdict in validate(pdfs):  # one JVM for all
        assert verdict.compliant, (verdict.path, verdict.error, verdict.to_dict())
        assert {f.flavour for f in verdict.flavours} == {"3a", "ua1"}
