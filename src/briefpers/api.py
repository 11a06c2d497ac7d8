"""Helpers of the Python API that the stages do not offer as such (see docs/api.md)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from briefpers.check.preflight import Report, preflight
from briefpers.errors import BriefpersError
from briefpers.settings import Settings
from briefpers.themes import load_theme

FontRule = Callable[[str | None], list[Path] | None]


def check_pdf(
    path: Path | str, *, theme: str | None = None, settings: Settings | None = None
) -> Report:
    """`briefpers check` for one PDF: the preflight and the conformance gate, with the
    fonts of `theme` (default: of the theme the PDF names in its XMP) allowed."""
    return preflight(Path(path), fonts=theme_fonts(theme, settings))


def theme_fonts(forced: str | None, settings: Settings | None = None) -> FontRule:
    """The font files a PDF may embed: those of the theme given, else of the theme
    the PDF names (a wrong `forced` theme raises at once)."""
    settings = settings or Settings()
    if forced is not None:
        files = [face.path for face in load_theme(forced, settings).fonts]
        return lambda _named: files
    cache: dict[str, list[Path] | None] = {}

    def rule(named: str | None) -> list[Path] | None:
        # The name comes from the PDF, which may be hostile: a plain theme
        # name only, never a path.
        if not named or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", named):
            return None
        if named not in cache:
            try:
                cache[named] = [face.path for face in load_theme(named, settings).fonts]
            except BriefpersError:
                cache[named] = None
        return cache[named]

    return rule
