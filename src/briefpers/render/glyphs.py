"""Every character a letter prints must be in one of its theme's fonts.

The typesetter sees only the theme's fonts (`briefpers.closed_fonts`), so
a character none of them has would print as an empty box: a lie on paper
and a PDF/A and PDF/UA failure. This check names the first such character
with its line before anything is laid out (exit 4, an asset error: the
theme lacks a font). A theme that must print more scripts ships a font for
them, by convention in the `fonts.fallback` role; every font a theme names
counts, here and in the typesetter's own fallback.

A private-use character is refused even where a font has it (exit 3): its
meaning is not in Unicode, and PDF/A-3a wants an ActualText for it, which
the typesetter does not write.

Not reported: white space the renderer turns into spaces or line breaks,
default-ignorable code points (zero-width and joining controls, variation
selectors, bidi marks; the typesetter draws nothing for them), and a
character whose canonical decomposition the fonts cover (HarfBuzz composes
it from base and marks).

Cost: each font's cmap is read once per process (and again only when the
file changes), by HarfBuzz (`font_cmap`); a letter costs one pass over its text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from briefpers.errors import AssetError, SourceError
from briefpers.render import font_cmap
from briefpers.source import chars
from briefpers.source.model import Letter
from briefpers.themes import Theme

# Default_Ignorable_Code_Point (Unicode 15.1, DerivedCoreProperties.txt).
IGNORABLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f"
    "\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)
# Source white space, collapsed to a space or made a line break by the renderer.
RENDERED_AS_SPACE = frozenset(" \t\r\n" + chars.NEL + chars.SEPARATORS)
# Attributes whose values are printed (the Kamerstuk numbers, a reissue's original).
PRINTED_ATTRIBUTES = "//parliamentary/@dossier | //parliamentary/@number | //reissue/@of"


def check(letter: Letter, theme: Theme) -> None:
    """AssetError for the first character of the letter none of the theme's fonts has."""
    paths = tuple(face.path for face in theme.fonts)
    covered = coverage(paths)
    root = letter.body.getroottree().getroot()
    text = "".join(root.xpath("//text()"))
    attributes = root.xpath(PRINTED_ATTRIBUTES)
    missing = {c for c in set(text).union(*attributes) if not _printable(c, covered)}
    if not missing:
        return
    pattern = re.compile("[" + "".join(re.escape(c) for c in sorted(missing)) + "]")
    found = chars.find(root, pattern.search, attributes=False)
    if found is None:  # only in a printed attribute
        attr = next(a for a in attributes if pattern.search(a))
        found = (pattern.search(attr).group(), attr.getparent().sourceline)
    char, line = found
    if ord(char) in covered:  # a private-use character
        raise SourceError(
            f"U+{ord(char):04X} is a private-use character: its meaning is not in "
            "Unicode, and an archival PDF may show it only with a text equivalent "
            "(ActualText) that briefpers cannot write",
            path=letter.path,
            line=line,
        )
    families = family_names(paths)
    fonts = ", ".join(families) if families else "the theme names no fonts"
    raise AssetError(
        f"U+{ord(char):04X} {_shown(char)}is in none of the theme's fonts ({fonts})",
        path=letter.path,
        line=line,
    )


def _printable(char: str, covered: frozenset[int]) -> bool:
    category = unicodedata.category(char)
    if category == "Co":  # private use: never, see above
        return False
    if ord(char) in covered or char in RENDERED_AS_SPACE or IGNORABLE.match(char):
        return True
    if category == "Zs":  # Pango spaces a space the font lacks (U+3000)
        return True
    decomposed = unicodedata.normalize("NFD", char)
    return decomposed != char and all(ord(c) in covered for c in decomposed)


def _shown(char: str) -> str:
    """The character itself, quoted, where a terminal can show it."""
    return f"'{char}' " if char.isprintable() else ""


def coverage(paths: tuple[Path, ...]) -> frozenset[int]:
    """The code points the fonts cover together."""
    return _coverage(tuple((path, _stamp(path)) for path in paths))


def family_names(paths: tuple[Path, ...]) -> tuple[str, ...]:
    """The fonts' family names, each once (read only for a message: DejaVu's
    name table alone takes 60 ms to decode)."""
    return tuple(dict.fromkeys(_family(path, _stamp(path)) for path in paths))


@lru_cache(maxsize=16)
def _coverage(fonts: tuple[tuple[Path, tuple[int, int]], ...]) -> frozenset[int]:
    return frozenset().union(*(_cmap(path, stamp) for path, stamp in fonts))


@lru_cache(maxsize=64)
def _cmap(path: Path, stamp: tuple[int, int]) -> frozenset[int]:
    """A font file's code points (`stamp` makes an edited file a new key), as
    HarfBuzz reads them (`font_cmap`), else fontTools."""
    try:
        found = font_cmap.unicodes(path.read_bytes())
    except OSError as exc:
        raise AssetError(f"cannot read the font: {exc.strerror}", path=path) from None
    except font_cmap.UnreadableFontError as exc:
        raise AssetError(f"cannot read the font: {exc}", path=path) from None
    if found is not None:
        return found
    with _open(path) as font:
        return frozenset(font.getBestCmap() or ())


@lru_cache(maxsize=64)
def _family(path: Path, stamp: tuple[int, int]) -> str:
    with _open(path) as font:
        return font["name"].getBestFamilyName() or path.stem


@contextmanager
def _open(path: Path) -> Iterator:
    from fontTools.ttLib import TTFont, TTLibError

    try:
        with TTFont(str(path), lazy=True, fontNumber=0) as font:
            yield font
    except (OSError, TTLibError, KeyError, AssertionError) as exc:
        raise AssetError(f"cannot read the font: {exc}", path=path) from None


def _stamp(path: Path) -> tuple[int, int]:
    try:
        status = path.stat()
    except OSError as exc:
        raise AssetError(f"cannot read the font: {exc.strerror}", path=path) from None
    return status.st_mtime_ns, status.st_size
