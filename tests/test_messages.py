"""Messages a clerk can act on: schema and syntax errors in the format's own words,
with line, column and a suggestion where one exists; one diagnostic format."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefpers.cli import main
from briefpers.errors import AssetError, ExitCode, SourceError
from briefpers.pipeline import build_letter
from briefpers.source.explain import vocabulary
from briefpers.source.load import load
from tests.letter_kit import BODY_LINE, letter, signatory

DIAGNOSTIC = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<sev>error|warning): ")


def _letter_with(tmp_path: Path, old: str, new: str, body: str = "<p>Tekst.</p>") -> Path:
    path = letter(tmp_path, body)
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return path


def _error(path: Path) -> SourceError:
    with pytest.raises(SourceError) as caught:
        load(path)
    return caught.value


def _position(path: Path, needle: str) -> tuple[int, int]:
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if needle in line:
            return number, line.index(needle) + 1
    raise AssertionError(needle)


def test_a_date_error_shows_line_column_and_a_valid_date(tmp_path: Path) -> None:
    path = _letter_with(tmp_path, "<date>2023-05-19</date>", "<date>14 januari 2022</date>")
    result = CliRunner().invoke(main, ["build", str(path), "-o", str(tmp_path / "out")])
    assert result.exit_code == ExitCode.INVALID_SOURCE
    line, column = _position(path, "<date>")
    assert result.stderr.splitlines()[0] == (
        f"{path}:{line}:{column}: error: <date> must be a date like 2022-01-14 "
        "(year 1000 to 9999, no time zone), found '14 januari 2022'"
    )


@pytest.mark.parametrize(
    ("old", "new", "expected", "needle"),
    [
        (
            "<date>2023-05-19</date>",
            "<datum>2023-05-19</datum>",
            "<datum> is not an element of the letter format (did you mean <date>?)",
            "<datum>",
        ),
        (
            "<subject>Een onderwerp</subject>",
            "<subjet>Een onderwerp</subjet>",
            "<subjet> is not an element of the letter format (did you mean <subject>?)",
            "<subjet>",
        ),
        (
            '<letter version="1"',
            '<letter version="1" kinds="kamerstuk"',
            "<letter> has no attribute kinds (did you mean kind?); "
            "it may have kind, theme, version, xml:lang",
            "kinds=",
        ),
        (
            '<letter version="1"',
            '<letter version="1" kind="brief"',
            "kind=\"…\" on <letter> must be letter or kamerstuk, found 'brief'",
            "kind=",
        ),
        (
            "<subject>Een onderwerp</subject>",
            "",
            "<body> is out of order in <letter>: expected <subject> here (missing, or misplaced?)",
            "<body>",
        ),
        (
            "<recipient><line>De Voorzitter</line></recipient>",
            "<recipient>De Voorzitter</recipient>",
            "<recipient> cannot hold text directly: put the text in a <line>",
            "<recipient>",
        ),
        (
            "<line>De Voorzitter</line>",
            "<line>  </line>",
            "<line> must not be empty",
            "<line>  </line>",
        ),
        (
            "<p>Tekst.</p>",
            "<p>Tekst.<p>meer</p></p>",
            "<p> cannot stand in <p>; it belongs in <annex>, <body> or <section>",
            "<p>",
        ),
    ],
)
def test_schema_errors_in_the_formats_words(
    tmp_path: Path, old: str, new: str, expected: str, needle: str
) -> None:
    path = _letter_with(tmp_path, old, new)
    error = _error(path)
    assert error.message == expected
    assert (error.line, error.column) == _position(path, needle)
    assert "Element '" not in error.message and "facet" not in error.message


def test_a_missing_attribute_says_what_it_is_for(tmp_path: Path) -> None:
    path = letter(tmp_path, '<figure src="x.png"/>')
    error = _error(path)
    assert (
        error.message == "<figure> needs the attribute alt: a text that says what the image shows"
    )
    assert (error.line, error.column) == (BODY_LINE, 1)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("<p>Tom & Jerry</p>", "a bare '&': write &amp; for an ampersand"),
        ("<p>a < b</p>", "a bare '<': write &lt; for a less-than sign"),
        ("<p>Tekst&nbsp;van</p>", "&nbsp; is not an XML entity: write the character itself"),
        ("<p>Tekst.</q>", "<p> (opened on line"),
    ],
)
def test_syntax_errors_say_what_to_write(tmp_path: Path, body: str, expected: str) -> None:
    error = _error(letter(tmp_path, body))
    assert error.message.startswith("not well-formed XML: ")
    assert expected in error.message
    assert error.line == BODY_LINE and error.column is not None


def test_the_vocabulary_comes_from_the_schema() -> None:
    words = vocabulary()
    assert {"letter", "date", "subject", "signature", "noteref"} <= words.elements
    assert words.attributes["figure"] == {"src", "alt"}
    assert "xml:lang" in words.attributes["letter"]
    assert {"p", "ul", "ol", "table", "figure", "section", "salutation"} <= words.children["body"]


def test_a_missing_image_names_the_line_that_references_it(tmp_path: Path) -> None:
    path = letter(tmp_path, "<p>Tekst.</p>", after=signatory("img/handtekening.png"))
    with pytest.raises(AssetError) as caught:
        build_letter(path)
    line, column = _position(path, 'src="img/handtekening.png"')
    assert (caught.value.line, caught.value.column) == (line, column)
    assert "'img/handtekening.png' does not exist" in caught.value.message
    result = CliRunner().invoke(main, ["build", str(path), "-o", str(tmp_path / "out")])
    assert result.exit_code == ExitCode.ASSET
    assert result.stderr.startswith(f"{path}:{line}:{column}: error: 'img/handtekening.png'")


def test_a_mistyped_theme_in_a_letter_gets_its_line_and_a_suggestion(tmp_path: Path) -> None:
    path = _letter_with(tmp_path, '<letter version="1"', '<letter version="1" theme="rjik"')
    result = CliRunner().invoke(main, ["build", str(path), "-o", str(tmp_path / "out")])
    assert result.exit_code == ExitCode.ASSET
    line, column = _position(path, "theme=")
    [first] = result.stderr.splitlines()[:1]
    assert first.startswith(f"{path}:{line}:{column}: error: no theme 'rjik'")
    assert first.endswith("did you mean 'rijk'?")
    # The same mistake on the command line: no line to name, the same suggestion.
    plain = letter(tmp_path / "plain", "<p>Tekst.</p>")
    result = CliRunner().invoke(main, ["build", str(plain), "-o", str(tmp_path / "o2")])
    assert result.exit_code == 0, result.stderr
    result = CliRunner().invoke(
        main, ["build", str(plain), "-o", str(tmp_path / "o3"), "--theme", "plian"]
    )
    assert result.exit_code == ExitCode.ASSET
    assert result.stderr.startswith("error: no theme 'plian'")
    assert "did you mean 'plain'?" in result.stderr


def test_lint_and_build_print_one_format(tmp_path: Path) -> None:
    """Lint findings and build errors: `file:line:col: severity: message`, one line each."""
    bad = _letter_with(tmp_path, "<date>2023-05-19</date>", "<date>19-05-2023</date>")
    remark = letter(
        tmp_path / "imported",
        "<p>Tekst.</p>\n    <!-- briefpers-import: check the date -->\n    <p>[Afzender]</p>",
    )
    runner = CliRunner()
    lint = runner.invoke(main, ["lint", str(bad), str(remark)])
    build = runner.invoke(main, ["build", str(bad), "-o", str(tmp_path / "out")])
    lines = lint.stdout.splitlines() + build.stderr.splitlines()[:1]
    assert len(lines) == 4, lines
    for line in lines:
        assert DIAGNOSTIC.match(line), line
    assert lines[0] == lines[-1]  # lint and build say the same about the same problem
    # The importer's remark is reported where it stands (an error under --strict).
    remark_line = _position(remark, "<!-- briefpers-import")
    assert f"{remark}:{remark_line[0]}:{remark_line[1]}: warning: import remark" in lint.stdout
    strict = runner.invoke(main, ["lint", "--strict", str(remark)])
    assert strict.exit_code == ExitCode.LINT
    assert f"{remark}:{remark_line[0]}:{remark_line[1]}: error: import remark" in strict.stdout
