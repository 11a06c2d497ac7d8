"""What a letter's archive receives beside its PDF: the MDTO records and the web edition.

A function of the built letter (its PDF bytes included) and the options; no
files are written here (the batch writes them together with the PDF). Their
names: `briefpers.outputs`.
"""

from __future__ import annotations

from pathlib import Path

from briefpers import mdto, web
from briefpers.mdto import MdtoSettings
from briefpers.pipeline import Built, letter_theme
from briefpers.render.html import render_html
from briefpers.settings import Settings
from briefpers.source.load import load


def editions(
    built: Built, pdf_name: str, *, html: bool, records: MdtoSettings | None
) -> dict[str, bytes]:
    """File name → bytes of every edition asked for, in the order to write them."""
    stem = Path(pdf_name).stem
    found: dict[str, bytes] = {}
    page = None
    if html:
        page = web.web_page(built.letter, built.theme, render_html(built.letter, built.theme))
        found[web.page_name(stem)] = page
    if records is not None:
        files = [mdto.pdf_facts(pdf_name, built.pdf)]
        if page is not None:
            files.append(mdto.html_facts(web.page_name(stem), page, files[0].checksum_date))
        found.update(mdto.records(built.letter, files, records, stem=stem))
    return found


def web_edition(
    source: Path | str, *, settings: Settings | None = None, theme: str | None = None
) -> bytes:
    """The web edition alone (no PDF): for `briefpers web`."""
    settings = settings or Settings()
    letter = load(source, limits=settings.limits)
    web.check_letter(letter)
    the_theme = letter_theme(letter, settings, theme)
    return web.web_page(letter, the_theme, render_html(letter, the_theme))
