"""The letter model: the header fields as plain data, the flowing content as XML.

Body and annex content stay lxml elements: they are mixed content (text with
inline markup) that the renderer maps element by element to HTML.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# The letter kinds (`<letter kind>`): an ordinary letter, or a parliamentary
# paper as printed in the Kamerstukken.
LETTER, KAMERSTUK = "letter", "kamerstuk"
# What the importers write when an old letter names no date; lint reports it.
PLACEHOLDER_DATE = dt.date(1900, 1, 1)


@dataclass(frozen=True)
class Sender:
    organisation: tuple[str, ...]
    unit: str | None = None
    visiting_address: tuple[str, ...] = ()
    postal_address: tuple[str, ...] = ()
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    return_address: str | None = None


@dataclass(frozen=True)
class Signatory:
    function: str
    name: str
    signature_src: str | None = None
    signature_alt: str | None = None


@dataclass(frozen=True)
class Parliamentary:
    dossier: str
    number: str | None = None
    # Inline content (may hold notes): "Voorbeelddossier", "BRIEF VAN DE MINISTER VAN …"
    dossier_title: etree._Element | None = field(default=None, compare=False)
    document_title: etree._Element | None = field(default=None, compare=False)

    def label(self) -> str:
        """The citation form, e.g. "Kamerstuk 28676 nr. 350"."""
        if self.number:
            return f"Kamerstuk {self.dossier} nr. {self.number}"
        return f"Kamerstuk {self.dossier}"


@dataclass(frozen=True)
class Reissue:
    """This source reissues an earlier letter; the letter keeps its own date."""

    identifier: str  # the original, e.g. "Kamerstuk 12 345, nr. 67"
    date: dt.date  # the day of the reissue
    reason: str | None = None


@dataclass
class Letter:
    path: Path
    source: bytes
    lang: str
    theme: str | None
    sender: Sender
    recipient: tuple[str, ...]
    date: dt.date  # the date the letter bears (a reissue keeps the original's)
    subject: etree._Element
    our_reference: str | None
    your_reference: str | None
    parliamentary: Parliamentary | None
    attachment_count: int | None
    attachment_titles: tuple[str, ...]
    reissue: Reissue | None
    body: etree._Element
    closing: etree._Element | None
    signatories: tuple[Signatory, ...]
    annexes: tuple[etree._Element, ...] = field(default_factory=tuple)
    kind: str = LETTER  # or KAMERSTUK: the printed parliamentary paper
    place: str | None = None  # "Den Haag"

    @property
    def subject_text(self) -> str:
        return normalise_space("".join(self.subject.itertext()))

    @property
    def identifier(self) -> str | None:
        """The letter's archival identifier: our reference, else the Kamerstuk."""
        if self.our_reference:
            return self.our_reference
        if self.parliamentary:
            return self.parliamentary.label()
        return None

    @property
    def authors(self) -> list[str]:
        """The organisation, then each named signatory (dc:creator, HTML author)."""
        return [" ".join(self.sender.organisation), *(s.name for s in self.signatories if s.name)]

    @property
    def attachments(self) -> int:
        if self.attachment_count is not None:
            return self.attachment_count
        return len(self.attachment_titles)


def normalise_space(text: str) -> str:
    """Collapse runs of white space as HTML rendering will."""
    return " ".join(text.split())


def append_text(dst: etree._Element, text: str | None) -> None:
    """Append text at the end of an element's mixed content."""
    if not text:
        return
    if len(dst):
        dst[-1].tail = (dst[-1].tail or "") + text
    else:
        dst.text = (dst.text or "") + text
