"""Characters that break text extraction or PDF/UA: normalised or refused with file:line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from briefpers.errors import ExitCode, SourceError
from briefpers.pipeline import build_letter
from briefpers.source import chars
from briefpers.source.load import load

from .letter_kit import BODY_LINE, HEAD, letter
from .text import pdf_text

WORDS = " ".join(f"woord{i}" for i in range(40))


def built_text(tmp_path: Path, body: str, **kwargs) -> str:
    out = tmp_path / "letter.pdf"
    out.write_bytes(build_letter(letter(tmp_path, body, **kwargs)).pdf)
    return pdf_text(out, max_x_mm=157)


def lines_with(text: str, *needles: str) -> list[str]:
    return [line for line in text.splitlines() if any(n in line for n in needles)]


@pytest.mark.parametrize("separator", ["&#x2028;", "&#x2029;"], ids=["LS", "PS"])
def test_line_and_paragraph_separators_are_line_breaks(tmp_path: Path, separator: str) -> None:
    # A separator in the middle of a long line crashed the typesetter (U+2029:
    # "AssertionError: Got ' \u2029' between two lines").
    body = f"<p>{WORDS} voor{separator}na {WORDS}</p>"
    text = built_text(tmp_path, body)
    assert "\u2028" not in text and "\u2029" not in text
    (before,) = lines_with(text, "voor")
    (after,) = lines_with(text, "na woord0")
    assert before.endswith("voor") and after.startswith("na woord0")


def test_separators_in_a_note_a_cell_and_an_address_line(tmp_path: Path) -> None:
    path = letter(
        tmp_path,
        "<p>Tekst<note>noot&#x2029;tweede</note>.</p>"
        "<table><tr><td>links&#x2028;beneden</td><td>rechts</td></tr></table>",
    )
    path.write_text(
        path.read_text().replace(
            "<line>De Voorzitter</line>", "<line>De&#x2028;Voorzitter&#x85;der Kamer</line>"
        )
    )
    out = tmp_path / "letter.pdf"
    out.write_bytes(build_letter(path).pdf)
    text = pdf_text(out)
    assert "De Voorzitter der Kamer" in text  # an address line stays one line
    assert lines_with(text, "beneden") == ["beneden"]
    assert any(line.endswith("noot") for line in text.splitlines())
    assert "\u2028" not in text and "\u2029" not in text and "\x85" not in text


def test_nel_is_a_space(tmp_path: Path) -> None:
    text = built_text(tmp_path, "<p>Een&#x85;twee &#x85; drie</p>")
    assert "Een twee drie" in text


def test_bidi_embeddings_isolates_and_marks_are_kept(tmp_path: Path) -> None:
    body = "<p>Naam: &#x2067;שלום עולם&#x2069;, &#x202B;מילה&#x202C; en &#x200F;x.</p>"
    text = built_text(tmp_path, body)
    assert "שלום" in text or "םולש" in text  # printed in either reading order


@pytest.mark.parametrize(
    ("char", "message"),
    [
        ("&#x92;", "U+0092 is a C1 control character, not text (was windows-1252 text"),
        ("&#x80;", "U+0080 is a C1 control character"),
        ("&#xFDD0;", "U+FDD0 is a noncharacter"),
        ("&#x10FFFF;", "U+10FFFF is a noncharacter"),
        ("&#x202E;", "U+202E RIGHT-TO-LEFT OVERRIDE would print the text in another order"),
        ("&#x202D;", "U+202D LEFT-TO-RIGHT OVERRIDE would print"),
    ],
)
def test_refused_characters_name_their_line(tmp_path: Path, char: str, message: str) -> None:
    body = f"<p>Een</p>\n<p>twee</p>\n<p>drie{char}</p>"
    with pytest.raises(SourceError) as info:
        load(letter(tmp_path, body))
    assert info.value.exit_code == ExitCode.INVALID_SOURCE
    assert info.value.line == BODY_LINE + 2
    assert info.value.message.startswith(message)


def test_refused_characters_in_tails_attributes_and_after_comments(tmp_path: Path) -> None:
    cases = {
        # a tail after an inline element that spans lines
        "<p>Een <em>twee\ndrie</em> vier\u0092</p>": BODY_LINE + 1,
        # after a comment over three lines
        "<!-- een\ntwee\ndrie -->\n<p>x\u0092</p>": BODY_LINE + 3,
        # an attribute (an image's text alternative)
        '<p>x</p>\n<figure src="a.png" alt="Grafiek\u0092"/>': BODY_LINE + 1,
        # a start tag over two lines: its text starts where the tag ends
        '<p\n xml:lang="en">x\u009f</p>': BODY_LINE + 1,
    }
    for body, line in cases.items():
        with pytest.raises(SourceError) as info:
            load(letter(tmp_path, body))
        assert info.value.line == line, body


def test_characters_in_comments_are_not_text(tmp_path: Path) -> None:
    load(letter(tmp_path, "<!-- \u0092 \ufdd0 \u202e --><p>x</p>"))


def test_find_reports_the_first_in_document_order() -> None:
    source = HEAD + "<p>a</p>\n<p>b<em>c</em>\nd\u2029</p>\n<p>\u2029</p></body></letter>"
    root = etree.fromstring(source.encode())
    found = chars.find(root, re.compile("\u2029").search)
    assert found == ("\u2029", BODY_LINE + 2)
    assert chars.find(root, re.compile("\u0092").search) is None
