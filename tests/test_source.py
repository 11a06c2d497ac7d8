"""Loading letter sources: valid examples, and errors that name file, line, column."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from briefpers.errors import ExitCode, SourceError
from briefpers.source.load import load

from .conftest import EXAMPLES, INPUT

MINIMAL = """<?xml version="1.0" encoding="UTF-8"?>
<letter version="1" xml:lang="nl">
  <sender><organisation><line>Ministerie van Voorbeelden</line></organisation></sender>
  <recipient><line>De Voorzitter</line></recipient>
  <date>2023-05-19</date>
  <subject>Een onderwerp</subject>
  <body><p>Tekst.</p></body>
</letter>
"""


def write(tmp_path: Path, text: str, name: str = "letter.xml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("source", EXAMPLES, ids=lambda p: p.stem)
def test_examples_are_valid(source: Path) -> None:
    letter = load(source)
    assert letter.subject_text
    assert letter.sender.organisation


def test_seed_model_fields() -> None:
    letter = load(INPUT / "navo-ministeriele-2022.xml")
    assert letter.lang == "nl"
    assert letter.date == dt.date(2022, 1, 14)
    assert letter.sender.organisation == ("Ministerie van", "Buitenlandse Zaken")
    assert [s.name for s in letter.signatories] == ["W.B. Hoekstra", ""]
    assert letter.signatories[1].function == "[Ondertekenaar 2]"
    assert len(letter.annexes) == 1
    assert letter.attachments == 1
    assert letter.identifier == "BZ2200001"


def test_minimal_letter_loads(tmp_path: Path) -> None:
    letter = load(write(tmp_path, MINIMAL))
    assert letter.subject_text == "Een onderwerp"
    assert letter.signatories == ()
    assert letter.identifier is None


def test_not_well_formed_names_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL.replace("<p>Tekst.</p>", "<p>Tekst.</q>"))
    with pytest.raises(SourceError) as info:
        load(path)
    err = info.value
    assert err.exit_code == ExitCode.INVALID_SOURCE
    assert err.line == 7
    assert err.column is not None and err.column > 0
    assert str(err).startswith(f"{path}:7:")
    assert "not well-formed" in str(err)


def test_schema_violation_names_line(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL.replace("<date>2023-05-19</date>", "<datum>2023-05-19</datum>"))
    with pytest.raises(SourceError) as info:
        load(path)
    assert info.value.line == 5
    assert "datum" in str(info.value)
    assert "\n" not in str(info.value)


def test_bad_date_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL.replace("2023-05-19", "19 mei 2023"))
    with pytest.raises(SourceError, match="date"):
        load(path)


def test_doctype_and_entities_are_refused(tmp_path: Path) -> None:
    evil = MINIMAL.replace(
        '<letter version="1"',
        '<!DOCTYPE letter [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<letter version="1"',
    ).replace("Tekst.", "&x;")
    with pytest.raises(SourceError, match="DOCTYPE"):
        load(write(tmp_path, evil))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file"):
        load(tmp_path / "absent.xml")
