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
from briefpers.mdto.record import (
    bestand,
    check_letter,
    decisions,
    informatieobject,
    refresh_bestand,
)
from briefpers.mdto.settings import MdtoSettings
from briefpers.outputs import file_record_name, record_name
from briefpers.source.model import Letter

SCHEMA = Path(__file__).resolve().parent / "schema" / "MDTO-XML1.0.1.xsd"

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
    "refresh_bestand",
    "signed_record",
]


def records(
    letter: Letter, files: Sequence[FileFacts], settings: MdtoSettings, *, stem: str
) -> dict[str, bytes]:
    """Every record of the letter: its informatieobject, then one bestand per file."""
    found = {record_name(stem): informatieobject(letter, files, settings)}
    for facts in files:
        found[file_record_name(facts.name)] = bestand(letter, facts, settings)
    return found


def signed_record(record: bytes, pdf_name: str, signed: bytes) -> bytes:
    """The PDF's `bestand` record for its signed bytes (size, checksum; same date)."""
    return refresh_bestand(record, pdf_facts(pdf_name, signed))
