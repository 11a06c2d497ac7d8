"""A fast in-process preflight of an archival PDF (no Java, milliseconds).

It checks what briefpers promises (identification, metadata, tagging, the
embedded source) and runs the conformance gate (`check.gate`: missing
glyphs, separators in text, colour, implementation limits, unexpected
fonts). It does not replace veraPDF (`briefpers validate`), which checks
every rule.

The PDF may be hostile: only regular files are read, streams are decoded
with a cap, every walk is bounded and cycle-safe, and a damaged file is a
problem in the report, never an exception.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
from lxml import etree

from briefpers.check.gate import inspect
from briefpers.errors import CheckError
from briefpers.pdfsafe import (
    PDF_ERRORS,
    StreamTooLargeError,
    as_dict,
    describe,
    open_pdf,
    read_stream,
)
from briefpers.xmp_names import NS

RDF = NS["rdf"]
MAX_XMP_BYTES = 4 * 1024 * 1024  # our packets are a few kilobytes
UA_PARTS = ("1", "2")  # PDF/UA-1 (ISO 14289-1) and PDF/UA-2 (ISO 14289-2)

# The fonts a PDF may embed, given the theme its XMP names (bp:theme; None if
# it names none): font files and PostScript names, or None for "not checked".
FontRule = Callable[[str | None], Iterable[str | Path] | None]


@dataclass
class Report:
    path: Path
    problems: list[str] = field(default_factory=list)
    facts: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # remarks that do not fail the check

    @property
    def ok(self) -> bool:
        return not self.problems


def _xmp_values(xmp: etree._Element, prefix: str, name: str) -> list[str]:
    """All values of a property, whether written as attribute, text or array."""
    tag = f"{{{NS[prefix]}}}{name}"
    values: list[str] = []
    for desc in xmp.iter(f"{{{RDF}}}Description"):
        if tag in desc.attrib:
            values.append(desc.get(tag) or "")
        for el in desc.findall(tag):
            items = el.findall(f".//{{{RDF}}}li")
            if items:
                values.extend((li.text or "") for li in items)
            else:
                values.append(el.text or "")
    return values


def _pdf_date_to_iso(value: str) -> str | None:
    """`D:20220114000000+00'00'` → `2022-01-14T00:00:00+00:00`."""
    text = value[2:] if value.startswith("D:") else value
    try:
        moment = dt.datetime.strptime(text[:14], "%Y%m%d%H%M%S")
    except ValueError:
        return None
    tz = text[14:].replace("'", "")
    offset = "+00:00" if tz in ("Z", "", "+0000", "-0000") else f"{tz[:3]}:{tz[3:5]}"
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + offset


def preflight(path: Path, *, fonts: FontRule | None = None) -> Report:
    """Check one PDF; problems are plain sentences.

    `fonts` says which fonts the PDF may embed (see FontRule); without it
    the fonts are listed in the facts but not checked.
    """
    report = Report(Path(path))
    try:
        pdf = open_pdf(Path(path))
    except CheckError as exc:
        report.problems.append(exc.message)
        return report
    with pdf:
        try:
            _check(pdf, report, fonts)
        except StreamTooLargeError as exc:
            report.problems.append(f"too large to check: {exc}")
        except PDF_ERRORS as exc:
            report.problems.append(f"damaged PDF: {describe(exc)}")
    return report


def _check(pdf: pikepdf.Pdf, report: Report, fonts: FontRule | None) -> None:
    report.facts["pages"] = str(len(pdf.pages))
    theme = _promises(pdf, report)
    allowed = fonts(theme) if fonts is not None else None
    inspection = inspect(pdf, allowed_fonts=allowed)
    report.facts["fonts"] = ",".join(inspection.fonts) or "-"
    if fonts is not None and allowed is None and inspection.fonts:
        named = f"theme {theme!r} is not available here" if theme else "it names no theme"
        report.notes.append(f"its fonts were not compared with a theme's: {named}")
    report.problems.extend(inspection.problems)


def _promises(pdf: pikepdf.Pdf, report: Report) -> str | None:
    """What briefpers promises: identification, metadata, tags, the source.

    Returns the theme the XMP names (bp:theme), if any.
    """
    problems = report.problems
    root = pdf.Root
    if pdf.is_encrypted:
        problems.append("encrypted (PDF/A forbids encryption)")
    meta = root.get("/Metadata")
    if not isinstance(meta, pikepdf.Stream):
        problems.append("no XMP metadata")
        return None
    packet = read_stream(meta, MAX_XMP_BYTES)
    try:
        xmp = etree.fromstring(
            packet, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        )
    except etree.XMLSyntaxError as exc:
        problems.append(f"XMP is not well-formed: {exc}")
        return None

    def one(prefix: str, name: str) -> str | None:
        values = _xmp_values(xmp, prefix, name)
        return values[0] if values else None

    part, conformance = one("pdfaid", "part"), one("pdfaid", "conformance")
    ua = one("pdfuaid", "part")
    theme = one("bp", "theme")
    report.facts["pdfa"] = f"{part}{(conformance or '').lower()}" if part else "-"
    report.facts["pdfua"] = ua or "-"
    if not part or (not conformance and part != "4"):
        problems.append("PDF/A identification (pdfaid) missing")
    if ua not in UA_PARTS:
        problems.append("PDF/UA identification (pdfuaid:part 1 or 2) missing")
    if ua and b"pdfaExtension" not in packet and part in ("2", "3"):
        problems.append("pdfuaid is used but not declared in a pdfaExtension schema")

    info = as_dict(pdf.trailer.get("/Info")) or pikepdf.Dictionary()
    pairs = [
        ("/Title", "dc", "title", None),
        ("/Author", "dc", "creator", ", "),
        ("/Subject", "dc", "description", None),
        ("/Producer", "pdf", "Producer", None),
        ("/Creator", "xmp", "CreatorTool", None),
    ]
    for key, prefix, name, joiner in pairs:
        if key not in info:
            continue
        values = _xmp_values(xmp, prefix, name)
        value = joiner.join(values) if joiner else (values[0] if values else None)
        if str(info[key]) != value:
            problems.append(f"Info {key} differs from XMP {prefix}:{name}")
    for key, name in (("/CreationDate", "CreateDate"), ("/ModDate", "ModifyDate")):
        if key in info and _pdf_date_to_iso(str(info[key])) != one("xmp", name):
            problems.append(f"Info {key} differs from XMP xmp:{name}")
    for name in ("title", "language", "date"):
        if not _xmp_values(xmp, "dc", name):
            problems.append(f"XMP dc:{name} missing")

    if not str(root.get("/Lang", "")).strip():
        problems.append("no document language (/Lang)")
    mark = as_dict(root.get("/MarkInfo"))
    if mark is None or mark.get("/Marked") is not True:
        problems.append("not marked as tagged (/MarkInfo /Marked true)")
    if "/StructTreeRoot" not in root:
        problems.append("no structure tree")
    prefs = as_dict(root.get("/ViewerPreferences"))
    if prefs is None or prefs.get("/DisplayDocTitle") is not True:
        problems.append("/DisplayDocTitle is not true")

    names = as_dict(root.get("/Names"))
    if (names is not None and "/JavaScript" in names) or "/AA" in root:
        problems.append("contains JavaScript or automatic actions")
    action = as_dict(root.get("/OpenAction"))
    if action is not None and action.get("/S") == pikepdf.Name.JavaScript:
        problems.append("contains JavaScript")

    files = root.get("/AF")
    specs = list(files)[:1024] if isinstance(files, pikepdf.Array) else []
    sources = [
        spec
        for spec in map(as_dict, specs)
        if spec is not None and spec.get("/AFRelationship") == "/Source" and "/EF" in spec
    ]
    report.facts["source"] = str(sources[0].get("/UF", "")) if sources else "-"
    if (part == "3" or (part, conformance) == ("4", "F")) and not sources:
        problems.append("no embedded XML source (/AF with /AFRelationship /Source)")

    return theme
