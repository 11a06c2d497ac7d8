"""Every internal link and bookmark works, read by readers that are not ours.

veraPDF does not check that a destination exists. Here every output of the
examples and the corpus, in every profile, is opened with pdfminer (the
parser under pdfplumber) and with MuPDF's `mutool`: every link resolves to a
page, lands on what it names (a footnote call on its note, a note's number
on its first call: the same number is printed there), and carries a
structure destination besides; MuPDF resolves the same pages without a
warning. (pdfplumber's own `page.annots` cannot be used: it resolves objects
recursively and loops on the structure tree that structure destinations
point into; see the README.)
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pytest
from lxml import etree
from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import PDFObjRef, resolve1
from pdfminer.psparser import PSLiteral

from briefpers.profiles import PROFILES

from .conftest import CORPUS, EXAMPLES, have

pytestmark = pytest.mark.slow  # every example and corpus letter in every profile

TOLERANCE = 4.0  # points between a destination and the first character there


@dataclass(frozen=True)
class Link:
    page: int  # where the link is (0-based)
    rect: tuple[float, float, float, float]
    description: str
    target_page: int  # where its page destination goes
    x: float
    y: float
    target_type: str  # /S of its structure destination's element


def _name(value) -> str:
    value = resolve1(value)
    return value.name if isinstance(value, PSLiteral) else str(value)


def _text(value) -> str:
    value = resolve1(value)
    return value.decode("utf-16") if value[:2] == b"\xfe\xff" else value.decode("latin-1")


def _goto(action, page_index: dict[int, int]) -> tuple[int, float, float, str]:
    """A GoTo action → (page, x, y, structure type); asserts both destinations."""
    assert _name(action["S"]) == "GoTo"
    dest = resolve1(action["D"])
    assert isinstance(dest[0], PDFObjRef), "an explicit page destination"
    assert _name(dest[1]) == "XYZ"
    structure = resolve1(action["SD"])  # the PDF 2.0 structure destination
    element = resolve1(structure[0])
    assert _name(element["Type"]) == "StructElem"
    assert [_name(v) for v in structure[1:2]] == ["XYZ"]
    return page_index[dest[0].objid], float(dest[2]), float(dest[3]), _name(element["S"])


def read_links(path: Path) -> tuple[list[Link], list[tuple[str, int, float, float, str]]]:
    """Internal links and (title, page, x, y, type) of bookmarks, as pdfminer reads them."""
    links, bookmarks = [], []
    with path.open("rb") as f:
        doc = PDFDocument(PDFParser(f))
        pages = list(PDFPage.create_pages(doc))
        page_index = {p.pageid: i for i, p in enumerate(pages)}
        for number, page in enumerate(pages):
            for ref in resolve1(page.annots) or []:
                annot = resolve1(ref)
                if _name(annot["Subtype"]) != "Link":
                    continue
                assert "Dest" not in annot, "the destination is in the action"
                action = resolve1(annot["A"])
                if _name(action["S"]) == "URI":
                    continue
                target, x, y, kind = _goto(action, page_index)
                rect = tuple(float(v) for v in resolve1(annot["Rect"]))
                links.append(Link(number, rect, _text(annot["Contents"]), target, x, y, kind))
        for _level, title, dest, action, se in doc.get_outlines():
            assert dest is None and action is not None and se is not None
            target, x, y, kind = _goto(resolve1(action), page_index)
            bookmarks.append((title, target, x, y, kind))
        # WeasyPrint's named destinations stay for deep links (letter.pdf#note-1).
        if any(link.target_type in ("Note", "FENote") for link in links):
            assert doc.get_dest(b"note-1") is not None
    return links, bookmarks


def text_under(page, rect) -> str:
    """The characters inside a link's rectangle (PDF coordinates)."""
    x0, y0, x1, y1 = rect
    low, high = min(y0, y1), max(y0, y1)
    chars = [
        c
        for c in page.chars
        if x0 - 0.5 <= (c["x0"] + c["x1"]) / 2 <= x1 + 0.5
        and low - 0.5 <= page.height - (c["top"] + c["bottom"]) / 2 <= high + 0.5
    ]
    return "".join(c["text"] for c in chars).strip()


def word_at(page, x: float, y: float) -> tuple[str, str, float]:
    """The word (and the rest of its line) whose first character is nearest to
    the point (PDF coordinates), and how far that character is from it."""

    def distance(c) -> float:
        # An /XYZ destination names the top left of what it shows: the point
        # lies within the first character's height or a little above it.
        top, bottom = page.height - c["top"], page.height - c["bottom"]
        dy = 0.0 if bottom <= y <= top + 3 else min(abs(y - top), abs(y - bottom))
        return dy + abs(c["x0"] - x)

    first = min((c for c in page.chars if c["text"].strip()), key=distance)
    line = sorted(
        (c for c in page.chars if abs(c["top"] - first["top"]) < 0.5 and c["x0"] >= first["x0"]),
        key=lambda c: c["x0"],
    )
    words, end = [""], line[0]["x0"]
    for c in line:  # words end at a space or at a gap (the label of a note is a box)
        if c["text"].isspace() or c["x0"] - end > 1.0:
            words.append("")
        words[-1] += c["text"].strip()
        end = c["x1"]
    words = [w for w in words if w]
    return words[0], " ".join(words), distance(first)


def test_every_link_lands_on_what_it_names(built_profiles) -> None:
    counted = {"call": 0, "back": 0, "bookmark": 0}
    for (profile, stem), path in built_profiles.items():
        links, bookmarks = read_links(path)
        with pdfplumber.open(path) as plumber:
            for link in links:
                where = f"{profile}/{stem} p{link.page + 1} {link.description!r}"
                x0, y0, x1, y1 = link.rect
                assert x1 - x0 >= 1 and abs(y1 - y0) >= 1, f"{where}: no area to click"
                number = text_under(plumber.pages[link.page], link.rect)
                assert number.isdigit(), f"{where}: {number!r} under the link"
                landed, _, off = word_at(plumber.pages[link.target_page], link.x, link.y)
                assert (landed, off < TOLERANCE) == (number, True), (where, landed, off)
                # a call opens its note; a note's number opens its (first) call
                kind = "call" if link.target_type in ("Note", "FENote") else "back"
                assert link.target_type in ("Note", "FENote", "Link"), where
                assert link.description.endswith(f" {number}"), where
                counted[kind] += 1
            for title, page, x, y, kind in bookmarks:
                where = f"{profile}/{stem} bookmark {title!r}"
                assert kind in ("H1", "H2", "H3", "H4", "H5", "H6"), where
                _, line, off = word_at(plumber.pages[page], x, y)
                assert off < TOLERANCE and title.split()[0] in line, (where, line)
                counted["bookmark"] += 1
    # Every note of every source has its call and its link back, every further
    # call (<noteref>) links too, and every letter has bookmarks.
    notes, refs = 0, 0
    for source in EXAMPLES + CORPUS:
        root = etree.parse(str(source)).getroot()
        notes += len(root.findall(".//note"))
        refs += len(root.findall(".//noteref"))
    assert refs > 0 and notes > 30, "the corpus covers repeated calls and many notes"
    assert counted["back"] == notes * len(PROFILES), counted
    assert counted["call"] == (notes + refs) * len(PROFILES), counted
    assert counted["bookmark"] >= len(built_profiles), counted


MUTOOL_SCRIPT = """
var doc = new Document(scriptArgs[0]);
function visit(items) {
  for (var i = 0; i < items.length; i++) {
    var target = doc.resolveLink(items[i].uri);
    print(JSON.stringify({bookmark: items[i].title, page: target.page}));
    if (items[i].down) visit(items[i].down);
  }
}
for (var p = 0; p < doc.countPages(); p++) {
  var links = doc.loadPage(p).getLinks();
  for (var j = 0; j < links.length; j++) {
    if (links[j].uri.charAt(0) != "#") continue;
    print(JSON.stringify({from: p, page: doc.resolveLink(links[j].uri).page}));
  }
}
visit(doc.loadOutline() || []);
"""


@pytest.mark.skipif(not have("mutool"), reason="mutool (Debian mupdf-tools) is missing")
def test_mupdf_resolves_the_same_pages_without_warnings(built_profiles, tmp_path) -> None:
    script = tmp_path / "links.js"
    script.write_text(MUTOOL_SCRIPT)
    for (profile, stem), path in built_profiles.items():
        run = subprocess.run(
            ["mutool", "run", str(script), str(path)],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        assert run.stderr.strip() == "", (profile, stem, run.stderr)
        found = [json.loads(line) for line in run.stdout.splitlines()]
        links, bookmarks = read_links(path)
        assert [(f["from"], f["page"]) for f in found if "from" in f] == [
            (link.page, link.target_page) for link in links
        ], (profile, stem)
        assert [(f["bookmark"], f["page"]) for f in found if "bookmark" in f] == [
            (title, page) for title, page, *_ in bookmarks
        ], (profile, stem)
