"""`briefpers import text`: the seed letter and a parliamentary-papers text.

The seed (`shared/seed/`, copied to `fixtures/import/seed-navo-2022.txt`)
must import into a valid source that builds, and the built PDF must hold
every word of the seed in order: a word diff may only show the letter's own
furniture (letterhead, date, subject), hyphenation, and the footnote moving
from the page foot to the page foot of the new layout.
"""

from __future__ import annotations

import datetime as dt
import difflib
import shutil
from collections import defaultdict
from pathlib import Path

import pdfplumber
import pikepdf
import pytest
from click.testing import CliRunner
from lxml import etree

from briefpers.check.preflight import preflight
from briefpers.cli import main
from briefpers.errors import SourceError
from briefpers.importers.hyphen import Join, Vocabulary
from briefpers.importers.text import import_text, import_text_file
from briefpers.lint import lint_file
from briefpers.pipeline import build_letter
from briefpers.render.html import format_date
from briefpers.source.load import load

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "import"
SEED = FIXTURES / "seed-navo-2022.txt"  # the seed letter (shared/seed/), as extracted
PAPERS = FIXTURES / "kst-28676-123.txt"
BP = "{urn:x-briefpers:letter:1.0#}"
DC = "{http://purl.org/dc/elements/1.1/}"
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
LABELS = {"Datum", "Betreft", "Ons", "kenmerk", "Uw", "Kamerstuk", "nr.", "Bijlage(n)"}


def _write(tmp: Path, name: str, xml: bytes) -> Path:
    path = tmp / name
    path.write_bytes(xml)
    return path


@pytest.fixture(scope="module")
def seed(tmp_path_factory) -> dict[str, Path]:
    """The seed imported (source XML) and built (PDF)."""
    tmp = tmp_path_factory.mktemp("seed")
    source = _write(tmp, "seed.xml", import_text_file(SEED).xml)
    pdf = tmp / "seed.pdf"
    pdf.write_bytes(build_letter(source).pdf)
    return {"xml": source, "pdf": pdf}


@pytest.fixture(scope="module")
def papers(tmp_path_factory) -> dict[str, Path]:
    """The parliamentary-papers text, imported as a reissue through the CLI, and built."""
    tmp = tmp_path_factory.mktemp("papers")
    source = tmp / "papers.xml"
    result = CliRunner().invoke(
        main,
        [
            "import", "text", str(PAPERS), "-o", str(source),
            "--reissue-of", "kst-28676-123", "--original-date", "2022-01-14",
            "--reissue-date", "2026-12-01", "--reissue-reason", "Heruitgave in het archief",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    pdf = tmp / "papers.pdf"
    pdf.write_bytes(build_letter(source).pdf)
    return {"xml": source, "pdf": pdf, "stderr": result.stderr}


def _tree(path: Path) -> etree._Element:
    return etree.parse(str(path)).getroot()


def _text(el: etree._Element | None) -> str:
    return " ".join("".join(el.itertext()).split()) if el is not None else ""


def _comments(root: etree._Element) -> list[str]:
    return [c.text.strip() for c in root.iter(etree.Comment)]


# The seed =====================================================================


def test_seed_imports_into_a_valid_letter(seed):
    letter = load(seed["xml"])  # validates against the schema
    root = _tree(seed["xml"])
    assert _text(root.find("body/salutation")) == "Geachte voorzitter,"
    assert [(s.function, s.name) for s in letter.signatories] == [
        ("De minister van Buitenlandse Zaken,", "W.B. Hoekstra"),
        ("[Ondertekenaar 2]", ""),
    ]
    annex = root.find("annex")
    assert _text(annex.find("title")) == "VERSLAG NAVO MINISTERIËLE 7 JANUARI"
    assert _text(annex.find("p")) == "[Afzender]"
    assert [_text(h) for h in annex.iterfind("section/heading")] == [
        "Inleiding",
        "Veiligheidssituatie Oost-Europa/NRR",
    ]
    notes = root.findall(".//note")
    assert [_text(n) for n in notes] == ["Kamerstuk 28676 nr. 350 van 30 november 2020"]
    assert notes[0].getparent().text.endswith("t.b.v. de NAVO.")


def test_seed_hyphens_of_compounds_are_kept(seed):
    text = _text(_tree(seed["xml"]).find("annex"))
    for word in ("NAVO-verdragsgebied", "NAVO-initiatieven", "gewenste de-escalatie"):
        assert word in text
    assert "NAVO- " not in text and "de- " not in text
    assert "militaire- en niet-militaire" in text


def test_seed_missing_fields_are_marked_placeholders(seed):
    root = _tree(seed["xml"])
    assert _text(root.find("sender/organisation")) == "[Afzender]"
    assert _text(root.find("recipient")) == "[Geadresseerde]"
    assert _text(root.find("subject")) == "[Onderwerp]"
    assert root.findtext("date") == "1900-01-01"
    assert any("no letter date found" in c for c in _comments(root))


def _logical_words(pdf_path: Path) -> list[str]:
    """The PDF's words in structure-tree order (artifacts such as page numbers excluded)."""
    with pdfplumber.open(pdf_path) as pdf:
        by_mcid = defaultdict(list)
        for page in pdf.pages:
            for char in page.chars:
                if char.get("mcid") is not None:
                    by_mcid[(page.page_number, char["mcid"])].append(char)
        chars: list[dict] = []

        def walk(el: dict) -> None:
            for mcid in el.get("mcids") or []:
                chars.extend(by_mcid.pop((el.get("page_number"), mcid), []))
            for child in el.get("children") or []:
                walk(child)

        for el in pdf.structure_tree:
            walk(el)
    out, prev = [], None
    for char in chars:
        if prev is not None:
            same_line = abs(char["top"] - prev["top"]) < 0.8 * prev["size"]
            if (
                not same_line
                or char["x0"] < prev["x0"]
                or char["x0"] - prev["x1"] > 0.15 * char["size"]
            ):
                out.append(" ")
        out.append(char["text"])
        prev = char
    return "".join(out).split()


def _cut(words: list[str], part: list[str]) -> list[str]:
    """words without the first occurrence of the sequence part (which must occur)."""
    for i in range(len(words) - len(part) + 1):
        if words[i : i + len(part)] == part:
            return words[:i] + words[i + len(part) :]
    raise AssertionError(f"{' '.join(part)!r} not found")


def _same_but_hyphenation(seed: list[str], pdf: list[str]) -> bool:
    """The same text, split differently at hyphens (or a line-end hyphen removed)."""
    a, b = "".join(seed), "".join(pdf)
    if a == b:
        return True
    return any(w.endswith("-") for w in seed[:-1]) and a.replace("-", "") == b.replace("-", "")


def test_every_seed_word_is_in_the_pdf_in_order(seed):
    root = _tree(seed["xml"])
    seed_words = SEED.read_text(encoding="utf-8").split()
    pdf_words = _logical_words(seed["pdf"])
    # The footnote: at the end of the seed's page, at a page foot of the PDF.
    note = _text(root.find(".//note")).split()
    seed_words = _cut(seed_words, ["1", *note])
    pdf_words = _cut(pdf_words, ["1", *note])
    # The letter's own furniture: the header fields and their labels.
    header = " ".join(
        _text(root.find(name)) for name in ("sender", "recipient", "subject", "references")
    )
    date = dt.date.fromisoformat(root.findtext("date"))
    furniture = set(header.split()) | set(format_date(date, "nl").split()) | LABELS
    matcher = difflib.SequenceMatcher(a=seed_words, b=pdf_words, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        removed, added = seed_words[i1:i2], pdf_words[j1:j2]
        if op == "insert":
            assert set(added) <= furniture, f"words in the PDF, not in the seed: {added}"
        elif op == "replace":
            assert _same_but_hyphenation(removed, added), (removed, added)
        else:
            assert op == "equal", f"seed words missing from the PDF: {removed}"


def test_lint_reports_both_seed_placeholders_with_lines(seed):
    lines = seed["xml"].read_text(encoding="utf-8").splitlines()
    where = {
        "[Ondertekenaar 2]": lines.index("      <function>[Ondertekenaar 2]</function>") + 1,
        "[Afzender]": lines.index("    <p>[Afzender]</p>") + 1,
    }
    findings = lint_file(seed["xml"])
    for placeholder, line in where.items():
        assert any(
            f.line == line and f.severity == "error" and placeholder in f.message for f in findings
        ), (placeholder, line, [str(f) for f in findings])


def test_cli_writes_the_seed_source(tmp_path):
    out = tmp_path / "x.xml"
    result = CliRunner().invoke(main, ["import", "text", str(SEED), "-o", str(out)])
    assert result.exit_code == 0, result.output
    load(out)
    result = CliRunner().invoke(main, ["lint", str(out)])
    assert result.exit_code == 8
    assert f"{out}:" in result.stdout and "[Ondertekenaar 2]" in result.stdout


# The parliamentary-papers shape ================================================


def test_papers_header_becomes_metadata(papers):
    root = _tree(papers["xml"])
    assert root.get("kind") == "kamerstuk"
    parl = root.find("parliamentary")
    assert parl.attrib == {"dossier": "28676", "number": "123"}
    assert _text(parl.find("dossier-title")) == "NAVO"
    assert _text(parl.find("document-title")) == "BRIEF VAN DE MINISTER VAN BUITENLANDSE ZAKEN"
    assert [_text(line) for line in root.iterfind("recipient/line")] == [
        "De Voorzitter van de Tweede Kamer",
        "der Staten-Generaal",
    ]
    assert (root.findtext("place"), root.findtext("date")) == ("Den Haag", "2022-01-14")
    # The Kamerstuk shape has no Betreft line: the subject is the dossier title.
    assert _text(root.find("subject")) == "NAVO"
    assert _text(root.find("sender/organisation")) == "Ministerie van Buitenlandse Zaken"
    body = _text(root.find("body"))
    for header in ("28 676 NAVO", "Nr. 123", "Aan de Voorzitter", "Den Haag", "Vergaderjaar"):
        assert header not in body
    assert body.startswith("Hierbij bied ik u")
    assert root.find("body/salutation") is None


def test_papers_structure(papers):
    root = _tree(papers["xml"])
    body = root.find("body")
    assert [_text(h) for h in body.iterfind("section/heading")] == ["Voorbereiding", "Toezeggingen"]
    assert [_text(li) for li in body.iterfind(".//ul/li")] == [
        "de versterking van de oostflank;",
        "de steun aan Oekraïne, waaronder de levering van materieel;",
        "de voorbereiding van de top in Madrid.",
    ]
    assert len(body.findall(".//ol/li")) == 2
    assert [_text(n) for n in body.iter("note")] == [
        "Kamerstuk 28 676, nr. 350",
        "Zie ook de brief van 7 januari 2022 over de situatie aan de oostgrens.",
    ]
    # The paragraph broken by the page break is one paragraph again.
    assert "trekken daarbij gezamenlijk op." in _text(body)
    assert [(s.findtext("function"), s.findtext("name")) for s in root.iter("signatory")] == [
        ("De Minister van Buitenlandse Zaken,", "W.B. Hoekstra"),
        ("De Minister van Defensie,", "K.H. Ollongren"),
    ]


def test_papers_furniture_is_dropped_but_listed(papers):
    root = _tree(papers["xml"])
    text = _text(root)
    assert "Pagina 2 van 2" not in text and "vergaderjaar 2021–2022, 28 676" not in text
    listed = next(c for c in _comments(root) if "page furniture left out" in c)
    assert "Pagina 2 van 2" in listed


def test_papers_hyphens(papers):
    root = _tree(papers["xml"])
    text = _text(root.find("body"))
    assert "NAVO-verdragsgebied" in text
    assert "aan de-escalatie" in text
    assert "nauwlettend volgen" in text  # broken typographically; seen whole elsewhere
    assert "militaire- en niet-militaire" in text
    # Undecidable: kept, with a comment in place and a warning.
    assert "samen-werking" in text
    p = next(p for p in root.iter("p") if "samen-werking" in _text(p))
    assert any("samen-werking" in c.text for c in p.iter(etree.Comment))
    assert "samen-werking" in papers["stderr"]


def test_papers_reissue_is_in_the_xmp(papers):
    root = _tree(papers["xml"])
    assert root.find("reissue").attrib == {"of": "kst-28676-123", "date": "2026-12-01"}
    assert root.findtext("reissue/reason") == "Heruitgave in het archief"
    assert root.findtext("date") == "2022-01-14"  # the letter keeps the date it bears
    with pikepdf.open(papers["pdf"]) as pdf:
        xmp = etree.fromstring(pdf.Root.Metadata.read_bytes())
    values = {
        name: xmp.findtext(f".//{BP}{name}")
        for name in ("originalIdentifier", "originalDate", "reissueDate", "reissuedWith")
    }
    assert values["originalIdentifier"] == "kst-28676-123"
    assert values["originalDate"] == "2022-01-14"
    assert values["reissueDate"] == "2026-12-01"
    assert values["reissuedWith"].startswith("briefpers ")
    dc_date = [li.text for li in xmp.iterfind(f".//{DC}date//{RDF}li")]
    assert dc_date == ["2022-01-14"]


# Conformance of both built PDFs ================================================


@pytest.mark.verapdf
@pytest.mark.skipif(shutil.which("java") is None, reason="java is not installed")
def test_built_pdfs_pass_preflight_and_verapdf(seed, papers):
    from briefpers.check.verapdf import validate

    pdfs = [seed["pdf"], papers["pdf"]]
    for pdf in pdfs:
        report = preflight(pdf)
        assert report.ok, report.problems
    verdicts = validate(pdfs)  # one JVM for both
    for verdict in verdicts:
        assert verdict.compliant, (verdict.path, verdict.error, verdict.to_dict())
        assert {f.flavour for f in verdict.flavours} == {"3a", "ua1"}


# Smaller cases =================================================================


@pytest.mark.parametrize(
    ("before", "after", "join"),
    [
        ("het NAVO-", "verdragsgebied zijn", Join.KEEP),  # abbreviation
        ("op de-", "escalatie van", Join.KEEP),  # prefix before a vowel
        ("de oud-", "minister", Join.KEEP),  # prefix
        ("Oost-", "Europa", Join.KEEP),  # capital after the hyphen
        ("COVID-", "19", Join.KEEP),  # number
        ("militaire-", "en niet-militaire", Join.SUSPENDED),
        ("Onderzoek-", "en Innovatiefonds", Join.SUSPENDED),  # elided compound
        ("van het NAVO-", "Verdragsgebied", Join.KEEP),  # capitals, then a capital
        ("de EU-", "lidstaten", Join.KEEP),
        ("BUITENLANDSE HANDEL EN ONTWIK-", "KELINGSSAMENWERKING", Join.KEEP),  # see below
        ("beleid –", "daarom", Join.SPACE),  # a dash, not a hyphen
        ("ver\u00ad", "dragen", Join.DROP),  # soft hyphen
    ],
)
def test_hyphen_rules(before, after, join):
    assert Vocabulary([]).decide(before, after).join is join


def test_an_acronym_keeps_its_hyphen_even_if_the_joined_word_occurs():
    """Rule order: an all-capitals word before the break wins over the vocabulary."""
    vocab = Vocabulary(["de navoverdragsgebied tekst"])  # an odd spelling elsewhere
    assert vocab.decide("het NAVO-", "verdragsgebied").join is Join.KEEP


def test_a_word_broken_in_a_line_of_capitals():
    """Both parts in capitals: the vocabulary decides; unknown long words are doubtful."""
    caps = ("BUITENLANDSE HANDEL EN ONTWIK-", "KELINGSSAMENWERKING")
    assert Vocabulary(["Ontwikkelingssamenwerking"]).decide(*caps).join is Join.DROP
    assert Vocabulary([]).decide(*caps).certain is False
    assert Vocabulary([]).decide("NAVO-", "EU").certain is True  # short: an abbreviation


def test_hyphen_rules_learn_from_the_text():
    vocab = Vocabulary(["het beleid is helder", "een oud-minister sprak"])
    assert vocab.decide("het be-", "leid").join is Join.DROP
    assert vocab.decide("een de-", "mocratie").certain is False
    assert vocab.decide("een de-", "mocratie").join is Join.KEEP  # keep every character


def test_pages_furniture_and_a_paragraph_across_a_page_break():
    lines = SEED.read_text(encoding="utf-8").split("\n")
    cut = next(i for i, line in enumerate(lines) if line.startswith("steun aan de soev"))
    header = ["Ministerie van Buitenlandse Zaken", ""]
    pages = [
        [*header, *lines[: cut + 1], "", "Pagina 1 van 2"],
        [*header, *lines[cut + 1 :], "Pagina 2 van 2"],
    ]
    text = "\f".join("\r\n".join(page) for page in pages) + "\f"
    root = etree.fromstring(import_text(text, "paged.txt").xml)
    paragraphs = [_text(p) for p in root.iter("p")]
    assert any("integriteit van Oekraïne. De situatie in en om Oekraïne" in p for p in paragraphs)
    assert "Pagina" not in _text(root) and "Ministerie" not in _text(root)
    listed = next(c for c in _comments(root) if "page furniture" in c)
    assert "'Ministerie van Buitenlandse Zaken' (2×)" in listed
    assert len(root.findall(".//note")) == 1


def test_numbered_lines_without_a_call_stay_text():
    text = "Geachte heer,\n\nDit is de tekst zonder noot.\n\n1 Dit lijkt een voetnoot\n"
    root = etree.fromstring(import_text(text).xml)
    assert "1 Dit lijkt een voetnoot" in _text(root.find("body"))
    assert root.find(".//note") is None
    assert any("looks like footnote 1" in c for c in _comments(root))


def test_text_after_signatures_goes_into_an_annex():
    text = (
        "Geachte voorzitter,\n\nIk bied u de nota aan.\n\n"
        "De minister van Financiën,\n\nA. de Vries\n\nNog een losse alinea na de ondertekening.\n"
    )
    root = etree.fromstring(import_text(text).xml)
    annex = root.find("annex")
    assert _text(annex.find("title")) == "[Titel bijlage]"
    assert _text(annex.find("p")) == "Nog een losse alinea na de ondertekening."


def test_letterhead_fields_before_the_salutation():
    text = (
        "Ministerie van Financiën\n\nDatum 3 april 2023\nBetreft Voorjaarsnota\n"
        "Ons kenmerk 2023-0001\nIets onbekends\n\nGeachte voorzitter,\n\nTekst.\n"
    )
    result = import_text(text)
    root = etree.fromstring(result.xml)
    assert root.findtext("date") == "2023-04-03"
    assert _text(root.find("subject")) == "Voorjaarsnota"
    assert root.findtext("references/ours") == "2023-0001"
    unused = next(c for c in _comments(root) if "before the salutation" in c)
    assert "Ministerie van Financiën" in unused and "Iets onbekends" in unused


def test_unreadable_input_is_a_source_error(tmp_path):
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("Geachte heer, \xe9\n".encode("latin-1"))
    with pytest.raises(SourceError, match="not UTF-8"):
        import_text_file(bad)
    with pytest.raises(SourceError, match="no such file"):
        import_text_file(tmp_path / "missing.txt")
