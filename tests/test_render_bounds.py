"""Tables and links are bounded when the letter is loaded, before any layout."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from briefpers.errors import ExitCode, SourceError
from briefpers.pipeline import build_letter, render_letter_html
from briefpers.source.load import MAX_HREF, MAX_TABLE_CELLS, load

from .letter_kit import BODY_LINE, letter
from .text import pdf_text

TINY = """<?xml version="1.0" encoding="UTF-8"?>
<letter version="1" xml:lang="nl"><sender><organisation><line>M</line></organisation></sender>
<recipient><line>R</line></recipient><date>2023-05-19</date><subject>S</subject><body>
<table><tr><td colspan="100000000">x</td></tr></table></body></letter>
"""


def test_a_400_byte_letter_with_a_huge_colspan_is_refused_at_load(tmp_path: Path) -> None:
    path = tmp_path / "colspan.xml"
    path.write_text(TINY, encoding="utf-8")
    assert len(TINY.encode()) < 400
    with pytest.raises(SourceError) as info:
        load(path)  # loading only: nothing is laid out
    assert info.value.exit_code == ExitCode.INVALID_SOURCE
    assert str(info.value) == (f"{path}:4: colspan='100000000' is more than the limit of 1,000")


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ('<td rowspan="65535">x</td>', "rowspan='65535' is more than the limit of 65,534"),
        ('<td colspan="1001">x</td>', "colspan='1001' is more than the limit of 1,000"),
        # A number too long for int() (Python refuses 4,300+ digits) is still one clear line.
        (f'<td colspan="{"9" * 5000}">x</td>', "colspan='99999999999999999999' is more"),
    ],
)
def test_spans_over_the_html_caps(tmp_path: Path, cell: str, message: str) -> None:
    path = letter(tmp_path, f"<p>x</p>\n<table><tr>{cell}</tr></table>")
    with pytest.raises(SourceError, match=message) as info:
        load(path)
    assert info.value.line == BODY_LINE + 1


def test_spans_at_the_caps_and_with_leading_zeros_load(tmp_path: Path) -> None:
    path = letter(
        tmp_path,
        '<table><tr><td colspan="1000">a</td></tr><tr><td rowspan="65534">b</td></tr>'
        '<tr><td rowspan=" +002 " colspan="0999">c</td></tr><tr><td>d</td></tr></table>',
    )
    load(path)
    html = render_letter_html(path)
    assert 'colspan="999" rowspan="2"' in html  # normalised for the typesetter
    assert 'colspan="1000"' in html


def test_rowspans_that_multiply_the_grid_are_refused(tmp_path: Path) -> None:
    """1,000 rows, each with a cell spanning the rest: a million grid cells from
    2,000 elements (this letter took 15 s to lay out)."""
    rows = '<tr><td rowspan="65534">x</td></tr>' * 1000
    path = letter(tmp_path, f"<p>x</p>\n<p>y</p>\n<table>{rows}</table>")
    with pytest.raises(SourceError) as info:
        load(path)
    assert info.value.line == BODY_LINE + 2
    assert "a table of 1,000 columns × 1,000 rows is too large" in info.value.message
    assert f"at most {MAX_TABLE_CELLS:,} cells in all" in info.value.message


def test_the_grid_limit_counts_all_tables(tmp_path: Path) -> None:
    rows = '<tr><td colspan="1000">x</td></tr>' * 60  # 60,000 cells each
    path = letter(tmp_path, f"<table>{rows}</table>\n<table>{rows}</table>")
    with pytest.raises(SourceError, match="1,000 columns × 60 rows") as info:
        load(path)
    assert info.value.line == BODY_LINE + 1  # the second table crosses the limit


def test_a_table_with_spans_builds(tmp_path: Path) -> None:
    path = letter(
        tmp_path,
        "<table><tr><th>Jaar</th><th colspan='2'>Meting</th></tr>"
        "<tr><td rowspan='2'>2022</td><td>voorjaar</td><td>12</td></tr>"
        "<tr><td>najaar</td><td>14</td></tr></table>",
    )
    out = tmp_path / "table.pdf"
    out.write_bytes(build_letter(path).pdf)
    text = pdf_text(out)
    for word in ("Jaar", "Meting", "2022", "voorjaar", "najaar", "14"):
        assert word in text


def test_link_targets_are_bounded(tmp_path: Path) -> None:
    long = "https://example.org/" + "a" * (MAX_HREF - 20 + 1)
    path = letter(tmp_path, f'<p>x</p>\n<p>Zie <a href="{long}">hier</a>.</p>')
    with pytest.raises(SourceError, match="a link target of 2,001 characters is longer than"):
        load(path)
    path = letter(tmp_path, f'<p>Zie <a href="{long[:-1]}">hier</a>.</p>')
    load(path)  # exactly at the limit


def test_cli_refuses_with_one_line_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "colspan.xml"
    path.write_text(TINY, encoding="utf-8")
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "briefpers.cli", "build", str(path), "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == ExitCode.INVALID_SOURCE, result.stderr
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert errors == [f"{path}:4: error: colspan='100000000' is more than the limit of 1,000"]
    assert "Traceback" not in result.stderr
    assert not (out.exists() and any(out.glob("*.pdf")))


def test_irregular_tables_are_made_regular(tmp_path: Path) -> None:
    """Every row gets the table's width (PDF/UA 7.2); empty cells get text so
    that the typesetter tags them; a rowspan ends with its row group."""
    from lxml import html as lxml_html

    path = letter(
        tmp_path,
        "<table><tr><th>A</th><th>B</th><th rowspan='9'>C</th></tr>"
        "<tr><td>1</td></tr><tr><td/><td rowspan='5'>2</td></tr><tr><td>3</td></tr></table>",
    )
    table = lxml_html.fromstring(render_letter_html(path)).find(".//table")
    head, body = table.find("thead"), table.find("tbody")
    assert head.find("tr/th[3]").get("rowspan") == "1"  # the head has one row
    assert body.find("tr[2]/td[2]").get("rowspan") == "2"  # the body's last two rows
    widths = [
        sum(int(c.get("colspan", 1)) for c in row) for row in table.iter("tr")
    ]  # per row, without the cells spanning into it from above
    assert widths == [3, 3, 3, 2]  # the last row has the rowspan beside it
    cells = [c.text_content() for c in table.iter("td")]
    assert cells == ["1", "\u00a0", "\u00a0", "\u00a0", "2", "\u00a0", "3", "\u00a0"]
