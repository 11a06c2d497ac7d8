"""Import a letter from extracted text, as `pdftotext` writes it.

Two shapes are understood: the letter as sent (salutation, body, signatures,
annexes) and the Kamerstuk as printed in the parliamentary papers (dossier
line, "Nr. 67", "BRIEF VAN …", "Aan de Voorzitter …", "Den Haag, <date>",
no salutation), whose header lines become source fields (`header`). The page
level (furniture, footnote areas) is `layout`; line-end hyphens are `hyphen`.

Every step is linear in the length of the text. Characters that XML cannot
hold are replaced by U+FFFD and listed in a comment; line and paragraph
separators (U+2028, U+2029, U+0085) are line breaks.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from briefpers.errors import SourceError
from briefpers.importers.draft import (
    DUTCH_DATE,
    NOT_XML,
    REPLACEMENT,
    Draft,
    Imported,
    Reissue,
    append_block,
    plain_text,
    remark,
)
from briefpers.importers.header import SALUTATION, read_header
from briefpers.importers.hyphen import Vocabulary, join_lines
from briefpers.importers.kamerstuk import sender_from_title
from briefpers.importers.layout import Footnote, Layout, find_call, layout
from briefpers.limits import Limits, env_name
from briefpers.source.load import read_source

CLOSING = re.compile(
    r"^(?:Hoogachtend|Met (?:vriendelijke|hartelijke) groet(?:en)?|Met (?:de meeste )?"
    r"hoogachting|Yours (?:sincerely|faithfully)|Kind regards),?$",
    re.IGNORECASE,
)
ROLE = re.compile(
    r"\b(?:minister|staatssecretaris|secretaris|directeur|voorzitter|griffier|burgemeester"
    r"|wethouder|commissaris|namens|hoofd|ambassadeur|president|plaatsvervangend)",
    re.IGNORECASE,
)
PLACEHOLDER = re.compile(r"^\[[^\[\]]+\]$")
BULLET = re.compile(r"^([•·▪◦■□●○\uf0b7\uf0a7*–-])\s+(\S.*)$")
NUMBERED = re.compile(r"^([0-9]{1,2}|[a-z])[.)]\s+(\S.*)$")
ANNEX_WORD = re.compile(r"^(?:BIJLAGE|Bijlage)\b")
TERMINAL = ".!?:;"
# Markers stand in the text for comments and notes until the text is put into
# elements: \x01, the marker's number in the characters \x10-\x19, \x02.
# These control characters cannot be in the text: XML cannot hold them, so
# they were replaced before (see `sanitise`).
MARK = re.compile("\x01[\x10-\x19]+\x02")
LINE_BREAKS = str.maketrans({"\u2028": "\n", "\u0085": "\n", "\u2029": "\n\n"})


@dataclass
class Block:
    lines: list[str]
    start: int  # index of the first line in the flow
    new_page: bool = False
    remarks: list[str] = field(default_factory=list)  # to put after the block
    candidate: bool = False  # numbered foot lines without a call: a footnote candidate


def import_text_file(
    path: Path, *, reissue: Reissue | None = None, limits: Limits | None = None
) -> Imported:
    """Read a text file (UTF-8) and import it; a file over the size limit is refused."""
    limits = limits or Limits()  # the CLI passes the settings read from the environment
    data = read_source(path, limits)  # bounded read; missing or unreadable → SourceError
    if len(data) > limits.max_source_bytes:
        raise SourceError(
            f"the text is larger than the limit of {limits.max_source_bytes:,} bytes "
            f"({env_name('max_source_bytes')} raises it); nothing was imported",
            path=path,
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SourceError(
            f"not UTF-8 text (byte {exc.start}); run pdftotext with -enc UTF-8",
            path=path,
            line=line,
        ) from None
    return import_text(text, origin=path.name, reissue=reissue, source=str(path))


def sanitise(text: str) -> tuple[str, Counter[str]]:
    """Text that XML can hold: separators become line breaks, and every other
    character XML cannot hold (form feeds, which separate pages, aside)
    becomes U+FFFD. Returns the text and the characters replaced."""
    text = text.translate(LINE_BREAKS)
    bad: Counter[str] = Counter()

    def replace(match: re.Match[str]) -> str:
        if match.group() == "\f":
            return "\f"
        bad[match.group()] += 1
        return REPLACEMENT

    return NOT_XML.sub(replace, text), bad


def import_text(
    text: str,
    origin: str = "text",
    *,
    reissue: Reissue | None = None,
    source: str | None = None,
) -> Imported:
    """Turn extracted letter text into a draft letter source."""
    text, replaced = sanitise(text)
    lay = layout(text)
    if not any(line.text for line in lay.lines):
        raise SourceError("the text is empty: there is no letter to import", path=source or origin)
    draft = Draft(origin=f"{origin} (extracted text)", source=source or origin)
    if replaced:
        codes = ", ".join(f"U+{ord(c):04X} ({n}×)" for c, n in sorted(replaced.items()))
        draft.note("letter", f"characters XML cannot hold were replaced by U+FFFD: {codes}")
        draft.warnings.append(f"characters XML cannot hold were replaced by U+FFFD: {codes}")
    vocab = Vocabulary([line.text for line in lay.lines] + _flat(lay.footnotes))
    start = read_header(lay.lines, draft, vocab)
    reader = _Reader(draft, vocab)
    reader.read(_blocks(lay, start))
    reader.place_notes(lay.footnotes)
    reader.fill()
    _not_a_letter(draft, reader, source or origin)
    _sender(draft)
    _summary(lay, draft, text)
    if reissue:
        draft.set_reissue(reissue, found_by="the text")
    draft.warnings = [f"{origin}: warning: {w}" for w in draft.warnings]
    return draft.finish()


def _flat(notes: dict[int, Footnote]) -> list[str]:
    return [line for note in notes.values() for line in note.lines]


def _not_a_letter(draft: Draft, reader: _Reader, where: str) -> None:
    """Refuse a text that shows nothing of a letter: no header field, no
    salutation, no closing, no signature."""
    found = (
        draft.kind != "letter",
        draft.date is not None,
        bool(draft.subject or draft.recipient or draft.ours or draft.yours),
        draft.body.find("salutation") is not None,
        bool(draft.closing or draft.signatories),
    )
    if not any(found):
        raise SourceError(
            "this text does not look like a letter: no date, subject, recipient, salutation, "
            "closing or signature was found",
            path=where,
        )


def _sender(draft: Draft) -> None:
    """A Kamerstuk has no letterhead: its document title names the sender."""
    if draft.kind != "kamerstuk" or draft.organisation:
        return
    title = plain_text(draft.document_title)
    functions = [function for function, _ in draft.signatories]
    names = sender_from_title(title, functions)
    if not names:
        draft.note(
            "sender",
            "the document title names no minister or state secretary: fill in the sender "
            "(the Kamerstuk shape does not print it; the PDF's metadata records it)",
        )
        return
    draft.organisation = names
    said = " ".join(functions).lower()
    guessed = [n for n in names if n.split(" ", 2)[-1].lower() not in said]
    if guessed:
        draft.note(
            "sender", "read from the document title; check the spelling: " + "; ".join(guessed)
        )


def _summary(lay: Layout, draft: Draft, text: str) -> None:
    if lay.furniture:
        items = ", ".join(
            f"{line!r}" + (f" ({n}×)" if n > 1 else "") for line, n in lay.furniture.items()
        )
        draft.note("letter", f"page furniture left out: {items}", info=True)
    if draft.date is None:
        found = list(dict.fromkeys(m.group(0) for m in DUTCH_DATE.finditer(text)))
        if found:
            draft.note("date", "dates mentioned in the text: " + "; ".join(found[:5]))


# Blocks ======================================================================


def _blocks(lay: Layout, start: int) -> list[Block]:
    """Blank-line separated blocks, rejoined across page breaks, then split."""
    lines = lay.lines
    raw: list[Block] = []
    current: Block | None = None
    for index in range(start, len(lines)):
        line = lines[index]
        if not line.text or line.new_page or (current and line.candidate != current.candidate):
            current = None
        if not line.text:
            continue
        if current is None:
            current = Block([], index, new_page=line.new_page, candidate=line.candidate)
            raw.append(current)
        current.lines.append(line.text)
    merged: list[Block] = []
    for block in raw:
        if merged and block.new_page and _continues(merged[-1], block):
            merged[-1].lines.extend(block.lines)
        else:
            merged.append(block)
    width = _typical_width(merged)
    result = [part for block in merged for part in _split(block, width)]
    starts = [b.start for b in result]  # ascending: blocks are in flow order
    for index, text in lay.remarks:
        at = bisect.bisect_right(starts, index) - 1
        if at >= 0:
            result[at].remarks.append(text)
        elif result:
            result[0].remarks.insert(0, text)
    return result


def _continues(before: Block, after: Block) -> bool:
    """A paragraph broken by a page break: no final punctuation, lowercase next."""
    if before.candidate or after.candidate:
        return False
    last = before.lines[-1].rstrip("’”'\")")
    first = after.lines[0]
    return last.endswith("-") or (last[-1:] not in TERMINAL and first[:1].islower())


def _typical_width(blocks: list[Block]) -> int:
    widths = sorted(len(line) for b in blocks for line in b.lines[:-1])
    return widths[len(widths) // 2] if widths else 80


def _split(block: Block, width: int) -> list[Block]:
    """Split off placeholder lines, lists, and a short heading line at the top."""
    if block.candidate:
        return [block]
    parts: list[Block] = []
    current: list[str] = []
    start = block.start
    in_list = False
    for i, line in enumerate(block.lines):
        starts_list = not in_list and _list_start(line, current)
        if PLACEHOLDER.match(line) or starts_list:
            if current:
                parts.append(Block(current, start))
            if PLACEHOLDER.match(line):
                parts.append(Block([line], block.start + i))
                current, in_list = [], False
                continue
            current, in_list = [], True
            start = block.start + i
        current.append(line)
    if current:
        parts.append(Block(current, start))
    if parts:
        parts[0].new_page = block.new_page
        parts[-1].remarks = block.remarks
    result = []
    for part in parts:
        first = part.lines[0]
        if (
            len(part.lines) > 1
            and _heading_line(first)
            and len(first) < 0.6 * width
            and part.lines[1][:1].isupper()
        ):
            result.append(Block([first], part.start))
            result.append(Block(part.lines[1:], part.start + 1, remarks=part.remarks))
        else:
            result.append(part)
    return result


def _list_start(line: str, before: list[str]) -> bool:
    if (match := BULLET.match(line)) and match.group(1) in "–-*":
        # A dash at the start of a wrapped line is a dash, unless a list is announced.
        return not before or before[-1].endswith(":")
    if match:
        return True
    match = NUMBERED.match(line)
    return bool(match) and match.group(1) in ("1", "a")


def _heading_line(line: str) -> bool:
    words = line.split()
    return (
        0 < len(words) <= 12
        and len(line) <= 90
        and line[-1] not in TERMINAL + ","
        and (line[0].isupper() or line[0].isdigit())
        and not PLACEHOLDER.match(line)
        and not BULLET.match(line)
        and not NUMBERED.match(line)
    )


def _name_line(line: str) -> bool:
    words = line.split()
    if not 0 < len(words) <= 6 or len(line) > 60 or line[-1] in ",;:!?" or _caps_title(line):
        return False
    return not line.endswith(".") or len(words[-1]) <= 4


def _caps_title(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= 6 and all(c.isupper() for c in letters) and len(line) <= 120


def _signature(block: Block, following: Block | None) -> tuple[str, str | None] | None:
    """A function line ending in a comma, then (here or in the next block) a name."""
    lines = block.lines
    end = next((i for i, line in enumerate(lines[:3]) if line.endswith(",")), None)
    if end is None:
        return None
    function = " ".join(lines[: end + 1])
    if len(function.split()) > 20 or not (ROLE.search(function) or function.startswith("De ")):
        return None
    rest = lines[end + 1 :]
    if len(rest) == 1 and _name_line(rest[0]):
        return function, rest[0]
    if rest:
        return None
    if following is None or _single(following, _name_line) or _single(following, PLACEHOLDER.match):
        return function, None
    return None


def _single(block: Block, test) -> bool:
    return len(block.lines) == 1 and bool(test(block.lines[0]))


def _marker(index: int) -> str:
    return "\x01" + "".join(chr(0x10 + int(d)) for d in str(index)) + "\x02"


def _marker_index(marker: str) -> int:
    return int("".join(str(ord(c) - 0x10) for c in marker[1:-1]))


# Reading blocks into the letter ==============================================


class _Reader:
    """Classifies blocks in order: body, signatures, annexes."""

    def __init__(self, draft: Draft, vocab: Vocabulary) -> None:
        self.draft = draft
        self.vocab = vocab
        self.container = draft.body
        self.state = "body"
        self.marks: list[etree._Element] = []
        self.units: list[tuple[etree._Element, str]] = []  # elements to fill with text

    # -- text with markers for comments and notes --

    def mark(self, node: etree._Element) -> str:
        self.marks.append(node)
        return _marker(len(self.marks) - 1)

    def join(self, lines: list[str]) -> str:
        """The lines as one text, with a marked comment after each doubtful hyphen."""
        text, doubts = join_lines(lines, self.vocab)
        if not doubts:
            return text
        pieces, pos = [], 0
        for doubt in doubts:
            note = remark(
                f"line-end hyphen kept in {doubt.word!r} ({doubt.reason}); remove it if "
                "the word was only broken at the end of the line"
            )
            pieces += [text[pos : doubt.end], self.mark(note)]
            pos = doubt.end
            self.draft.warnings.append(f"line-end hyphen kept in {doubt.word!r}: please check")
        pieces.append(text[pos:])
        return "".join(pieces)

    def unit(self, el: etree._Element, lines: list[str]) -> etree._Element:
        self.units.append((el, self.join(lines)))
        return el

    def fill(self) -> None:
        for el, text in self.units:
            self._fill(el, text)

    def _fill(self, el: etree._Element, text: str) -> None:
        parts = MARK.split(text)
        el.text = parts[0] or None
        for found, tail in zip(MARK.findall(text), parts[1:], strict=True):
            node = self.marks[_marker_index(found)]
            el.append(node)
            node.tail = tail or None

    def place_notes(self, notes: dict[int, Footnote]) -> None:
        """Put each footnote's text where its call stands; a further call of the
        same note becomes a `noteref` to it."""
        calls = _CallPlacer(self, notes)
        for index, (el, text) in enumerate(self.units):
            self.units[index] = (el, calls.place(text))
        self.units.extend(calls.found)
        for left in calls.unplaced():
            p = etree.Element("p")
            append_block(
                self.draft.body,
                remark(
                    f"footnote candidate {left}: no call {left} was found in the text; kept as "
                    "a paragraph: if it is a footnote, move its text into a <note> at its call"
                ),
            )
            append_block(self.draft.body, self.unit(p, [f"{left} ", *notes[left].lines]))
            self.draft.warnings.append(f"footnote {left}: its call was not found")

    # -- blocks --

    def read(self, blocks: list[Block]) -> None:
        i = 0
        while i < len(blocks):
            block = blocks[i]
            following = blocks[i + 1] if i + 1 < len(blocks) else None
            if block.candidate:  # a footnote candidate stays in the body, whatever state
                for text in block.remarks:
                    append_block(self.draft.body, remark(text))
                    self.draft.warnings.append(text)
                append_block(self.draft.body, self.unit(etree.Element("p"), block.lines))
                i += 1
                continue
            if not self._one(block, following):
                continue  # the block is read again in the new state
            for text in block.remarks:
                append_block(self.container, remark(text))
                self.draft.warnings.append(text)
            i += 1

    def _one(self, block: Block, following: Block | None) -> bool:
        """Read one block; False when the state changed and it must be read again."""
        lines, first = block.lines, block.lines[0]
        joined = " ".join(lines)
        started = next(self.draft.body.iterchildren(etree.Element), None) is not None
        if self.state == "body" and not started and SALUTATION.match(first):
            self.unit(etree.SubElement(self.draft.body, "salutation"), [first])
            if lines[1:]:
                self._paragraph(lines[1:])
        elif self.state == "body" and CLOSING.match(joined):
            self.draft.closing = joined
            self.state = "signatures"
        elif self.state != "annex" and (sig := _signature(block, following)):
            self.draft.signatories.append((sig[0], sig[1] or ""))
            self.state = "signatures"
        elif self._annex_title(block):
            annex = etree.Element("annex")
            self.unit(etree.SubElement(annex, "title"), lines)
            self.draft.annexes.append(annex)
            self.container = annex
            self.state = "annex"
        elif self.state == "signatures" and len(lines) == 1 and self._signatory_part(first):
            pass
        elif self.state == "signatures":
            # Text after the signatures that does not start an annex: keep it in one.
            annex = etree.Element("annex")
            annex.append(remark("text after the signatures, without an annex title"))
            self.draft.annexes.append(annex)
            self.container = annex
            self.state = "annex"
            return False
        elif _list_start(first, []):
            self._list(lines)
        elif len(lines) == 1 and _heading_line(first):
            section = etree.SubElement(self.container, "section")
            self.unit(etree.SubElement(section, "heading"), lines)
        else:
            self._paragraph(lines)
        return True

    def _signatory_part(self, line: str) -> bool:
        """A name under a function, or a placeholder standing for a signatory."""
        signatories = self.draft.signatories
        function, name = signatories[-1] if signatories else ("", "x")
        if not name and (_name_line(line) or PLACEHOLDER.match(line)):
            signatories[-1] = (function, line)
            return True
        if PLACEHOLDER.match(line):
            signatories.append((line, ""))
            return True
        return False

    def _annex_title(self, block: Block) -> bool:
        if len(block.lines) != 1:
            return False
        line = block.lines[0]
        if ANNEX_WORD.match(line) and len(line.split()) <= 12:
            return True
        return self.state != "body" and _caps_title(line)

    def _paragraph(self, lines: list[str]) -> None:
        p = etree.Element("p")
        append_block(self.container, self.unit(p, lines))

    def _list(self, lines: list[str]) -> None:
        items: list[list[str]] = []
        numbered = NUMBERED.match(lines[0]) is not None and not BULLET.match(lines[0])
        expected = NUMBERED.match(lines[0]).group(1) if numbered else None
        for line in lines:
            if numbered and (m := NUMBERED.match(line)) and m.group(1) == expected:
                items.append([m.group(2)])
                expected = _next_label(expected)
            elif not numbered and (m := BULLET.match(line)):
                items.append([m.group(2)])
            else:
                items[-1].append(line)
        el = etree.Element("ol" if numbered else "ul")
        for item in items:
            self.unit(etree.SubElement(el, "li"), item)
        append_block(self.container, el)


class _CallPlacer:
    """Walks the text units in order, replacing each call by a marker.

    The next note's first call and the further calls of the note before it
    (as many as the layout counted) are searched together; the earlier one is
    taken. Each search result is kept until the walk passes it, so a unit is
    searched in time linear in its length.
    """

    def __init__(self, reader: _Reader, notes: dict[int, Footnote]) -> None:
        self.reader = reader
        self.notes = notes
        self.numbers = sorted(notes)
        self.k = 0  # the next note to place
        self.again: int | None = None  # the note whose further calls may follow
        self.left = 0  # how many further calls are still expected
        self.placed: dict[int, etree._Element] = {}
        self.found: list[tuple[etree._Element, str]] = []

    def unplaced(self) -> list[int]:
        return self.numbers[self.k :]

    def place(self, text: str) -> str:
        pieces: list[str] = []
        pos = 0
        cache: dict[tuple[str, int], tuple[int, int] | None] = {}

        def search(kind: str, number: int, glued: bool) -> tuple[int, int] | None:
            key = (kind, number)
            if key not in cache or (cache[key] is not None and cache[key][0] < pos):
                cache[key] = find_call(text, number, pos, glued=glued)
            return cache[key]

        while True:
            options = []
            if self.k < len(self.numbers):
                number = self.numbers[self.k]
                span = search("first", number, self.notes[number].glued)
                if span:
                    options.append((span, "first", number))
            if self.left and self.again is not None:
                span = search("again", self.again, False)
                if span:
                    options.append((span, "again", self.again))
            if not options:
                break
            (start, end), kind, number = min(options)
            pieces.append(text[pos:start])
            pieces.append(
                self._first(number, text, start) if kind == "first" else self._again(number)
            )
            pos = end
        pieces.append(text[pos:])
        return "".join(pieces)

    def _first(self, number: int, text: str, start: int) -> str:
        reader = self.reader
        note = etree.Element("note")
        self.placed[number] = note
        self.found.append((note, reader.join(self.notes[number].lines)))
        marker = reader.mark(note)
        if self.notes[number].glued:
            year = text[max(0, start - 4) : start]
            marker += reader.mark(
                remark(
                    f"footnote {number}: its call was glued to a number, '{year}{number}' is "
                    f"read as {year} and note {number}: check"
                )
            )
            reader.draft.warnings.append(f"footnote {number}: call split from '{year}{number}'")
        self.k += 1
        self.again, self.left = number, self.notes[number].repeats
        return marker

    def _again(self, number: int) -> str:
        """A further call: a reference to the note (one remark per note suffices)."""
        reader = self.reader
        ident = f"noot-{number}"
        note = self.placed[number]
        first = note.get("id") is None
        note.set("id", ident)
        self.left -= 1
        marker = reader.mark(etree.Element("noteref", ref=ident))
        if first:
            reader.draft.warnings.append(f"footnote {number} is called again: a reference to it")
            marker += reader.mark(
                remark(
                    f"footnote {number} is called again here: made a reference to the same note "
                    "(check that it is a call, not a number)"
                )
            )
        return marker


def _next_label(label: str) -> str:
    return str(int(label) + 1) if label.isdigit() else chr(ord(label) + 1)
