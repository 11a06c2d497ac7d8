"""A letter being imported: header fields plus body/annex elements, then XML.

Both importers fill a `Draft`; `Draft.finish()` puts the fields in schema
order, fills what is missing with marked placeholders, and checks the result
against the schema (an invalid result is a bug in briefpers, not in the input).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from lxml import etree

from briefpers import __version__
from briefpers.errors import BriefpersError
from briefpers.source.load import schema
from briefpers.source.model import XML_LANG

COMMENT_TAG = "briefpers-import"

# Placeholders are square-bracketed so that `briefpers lint` reports them.
SENDER = "[Afzender]"
RECIPIENT = "[Geadresseerde]"
SUBJECT = "[Onderwerp]"
FUNCTION = "[Functie]"
ANNEX_TITLE = "[Titel bijlage]"
# xs:date needs a value; this one is recognised by lint as "not filled in".
PLACEHOLDER_DATE = dt.date(1900, 1, 1)

MONTHS_NL = (
    "januari", "februari", "maart", "april", "mei", "juni",
    "juli", "augustus", "september", "oktober", "november", "december",
)  # fmt: skip
DUTCH_DATE = re.compile(r"\b(\d{1,2})\s+(" + "|".join(MONTHS_NL) + r")\s+(\d{4})\b", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


Reissue = tuple[str, dt.date]  # (identifier, date) of the letter reissued


def remark(text: str) -> etree._Comment:
    """An XML comment a person can search for (`briefpers-import:`)."""
    # "--" may not occur in a comment, nor a final "-".
    safe = " ".join(text.split()).replace("--", "- -")
    return etree.Comment(f" {COMMENT_TAG}: {safe} ")


def parse_dutch_date(text: str) -> dt.date | None:
    """The first "14 januari 2022" in text, as a date (None if there is none)."""
    for match in DUTCH_DATE.finditer(text):
        day, month, year = match.groups()
        try:
            return dt.date(int(year), MONTHS_NL.index(month.lower()) + 1, int(day))
        except ValueError:
            continue
    return None


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


def has_text(el: etree._Element) -> bool:
    return bool("".join(el.itertext()).strip())


def append_block(container: etree._Element, block: etree._Element) -> None:
    """Add a block; once a container has sections, blocks go into the last one."""
    sections = container.findall("section")
    if sections:
        append_block(sections[-1], block)
    else:
        container.append(block)


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
    lang: str = "nl"
    organisation: list[str] = field(default_factory=list)
    recipient: list[str] = field(default_factory=list)
    date: dt.date | None = None
    subject: str | None = None
    ours: str | None = None
    yours: str | None = None
    dossier: str | None = None
    number: str | None = None
    reissue: Reissue | None = None
    body: etree._Element = field(default_factory=lambda: etree.Element("body"))
    closing: str | None = None
    signatories: list[tuple[str, str]] = field(default_factory=list)
    annexes: list[etree._Element] = field(default_factory=list)
    notes: dict[str, list[str]] = field(default_factory=dict)  # field → remarks
    warnings: list[str] = field(default_factory=list)

    def note(self, where: str, text: str) -> None:
        """A remark to put just before header field `where` (or "letter")."""
        self.notes.setdefault(where, []).append(text)

    def set_reissue(self, identifier: str, original: dt.date, today: dt.date) -> None:
        """Mark the letter as a reissue: its own date becomes the reissue date."""
        if self.date and self.date != original:
            self.note(
                "date",
                f"the text gives the letter date {self.date.isoformat()}, "
                f"--original-date says {original.isoformat()}",
            )
        self.reissue = (identifier, original)
        self.note(
            "date",
            f"a reissue: this is the reissue date; the original letter ({identifier}) "
            f"is dated {original.isoformat()}",
        )
        self.date = today

    def finish(self) -> Imported:
        """Build, validate and serialise the letter."""
        root = etree.Element("letter", {"version": "1", XML_LANG: self.lang})
        self._remarks(
            root,
            "letter",
            f"imported by briefpers {__version__} from {self.origin}; check every "
            f"'{COMMENT_TAG}' comment and every [placeholder] (briefpers lint lists them)",
        )
        self._sender(root)
        self._recipient(root)
        self._date(root)
        self._subject(root)
        self._references(root)
        if self.reissue:
            etree.SubElement(
                root,
                "reissue-of",
                identifier=self.reissue[0],
                date=self.reissue[1].isoformat(),
            )
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
        tree = etree.ElementTree(root)
        etree.indent(tree, space="  ")
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

    def _missing(self, where: str, text: str) -> None:
        """Say a field is missing, before any other remark on it."""
        self.notes.setdefault(where, []).insert(0, text)

    def _remarks(self, root: etree._Element, where: str, *extra: str) -> None:
        for text in (*extra, *self.notes.get(where, ())):
            root.append(remark(text))

    def _lines(self, parent: etree._Element, lines: list[str]) -> None:
        for line in lines:
            etree.SubElement(parent, "line").text = line

    def _sender(self, root: etree._Element) -> None:
        if not self.organisation:
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
        self._remarks(root, "parliamentary")
        if self.dossier:
            parl = etree.SubElement(root, "parliamentary", dossier=self.dossier)
            if self.number:
                parl.set("number", self.number)

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
