"""A fast in-process preflight of an archival PDF (no Java, milliseconds).

It checks what briefpers promises and what breaks archives most often; it
does not replace veraPDF (`briefpers validate`), which checks every rule.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
from lxml import etree

from briefpers.archive.xmp import NS

RDF = NS["rdf"]


@dataclass
class Report:
    path: Path
    problems: list[str] = field(default_factory=list)
    facts: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def _xmp_values(xmp: etree._Element, prefix: str, name: str) -> list[str]:
    """All values of a property, whether written as attribute, text or array."""
    tag = f"{{{NS[prefix]}}}{name}"
    values = []
    for desc in xmp.iter(f"{{{RDF}}}Description"):
        if tag in desc.attrib:
            values.append(desc.get(tag))
        for el in desc.findall(tag):
            items = el.findall(f".//{{{RDF}}}li")
            values.extend((li.text or "") for li in items) if items else values.append(
                el.text or ""
            )
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


def _fonts(pdf: pikepdf.Pdf):
    seen = set()
    for page in pdf.pages:
        stack = [page.obj.get("/Resources")]
        while stack:
            res = stack.pop()
            if not isinstance(res, pikepdf.Dictionary):
                continue
            for font in (res.get("/Font") or {}).values():
                if font.objgen in seen:
                    continue
                seen.add(font.objgen)
                yield font
            for xobj in (res.get("/XObject") or {}).values():
                if xobj.get("/Subtype") == "/Form":
                    stack.append(xobj.get("/Resources"))


def _embedded(font: pikepdf.Object) -> bool:
    if font.get("/Subtype") == "/Type3":
        return True
    if font.get("/Subtype") == "/Type0":
        font = font.DescendantFonts[0]
    desc = font.get("/FontDescriptor")
    return desc is not None and any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))


def preflight(path: Path) -> Report:
    """Check one PDF; problems are plain sentences."""
    report = Report(path)
    problems = report.problems
    try:
        pdf = pikepdf.open(path)
    except pikepdf.PasswordError:
        problems.append("encrypted")
        return report
    except (pikepdf.PdfError, OSError) as exc:
        problems.append(f"cannot be read as PDF: {exc}")
        return report
    with pdf:
        if pdf.is_encrypted:
            problems.append("encrypted")
        root = pdf.Root
        meta = root.get("/Metadata")
        if meta is None:
            problems.append("no XMP metadata")
            return report
        try:
            xmp = etree.fromstring(
                meta.read_bytes(), etree.XMLParser(resolve_entities=False, no_network=True)
            )
        except etree.XMLSyntaxError as exc:
            problems.append(f"XMP is not well-formed: {exc}")
            return report

        def one(prefix: str, name: str) -> str | None:
            values = _xmp_values(xmp, prefix, name)
            return values[0] if values else None

        part, conformance = one("pdfaid", "part"), one("pdfaid", "conformance")
        ua = one("pdfuaid", "part")
        report.facts["pdfa"] = f"{part}{(conformance or '').lower()}" if part else "-"
        report.facts["pdfua"] = ua or "-"
        if not part or not conformance:
            problems.append("PDF/A identification (pdfaid) missing")
        if ua not in ("1", "2"):
            problems.append("PDF/UA identification (pdfuaid:part 1 or 2) missing")
        if ua and b"pdfaExtension" not in meta.read_bytes():
            problems.append("pdfuaid is used but not declared in a pdfaExtension schema")

        info = pdf.trailer.get("/Info") or pikepdf.Dictionary()
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
        mark = root.get("/MarkInfo")
        if mark is None or not bool(mark.get("/Marked", False)):
            problems.append("not marked as tagged (/MarkInfo /Marked true)")
        if "/StructTreeRoot" not in root:
            problems.append("no structure tree")
        prefs = root.get("/ViewerPreferences") or {}
        if not bool(prefs.get("/DisplayDocTitle", False)):
            problems.append("/DisplayDocTitle is not true")

        names = root.get("/Names") or {}
        if "/JavaScript" in names or "/AA" in root:
            problems.append("contains JavaScript or automatic actions")
        action = root.get("/OpenAction")
        if isinstance(action, pikepdf.Dictionary) and action.get("/S") == "/JavaScript":
            problems.append("contains JavaScript")

        missing = sorted({str(f.get("/BaseFont", "?")) for f in _fonts(pdf) if not _embedded(f)})
        if missing:
            problems.append(f"fonts not embedded: {', '.join(missing)}")

        sources = [
            spec
            for spec in root.get("/AF", [])
            if spec.get("/AFRelationship") == "/Source" and "/EF" in spec
        ]
        report.facts["source"] = str(sources[0].get("/UF", "")) if sources else "-"
        if (part == "3" or (part, conformance) == ("4", "F")) and not sources:
            problems.append("no embedded XML source (/AF with /AFRelationship /Source)")
        report.facts["pages"] = str(len(pdf.pages))
    return report
