"""The header of an extracted letter: lines that become metadata, not body text.

Two shapes: a letterhead before the salutation ("Datum …", "Betreft …",
"Ons kenmerk …"), and the header of the printed parliamentary papers (dossier
line "28 676 NAVO", "Nr. 123 BRIEF VAN …", "Aan de Voorzitter …",
"Den Haag, 14 januari 2022") that stands where a salutation would.
"""

from __future__ import annotations

import re

from briefpers.importers.draft import Draft, parse_dutch_date, recipient_lines
from briefpers.importers.layout import Line

HEADER_LINES = 80  # a letterhead with address and reference column fits in this
SALUTATION = re.compile(
    r"^(?:Geachte|Hooggeachte|Zeer geachte|Beste|Dear|Excellentie)\b.*,$", re.IGNORECASE
)
# Header lines of the parliamentary papers and of a letterhead.
CHAMBER = re.compile(r"^(?:Tweede|Eerste) Kamer der Staten-Generaal(?:\s+\d)?$")
SESSION = re.compile(r"^Vergaderjaar\s+\d{4}\s*[–-]\s*\d{4}$", re.IGNORECASE)
DOSSIER = re.compile(r"^(\d{2}\s?\d{3}(?:-[A-Z0-9]+)?)\s+(\S.*)$")
NUMBER = re.compile(r"^Nr\.\s*(\d+[A-Z]?)\s+(\S.*)$")
TO = re.compile(r"^Aan (de|het)\s+(\S.*)$")
TO_CONTINUED = re.compile(r"^der Staten-Generaal$")
PLACE_DATE = re.compile(r"^([A-Z’'][\w’' .-]*),\s+(\d{1,2}\s+\w+\s+\d{4})$")
LABELLED = re.compile(
    r"^(Datum|Betreft|Onderwerp|Ons kenmerk|Uw kenmerk)(?::|\s)\s*(.*)$", re.IGNORECASE
)


def read_header(lines: list[Line], draft: Draft) -> int:
    """Read header lines into metadata; return the index where the body starts."""
    texts = [line.text for line in lines]
    # Only near the top: a "Geachte heer," deep down belongs to a quoted letter.
    top = texts[:HEADER_LINES]
    salutation = next((i for i, t in enumerate(top) if SALUTATION.match(t)), None)
    if salutation is not None:
        _, unused = _read_header(texts[:salutation], draft, stop_at_unknown=False)
        if unused:
            draft.note("letter", "text before the salutation, not used: " + " | ".join(unused))
            draft.warnings.append(f"{len(unused)} lines before the salutation were not used")
        return salutation
    end, _ = _read_header(texts, draft, stop_at_unknown=True)
    return end


def _read_header(texts: list[str], draft: Draft, *, stop_at_unknown: bool) -> tuple[int, list[str]]:
    unused: list[str] = []
    printed: list[str] = []
    i = 0
    while i < len(texts):
        t = texts[i]
        i += 1
        if not t:
            continue
        if CHAMBER.match(t) or SESSION.match(t):
            printed.append(t)
        elif match := NUMBER.match(t):
            title = [match.group(2)]
            while i < len(texts) and texts[i] and not re.search(r"[a-z]", texts[i]):
                title.append(texts[i])
                i += 1
            draft.number = match.group(1)
            if not draft.subject:
                draft.subject = " ".join(title)
                draft.note("subject", "the subject is the document title as printed")
        elif (match := DOSSIER.match(t)) and draft.dossier is None:
            draft.dossier = match.group(1).replace(" ", "")
            draft.note("parliamentary", f"dossier title: {match.group(2)}")
        elif match := TO.match(t):
            line = f"{match.group(1).capitalize()} {match.group(2)}"
            if i < len(texts) and TO_CONTINUED.match(texts[i]):
                line += " " + texts[i]
                i += 1
            draft.recipient.extend(recipient_lines(line))
        elif (match := PLACE_DATE.match(t)) and parse_dutch_date(match.group(2)):
            draft.date = parse_dutch_date(match.group(2))
        elif (match := LABELLED.match(t)) and _labelled(draft, texts, i, match):
            if not match.group(2).strip():
                i += 1  # the value stood on the next line
        elif stop_at_unknown:
            i -= 1
            break
        else:
            unused.append(t)
    if printed:
        draft.note("letter", "printed header: " + " | ".join(printed))
    return i, unused


def _labelled(draft: Draft, texts: list[str], i: int, match: re.Match[str]) -> bool:
    label, value = match.group(1).lower(), match.group(2).strip()
    if not value:
        value = texts[i] if i < len(texts) else ""
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
