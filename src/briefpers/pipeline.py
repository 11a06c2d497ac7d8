"""One letter all the way: load → render → typeset → finish → gate. No files written."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from briefpers.archive.finish import finish
from briefpers.check.gate import require_conformance
from briefpers.errors import ThemeError
from briefpers.limits import deadline
from briefpers.profiles import resolve_profile
from briefpers.render import glyphs
from briefpers.render.html import render_html
from briefpers.settings import Settings
from briefpers.source.load import column_of, load
from briefpers.source.model import Letter
from briefpers.themes import Theme, load_theme, theme_for
from briefpers.typeset import typeset


@dataclass(frozen=True)
class Built:
    letter: Letter
    theme: Theme
    pdf: bytes
    pages: int


def build_letter(
    source: Path | str,
    *,
    settings: Settings | None = None,
    theme: str | Theme | None = None,
    profile: str | None = None,
    data: bytes | None = None,
    timeout: float | None = None,
) -> Built:
    """Build one letter source into archival PDF bytes.

    `settings`: limits, SOURCE_DATE_EPOCH, user configuration and theme path
    (default: the built-in defaults; the CLI passes `Settings.from_env()`).
    `theme` is the operator's choice (a name, a folder, or a loaded Theme);
    without it the letter's own theme name, else its kind's layout. `timeout` bounds the
    whole build in seconds (None: the settings' limit; 0: no limit); past it,
    TimeLimitError. See `briefpers.limits.deadline` for where that works.
    """
    settings = settings or Settings()
    seconds = settings.limits.timeout if timeout is None else timeout
    with deadline(seconds, path=source):
        return _build(source, settings, theme, profile, data)


def letter_theme(letter: Letter, settings: Settings, theme: str | Theme | None) -> Theme:
    """The operator's theme if given (a loaded Theme as it is), else the one
    the letter names (by name only)."""
    if isinstance(theme, Theme):
        return theme
    if theme:
        return load_theme(theme, settings)
    try:
        return load_theme(theme_for(letter), settings, operator=False)
    except ThemeError as exc:
        if exc.path is None and letter.theme:  # the letter's theme="…": point at it
            root = letter.body.getroottree().getroot()
            exc.path, exc.line = str(letter.path), root.sourceline
            exc.column = column_of(letter.source, root.sourceline, r"\btheme\s*=")
        raise


def _build(
    source: Path | str,
    settings: Settings,
    theme: str | Theme | None,
    profile: str | None,
    data: bytes | None,
) -> Built:
    letter = load(source, data, settings.limits)
    the_theme = letter_theme(letter, settings, theme)
    prof = resolve_profile(profile)
    glyphs.check(letter, the_theme)
    html = render_html(letter, the_theme)
    raw, pages, files = typeset(
        html,
        stylesheet_path=the_theme.stylesheet,
        asset_roots=the_theme.asset_roots,
        base_dir=letter.path.parent,
        fonts=[face.path for face in the_theme.fonts],
        variant=prof.weasyprint_variant,
    )
    pdf = finish(raw, letter, prof, the_theme.name, moment=settings.build_moment(), files=files)
    # Never a PDF that breaks PDF/A or PDF/UA with exit 0: the cheap in-process
    # gate catches the classes that got past the stages before (missing glyphs,
    # separators, CMYK, implementation limits, foreign fonts); veraPDF stays the judge.
    # Fonts by file (PostScript name) or by the theme's own family name: a font
    # program may lack a PostScript name, and theme families are unique.
    fonts = [*(face.path for face in the_theme.fonts), *(face.family for face in the_theme.fonts)]
    require_conformance(pdf, allowed_fonts=fonts, path=source)
    return Built(letter, the_theme, pdf, pages)


def render_letter_html(
    source: Path | str, *, settings: Settings | None = None, theme: str | None = None
) -> str:
    """The HTML stage alone (for debugging a theme)."""
    settings = settings or Settings()
    letter = load(source, limits=settings.limits)
    return render_html(letter, letter_theme(letter, settings, theme))
