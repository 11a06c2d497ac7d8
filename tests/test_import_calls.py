"""Footnote calls in extracted text: the hard cases.

A call is the note's number glued to a word or punctuation mark. Glued to a
year ("Jaarverslag 20231.") it is found only when no ordinary call exists;
after a closing guillemet it is a call, after an opening one it is quoted
text; a second call of the same note becomes a `noteref`; a numbered foot
line without a call stays a note candidate in the body, never an annex.
"""

from __future__ import annotations

import pytest
from lxml import etree

from briefpers.importers.layout import find_call, layout
from briefpers.importers.text import import_text


def _import(text: str) -> etree._Element:
    return etree.fromstring(import_text(text, "calls.txt").xml)


def _text(el: etree._Element) -> str:
    return " ".join("".join(el.itertext()).split())


def _comments(root: etree._Element) -> str:
    return " | ".join(c.text for c in root.iter(etree.Comment))


def _letter(body: str, notes: str) -> str:
    return f"Geachte voorzitter,\n\n{body}\n\nDe minister van Financiën,\nA. de Vries\n\n{notes}\n"


@pytest.mark.parametrize(
    ("text", "number", "glued", "span"),
    [
        ("het Jaarverslag 20231. In", 1, False, None),  # not an ordinary call
        ("het Jaarverslag 20231. In", 1, True, (20, 21)),  # 2023 + note 1
        ("het Jaarverslag 202312, In", 12, True, (20, 22)),
        ("Postbus 20018 te Den Haag", 8, True, None),  # a postal box, not a year
        ("het programma »Recht dichtbij«1. Met", 1, False, (30, 31)),
        ("van «een duidelijke verbetering»2 van", 2, False, (32, 33)),
        ("de «5 EURO» op de munt", 5, False, None),  # after an opening guillemet
        ("«5 EURO» op de munt", 5, False, None),  # at the start of the text
        ("overleg d.d. 21\nmei 2024", 1, False, None),
        ("overleg d.d. 21\nmei 2024", 21, False, None),
        ("overleg d.d. 21\nmei 2024", 1, True, None),
        ("COVID-19 en artikel 3.1 of 1,5 procent", 1, False, None),
        ("de NAVO.1 De", 1, False, (8, 9)),
    ],
)
def test_find_call(text, number, glued, span):
    assert find_call(text, number, glued=glued) == span


def test_a_call_glued_to_a_year_is_split_when_no_other_call_exists():
    root = _import(
        _letter(
            "Hierbij bied ik u het Jaarverslag 20231. Het is op tijd.", "1 Kamerstuk 36 560, nr. 1"
        )
    )
    p = root.find("body/p")
    assert p.text == "Hierbij bied ik u het Jaarverslag 2023"
    assert _text(p.find("note")) == "Kamerstuk 36 560, nr. 1"
    assert "'20231' is read as 2023 and note 1" in _comments(root)
    assert _text(p).endswith("Het is op tijd.")


def test_an_ordinary_call_wins_over_a_year():
    root = _import(
        _letter("In 20231 kwam het verslag1 uit, en later meer.", "1 Kamerstuk 36 560, nr. 1")
    )
    p = root.find("body/p")
    assert p.text == "In 20231 kwam het verslag"
    assert "glued to a number" not in _comments(root)


def test_calls_after_guillemets_and_a_quoted_number():
    root = _import(
        _letter(
            "De «1 procent-norm» van het programma »Recht dichtbij«1 en «de wet»2 gelden.",
            "1 Kamerstuk 23 456, nr. 11\n2 Staatsblad 2021, 12",
        )
    )
    p = root.find("body/p")
    assert p.text == "De «1 procent-norm» van het programma »Recht dichtbij«"
    notes = p.findall("note")
    assert [_text(n) for n in notes] == ["Kamerstuk 23 456, nr. 11", "Staatsblad 2021, 12"]
    assert notes[0].tail == " en «de wet»"


def test_a_date_at_a_line_end_is_not_a_call():
    root = _import(
        _letter(
            "In het overleg d.d. 21\nmei 2024 sprak de Kamer over de nota.1 Zie ook\n"
            "de brief d.d. 1\njuni.",
            "1 Kamerstuk 36 560, nr. 4",
        )
    )
    text = _text(root.find("body"))
    assert "overleg d.d. 21 mei 2024 sprak" in text
    assert "de brief d.d. 1 juni." in text
    assert root.find("body/p/note").getprevious() is None  # the one call: after "nota."
    assert root.find("body/p").text.endswith("over de nota.")


def test_a_note_called_twice_becomes_a_reference_to_the_same_note():
    root = _import(
        _letter(
            "Ik stuur u een kopie1 van het rapport. De reactie treft u aan1.\n\nEen tweede punt.2",
            "1 Rapport van de Algemene Rekenkamer\n2 Kamerstuk 36 560, nr. 2",
        )
    )
    notes = list(root.iter("note"))
    refs = list(root.iter("noteref"))
    assert [_text(n) for n in notes] == [
        "Rapport van de Algemene Rekenkamer",
        "Kamerstuk 36 560, nr. 2",
    ]
    assert len(refs) == 1
    assert refs[0].get("ref") == notes[0].get("id") and notes[1].get("id") is None
    assert refs[0].getprevious() is notes[0]  # in the same paragraph, after it
    assert notes[0].tail == " van het rapport. De reactie treft u aan"
    assert "called again here" in _comments(root)


def test_a_numbered_foot_line_without_a_call_stays_a_note_candidate_never_an_annex():
    """The seed's case: the call was missed, and the foot line came after the signatures."""
    root = _import(_letter("Hierbij de stukken zonder verwijzing.", "1 Kamerstuk 28676 nr. 350"))
    assert root.find("annex") is None
    assert "[Titel bijlage]" not in etree.tostring(root, encoding="unicode")
    assert root.find(".//note") is None
    body = root.find("body")
    assert _text(body.findall("p")[-1]) == "1 Kamerstuk 28676 nr. 350"
    assert "footnote candidate" in _comments(body)


def test_the_layout_counts_further_calls_on_the_page_only():
    lay = layout(
        "Geachte heer,\n\nEen kopie1 en nog eens1 hier.\n\n1 De noot\f"
        "Op de volgende bladzijde staat 1 en woord1 niet als noot.\n"
    )
    assert lay.footnotes[1].repeats == 1
    assert lay.footnotes[1].glued is False
