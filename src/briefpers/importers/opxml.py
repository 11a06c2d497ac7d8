"""Import a parliamentary letter from the official publication XML (op-xsd-2012).

The mapping is the table in docs/source-format.md §6. Parsing is as safe as
for letter sources (no DTD, no entities, no network; processing instructions
are removed, which rejoins words they split). An element this importer does
not know is reported with its path, and its text is kept.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from lxml import etree

from briefpers.errors import SourceError
from briefpers.importers.draft import (
    Draft,
    Imported,
    Reissue,
    append_block,
    collapse,
    has_text,
    parse_dutch_date,
    recipient_lines,
    remark,
    tidy,
)
from briefpers.source.load import MAX_SOURCE_BYTES, parse, read_source
from briefpers.source.model import append_text

ROOT = "officiele-publicatie"
LINK = re.compile(r"^(?:https?://|mailto:)\S+$")
EMPHASIS = {"vet": "strong", "cur": "em"}
# Lists whose items carry their own labels ("a.", "1°") are numbered lists.
ORDERED_TYPES = frozenset({"expliciet", "arabisch", "romeins", "alfabetisch", "letter"})
BULLETS = frozenset("•·▪◦-–—*")
# Containers whose children simply continue the flow.
TRANSPARENT = frozenset({"algemeen", "vrije-tekst", "tekst", "kamerstuk", "stuk"})
BLOCKS = frozenset(
    {"al", "tussenkop", "divisie", "lijst", "table", "plaatje", "vrije-tekst", "tekst"}
)
# (parent, child) pairs read as metadata or by the parent's handler.
CONSUMED = frozenset(
    {
        (ROOT, "metadata"),
        ("kamerstuk", "kamerstukkop"),
        ("kamerstuk", "dossier"),
        ("stuk", "stuknr"),
        ("stuk", "titel"),
        ("divisie", "kop"),
        ("bijlage", "kop"),
    }
)


def import_opxml_file(path: Path, *, reissue: Reissue | None = None) -> Imported:
    """Read an official-publication XML file and import it."""
    data = read_source(path)  # bounded read; missing or unreadable → SourceError
    return import_opxml(data, path, reissue=reissue)


def import_opxml(
    data: bytes, path: Path | str = "<input>", *, reissue: Reissue | None = None
) -> Imported:
    """Turn official XML bytes into a draft letter source."""
    if len(data) > MAX_SOURCE_BYTES:
        raise SourceError(f"more than {MAX_SOURCE_BYTES} bytes", path=path)
    tree = parse(data, path)
    root = tree.getroot()
    if root.tag != ROOT:
        raise SourceError(
            f"not an official publication: the root is <{root.tag}>, not <{ROOT}>",
            path=path,
            line=root.sourceline,
        )
    return _Importer(tree, Path(path)).run(reissue)


class _Importer:
    def __init__(self, tree: etree._ElementTree, path: Path) -> None:
        self.tree = tree
        self.path = path
        self.draft = Draft(origin=f"{path.name} (official publication XML)")
        self.signed = False  # the letter's own tekst-sluiting has been read

    # -- reporting --

    def unknown(self, el: etree._Element, container: etree._Element | None = None) -> None:
        """Report an element we do not know (warning + comment)."""
        where = self.tree.getpath(el)
        message = f"unknown element <{el.tag}> at {where}: its text is kept"
        self.draft.warnings.append(f"{self.path}:{el.sourceline}: warning: {message}")
        if container is not None:
            container.append(remark(f"{message} (input line {el.sourceline})"))

    # -- the document --

    def run(self, reissue: Reissue | None) -> Imported:
        root = self.tree.getroot()
        self._metadata(root)
        stuk = root.find(".//stuk")
        if stuk is None:
            self.draft.note("letter", "no <stuk> found: the whole publication was read as text")
        for child in root:
            self.flow(child, self.draft.body)
        if self.draft.signatories:
            self.draft.note("sender", f"the first signatory is: {self.draft.signatories[0][0]}")
        if reissue:
            self.draft.set_reissue(*reissue, today=dt.date.today())
        return self.draft.finish()

    def _metadata(self, root: etree._Element) -> None:
        meta = {}
        for el in root.iterfind("metadata/meta"):
            meta.setdefault(el.get("name", ""), (el.get("content") or "").strip())
        d = self.draft
        dossier = _text(root.find(".//dossier/dossiernummer/dossiernr"))
        d.dossier = (dossier or meta.get("OVERHEIDop.dossiernummer") or "").replace(" ", "") or None
        number = _text(root.find(".//stuk/stuknr/ondernummer"))
        if number:
            number = re.sub(r"^Nr\.?\s*", "", number, flags=re.IGNORECASE)
        d.number = number or meta.get("OVERHEIDop.ondernummer") or None
        if d.number and not d.dossier:
            d.number = None  # the schema has no number without a dossier
        title = _text(root.find(".//stuk/titel"))
        d.subject = meta.get("DC.title") or meta.get("OVERHEIDop.documenttitel") or title
        if title and d.subject != title:
            d.note("subject", f"document title as printed: {title}")
        dossier_title = _text(root.find(".//dossier/titel"))
        if dossier_title:
            d.note("parliamentary", f"dossier title: {dossier_title}")
        lines = [
            _text(line) or line.get("inhoud")
            for line in root.iterfind(".//kamerstukkop/tekstregel")
        ]
        lines = [line for line in lines if line]
        if lines:
            d.note("letter", "printed header: " + " | ".join(lines))
        self._date(meta, root)
        self._recipient(meta, lines)

    def _date(self, meta: dict[str, str], root: etree._Element) -> None:
        d = self.draft
        for name in ("OVERHEIDop.datumBrief", "OVERHEIDop.datumOndertekening"):
            if date := _iso(meta.get(name)):
                d.date = date
                return
        for el in root.iterfind(".//tekst-sluiting//dagtekening"):
            if date := parse_dutch_date(_text(el) or ""):
                d.date = date
                return
        if date := _iso(meta.get("DCTERMS.issued") or meta.get("DC.date")):
            d.date = date
            d.note("date", "the date of publication: the letter itself may be older")

    def _recipient(self, meta: dict[str, str], header: list[str]) -> None:
        d = self.draft
        if to := meta.get("OVERHEIDop.ontvanger"):
            d.recipient.extend(recipient_lines(to))
            return
        chamber = next((line for line in header if "Kamer der Staten-Generaal" in line), None)
        if chamber:
            chamber = re.sub(r"\s+\d$", "", chamber)
            d.recipient.extend(recipient_lines(f"De Voorzitter van de {chamber}"))
            d.note("recipient", f"derived from the printed header ({chamber})")

    # -- the flow of blocks --

    def flow(self, el: etree._Element, container: etree._Element) -> None:
        """Read one element into `container` (body, section or annex)."""
        tag = el.tag
        if not isinstance(tag, str):
            return
        parent = el.getparent()
        if parent is not None and (parent.tag, tag) in CONSUMED:
            return
        if tag in TRANSPARENT:
            self.children(el, container)
        elif tag == "al":
            append_block(container, self.block("p", el))
        elif tag == "tussenkop":
            section = etree.SubElement(container, "section")
            section.append(self.inline(el, etree.Element("heading")))
        elif tag == "divisie":
            self.divisie(el, container)
        elif tag == "lijst":
            append_block(container, self.lijst(el))
        elif tag == "table":
            self.table(el, container)
        elif tag == "plaatje":
            self.plaatje(el, container)
        elif tag == "tekst-sluiting":
            self.sluiting(el, container)
        elif tag == "ondertekening":
            p = etree.Element("p")
            self._signature_text(el, p)
            append_block(container, tidy(p))
        elif tag == "bijlage":
            self.bijlage(el)
        else:
            self.unknown(el, container)
            if any(child.tag in BLOCKS for child in el):
                self.children(el, container)  # a wrapper around blocks
            elif has_text(el):
                append_block(container, self.block("p", el))

    def children(self, el: etree._Element, container: etree._Element) -> None:
        for child in el:
            self.flow(child, container)

    def block(self, tag: str, el: etree._Element) -> etree._Element:
        return tidy(self.inline(el, etree.Element(tag)))

    def divisie(self, el: etree._Element, container: etree._Element) -> None:
        heading = self.kop(el)
        if heading is None:  # a division without a heading only groups
            self.children(el, container)
            return
        section = etree.SubElement(container, "section")
        section.append(heading)
        self.children(el, section)

    def kop(self, el: etree._Element) -> etree._Element | None:
        """`kop` (nr, titel) as a heading, keeping the number as text."""
        kop = el.find("kop")
        if kop is None or not has_text(kop):
            return None
        heading = etree.Element("heading")
        for part in kop:
            if isinstance(part.tag, str):
                if part.tag not in ("nr", "titel", "label"):
                    self.unknown(part, heading)
                if len(heading) or heading.text:
                    append_text(heading, " ")
                self.inline(part, heading)
        return tidy(heading)

    def lijst(self, el: etree._Element) -> etree._Element:
        items = [li for li in el if li.tag == "li"]
        labels = [_text(li.find("li.nr")) or "" for li in items]
        ordered = el.get("type") in ORDERED_TYPES and not all(
            label in BULLETS or not label for label in labels
        )
        out = etree.Element("ol" if ordered else "ul")
        if ordered and any(label.strip(".)") != str(n) for n, label in enumerate(labels, 1)):
            out.append(remark(f"the labels {', '.join(labels)} are numbered 1, 2, 3 … now"))
        for child in el:
            if not isinstance(child.tag, str):
                continue
            if child.tag != "li":
                self.unknown(child, out)
                continue
            out.append(self.item(child))
        if not len(out.findall("li")):
            out.append(etree.Element("li"))  # a list needs an item; keep the comments
        return out

    def item(self, li: etree._Element) -> etree._Element:
        out = etree.Element("li")
        nested: list[etree._Element] = []
        for child in li:
            if not isinstance(child.tag, str) or child.tag == "li.nr":
                continue
            if child.tag == "lijst":
                nested.append(self.lijst(child))
            elif child.tag == "al":
                if len(out) or (out.text or "").strip():
                    etree.SubElement(out, "br")
                self.inline(child, out)
            else:
                self.unknown(child, out)
                self.inline(child, out)
        tidy(out)
        out.extend(nested)
        return out

    def table(self, el: etree._Element, container: etree._Element) -> None:
        out = etree.Element("table")
        title = el.find("title")
        if title is not None:
            out.append(self.block("caption", title))
        for child in el:
            if isinstance(child.tag, str) and child.tag not in ("tgroup", "title"):
                self.unknown(child, container)
        for group in el.findall("tgroup"):
            self.tgroup(group, out)
        if out.find("tr") is None:
            container.append(remark(f"an empty table (input line {el.sourceline}) was left out"))
            return
        append_block(container, out)

    def tgroup(self, group: etree._Element, out: etree._Element) -> None:
        names = [spec.get("colname") for spec in group.findall("colspec")]
        spans = {
            spec.get("spanname"): (spec.get("namest"), spec.get("nameend"))
            for spec in group.findall("spanspec")
        }
        for part, cell in (("thead", "th"), ("tbody", "td"), ("tfoot", "td")):
            for section in group.findall(part):
                for row in section.findall("row"):
                    tr = etree.Element("tr")
                    for entry in row.findall("entry"):
                        tr.append(self.entry(entry, cell, names, spans))
                    if len(tr):
                        out.append(tr)

    def entry(self, entry, cell: str, names: list, spans: dict) -> etree._Element:
        out = etree.Element(cell)
        start, end = entry.get("namest"), entry.get("nameend")
        if entry.get("spanname") in spans:
            start, end = spans[entry.get("spanname")]
        if start in names and end in names and names.index(end) > names.index(start):
            out.set("colspan", str(names.index(end) - names.index(start) + 1))
        if (more := entry.get("morerows", "")).isdigit() and int(more) > 0:
            out.set("rowspan", str(int(more) + 1))
        self.inline(entry, out, paragraphs=True)
        return tidy(out)

    def plaatje(self, el: etree._Element, container: etree._Element) -> None:
        names = [i.get("naam") for i in el.iter("illustratie") if i.get("naam")]
        name = ", ".join(names) or "zonder naam"
        container.append(
            remark(
                f"an image ({name}) was not imported: put the file in the letter's folder "
                "and write a <figure> with an alt text"
            )
        )
        p = etree.Element("p")
        p.text = f"[Afbeelding: {name}]"
        append_block(container, p)

    def sluiting(self, el: etree._Element, container: etree._Element) -> None:
        """The letter's closing: signatures (and a closing formula)."""
        if self.signed or container is not self.draft.body:
            for child in el:
                self.flow(child, container)
            return
        self.signed = True
        for child in el:
            if not isinstance(child.tag, str):
                continue
            if child.tag == "ondertekening":
                function = _text(child.find("functie")) or ""
                name_el = child.find("naam")
                name = " ".join(_text(n) or "" for n in name_el) if name_el is not None else ""
                if name_el is not None and (name_el.text or "").strip():
                    name = f"{name_el.text.strip()} {name}"
                self.draft.signatories.append((function, collapse(name.strip()) or ""))
            elif child.tag == "slotformulering" and not self.draft.closing:
                self.draft.closing = _text(child)
            elif child.tag == "dagtekening":
                continue  # read as the date
            else:
                self.flow(child, container)

    def _signature_text(self, el: etree._Element, p: etree._Element) -> None:
        for part in el:
            if isinstance(part.tag, str):
                if len(p) or p.text:
                    etree.SubElement(p, "br")
                append_text(p, " ".join("".join(part.itertext()).split()))

    def bijlage(self, el: etree._Element) -> None:
        annex = etree.Element("annex")
        heading = self.kop(el)
        if heading is not None:
            heading.tag = "title"
            annex.append(heading)
        self.draft.annexes.append(annex)
        for child in el:
            self.flow(child, annex)

    # -- inline content --

    def inline(
        self,
        src: etree._Element,
        dst: etree._Element,
        *,
        paragraphs: bool = False,
        in_note: bool = False,
    ) -> etree._Element:
        """Copy src's mixed content into dst (mapped to source inline elements)."""
        append_text(dst, src.text)
        first = True
        for child in src:
            tag = child.tag
            if not isinstance(tag, str):
                append_text(dst, child.tail)
                continue
            if tag == "al" and (paragraphs or in_note):
                if not first:
                    append_text(dst, " ") if in_note else etree.SubElement(dst, "br")
                self.inline(child, dst, in_note=in_note)
                first = False
            elif tag == "nadruk":
                out = etree.SubElement(dst, EMPHASIS.get(child.get("type", ""), "span"))
                if out.tag == "span":
                    dst.insert(len(dst) - 1, remark(f"emphasis type {child.get('type')!r}"))
                self.inline(child, out, in_note=in_note)
            elif tag in ("sup", "inf"):
                out = etree.SubElement(dst, "sup" if tag == "sup" else "sub")
                self.inline(child, out, in_note=in_note)
            elif tag == "br":
                append_text(dst, " ") if in_note else etree.SubElement(dst, "br")
            elif tag == "extref":
                href = (child.get("doc") or "").strip()
                if LINK.match(href):
                    self.inline(child, etree.SubElement(dst, "a", href=href), in_note=in_note)
                else:
                    self.inline(child, dst, in_note=in_note)
            elif tag == "intref":
                self.inline(child, dst, in_note=in_note)
            elif tag == "noot":
                self.noot(child, dst, in_note)
            else:
                self.unknown(child, dst)
                self.inline(child, dst, in_note=in_note)
            append_text(dst, child.tail)
        return dst

    def noot(self, el: etree._Element, dst: etree._Element, in_note: bool) -> None:
        if in_note:  # a note inside a note: keep its text in brackets
            dst.append(remark("a footnote inside a footnote, kept in brackets"))
            append_text(dst, " (")
            self.inline(el, dst, in_note=True)
            append_text(dst, ")")
            return
        note = etree.SubElement(dst, "note")
        for child in el:
            if not isinstance(child.tag, str) or child.tag == "noot.nr":
                continue
            if len(note) or (note.text or "").strip():
                append_text(note, " ")
            if child.tag == "noot.al":
                self.inline(child, note, in_note=True)
            else:
                self.unknown(child, note)
                self.inline(child, note, in_note=True)
        tidy(note)


def _text(el: etree._Element | None) -> str | None:
    if el is None:
        return None
    return " ".join("".join(el.itertext()).split()) or None


def _iso(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((value or "")[:10])
    except ValueError:
        return None
