"""The plain business-letter theme measured from the PDF against its own
layout (documented at the top of styles/plain/letter.css): sender block top
right, no reference column, date and subject above the body, "Page 1 of 2"
centred at the foot."""

from __future__ import annotations

from itertools import pairwise

import pytest

from .conftest import INPUT
from .pdf_measure import MM, Measured, build

PT = 1 / MM
SIZE = 0.25
POS = 1.0
COLUMN = (25, 180)


def near(value: float, target: float, tol: float = POS) -> bool:
    return abs(value - target) <= tol


@pytest.fixture(scope="module")
def water() -> Measured:
    return build(INPUT / "water-quality-2023.xml", theme="plain")


@pytest.fixture(scope="module")
def seed() -> Measured:
    """The Dutch seed letter in the plain theme: Dutch labels, an annex."""
    return build(INPUT / "navo-ministeriele-2022.xml", theme="plain")


def test_sender_block_top_right(water: Measured) -> None:
    org = water.find("Ministry of Infrastructure", 1)
    assert org.bold and all("Serif" in f for f in org.fonts) and near(org.size, 11, SIZE)
    assert near(org.baseline, 24) and near(org.x0, 120, 0.1)
    second = water.find("and Water Management", 1)
    assert near(second.baseline - org.baseline, 14 * PT, SIZE * PT)
    block = [r for r in water.runs(1) if r.x0 >= 119 and r.baseline < 90]
    assert [r.text for r in block][2:] == [
        "Directorate-General for Water and Soil",
        "Rijnstraat 8",
        "2515 XP The Hague",
        "PO Box 20901",
        "2500 EX The Hague",
        "The Netherlands",
        "+31 70 456 00 00",
        "www.government.nl",
    ]
    assert all(r.x1 <= COLUMN[1] + 0.2 for r in block)
    assert all(near(r.size, 8, SIZE) for r in block[2:])


def test_no_logo_and_no_reference_column(water: Measured) -> None:
    """Nothing is drawn at the top but text, and nothing right of the column."""
    assert not [b for b in water.boxes[0] if b.top < 40]
    for page in (1, 2):
        assert all(r.x1 <= COLUMN[1] + 0.2 for r in water.runs(page))


def test_window_address(water: Measured) -> None:
    ret = water.find("Return address: PO Box 20901", 1)
    assert near(ret.size, 7, SIZE) and near(ret.baseline, 47.5, 0.5) and near(ret.x0, 25, 0.1)
    names = ["European Commission", "Directorate-General for Environment", "Belgium"]
    first, second, last = (water.find(t, 1) for t in names)
    assert near(first.size, 10, SIZE) and near(first.baseline, 54, 0.5)
    assert near(second.baseline - first.baseline, 14 * PT, SIZE * PT)
    assert near(last.baseline - first.baseline, 4 * 14 * PT, SIZE * PT)


def test_references_date_and_subject_above_the_body(water: Measured) -> None:
    refs = water.find("Our reference: IENW/BSK-2023/000001", 1)
    assert refs.bold_text == "Our reference:"
    assert near(refs.size, 8, SIZE) and near(refs.baseline, 95.5, 0.5) and near(refs.x0, 25, 0.1)
    labels = [r.bold_text for r in water.runs(1) if r.baseline == refs.baseline]
    assert labels == ["Our reference:", "Your reference:", "Enclosures:"]
    date = water.find("9 March 2023", 1)
    assert near(date.x0, 25, 0.1) and near(date.size, 10, SIZE)
    assert near(date.baseline - refs.baseline, 5.7, 0.3)
    subject = water.find("Progress report on the Water Framework", 1)
    assert subject.bold and near(subject.size, 11, SIZE)
    assert near(subject.baseline - date.baseline, 10, 0.3)
    salutation = water.find("Dear Director-General,", 1)
    assert salutation.baseline > water.find("second quarter of the third", 1).baseline


def test_body_column_and_leading(seed: Measured) -> None:
    body = [r for r in seed.runs(2) if near(r.size, 10, 0.01) and 30 < r.baseline < 276]
    assert min(r.x0 for r in body) == pytest.approx(25, abs=0.1)
    assert max(r.x1 for r in body) <= COLUMN[1] + 0.2
    assert max(r.x1 for r in body) >= COLUMN[1] - 5  # the column is really this wide
    steps = {round((b.baseline - a.baseline) / PT, 1) for a, b in pairwise(body)}
    assert steps <= {14.0, 21.0, 28.0}, steps  # lines; paragraphs +7 pt; headings +14 pt


def test_page_numbers_centred(seed: Measured, water: Measured) -> None:
    for measured, label, pages in ((seed, "Pagina {} van 3", 3), (water, "Page {} of 2", 2)):
        for page in range(1, pages + 1):
            number = measured.find(label.format(page), page)
            assert near(number.size, 8, SIZE) and near(number.baseline, 285, 0.5)
            assert near((number.x0 + number.x1) / 2, sum(COLUMN) / 2, 0.5)


def test_later_pages(seed: Measured) -> None:
    """A header with organisation and date over a rule; body from 33.7 mm."""
    for page in (2, 3):
        org = seed.find("Ministerie van Buitenlandse Zaken", page)
        date = seed.find("14 januari 2022", page)
        assert near(org.baseline, 24, 0.5) and org.baseline == date.baseline
        assert near(org.x0, 25, 0.1) and near(date.x1, 180, 0.2)
        # The rule is drawn as a border: an outer and an inner edge, 0.4 pt apart.
        edges = sorted(b.bottom for b in seed.boxes[page - 1] if b.top < 30 and b.x1 - b.x0 > 150)
        assert len(edges) == 2 and near(edges[1] - edges[0], 0.4 * PT, 0.02)
        assert org.baseline + 1 < edges[0] < org.baseline + 3
    title = seed.find("VERSLAG NAVO MINISTERIËLE 7 JANUARI", 2)
    assert title.bold and near(title.size, 12, SIZE) and near(title.baseline, 34.3, 0.5)
    assert near(seed.find("tegenover het bijeenkomen", 3).baseline, 33.7, 0.5)
    assert not seed.find_all("VERSLAG NAVO", 1)


def test_footnotes(water: Measured) -> None:
    notes = [r for r in water.runs(1) if 250 < r.baseline < 280 and r.size == 8]
    assert [r.text for r in notes if r.x0 < 27] == ["1", "2", "3"]
    assert {round(r.x0) for r in notes if r.x0 >= 27} == {30}
    assert max(r.baseline for r in notes) <= 297 - 22
    steps = [b - a for a, b in pairwise(sorted({r.baseline for r in notes}))]
    assert all(near(s, 10.5 * PT, SIZE * PT) for s in steps)


def test_signatures_name_then_function(water: Measured, seed: Measured) -> None:
    name, function = water.find("A.B. Example", 2), water.find("The Minister of", 2)
    closing = water.find("Yours sincerely,", 2)
    assert function.baseline > name.baseline > closing.baseline
    assert near(function.size, 8, SIZE) and near(name.size, 10, SIZE)
    other = water.find("C.D. Sample", 2)
    assert other.baseline == name.baseline and near(other.x0 - name.x0, 155 / 2)
    # An empty name still holds its line: both functions on one baseline.
    a = seed.find("De minister van Buitenlandse Zaken,", 1)
    b = seed.find("[Ondertekenaar 2]", 1)
    assert a.baseline == b.baseline
