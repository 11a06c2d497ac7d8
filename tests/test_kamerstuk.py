"""The Kamerstuk layout: chosen by kind="kamerstuk", printed as the papers are
(chamber, session year, dossier, "Nr.", document title, recipient line,
"Den Haag, <date>", body, signatures, footnotes, running head), and archival."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pdfplumber
import pikepdf
import pytest

from briefpers.check.verapdf import validate
from briefpers.parliament import opening_day, printed_dossier, session, session_years
from briefpers.pipeline import build_letter

from .conftest import EXAMPLES, INPUT, have
from .pdf_measure import Measured
from .structure import elements
from .test_source import write
from .text import in_order, pdf_text, source_words, words

EXAMPLE = INPUT / "kamerstuk-voorbeelddossier-2020.xml"
BP = "{urn:x-briefpers:letter:1.0#}"
RUNNING = "Tweede Kamer, vergaderjaar 2019–2020, 12 345, nr. 67"

SMALL = """<?xml version="1.0" encoding="UTF-8"?>
<letter version="1" xml:lang="{lang}" kind="kamerstuk">
  <sender><organisation><line>[Afzender]</line></organisation></sender>
  <recipient><line>De Voorzitter van de Tweede Kamer der Staten-Generaal</line></recipient>
  {place}
  <date>{date}</date>
  <subject>[Onderwerp]</subject>
  {parliamentary}
  <body><p>Een korte brief.</p></body>
  <signatories><signatory><function>De Minister van Voorbeelden,</function>
    <name>A.B. Voorbeeld</name></signatory></signatories>
  {annex}
</letter>
"""
PARLIAMENTARY = """<parliamentary dossier="21501-02" number="1234">
    <dossier-title>Raad van voorbeelden</dossier-title>
    <document-title>BRIEF VAN DE MINISTER VAN VOORBEELDEN<note>Een noot in de titel.</note
    ></document-title>
  </parliamentary>"""


def small(
    tmp_path: Path,
    name: str,
    *,
    date: str = "2020-06-16",
    lang: str = "nl",
    place: bool = True,
    parliamentary: str = PARLIAMENTARY,
    annex: str = "",
) -> Path:
    text = SMALL.format(
        lang=lang,
        date=date,
        place="<place>Den Haag</place>" if place else "",
        parliamentary=parliamentary,
        annex=annex,
    )
    return write(tmp_path, text, f"{name}.xml")


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("kamerstuk") / "example.pdf"
    built = build_letter(EXAMPLE)  # no theme named: the kind chooses it
    assert built.theme.name == "kamerstuk"
    path.write_bytes(built.pdf)
    return path


def page_texts(path: Path) -> list[str]:
    with pdfplumber.open(path) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


# The session year -------------------------------------------------------------

# Prinsjesdag as it fell, written out (not computed by the code under test).
PRINSJESDAG = {
    2015: dt.date(2015, 9, 15),
    2016: dt.date(2016, 9, 20),
    2017: dt.date(2017, 9, 19),
    2018: dt.date(2018, 9, 18),
    2019: dt.date(2019, 9, 17),
    2020: dt.date(2020, 9, 15),
    2021: dt.date(2021, 9, 21),
    2022: dt.date(2022, 9, 20),
    2023: dt.date(2023, 9, 19),
    2024: dt.date(2024, 9, 17),
}


def test_prinsjesdag_is_the_third_tuesday_of_september() -> None:
    for year, day in PRINSJESDAG.items():
        assert opening_day(year) == day


@pytest.mark.parametrize(
    ("date", "years"),
    [
        (dt.date(2020, 6, 16), (2019, 2020)),
        (dt.date(2020, 1, 1), (2019, 2020)),
        (dt.date(2020, 9, 14), (2019, 2020)),  # the Monday before Prinsjesdag
        (dt.date(2020, 9, 15), (2020, 2021)),  # Prinsjesdag 2020 (the 15th is the third Tuesday)
        (dt.date(2021, 9, 15), (2020, 2021)),  # the 15th, but in 2021 Prinsjesdag is the 21st
        (dt.date(2021, 9, 20), (2020, 2021)),
        (dt.date(2021, 9, 21), (2021, 2022)),
        (dt.date(2020, 12, 31), (2020, 2021)),
    ],
)
def test_session_year_turns_on_prinsjesdag(date: dt.date, years: tuple[int, int]) -> None:
    assert session_years(date) == years
    assert session(date) == f"{years[0]}–{years[1]}"


@pytest.mark.parametrize(
    ("date", "printed"),
    [("2020-09-14", "Vergaderjaar 2019–2020"), ("2020-09-15", "Vergaderjaar 2020–2021")],
)
def test_the_page_prints_the_session_year_of_its_date(tmp_path, date, printed) -> None:
    pdf = tmp_path / f"{date}.pdf"
    pdf.write_bytes(build_letter(small(tmp_path, date, date=date)).pdf)
    text = pdf_text(pdf)
    assert printed in text
    assert f"vergaderjaar {printed.split()[1]}, 21 501-02, nr. 1234" in text


@pytest.mark.parametrize(
    ("dossier", "printed"),
    [
        ("12345", "12 345"),
        ("12 345", "12 345"),
        ("21501-02", "21 501-02"),
        ("36200 IX", "36 200 IX"),
        ("33400-IIA", "33 400-IIA"),
        ("9100", "9100"),
        ("A", "A"),
    ],
)
def test_dossier_numbers_are_printed_grouped(dossier: str, printed: str) -> None:
    assert printed_dossier(dossier) == printed


# The example, page by page -----------------------------------------------------


def test_example_prints_the_kamerstuk_head_in_order(example: Path) -> None:
    first = page_texts(example)[0]
    lines = [" ".join(line.split()) for line in first.splitlines()]
    head = [
        "Tweede Kamer der Staten-Generaal",
        "Vergaderjaar 2019–2020",
        "12 345 Voorbeelddossier duurzame archivering",
        "Nr. 67 BRIEF VAN DE MINISTER VAN FINANCIËN",
        "Aan de Voorzitter van de Tweede Kamer der Staten-Generaal",
        "Den Haag, 16 juni 2020",
    ]
    assert lines[: len(head)] == head


def test_example_keeps_every_word_in_order(example: Path) -> None:
    text = pdf_text(example)
    printed = words(text, drop_calls=True)
    body = source_words(EXAMPLE, "/letter/body | /letter/signatories")
    assert in_order(body, printed) == []
    notes = source_words(EXAMPLE, "//note", notes=True)
    assert in_order(notes, words(text)) == []


def test_no_letterhead_no_placeholder_no_salutation(tmp_path: Path, example: Path) -> None:
    text = pdf_text(example)
    for absent in ("Datum", "Betreft", "Pagina", "Ministerie van", "Geachte", "Kamerstuk 12345"):
        assert absent not in text, absent
    # A source whose sender and subject are placeholders prints neither.
    pdf = tmp_path / "placeholders.pdf"
    pdf.write_bytes(build_letter(small(tmp_path, "placeholders")).pdf)
    assert "[" not in pdf_text(pdf)


def test_signature_as_printed(example: Path) -> None:
    measured = Measured(example.read_bytes())
    function = measured.find("De Minister van Financiën,")
    name = measured.find("A.B. Voorbeeld")
    assert function.page == name.page
    assert 4 < name.baseline - function.baseline < 5.5  # the next line: no signature space
    assert abs(name.x0 - function.x0) < 0.1


def test_two_columns_numbers_left_titles_and_text_right(example: Path) -> None:
    measured = Measured(example.read_bytes())
    chamber = measured.find("Tweede Kamer der Staten-Generaal", 1)
    dossier = measured.find("12 345", 1)
    dossier_title = measured.find("Voorbeelddossier duurzame archivering", 1)
    number = measured.find("Nr. 67", 1)
    title = measured.find("BRIEF VAN DE MINISTER", 1)
    to = measured.find("Aan de Voorzitter", 1)
    body = measured.find("Hierbij informeer ik", 1)
    for left in (chamber, dossier, number):
        assert left.x0 == pytest.approx(20, abs=0.5), left
    for right in (dossier_title, title, to, body):
        assert right.x0 == pytest.approx(65, abs=0.5), right
    assert dossier.baseline == pytest.approx(dossier_title.baseline, abs=0.05)
    assert number.baseline == pytest.approx(title.baseline, abs=0.05)
    assert chamber.baseline < dossier.baseline < number.baseline < to.baseline < body.baseline
    assert chamber.bold and dossier.bold and not title.bold


def test_running_head_and_page_numbers_are_artifacts(example: Path) -> None:
    with pdfplumber.open(example) as pdf:
        assert len(pdf.pages) == 2
        for index, page in enumerate(pdf.pages):
            height = page.height
            top = "".join(c["text"] for c in page.chars if c["top"] < 25 * 72 / 25.4)
            foot = "".join(c["text"] for c in page.chars if c["top"] > height - 20 * 72 / 25.4)
            furniture = top if index else foot
            assert " ".join(RUNNING.split()).replace(" ", "") in furniture.replace(" ", "")
            assert furniture.rstrip().endswith(str(index + 1))
            edge = [
                c
                for c in page.chars
                if (c["top"] < 25 * 72 / 25.4 if index else c["top"] > height - 20 * 72 / 25.4)
            ]
            assert edge and all(c.get("tag") == "Artifact" for c in edge)
        # ... and page 1 has no running head at its top: the chamber is there.
        assert "vergaderjaar" not in "".join(
            c["text"] for c in pdf.pages[0].chars if c["top"] < 25 * 72 / 25.4
        )
        body = [c for c in pdf.pages[0].chars if c.get("tag") != "Artifact"]
        assert "Hierbij" in "".join(c["text"] for c in body)


def test_footnotes_at_the_page_foot_and_one_note_each(example: Path) -> None:
    measured = Measured(example.read_bytes())
    note = measured.find("Kamerstuk 12 345, nr. 61.", 1)
    second = measured.find("Beide normen zijn internationaal vastgesteld", 1)
    last_body = max(r.baseline for r in measured.runs(1) if r.size > 9)
    assert last_body < note.baseline < second.baseline < 297 - 20  # above the footer
    assert note.size < 9 and note.x0 > 65  # in the text column, after its number
    with pikepdf.open(example) as pdf:
        notes = [e for e in elements(pdf) if str(e.S) == "/Note"]
        assert len(notes) == 2
        headings = [e for e in elements(pdf) if e.S == pikepdf.Name.H1]
        assert len(headings) == 1  # the document title is the letter's only h1
        titles = [item.title for item in pdf.open_outline().root]
        assert titles == ["Nr. 67 BRIEF VAN DE MINISTER VAN FINANCIËN"]
    text = pdf_text(example)
    # The note called twice: the second call (noteref) prints the same number.
    assert "resultaten.1" in text and "beschreven.1" in text


def test_xmp_of_a_kamerstuk(example: Path) -> None:
    with pikepdf.open(example) as pdf:
        meta = pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False)
        assert meta["dc:date"] == ["2020-06-16"]
        assert meta[f"{BP}theme"] == "kamerstuk"
        assert meta[f"{BP}dossier"] == "12345"
        assert meta[f"{BP}documentNumber"] == "67"
        assert meta["dc:title"] == "Voorbeelddossier duurzame archivering"


# Variants ------------------------------------------------------------------------


def test_a_note_in_the_document_title_and_an_annex(tmp_path: Path) -> None:
    annex = "<annex><title>Overzicht</title><p>Een bijlage.</p></annex>"
    pdf = tmp_path / "variant.pdf"
    pdf.write_bytes(build_letter(small(tmp_path, "variant", annex=annex)).pdf)
    pages = page_texts(pdf)
    assert len(pages) == 2
    assert "1 Een noot in de titel." in pages[0]
    assert "Nr. 1234 BRIEF VAN DE MINISTER VAN VOORBEELDEN1" in " ".join(pages[0].split())
    assert "Overzicht" in pages[1]
    with pikepdf.open(pdf) as doc:
        titles = [item.title for item in doc.open_outline().root]
        # The bookmark names the title without its note call.
        assert titles == ["Nr. 1234 BRIEF VAN DE MINISTER VAN VOORBEELDEN", "Overzicht"]


def test_without_parliamentary_fields_or_place(tmp_path: Path) -> None:
    """A Kamerstuk header with parts missing: nothing invented, nothing broken."""
    source = small(tmp_path, "bare", place=False, parliamentary="")
    pdf = tmp_path / "bare.pdf"
    pdf.write_bytes(build_letter(source).pdf)
    text = pdf_text(pdf)
    assert "Vergaderjaar 2019–2020" in text
    assert "Den Haag" not in text and "16 juni 2020" in text
    assert "[Onderwerp]" in text  # the subject stands in for the missing title
    assert "Tweede Kamer, vergaderjaar 2019–2020 1" in " ".join(text.split())
    assert "Nr." not in text


def test_other_languages_get_their_labels(tmp_path: Path) -> None:
    pdf = tmp_path / "en.pdf"
    pdf.write_bytes(build_letter(small(tmp_path, "en", lang="en")).pdf)
    text = " ".join(pdf_text(pdf).split())
    assert "House of Representatives of the States General" in text
    assert "Session 2019–2020" in text
    assert "No. 1234" in text
    assert "Den Haag, 16 June 2020" in text


@pytest.mark.verapdf
def test_variants_pass_verapdf(tmp_path: Path, example: Path) -> None:
    annex = "<annex><title>Overzicht</title><p>Een bijlage.</p></annex>"
    paths = [example]
    for name, kwargs, profile in (
        ("annex-3a", {"annex": annex}, None),
        ("annex-2a", {"annex": annex}, "pdfa-2a-ua1"),
        ("bare", {"place": False, "parliamentary": ""}, None),
        ("english", {"lang": "en"}, None),
    ):
        pdf = tmp_path / f"{name}.pdf"
        pdf.write_bytes(build_letter(small(tmp_path, name, **kwargs), profile=profile).pdf)
        paths.append(pdf)
    verdicts = validate(paths)
    for path, verdict in zip(paths, verdicts, strict=True):
        assert verdict.error is None, (path.name, verdict.error)
        failed = [r.rule_id for f in verdict.flavours for r in f.failed_rules]
        assert len(verdict.flavours) == 2 and failed == [], (path.name, failed)


@pytest.mark.skipif(not have("pdftoppm"), reason="pdftoppm (poppler) is missing")
@pytest.mark.parametrize(
    "source", [p for p in EXAMPLES if p.stem.startswith("kamerstuk-")], ids=lambda p: p.stem
)
def test_pages_match_the_approved_images(source: Path, tmp_path: Path) -> None:
    """The Kamerstuk examples in their own layout, as approved (`make approve`)."""
    from .test_visual import LIMIT, difference, references, render

    approved = references("kamerstuk", source.stem)
    assert approved, f"no reference images for kamerstuk/{source.stem}: run `make approve`"
    pages = render(source, "kamerstuk").pages
    assert len(pages) == len(approved), "the page count changed"
    for number, (page, reference) in enumerate(zip(pages, approved, strict=True), 1):
        changed, mask = difference(page, reference)
        if changed >= LIMIT:
            (tmp_path / f"page-{number}.png").write_bytes(page)
            mask.save(tmp_path / f"page-{number}-changed.png")
        assert changed < LIMIT, (
            f"page {number} differs in {changed:.2%} of its pixels; see {tmp_path}"
        )
