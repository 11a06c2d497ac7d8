"""Characters in a letter: which are refused, which the renderer normalises,
and where a character stands in the source (file:line).

Decided per character (docs/source-format.md, "Characters"):

- refused: C1 control characters other than NEL (U+0080–U+009F: almost
  always windows-1252 text read as ISO-8859-1), noncharacters (U+FDD0–U+FDEF
  and the last two code points of every plane), and the bidi overrides LRO
  and RLO (U+202D, U+202E), which print text in another order than it is
  written and extracted;
- normalised when rendered (`render.html`): NEL (U+0085) is white space;
  LINE SEPARATOR and PARAGRAPH SEPARATOR (U+2028, U+2029) are a line break.
  They reach the typesetter neither way: it has no glyph for them (an
  empty box, a PDF/A failure) and U+2029 at a line end trips an assertion.

The check is one regular-expression scan over the letter's text; only when
it finds something does a slower walk work out the line.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path

from lxml import etree

from briefpers.errors import SourceError

NEL = "\x85"
SEPARATORS = "\u2028\u2029"  # LINE SEPARATOR, PARAGRAPH SEPARATOR
_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(1, 17)
)
REFUSED = re.compile(f"[\x80-\x84\x86-\x9f{_NONCHARACTERS}\u202d\u202e]")


def why_refused(char: str) -> str:
    """The message for a refused character."""
    code = ord(char)
    name = unicodedata.name(char, "")
    if 0x80 <= code <= 0x9F:
        return (
            f"U+{code:04X} is a C1 control character, not text "
            "(was windows-1252 text read as ISO-8859-1?)"
        )
    if code in (0x202D, 0x202E):
        return (
            f"U+{code:04X} {name} would print the text in another order than it is "
            "written; for right-to-left text use an isolate (U+2066–U+2069) or a mark "
            "(U+200E, U+200F)"
        )
    return f"U+{code:04X} is a noncharacter (reserved for internal use, never text)"


def check(root: etree._Element, path: Path | str) -> None:
    """Refuse the first refused character in the letter's text or attributes."""
    found = find(root, REFUSED.search)
    if found is not None:
        char, line = found
        raise SourceError(why_refused(char), path=path, line=line)


def find(
    root: etree._Element,
    search: Callable[[str], re.Match[str] | None],
    *,
    attributes: bool = True,
) -> tuple[str, int] | None:
    """The first character `search` matches in text (and attribute values), and its line.

    Comments are not text and are not searched. The fast path (one scan
    of all text joined) answers "nothing" for almost every letter.
    """
    texts = root.xpath("//text() | //@*" if attributes else "//text()")
    if search("".join(texts)) is None:
        return None
    for line, text in pieces(root, attributes=attributes):
        match = search(text)
        if match is not None:
            return match.group()[0], line + text.count("\n", 0, match.start())
    return None  # unreachable: the joined text matched


def pieces(root: etree._Element, *, attributes: bool = True) -> Iterator[tuple[int, str]]:
    """Text and attribute values in document order, each with its first line.

    lxml's `sourceline` is where a start tag (or comment) ends, so an
    element's text starts on it; a tail starts where the preceding end tag
    is, which is the line reached by counting the line breaks since.
    """
    line = 1
    for event, node in etree.iterwalk(root, events=("start", "end")):
        if not isinstance(node.tag, str):  # a comment: only its tail is text
            if event == "end":
                line = node.sourceline or line
                if node.tail:
                    yield line, node.tail
                    line += node.tail.count("\n")
            continue
        if event == "start":
            line = node.sourceline or line
            if attributes:
                for value in node.attrib.values():
                    yield line, value
            if node.text:
                yield line, node.text
                line += node.text.count("\n")
        elif node.tail and node is not root:
            yield line, node.tail
            line += node.tail.count("\n")
