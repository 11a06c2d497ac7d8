"""Typography that geometry alone does not show, measured from the PDF:
no widows or orphans, headings kept with their text, signature blocks kept
whole, and no word or URL reaching out of its column, in both built-in themes.

Each test moves its subject across a page break by varying the length of
the text before it, so every possible break position is tried.
"""

from __future__ import annotations

import pytest

from .pdf_measure import Measured, build_xml, letter_xml, lines

# Lines of filler that move each subject across the first page break (found
# by scanning; each test asserts that its window still contains the break).
WINDOWS = {
    "rijk": {"widows": range(29, 35), "heading": range(29, 33), "signature": range(24, 34, 2)},
    "plain": {"widows": range(24, 30), "heading": range(24, 28), "signature": range(22, 32, 2)},
}
THEMES = list(WINDOWS)
# The main text column per theme, in mm (its CSS is not read: these are the
# house style's and the plain theme's documented figures).
COLUMNS = {"rijk": (23, 157), "plain": (25, 180)}


def pages_of(m: Measured, text: str) -> list[int]:
    """The page of each run that starts with `text` (in document order)."""
    return [r.page for r in m.runs() if r.text.startswith(text)]


@pytest.mark.parametrize("theme", THEMES)
def test_no_widows_or_orphans(theme: str, tmp_path) -> None:
    split = 0
    for k in WINDOWS[theme]["widows"]:
        xml = letter_xml(lines("Vulregel", k) + lines("Doelregel", 5), theme=theme)
        m = build_xml(xml, tmp_path, f"w{k}")
        where = pages_of(m, "Doelregel")
        assert len(where) == 5
        counts = [where.count(p) for p in sorted(set(where))]
        assert all(c >= 2 for c in counts), (k, where)
        split += len(counts) > 1
    assert split, "the range never broke the paragraph across pages"


@pytest.mark.parametrize("theme", THEMES)
def test_headings_keep_with_next(theme: str, tmp_path) -> None:
    pushed = 0
    for k in WINDOWS[theme]["heading"]:
        body = (
            lines("Vulregel", k)
            + "<section><heading>Tussenkop</heading>"
            + lines("Volgregel", 3)
            + "</section>"
        )
        m = build_xml(letter_xml(body, theme=theme), tmp_path, f"h{k}")
        heading, first = pages_of(m, "Tussenkop")[0], pages_of(m, "Volgregel 1")[0]
        assert heading == first, k
        pushed += heading > max(pages_of(m, "Vulregel"))
    assert pushed, "the range never put the heading at the top of a page"


@pytest.mark.parametrize("theme", THEMES)
def test_signature_block_is_never_split(theme: str, tmp_path) -> None:
    signatories = (
        "<signatory><function>De minister van Proeven,</function><name>A. Een</name></signatory>"
        "<signatory><function>De staatssecretaris,</function><name>B. Twee</name></signatory>"
    )
    moved = 0
    for k in WINDOWS[theme]["signature"]:
        xml = letter_xml(
            lines("Vulregel", k),
            closing="Hoogachtend,",
            signatories=signatories,
            theme=theme,
        )
        m = build_xml(xml, tmp_path, f"s{k}")
        block = {
            p
            for t in ("Hoogachtend,", "De minister", "A. Een", "De staatssecretaris", "B. Twee")
            for p in pages_of(m, t)
        }
        assert len(block) == 1, (k, block)
        moved += block.pop() > 1
    assert 0 < moved < len(WINDOWS[theme]["signature"]), "the window misses the break"


LONG_WORD = "Langwoord" + "x" * 291  # 300 characters, no break opportunity
URL = "https://www.example.org/" + "/".join(f"map{n:02d}" for n in range(40)) + "/index.html"


@pytest.mark.parametrize("theme", THEMES)
def test_long_words_and_urls_stay_in_their_column(theme: str, tmp_path) -> None:
    body = f"""<p>{LONG_WORD}</p>
<p>Zie <a href="{URL}">{URL}</a> voor meer.</p>
<ul><li>{LONG_WORD}</li></ul>
<table><tr><th>Kop</th><td>{LONG_WORD}</td></tr></table>
<section><heading>Kop{"k" * 150}</heading><p>Tekst.<note>Noot {LONG_WORD}</note></p></section>"""
    xml = letter_xml(body, theme=theme)
    xml = xml.replace("<ours>BZ-TEST-1</ours>", f"<ours>{'K' * 80}</ours>")
    xml = xml.replace("<line>Postbus 20018</line>", f"<line>{'P' * 120}</line>")
    m = build_xml(xml, tmp_path)
    left, right = COLUMNS[theme]
    for page, chars in enumerate(m.chars, 1):
        for text, x0, x1, _size in chars:
            assert x0 >= 5 and x1 <= 205, (page, text, x0, x1)
            if left - 0.5 <= x0 < right:  # starts in the column: ends in it
                assert x1 <= right + 0.2, (page, text, x0, x1)
    # Nothing was cut off: every character of the long word is there.
    everything = "".join(t for chars in m.chars for t, *_ in chars)
    assert everything.count("x" * 40) >= 4 * 7
    assert "".join(r.text for r in m.runs()).count("map39/index.html") == 1


@pytest.mark.parametrize("theme", THEMES)
def test_table_columns_keep_their_words(theme: str, tmp_path) -> None:
    """A long description column must not squeeze short columns into pieces
    (the price of letting every cell break anywhere)."""
    description = "Een lange omschrijving van de maatregel in deze kolom. " * 6
    body = (
        "<table><tr><th>Stroomgebied</th><th>Gepland</th><th>Omschrijving</th></tr>"
        f"<tr><td>Rijn</td><td>412</td><td>{description}</td></tr></table>"
    )
    m = build_xml(letter_xml(body, theme=theme), tmp_path)
    for word in ("Stroomgebied", "Gepland", "Rijn", "412"):
        assert m.find_all(word, 1), word


@pytest.mark.parametrize("theme", THEMES)
def test_signatories_stack_when_they_do_not_fit(theme: str, tmp_path) -> None:
    """Equal columns side by side; a third signatory goes under the first."""
    signatories = "".join(
        f"<signatory><function>De minister van Proeven {n},</function><name>A. Naam{n}</name>"
        "</signatory>"
        for n in (1, 2, 3)
    )
    m = build_xml(letter_xml("<p>Tekst.</p>", signatories=signatories, theme=theme), tmp_path)
    one, two, three = (m.find(f"A. Naam{n}", 1) for n in (1, 2, 3))
    left, right = COLUMNS[theme]
    assert one.baseline == two.baseline < three.baseline
    assert one.x0 == three.x0 == pytest.approx(left, abs=0.1)
    assert two.x0 == pytest.approx((left + right) / 2, abs=0.5)
