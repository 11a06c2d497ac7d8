"""Read a letter source safely, validate it against the schema, build the model.

Safety first: no DTDs (so no entity expansion and no external entities), no
network, and size limits (`briefpers.limits`) checked before anything is
rendered. Encodings are read as declared (UTF-8, UTF-16 with a byte order
mark, ISO-8859-1, …); an unknown or contradicted declaration and bytes that
are not valid in the encoding are errors. Every error names file, line and
column as far as they are known.
"""

from __future__ import annotations

import codecs
import datetime as dt
import itertools
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

from lxml import etree

from briefpers.errors import SourceError
from briefpers.limits import Limits, env_name
from briefpers.regular_files import NotRegularFileError, read_regular
from briefpers.source import chars
from briefpers.source.explain import explain, explain_syntax
from briefpers.source.model import (
    LETTER,
    XML_LANG,
    Letter,
    Parliamentary,
    Reissue,
    Sender,
    Signatory,
)

LIBXML_MAX_DEPTH = 256  # libxml2's own limit without huge_tree
# Inline elements continue a word across their boundaries; every other
# element (blocks, notes, line breaks) separates words.
INLINE = frozenset({"em", "strong", "sup", "sub", "span", "a"})
XML_SPACE = " \t\r\n"
BOMS = (  # (mark, family, codec); longest first: UTF-32 LE starts like UTF-16 LE
    (codecs.BOM_UTF32_LE, "UTF-32", "utf-32-le"),
    (codecs.BOM_UTF32_BE, "UTF-32", "utf-32-be"),
    (codecs.BOM_UTF8, "UTF-8", "utf-8"),
    (codecs.BOM_UTF16_LE, "UTF-16", "utf-16-le"),
    (codecs.BOM_UTF16_BE, "UTF-16", "utf-16-be"),
)
DECLARED = re.compile(r"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
# White space, processing instructions and comments, then a DOCTYPE. One
# character per repetition, so a failing match cannot backtrack exponentially.
PROLOG_DOCTYPE = re.compile(r"(?:\s|<\?.*?\?>|<!--.*?-->)*<!DOCTYPE", re.DOTALL)
LIBXML_POSITION = re.compile(r",? line \d+, column \d+$")
# Table spans: HTML's own caps (a browser clamps larger values; we refuse them).
MAX_COLSPAN = 1000
MAX_ROWSPAN = 65534
# Grid cells (columns × rows, summed over a letter's tables): layout and
# borders cost per cell, and spans multiply cells without adding elements
# (1,000 rows each spanning the rest take 15 s and grow the grid to a million).
MAX_TABLE_CELLS = 100_000
# Characters of a link target; PDF/A allows at most 32,767 bytes in a string.
MAX_HREF = 2000


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        dtd_validation=False,
        no_network=True,
        huge_tree=False,
        remove_pis=True,
    )


@lru_cache(maxsize=1)
def schema() -> etree.XMLSchema:
    """The letter schema, parsed once per process."""
    folder = resources.files("briefpers.source") / "schema"
    with resources.as_file(folder) as path:
        doc = etree.parse(str(Path(path) / "letter.xsd"), _parser())
        return etree.XMLSchema(doc)


def schema_path() -> Path:
    """Where the shipped schema lives (for users and editors)."""
    return Path(str(resources.files("briefpers.source") / "schema" / "letter.xsd"))


def parse(data: bytes, path: Path | str, limits: Limits | None = None) -> etree._ElementTree:
    """Parse any XML safely: no DTD, no entities, no network, at most max_source_bytes.

    The letter's own limits (elements, depth, notes, words) are checked by
    `validate`, so importers can parse other formats with this.
    """
    limits = limits or Limits()
    if len(data) > limits.max_source_bytes:
        raise SourceError(
            f"source of more than {limits.max_source_bytes:,} bytes is too large "
            f"(limit {env_name('max_source_bytes')}={limits.max_source_bytes})",
            path=path,
        )
    _check_byte_order_mark(data, path)
    if _starts_with_doctype(data):
        # Refused before libxml2 reads the DTD at all (it would stop a
        # billion-laughs DTD itself, with a less helpful message).
        _refuse_doctype(data, path)
    try:
        tree = etree.ElementTree(etree.fromstring(data, _parser()))
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (None, None)
        raise SourceError(
            _syntax_message(exc.msg, limits), path=path, line=line, column=column
        ) from None
    except ValueError as exc:  # lxml's own refusals, e.g. of an unusable encoding
        raise SourceError(f"cannot read XML: {_one_line(str(exc))}", path=path) from None
    docinfo = tree.docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        _refuse_doctype(data, path)
    return tree


def _starts_with_doctype(data: bytes) -> bool:
    """Whether a DOCTYPE follows the XML declaration (checked on the first 64 kB)."""
    head = data[:65536]
    found = next((entry for entry in BOMS if head.startswith(entry[0])), None)
    if found is not None:
        text = head[len(found[0]) :].decode(found[2], errors="ignore")
    elif head.startswith((b"<\0", b"\0<")):  # UTF-16 without a byte order mark
        text = head.decode("utf-16-le" if head[0] else "utf-16-be", errors="ignore")
    else:  # every other encoding libxml2 reads is ASCII-compatible here
        text = head.decode("latin-1")
    return PROLOG_DOCTYPE.match(text) is not None


def _refuse_doctype(data: bytes, path: Path | str) -> None:
    line, column = _position(data, b"<!DOCTYPE")
    raise SourceError(
        "a DOCTYPE is not allowed in a letter source (entities are not expanded)",
        path=path,
        line=line,
        column=column,
    )


def _syntax_message(message: str, limits: Limits) -> str:
    """libxml2's message as one line, without its repeated position."""
    text = _one_line(LIBXML_POSITION.sub("", message.strip()))
    if "Excessive depth" in text:
        return (
            f"elements nested more than {LIBXML_MAX_DEPTH} levels deep "
            f"(limit {env_name('max_depth')}={limits.max_depth})"
        )
    return f"not well-formed XML: {explain_syntax(_clean(text))}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _check_byte_order_mark(data: bytes, path: Path | str) -> None:
    """A byte order mark and an encoding declaration must agree.

    libxml2 silently believes the mark; an archive copy whose declaration
    lies may be misread by the next tool, so it is refused.
    """
    found = next((entry for entry in BOMS if data.startswith(entry[0])), None)
    if found is None:
        return
    bom, family, codec = found
    text = data[len(bom) : len(bom) + 1600].decode(codec, errors="ignore")
    match = DECLARED.match(text)
    if match is None:
        return
    declared = match.group(1).upper().replace("_", "-")
    if not declared.startswith(family) and not (family == "UTF-16" and declared == "UCS-2"):
        raise SourceError(
            f"declares encoding {match.group(1)} but starts with a {family} byte order mark",
            path=path,
            line=1,
            column=match.start(1) + 1,
        )


def _position(data: bytes, needle: bytes) -> tuple[int, int | None]:
    """Line and column of `needle` in ASCII-compatible data (else line 1)."""
    at = data.find(needle)
    if at < 0:
        return 1, None
    line_start = data.rfind(b"\n", 0, at) + 1
    return data.count(b"\n", 0, at) + 1, at - line_start + 1


def check_limits(root: etree._Element, path: Path | str, limits: Limits) -> None:
    """Refuse a letter too large to lay out in reasonable time (see Limits)."""

    def refuse(what: str, field: str, at: etree._Element | None) -> SourceError:
        return SourceError(
            f"{what} (limit {env_name(field)}={getattr(limits, field)})",
            path=path,
            line=at.sourceline if at is not None else None,
        )

    # Counting first is cheap (loops in C) and bounds the walk below.
    for count, el in enumerate(root.iter(etree.Element), 1):
        if count > limits.max_elements:
            raise refuse(f"more than {limits.max_elements:,} elements", "max_elements", el)
    for count, el in enumerate(root.iter("note"), 1):
        if count > limits.max_notes:
            raise refuse(f"more than {limits.max_notes:,} footnotes", "max_notes", el)
    for count, el in enumerate(root.iterchildren("annex"), 1):
        if count > limits.max_annexes:
            raise refuse(f"more than {limits.max_annexes:,} annexes", "max_annexes", el)
    _check_notes(root, limits, refuse)
    texts, owners = _walk(root, limits.max_depth, refuse)
    # A word may run across inline elements, so search the text as laid out:
    # joined in document order, a space wherever an element separates words.
    long_word = re.compile(f"[^{XML_SPACE}]{{{limits.max_word + 1},}}")
    match = long_word.search("".join(texts))
    if match is not None:
        ends = itertools.accumulate(len(t) for t in texts)  # the line of the word's start
        owner = owners[next(i for i, end in enumerate(ends) if end > match.start())]
        word = match.group().strip()
        raise refuse(
            f"a word of {len(word):,} characters without a space, {word[:20]!r}…",
            "max_word",
            owner,
        )
    total = sum(len(t) for t in texts)
    if total > limits.max_text:
        raise refuse(f"{total:,} characters of text", "max_text", None)


def _check_notes(root: etree._Element, limits: Limits, refuse) -> None:
    """Footnotes per block and their text in all (layout time grows with both)."""
    per_block: dict[etree._Element, int] = {}
    text = 0
    for note in root.iter("note"):
        block = note.getparent()
        while block is not None and block.tag in INLINE:
            block = block.getparent()
        per_block[block] = per_block.get(block, 0) + 1
        if per_block[block] > limits.max_block_notes:
            raise refuse(
                f"more than {limits.max_block_notes:,} footnotes called from one "
                f"<{block.tag if block is not None else 'letter'}>",
                "max_block_notes",
                note,
            )
        text += sum(len(t) for t in note.itertext())
        if text > limits.max_note_text:
            raise refuse(
                f"more than {limits.max_note_text:,} characters in footnotes",
                "max_note_text",
                note,
            )


def _walk(root: etree._Element, max_depth: int, refuse):
    """The text pieces in document order (a leading space where an element
    separates words) and the element each belongs to; checks the depth."""
    texts: list[str] = []
    owners: list[etree._Element] = []
    depth = 0
    for event, el in etree.iterwalk(root, events=("start", "end")):
        if not isinstance(el.tag, str):  # a comment: only its tail is text
            if event == "end" and el.tail:
                texts.append(el.tail)
                owners.append(el)
            continue
        gap = "" if el.tag in INLINE else " "
        if event == "start":
            depth += 1
            if depth > max_depth:
                raise refuse(f"elements nested more than {max_depth} levels deep", "max_depth", el)
            texts.append(gap + (el.text or ""))
        else:
            depth -= 1
            texts.append(gap + (el.tail or ""))
        owners.append(el)
    return texts, owners


def validate(
    tree: etree._ElementTree,
    path: Path | str,
    limits: Limits | None = None,
    data: bytes | None = None,
) -> None:
    """Check the limits, then the schema; the first problem becomes a SourceError.

    `data`, the source's bytes, lets a schema error name its column too.
    """
    check_limits(tree.getroot(), path, limits or Limits())
    xsd = schema()
    if xsd.validate(tree):
        root = tree.getroot()
        _check_note_references(root, path)
        _check_tables(root, path)
        _check_links(root, path)
        chars.check(root, path)
        return
    err = xsd.error_log.filter_from_errors()[0]
    message = _clean(_one_line(err.message))
    raise SourceError(
        explain(message, _subject(tree, err.line, message)) or f"not a valid letter: {message}",
        path=path,
        line=err.line or None,
        column=err.column or _column(tree, data, err.line, message),
    )


# libxml2's schema messages start with the element (and attribute) concerned.
SCHEMA_SUBJECT = re.compile(r"^Element '([\w:.-]+)'(?:, attribute '([\w:.-]+)')?: (.*)$")


def _subject(tree: etree._ElementTree, line: int | None, message: str) -> list[etree._Element]:
    """The elements a schema error may be about: its tag on the error's line."""
    found = SCHEMA_SUBJECT.match(message)
    if found is None or not line:
        return []
    return [el for el in tree.iter(found.group(1)) if el.sourceline == line]


def _column(
    tree: etree._ElementTree, data: bytes | None, line: int | None, message: str
) -> int | None:
    """libxml2 gives schema errors a line but no column: find the element's tag
    (or the attribute) on that line of the source."""
    found = SCHEMA_SUBJECT.match(message)
    if found is None or not line or data is None:
        return None
    try:
        text = data.decode(tree.docinfo.encoding or "utf-8", errors="replace")
    except LookupError:
        return None
    lines = text.splitlines()
    if line > len(lines):
        return None
    element, attribute, _ = found.groups()
    needle = f"{attribute}=" if attribute else f"<{element}"
    at = lines[line - 1].find(needle)
    return at + 1 if at >= 0 else None


def column_of(data: bytes, line: int | None, pattern: str) -> int | None:
    """The column (1-based) where the regular expression `pattern` first matches on
    `line` of a source (UTF-8 assumed; None when not found)."""
    if not line:
        return None
    lines = data.decode("utf-8", errors="replace").splitlines()
    if line > len(lines):
        return None
    found = re.search(pattern, lines[line - 1])
    return found.start() + 1 if found else None


def _check_note_references(root: etree._Element, path: Path | str) -> None:
    """Every `noteref` names the id of a note (the schema checks only the form)."""
    ids = set(root.xpath("//note/@id"))
    for ref in root.iter("noteref"):
        if ref.get("ref") not in ids:
            raise SourceError(
                f"noteref refers to {ref.get('ref')!r}, but no note has that id",
                path=path,
                line=ref.sourceline,
            )


def _check_tables(root: etree._Element, path: Path | str) -> None:
    """Spans within HTML's caps, and at most MAX_TABLE_CELLS grid cells in all.

    A table's width is bounded by its widest row counted with the cells that
    reach into it from rows above (exact for tables without holes).
    """
    total = 0
    for table in root.iter("table"):
        rows = [row for row in table if row.tag == "tr"]
        ending: dict[int, int] = {}  # row index → colspan of the spans that end before it
        spanning = width = 0  # colspan of the cells that reach into the current row
        for r, row in enumerate(rows):
            spanning -= ending.pop(r, 0)
            from_above, own = spanning, 0
            for cell in row:
                if not isinstance(cell.tag, str):
                    continue
                colspan = _span(cell, "colspan", MAX_COLSPAN, path)
                rowspan = min(_span(cell, "rowspan", MAX_ROWSPAN, path), len(rows) - r)
                own += colspan
                if rowspan > 1:  # a span ends with the table at the latest
                    ending[r + rowspan] = ending.get(r + rowspan, 0) + colspan
                    spanning += colspan
            width = max(width, from_above + own)
        total += width * len(rows)
        if total > MAX_TABLE_CELLS:
            raise SourceError(
                f"a table of {width:,} columns × {len(rows):,} rows is too large: the "
                f"tables of a letter may have at most {MAX_TABLE_CELLS:,} cells in all "
                "(colspan and rowspan count)",
                path=path,
                line=table.sourceline,
            )


def _span(cell: etree._Element, attr: str, cap: int, path: Path | str) -> int:
    """A schema-valid colspan/rowspan (`+007` is 7) as a number, at most `cap`."""
    value = cell.get(attr)
    if value is None:
        return 1
    digits = value.strip().lstrip("+").lstrip("0") or "1"  # the schema excludes 0
    if len(digits) > len(str(cap)) or int(digits) > cap:  # never int() a huge string
        raise SourceError(
            f"{attr}={value.strip()[:20]!r} is more than the limit of {cap:,}",
            path=path,
            line=cell.sourceline,
        )
    return int(digits)


def _check_links(root: etree._Element, path: Path | str) -> None:
    for link in root.iter("a"):
        href = link.get("href") or ""
        if len(href) > MAX_HREF:
            raise SourceError(
                f"a link target of {len(href):,} characters is longer than the limit "
                f"of {MAX_HREF:,}",
                path=path,
                line=link.sourceline,
            )


def _clean(message: str) -> str:
    """libxml2 messages name elements with `{}` prefixes and end oddly."""
    return message.replace("{http://www.w3.org/XML/1998/namespace}", "xml:").strip().rstrip(".")


def load(path: Path | str, data: bytes | None = None, limits: Limits | None = None) -> Letter:
    """Read, validate and model one letter source (limits: the Settings' limits, else defaults)."""
    path = Path(path)
    limits = limits or Limits()
    if data is None:
        data = read_source(path, limits)
    tree = parse(data, path, limits)
    validate(tree, path, limits, data)
    return to_model(tree.getroot(), path, data)


def read_source(path: Path, limits: Limits | None = None) -> bytes:
    """The file's bytes; never more than the size limit (plus one, to tell).

    Only a regular file is read (`briefpers.regular_files`): a FIFO would
    block until someone writes to it, a device may never end.
    """
    limit = (limits or Limits()).max_source_bytes
    try:
        return read_regular(path, limit)  # a huge file is not read whole
    except NotRegularFileError as exc:
        if exc.kind == "a folder":
            raise SourceError("is a folder, not a letter source", path=path) from None
        raise SourceError(
            f"is {exc.kind}, not a letter source: only regular files are read", path=path
        ) from None
    except FileNotFoundError:
        raise SourceError("no such file", path=path) from None
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror}", path=path) from None


def _text(el: etree._Element | None) -> str | None:
    if el is None:
        return None
    return " ".join("".join(el.itertext()).split())


def _line(el: etree._Element | None) -> str | None:
    """An address line: runs of spaces are kept ("2500 EA  DEN HAAG" has two
    between postcode and place, by Dutch convention); line breaks are not."""
    if el is None:
        return None
    # NEL and the line and paragraph separators too (see `chars`).
    return re.sub(r"[\t\r\n\x85\u2028\u2029]+", " ", "".join(el.itertext())).strip()


def _lines(el: etree._Element | None) -> tuple[str, ...]:
    if el is None:
        return ()
    return tuple(_line(line) or "" for line in el.findall("line"))


def to_model(root: etree._Element, path: Path, data: bytes) -> Letter:
    """Build the model from a validated tree."""
    s = root.find("sender")
    sender = Sender(
        organisation=_lines(s.find("organisation")),
        unit=_text(s.find("unit")),
        visiting_address=_lines(s.find("visiting-address")),
        postal_address=_lines(s.find("postal-address")),
        phone=_text(s.find("phone")),
        email=_text(s.find("email")),
        website=_text(s.find("website")),
        return_address=_line(s.find("return-address")),
    )
    refs = root.find("references")
    parl = root.find("parliamentary")
    att = root.find("attachments")
    reissue = _reissue(root)
    date = dt.date.fromisoformat(root.findtext("date").strip())
    if root.find("reissue-of") is not None:  # deprecated: its date is the original's
        date = dt.date.fromisoformat(root.find("reissue-of").get("date"))
    signatories = []
    for sig in root.iterfind("signatories/signatory"):
        image = sig.find("signature")
        signatories.append(
            Signatory(
                function=_text(sig.find("function")) or "",
                name=_text(sig.find("name")) or "",
                signature_src=image.get("src") if image is not None else None,
                signature_alt=image.get("alt") if image is not None else None,
            )
        )
    count = att.get("count") if att is not None else None
    return Letter(
        path=path,
        source=data,
        lang=root.get(XML_LANG),
        theme=root.get("theme"),
        sender=sender,
        recipient=_lines(root.find("recipient")),
        date=date,
        subject=root.find("subject"),
        our_reference=_text(refs.find("ours")) if refs is not None else None,
        your_reference=_text(refs.find("yours")) if refs is not None else None,
        parliamentary=(
            Parliamentary(
                dossier=parl.get("dossier"),
                number=parl.get("number"),
                dossier_title=parl.find("dossier-title"),
                document_title=parl.find("document-title"),
            )
            if parl is not None
            else None
        ),
        attachment_count=int(count) if count is not None else None,
        attachment_titles=tuple(_text(a) or "" for a in att.findall("attachment"))
        if att is not None
        else (),
        reissue=reissue,
        body=root.find("body"),
        closing=root.find("closing"),
        signatories=tuple(signatories),
        annexes=tuple(root.findall("annex")),
        kind=root.get("kind", LETTER),
        place=_text(root.find("place")),
    )


def _reissue(root: etree._Element) -> Reissue | None:
    """`<reissue of date>`; the deprecated `<reissue-of>` dated the letter itself
    with the reissue (its own date attribute was the original's)."""
    new = root.find("reissue")
    if new is not None:
        day = dt.date.fromisoformat(new.get("date"))
        return Reissue(new.get("of"), day, _text(new.find("reason")))
    old = root.find("reissue-of")
    if old is not None:
        return Reissue(old.get("identifier"), dt.date.fromisoformat(root.findtext("date").strip()))
    return None
