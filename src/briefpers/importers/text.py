"""Import a letter from extracted text, as `pdftotext` writes it.

Two shapes are understood: the letter as sent (salutation, body, signatures,
annexes) and the letter as printed in the parliamentary papers (dossier line,
"Nr. 123 BRIEF VAN …", "Aan de Voorzitter …", "Den Haag, <date>", no
salutation), whose header lines become metadata (`header`). The page level
(furniture, footnote areas) is `layout`; line-end hyphens are `hyphen`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from briefpers.errors import SourceError
from briefpers.importers.draft import (
    DUTCH_DATE,
    Draft,
    Imported,
    Reissue,
    append_block,
    remark,
)
from briefpers.importers.header import SALUTATION, read_header
from briefpers.importers.hyphen import Vocabulary, join_pair
from briefpers.importers.layout import Layout, call_pattern, layout
from briefpers.source.load import read_source

MAX_TEXT_BYTES = 10 * 1024 * 1024

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
NUMBERED = re.compile(r"^(\d{1,2}|[a-z])[.)]\s+(\S.*)$")
ANNEX_WORD = re.compile(r"^(?:BIJLAGE|Bijlage)\b")
TERMINAL = ".!?:;"
MARK = re.compile("[\U00100000-\U0010fffd]")


@dataclass
class Block:
    lines: list[str]
    start: int  # index of the first line in the flow
    new_page: bool = False
    remarks: list[str] = field(default_factory=list)  # to put after the block


def import_text_file(path: Path, *, reissue: Reissue | None = None) -> Imported:
    """Read a text file (UTF-8) and import it."""
    data = read_source(path)  # bounded read; missing or unreadable → SourceError
    if len(data) > MAX_TEXT_BYTES:
        raise SourceError(f"text is more than {MAX_TEXT_BYTES} bytes", path=path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"not UTF-8 text (byte {exc.start}); run pdftotext with -enc UTF-8", path=path
        ) from None
    return import_text(text, origin=path.name, reissue=reissue)


def import_text(text: str, origin: str = "text", *, reissue: Reissue | None = None) -> Imported:
    """Turn extracted letter text into a draft letter source."""
    lay = layout(text)
    if not any(line.text for line in lay.lines):
        raise SourceError("the text is empty", path=origin)
    draft = Draft(origin=f"{origin} (extracted text)")
    start = read_header(lay.lines, draft)
    vocab = Vocabulary([line.text for line in lay.lines] + _flat(lay.footnotes))
    reader = _Reader(draft, vocab)
    reader.read(_blocks(lay, start))
    reader.place_notes(lay.footnotes)
    reader.fill()
    _summary(lay, draft, text)
    if reissue:
        draft.set_reissue(*reissue, today=dt.date.today())
    draft.warnings = [f"{origin}: warning: {w}" for w in draft.warnings]
    return draft.finish()


def _flat(notes: dict[int, list[str]]) -> list[str]:
    return [line for lines in notes.values() for line in lines]


def _summary(lay: Layout, draft: Draft, text: str) -> None:
    if lay.furniture:
        items = ", ".join(
            f"{line!r}" + (f" ({n}×)" if n > 1 else "") for line, n in lay.furniture.items()
        )
        draft.note("letter", f"page furniture left out: {items}")
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
        if not line.text or line.new_page:
            current = None
        if not line.text:
            continue
        if current is None:
            current = Block([], index, new_page=line.new_page)
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
    for index, text in lay.remarks:
        target = next((b for b in reversed(result) if b.start <= index), None)
        if target is not None:
            target.remarks.append(text)
        elif result:
            result[0].remarks.insert(0, text)
    return result


def _continues(before: Block, after: Block) -> bool:
    """A paragraph broken by a page break: no final punctuation, lowercase next."""
    last = before.lines[-1].rstrip("’”'\")")
    first = after.lines[0]
    return last.endswith("-") or (last[-1:] not in TERMINAL and first[:1].islower())


def _typical_width(blocks: list[Block]) -> int:
    widths = sorted(len(line) for b in blocks for line in b.lines[:-1])
    return widths[len(widths) // 2] if widths else 80


def _split(block: Block, width: int) -> list[Block]:
    """Split off placeholder lines, lists, and a short heading line at the top."""
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
        return chr(0x100000 + len(self.marks) - 1)

    def join(self, lines: list[str]) -> str:
        text = lines[0].strip()
        for line in lines[1:]:
            decision = self.vocab.decide(text, line)
            joined = join_pair(text, line, decision)
            if not decision.certain:
                left = re.search(r"\S+$", text).group(0)
                right = re.match(r"\S*", line.strip()).group(0)
                end = len(joined) - len(line.strip()) + len(right)
                word = left + right
                note = remark(
                    f"line-end hyphen kept in {word!r} ({decision.reason}); remove it if "
                    "the word was only broken at the end of the line"
                )
                joined = joined[:end] + self.mark(note) + joined[end:]
                self.draft.warnings.append(f"line-end hyphen kept in {word!r}: please check")
            text = joined
        return text

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
            node = self.marks[ord(found) - 0x100000]
            el.append(node)
            node.tail = tail or None

    def place_notes(self, notes: dict[int, list[str]]) -> None:
        """Put each footnote's text where its call stands."""
        number = 1
        found: list[tuple[etree._Element, str]] = []
        for index, (el, text) in enumerate(self.units):
            pos = 0
            while number in notes:
                match = call_pattern(number).search(text, pos)
                if match is None:
                    break
                note = etree.Element("note")
                found.append((note, self.join(notes[number])))
                marker = self.mark(note)
                text = text[: match.start()] + marker + text[match.end() :]
                pos = match.start() + len(marker)
                number += 1
            self.units[index] = (el, text)
        self.units.extend(found)
        for left in sorted(n for n in notes if n >= number):
            p = etree.Element("p")
            append_block(self.container, remark(f"footnote {left}: its call was not found"))
            append_block(self.container, self.unit(p, [f"{left} ", *notes[left]]))

    # -- blocks --

    def read(self, blocks: list[Block]) -> None:
        i = 0
        while i < len(blocks):
            block = blocks[i]
            following = blocks[i + 1] if i + 1 < len(blocks) else None
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
        started = any(isinstance(child.tag, str) for child in self.draft.body)
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


def _next_label(label: str) -> str:
    return str(int(label) + 1) if label.isdigit() else chr(ord(label) + 1)
