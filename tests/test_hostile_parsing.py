"""Safe parsing: encodings read as declared, DTDs refused before they are read."""

from __future__ import annotations

import codecs
import time
from pathlib import Path

import pytest

from briefpers.errors import SourceError
from briefpers.source.load import load

from .test_source import MINIMAL

TEXT = "Één café, naïef: 5 €."  # all in ISO-8859-15 and windows-1252 too


def source(encoding: str) -> str:
    return MINIMAL.replace('encoding="UTF-8"', f'encoding="{encoding}"').replace("Tekst.", TEXT)


def body_text(path: Path) -> str:
    return "".join(load(path).body.itertext()).strip()


@pytest.mark.parametrize(
    ("declared", "data"),
    [
        ("ISO-8859-15", lambda s: s.encode("iso-8859-15")),
        ("windows-1252", lambda s: s.encode("cp1252")),
        ("UTF-16", lambda s: s.encode("utf-16")),  # with a byte order mark
        ("UTF-16", lambda s: codecs.BOM_UTF16_BE + s.encode("utf-16-be")),
        ("UTF-16LE", lambda s: s.encode("utf-16-le")),  # no mark: declared
        ("UTF-8", lambda s: codecs.BOM_UTF8 + s.encode()),
        ("UTF-32", lambda s: s.encode("utf-32")),
    ],
)
def test_encodings_are_read_as_declared(declared, data, tmp_path: Path) -> None:
    path = tmp_path / "letter.xml"
    path.write_bytes(data(source(declared)))
    assert body_text(path) == TEXT


def test_latin1_letter_builds_with_its_accents(tmp_path: Path) -> None:
    from briefpers.pipeline import build_letter

    from .text import pdf_text

    path = tmp_path / "letter.xml"
    path.write_bytes(source("ISO-8859-1").replace(": 5 €", "").encode("latin-1"))
    out = tmp_path / "letter.pdf"
    out.write_bytes(build_letter(path).pdf)
    assert "Één café, naïef." in pdf_text(out)


@pytest.mark.parametrize(
    ("data", "line", "column", "message"),
    [
        (source("UTF-8").encode().replace("café".encode(), b"caf\xe9"), 7, 19, "Invalid bytes"),
        (source("UTF-8").encode("latin-1", "replace"), 7, 12, "Invalid bytes"),
        (source("X-UNKNOWN").encode(), 1, 41, "Unsupported encoding: X-UNKNOWN"),
        (source("UTF-8").encode("utf-16"), 1, 31, "declares encoding UTF-8 but starts with a"),
    ],
    ids=["invalid-utf8", "latin1-as-utf8", "unknown", "bom-contradicts"],
)
def test_encoding_errors_name_line_and_column(data, line, column, message, tmp_path) -> None:
    path = tmp_path / "letter.xml"
    path.write_bytes(data)
    with pytest.raises(SourceError) as info:
        load(path)
    assert (info.value.line, info.value.column) == (line, column)
    assert message in str(info.value)
    assert "\n" not in str(info.value)
    assert str(info.value).startswith(f"{path}:{line}:{column}: ")


def _laughs(levels: int = 12) -> str:
    entities = '<!ENTITY e0 "lol">' + "".join(
        f'<!ENTITY e{i} "{("&e" + str(i - 1) + ";") * 10}">' for i in range(1, levels)
    )
    return f"<!DOCTYPE letter [{entities}]>\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_doctype_refused_before_it_is_read(encoding: str, tmp_path: Path) -> None:
    text = source("UTF-8" if encoding == "utf-8" else "UTF-16").replace(
        "<letter ", "<!-- a comment first -->\n" + _laughs() + "<letter ", 1
    )
    path = tmp_path / "letter.xml"
    path.write_bytes(text.replace(TEXT, f"&e{11};").encode(encoding))
    start = time.perf_counter()
    with pytest.raises(SourceError, match="a DOCTYPE is not allowed") as info:
        load(path)
    assert time.perf_counter() - start < 1
    if encoding == "utf-8":
        assert (info.value.line, info.value.column) == (3, 1)


def test_doctype_text_in_a_comment_is_harmless(tmp_path: Path) -> None:
    path = tmp_path / "letter.xml"
    path.write_text(MINIMAL.replace("<p>Tekst.</p>", "<!-- <!DOCTYPE x> --><p>Tekst.</p>"))
    assert body_text(path) == "Tekst."


def test_processing_instructions_are_dropped(tmp_path: Path) -> None:
    path = tmp_path / "letter.xml"
    path.write_text(MINIMAL.replace("Tekst.", "Tek<?xpp qa?>st."))
    assert body_text(path) == "Tekst."
