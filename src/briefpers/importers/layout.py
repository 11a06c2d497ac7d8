"""The page level of extracted text: pages, page furniture, footnotes.

`pdftotext` writes one line per printed line, a blank line between
paragraphs and a form feed between pages. Page numbers, running headers and
footers are furniture (dropped, but listed in a comment); numbered lines at a
page foot are footnotes when the text above has a matching call.

A call is the note's number glued to a word or a punctuation mark
(`NAVO.1`, `»…«2`). When no such call is found and the number is glued to a
year instead ("het Jaarverslag 20231." is 2023 and note 1), that is taken as
the call, and the text importer leaves a remark to check it. A further call of
the same note before the next note's call (on the same page) is counted, so
that the importer can refer to the note again.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

PAGE_NUMBER = re.compile(
    r"^(?:(?:pagina|page|blad)\s*[0-9]+(?:\s*(?:van|of|/)\s*[0-9]+)?|[0-9]+\s*(?:/|van)\s*[0-9]+)$",
    re.IGNORECASE,
)
BARE_NUMBER = re.compile(r"^[-–]?\s*[0-9]{1,3}\s*[-–]?$")
# The running footer of the printed parliamentary papers.
PARL_FOOTER = re.compile(
    r"^(?:Tweede|Eerste) Kamer, vergaderjaar [0-9]{4}\s*[–-]\s*[0-9]{4}, .*nr\.\s*[0-9]+.*$"
)
# The colophon at the foot of a printed Kamerstuk.
COLOPHON = re.compile(
    r"^(?:kst-[0-9][\w-]*|ISSN\s+[0-9]{4}\s*-\s*[0-9]{3}[0-9X]|['’]s-Gravenhage\s+[0-9]{4})$"
)
FOOTNOTE_LINE = re.compile(r"^([0-9]{1,3})\s+(\S.*)$")
EDGE = 3  # lines at the top and foot of a page where running headers stand
LIGATURES = str.maketrans(
    {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"}
)
# What may follow a call: the end, white space, punctuation, a closing quote,
# or the start of an importer's marker (\x01, see text.py).
_AFTER = r"(?=$|[\s.,;:!?)\]’”'\"«»‹›\x01])"
# A quotation mark after white space (or at the start) opens a quotation: a
# number after it is quoted text («5 EURO»), not a call.
_NOT_OPENING = r"(?<!^[«»‹›„“‘\"'])(?<![\s(\[][«»‹›„“‘\"'])"
# Words before a five- or six-digit number that is not a year and a call.
_NOT_YEAR = r"(?<!Postbus )(?<!postbus )(?<!nr\. )(?<!Nr\. )(?<!nummer )"


def call_pattern(number: int) -> re.Pattern[str]:
    """A footnote call: the number glued to a word or a punctuation mark.

    Not after a digit and a point or comma (`3.1`, `1,5`), a hyphen or slash
    (`COVID-19`), an opening quotation mark, and not followed by a letter or digit.
    """
    return re.compile(rf"(?<![0-9][.,]){_NOT_OPENING}(?<=[^\s0-9(\[\-–/+]){number}{_AFTER}")


def year_call_pattern(number: int) -> re.Pattern[str]:
    """A call glued to a year: "20231." is 2023 followed by the call 1."""
    return re.compile(rf"(?<![0-9]){_NOT_YEAR}(?:1[89][0-9]{{2}}|20[0-9]{{2}})({number}){_AFTER}")


def find_call(
    text: str, number: int, pos: int = 0, *, glued: bool = False
) -> tuple[int, int] | None:
    """The span of a call of `number` in text from pos (glued: after a year), else None."""
    if glued:
        match = year_call_pattern(number).search(text, pos)
        return match.span(1) if match else None
    match = call_pattern(number).search(text, pos)
    return match.span() if match else None


@dataclass
class Line:
    text: str  # stripped
    page: int
    new_page: bool = False  # the first line kept of a page after the first
    candidate: bool = False  # a numbered foot line without a call: maybe a footnote


@dataclass
class Footnote:
    lines: list[str]
    glued: bool = False  # its call is glued to a year
    repeats: int = 0  # further calls of the same note


@dataclass
class Layout:
    lines: list[Line] = field(default_factory=list)  # the flow, blanks as ""
    footnotes: dict[int, Footnote] = field(default_factory=dict)
    furniture: Counter[str] = field(default_factory=Counter)
    remarks: list[tuple[int, str]] = field(default_factory=list)  # (line index, text)


def split_pages(text: str) -> list[list[str]]:
    """Pages of stripped lines (form feeds separate pages)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(LIGATURES)
    pages = text.split("\f")
    if len(pages) > 1 and not pages[-1].strip():
        pages.pop()
    return [[_clean(line) for line in page.split("\n")] for page in pages]


def _clean(line: str) -> str:
    return line.replace("\u00a0", " ").strip()


def _edges(page: list[str]) -> list[int]:
    filled = [i for i, line in enumerate(page) if line]
    return sorted(set(filled[:EDGE] + filled[-EDGE:]))


def _key(line: str) -> str:
    return re.sub(r"[0-9]+", "#", line)


def furniture(pages: list[list[str]]) -> list[set[int]]:
    """Per page, the indexes of furniture lines."""
    several = len(pages) > 1
    repeated: set[str] = set()
    if several:
        seen = Counter(key for page in pages for key in {_key(page[i]) for i in _edges(page)})
        repeated = {key for key, n in seen.items() if n >= 2 and len(key) <= 100}
    result = []
    for page in pages:
        edges = set(_edges(page))
        last = max((i for i, line in enumerate(page) if line), default=-1)
        drop = set()
        for i, line in enumerate(page):
            if not line:
                continue
            anywhere = PAGE_NUMBER.match(line) or PARL_FOOTER.match(line) or COLOPHON.match(line)
            at_edge = i in edges and several
            # A numbered foot line recurs on every page in its form ("2 Kamerstuk …"):
            # it is a footnote, not a running footer.
            running = _key(line) in repeated and not FOOTNOTE_LINE.match(line)
            number = BARE_NUMBER.match(line) and (at_edge or i == last)
            if anywhere or number or (at_edge and running):
                drop.add(i)
        result.append(drop)
    return result


def _blocks(lines: list[str]) -> list[tuple[int, int]]:
    """(start, end) index ranges of non-blank runs."""
    ranges, start = [], None
    for i, line in enumerate([*lines, ""]):
        if line and start is None:
            start = i
        elif not line and start is not None:
            ranges.append((start, i))
            start = None
    return ranges


def layout(text: str) -> Layout:
    """Split text into the flow of lines, footnotes and dropped furniture."""
    pages = split_pages(text)
    drops = furniture(pages)
    out = Layout()
    calls = _Calls()
    for number, (page, drop) in enumerate(zip(pages, drops, strict=True)):
        kept = []
        for i, line in enumerate(page):
            if i in drop:
                out.furniture[line] += 1
            else:
                kept.append(line)
        calls.new_page()
        taken, rejected, candidates = _foot(kept, calls)
        calls.count_repeats()
        body = [(i, line) for i, line in enumerate(kept) if i not in taken]
        first = next((j for j, (_, line) in enumerate(body) if line), None)
        for j, (i, line) in enumerate(body):
            new_page = number > 0 and j == first
            out.lines.append(Line(line, number, new_page=new_page, candidate=i in candidates))
        if rejected:
            out.remarks.append((len(out.lines) - 1, rejected))
    out.footnotes = calls.notes
    return out


class _Calls:
    """The flow read so far, page by page, and where the last footnote call was found.

    Searches never go back over text already searched for the same note, so
    reading a text takes time linear in its length.
    """

    def __init__(self) -> None:
        self.pages: list[str] = []
        self.pos = (0, 0)  # (page, offset) just after the last call found
        self.scanned: dict[bool, tuple[int, int]] = {}  # searched in vain up to here
        self.expected = 1
        self.notes: dict[int, Footnote] = {}
        self.page_calls: list[tuple[int, int, int]] = []  # (number, start, end) on this page

    def new_page(self) -> None:
        self.pages.append("")
        self.page_calls = []

    def read(self, lines: list[str]) -> None:
        if lines:
            self.pages[-1] += "\n" + "\n".join(lines)

    def find(self, number: int) -> bool | None:
        """Find the call of `number`: True if glued to a year, False if not, None if none."""
        for glued in (False, True):
            page, offset = max(self.pos, self.scanned.get(glued, self.pos))
            while page < len(self.pages):
                span = find_call(self.pages[page], number, offset, glued=glued)
                if span is not None:
                    self.pos = (page, span[1])
                    self.scanned = {}
                    if page == len(self.pages) - 1:
                        self.page_calls.append((number, *span))
                    return glued
                page, offset = page + 1, 0
            last = len(self.pages) - 1
            self.scanned[glued] = (last, len(self.pages[last]))
        return None

    def count_repeats(self) -> None:
        """Further calls of each note found on this page, up to the next note's call."""
        if not self.pages or not self.page_calls:
            return
        text = self.pages[-1]
        ends = [start for _, start, _ in self.page_calls[1:]] + [len(text)]
        for (number, _, end), limit in zip(self.page_calls, ends, strict=True):
            count = sum(1 for _ in call_pattern(number).finditer(text, end, limit))
            self.notes[number].repeats += count


def _foot(lines: list[str], calls: _Calls) -> tuple[set[int], str | None, set[int]]:
    """Find footnotes at the foot of a page: the line indexes they take.

    Also returns a remark and the lines concerned when numbered lines looked
    like footnotes but the text above has no call for them (they stay text).
    """
    blocks = _blocks(lines)
    area = len(blocks)
    while area > 0 and FOOTNOTE_LINE.match(lines[blocks[area - 1][0]]):
        area -= 1
    # The area starts at the first block that begins with the expected number.
    while area < len(blocks):
        match = FOOTNOTE_LINE.match(lines[blocks[area][0]])
        if match and int(match.group(1)) == calls.expected:
            break
        area += 1
    start = blocks[area][0] if area < len(blocks) else len(lines)
    calls.read(lines[:start])
    taken: set[int] = set()
    current: list[str] | None = None
    for i in range(start, len(lines)):
        line = lines[i]
        match = FOOTNOTE_LINE.match(line)
        if match and int(match.group(1)) == calls.expected:
            glued = calls.find(calls.expected)
            if glued is None:
                calls.read(lines[i:])
                remark = (
                    f"footnote candidate: the numbered line {line[:40]!r} looks like footnote "
                    f"{calls.expected}, but no call {calls.expected} was found above it; it is "
                    "kept as a paragraph: if it is a footnote, move its text into a <note> at "
                    "its call"
                )
                return taken, remark, set(range(i, len(lines)))
            note = Footnote([match.group(2)], glued=glued)
            calls.notes[calls.expected] = note
            current = note.lines
            calls.expected += 1
        elif current is not None and line:
            current.append(line)
        elif line:  # text after the area that is no footnote: keep it
            calls.read(lines[i:])
            return taken, None, set()
        taken.add(i)
    return taken, None, set()
