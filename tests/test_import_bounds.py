"""The importers under hostile input: size limits, every code point, linear time, time limits.

- Input over BRIEFPERS_MAX_SOURCE_BYTES is refused (exit 3, the limit and the
  setting named), never truncated.
- No code point crashes an importer. Characters XML cannot hold (C0 controls,
  U+FFFE, U+FFFF, lone surrogates) are replaced by U+FFFD and named in a
  comment; U+2028, U+2029 and U+0085 are line breaks; all others are kept.
- The text importer is linear: the sizes here would take minutes to hours for
  a quadratic one (a 40,000-character word took 23 s before). The only time
  bound is the importer's own --timeout, as a smoke check.
"""

from __future__ import annotations

import contextlib
import string
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from briefpers.cli import main
from briefpers.errors import SourceError
from briefpers.importers import text as text_importer
from briefpers.importers.opxml import import_opxml
from briefpers.importers.text import import_text
from briefpers.source.chars import REFUSED
from briefpers.source.load import load

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "import"
LETTER = (FIXTURES / "kst-12345-67.txt").read_text(encoding="utf-8")
OPXML = (FIXTURES / "kst-28676-123.xml").read_bytes()
SMOKE = "120"  # seconds: far above what these sizes take, far below a quadratic run


def _valid(xml: bytes, tmp: Path) -> etree._Element:
    path = tmp / "out.xml"
    path.write_bytes(xml)
    load(path)  # well-formed, valid against the schema, within the limits
    return etree.fromstring(xml)


# Size limits =========================================================================


@pytest.mark.parametrize("kind", ["text", "opxml"])
def test_input_over_the_size_limit_is_refused_never_truncated(tmp_path, kind):
    source = FIXTURES / ("kst-12345-67.txt" if kind == "text" else "kst-28676-123.xml")
    size = source.stat().st_size
    out = tmp_path / "out.xml"
    runner = CliRunner()
    env = {"BRIEFPERS_MAX_SOURCE_BYTES": str(size - 1)}
    result = runner.invoke(main, ["import", kind, str(source), "-o", str(out)], env=env)
    assert result.exit_code == 3
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{source}: error: ")
    assert f"{size - 1:,}" in lines[0] and "BRIEFPERS_MAX_SOURCE_BYTES" in lines[0]
    assert not out.exists()
    # At the limit exactly, the whole input is imported: its last footnote too.
    env = {"BRIEFPERS_MAX_SOURCE_BYTES": str(size)}
    result = runner.invoke(main, ["import", kind, str(source), "-o", str(out)], env=env)
    assert result.exit_code == 0, result.output
    last_note = list(etree.parse(str(out)).iter("note"))[-1]
    assert "".join(last_note.itertext()).strip()


def test_a_metadata_record_over_the_size_limit_is_refused(tmp_path):
    record = tmp_path / "record.xml"
    record.write_text("<metadata_gegevens>" + " " * 5000 + "</metadata_gegevens>")
    result = CliRunner().invoke(
        main,
        ["import", "opxml", str(FIXTURES / "kst-12345-68.xml"), "--metadata", str(record)],
        env={"BRIEFPERS_MAX_SOURCE_BYTES": "4000"},
    )
    assert result.exit_code == 3
    assert str(record) in result.stderr and "BRIEFPERS_MAX_SOURCE_BYTES" in result.stderr


# Every code point ====================================================================

ANY_CHAR = st.integers(min_value=0, max_value=0x10FFFF).map(chr)  # surrogates included


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    inserts=st.lists(
        st.tuples(st.integers(0, len(LETTER)), st.text(ANY_CHAR, max_size=6)), max_size=12
    ),
)
def test_no_code_point_crashes_the_text_importer(tmp_path_factory, inserts):
    text = LETTER
    for at, chars in sorted(inserts, reverse=True):
        text = text[:at] + chars + text[at:]
    try:
        result = import_text(text, "fuzz.txt")
    except SourceError:  # a refusal with a clear message is allowed; a crash is not
        return
    _valid(result.xml, tmp_path_factory.mktemp("fuzz"))


@settings(max_examples=200, deadline=None)
@given(st.text(ANY_CHAR, min_size=1, max_size=40))
def test_no_code_point_crashes_the_text_importer_anywhere_in_a_short_letter(chars):
    with contextlib.suppress(SourceError):  # a refusal is allowed, a crash is not
        import_text(f"Geachte heer,\n\n{chars}\n\nDe minister,\nA. Naam\n", "short.txt")


XML_CHAR = ANY_CHAR.filter(
    lambda c: (
        c in "\t\n\r" or "\x20" <= c <= "\ud7ff" or "\ue000" <= c <= "\ufffd" or c >= "\U00010000"
    )
)


@settings(max_examples=150, deadline=None)
@given(st.text(XML_CHAR, min_size=1, max_size=30).filter(lambda t: t.strip()))
def test_no_code_point_crashes_the_official_xml_importer(tmp_path_factory, chars):
    """Any text XML can hold, in a paragraph, a footnote, a title and a signature;
    what a letter source refuses (C1 controls, noncharacters, bidi overrides)
    arrives as U+FFFD, said in a remark."""
    root = etree.fromstring(OPXML)
    for path in (".//al", ".//noot.al", ".//stuk/titel", ".//functie"):
        root.find(path).text = chars
    xml = _valid(import_opxml(etree.tostring(root), "fuzz.xml").xml, tmp_path_factory.mktemp("x"))
    texts = " ".join([" ".join(xml.itertext())] + [c.text for c in xml.iter(etree.Comment)])
    expected = REFUSED.sub("\ufffd", chars)
    assert " ".join(expected.split()) in " ".join(texts.split())
    if expected != chars:
        assert "a letter source refuses were replaced by U+FFFD" in texts


@pytest.mark.parametrize(
    ("char", "kept"),
    [
        ("\U00100005", "\U00100005"),  # private use, plane 16: kept (the build refuses it)
        ("\u0090", "\ufffd"),  # a C1 control: the format refuses it
        ("\U0010ffff", "\ufffd"),  # a noncharacter
        ("\u202e", "\ufffd"),  # a bidi override
        ("\u2028", None),  # a line separator: a line break
        ("\u0085", None),  # NEL: a line break
        ("\u2029", None),  # a paragraph separator
        ("\ufffe", "\ufffd"),  # not a character XML can hold: replaced, and said
        ("\x07", "\ufffd"),
        ("\ud800", "\ufffd"),  # a lone surrogate
    ],
)
def test_characters_at_the_edges(tmp_path, char, kept):
    text = f"Geachte heer,\n\nVoor{char}af en toe.\n\nDe minister,\nA. Naam\n"
    root = _valid(import_text(text, "edge.txt").xml, tmp_path)
    body = "".join(root.find("body").itertext())
    if kept is None:
        assert char not in body and "Voor af en toe." in " ".join(body.split())
    else:
        assert f"Voor{kept}af en toe." in body
    comments = " ".join(c.text for c in root.iter(etree.Comment))
    if kept == "\ufffd":
        assert f"U+{ord(char):04X} (1×)" in comments


def test_a_character_xml_cannot_hold_is_named_in_a_warning(tmp_path):
    source = tmp_path / "bell.txt"
    source.write_text("Geachte heer,\n\nEen bel\x07 hier.\n\nDe minister,\nA. Naam\n")
    result = CliRunner().invoke(main, ["import", "text", str(source), "-o", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert "replaced by U+FFFD: U+0007 (1×)" in result.stderr


# Linear time =========================================================================


@pytest.mark.parametrize(
    "body",
    [
        "a" * 200_000,  # one word (quadratic before: 40,000 characters took 23 s)
        "woord-\n" * 150_000,  # a million characters of hyphenated line ends
        "tekst\n\n1 noot\f" * 30_000,  # thirty thousand pages, each a footnote candidate
        ("x1 " * 100_000) + "\n\n1 De noot",  # a note called a hundred thousand times
        "«" * 200_000 + "1\n\n1 De noot",
        string.digits * 20_000,
    ],
    ids=["word", "hyphens", "pages", "calls", "guillemets", "digits"],
)
@pytest.mark.slow
def test_large_inputs_import_within_a_smoke_bound(tmp_path, body):
    source = tmp_path / "large.txt"
    source.write_text(f"Geachte heer,\n\n{body}\n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["import", "text", str(source), "-o", str(tmp_path / "o.xml"), "--timeout", SMOKE]
    )
    assert result.exit_code == 0, result.output


def test_further_calls_are_found_in_one_pass(monkeypatch):
    """Each search for a call starts where the last one ended: a note called n
    times costs about n searches, not n²."""
    searches = []
    real = text_importer.find_call

    def counting(*args, **kwargs):
        searches.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(text_importer, "find_call", counting)
    calls = 5_000
    root = etree.fromstring(
        import_text("Geachte heer,\n\n" + "x1 " * calls + "\n\n1 De noot\n", "calls.txt").xml
    )
    assert len(list(root.iter("noteref"))) == calls - 1
    assert len(searches) <= calls + 10


def test_the_import_honours_its_time_limit(tmp_path):
    source = tmp_path / "slow.txt"
    source.write_text("Geachte heer,\n\n" + "woord-\n" * 300_000, encoding="utf-8")
    out = tmp_path / "o.xml"
    for args, env in (
        (["--timeout", "0.001"], {}),
        ([], {"BRIEFPERS_TIMEOUT": "0.001"}),
    ):
        result = CliRunner().invoke(
            main, ["import", "text", str(source), "-o", str(out), *args], env=env
        )
        assert result.exit_code == 5
        assert result.stderr.splitlines() == [
            f"{source}: error: importing the letter took longer than the limit of 0.001 s "
            "(--timeout or BRIEFPERS_TIMEOUT changes it)"
        ]
        assert not out.exists()


@pytest.mark.parametrize("char", ["\x07", "\ufffe", "\x00"])
def test_official_xml_with_a_character_xml_cannot_hold_is_refused(tmp_path, char):
    source = tmp_path / "bad.xml"
    source.write_bytes(OPXML.replace(b"Ik zeg u toe:", f"Ik zeg u{char} toe:".encode()))
    result = CliRunner().invoke(main, ["import", "opxml", str(source), "-o", str(tmp_path / "o")])
    assert result.exit_code == 3
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{source}:")
    assert "not well-formed" in lines[0] or "cannot read XML" in lines[0]
