"""Letter model + theme → semantic HTML (Jinja2 for the page, lxml for content).

Source content elements map one to one onto HTML elements; footnotes become
`span.footnote` floated to the page foot by the stylesheet. Referenced files
(signature images, figures) resolve inside the letter's folder only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

import jinja2
import jinja2.sandbox
from lxml import etree
from markupsafe import Markup

from briefpers import language, parliament
from briefpers.errors import AssetError, ThemeError
from briefpers.source import files
from briefpers.source.chars import SEPARATORS
from briefpers.source.load import column_of
from briefpers.source.model import XML_LANG, Letter, Sender, append_text
from briefpers.themes import Theme, Wording

# Source white space, and NEL (U+0085), which XML 1.1 counts as a line end.
WHITESPACE = re.compile(r"[ \t\r\n\x85]+")
# LINE and PARAGRAPH SEPARATOR: a line break (`br`), never a character to print.
SEPARATOR = re.compile(f"[{SEPARATORS}]")
NBSP = "\u00a0"
ANY_SPACE = re.compile(f"[ \t\r\n\x85{SEPARATORS}]+")
# Source element → HTML element, for elements that map one to one.
LONG_TOKEN = re.compile(r"(\S{30,})")  # longer than any sensible table column
SAME = {"p", "ul", "ol", "li", "em", "strong", "sup", "sub", "span", "br", "caption"}


def format_date(date: dt.date, lang: str, pattern: str | None = None) -> str:
    """The date in the language `lang`, from CLDR: the theme's pattern
    ("d MMMM y": "14 januari 2022") or the language's long date ("14. Januar 2022")."""
    return language.format_date(date, lang, pattern)


def local_file(letter: Letter, src: str) -> Path:
    """Resolve a path from the source inside the letter's folder, or refuse
    (naming the line and column that reference it)."""
    folder = letter.path.parent.resolve()
    target = (folder / src).resolve()
    if not target.is_relative_to(folder):
        raise AssetError(
            f"{src!r} points outside the letter's folder",
            path=letter.path,
            **_referenced_at(letter, src),
        )
    if not target.is_file():
        raise AssetError(
            f"{src!r} does not exist (looked in the letter's folder)",
            path=letter.path,
            **_referenced_at(letter, src),
        )
    return target


def _referenced_at(letter: Letter, src: str) -> dict[str, int | None]:
    """`line` and `column` of the first `src="…"` that names `src`."""
    for el in letter.body.getroottree().getroot().iter("figure", "signature"):
        if el.get("src") == src:
            pattern = r"""\bsrc\s*=\s*["']""" + re.escape(src)
            return {
                "line": el.sourceline,
                "column": column_of(letter.source, el.sourceline, pattern),
            }
    return {}


def file_url(letter: Letter, src: str) -> str:
    """The URL of a file the letter references, relative to the letter's folder
    (checked there first). The typesetter serves it from a base URL that names
    no folder, so no path of this machine reaches the PDF."""
    local_file(letter, src)
    return quote(files.key(src))


class ContentRenderer:
    """Maps source content to HTML elements, numbering headings by depth."""

    def __init__(self, letter: Letter, note_label: str = "Note") -> None:
        self.letter = letter
        self.note_label = note_label  # "Voetnoot": the call link's description
        tree = letter.body.getroottree()
        notes = list(tree.getroot().iter("note"))
        self.note_numbers = {tree.getpath(note): n for n, note in enumerate(notes, 1)}
        self.numbers_by_id = {
            note.get("id"): n for n, note in enumerate(notes, 1) if note.get("id")
        }
        self.repeats: dict[int, int] = {}  # note number → further calls so far

    def children(self, src: etree._Element, dst: etree._Element, level: int = 2) -> None:
        """Copy src's mixed content (text, children, tails) into dst (empty)."""
        _append_text(dst, src.text)
        for child in src:
            if not isinstance(child.tag, str):  # comments and PIs carry no content
                _append_text(dst, child.tail)
                continue
            if child.tag == "note":
                # The call is a link to the note; the note floats to the page foot.
                dst.extend(self.note(child))
            elif child.tag == "noteref":
                dst.append(self.repeat_call(self.numbers_by_id[child.get("ref")]))
            else:
                dst.append(self.element(child, level))
            _append_text(dst, child.tail)

    def element(self, src: etree._Element, level: int) -> etree._Element:
        tag = src.tag
        if tag in SAME:
            out = etree.Element(tag)
            self.children(src, out, level)
        elif tag == "a":
            out = etree.Element("a", href=src.get("href"))
            self.children(src, out, level)
        elif tag == "note":
            out = etree.Element("span", {"class": "footnote"})
            self.children(src, out, level)
        elif tag == "table":
            out = self.table(src)
        elif tag == "figure":
            out = self.figure(src)
        elif tag == "section":
            out = etree.Element("section")
            for child in src:
                if not isinstance(child.tag, str):
                    continue
                if child.tag == "heading":
                    heading = etree.SubElement(out, f"h{min(level, 6)}")
                    self.children(child, heading, level)
                    _copy_lang(child, heading)
                else:
                    out.append(self.element(child, level + 1))
        else:  # the schema admits nothing else; keep text rather than lose it
            out = etree.Element("span")
            self.children(src, out, level)
        _copy_lang(src, out)
        return out

    def note(self, src: etree._Element) -> tuple[etree._Element, etree._Element]:
        """A footnote: the call (a link) and the note with its own label.

        Numbers follow the notes' order in the source, whatever order the
        letter's parts are rendered in, so they match the page order.
        """
        number = self.note_numbers[src.getroottree().getpath(src)]
        call = etree.Element(
            "a",
            {
                "class": "note-call",
                "href": f"#note-{number}",
                "id": f"call-{number}",
                "title": f"{self.note_label} {number}",
            },
        )
        call.text = str(number)
        note = etree.Element("span", {"class": "footnote", "id": f"note-{number}"})
        # The note's number links back to its call.
        label = etree.SubElement(
            note,
            "a",
            {"class": "note-label", "href": f"#call-{number}", "title": call.get("title")},
        )
        label.text = str(number)
        body = etree.SubElement(note, "span", {"class": "note-body"})
        self.children(src, body)
        _copy_lang(src, note)
        return call, note

    def repeat_call(self, number: int) -> etree._Element:
        """A further call of note `number`: the same number, a link to the same note."""
        self.repeats[number] = self.repeats.get(number, 1) + 1
        call = etree.Element(
            "a",
            {
                "class": "note-call",
                "href": f"#note-{number}",
                "id": f"call-{number}-{self.repeats[number]}",
                "title": f"{self.note_label} {number}",
            },
        )
        call.text = str(number)
        return call

    def table(self, src: etree._Element) -> etree._Element:
        out = etree.Element("table")
        rows = [r for r in src if r.tag == "tr"]
        caption = src.find("caption")
        if caption is not None:
            out.append(self.element(caption, 0))
        # Leading rows of header cells only form the table head.
        head_rows = 0
        for row in rows:
            if all(c.tag == "th" for c in row):
                head_rows += 1
            else:
                break
        if head_rows == len(rows):
            head_rows = 0
        thead = etree.SubElement(out, "thead") if head_rows else None
        tbody = etree.SubElement(out, "tbody")
        for i, row in enumerate(rows):
            tr = etree.SubElement(thead if i < head_rows else tbody, "tr")
            for cell in row:
                if not isinstance(cell.tag, str):
                    continue
                td = etree.SubElement(tr, cell.tag)
                if cell.tag == "th":
                    td.set("scope", "col" if i < head_rows else "row")
                for attr in ("colspan", "rowspan"):
                    if cell.get(attr):  # bounded at load; "+007" becomes "7"
                        td.set(attr, str(int(cell.get(attr))))
                self.children(cell, td)
                mark_long_tokens(td)
                _copy_lang(cell, td)
        regularise([group for group in (thead, tbody) if group is not None])
        return out

    def figure(self, src: etree._Element) -> etree._Element:
        out = etree.Element("figure")
        url = file_url(self.letter, src.get("src"))
        etree.SubElement(out, "img", src=url, alt=ANY_SPACE.sub(" ", src.get("alt")).strip())
        caption = src.find("caption")
        if caption is not None:
            figcaption = etree.SubElement(out, "figcaption")
            self.children(caption, figcaption)
        return out

    def html(self, parent: etree._Element | None, level: int = 2, skip=()) -> Markup:
        """The children of a source element as an HTML fragment."""
        if parent is None:
            return Markup("")
        parts = []
        for child in parent:
            if not isinstance(child.tag, str) or child.tag in skip:
                continue
            if child.tag == "salutation":
                out = etree.Element("p", {"class": "salutation"})
                self.children(child, out)
                _copy_lang(child, out)
            else:
                out = self.element(child, level)
            parts.append(etree.tostring(out, method="html", encoding="unicode"))
        return Markup("\n".join(parts))

    def inline(self, src: etree._Element | None) -> Markup:
        """The mixed content of one element, without the element itself."""
        if src is None:
            return Markup("")
        wrapper = etree.Element("span")
        self.children(src, wrapper)
        inner = etree.tostring(wrapper, method="html", encoding="unicode")
        return Markup(inner[len("<span>") : -len("</span>")])


def regularise(groups: list[etree._Element]) -> None:
    """Give every row of a table the same number of columns (PDF/UA 7.2: "table
    rows shall have the same number of columns, taking spans into account").

    HTML allows short rows and a rowspan past the end of its row group; the
    typesetter would tag them as they are. So a rowspan is cut at the end of
    its group (`thead`, `tbody`), as HTML lays it out, and a short row gets
    empty cells at its end. An empty cell gets a no-break space: the
    typesetter leaves a cell without text out of the structure tree, which
    makes its row short again. Exact HTML grid placement; the load limits
    keep the grid small.
    """
    rows, taken = [], []
    for group in groups:
        group_rows = list(group.iterchildren("tr"))
        above: dict[int, int] = {}  # column → further rows that a span from above covers
        for r, row in enumerate(group_rows):
            slots, new = set(above), {}
            x = 0
            for cell in row.iterchildren("td", "th"):
                while x in slots:
                    x += 1
                colspan = int(cell.get("colspan", "1"))
                rowspan = min(int(cell.get("rowspan", "1")), len(group_rows) - r)
                if cell.get("rowspan") is not None:
                    cell.set("rowspan", str(rowspan))
                for column in range(x, x + colspan):
                    slots.add(column)
                    if rowspan > 1:
                        new[column] = rowspan - 1
                x += colspan
            above = {c: n - 1 for c, n in above.items() if n > 1} | new
            rows.append(row)
            taken.append(slots)
    width = max((max(slots) + 1 for slots in taken if slots), default=0)
    for row, slots in zip(rows, taken, strict=True):
        for _ in range(width - len(slots)):
            etree.SubElement(row, "td")
        for cell in row.iterchildren("td", "th"):
            if not "".join(cell.itertext()).strip():
                cell.text = NBSP + (cell.text or "")


def mark_long_tokens(root: etree._Element) -> None:
    """Wrap tokens of 30 or more non-space characters in `span.long-token`.

    Table cells size their columns by their content's narrowest width, so
    they may break lines only between words; a token too long for any column
    (a URL, a 300-letter word) gets a span that the stylesheet lets break
    anywhere, without making ordinary words in the table breakable.
    """
    for node in list(root.iter()):
        if node.get("class") == "long-token":
            continue
        if node.text:
            first, spans = _split_long(node.text)
            node.text = first
            for i, span in enumerate(spans):
                node.insert(i, span)
        if node is not root and node.tail:
            first, spans = _split_long(node.tail)
            node.tail = first
            parent = node.getparent()
            at = parent.index(node) + 1
            for i, span in enumerate(spans):
                parent.insert(at + i, span)


def _split_long(text: str) -> tuple[str, list[etree._Element]]:
    """Text before the first long token, and a span (with the text after it
    as its tail) per long token."""
    parts = LONG_TOKEN.split(text)  # the pattern's group keeps the tokens
    spans = []
    for token, after in zip(parts[1::2], parts[2::2], strict=True):
        span = etree.Element("span", {"class": "long-token"})
        span.text, span.tail = token, after or None
        spans.append(span)
    return parts[0], spans


def _collapse(text: str | None) -> str | None:
    """Source white space is not significant: line breaks in the XML must not
    reach the layout (footnote bodies, for one, would keep them)."""
    if text is None:
        return None
    return WHITESPACE.sub(" ", text)


def _append_text(dst: etree._Element, text: str | None) -> None:
    """Append source text at the end of dst's mixed content: white space
    collapsed, each line or paragraph separator a `br`."""
    if not text:
        return
    first, *rest = SEPARATOR.split(_collapse(text))
    append_text(dst, first)
    for part in rest:
        etree.SubElement(dst, "br").tail = part or None


def css_string(value: str) -> Markup:
    """A quoted CSS string, safe inside a <style> element (labels in page boxes)."""
    escaped = "".join(
        f"\\{ord(ch):X} " if ch in '"\\<>&\n\r' or ord(ch) < 32 else ch for ch in str(value)
    )
    return Markup(f'"{escaped}"')


def _copy_lang(src: etree._Element, dst: etree._Element) -> None:
    lang = src.get(XML_LANG)
    if lang:
        dst.set("lang", lang)


@lru_cache(maxsize=16)
def _environment(template_dirs: tuple[Path, ...]) -> jinja2.Environment:
    # A theme's `letter.html.j2` may `{% extends "base/letter.html.j2" %}` and
    # override only the blocks it changes.
    # Sandboxed, as a second line of defence: templates are the operator's,
    # but a template must never reach Python internals (no attribute access
    # to dunders, no calls of unsafe methods), whatever a theme folder holds.
    base = jinja2.FileSystemLoader(str(template_dirs[-1]))
    env = jinja2.sandbox.ImmutableSandboxedEnvironment(
        loader=jinja2.ChoiceLoader(
            [
                jinja2.FileSystemLoader([str(d) for d in template_dirs]),
                jinja2.PrefixLoader({"base": base}),
            ]
        ),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
    )
    env.filters["css_string"] = css_string
    return env


def timestamp(letter: Letter) -> str:
    """The document's creation time: the letter's date at midnight UTC."""
    return f"{letter.date.isoformat()}T00:00:00+00:00"


def font_faces(theme: Theme) -> Markup:
    """@font-face rules for the theme's fonts (bundled or user-configured).

    Each theme names its own families, so two themes in one process never
    share a family name for different files (fonts are registered per process).
    """
    rules = [
        f'@font-face {{ font-family: "{face.family}"; font-weight: {face.weight}; '
        f'font-style: {face.style}; src: url("{face.path.as_uri()}"); }}'
        for face in theme.fonts
    ]
    # as_uri() percent-encodes quotes and angle brackets: safe inside <style>.
    return Markup("\n".join(rules))


def page_label(labels: dict[str, str]) -> Markup:
    """CSS content for "Pagina 1 van 3" in the letter's language."""
    page, of = css_string(labels["page"] + " "), css_string(" " + labels["page_of"] + " ")
    return Markup(f"{page} counter(page) {of} counter(pages)")


def with_defaults(sender: Sender, defaults: dict[str, str | tuple[str, ...]]) -> Sender:
    """The letter's sender, with the theme's organisation defaults for fields it leaves out."""
    missing = {k: v for k, v in defaults.items() if not getattr(sender, k)}
    return dataclasses.replace(sender, **missing) if missing else sender


PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
# Articles that open an addressee ("De Voorzitter …") and are written in
# lower case after "Aan" ("Aan de Voorzitter …"), in the languages shipped.
ARTICLES = frozenset({"de", "het", "the", "die", "der", "den", "la", "le", "les"})


def fill(theme: Theme, key: str, label: str, values: dict[str, str]) -> str:
    """A label with `{name}` placeholders filled in ("Heruitgave van {original} …")."""

    def value(match: re.Match[str]) -> str:
        if match.group(1) not in values:
            raise ThemeError(
                f"label {key!r}: unknown placeholder {{{match.group(1)}}} "
                f"(use {', '.join('{' + k + '}' for k in values)})",
                path=theme.root / "theme.toml",
            )
        return values[match.group(1)]

    return PLACEHOLDER.sub(value, label)


def reissue_line(letter: Letter, theme: Theme, wording: Wording) -> str | None:
    """The reissue line and its reason, in the language of its label: e.g.
    "Heruitgave van Kamerstuk 12 345, nr. 67 van 16 juni 2020, heruitgegeven
    op 1 december 2026." """
    if letter.reissue is None:
        return None
    labels = wording.labels
    for key in ("reissue", "reissue_reason"):
        if key not in labels:
            raise ThemeError(f"no label {key!r} for a reissue", path=theme.root / "theme.toml")
    # The dates in the line speak the line's language (its label may come
    # from another language than the Datum label, in a partial table).
    lang, pattern = theme.date_style(letter.lang, "reissue")
    values = {
        "original": letter.reissue.identifier,
        "date": format_date(letter.date, lang, pattern),
        "reissued": format_date(letter.reissue.date, lang, pattern),
    }
    text = fill(theme, "reissue", labels["reissue"], values)
    if letter.reissue.reason:
        reason = letter.reissue.reason
        if not reason.endswith((".", "!", "?", "…")):
            reason += "."
        text += " " + fill(theme, "reissue_reason", labels["reissue_reason"], {"reason": reason})
    return text


def addressee(lines: tuple[str, ...]) -> str:
    """The recipient as one line after "Aan": "de Voorzitter van de Tweede Kamer
    der Staten-Generaal" (a leading article in lower case)."""
    text = " ".join(" ".join(lines).split())
    first, _, rest = text.partition(" ")
    if rest and first.lower() in ARTICLES:
        return f"{first.lower()} {rest}"
    return text


def plain_text(el: etree._Element | None) -> str:
    """An element's text without its notes, white space collapsed (bookmarks)."""
    if el is None:
        return ""
    parts: list[str] = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str) and child.tag not in ("note", "noteref"):
            parts.append(plain_text(child))
        parts.append(child.tail or "")
    return " ".join("".join(parts).split())


def parliamentary_context(letter: Letter, content: ContentRenderer) -> dict[str, object]:
    """The Kamerstuk's parts as printed: session year, dossier "12 345", titles."""
    parl = letter.parliamentary
    return {
        "session": parliament.session(letter.date),
        "dossier": parliament.printed_dossier(parl.dossier) if parl else None,
        "number": parl.number if parl else None,
        "dossier_title": content.inline(parl.dossier_title) if parl else Markup(""),
        "document_title": content.inline(parl.document_title) if parl else Markup(""),
        "document_title_text": plain_text(parl.document_title) if parl else "",
    }


def label_lang(letter: Letter, wording: Wording):
    """`lang_of("date")`: a ` lang="…"` attribute for an element holding that
    label, where the label is not in the letter's language (PDF/UA marks a
    change of language)."""

    def lang_of(key: str) -> Markup:
        tag = wording.label_langs.get(key)
        if tag is None or language.primary(tag) == language.primary(letter.lang):
            return Markup("")
        return Markup(' lang="{}"').format(tag)

    return lang_of


def render_html(letter: Letter, theme: Theme) -> str:
    """The complete HTML document for one letter."""
    wording = theme.wording(letter.lang)
    labels = wording.labels
    date = format_date(letter.date, wording.lang, wording.date_pattern)
    sender = with_defaults(letter.sender, theme.sender)
    content = ContentRenderer(letter, note_label=labels.get("note", "Note"))
    lang_of = label_lang(letter, wording)

    def field_label(key: str) -> Markup:
        # A label in another language than the letter's says so (PDF/UA).
        attr = lang_of(key)
        if not attr:
            return Markup.escape(labels[key])
        return Markup("<span{}>{}</span>").format(attr, labels[key])

    fields = []
    if letter.parliamentary:
        number = letter.parliamentary.label().split(" ", 1)[1]
        fields.append((field_label("parliamentary"), number))
    if letter.our_reference:
        fields.append((field_label("our_reference"), letter.our_reference))
    if letter.your_reference:
        fields.append((field_label("your_reference"), letter.your_reference))
    if letter.attachments:
        fields.append((field_label("attachments"), str(letter.attachments)))
    signatories = [
        {
            "function": s.function,
            "name": s.name,
            "signature_url": file_url(letter, s.signature_src) if s.signature_src else None,
            "signature_alt": s.signature_alt,
        }
        for s in letter.signatories
    ]
    annexes = [
        {
            "lang": annex.get(XML_LANG),
            "title": content.inline(annex.find("title")),
            "content": content.html(annex, level=2, skip=("title",)),
        }
        for annex in letter.annexes
    ]
    paper = parliamentary_context(letter, content)
    context = {
        "letter": letter,
        "sender": sender,
        "labels": labels,
        "lang_of": lang_of,
        "font_faces": font_faces(theme),
        "page_label": page_label(labels),
        "authors": letter.authors,
        "timestamp": timestamp(letter),
        "date": date,
        "place_date": f"{letter.place}, {date}" if letter.place else date,
        "reissue": reissue_line(letter, theme, wording),
        "subject": content.inline(letter.subject),
        "subject_text": plain_text(letter.subject),
        "recipient_line": addressee(letter.recipient),
        "paper": paper,  # the parliamentary paper's parts as printed
        "fields": fields,
        "logo_url": theme.logo.as_uri() if theme.logo else None,
        "logo_alt": theme.logo_alt,
        "body": content.html(letter.body, level=2),
        "closing": content.inline(letter.closing) if letter.closing is not None else None,
        "signatories": signatories,
        "annexes": annexes,
    }
    env = _environment(tuple(theme.template_dirs))
    try:
        return env.get_template("letter.html.j2").render(**context)
    except jinja2.TemplateSyntaxError as exc:
        raise ThemeError(
            f"template error: {exc.message}", path=exc.filename, line=exc.lineno
        ) from None
    except jinja2.TemplateError as exc:  # e.g. SecurityError, UndefinedError
        where = _template_frame(exc)
        raise ThemeError(
            f"template error: {type(exc).__name__}: {exc}",
            path=where[0] if where else theme.root,
            line=where[1] if where else None,
        ) from None


def _template_frame(exc: BaseException) -> tuple[str, int] | None:
    """The innermost template file and line in a traceback (Jinja2 rewrites
    tracebacks so that template frames carry the template's file and line)."""
    found = None
    tb = exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.endswith(".j2"):
            found = (name, tb.tb_lineno)
        tb = tb.tb_next
    return found
