"""The header of an extracted letter: lines that become metadata, not body text.

Two shapes: a letterhead before the salutation ("Datum …", "Betreft …",
"Ons kenmerk …"), and the Kamerstuk as printed in the parliamentary papers:
"Tweede Kamer der Staten-Generaal", "Vergaderjaar 2019–2020", the dossier
line ("12 345 Voorbeelddossier", its title may run over two lines),
"Nr. 67", the document title ("BRIEF VAN DE MINISTER VAN …", possibly two
lines), "Aan de Voorzitter van de Tweede Kamer der Staten-Generaal" and
"Den Haag, 16 juni 2020"; no salutation follows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from briefpers.importers.draft import Draft, inline, parse_dutch_date, recipient_lines
from briefpers.importers.hyphen import Vocabulary, join_lines
from briefpers.importers.kamerstuk import official_dossier
from briefpers.importers.layout import Line
from briefpers.parliament import session_years

HEADER_LINES = 80  # a letterhead with address and reference column fits in this
TITLE_LINES = 4  # a dossier or document title runs over at most this many lines
SALUTATION = re.compile(
    r"^(?:Geachte|Hooggeachte|Zeer geachte|Beste|Dear|Excellentie)\b.*,$", re.IGNORECASE
)
CHAMBER = re.compile(r"^(Tweede|Eerste) Kamer der Staten-Generaal(?:\s+[0-9])?$")
SESSION = re.compile(r"^Vergaderjaar\s+([0-9]{4})\s*[–-]\s*([0-9]{4})$", re.IGNORECASE)
# "28 676 NAVO", "35 300 VII Vaststelling …", "21 501-32 Landbouw- en Visserijraad".
DOSSIER = re.compile(
    r"^(?P<number>(?:[0-9]{2}\s[0-9]{3}|[0-9]{5})"
    r"(?:\s?-\s?[0-9A-Z]{1,4}|\s(?:[IVXL]{1,6}|[A-Z])(?=\s))?)"
    r"\s+(?P<title>\S.*)$"
)
NUMBER = re.compile(r"^Nr\.\s*(?P<number>[0-9]+[A-Z]?)(?:\s+(?P<title>\S.*))?$")
# A document title without its "Nr." line (a header with parts missing).
DOCUMENT_TITLE = re.compile(r"^BRIEF VAN\b[^a-z]*$")
TO = re.compile(r"^Aan (de|het)\s+(\S.*)$")
TO_CONTINUED = re.compile(r"^(?:der\s+)?Staten-Generaal$")
PLACE_DATE = re.compile(r"^([A-Z’'][\w’' .-]{0,40}),\s+([0-9]{1,2}\s+\w+\s+[0-9]{4})$")
LABELLED = re.compile(
    r"^(Datum|Betreft|Onderwerp|Ons kenmerk|Uw kenmerk)(?::|\s)\s*(.*)$", re.IGNORECASE
)


@dataclass
class _Seen:
    """What the header showed of the Kamerstuk shape."""

    chamber: str | None = None
    session: tuple[int, int] | None = None
    dossier: bool = False
    number: bool = False
    recipient: bool = False
    place_date: bool = False
    printed: list[str] = field(default_factory=list)

    def kamerstuk(self) -> bool:
        parts = (self.dossier, self.number, self.recipient, self.place_date, bool(self.chamber))
        return (self.dossier or self.number) and sum(parts) >= 2


def read_header(lines: list[Line], draft: Draft, vocab: Vocabulary) -> int:
    """Read header lines into metadata; return the index where the body starts."""
    texts = [line.text for line in lines]
    # Only near the top: a "Geachte heer," deep down belongs to a quoted letter.
    top = texts[:HEADER_LINES]
    salutation = next((i for i, t in enumerate(top) if SALUTATION.match(t)), None)
    reader = _Header(texts, draft, vocab)
    if salutation is not None:
        unused = reader.read(salutation, stop_at_unknown=False)
        if unused:
            draft.note("letter", "text before the salutation, not used: " + " | ".join(unused))
            draft.warnings.append(f"{len(unused)} lines before the salutation were not used")
        reader.finish(kamerstuk_possible=False)
        return salutation
    reader.read(len(texts), stop_at_unknown=True)
    reader.finish(kamerstuk_possible=True)
    return reader.i


class _Header:
    def __init__(self, texts: list[str], draft: Draft, vocab: Vocabulary) -> None:
        self.texts = texts
        self.draft = draft
        self.vocab = vocab
        self.seen = _Seen()
        self.i = 0

    def read(self, end: int, *, stop_at_unknown: bool) -> list[str]:
        unused: list[str] = []
        texts, draft, seen = self.texts, self.draft, self.seen
        while self.i < end:
            t = texts[self.i]
            self.i += 1
            if not t:
                continue
            if match := CHAMBER.match(t):
                seen.chamber = f"{match.group(1)} Kamer der Staten-Generaal"
                seen.printed.append(t)
            elif match := SESSION.match(t):
                seen.session = (int(match.group(1)), int(match.group(2)))
                seen.printed.append(t)
            elif match := NUMBER.match(t):
                seen.number = True
                draft.number = match.group("number")
                first = [match.group("title")] if match.group("title") else []
                title = self._title(first, end, capitals=True)
                if title:
                    draft.document_title = inline("document-title", title)
            elif (match := DOSSIER.match(t)) and not seen.dossier and not seen.number:
                seen.dossier = True
                draft.dossier = official_dossier(match.group("number"))
                title = self._title([match.group("title")], end, capitals=False)
                draft.dossier_title = inline("dossier-title", title)
            elif DOCUMENT_TITLE.match(t) and seen.dossier and draft.document_title is None:
                title = self._title([t], end, capitals=True)
                draft.document_title = inline("document-title", title)
            elif match := TO.match(t):
                seen.recipient = True
                line = f"{match.group(1).capitalize()} {match.group(2)}"
                if self.i < end and TO_CONTINUED.match(texts[self.i]):
                    line += " " + texts[self.i]
                    self.i += 1
                draft.recipient.extend(recipient_lines(line))
            elif (match := PLACE_DATE.match(t)) and parse_dutch_date(match.group(2)):
                seen.place_date = True
                draft.place = match.group(1).strip()
                draft.date = parse_dutch_date(match.group(2))
            elif (match := LABELLED.match(t)) and self._labelled(match):
                if not match.group(2).strip():
                    self.i += 1  # the value stood on the next line
            elif stop_at_unknown:
                self.i -= 1
                break
            else:
                unused.append(t)
        return unused

    def _title(self, first: list[str], end: int, *, capitals: bool) -> str:
        """A title that may run on over the next lines (a document title is in capitals)."""
        lines = list(first)
        if not lines:  # "Nr. 67" alone: the title follows, maybe after a blank line
            while self.i < end and not self.texts[self.i]:
                self.i += 1
        while self.i < end and len(lines) < TITLE_LINES:
            t = self.texts[self.i]
            if not t or self._header_line(t):
                break
            if capitals and re.search(r"[a-zß-ÿ]", t):
                break
            lines.append(t)
            self.i += 1
        return join_lines(lines, self.vocab)[0] if lines else ""

    @staticmethod
    def _header_line(t: str) -> bool:
        return any(p.match(t) for p in (CHAMBER, SESSION, NUMBER, TO, PLACE_DATE, SALUTATION))

    def _labelled(self, match: re.Match[str]) -> bool:
        draft = self.draft
        label, value = match.group(1).lower(), match.group(2).strip()
        if not value:
            value = self.texts[self.i] if self.i < len(self.texts) else ""
        if not value:
            return False
        if label == "datum":
            draft.date = parse_dutch_date(value)
            return draft.date is not None
        if label in ("betreft", "onderwerp"):
            draft.subject = value
        elif label == "ons kenmerk":
            draft.ours = value
        else:
            draft.yours = value
        return True

    def finish(self, *, kamerstuk_possible: bool) -> None:
        """Decide the letter's shape and say which Kamerstuk parts are missing."""
        seen, draft = self.seen, self.draft
        if seen.printed:
            draft.note("letter", "printed header: " + " | ".join(seen.printed), info=True)
        if not (kamerstuk_possible and seen.kamerstuk()):
            return
        draft.kind = "kamerstuk"
        missing = [
            what
            for what, found in (
                ("the dossier line ('12 345 Dossiertitel')", seen.dossier),
                ("the 'Nr.' line", seen.number),
                ("the document title ('BRIEF VAN …')", draft.document_title is not None),
                ("the recipient line ('Aan de Voorzitter …')", seen.recipient),
                ("the place and date line ('Den Haag, 16 juni 2020')", seen.place_date),
            )
            if not found
        ]
        if missing:
            draft.note("letter", "a Kamerstuk header without " + "; without ".join(missing))
            draft.warnings.append("the Kamerstuk header lacks " + "; ".join(missing))
        if draft.dossier_title is not None:
            draft.subject = " ".join("".join(draft.dossier_title.itertext()).split())
        elif draft.document_title is not None:
            draft.subject = " ".join("".join(draft.document_title.itertext()).split())
            draft.note("subject", "no dossier title: the subject is the document title")
        if seen.session and draft.date and session_years(draft.date) != seen.session:
            years = "–".join(map(str, session_years(draft.date)))
            draft.note(
                "date",
                f"the printed vergaderjaar {seen.session[0]}–{seen.session[1]} does not hold "
                f"this date (it belongs to {years}): check the date",
            )
