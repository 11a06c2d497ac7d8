"""Helpers for tests that read what a PDF says."""

from __future__ import annotations

import re
from copy import deepcopy
from pathlib import Path

import pdfplumber
from lxml import etree

MM = 72 / 25.4


def pdf_text(path: Path, *, max_x_mm: float | None = None) -> str:
    """All text of the PDF, page after page (pdfplumber: no system tools needed).

    `max_x_mm` keeps only what lies left of that x, e.g. the body column
    without the reference column beside it.
    """
    with pdfplumber.open(path) as pdf:
        pages = [p.crop((0, 0, max_x_mm * MM, p.height)) if max_x_mm else p for p in pdf.pages]
        text = "\n".join(page.extract_text() or "" for page in pages)
    # Hyphenation is off, so a line-end hyphen is part of the word (NAVO-verdragsgebied).
    return re.sub(r"(?<=\w)-\n(?=\w)", "-", text)


def words(text: str, *, drop_calls: bool = False) -> list[str]:
    """Words in order; `drop_calls` removes footnote calls glued to a word ("NAVO.1")."""
    if drop_calls:
        text = re.sub(r"(?<=[^\W\d]|[.,;:)])\d{1,2}(?=\s|$)", "", text)
    return re.findall(r"\w[\w’'./-]*", text)


BLOCKS = ("p", "li", "th", "td", "tr", "caption", "heading", "title", "function", "name", "line")


def source_words(path: Path, xpath: str, *, notes: bool = False) -> list[str]:
    """Words of the source's content, in order; footnote text left out unless asked."""
    root = etree.parse(str(path)).getroot()
    out: list[str] = []
    for el in root.xpath(xpath):
        copy = deepcopy(el)
        copy.tail = None
        if not notes:
            for note in copy.iter("note"):
                tail = note.tail
                note.getparent().remove(note) if tail is None else _drop_keep_tail(note)
        for block in copy.iter(*BLOCKS):  # block boundaries separate words
            block.tail = " " + (block.tail or "")
        out.extend(words("".join(copy.itertext())))
    return out


def _drop_keep_tail(el: etree._Element) -> None:
    parent, prev = el.getparent(), el.getprevious()
    if prev is not None:
        prev.tail = (prev.tail or "") + el.tail
    else:
        parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def in_order(needles: list[str], haystack: list[str]) -> list[str]:
    """The needles not found in order in the haystack (empty when all are)."""
    missing, pos = [], 0
    for word in needles:
        try:
            pos = haystack.index(word, pos) + 1
        except ValueError:
            missing.append(word)
    return missing
