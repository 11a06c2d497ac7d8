"""Kamerstuk letters as `pdftotext` writes them: the printed shape becomes real fields.

The fixtures (`tests/fixtures/import/kst-*.txt`, see the README there) follow
published Kamerstuk letters: dossier line, "Nr.", document title, recipient
line, "Den Haag, <date>", no salutation, footnotes at the page foot, the
running footer and colophon. Each holds traps: calls glued to a year, after a
guillemet, a note called twice, "d.d. 21" at a line end, an opening guillemet
before a number, elided compounds and acronym hyphens at line ends.

The word test reads each fixture independently of the importer: page furniture
(running footer, page number, colophon) is the only text left out, and the
footnote lines at each page foot form a second stream. The source is read back
in the order the Kamerstuk prints it; at least 99 % of the input's words,
header lines included, must appear in order.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import shutil
from collections import defaultdict
from pathlib import Path

import pdfplumber
import pytest
from click.testing import CliRunner
from lxml import etree

from briefpers.cli import main
from briefpers.lint import lint_file
from briefpers.pipeline import build_letter
from briefpers.source.load import load

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "import"
MONTHS = (
    "januari februari maart april mei juni juli augustus september oktober november december"
).split()
FURNITURE = re.compile(
    r"^(?:Tweede Kamer, vergaderjaar .*|[0-9]{1,3}|kst-[\w-]+|ISSN .*|'s-Gravenhage [0-9]{4})$"
)
FOOT_LINE = re.compile(r"^[0-9]{1,2} \S")

# What each fixture says, read off the fixture by a person.
EXPECTED = {
    "kst-12345-67": {
        "dossier": "12345",
        "number": "67",
        "dossier-title": "Voorbeelddossier over de verantwoording van de rijksfinanciën",
        "document-title": "BRIEF VAN DE MINISTER VAN FINANCIËN",
        "sender": ["Ministerie van Financiën"],
        "date": "2024-06-16",
        "calls": {"note": 3, "noteref": 1},
        "signatories": [("De Minister van Financiën,", "S.A.M. Dijkgraaf")],
        "intact": [
            "het Jaarverslag 2023",
            "schriftelijk overleg d.d. 21 mei 2024 over de Voorjaarsnota",
            "de zogeheten «3 procent-norm» uit het Stabiliteits- en Groeipact",
            "Het programma Onderzoek- en Ontwikkelingsagenda",
            "de regeling voor de «Innovatiebox»",
        ],
    },
    "kst-23456-12": {
        "dossier": "23456",
        "number": "12",
        "dossier-title": (
            "Rechtspraak in de regio en de toegang tot het recht voor burgers en bedrijven"
        ),
        "document-title": "BRIEF VAN DE MINISTER VOOR RECHTSBESCHERMING",
        "sender": ["Minister voor Rechtsbescherming"],
        "date": "2022-03-03",
        "calls": {"note": 3, "noteref": 0},
        "signatories": [("De Minister voor Rechtsbescherming,", "F.M. Weerwind")],
        "intact": [
            "het programma »Recht dichtbij«",
            "van «een duidelijke verbetering»",
            "het Onderzoek- en Innovatiefonds van de Rechtspraak",
        ],
    },
    "kst-34567-89": {
        "dossier": "34567",
        "number": "89",
        "dossier-title": "NAVO-aangelegenheden",
        "document-title": (
            "BRIEF VAN DE MINISTER VAN DEFENSIE EN DE STAATSSECRETARIS VAN DEFENSIE"
        ),
        "sender": ["Ministerie van Defensie"],
        "date": "2022-10-10",
        "calls": {"note": 3, "noteref": 0},
        "signatories": [
            ("De Minister van Defensie,", "K.H. Ollongren"),
            ("De Staatssecretaris van Defensie,", "C.A. van der Maat"),
        ],
        "intact": ["het NAVO-verdragsgebied", "De NAVO-initiatieven", "de inzet van F-35's"],
    },
}


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> dict[str, dict]:
    """Each fixture imported through the command line and built (in its kind's layout)."""
    tmp = tmp_path_factory.mktemp("kamerstuk")
    out = {}
    for stem in EXPECTED:
        source = tmp / f"{stem}.xml"
        result = CliRunner().invoke(
            main, ["import", "text", str(FIXTURES / f"{stem}.txt"), "-o", str(source)]
        )
        assert result.exit_code == 0, result.output
        pdf = tmp / f"{stem}.pdf"
        pdf.write_bytes(build_letter(source).pdf)
        out[stem] = {"xml": source, "pdf": pdf, "root": etree.parse(str(source)).getroot()}
    return out


# Reading a fixture, independently of the importer ==============================


def _pages(stem: str) -> list[list[str]]:
    text = (FIXTURES / f"{stem}.txt").read_text(encoding="utf-8")
    pages = [page for page in text.split("\f") if page.strip()]
    return [[line.strip() for line in page.split("\n")] for page in pages]


def _streams(stem: str) -> tuple[list[str], list[str]]:
    """(the letter's lines, the footnote lines), page furniture left out."""
    main_lines, foot = [], []
    for page in _pages(stem):
        lines = [line for line in page if not FURNITURE.match(line)]
        while lines and not lines[-1]:
            lines.pop()
        # The footnote area: the last blank-separated block starting with a number.
        cut = len(lines)
        while True:
            start = max((i for i in range(cut) if not lines[i]), default=-1) + 1
            if start < cut and FOOT_LINE.match(lines[start]):
                cut = start - 1 if start else 0
                if cut <= 0:
                    break
                continue
            break
        area_start = cut + 1 if cut < len(lines) else len(lines)
        main_lines += lines[:area_start]
        foot += [line for line in lines[area_start:] if line]
    return main_lines, foot


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


def _in_order(expected: list[str], got: list[str]) -> float:
    """The share of `expected` that appears in `got` in order."""
    matcher = difflib.SequenceMatcher(a=expected, b=got, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()) / max(len(expected), 1)


# Reading the source back, in the order the Kamerstuk prints it ================


def _numbers(root: etree._Element) -> dict:
    """note element → its number, in document order (as rendered)."""
    numbers = {}
    for n, note in enumerate(root.iter("note"), 1):
        numbers[note] = n
    return numbers


def _flow(el: etree._Element, numbers: dict, ids: dict) -> str:
    """An element's text with each call shown as its number, glued as printed."""
    parts = [el.text or ""]
    for child in el:
        if child.tag == "note":
            parts.append(str(numbers[child]))
        elif child.tag == "noteref":
            parts.append(str(numbers[ids[child.get("ref")]]))
        elif isinstance(child.tag, str):
            gap = "" if child.tag in ("em", "strong", "sup", "sub", "span", "a") else " "
            parts += [gap, _flow(child, numbers, ids), gap]
        parts.append(child.tail or "")
    return "".join(parts)


def _printed(root: etree._Element) -> tuple[str, str]:
    """(the Kamerstuk as printed, its footnotes "N text"), from the source's fields."""
    numbers = _numbers(root)
    ids = {note.get("id"): note for note in root.iter("note") if note.get("id")}
    date = dt.date.fromisoformat(root.findtext("date"))
    prinsjesdag = next(
        d for d in (dt.date(date.year, 9, day) for day in range(15, 22)) if d.weekday() == 1
    )
    first = date.year if date >= prinsjesdag else date.year - 1
    parl = root.find("parliamentary")
    dossier = parl.get("dossier")
    recipient = " ".join(line.text for line in root.iterfind("recipient/line"))
    chamber = recipient.split(" van de ", 1)[1]
    lines = [
        chamber,
        f"Vergaderjaar {first}–{first + 1}",
        f"{dossier[:-3]} {dossier[-3:]}",
        _flow(parl.find("dossier-title"), numbers, ids),
        f"Nr. {parl.get('number')}",
        _flow(parl.find("document-title"), numbers, ids),
        "Aan " + recipient[0].lower() + recipient[1:],
        f"{root.findtext('place')}, {date.day} {MONTHS[date.month - 1]} {date.year}",
        _flow(root.find("body"), numbers, ids),
    ]
    if root.find("closing") is not None:
        lines.append(_flow(root.find("closing"), numbers, ids))
    for sig in root.iterfind("signatories/signatory"):
        lines += [sig.findtext("function"), sig.findtext("name") or ""]
    for annex in root.iterfind("annex"):
        lines.append(_flow(annex, numbers, ids))
    notes = [f"{numbers[note]} {_flow(note, numbers, ids)}" for note in root.iter("note")]
    return "\n".join(lines), "\n".join(notes)


# The tests ======================================================================


@pytest.mark.parametrize("stem", list(EXPECTED))
def test_the_kamerstuk_header_becomes_source_fields(imported, stem):
    root, want = imported[stem]["root"], EXPECTED[stem]
    load(imported[stem]["xml"])  # valid against the schema
    assert root.get("kind") == "kamerstuk"
    parl = root.find("parliamentary")
    assert (parl.get("dossier"), parl.get("number")) == (want["dossier"], want["number"])
    assert parl.findtext("dossier-title") == want["dossier-title"]
    assert parl.findtext("document-title") == want["document-title"]
    assert [line.text for line in root.iterfind("recipient/line")] == [
        "De Voorzitter van de Tweede Kamer",
        "der Staten-Generaal",
    ]
    assert (root.findtext("place"), root.findtext("date")) == ("Den Haag", want["date"])
    assert root.findtext("subject") == want["dossier-title"]  # no Betreft line in the shape
    assert [line.text for line in root.iterfind("sender/organisation/line")] == want["sender"]
    assert root.find("body/salutation") is None  # none invented
    signatories = [(s.findtext("function"), s.findtext("name")) for s in root.iter("signatory")]
    assert signatories == want["signatories"]


@pytest.mark.parametrize("stem", list(EXPECTED))
def test_ninety_nine_percent_of_all_words_in_order_in_the_source(imported, stem):
    main_lines, foot = _streams(stem)
    printed, notes = _printed(imported[stem]["root"])
    expected = _words("\n".join(main_lines)) + _words("\n".join(foot))
    got_main = _in_order(_words("\n".join(main_lines)), _words(printed))
    got_notes = _in_order(_words("\n".join(foot)), _words(notes))
    found = got_main * len(_words("\n".join(main_lines))) + got_notes * len(_words("\n".join(foot)))
    assert found / len(expected) >= 0.99, (stem, got_main, got_notes)
    assert got_notes == 1.0  # every footnote word, in order


@pytest.mark.parametrize("stem", list(EXPECTED))
def test_each_footnote_is_one_note_and_every_call_a_note_or_a_reference(imported, stem):
    root = imported[stem]["root"]
    _, foot = _streams(stem)
    # Footnotes as printed: a numbered line and its continuation lines.
    printed = []
    for line in foot:
        if FOOT_LINE.match(line) and int(line.split()[0]) == len(printed) + 1:
            printed.append(line.split(" ", 1)[1])
        else:
            printed[-1] += " " + line
    notes = [" ".join("".join(n.itertext()).split()) for n in root.iter("note")]
    assert notes == printed
    calls = {tag: len(list(root.iter(tag))) for tag in ("note", "noteref")}
    assert calls == EXPECTED[stem]["calls"]
    ids = {note.get("id") for note in root.iter("note")}
    assert all(ref.get("ref") in ids for ref in root.iter("noteref"))
    # No call was left as plain text: no digit is glued to the end of a word.
    text = " ".join(root.find("body").itertext())
    assert not re.search(r"[^\W\d]\d{1}\b", text), re.findall(r"\w*[^\W\d]\d\b\W?", text)


@pytest.mark.parametrize("stem", list(EXPECTED))
def test_traps_are_read_right(imported, stem):
    text = " ".join(" ".join(imported[stem]["root"].find("body").itertext()).split())
    for passage in EXPECTED[stem]["intact"]:
        assert passage in text


def test_a_call_glued_to_a_year_and_a_second_call_are_marked_for_review(imported):
    root = imported["kst-12345-67"]["root"]
    comments = [c.text for c in root.iter(etree.Comment)]
    assert any("'20231' is read as 2023 and note 1" in c for c in comments)
    ref = next(root.iter("noteref"))
    note = next(n for n in root.iter("note") if n.get("id") == ref.get("ref"))
    assert "".join(note.itertext()).startswith("Rapport van de Algemene Rekenkamer")
    assert any("called again here" in c for c in comments)


@pytest.mark.parametrize("stem", list(EXPECTED))
def test_lint_finds_nothing_to_fill_in(imported, stem):
    findings = lint_file(imported[stem]["xml"])
    assert [f for f in findings if f.severity == "error"] == []
    # What remains are the importer's own remarks, to review and delete.
    assert all("import remark" in f.message for f in findings), [str(f) for f in findings]
    result = CliRunner().invoke(main, ["lint", str(imported[stem]["xml"])])
    assert result.exit_code == 0, result.output


def _pdf_streams(pdf_path: Path) -> tuple[list[str], list[str]]:
    """The PDF's words in structure order: (outside Note elements, inside them)."""
    with pdfplumber.open(pdf_path) as pdf:
        by_mcid = defaultdict(list)
        for page in pdf.pages:
            for char in page.chars:
                if char.get("mcid") is not None:
                    by_mcid[(page.page_number, char["mcid"])].append(char)
        streams: dict[bool, list[dict]] = {False: [], True: []}

        def walk(el: dict, in_note: bool) -> None:
            in_note = in_note or el.get("type") == "Note"
            for mcid in el.get("mcids") or []:
                streams[in_note].extend(by_mcid.pop((el.get("page_number"), mcid), []))
            for child in el.get("children") or []:
                walk(child, in_note)

        for el in pdf.structure_tree:
            walk(el, False)
    return tuple(_chars_to_words(streams[key]) for key in (False, True))


def _chars_to_words(chars: list[dict]) -> list[str]:
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
    return _words("".join(out))


@pytest.mark.parametrize("stem", list(EXPECTED))
def test_the_built_pdf_holds_all_words_in_order(imported, stem):
    """Built in the layout its kind chooses (kamerstuk): at least 99 % of all the
    input's words, header lines included, are in the PDF's text in reading
    order, and every footnote word in its Note."""
    main_lines, foot = _streams(stem)
    words, notes = _words("\n".join(main_lines)), _words("\n".join(foot))
    pdf_main, pdf_notes = _pdf_streams(imported[stem]["pdf"])
    found = _in_order(words, pdf_main) * len(words) + _in_order(notes, pdf_notes) * len(notes)
    assert found / (len(words) + len(notes)) >= 0.99
    assert _in_order(notes, pdf_notes) == 1.0
    for line in main_lines[:12]:  # the dossier title and "Den Haag, <date>" are on the page
        if line.startswith(("Den Haag, ", "12 345", "23 456", "34 567")):
            assert _in_order(_words(line), pdf_main) == 1.0, line


@pytest.mark.verapdf
@pytest.mark.skipif(shutil.which("java") is None, reason="java is not installed")
def test_the_built_pdfs_pass_verapdf(imported):
    from briefpers.check.verapdf import validate

    verdicts = validate([imported[stem]["pdf"] for stem in EXPECTED])  # one JVM
    for verdict in verdicts:
        assert verdict.compliant, (verdict.path, verdict.error, verdict.to_dict())
        assert {f.flavour for f in verdict.flavours} == {"3a", "ua1"}


# Bad input ======================================================================


def test_a_text_that_is_not_a_letter_is_refused(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("Boodschappen: brood, melk en kaas.\nNiet vergeten te bellen.\n")
    result = CliRunner().invoke(main, ["import", "text", str(text), "-o", str(tmp_path / "x.xml")])
    assert result.exit_code == 3
    lines = result.stderr.strip().splitlines()
    assert lines == [
        f"{text}: error: this text does not look like a letter: no date, "
        "subject, recipient, salutation, closing or signature was found"
    ]
    assert not (tmp_path / "x.xml").exists()


def test_a_kamerstuk_header_with_parts_missing(tmp_path):
    """No "Nr." line and no "Den Haag, <date>": still a Kamerstuk, with the gaps said
    and left for lint to report (its number and date are things the shape prints)."""
    text = tmp_path / "kst.txt"
    text.write_text(
        "12 345 Voorbeelddossier\n\nBRIEF VAN DE MINISTER VAN FINANCIËN\n\n"
        "Aan de Voorzitter van de Tweede Kamer der Staten-Generaal\n\n"
        "Hierbij ontvangt u de stukken.\n\nDe Minister van Financiën,\nA. de Vries\n",
        encoding="utf-8",
    )
    out = tmp_path / "kst.xml"
    result = CliRunner().invoke(main, ["import", "text", str(text), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "the Kamerstuk header lacks the 'Nr.' line" in result.stderr
    root = etree.parse(str(out)).getroot()
    assert root.get("kind") == "kamerstuk"
    assert root.find("parliamentary").get("number") is None
    comments = " ".join(c.text for c in root.iter(etree.Comment))
    assert "a Kamerstuk header without the 'Nr.' line" in comments
    assert "the place and date line" in comments
    messages = {(f.severity, f.message) for f in lint_file(out)}
    assert ("error", "a Kamerstuk needs its number (@number)") in messages
    assert ("error", "placeholder date: fill in the letter's date") in messages
    assert CliRunner().invoke(main, ["lint", str(out)]).exit_code == 8


def test_an_unknown_letter_kind_is_refused_with_its_line(tmp_path):
    source = tmp_path / "memo.xml"
    source.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<letter version="1" xml:lang="nl"\n        kind="memo">\n'
        "  <sender><organisation><line>X</line></organisation></sender>\n"
        "  <recipient><line>Y</line></recipient>\n  <date>2024-01-01</date>\n"
        "  <subject>S</subject>\n  <body><p>Tekst.</p></body>\n</letter>\n",
        encoding="utf-8",
    )
    findings = lint_file(source)
    assert len(findings) == 1 and findings[0].fatal
    # libxml2 names the line where the start tag ends: here, the line of kind="memo".
    assert findings[0].line == 3 and "kind" in findings[0].message and "memo" in findings[0].message
    assert CliRunner().invoke(main, ["lint", str(source)]).exit_code == 3
