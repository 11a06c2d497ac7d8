"""A letter being imported: header fields plus body/annex elements, then XML.

Both importers fill a `Draft`; `Draft.finish()` puts the fields in schema
order, fills what is missing with marked placeholders, and checks the result
against the schema (an invalid result is a bug in briefpers, not in the input).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field

from lxml import etree

from briefpers import __version__
from briefpers.errors import BriefpersError, ConfigError
from briefpers.language import month_names
from briefpers.source.chars import REFUSED
from briefpers.source.load import schema
from briefpers.source.model import PLACEHOLDER_DATE, XML_LANG

COMMENT_TAG = "briefpers-import"  # something to check (lint warns while it stands)
# A record of input text that was read into a field (the printed header, page
# furniture): for reference only, not something to check.
SOURCE_TAG = "briefpers-source"

# Placeholders are square-bracketed so that `briefpers lint` reports them.
SENDER = "[Afzender]"
RECIPIENT = "[Geadresseerde]"
SUBJECT = "[Onderwerp]"
FUNCTION = "[Functie]"
ANNEX_TITLE = "[Titel bijlage]"
DOSSIER = "[Dossiernummer]"
# The years a letter date may have (the schema's letterDate).
FIRST_YEAR, LAST_YEAR = 1000, 9999

MONTHS_NL = month_names("nl")  # from CLDR, as the renderer prints them
DUTCH_DATE = re.compile(
    r"\b([0-9]{1,2})\s+(" + "|".join(MONTHS_NL) + r")\s+([0-9]{4})\b", re.IGNORECASE
)
_SPACE = re.compile(r"\s+")
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
# Characters XML 1.0 cannot hold: C0 controls but tab, line feed and carriage
# return; surrogates; U+FFFE and U+FFFF. (Form feeds separate pages in
# extracted text and are read before this applies.)
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
REPLACEMENT = "\ufffd"


@dataclass(frozen=True)
class Reissue:
    """What the command line says about a reissue.

    `original_date` only fills a date the input lacks; `day` is the day of
    the reissue (the command line's --reissue-date, SOURCE_DATE_EPOCH, or today).
    """

    identifier: str
    day: dt.date
    original_date: dt.date | None = None
    reason: str | None = None


def remark(text: str, *, info: bool = False) -> etree._Comment:
    """An XML comment a person can search for: `briefpers-import:` (to check) or,
    with info, `briefpers-source:` (what the input said, for reference)."""
    return etree.Comment(f" {SOURCE_TAG if info else COMMENT_TAG}: {comment_safe(text)} ")


def comment_safe(text: str) -> str:
    """Text that an XML comment can hold: one line, no "--", no final "-"."""
    safe = " ".join(NOT_XML.sub(REPLACEMENT, text).split())
    while "--" in safe:
        safe = safe.replace("--", "- -")
    return safe + " " if safe.endswith("-") else safe


def parse_dutch_date(text: str) -> dt.date | None:
    """The first "14 januari 2022" in text, as a date (None if there is none)."""
    for match in DUTCH_DATE.finditer(text):
        day, month, year = match.groups()
        if not FIRST_YEAR <= int(year) <= LAST_YEAR:
            continue
        try:
            return dt.date(int(year), MONTHS_NL.index(month.lower()) + 1, int(day))
        except ValueError:
            continue
    return None


def letter_date(value: dt.date | None) -> dt.date | None:
    """A date the schema accepts as a letter's date (years 1000-9999), else None."""
    return value if value is not None and FIRST_YEAR <= value.year <= LAST_YEAR else None


def recipient_lines(text: str) -> list[str]:
    """Window lines for an addressee: "… Tweede Kamer" / "der Staten-Generaal"."""
    head, sep, tail = text.partition(" der Staten-Generaal")
    return [head, f"der Staten-Generaal{tail}"] if sep and head else [text]


def collapse(text: str | None) -> str | None:
    """Runs of white space become one space (as rendering does anyway)."""
    return _SPACE.sub(" ", text) if text else text


def tidy(el: etree._Element) -> etree._Element:
    """Collapse white space in an inline element and trim its two ends."""
    for node in el.iter():
        if node is not el:
            node.tail = collapse(node.tail)
        if isinstance(node.tag, str):
            node.text = collapse(node.text)
    el.text = (el.text or "").lstrip() or None
    last = el[-1] if len(el) else None
    if last is None:
        el.text = (el.text or "").rstrip() or None
    else:
        last.tail = (last.tail or "").rstrip() or None
    return el


def inline(tag: str, text: str) -> etree._Element:
    """An element holding plain text."""
    el = etree.Element(tag)
    el.text = text
    return el


# Elements that hold only elements: indented. Mixed content (p, li, heading,
# note, …) is left exactly as it is: lxml's own indent() would put white space
# into it, which renders as a space before a comma or a full stop.
ELEMENT_ONLY = frozenset(
    {
        "letter", "sender", "organisation", "visiting-address", "postal-address", "recipient",
        "references", "parliamentary", "attachments", "reissue", "body", "section", "annex",
        "ul", "ol", "table", "tr", "signatories", "signatory",
    }
)  # fmt: skip


def indent(el: etree._Element, level: int = 0) -> None:
    """Indent the element-only parts of a letter, two spaces a level."""
    if el.tag not in ELEMENT_ONLY:
        return
    children = list(el)
    if not children:
        return
    pad = "\n" + "  " * (level + 1)
    el.text = pad
    for child in children:
        child.tail = pad
        if isinstance(child.tag, str):
            indent(child, level + 1)
    children[-1].tail = "\n" + "  " * level


def has_text(el: etree._Element) -> bool:
    return bool("".join(el.itertext()).strip())


def plain_text(el: etree._Element | None) -> str:
    """The text of an element without its notes and comments, white space collapsed."""
    if el is None:
        return ""
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        if node.text:
            parts.append(node.text)
        for child in node:
            if isinstance(child.tag, str) and child.tag not in ("note", "noteref"):
                walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(el)
    return " ".join("".join(parts).split())


def append_block(container: etree._Element, block: etree._Element) -> None:
    """Add a block; once a container has sections, blocks go into the last one.

    Sections come after a container's blocks, so the last element tells (in
    constant time: a letter may have many thousands of blocks).
    """
    while True:  # (len() of an lxml element counts its children: avoided)
        last = next(container.iterchildren(etree.Element, reversed=True), None)
        if last is None or last.tag != "section":
            container.append(block)
            return
        container = last


@dataclass
class Imported:
    """The result of an import: source XML bytes and warnings for stderr."""

    xml: bytes
    warnings: list[str] = field(default_factory=list)
    remarks: int = 0  # the number of briefpers-import comments to look at


@dataclass
class Draft:
    """Header fields as plain values; body and annexes as source elements."""

    origin: str  # what was imported, for the provenance comment
    source: str = "<input>"  # the input's path, for error messages
    lang: str = "nl"
    kind: str = "letter"  # or "kamerstuk"
    organisation: list[str] = field(default_factory=list)
    recipient: list[str] = field(default_factory=list)
    place: str | None = None
    date: dt.date | None = None
    subject: str | None = None
    ours: str | None = None
    yours: str | None = None
    dossier: str | None = None
    number: str | None = None
    dossier_title: etree._Element | None = None  # inline content (may hold notes)
    document_title: etree._Element | None = None
    reissue: Reissue | None = None
    body: etree._Element = field(default_factory=lambda: etree.Element("body"))
    closing: str | None = None
    signatories: list[tuple[str, str]] = field(default_factory=list)
    annexes: list[etree._Element] = field(default_factory=list)
    notes: dict[str, list[tuple[str, bool]]] = field(default_factory=dict)  # field → remarks
    warnings: list[str] = field(default_factory=list)

    def note(self, where: str, text: str, *, info: bool = False) -> None:
        """A remark to put just before header field `where` (or "letter");
        info: a record of the input, not something to check."""
        self.notes.setdefault(where, []).append((text, info))

    def set_reissue(self, request: Reissue, found_by: str = "the input") -> None:
        """Mark the letter as a reissue; the letter keeps the date it bears.

        The date found in the input wins; --original-date only fills a date the
        input lacks, and one that contradicts the input is an error.
        """
        original = request.original_date
        if original is not None and self.date is not None and original != self.date:
            raise ConfigError(
                f"--original-date {original.isoformat()} contradicts the letter's own date "
                f"{self.date.isoformat()} found in {found_by}; leave --original-date out "
                "or correct the input",
                path=self.source,
            )
        if self.date is None and original is not None:
            self.date = original
            self.note("date", "the letter's date was given on the command line (its original date)")
        self.reissue = request

    def finish(self) -> Imported:
        """Build, validate and serialise the letter."""
        attrs = {"version": "1", XML_LANG: self.lang}
        if self.kind != "letter":
            attrs["kind"] = self.kind
        root = etree.Element("letter", attrs)
        # Provenance, not a to-do: without the tag, so lint does not count it.
        root.append(
            etree.Comment(
                f" imported by briefpers {__version__} from {comment_safe(self.origin)}; check "
                f"every '{COMMENT_TAG}' comment and every [placeholder] (briefpers lint "
                "lists them) "
            )
        )
        self._remarks(root, "letter")
        self._sender(root)
        self._recipient(root)
        self._date(root)
        self._subject(root)
        self._references(root)
        self._parliamentary(root)
        if self.reissue:
            self._remarks(root, "reissue")
            reissue = etree.SubElement(
                root, "reissue", of=self.reissue.identifier, date=self.reissue.day.isoformat()
            )
            if self.reissue.reason:
                etree.SubElement(reissue, "reason").text = self.reissue.reason
        self._remarks(root, "body")
        root.append(self.body)
        if self.closing:
            etree.SubElement(root, "closing").text = self.closing
        self._signatories(root)
        for annex in self.annexes:
            if annex.find("title") is None:
                title = etree.Element("title")
                title.text = ANNEX_TITLE
                annex.insert(0, title)
                annex.insert(0, remark("this annex had no title: fill one in"))
            root.append(annex)
        self._replace_refused(root)
        tree = etree.ElementTree(root)
        indent(root)
        xsd = schema()
        if not xsd.validate(tree):
            err = xsd.error_log.filter_from_errors()[0]
            raise BriefpersError(
                f"the importer produced an invalid letter ({err.message}); please report this"
            )
        data = XML_DECLARATION + etree.tostring(tree, encoding="UTF-8") + b"\n"
        count = sum(
            1 for c in root.iter(etree.Comment) if (c.text or "").strip().startswith(COMMENT_TAG)
        )
        return Imported(data, list(self.warnings), count)

    def _replace_refused(self, root: etree._Element) -> None:
        """Characters XML holds but a letter source refuses (C1 controls,
        noncharacters, bidi overrides: `briefpers.source.chars`) become U+FFFD,
        listed in a remark, so that the import always loads."""
        found: Counter[str] = Counter()

        def clean(text: str | None) -> str | None:
            if not text or REFUSED.search(text) is None:
                return text
            for char in REFUSED.findall(text):
                found[char] += 1
            return REFUSED.sub(REPLACEMENT, text)

        for el in root.iter():
            if not isinstance(el.tag, str):  # comments: not text; only their tail
                el.tail = clean(el.tail)
                continue
            el.text, el.tail = clean(el.text), clean(el.tail)
            for key, value in el.attrib.items():
                el.set(key, clean(value) or value)
        if found:
            codes = ", ".join(f"U+{ord(c):04X} ({n}×)" for c, n in sorted(found.items()))
            message = f"characters a letter source refuses were replaced by U+FFFD: {codes}"
            root.insert(1, remark(message))
            self.warnings.append(message)

    def _missing(self, where: str, text: str) -> None:
        """Say a field is missing, before any other remark on it."""
        self.notes.setdefault(where, []).insert(0, (text, False))

    def _remarks(self, root: etree._Element, where: str) -> None:
        for text, info in self.notes.get(where, ()):
            root.append(remark(text, info=info))

    def _lines(self, parent: etree._Element, lines: list[str]) -> None:
        for line in lines:
            etree.SubElement(parent, "line").text = line

    def _sender(self, root: etree._Element) -> None:
        if not self.organisation and not self.notes.get("sender"):
            self._missing("sender", "the input names no sending organisation: fill it in")
        self._remarks(root, "sender")
        sender = etree.SubElement(root, "sender")
        organisation = etree.SubElement(sender, "organisation")
        self._lines(organisation, self.organisation or [SENDER])

    def _recipient(self, root: etree._Element) -> None:
        if not self.recipient:
            self._missing("recipient", "the input names no recipient: fill it in")
        self._remarks(root, "recipient")
        lines = self.recipient[:6] or [RECIPIENT]
        if len(self.recipient) > 6:  # the schema allows six lines; keep the rest visible
            root.append(remark("recipient lines left out: " + " / ".join(self.recipient[6:])))
        self._lines(etree.SubElement(root, "recipient"), lines)

    def _date(self, root: etree._Element) -> None:
        if self.date is None:
            self._missing(
                "date", f"no letter date found: {PLACEHOLDER_DATE.isoformat()} is a placeholder"
            )
        self._remarks(root, "date")
        if self.place:
            etree.SubElement(root, "place").text = self.place
        etree.SubElement(root, "date").text = (self.date or PLACEHOLDER_DATE).isoformat()

    def _subject(self, root: etree._Element) -> None:
        if not self.subject:
            self._missing("subject", "the input gives no subject: fill it in")
        self._remarks(root, "subject")
        etree.SubElement(root, "subject").text = self.subject or SUBJECT

    def _references(self, root: etree._Element) -> None:
        if self.ours or self.yours:
            refs = etree.SubElement(root, "references")
            if self.ours:
                etree.SubElement(refs, "ours").text = self.ours
            if self.yours:
                etree.SubElement(refs, "yours").text = self.yours

    def _parliamentary(self, root: etree._Element) -> None:
        titled = self.dossier_title is not None or self.document_title is not None
        if self.kind == "kamerstuk" and not self.dossier:
            self._missing("parliamentary", "the Kamerstuk's dossier number was not found")
        self._remarks(root, "parliamentary")
        if not (self.dossier or self.number or titled or self.kind == "kamerstuk"):
            return
        parl = etree.SubElement(root, "parliamentary", dossier=self.dossier or DOSSIER)
        if self.number:
            parl.set("number", self.number)
        for tag, el in (
            ("dossier-title", self.dossier_title),
            ("document-title", self.document_title),
        ):
            if el is not None and has_text(el):
                el.tag = tag
                parl.append(tidy(el))

    def _signatories(self, root: etree._Element) -> None:
        self._remarks(root, "signatories")
        if not self.signatories:
            return
        block = etree.SubElement(root, "signatories")
        for function, name in self.signatories:
            sig = etree.SubElement(block, "signatory")
            if not function.strip():
                sig.append(remark("no function given: fill it in"))
            etree.SubElement(sig, "function").text = function.strip() or FUNCTION
            etree.SubElement(sig, "name").text = name.strip() or None
