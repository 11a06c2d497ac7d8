"""The default theme measured from the PDF against shared/HOUSE_STYLE.md.

Every figure is read from the built PDF (glyph baselines, sizes, fonts and
drawn boxes via pdfplumber), never from the CSS. Positions in mm from the
top-left corner; tolerances: positions ±1 mm (tighter where the house style
gives a range), sizes ±0.25 pt.
"""

from __future__ import annotations

from itertools import pairwise

import pytest

from briefpers.themes import load_theme

from .conftest import INPUT
from .pdf_measure import MM, Measured, build, build_xml, letter_xml, no_user_config

PT = 1 / MM  # one point in mm
SIZE = 0.25  # pt
POS = 1.0  # mm


def near(value: float, target: float, tol: float = POS) -> bool:
    return abs(value - target) <= tol


@pytest.fixture(scope="module")
def seed() -> Measured:
    """The seed letter: a one-page letter and a two-page annex."""
    return build(INPUT / "navo-ministeriele-2022.xml")


@pytest.fixture(scope="module")
def water() -> Measured:
    """English, a wrapping subject, footnotes, a list, a table, two signatories."""
    return build(INPUT / "water-quality-2023.xml")


# Page 1 -------------------------------------------------------------------


def test_page_is_a4(seed: Measured) -> None:
    for width, height in seed.sizes:
        assert near(width, 210, 0.1) and near(height, 297, 0.1)


@pytest.mark.parametrize("page", [1, 2, 3])
def test_logo_slot(seed: Measured, page: int) -> None:
    """13 × 37.125 mm, top edge at 0, x 98.5–111.5 mm, on every page."""
    slot = max(seed.boxes[page - 1], key=lambda b: (b.x1 - b.x0) * (b.bottom - b.top))
    assert near(slot.x0, 98.5, 0.1) and near(slot.x1, 111.5, 0.1)
    assert near(slot.top, 0, 0.1) and near(slot.bottom, 37.125, 0.1)


@pytest.mark.parametrize("page", [1, 2, 3])
def test_wordmark(seed: Measured, page: int) -> None:
    """Serif 11.5 pt on 13 pt, one name per line, 2.5–3 mm right of the slot,
    its capitals' top at the slot's lower half (18.56 mm)."""
    first = seed.find("Ministerie van", page, size=11.5)
    second = seed.find("Buitenlandse Zaken", page, size=11.5)
    assert all("Serif" in f for f in first.fonts)
    assert near(second.baseline - first.baseline, 13 * PT, SIZE * PT)
    assert 111.5 + 2.5 <= first.x0 <= 111.5 + 3 and second.x0 == first.x0
    cap_top = first.baseline - 0.729 * 11.5 * PT  # DejaVu Serif: cap height 0.729 em
    assert near(cap_top, 37.125 / 2, 0.5)


def test_return_address(seed: Measured) -> None:
    line = seed.find("> Retouradres Postbus 20061", 1)
    assert near(line.size, 6.5, SIZE)
    assert 50 <= line.baseline <= 51
    assert near(line.x0, 23)


def test_recipient(seed: Measured) -> None:
    first = seed.find("De Voorzitter van de Tweede Kamer", 1)
    rest = [seed.find(t, 1) for t in ("der Staten-Generaal", "Postbus 20018", "2500 EA")]
    assert near(first.size, 9, SIZE)
    assert 58 <= first.baseline <= 63
    for above, below in zip([first, *rest], rest, strict=False):
        assert near(below.baseline - above.baseline, 12 * PT, SIZE * PT)
        assert below.x0 == first.x0


def test_date_and_subject(seed: Measured) -> None:
    """Label then value at a tab stop, 9/12 pt; Datum 109–113 mm, Betreft 12 pt below."""
    datum, date = seed.find_all("Datum", 1)[0], seed.find("14 januari 2022", 1)
    betreft = seed.find("Betreft", 1)
    subject = seed.find("Verslag NAVO ministeriële bijeenkomst", 1)
    assert 109 <= datum.baseline <= 113
    assert date.baseline == datum.baseline and subject.baseline == betreft.baseline
    assert near(betreft.baseline - datum.baseline, 12 * PT, SIZE * PT)
    assert date.x0 == subject.x0 > datum.x1
    assert all(near(r.size, 9, SIZE) for r in (datum, date, betreft, subject))
    assert not datum.bold and not subject.bold


def test_long_subject_wraps_under_its_value(water: Measured) -> None:
    first = water.find("Progress report on the Water Framework", 1)
    second = water.find("second quarter of the third planning period", 1)
    assert second.x0 == first.x0
    assert near(second.baseline - first.baseline, 12 * PT, SIZE * PT)


def test_salutation_below_subject(seed: Measured, water: Measured) -> None:
    """24–36 pt below the (last) Betreft baseline."""
    for measured, subject, salutation in (
        (seed, "Verslag NAVO", "Geachte voorzitter,"),
        (water, "second quarter of the third", "Dear Director-General,"),
    ):
        gap = measured.find(salutation, 1).baseline - measured.find(subject, 1).baseline
        assert 24 * PT - 0.1 <= gap <= 36 * PT + 0.1


# Reference column ------------------------------------------------------------


def test_reference_column(seed: Measured) -> None:
    """x 155–160 mm, first baseline 55–57, 6.5/9, labels bold above values,
    ≈4.5 pt between groups, 13–16 pt after the organisation block."""
    runs = [r for r in seed.runs(1) if r.x0 > 150 and r.baseline < 200]
    texts = [r.text for r in runs]
    assert texts == [
        "Directie Veiligheidsbeleid",
        "Rijnstraat 8",
        "2515 XP Den Haag",
        "Postbus 20061",
        "2500 EB Den Haag",
        "070 348 64 86",
        "www.rijksoverheid.nl",
        "Ons kenmerk",
        "BZ2200001",
        "Bijlage(n)",
        "1",
    ]
    assert all(155 <= r.x0 <= 160 and r.x0 == runs[0].x0 and r.x1 <= 200 for r in runs)
    assert all(near(r.size, 6.5, SIZE) for r in runs)
    assert 55 <= runs[0].baseline <= 57
    steps = [(b.baseline - a.baseline) / PT for a, b in pairwise(runs)]
    line, group = 9, 9 + 4.5
    # unit | visiting address | postal address | phone, website | labelled fields
    assert 9 + 13 - SIZE <= steps[0] <= 9 + 16 + SIZE
    expected = [line, group, line, group, line, group, line, group, line]
    assert all(near(s, e, SIZE) for s, e in zip(steps[1:], expected, strict=True)), steps
    bold = {r.text for r in runs if r.bold}
    assert bold == {"Directie Veiligheidsbeleid", "Ons kenmerk", "Bijlage(n)"}


def test_reference_column_wraps_a_long_unit(water: Measured) -> None:
    """The 13–16 pt gap follows the organisation block's last line."""
    last = water.find("and Soil", 1)
    nxt = water.find("Rijnstraat 8", 1)
    assert last.bold and 155 <= last.x0 <= 160
    assert 9 + 13 - SIZE <= (nxt.baseline - last.baseline) / PT <= 9 + 16 + SIZE


@pytest.mark.parametrize("page", [2, 3])
def test_following_pages_repeat_unit_date_reference(seed: Measured, page: int) -> None:
    runs = [r for r in seed.runs(page) if r.x0 > 150 and r.baseline < 200]
    assert [r.text for r in runs] == [
        "Directie Veiligheidsbeleid",
        "Datum",
        "14 januari 2022",
        "Ons kenmerk",
        "BZ2200001",
    ]
    assert 55 <= runs[0].baseline <= 57
    assert runs[1].bold and runs[3].bold and not runs[2].bold
    assert all(155 <= r.x0 <= 160 and near(r.size, 6.5, SIZE) for r in runs)


@pytest.mark.parametrize("page", [1, 2, 3])
def test_page_number(seed: Measured, page: int) -> None:
    """The page number "Pagina 1 van 3", 6.5 pt, in the reference column, baseline 10–12 mm
    above the bottom edge, on every page."""
    number = seed.find(f"Pagina {page} van 3", page)
    assert near(number.size, 6.5, SIZE)
    assert 297 - 12 <= number.baseline <= 297 - 10
    assert 155 <= number.x0 <= 160


# Body ------------------------------------------------------------------------


def body_runs(measured: Measured, page: int) -> list:
    """9 pt text of the main column (no letterhead, no reference column)."""
    return [
        r
        for r in measured.runs(page)
        if near(r.size, 9, 0.01) and r.x0 < 150 and 40 < r.baseline < 280
    ]


def test_body_column(seed: Measured, water: Measured) -> None:
    """Left edge 21–24 mm; nothing beyond a 133–135 mm column."""
    for measured in (seed, water):
        for page in range(1, len(measured.pages) + 1):
            runs = body_runs(measured, page)
            left = min(r.x0 for r in runs)
            assert 21 <= left <= 24
            assert max(r.x1 for r in runs) <= left + 135
    # The ragged right edge comes close to the column's width.
    assert max(r.x1 for r in body_runs(seed, 2)) - 23 >= 131


def test_body_text_and_paragraphs(seed: Measured) -> None:
    """9 on 12 pt, one blank line between paragraphs, headings bold with a
    blank line above and none below."""
    runs = body_runs(seed, 2)
    steps = {round((b.baseline - a.baseline) / PT, 1) for a, b in pairwise(runs)}
    assert steps <= {12.0, 24.0}, steps
    heading = seed.find("Inleiding", 2)
    before, after = seed.find("[Afzender]", 2), seed.find("Op vrijdag 7 januari", 2)
    assert heading.bold and near(heading.size, 9, SIZE)
    assert near(heading.baseline - before.baseline, 24 * PT, SIZE * PT)
    assert near(after.baseline - heading.baseline, 12 * PT, SIZE * PT)


def test_page_two_body_start(seed: Measured) -> None:
    """Body starts ≈ 56 mm from the top on later pages."""
    for page in (2, 3):
        assert near(body_runs(seed, page)[0].baseline, 56)


def test_annex_title(seed: Measured) -> None:
    """The annex starts a new page with its title, 9 pt bold."""
    title = seed.find("VERSLAG NAVO MINISTERIËLE 7 JANUARI", 2)
    assert title.bold and near(title.size, 9, SIZE)
    assert body_runs(seed, 2)[0] == title
    assert not seed.find_all("VERSLAG NAVO", 1)


def test_text_area_bottom(seed: Measured) -> None:
    """The last line of a full page sits 19–20 mm above the bottom edge."""
    lowest = max(r.baseline for r in seed.runs(2) if r.baseline < 280)
    assert 297 - 20 <= lowest <= 297 - 19


def test_lists_hang(water: Measured) -> None:
    item = water.find("1. the programme of measures", 1)
    wrapped = water.find("been adopted;", 1)
    assert near(wrapped.baseline - item.baseline, 12 * PT, SIZE * PT)
    assert wrapped.x0 > item.x0 + 2  # the text, not the number, is the left edge
    nxt = water.find("2. monitoring", 1)
    assert near(nxt.baseline - wrapped.baseline, 12 * PT, SIZE * PT)  # no space between items


# Footnotes -----------------------------------------------------------------


def test_footnotes(water: Measured) -> None:
    """Superscript call in the text; 6.5 on 9 pt at the page foot, numbered
    1, 2, 3; the text hangs after its number."""
    call = next(r for r in water.runs(1) if r.text == "1" and r.x0 < 150 and r.baseline < 250)
    line = water.find("of the measures that the Netherlands", 1)
    following = water.find("Directive in the four river basins", 1)
    # The call sits on the line after "…Framework" and is raised above its baseline.
    assert following.baseline - 4 <= call.baseline < following.baseline - 0.3
    assert near(following.baseline - line.baseline, 12 * PT, SIZE * PT)  # line not pushed down
    notes = [r for r in water.runs(1) if 250 < r.baseline < 280 and r.x0 < 150]
    numbers = [r for r in notes if r.text in {"1", "2", "3"}]
    assert [n.text for n in numbers] == ["1", "2", "3"]
    texts = [r for r in notes if r.text not in {"1", "2", "3"}]
    assert all(near(r.size, 6.5, SIZE) for r in notes)
    assert all(near(n.x0, 23) for n in numbers)
    assert {round(t.x0, 1) for t in texts} == {27.0}  # hanging indent, wrapped lines too
    steps = [(b.baseline - a.baseline) / PT for a, b in pairwise(texts)]
    assert all(near(s, 9, SIZE) for s in steps), steps
    assert max(r.baseline for r in notes) <= 297 - 19


def test_footnotes_number_on_into_annexes(tmp_path) -> None:
    xml = letter_xml(
        "<p>Een.<note>Noot een.</note></p>",
        annexes="<annex><title>Bijlage</title><p>Twee.<note>Noot twee.</note></p></annex>",
    )
    m = build_xml(xml, tmp_path)
    assert m.find("Noot een.", 1).size == 6.5
    assert any(r.text == "2" for r in m.runs(2) if r.size == 6.5 and r.baseline > 250)


# Signatures ----------------------------------------------------------------


def test_signature_space(seed: Measured, water: Measured) -> None:
    """Function, ≈21 mm of space, name: 72 pt from baseline to baseline."""
    for measured, page, function, name in (
        (seed, 1, "De minister van Buitenlandse Zaken,", "W.B. Hoekstra"),
        (water, 2, "The Minister of Infrastructure", "A.B. Example"),
    ):
        f_run = measured.find(function, page)
        runs = [r for r in measured.runs(page) if r.x0 == f_run.x0]
        last_function_line = max(
            (r for r in runs if r.baseline < measured.find(name, page).baseline - 10),
            key=lambda r: r.baseline,
        )
        gap = measured.find(name, page).baseline - last_function_line.baseline
        assert near(gap, 72 * PT, SIZE * PT)
        assert near(gap - 12 * PT, 21, 0.5)  # the free space for the signature


def test_signatories_side_by_side(water: Measured) -> None:
    a, b = water.find("A.B. Example", 2), water.find("C.D. Sample", 2)
    assert a.baseline == b.baseline
    assert near(b.x0 - a.x0, 134 / 2)  # equal columns


def test_closing_36pt_below_last_paragraph(tmp_path) -> None:
    xml = letter_xml("<p>Laatste alinea.</p>", closing="Hoogachtend,")
    m = build_xml(xml, tmp_path)
    gap = m.find("Hoogachtend,", 1).baseline - m.find("Laatste alinea.", 1).baseline
    assert near(gap, 36 * PT, SIZE * PT)


# Labels and dates in the letter's language -----------------------------------


def test_labels_follow_the_language(seed: Measured, water: Measured) -> None:
    assert seed.find("14 januari 2022", 1) and seed.find("Pagina 1 van 3", 1)
    assert water.find("9 March 2023", 1) and water.find("Page 2 of 2", 2)
    assert water.find("Our reference", 1).bold and water.find("Subject", 1)


def test_theme_declares_what_is_measured() -> None:
    """The measured fonts are the bundled ones (a user's config is ignored here)."""
    with no_user_config():
        theme = load_theme("rijk")
    assert {f.path.name for f in theme.fonts} >= {"DejaVuSans.ttf", "DejaVuSerif.ttf"}
