"""What a source names, read cheaply: to plan work, never to build.

`watch` needs the files a letter shows to know what to watch; the Dask
client needs them, and the theme a letter asks for, to know what to send.
Both read the source with a parser that loads no DTD, expands no entity and
reaches no network; the build reads it again with every check, and says
what is wrong with a source that this cannot read (it then names nothing).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from briefpers.source import files as source_files
from briefpers.source.model import LETTER
from briefpers.themes import DEFAULT_THEME, KIND_THEMES


@dataclass(frozen=True)
class Peek:
    """The `src` of each file the source shows (as written, in document order),
    and the theme the letter asks for (its own, else its kind's)."""

    files: list[str] = field(default_factory=list)
    theme: str = DEFAULT_THEME


def peek(data: bytes) -> Peek:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError):
        return Peek()
    if root is None:
        return Peek()
    theme = root.get("theme") or KIND_THEMES.get(root.get("kind", LETTER), DEFAULT_THEME)
    return Peek(list(source_files.referenced(root)), theme)
