"""What an MDTO `bestand` says of a file, read from the file's own bytes.

Size and SHA-256 from the bytes; the format (a PRONOM identifier, PUID) from
what the file declares: a PDF's PDF/A part and level in its XMP (checked in
the tests against what siegfried identifies); the date of the checksum is the
date the file itself bears (a PDF's xmp:ModifyDate: the letter's date, or
SOURCE_DATE_EPOCH), never the clock, so the same file gives the same record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from dataclasses import dataclass

import pikepdf

from briefpers.errors import RenderError

# PRONOM identifiers (The National Archives' registry) of the formats briefpers
# writes, as siegfried identifies our files: (PDF/A part, conformance) → PUID.
PDFA_PUIDS = {
    (2, "A"): "fmt/476",
    (3, "A"): "fmt/479",
    (4, "F"): "fmt/1912",
}
PDFA_FORMAT = "Acrobat PDF/A - Portable Document Format"
HTML5_PUID = "fmt/471"
HTML5_FORMAT = "Hypertext Markup Language 5"
PRONOM = "PRONOM-register"


@dataclass(frozen=True)
class FileFacts:
    """One file of the letter, as its `bestand` record describes it."""

    name: str  # the file name in the output folder, "letter.pdf"
    size: int
    sha256: str
    puid: str
    format_label: str
    checksum_date: str  # xs:dateTime, e.g. "2022-01-14T00:00:00+00:00"


def pdf_facts(name: str, pdf: bytes) -> FileFacts:
    """The facts of an archival PDF: its PDF/A part and level decide the PUID."""
    try:
        with pikepdf.open(io.BytesIO(pdf)) as doc:
            meta = doc.open_metadata()
            part = meta.get("pdfaid:part")
            conformance = (meta.get("pdfaid:conformance") or "").upper()
            modified = meta.get("xmp:ModifyDate") or meta.get("xmp:CreateDate")
    except pikepdf.PdfError as exc:
        raise RenderError(f"the PDF cannot be read for its MDTO record: {exc}") from None
    key = (int(part), conformance) if part and str(part).isdigit() else None
    if key not in PDFA_PUIDS:
        raise RenderError(
            f"no PRONOM identifier known for PDF/A-{part}{conformance.lower()} "
            "(the MDTO record needs one)"
        )
    return FileFacts(
        name=name,
        size=len(pdf),
        sha256=hashlib.sha256(pdf).hexdigest(),
        puid=PDFA_PUIDS[key],
        format_label=f"{PDFA_FORMAT} {key[0]}{key[1].lower()}",
        checksum_date=_datetime(modified, name),
    )


def html_facts(name: str, page: bytes, date: str) -> FileFacts:
    """The facts of the web edition; its date is the PDF's (both are made from one source)."""
    return FileFacts(
        name=name,
        size=len(page),
        sha256=hashlib.sha256(page).hexdigest(),
        puid=HTML5_PUID,
        format_label=HTML5_FORMAT,
        checksum_date=date,
    )


def _datetime(value: str | None, name: str) -> str:
    """An XMP date as xs:dateTime with its offset (a date alone: midnight UTC)."""
    if not value:
        raise RenderError(f"{name} names no date (xmp:ModifyDate) for its MDTO checksum")
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise RenderError(f"{name}: xmp:ModifyDate {value!r} is not a date") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.isoformat(timespec="seconds")
