"""One letter all the way: load → render → typeset → finish. No files written."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from briefpers.archive.finish import DEFAULT_PROFILE, PROFILES, finish
from briefpers.errors import BriefpersError
from briefpers.limits import Limits, deadline
from briefpers.render.html import render_html
from briefpers.source.load import load
from briefpers.source.model import Letter
from briefpers.themes import Theme, load_theme
from briefpers.typeset import typeset


@dataclass(frozen=True)
class Built:
    letter: Letter
    theme: Theme
    pdf: bytes
    pages: int


def resolve_profile(name: str | None):
    name = name or DEFAULT_PROFILE
    if name not in PROFILES:
        raise BriefpersError(f"unknown profile {name!r}; choose one of {', '.join(PROFILES)}")
    return PROFILES[name]


def build_letter(
    source: Path | str,
    *,
    theme: str | None = None,
    profile: str | None = None,
    data: bytes | None = None,
    timeout: float | None = None,
) -> Built:
    """Build one letter source into archival PDF bytes.

    `timeout` bounds the whole build in seconds (None: BRIEFPERS_TIMEOUT, else
    300; 0: no limit); past it, TimeLimitError. See `briefpers.limits.deadline`
    for where that works (any thread; SIGALRM in the main thread).
    """
    limits = Limits.from_env()
    seconds = limits.timeout if timeout is None else timeout
    with deadline(seconds, path=source):
        return _build(source, theme, profile, data, limits)


def _build(
    source: Path | str, theme: str | None, profile: str | None, data: bytes | None, limits: Limits
) -> Built:
    letter = load(source, data, limits)
    the_theme = load_theme(theme or letter.theme)
    prof = resolve_profile(profile)
    html = render_html(letter, the_theme)
    raw, pages = typeset(
        html,
        stylesheet_path=the_theme.stylesheet,
        asset_roots=the_theme.asset_roots,
        base_dir=letter.path.parent,
        variant=prof.weasyprint_variant,
    )
    return Built(letter, the_theme, finish(raw, letter, prof, the_theme.name), pages)


def render_letter_html(source: Path | str, *, theme: str | None = None) -> str:
    """The HTML stage alone (for debugging a theme)."""
    letter = load(source)
    return render_html(letter, load_theme(theme or letter.theme))
