"""Import an official publication (op-xsd-2012 XML) into a letter source.

Kamerstukken, Staatsblad, Staatscourant and the decentral papers share one
vocabulary without a namespace: `officiele-publicatie` holds a masthead
(`kop`), the inline `metadata`, and one publication (`kamerstuk`,
`staatsblad`, `staatscourant`, `gemeenteblad`, …). The metadata usually
lives in a separate record (`oprecord`): the date, title, dossier, number and
document title come from there where the document lacks them, and a record
that disagrees with the document is an error naming both values.

Parsing is as safe as for letter sources (no DTD, no entities, no network;
processing instructions are removed, which rejoins words they split). No
text is dropped silently: every text of the input reaches the output, or a
`briefpers-import` comment that names its path.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from briefpers.errors import SourceError
from briefpers.importers.draft import (
    Draft,
    Imported,
    Reissue,
    append_block,
    has_text,
    letter_date,
    parse_dutch_date,
    plain_text,
    recipient_lines,
    remark,
    tidy,
)
from briefpers.importers.kamerstuk import official_dossier, same_dossier, sender_from_title
from briefpers.importers.oprecord import (
    Record,
    find_record,
    inline_record,
    read_record,
    record_identifier,
)
from briefpers.limits import Limits
from briefpers.source.load import parse, read_source
from briefpers.source.model import append_text

ROOT = "officiele-publicatie"
LINK = re.compile(r"^(?:https?://|mailto:)\S+$")
NCNAME = re.compile(r"^[A-Za-z_][\w.-]*$")
EMPHASIS = {"vet": "strong", "cur": "em"}
BULLETS = frozenset("•·▪◦-–—*")
# Publications and containers whose children simply continue the flow.
TRANSPARENT = frozenset(
    {
        "algemeen", "vrije-tekst", "tekst", "al-groep", "wet-besluit", "aanhef", "considerans",
        "afkondiging", "wettekst", "zakelijke-mededeling", "zakelijke-mededeling-tekst",
        "staatsblad", "staatscourant", "gemeenteblad", "provinciaalblad", "waterschapsblad",
        "blad-gemeenschappelijke-regeling", "uitgifte", "regeling", "regeling-tekst",
        "kamerstuk",
    }
)  # fmt: skip
# Elements whose text is a paragraph of its own.
PARAGRAPHS = frozenset({"al", "wij", "considerans.al", "koning", "datumtekst", "datum"})
INLINE = frozenset(
    {"nadruk", "sup", "inf", "br", "extref", "intref", "noot", "nootref", "dossierref", "plaatje"}
)
# Elements that sign and date a text: their `ondertekening` children are signatories.
CLOSINGS = frozenset({"tekst-sluiting", "wetsluiting"})
TO = re.compile(r"^Aan (de|het)\s+(\S.*)$")
PLACE_DATE = re.compile(r"^([A-Z’'][\w’' .-]{0,40}),\s+([0-9]{1,2}\s+\w+\s+[0-9]{4})\.?$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
SENDER_SCHEMES = {
    "OVERHEID.Gemeente": "Gemeente {}",
    "OVERHEID.Provincie": "Provincie {}",
    "OVERHEID.Waterschap": "Waterschap {}",
}


def import_opxml_file(
    path: Path,
    *,
    reissue: Reissue | None = None,
    metadata: Path | None = None,
    limits: Limits | None = None,
) -> Imported:
    """Read a publication and its metadata record (given, or found beside it) and import it."""
    limits = limits or Limits()  # the CLI passes the settings read from the environment
    data = read_source(path, limits)  # bounded read; missing or unreadable → SourceError
    record_path = metadata or find_record(path)
    record = read_record(record_path, limits) if record_path is not None else None
    return import_opxml(data, path, reissue=reissue, record=record, limits=limits)


def import_opxml(
    data: bytes,
    path: Path | str = "<input>",
    *,
    reissue: Reissue | None = None,
    record: Record | None = None,
    limits: Limits | None = None,
) -> Imported:
    """Turn official XML bytes (and its metadata record) into a draft letter source."""
    tree = parse(data, path, limits or Limits())  # refuses a file over the limit
    root = tree.getroot()
    if root.tag != ROOT:
        raise SourceError(
            f"not an official publication: the root is <{root.tag}>, not <{ROOT}>",
            path=path,
            line=root.sourceline,
        )
    return _Importer(tree, Path(path), record or Record()).run(reissue)


@dataclass
class _Fact:
    """A value read from the document, and where."""

    value: str
    el: etree._Element


class _Importer:
    def __init__(self, tree: etree._ElementTree, path: Path, record: Record) -> None:
        self.tree = tree
        self.path = path
        self.record = record
        self.inline_meta = inline_record(tree.getroot())
        self.draft = Draft(origin=f"{path.name} (official publication XML)", source=str(path))
        self.signed = False  # the letter's own closing has been read
        self.used_text: set[etree._Element] = set()
        self.used_tail: set[etree._Element] = set()
        self.note_ids: dict[str, str] = {}  # input id → output id
        self.notes: dict[str, etree._Element] = {}  # output id → note
        self.refs: list[tuple[etree._Element, str, etree._Element]] = []  # (noteref, refid, src)
        self.note_count = 0
        self.opening = True  # still before the first paragraph of the body
        self.date: _Fact | None = None  # the date the document itself gives
        self.chamber: str | None = None  # from the printed header

    # -- bookkeeping: every text of the input is placed or remarked on --

    def where(self, el: etree._Element) -> str:
        return self.tree.getpath(el)

    def take(self, el: etree._Element, with_tail: bool = False) -> str:
        """All text under el, as read into a field: marked as placed. Words on
        either side of a block boundary stay apart; inline markup joins."""
        parts: list[str] = []

        def walk(node: etree._Element) -> None:
            self.used_text.add(node)
            parts.append(node.text or "")
            for child in node:
                self.used_tail.add(child)
                if isinstance(child.tag, str):
                    gap = "" if child.tag in INLINE else " "
                    parts.append(gap)
                    walk(child)
                    parts.append(gap)
                parts.append(child.tail or "")

        walk(el)
        if with_tail:
            self.used_tail.add(el)
        return " ".join("".join(parts).split())

    def say(self, container: etree._Element | None, text: str, el: etree._Element) -> None:
        """A remark in the output (when a container is given) and a warning."""
        self.draft.warnings.append(f"{self.path}:{el.sourceline}: warning: {text}")
        if container is None:
            return
        comment = remark(f"{text} (input line {el.sourceline})")
        if container.tag in ("body", "section", "annex"):
            append_block(container, comment)
        else:
            container.append(comment)

    def unknown(self, el: etree._Element, container: etree._Element | None) -> None:
        self.say(container, f"unknown element <{el.tag}> at {self.where(el)}: its text is kept", el)

    # -- the document --

    def run(self, reissue: Reissue | None) -> Imported:
        root = self.tree.getroot()
        d = self.draft
        self._check_identifier()
        kamerstuk = root.find("kamerstuk")
        if kamerstuk is not None and kamerstuk.find("stuk") is not None:
            d.kind = "kamerstuk"
        for child in root:
            self.flow(child, d.body)
        self._resolve_refs()
        self._from_record()
        self._sender()
        self._leftovers()
        if reissue:
            d.set_reissue(reissue, found_by="the document")
        return d.finish()

    def _check_identifier(self) -> None:
        named = record_identifier(self.inline_meta) or self.inline_meta.get("DC.identifier")
        given = self.record.get("DC.identifier")
        if named and given and named.lower() != given.lower():
            self._disagree("identifier", given, named, self.tree.getroot().find("metadata"))

    def _disagree(self, what: str, record: str, document: str, el: etree._Element | None) -> None:
        where = f" ({self.where(el)})" if el is not None else ""
        raise SourceError(
            f"the metadata record {self.record.path or ''} gives {what} {record!r}, but the "
            f"document gives {document!r}{where}",
            path=self.path,
            line=el.sourceline if el is not None else None,
        )

    def meta(self, name: str) -> str | None:
        """A metadata value: the record's, else the document's own `meta`."""
        return self.record.get(name) or self.inline_meta.get(name)

    def _from_record(self) -> None:
        """Fill what the document lacks from the record; refuse what contradicts it."""
        d = self.draft
        record_dossier = self.meta("OVERHEIDop.dossiernummer")
        if d.dossier and record_dossier and not same_dossier(d.dossier, record_dossier):
            el = self.tree.getroot().find(".//dossier/dossiernummer")
            self._disagree("dossier number", record_dossier, d.dossier, el)
        record_number = self.meta("OVERHEIDop.ondernummer")
        if d.number and record_number and d.number.upper() != record_number.upper():
            el = self.tree.getroot().find(".//stuk/stuknr")
            self._disagree("document number", record_number, d.number, el)
        if d.kind == "kamerstuk":
            if not d.dossier and record_dossier:
                d.dossier = official_dossier(record_dossier)
            d.number = d.number or record_number
            if d.dossier_title is None and (title := self.meta("OVERHEIDop.dossiertitel")):
                d.dossier_title = _plain("dossier-title", title)
            if d.document_title is None and (title := self.meta("OVERHEIDop.documenttitel")):
                d.document_title = _plain("document-title", title)
        self._date()
        if not d.subject:
            title = d.dossier_title if d.kind == "kamerstuk" else None
            d.subject = plain_text(title) or self.meta("DC.title") or plain_text(d.document_title)
        if (language := self.meta("DCTERMS.language")) and LANGUAGE.match(language):
            d.lang = language
        if not d.recipient and (to := self.meta("OVERHEIDop.ontvanger")):
            d.recipient.extend(recipient_lines(to))
        if not d.recipient and d.kind == "kamerstuk" and self.chamber:
            d.recipient.extend(recipient_lines(f"De Voorzitter van de {self.chamber}"))
            d.note("recipient", f"derived from the printed header ({self.chamber})")

    def _date(self) -> None:
        d = self.draft
        record_date = letter_date(_iso(self.meta("OVERHEIDop.datumBrief")))
        if self.date is not None:
            own = letter_date(_iso(self.date.value)) or parse_dutch_date(self.date.value)
            if own and record_date and own != record_date:
                self._disagree(
                    "the letter's date", record_date.isoformat(), own.isoformat(), self.date.el
                )
            d.date = own or record_date
        else:
            d.date = record_date
        if d.date is None and (signed := self._date_line()) is not None:
            d.date = signed
            return
        if d.date is None:
            for name in ("DCTERMS.issued", "DCTERMS.available", "DC.date"):
                if date := letter_date(_iso(self.meta(name))):
                    d.date = date
                    d.note("date", f"the date of publication ({name}): the letter may be older")
                    return

    def _date_line(self) -> dt.date | None:
        """The last paragraph of the body that is only a place and a date ("Voorbeeld,
        8 januari 2024"): the date a notice bears. The paragraph stays."""
        for p in reversed(self.draft.body.findall(".//p")):
            match = PLACE_DATE.match(plain_text(p))
            if match and (date := parse_dutch_date(match.group(2))):
                self.draft.note("date", f"the printed line {plain_text(p)!r}", info=True)
                return date
        return None

    def _sender(self) -> None:
        d = self.draft
        if d.kind == "kamerstuk":
            functions = [function for function, _ in d.signatories]
            d.organisation = sender_from_title(plain_text(d.document_title), functions)
            if not d.organisation:
                d.note(
                    "sender",
                    "the document title names no minister or state secretary: fill in the "
                    "sender (the Kamerstuk shape does not print it; the PDF's metadata records it)",
                )
            return
        creator = self.meta("DC.creator")
        if creator:
            form = SENDER_SCHEMES.get(self.record.scheme("DC.creator"), "{}")
            d.organisation = [form.format(creator)]
            d.note("sender", f"the publishing body (DC.creator {creator!r})")

    def _leftovers(self) -> None:
        """A safety net: text the walk did not place becomes a remark naming its path."""
        root = self.tree.getroot()
        for el in root.iter():
            if not isinstance(el.tag, str):
                continue
            parts = []
            if (el.text or "").strip() and el not in self.used_text:
                parts.append((self.where(el), el.text))
            if (el.tail or "").strip() and el not in self.used_tail and el is not root:
                parts.append((f"{self.where(el)} (after it)", el.tail))
            for where, text in parts:
                append_block(self.draft.body, remark(f"text not imported, at {where}: {text}"))
                self.draft.warnings.append(
                    f"{self.path}:{el.sourceline}: warning: text not imported at {where}"
                )

    # -- the flow of blocks --

    def flow(self, el: etree._Element, container: etree._Element) -> None:
        """Read one element into `container` (body, section or annex)."""
        tag = el.tag
        if not isinstance(tag, str):
            return
        if tag == "metadata" and not has_text(el):  # attributes only, read by inline_record
            self.take(el)
        elif tag in TRANSPARENT:
            self.walk(el, container)
        elif tag in HANDLED:
            getattr(self, "_" + tag.replace("-", "_"))(el, container)
        elif tag in PARAGRAPHS:
            self.paragraph(el, container)
        elif tag in INLINE:
            p = etree.Element("p")
            self.inline_child(el, p, in_note=False)
            self._flush(p, container)
        else:
            self.unknown(el, container)
            self.walk(el, container, unknown=True)

    def walk(
        self,
        el: etree._Element,
        container: etree._Element,
        *,
        unknown: bool = False,
        special: Callable[[etree._Element, etree._Element], bool] | None = None,
    ) -> None:
        """A container's children in order. Loose text and inline runs become
        paragraphs, so that the texts of neighbouring blocks never run together;
        `special` may take a child (returning True) instead of the flow."""
        blocks = [c for c in el if isinstance(c.tag, str) and c.tag not in INLINE]
        if unknown and not blocks:  # only text and inline markup: one paragraph
            self.paragraph(el, container)
            return
        self.used_text.add(el)
        run = etree.Element("p")
        append_text(run, el.text)
        for child in el:
            tag = child.tag
            if isinstance(tag, str) and tag not in INLINE:
                self._flush(run, container)
                run = etree.Element("p")
                if special is None or not special(child, container):
                    self.flow(child, container)
            elif isinstance(tag, str):
                self.inline_child(child, run, in_note=False)
            append_text(run, child.tail)
            self.used_tail.add(child)
        self._flush(run, container)

    def _flush(self, p: etree._Element, container: etree._Element) -> None:
        if has_text(p) or p.find(".//note") is not None or p.find(".//noteref") is not None:
            append_block(container, tidy(p))
            self.opening = False
        else:  # nothing but comments: keep them where the paragraph would stand
            for comment in list(p.iter(etree.Comment)):
                _lift(comment, container)

    def blank(self, el: etree._Element) -> None:
        """Mark an element's own text as placed when it is only white space."""
        if not (el.text or "").strip():
            self.used_text.add(el)

    def paragraph(self, el: etree._Element, container: etree._Element) -> None:
        p = self.inline(el, etree.Element("p"))
        if not (has_text(p) or len(p)):
            return
        tidy(p)
        if self.opening and self.draft.kind == "kamerstuk" and self._opening_line(p, el):
            return
        self._flush(p, container)

    def _opening_line(self, p: etree._Element, el: etree._Element) -> bool:
        """The Kamerstuk's "Aan de Voorzitter …" and "Den Haag, <date>" lines."""
        if len(p):
            return False
        text = p.text or ""
        d = self.draft
        if (match := TO.match(text)) and not d.recipient:
            d.recipient.extend(recipient_lines(f"{match.group(1).capitalize()} {match.group(2)}"))
            d.note("recipient", f"the printed line {text!r} ({self.where(el)})", info=True)
            return True
        if (match := PLACE_DATE.match(text)) and parse_dutch_date(match.group(2)):
            d.place = match.group(1).strip()
            if self.date is None:
                self.date = _Fact(match.group(2), el)
            d.note("date", f"the printed line {text!r} ({self.where(el)})", info=True)
            return True
        return False

    # Handlers, by element name (see HANDLED) -----------------------------------

    def _kop(self, el: etree._Element, container: etree._Element) -> None:
        """A `kop` where a block stands: the publication's masthead, or a title."""
        parent = el.getparent()
        texts = [el.text or ""]
        self.used_text.add(el)
        for part in el:
            if part.tag == "plaatje":
                self._plaatje(part, container)
            elif isinstance(part.tag, str):
                texts.append(self.take(part))
            if not (part.tail or "").strip():
                self.used_tail.add(part)
        texts = [t for t in texts if t]
        if parent is not None and parent.tag == ROOT:
            if texts:
                masthead = " | ".join(texts)
                self.draft.note("letter", f"masthead ({self.where(el)}): {masthead}", info=True)
            return
        title = " ".join(texts)
        if title and not self.draft.subject:
            self.draft.subject = title
            self.draft.note("subject", f"the publication's title ({self.where(el)})", info=True)
        elif title:
            section = etree.SubElement(container, "section")
            etree.SubElement(section, "heading").text = title

    def _kamerstukkop(self, el: etree._Element, container: etree._Element) -> None:
        lines: list[str] = []

        def line(child: etree._Element, _container: etree._Element) -> bool:
            if child.tag != "tekstregel":
                return False
            lines.append(self.take(child) or child.get("inhoud", ""))
            return True

        self.walk(el, container, special=line)
        lines = [text for text in lines if text]
        header = " | ".join(lines)
        self.draft.note("letter", f"printed header ({self.where(el)}): {header}", info=True)
        chamber = next((text for text in lines if "Kamer der Staten-Generaal" in text), None)
        if chamber:
            self.chamber = re.sub(r"\s+[0-9]$", "", chamber)

    def _dossier(self, el: etree._Element, container: etree._Element) -> None:
        if self.draft.dossier is not None:  # a Kamerstuk in a second dossier
            text = self.take(el)
            self.draft.note(
                "parliamentary", f"also in dossier ({self.where(el)}): {text}", info=True
            )
            return

        def part(child: etree._Element, _container: etree._Element) -> bool:
            if child.tag == "dossiernummer" and self.draft.dossier is None:
                printed = self.take(child)
                self.draft.dossier = official_dossier(printed) if printed else None
                if printed and printed != self.draft.dossier:
                    where = self.where(child)
                    note = f"printed dossier number {printed!r} ({where})"
                    self.draft.note("parliamentary", note, info=True)
                return True
            if child.tag == "titel" and self.draft.dossier_title is None:
                self.draft.dossier_title = self.inline(child, etree.Element("dossier-title"))
                return True
            return False

        self.walk(el, container, special=part)

    def _stuk(self, el: etree._Element, container: etree._Element) -> None:
        def part(child: etree._Element, _container: etree._Element) -> bool:
            if child.tag == "stuknr" and self.draft.number is None:
                number = child.find("ondernummer")
                text = self.take(child)
                value = self.take(number) if number is not None else text
                value = re.sub(r"^Nr\.?\s*", "", value, flags=re.IGNORECASE)
                self.draft.number = value or None
                if value != text:
                    note = f"printed {text!r} ({self.where(child)})"
                    self.draft.note("parliamentary", note, info=True)
                return True
            if child.tag == "titel" and self.draft.document_title is None:
                self.draft.document_title = self.inline(child, etree.Element("document-title"))
                return True
            return False

        self.walk(el, container, special=part)

    def _titel(self, el: etree._Element, container: etree._Element) -> None:
        self.title(el, container)

    _intitule = _titel

    def title(self, el: etree._Element, container: etree._Element) -> None:
        """A title outside a Kamerstuk's header: the subject (a second one, a
        paragraph); its footnotes become remarks, not subject text."""
        subject = self.inline(el, etree.Element("subject"))
        for comment in list(subject.iter(etree.Comment)):  # remarks on the title's parts
            _lift(comment, container)
        for note in subject.iter("note"):
            text = " ".join("".join(note.itertext()).split())
            self.say(container, f"a footnote in the title ({self.where(el)}): {text}", el)
        text = plain_text(subject)
        if not self.draft.subject:
            self.draft.subject = text
        elif text:
            append_block(container, _plain("p", text))

    def _divisie(self, el: etree._Element, container: etree._Element) -> None:
        heading = self.heading(el)
        if heading is not None:
            container = etree.SubElement(container, "section")
            container.append(heading)
        self.walk(el, container, special=self._skip(el.find("kop")))

    _artikel = _divisie

    @staticmethod
    def _skip(read: etree._Element | None) -> Callable[[etree._Element, etree._Element], bool]:
        """A `special` for walk() that passes over one element read already."""
        return lambda child, _container: child is read

    def heading(self, el: etree._Element) -> etree._Element | None:
        """`kop` (label, nr, titel) as a heading, keeping the number as text."""
        kop = el.find("kop")
        if kop is None or not has_text(kop):
            if kop is not None:
                self.blank(kop)
            return None
        heading = etree.Element("heading")
        append_text(heading, kop.text)
        self.used_text.add(kop)
        for part in kop:
            self.used_tail.add(part)
            if not isinstance(part.tag, str):
                append_text(heading, part.tail)
                continue
            if part.tag == "plaatje":
                self.image(part, heading)
            else:
                if part.tag not in ("nr", "titel", "label"):
                    self.unknown(part, heading)
                if has_text(heading):
                    append_text(heading, " ")
                self.inline(part, heading)
            append_text(heading, part.tail)
        return tidy(heading)

    def _tussenkop(self, el: etree._Element, container: etree._Element) -> None:
        section = etree.SubElement(container, "section")
        section.append(tidy(self.inline(el, etree.Element("heading"))))
        self.opening = False

    def _lid(self, el: etree._Element, container: etree._Element) -> None:
        """An article's member: its number starts its first paragraph."""
        label = el.find("lidnr")
        prefix = [self.take(label)] if label is not None else []

        def part(child: etree._Element, box: etree._Element) -> bool:
            if child is label:
                return True
            if child.tag == "al" and prefix and prefix[0]:
                p = etree.Element("p")
                p.text = prefix.pop() + " "
                self._flush(tidy(self.inline(child, p)), box)
                return True
            return False

        self.walk(el, container, special=part)
        if prefix and prefix[0]:  # no paragraph to put it before
            append_block(container, _plain("p", prefix[0]))

    def _lijst(self, el: etree._Element, container: etree._Element) -> None:
        append_block(container, self.lijst(el))

    def lijst(self, el: etree._Element) -> etree._Element:
        items = [li for li in el if li.tag == "li"]
        labels = [self.take(nr) for li in items if (nr := li.find("li.nr")) is not None]
        bullets = all(label in BULLETS for label in labels)
        out = etree.Element("ul" if bullets else "ol")
        numbered = all(label.rstrip(".)") == str(n) for n, label in enumerate(labels, 1))
        if not bullets and not numbered:
            where = self.where(el)
            out.append(
                remark(f"the labels {', '.join(labels)} ({where}) are numbered 1, 2, 3 … now")
            )
        loose = [el.text or ""]
        self.used_text.add(el)
        for child in el:
            self.used_tail.add(child)
            loose.append(child.tail or "")
            if not isinstance(child.tag, str):
                continue
            if child.tag != "li":
                self.unknown(child, out)
                self.inline(child, etree.SubElement(out, "li"), paragraphs=True)
                continue
            out.append(self.item(child))
        if " ".join(loose).strip():
            text = " ".join(" ".join(loose).split())
            out.append(remark(f"text between the items of {self.where(el)}: {text}"))
        if not len(out.findall("li")):
            out.append(etree.Element("li"))  # a list needs an item; keep the comments
        return out

    def item(self, li: etree._Element) -> etree._Element:
        out = etree.Element("li")
        append_text(out, li.text)
        nested: list[etree._Element] = []
        self.used_text.add(li)
        for child in li:
            self.used_tail.add(child)
            if not isinstance(child.tag, str) or child is li.find("li.nr"):
                append_text(out, child.tail)
                continue
            if child.tag == "lijst":
                nested.append(self.lijst(child))
            else:
                if has_text(out) or len(out):
                    etree.SubElement(out, "br")
                if child.tag == "al":
                    self.inline(child, out)
                else:
                    self.inline_child(child, out, in_note=False)
            append_text(out, child.tail)
        tidy(out)
        out.extend(nested)
        return out

    def _table(self, el: etree._Element, container: etree._Element) -> None:
        out = etree.Element("table")
        title = el.find("title")
        if title is not None:
            out.append(tidy(self.inline(title, etree.Element("caption"))))
        for group in el.findall("tgroup"):
            self.tgroup(group, out)
        if out.find("tr") is None:
            if out.find("caption") is not None:
                append_block(container, _plain("p", plain_text(out.find("caption"))))
            container.append(remark(f"an empty table ({self.where(el)}) was left out"))
        else:
            append_block(container, out)

        def part(child: etree._Element, _container: etree._Element) -> bool:
            return child.tag == "tgroup" or child is title

        self.walk(el, container, special=part)

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
        # The structure around the cells holds only white space; other text is
        # left to the safety net, which names its path.
        for node in group.iter(etree.Element):
            if node.tag == "entry" or _inside(node, "entry"):
                continue
            self.blank(node)
            if not (node.tail or "").strip() and node is not group:
                self.used_tail.add(node)

    def entry(self, entry, cell: str, names: list, spans: dict) -> etree._Element:
        out = etree.Element(cell)
        start, end = entry.get("namest"), entry.get("nameend")
        if entry.get("spanname") in spans:
            start, end = spans[entry.get("spanname")]
        if start in names and end in names and names.index(end) > names.index(start):
            out.set("colspan", str(names.index(end) - names.index(start) + 1))
        if (more := entry.get("morerows", "")).isdigit() and 0 < int(more) < 1000:
            out.set("rowspan", str(int(more) + 1))
        self.inline(entry, out, paragraphs=True)
        if not (entry.tail or "").strip():
            self.used_tail.add(entry)
        return tidy(out)

    def _plaatje(self, el: etree._Element, container: etree._Element) -> None:
        p = etree.Element("p")
        self.image(el, p)
        append_block(container, p)

    def image(self, el: etree._Element, dst: etree._Element) -> None:
        """An image is not imported: flagged in place, with a placeholder lint reports."""
        names = []
        for image in el.iter("illustratie"):
            name = image.get("naam") or "zonder naam"
            names.append(f"{name}, {image.get('alt')}" if image.get("alt") else name)
        name = "; ".join(names) or "zonder naam"
        text = self.take(el)
        self.say(
            dst,
            f"an image ({name}) at {self.where(el)} was not imported: put the file in the "
            "letter's folder and write a <figure> with an alt text"
            + (f"; its text: {text}" if text else ""),
            el,
        )
        append_text(dst, f"[Afbeelding: {name}]")

    def _tekst_sluiting(self, el: etree._Element, container: etree._Element) -> None:
        """A closing: signatures, a closing formula, a place and date."""
        if self.signed or container is not self.draft.body:
            self.walk(el, container)
            return
        self.signed = True

        def part(child: etree._Element, box: etree._Element) -> bool:
            if child.tag == "ondertekening":
                self.draft.signatories.append(self.signature(child, box))
            elif child.tag == "slotformulering" and not self.draft.closing and not len(child):
                self.draft.closing = self.take(child)
            elif child.tag in ("dagtekening", "gegeven"):
                self.dagtekening(child, box)
            else:
                return False
            return True

        self.walk(el, container, special=part)

    _wetsluiting = _tekst_sluiting

    def _ondertekening(self, el: etree._Element, container: etree._Element) -> None:
        """A signature outside the letter's closing: a paragraph, lines kept."""
        function, name = self.signature(el, container)
        p = etree.Element("p")
        p.text = function
        if name:
            etree.SubElement(p, "br").tail = name
        self._flush(p, container)

    def signature(self, el: etree._Element, container: etree._Element) -> tuple[str, str]:
        """(function, name): every text before `naam` is the function, including text
        after an inline element ("<functie>De Minister</functie> voor Rechtsbescherming,")."""
        before: list[str] = [el.text or ""]
        name: list[str] = []
        after: list[str] = []
        self.used_text.add(el)
        seen_name = False
        for child in el:
            self.used_tail.add(child)
            if not isinstance(child.tag, str):
                (after if seen_name else before).append(child.tail or "")
                continue
            if child.tag == "naam" and not seen_name:
                seen_name = True
                name.append(self.take(child))
                after.append(child.tail or "")
                continue
            if child.tag not in ("functie", "naam"):
                self.unknown(child, container)
            text = self.take(child)
            (after if seen_name else before).append(" " + text + " " + (child.tail or ""))
        function = " ".join("".join(before).split())
        rest = " ".join("".join(after).split())
        if rest:
            self.say(container, f"text after the signatory's name ({self.where(el)}): {rest}", el)
            name.append(rest)
        return function, " ".join(name)

    def _dagtekening(self, el: etree._Element, container: etree._Element) -> None:
        self.dagtekening(el, container)

    _gegeven = _dagtekening

    def dagtekening(self, el: etree._Element, container: etree._Element) -> None:
        """Place and date of signing (`plaats`, `datum[@isodatum]`); other parts are text."""
        printed = []
        text = (el.text or "").strip()
        if text and self.date is None and parse_dutch_date(text):
            self.date = _Fact(text, el)  # the text itself stays, as a paragraph

        def part(child: etree._Element, box: etree._Element) -> bool:
            if child.tag == "plaats" and not self.draft.place:
                printed.append(self.take(child))
                self.draft.place = printed[-1].rstrip(",").strip() or None
                return True
            if child.tag == "datum":
                shown = self.take(child)
                value = child.get("isodatum") or shown
                if self.date is None and (_iso(value) or parse_dutch_date(value)):
                    self.date = _Fact(value, child)
                    signed = " ".join([*printed, shown]).strip()
                    self.draft.note("date", f"signed {signed!r} ({self.where(child)})", info=True)
                elif shown:
                    append_block(box, _plain("p", shown))
                return True
            if child.tag in ("dagtekening", "gegeven"):
                self.dagtekening(child, box)
                return True
            return False

        self.walk(el, container, special=part)

    def _slotformulering(self, el: etree._Element, container: etree._Element) -> None:
        self.walk(el, container)

    def _bijlage(self, el: etree._Element, container: etree._Element) -> None:
        annex = etree.Element("annex")
        heading = self.heading(el)
        if heading is not None:
            heading.tag = "title"
            annex.append(heading)
        self.draft.annexes.append(annex)
        self.walk(el, annex, special=self._skip(el.find("kop")))

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
        self.used_text.add(src)
        append_text(dst, src.text)
        first = True
        for child in src:
            self.used_tail.add(child)
            if not isinstance(child.tag, str):
                append_text(dst, child.tail)
                continue
            if child.tag == "al" and (paragraphs or in_note):
                if not first:
                    append_text(dst, " ") if in_note else etree.SubElement(dst, "br")
                self.inline(child, dst, in_note=in_note)
                first = False
            else:
                self.inline_child(child, dst, in_note=in_note)
            append_text(dst, child.tail)
        return dst

    def inline_child(self, child: etree._Element, dst: etree._Element, *, in_note: bool) -> None:
        """One element inside inline content (its tail is the caller's)."""
        tag = child.tag
        if tag == "nadruk":
            kind = child.get("type", "")
            out = etree.SubElement(dst, EMPHASIS.get(kind, "span"))
            if out.tag == "span":
                dst.insert(len(dst) - 1, remark(f"emphasis type {kind!r} ({self.where(child)})"))
            self.inline(child, out, in_note=in_note)
        elif tag in ("sup", "inf"):
            self.inline(
                child, etree.SubElement(dst, "sup" if tag == "sup" else "sub"), in_note=in_note
            )
        elif tag == "br":
            append_text(dst, " ") if in_note else etree.SubElement(dst, "br")
            self.inline(child, dst, in_note=in_note)  # a br holds no text, but keep any
        elif tag == "extref":
            href = (child.get("doc") or "").strip()
            if LINK.match(href):
                self.inline(child, etree.SubElement(dst, "a", href=href), in_note=in_note)
            else:
                self.inline(child, dst, in_note=in_note)
        elif tag in ("intref", "dossierref"):
            self.inline(child, dst, in_note=in_note)
        elif tag == "noot":
            self.noot(child, dst, in_note)
        elif tag == "nootref":
            self.nootref(child, dst, in_note)
        elif tag == "plaatje":
            self.image(child, dst)
        elif tag == "lijst":  # a list where only inline content may stand: one line per item
            self.inline(child, dst, paragraphs=True, in_note=in_note)
        elif tag == "li":
            if has_text(dst) or len(dst):
                append_text(dst, " ") if in_note else etree.SubElement(dst, "br")
            self.inline(child, dst, paragraphs=True, in_note=in_note)
        elif tag == "li.nr":
            self.inline(child, dst, in_note=in_note)
            append_text(dst, " ")
        else:
            if tag not in PARAGRAPHS:
                self.unknown(child, dst)
            self.inline(child, dst, paragraphs=True, in_note=in_note)

    def noot(self, el: etree._Element, dst: etree._Element, in_note: bool) -> None:
        if in_note:  # a note inside a note: keep its text in brackets
            dst.append(remark(f"a footnote inside a footnote ({self.where(el)}), kept in brackets"))
            append_text(dst, " (")
            self.inline(el, dst, in_note=True)
            append_text(dst, ")")
            return
        note = etree.SubElement(dst, "note")
        self.note_count += 1
        self.used_text.add(el)
        label = el.find("noot.nr")
        if label is not None:
            printed = self.take(label)
            if printed != str(self.note_count):
                dst.insert(
                    len(dst) - 1,
                    remark(
                        f"footnote {printed!r} ({self.where(el)}) is number {self.note_count} "
                        "in the letter's one series of notes"
                    ),
                )
        ident = el.get("id")
        if ident:
            out_id = (
                ident
                if NCNAME.match(ident) and ident not in self.notes
                else f"noot-{self.note_count}"
            )
            self.note_ids[ident] = out_id
        append_text(note, el.text)
        for child in el:
            self.used_tail.add(child)
            if not isinstance(child.tag, str) or child is label:
                append_text(note, child.tail)
                continue
            if len(note) or (note.text or "").strip():
                append_text(note, " ")
            if child.tag == "noot.al":
                self.inline(child, note, in_note=True)
            else:
                self.unknown(child, note)
                self.inline(child, note, in_note=True)
            append_text(note, child.tail)
        tidy(note)
        if ident:
            self.notes[self.note_ids[ident]] = note

    def nootref(self, el: etree._Element, dst: etree._Element, in_note: bool) -> None:
        """A further call of a note: a `noteref` to it (resolved once all notes are read)."""
        if in_note:
            self.say(dst, f"a note reference inside a footnote ({self.where(el)}) was left out", el)
        else:
            ref = etree.SubElement(dst, "noteref", ref="")
            self.refs.append((ref, el.get("refid") or "", el))
        self.inline(el, dst, in_note=in_note)  # a nootref holds no text, but keep any

    def _resolve_refs(self) -> None:
        for ref, refid, src in self.refs:
            target = self.note_ids.get(refid)
            if target is not None and target in self.notes:
                self.notes[target].set("id", target)
                ref.set("ref", target)
                continue
            parent = ref.getparent()
            comment = remark(f"a note reference to {refid!r} ({self.where(src)}), but no such note")
            comment.tail = ref.tail
            parent.replace(ref, comment)
            self.draft.warnings.append(
                f"{self.path}:{src.sourceline}: warning: note reference {refid!r} has no note"
            )


KOP = frozenset({"kop"})
HANDLED = frozenset(
    {
        "kop", "kamerstukkop", "dossier", "stuk", "titel", "intitule", "divisie",
        "artikel", "tussenkop", "lid", "lijst", "table", "plaatje", "tekst-sluiting",
        "wetsluiting", "ondertekening", "dagtekening", "gegeven", "slotformulering", "bijlage",
    }
)  # fmt: skip


def _lift(comment: etree._Element, container: etree._Element) -> None:
    """Move a comment into a block container; the text after it stays where it was."""
    if comment.tail:
        previous = comment.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + comment.tail
        else:
            parent = comment.getparent()
            parent.text = (parent.text or "") + comment.tail
        comment.tail = None
    append_block(container, comment)


def _inside(node: etree._Element, tag: str) -> bool:
    parent = node.getparent()
    while parent is not None:
        if parent.tag == tag:
            return True
        parent = parent.getparent()
    return False


def _plain(tag: str, text: str) -> etree._Element:
    el = etree.Element(tag)
    el.text = text
    return el


def _iso(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((value or "").strip()[:10])
    except ValueError:
        return None
