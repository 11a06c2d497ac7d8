"""The page level of extracted text: pages, page furniture, footnotes.

`pdftotext` writes one line per printed line, a blank line between
paragraphs and a form feed between pages. Page numbers, running headers and
footers are furniture (dropped, but listed in a comment); numbered lines at a
page foot are footnotes when the text above has a matching call.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

PAGE_NUMBER = re.compile(
    r"^(?:(?:pagina|page|blad)\s*\d+(?:\s*(?:van|of|/)\s*\d+)?|\d+\s*(?:/|van)\s*\d+)$",
    re.IGNORECASE,
)
BARE_NUMBER = re.compile(r"^[-–]?\s*\d{1,3}\s*[-–]?$")
# The running footer of the printed parliamentary papers.
PARL_FOOTER = re.compile(
    r"^(?:Tweede|Eerste) Kamer, vergaderjaar \d{4}\s*[–-]\s*\d{4}, .*nr\.\s*\d+.*$"
)
COLOPHON = re.compile(r"^(?:kst-\d[\w-]*|ISSN\s+\d{4}\s*-\s*\d{3}[\dX])\b")
FOOTNOTE_LINE = re.compile(r"^(\d{1,3})\s+(\S.*)$")
EDGE = 3  # lines at the top and foot of a page where running headers stand
LIGATURES = str.maketrans(
    {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"}
)


def call_pattern(number: int) -> re.Pattern[str]:
    """A footnote call: the number glued to a word or a punctuation mark.

    Not after a digit and a point or comma (`3.1`, `1,5`), a hyphen or slash
    (`COVID-19`), and not followed by a letter or digit.
    """
    return re.compile(
        rf"(?<![\d][.,])(?<=[^\s\d(\[\-–/+]){number}(?=$|[\s.,;:!?)\]’”'\"\U00100000-\U0010fffd])"
    )


@dataclass
class Line:
    text: str  # stripped
    page: int
    new_page: bool = False  # the first line kept of a page after the first


@dataclass
class Layout:
    lines: list[Line] = field(default_factory=list)  # the flow, blanks as ""
    footnotes: dict[int, list[str]] = field(default_factory=dict)
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
    return re.sub(r"\d+", "#", line)


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
        drop = set()
        for i, line in enumerate(page):
            if not line:
                continue
            anywhere = PAGE_NUMBER.match(line) or PARL_FOOTER.match(line) or COLOPHON.match(line)
            at_edge = i in edges and several
            if anywhere or (at_edge and (BARE_NUMBER.match(line) or _key(line) in repeated)):
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
        taken, rejected = _foot(kept, calls)
        body = [line for i, line in enumerate(kept) if i not in taken]
        first = next((j for j, line in enumerate(body) if line), None)
        for j, line in enumerate(body):
            out.lines.append(Line(line, number, new_page=number > 0 and j == first))
        if rejected:
            out.remarks.append((len(out.lines) - 1, rejected))
    out.footnotes = calls.notes
    return out


class _Calls:
    """The flow read so far, and where the last footnote call was found."""

    def __init__(self) -> None:
        self.text = ""
        self.pos = 0
        self.expected = 1
        self.notes: dict[int, list[str]] = {}

    def read(self, lines: list[str]) -> None:
        self.text += "\n" + "\n".join(lines)

    def find(self, number: int) -> bool:
        match = call_pattern(number).search(self.text, self.pos)
        if match:
            self.pos = match.end()
        return match is not None


def _foot(lines: list[str], calls: _Calls) -> tuple[set[int], str | None]:
    """Find footnotes at the foot of a page: the line indexes they take.

    Also returns a remark when numbered lines looked like footnotes but the
    text above has no call for them (they stay text).
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
            if not calls.find(calls.expected):
                calls.read(lines[i:])
                return taken, (
                    f"the numbered line {line[:40]!r} looks like footnote {calls.expected}, "
                    f"but no call {calls.expected} is glued to a word above it: kept as text"
                )
            current = calls.notes.setdefault(calls.expected, [match.group(2)])
            calls.expected += 1
        elif current is not None and line:
            current.append(line)
        elif line:  # text after the area that is no footnote: keep it
            calls.read(lines[i:])
            return taken, None
        taken.add(i)
    return taken, None
