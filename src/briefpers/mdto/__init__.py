"""MDTO records for an archive: a stage, a function of the letter, its files' facts
and the office's settings (MDTO: Metagegevens voor Duurzaam Toegankelijke
Overheidsinformatie, the Nationaal Archief's metadata standard, XML schema 1.0.1).

    records(letter, [pdf_facts("x.pdf", pdf)], settings)
      → {"x.mdto.xml": …, "x.pdf.bestand.mdto.xml": …}

`schema/MDTO-XML1.0.1.xsd` is the official schema (see schema/README.md); the
tests validate every record against it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from briefpers.mdto.facts import FileFacts, html_facts, pdf_facts
from briefpers.mdto.record import bestand, check_letter, decisions, informatieobject
from briefpers.mdto.settings import MdtoSettings
from briefpers.source.model import Letter

SCHEMA = Path(__file__).resolve().parent / "schema" / "MDTO-XML1.0.1.xsd"
RECORD_SUFFIX = ".mdto.xml"
FILE_RECORD_SUFFIX = ".bestand.mdto.xml"

__all__ = [
    "SCHEMA",
    "FileFacts",
    "MdtoSettings",
    "check_letter",
    "decisions",
    "file_record_name",
    "html_facts",
    "pdf_facts",
    "record_name",
    "records",
]


def record_name(stem: str) -> str:
    """The letter's record beside its PDF: "x" → "x.mdto.xml"."""
    return stem + RECORD_SUFFIX


def file_record_name(file_name: str) -> str:
    """A file's record: "x.pdf" → "x.pdf.bestand.mdto.xml"."""
    return file_name + FILE_RECORD_SUFFIX


def records(
    letter: Letter, files: Sequence[FileFacts], settings: MdtoSettings, *, stem: str
) -> dict[str, bytes]:
    """Every record of the letter: its informatieobject, then one bestand per file."""
    found = {record_name(stem): informatieobject(letter, files, settings)}
    for facts in files:
        found[file_record_name(facts.name)] = bestand(letter, facts, settings)
    return found
