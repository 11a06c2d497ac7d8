"""The files a letter references (figure and signature images).

A file is named in the source by a path relative to the letter's folder,
`src="img/signature.png"`. The renderer links it under its key (the path
normalised: `./a.png` and `a.png` are one file), the typesetter serves it
under that key, and the archive embeds it under the path as written.
"""

from __future__ import annotations

import posixpath

from lxml import etree

# Elements whose `src` names a file to print; document order is embedding order.
REFERENCES = "//figure/@src | //signature/@src"


def key(src: str) -> str:
    """The key of a file the source names: its path, normalised (no `.`, no `a/..`)."""
    return posixpath.normpath(src)


def referenced(root: etree._Element) -> dict[str, str]:
    """Each `src` as written, in document order, once → the element naming it."""
    found: dict[str, str] = {}
    for src in root.xpath(REFERENCES):
        found.setdefault(str(src), src.getparent().tag)
    return found
