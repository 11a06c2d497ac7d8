"""The rendered letter (the HTML the PDF is typeset from) → a standalone web page.

The same render stage makes both editions: this module takes its HTML and
turns the print-only parts into their web form.

- Landmarks: the letterhead is the page's `header`, everything the letter says
  is in `main` (the reissue line, the body, closing, signatures, annexes), and
  the `footer` holds the footnotes and the letter's identification.
- Footnotes: printed at the page foot, here an ordered list of notes in the
  footer; each call links to its note and each note back to its calls.
- Page furniture (running heads, `@page` rules, the typesetter's fonts) is
  dropped; the theme's screen stylesheet (`styles/<theme>/screen.css`, after
  the shared `base.css`) is inlined.
- Images (logo, signatures, figures) are checked as for the PDF and embedded
  as `data:` URIs with their alternative text: the page loads nothing.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path
from urllib.parse import unquote

import lxml.html
from lxml import etree

from briefpers import images, language
from briefpers.errors import AssetError, SourceError, ThemeError
from briefpers.render.html import local_file
from briefpers.source.model import XML_LANG, Letter
from briefpers.themes import Theme

BASE_CSS = Path(__file__).resolve().parent / "base.css"
SCREEN_CSS = "screen.css"  # in the theme's folder
MAX_IMAGE_BYTES = 32 * 1024 * 1024  # one file, as for the PDF (typeset.MAX_ASSET_BYTES)
# Elements that would load something: none may stay in the page.
LOADERS = ("link", "script", "iframe", "object", "embed", "video", "audio", "source", "base")
# CSS that would load a file: url(…) other than data: or a fragment, and @import.
CSS_LOADS = re.compile(r"@import|url\(\s*['\"]?(?!data:|#)", re.IGNORECASE)
# "Back to the call of note 3", by language, unless the theme labels `note_back`.
NOTE_BACK = {
    "nl": "Terug naar verwijzing {number}",
    "en": "Back to reference {number}",
    "de": "Zurück zum Verweis {number}",
    "fr": "Retour à l'appel de note {number}",
}
BACK_ARROW = "\u21a9\ufe0e"  # ↩ as text, not as an emoji


def check_letter(letter: Letter) -> None:
    """SourceError for a language tag a browser cannot use (the page's `lang`s)."""
    root = letter.body.getroottree().getroot()
    for el in root.iter():
        tag = el.get(XML_LANG) if isinstance(el.tag, str) else None
        if tag is not None and not language.is_language_code(tag):
            raise SourceError(
                f"xml:lang={tag!r} is not a language code (ISO 639, e.g. nl, en, en-GB): "
                "the web edition's lang attributes need one",
                path=letter.path,
                line=el.sourceline,
            )


def web_page(letter: Letter, theme: Theme, html: str) -> bytes:
    """The web edition of `letter` from `html`, its rendered HTML: UTF-8 bytes."""
    check_letter(letter)
    doc = lxml.html.document_fromstring(html)
    _head(doc, theme)
    body = doc.body
    for el in list(body):
        if any(c.startswith("running-") for c in el.get("class", "").split()):
            body.remove(el)  # page furniture of later pages
    for el in doc.iter():
        el.attrib.pop("data-bookmark", None)  # the PDF's outline only
    wording = theme.wording(letter.lang)
    notes = _notes(doc, letter, theme, wording.labels)
    _landmarks(doc, letter, theme, notes)
    _images(doc, letter, theme)
    _nothing_loads(doc)
    text = lxml.html.tostring(doc, encoding="unicode", method="html", doctype="<!DOCTYPE html>")
    return (text + "\n").encode("utf-8")


def stylesheet(theme: Theme) -> str:
    """The shared base stylesheet, then the theme's screen stylesheet (if it has one)."""
    parts = [BASE_CSS.read_text(encoding="utf-8")]
    screen = theme.root / SCREEN_CSS
    if screen.is_file():
        if not screen.resolve().is_relative_to(theme.root.resolve()):
            raise ThemeError(f"{SCREEN_CSS} points outside the theme folder", path=screen)
        parts.append(screen.read_text(encoding="utf-8"))
    css = "\n".join(parts)
    found = CSS_LOADS.search(css) or re.search(r"</style", css, re.IGNORECASE)
    if found:
        raise ThemeError(
            f"the screen stylesheet must load nothing (found {found.group(0)!r}): "
            "inline images as data: URIs",
            path=screen,
        )
    return css


def _head(doc: etree._Element, theme: Theme) -> None:
    head = doc.find("head")
    for el in head.findall("style"):
        head.remove(el)  # @font-face rules naming this machine's files, @page rules
    charset = head.find("meta[@charset]")
    viewport = etree.Element("meta", name="viewport", content="width=device-width, initial-scale=1")
    if charset is not None:
        charset.addnext(viewport)
    else:
        head.insert(0, viewport)
    style = etree.SubElement(head, "style")
    style.text = "\n" + stylesheet(theme)


def _notes(
    doc: etree._Element, letter: Letter, theme: Theme, labels: dict[str, str]
) -> list[etree._Element]:
    """Take each footnote out of the text; return the notes as list items."""
    back = labels.get("note_back") or NOTE_BACK.get(
        language.primary(letter.lang), NOTE_BACK.get(theme.default_lang, NOTE_BACK["en"])
    )
    calls: dict[str, list[str]] = {}
    for call in doc.iter("a"):
        if "note-call" in call.get("class", "").split():
            call.set("role", "doc-noteref")
            calls.setdefault(call.get("href", "")[1:], []).append(call.get("id"))
    items = []
    for span in [s for s in doc.iter("span") if "footnote" in s.get("class", "").split()]:
        note_id = span.get("id", "")
        number = int(note_id.rpartition("-")[2])
        item = etree.Element("li", id=note_id, value=str(number))
        if span.get("lang"):
            item.set("lang", span.get("lang"))
        text = span.find("span[@class='note-body']")
        if text is not None:
            item.text = text.text
            item.extend(list(text))
        for n, call_id in enumerate(calls.get(note_id, []), 1):
            _append_text(item, " ")
            label = back.format(number=number if n == 1 else f"{number} ({n})")
            link = etree.SubElement(
                item,
                "a",
                {
                    "class": "note-back",
                    "href": f"#{call_id}",
                    "role": "doc-backlink",
                    "aria-label": label,
                },
            )
            link.text = BACK_ARROW
        _remove_keeping_tail(span)
        items.append((number, item))
    return [item for _, item in sorted(items, key=lambda pair: pair[0])]


def _append_text(el: etree._Element, text: str) -> None:
    """Append text at the end of an element's mixed content."""
    if len(el):
        el[-1].tail = (el[-1].tail or "") + text
    else:
        el.text = (el.text or "") + text


def _remove_keeping_tail(el: etree._Element) -> None:
    parent, tail = el.getparent(), el.tail
    previous = el.getprevious()
    parent.remove(el)
    if tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail


def _landmarks(
    doc: etree._Element, letter: Letter, theme: Theme, notes: list[etree._Element]
) -> None:
    """header (the letterhead), main (what the letter says), footer (notes, identification)."""
    body = doc.body
    header = body.find("header")
    main = etree.Element("main", id="letter")
    for el in list(body):
        if el is header:
            continue
        body.remove(el)
        if el.tag == "main":
            el.tag = "div"  # the letter body, one of main's parts
        main.append(el)
    if header is not None:
        for aside in header.iter("aside"):
            aside.tag = "div"  # the reference column belongs to the letterhead
        header.addnext(main)
    else:
        body.insert(0, main)
    footer = etree.SubElement(body, "footer")
    wording = theme.wording(letter.lang)
    labels = wording.labels
    if notes:
        section = etree.SubElement(
            footer, "section", {"class": "notes", "aria-labelledby": "notes-title"}
        )
        heading = etree.SubElement(section, "h2", id="notes-title")
        heading.text = labels.get("notes", "Notes")
        _label_lang(heading, "notes", letter, wording)
        listing = etree.SubElement(section, "ol", {"class": "notes"})
        listing.extend(notes)
    ident = etree.SubElement(footer, "dl", {"class": "identification"})
    date = language.format_date(letter.date, wording.lang, wording.date_pattern)
    rows = [("date", date)]
    if letter.our_reference:
        rows.append(("our_reference", letter.our_reference))
    if letter.parliamentary is not None:
        rows.append(("parliamentary", letter.parliamentary.label().split(" ", 1)[1]))
    for key, value in rows:
        group = etree.SubElement(ident, "div")
        term = etree.SubElement(group, "dt")
        term.text = labels[key]
        _label_lang(term, key, letter, wording)
        data = etree.SubElement(group, "dd")
        data.text = value
        if key == "date":
            _label_lang(data, key, letter, wording)  # the date speaks its label's language


def _label_lang(el: etree._Element, key: str, letter: Letter, wording) -> None:
    """A label in another language than the letter's says so."""
    tag = wording.label_langs.get(key)
    if tag and language.primary(tag) != language.primary(letter.lang):
        el.set("lang", tag)


def _images(doc: etree._Element, letter: Letter, theme: Theme) -> None:
    """Every image embedded as a data: URI, checked as for the PDF, with its alt text."""
    logo = theme.logo.as_uri() if theme.logo else None
    for img in doc.iter("img"):
        src = img.get("src") or ""
        if img.get("alt") is None:
            raise ThemeError(
                f"the template shows an image without alternative text (alt): {src[:80]!r}"
            )
        if src == logo:
            path = theme.logo
            if theme.default_lang and language.primary(theme.default_lang) != language.primary(
                letter.lang
            ):
                img.set("lang", theme.default_lang)  # the theme's own words
        elif src and ":" not in src.split("/")[0]:
            path = local_file(letter, unquote(src))
        else:
            raise AssetError(f"{src[:80]!r}: the web edition embeds only local images")
        img.set("src", _data_uri(path))


def _data_uri(path: Path) -> str:
    data = _read(path)
    try:
        body, mime = images.prepare(str(path.name), data)
    except images.ImageRefusedError as exc:
        raise AssetError(str(exc), path=path) from None
    if mime is None:
        raise AssetError("not an image", path=path)
    return f"data:{mime};base64,{base64.b64encode(body).decode('ascii')}"


def _read(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_IMAGE_BYTES + 1)
    except OSError as exc:
        raise AssetError(f"cannot read: {exc.strerror}", path=path) from None
    if len(data) > MAX_IMAGE_BYTES:
        raise AssetError(f"more than the limit of {MAX_IMAGE_BYTES:,} bytes", path=path)
    return data


def _nothing_loads(doc: etree._Element) -> None:
    """No element of the page may load anything (a template can add them)."""
    for el in doc.iter(*LOADERS):
        raise ThemeError(f"the web edition loads nothing, but the template has <{el.tag}>")
    for el in doc.iter():
        style = el.get("style")
        if style and CSS_LOADS.search(style):
            raise ThemeError(f"a style attribute of <{el.tag}> loads a file")
